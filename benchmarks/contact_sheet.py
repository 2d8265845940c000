"""Before | after contact sheet of a model on a folder of real photos (no references needed).

    python benchmarks/contact_sheet.py ../shared/data/real-dev docs/contact_sheet.png
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from lowlight_gui.core.engine import Engine
from lowlight_gui.core.enhance import enhance_array
from lowlight_gui.core.imageio import SUPPORTED_SUFFIXES, read_photo


def to_thumb(rgb: np.ndarray, height: int) -> Image.Image:
    im = Image.fromarray((np.clip(rgb, 0, 1) * 255).round().astype(np.uint8))
    return im.resize((max(1, round(im.width * height / im.height)), height), Image.LANCZOS)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("folder", type=Path)
    p.add_argument("out", type=Path)
    p.add_argument("--model", type=Path)
    p.add_argument("--height", type=int, default=180, help="thumbnail height in pixels")
    p.add_argument("--columns", type=int, default=4, help="before|after pairs per row")
    p.add_argument("--limit", type=int, default=0)
    p.add_argument("--threads", type=int, default=0, help="CPU threads (0: all cores)")
    a = p.parse_args()

    engine = Engine(a.model, threads=a.threads)
    files = sorted(f for f in a.folder.iterdir() if f.suffix.lower() in SUPPORTED_SUFFIXES)
    files = files[: a.limit] if a.limit else files
    cells = []
    for f in files:
        photo = read_photo(f)
        out = enhance_array(photo.pixels, engine)
        before, after = to_thumb(photo.pixels, a.height), to_thumb(out, a.height)
        cell = Image.new("RGB", (before.width + after.width + 2, a.height + 16), (32, 32, 32))
        cell.paste(before, (0, 16))
        cell.paste(after, (before.width + 2, 16))
        ImageDraw.Draw(cell).text((3, 2), f"{f.name}: before | after", fill=(220, 220, 220))
        cells.append(cell)
        print(f"{f.name} done", flush=True)
    rows = [cells[i : i + a.columns] for i in range(0, len(cells), a.columns)]
    width = max(sum(c.width for c in r) + 6 * (len(r) - 1) for r in rows)
    sheet = Image.new("RGB", (width, len(rows) * (a.height + 22)), (18, 18, 18))
    for y, row in enumerate(rows):
        x = 0
        for c in row:
            sheet.paste(c, (x, y * (a.height + 22)))
            x += c.width + 6
    a.out.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(a.out, optimize=True)
    print(f"wrote {a.out} ({sheet.width}x{sheet.height})")


if __name__ == "__main__":
    main()
