"""Speed through the app itself: `lowlight enhance` on a folder of 600x400 photos, default settings.

    python benchmarks/cli_speed.py [--model PATH] [--photos 20] [--threads 2]

Runs the real command line twice in fresh processes, on 1 photo and on 1 + N photos, and reports
(time(1 + N) - time(1)) / N: the time per photo after the first, with start-up, model loading
and the first run's planning taken out. Also prints where the time of one photo goes
(decode, enhance, encode and write) measured in-process.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
LOL = ROOT.parent / "shared" / "data" / "lol" / "train" / "low"


def make_photos(folder: Path, n: int) -> list[Path]:
    """n 600x400 JPEGs: LOL's dark photos when they are beside the checkout, else noise."""
    folder.mkdir(parents=True, exist_ok=True)
    sources = sorted(LOL.glob("*.webp"))[:n] if LOL.exists() else []
    rng = np.random.default_rng(0)
    paths = []
    for i in range(n):
        if i < len(sources):
            im = Image.open(sources[i]).convert("RGB")
        else:
            im = Image.fromarray((rng.random((400, 600, 3)) * 40).astype(np.uint8))
        path = folder / f"photo{i:03d}.jpg"
        im.save(path, quality=92)
        paths.append(path)
    return paths


def run_cli(folder: Path, args: list[str]) -> float:
    out = folder / "enhanced"
    shutil.rmtree(out, ignore_errors=True)
    t0 = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "lowlight_gui.cli", "enhance", str(folder), *args],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - t0


def breakdown(photo: Path, model: Path | None, threads: int) -> dict[str, float]:
    from lowlight_gui.core import imageio
    from lowlight_gui.core.engine import Engine
    from lowlight_gui.core.enhance import enhance_photo

    engine = Engine(model, provider="CPU", threads=threads)
    times: dict[str, list[float]] = {"decode": [], "enhance": [], "encode+write": []}
    out = Path(tempfile.mkdtemp()) / "out.jpg"
    for _ in range(4):
        t0 = time.perf_counter()
        p = imageio.read_photo(photo)
        t1 = time.perf_counter()
        pixels = enhance_photo(p, engine)
        t2 = time.perf_counter()
        imageio.write_photo(p, pixels, out)
        t3 = time.perf_counter()
        for v, t in zip(times.values(), (t1 - t0, t2 - t1, t3 - t2), strict=False):
            v.append(t)
    return {k: float(np.median(v[1:])) for k, v in times.items()}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--model", type=Path)
    p.add_argument("--photos", type=int, default=20)
    p.add_argument("--threads", type=int, default=0)
    a = p.parse_args()
    extra = (["--model", str(a.model)] if a.model else []) + (
        ["--threads", str(a.threads)] if a.threads else []
    )
    with tempfile.TemporaryDirectory() as tmp:
        one, many = Path(tmp) / "one", Path(tmp) / "many"
        make_photos(one, 1)
        photos = make_photos(many, a.photos + 1)
        t1 = min(run_cli(one, extra) for _ in range(2))
        tn = min(run_cli(many, extra) for _ in range(2))
        per = (tn - t1) / a.photos
        mp = 0.24
        print(f"CLI, {a.photos} photos 600x400 after the first: {per * 1e3:.0f} ms per photo, "
              f"{per / mp:.2f} s/MP (1 photo {t1:.2f} s, {a.photos + 1} photos {tn:.2f} s; "
              f"{os.cpu_count()} cores)")
        parts = breakdown(photos[0], a.model, a.threads)
        print("one photo in-process: " + ", ".join(f"{k} {v * 1e3:.0f} ms" for k, v in parts.items()))


if __name__ == "__main__":
    main()
