"""A screen-sized region of a photo vs the whole photo, through the one pipeline.

    python benchmarks/region_speed.py PHOTO [--region X Y W H] [--provider cpu] [--threads 0]

``pipeline.develop(..., region=box)`` runs only the tiles that reach the box, with the whole
photo's plan (decided once, ``pipeline.plan``) and tile grid, so its pixels are the whole
result's; this prints the seconds of the plan, of the region and of the whole photo, and checks
that the region equals the same crop of the whole.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from lowlight_gui.core.engine import Engine
from lowlight_gui.core.imageio import read_photo
from lowlight_gui.core.pipeline import develop, plan
from lowlight_gui.core.tiling import Box


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("photo", type=Path)
    parser.add_argument("--region", type=int, nargs=4, metavar=("X", "Y", "W", "H"),
                        help="default: 1280x800 at the middle of the photo")
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--provider", default="auto")
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--tile", type=int, default=1024)
    args = parser.parse_args()

    photo = read_photo(args.photo)
    engine = Engine(args.model, provider=args.provider, threads=args.threads)
    h, w = photo.data.shape[:2]
    if args.region:
        box = Box(*args.region)
    else:
        bw, bh = min(1280, w), min(800, h)
        box = Box((w - bw) // 2, (h - bh) // 2, bw, bh)
    t0 = time.perf_counter()
    how = plan(photo.data, engine)
    t_plan = time.perf_counter() - t0
    t0 = time.perf_counter()
    part = develop(photo.data, engine, how, tile=args.tile, region=box).pixels
    t_region = time.perf_counter() - t0
    t0 = time.perf_counter()
    whole = develop(photo.data, engine, how, tile=args.tile).pixels
    t_whole = time.perf_counter() - t0
    same = np.array_equal(part, whole[box.y : box.bottom, box.x : box.right])
    print(
        f"{w}x{h} on {engine.active_provider}: plan {t_plan:.2f} s, region {box.width}x"
        f"{box.height} {t_region:.2f} s, whole {t_whole:.2f} s; region == crop of whole: {same}"
    )


if __name__ == "__main__":
    main()
