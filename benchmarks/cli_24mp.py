"""A 24 MP JPEG through `lowlight enhance`, end to end, for several models in the same run.

    python benchmarks/cli_24mp.py --model v2=OLD.onnx --model v3=models/lowlight_unet.onnx [--repeat 2]
    python benchmarks/cli_24mp.py --model v3=M.onnx --model "v3 colour=M.onnx;--colour-noise 1"

Makes one 6000x4000 night JPEG (a LOL photo upscaled, with sensor-like noise), then runs the real
command line in fresh processes (decode, model load, enhance, encode, write), alternating the
models so that a busy moment of the machine hits them alike, and prints the best wall time of
each and its seconds per megapixel.
"""

from __future__ import annotations

import argparse
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
LOL = ROOT.parent / "shared" / "data" / "lol" / "train" / "low" / "2.webp"


def make_photo(path: Path, w: int = 6000, h: int = 4000) -> Path:
    rng = np.random.default_rng(0)
    if LOL.exists():
        im = Image.open(LOL).convert("RGB").resize((w, h), Image.BICUBIC)
        arr = np.asarray(im, np.float32)
    else:
        arr = np.full((h, w, 3), 20, np.float32)
    arr = np.clip(arr + rng.normal(0, 3, arr.shape).astype(np.float32), 0, 255).astype(np.uint8)
    Image.fromarray(arr).save(path, quality=92)
    return path


def run_once(
    model: Path, photo: Path, out: Path, threads: int, extra: list[str] | None = None
) -> float:
    t0 = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "lowlight_gui.cli", "enhance", str(photo), "-o", str(out),
         "--overwrite", "--model", str(model), "--threads", str(threads), *(extra or [])],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--model", action="append", required=True,
                   help="NAME=PATH[;MORE CLI ARGUMENTS] (repeat)")
    p.add_argument("--repeat", type=int, default=2)
    p.add_argument("--threads", type=int, default=0)
    a = p.parse_args(argv)
    models = []
    for m in a.model:
        spec, _, extra = m.partition(";")
        name, _, path = spec.rpartition("=")
        models.append((name or Path(path).stem, Path(path), shlex.split(extra)))
    with tempfile.TemporaryDirectory() as tmp:
        photo = make_photo(Path(tmp) / "night24.jpg")
        times: dict[str, list[float]] = {name: [] for name, _, _ in models}
        for _ in range(a.repeat):
            for name, path, extra in models:
                times[name].append(run_once(path, photo, Path(tmp) / name, a.threads, extra))
    for name, ts in times.items():
        best = min(ts)
        print(f"{name}: best {best:.1f} s of {len(ts)} ({best / 24:.2f} s/MP end to end; all: "
              f"{', '.join(f'{t:.1f}' for t in ts)})")


if __name__ == "__main__":
    main()
