"""Speed and peak memory of the enhance path (enhance_array: gain, tiles, blend, strength).

    python benchmarks/bench_speed.py                  # the shipped model
    python benchmarks/bench_speed.py --model m.onnx --threads 4 --repeat 5
    python benchmarks/bench_speed.py --tiny           # a tiny random model (no trained model needed)

Each case runs in a fresh subprocess so that peak RSS (getrusage ru_maxrss) is that case's own.
Cases: 600x400 tiled, 6000x4000 (24 MP) tiled, and whole-image runs (--tile 0) at 600x400 and
about 2 MP. Prints milliseconds per megapixel (best of --repeat, after one warm-up run) and the
peak RSS of the process.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script from a checkout

from lowlight_gui.core.enhance import DEFAULT_TILE

# name, height, width, whole image?
CASES = [
    ("600x400 tiled", 400, 600, False),
    ("24 MP tiled", 4000, 6000, False),
    ("600x400 whole", 400, 600, True),
    ("2 MP whole", 1152, 1728, True),
]


def peak_rss_mb() -> float:
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 / 1024 if sys.platform == "darwin" else peak / 1024  # bytes on macOS, KiB


def make_image(h: int, w: int):
    """A dark, smooth + noisy float32 image, built without float64 temporaries."""
    import numpy as np

    rng = np.random.default_rng(0)
    img = rng.random((h, w, 3), dtype=np.float32)
    img *= 0.08
    img += np.linspace(0.02, 0.2, w, dtype=np.float32)[None, :, None]
    img += np.linspace(0.0, 0.1, h, dtype=np.float32)[:, None, None]
    return img


def child(args: argparse.Namespace) -> None:
    sys.path.insert(0, str(ROOT))
    from lowlight_gui.core.engine import Engine
    from lowlight_gui.core.enhance import enhance_array

    name, h, w, whole = CASES[args.child]
    tile = 0 if whole else args.tile
    engine = Engine(args.model, provider=args.provider, threads=args.threads)
    # warm-up: a run of the same tile shape, so that session planning is not timed
    warm_h, warm_w = (h, w) if (whole or h * w <= 4_000_000) else (min(h, 2 * tile), min(w, 2 * tile))
    enhance_array(make_image(warm_h, warm_w), engine, tile=tile)
    img = make_image(h, w)
    repeat = args.repeat if h * w <= 4_000_000 else max(1, min(args.repeat, args.big_repeat))
    times = []
    tiles = [0]
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = enhance_array(img, engine, tile=tile, on_tile=lambda d, t: tiles.__setitem__(0, t))
        times.append(time.perf_counter() - t0)
        del out
    mp = h * w / 1e6
    print(json.dumps({
        "case": name, "size": f"{w}x{h}", "tile": tile, "tiles": tiles[0],
        "provider": engine.active_provider, "threads": engine.threads,
        "best_ms_per_mp": min(times) * 1000 / mp, "mean_ms_per_mp": sum(times) / len(times) * 1000 / mp,
        "seconds": min(times), "peak_rss_mb": peak_rss_mb(),
    }))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, help="ONNX model (default: the shipped model)")
    parser.add_argument("--tiny", action="store_true",
                        help="benchmark a tiny random model built with tests/models.py")
    parser.add_argument("--threads", type=int, default=0, help="intra-op threads (0 = all cores)")
    parser.add_argument("--tile", type=int, default=DEFAULT_TILE, help=f"tile size for the tiled cases (default {DEFAULT_TILE})")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per case (best is shown)")
    parser.add_argument("--big-repeat", type=int, default=1,
                        help="at most this many timed runs for the 24 MP case (default 1)")
    parser.add_argument("--provider", default="auto")
    parser.add_argument("--cases", default=",".join(str(i) for i in range(len(CASES))),
                        help="comma-separated case numbers: " + ", ".join(
                            f"{i}={c[0]}" for i, c in enumerate(CASES)))
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child is not None:
        child(args)
        return 0

    tmp = None
    if args.tiny:
        sys.path.insert(0, str(ROOT))
        from tests.models import make_tiny_model

        tmp = tempfile.TemporaryDirectory()
        args.model = make_tiny_model(Path(tmp.name) / "tiny.onnx", levels=3, channels=8,
                                     with_gain=True)
    if args.model is None:
        sys.path.insert(0, str(ROOT))
        from lowlight_gui.resources import default_model_path

        args.model = default_model_path()
    if not Path(args.model).is_file():
        print(f"model not found: {args.model} (pass --model PATH or --tiny)", file=sys.stderr)
        return 2

    print(f"model {args.model} ({Path(args.model).stat().st_size / 1e6:.2f} MB), "
          f"threads {args.threads or os.cpu_count()}, tile {args.tile}, repeat {args.repeat}")
    print(f"{'case':<16} {'size':>10} {'tiles':>6} {'prov':>5} {'best ms/MP':>11} "
          f"{'mean ms/MP':>11} {'seconds':>8} {'peak RSS MB':>12}")
    results = []
    for index in (int(c) for c in args.cases.split(",") if c.strip()):
        cmd = [sys.executable, __file__, "--child", str(index), "--model", str(args.model),
               "--threads", str(args.threads), "--tile", str(args.tile), "--repeat",
               str(args.repeat), "--big-repeat", str(args.big_repeat), "--provider", args.provider]
        proc = subprocess.run(cmd, check=False, capture_output=True, text=True)
        if proc.returncode != 0:
            print(f"{CASES[index][0]:<16} FAILED: {proc.stderr.strip().splitlines()[-1:]}")
            continue
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        results.append(r)
        print(f"{r['case']:<16} {r['size']:>10} {r['tiles']:>6} {r['provider']:>5} "
              f"{r['best_ms_per_mp']:>11.1f} {r['mean_ms_per_mp']:>11.1f} {r['seconds']:>8.2f} "
              f"{r['peak_rss_mb']:>12.0f}", flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    if tmp is not None:
        tmp.cleanup()
    return 0 if len(results) == len(args.cases.split(",")) else 1


if __name__ == "__main__":
    sys.exit(main())
