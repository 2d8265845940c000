"""Time several ONNX models in one run on the same inputs (ms per megapixel, best of N).

    python benchmarks/compare_speed.py models/lowlight_unet.onnx runs/prototype/prototype.onnx

The first model is the reference for the "x faster" column.

    python benchmarks/compare_speed.py A.onnx B.onnx --network --repeat 30

``--network`` times the graphs alone (the ONNX session on a 600x400 and a 1024x1024 input, no
tiling or colour work around it), the models' runs alternated so that the machine's other load
falls on all of them alike; it prints each model's best and median and the median of the
run-by-run ratios to the first model, the figure to quote on a busy 2-core machine.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from lowlight_gui.core.engine import Engine
from lowlight_gui.core.enhance import enhance_array

SIZES = {"600x400 whole": (400, 600, 0), "2 MP tiled": (1200, 1600, 512)}


def best_ms_per_mp(engine: Engine, h: int, w: int, tile: int, repeat: int) -> float:
    rgb = (np.random.default_rng(0).random((h, w, 3), dtype=np.float32) * 0.2).astype(np.float32)
    enhance_array(rgb, engine, tile=tile)  # warm-up: the session plans its shapes
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        enhance_array(rgb, engine, tile=tile)
        times.append(time.perf_counter() - t0)
    return min(times) * 1000 / (h * w / 1e6)


def network_times(paths: list[Path], h: int, w: int, *, threads: int, repeat: int) -> dict[str, np.ndarray]:
    """Seconds of ``repeat`` runs of each graph alone on one h x w input, the models alternated."""
    import onnxruntime as ort

    rng = np.random.default_rng(0)
    feeds = {
        "input": rng.random((1, 3, h, w), dtype=np.float32) * 0.2,
        "thumb": rng.random((1, 3, 128, 128), dtype=np.float32) * 0.2,
        "exposure": np.zeros(1, np.float32),
        "lift": np.zeros(1, np.float32),
    }
    sessions = []
    for path in paths:
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        session = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
        names = {i.name for i in session.get_inputs()}
        feed = {k: v for k, v in feeds.items() if k in names}
        session.run(["output"], feed)  # warm-up: the session plans its shapes
        sessions.append((session, feed))
    times: dict[str, list[float]] = {str(p): [] for p in paths}  # (two files may share a name)
    for _ in range(repeat):
        for path, (session, feed) in zip(paths, sessions, strict=True):
            t0 = time.perf_counter()
            session.run(["output"], feed)
            times[str(path)].append(time.perf_counter() - t0)
    return {k: np.array(v) for k, v in times.items()}


def print_network(paths: list[Path], *, threads: int, repeat: int) -> None:
    print("| model | input | best (ms) | median (ms) | median of paired ratios to the first |")
    print("|---|---|---|---|---|")
    for h, w in ((400, 600), (1024, 1024)):
        t = network_times(paths, h, w, threads=threads, repeat=repeat)
        ref = t[str(paths[0])]
        for name, s in t.items():
            print(f"| {name} | {w}x{h} | {s.min() * 1e3:.1f} | {np.median(s) * 1e3:.1f} | "
                  f"{np.median(s / ref):.2f}x |")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("models", type=Path, nargs="+")
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--network", action="store_true", help="time the graphs alone, alternated")
    a = p.parse_args()
    if a.network:
        print_network(a.models, threads=a.threads, repeat=a.repeat)
        return
    results: dict[str, dict[str, float]] = {}
    for path in a.models:
        engine = Engine(path, provider="CPU", threads=a.threads)
        results[path.name] = {
            case: best_ms_per_mp(engine, h, w, tile, a.repeat) for case, (h, w, tile) in SIZES.items()
        }
    ref = results[a.models[0].name]
    print(f"| model | {' | '.join(f'{c} (ms/MP)' for c in SIZES)} | slower than {a.models[0].name} |")
    print("|---" * (len(SIZES) + 2) + "|")
    for name, r in results.items():
        ratio = np.mean([r[c] / ref[c] for c in SIZES])
        print(f"| {name} | {' | '.join(f'{r[c]:.0f}' for c in SIZES)} | {ratio:.1f}x |")


if __name__ == "__main__":
    main()
