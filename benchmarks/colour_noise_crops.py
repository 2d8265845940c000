"""100 % crops of the real camera-resolution photos without | with ``--colour-noise 1``.

    python benchmarks/colour_noise_crops.py [--out docs/colour_noise]

Through the app's own path (``enhance_pixels``, shipped model, default settings otherwise): the
ISO 51200 frame's night sky (its single-frame quarter as a photo of its own, as
``real_photos.py`` scores it), three of the city photo's lamps and the phone photo's lamp.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from PIL import Image

from lowlight_gui.core.engine import Engine
from lowlight_gui.core.enhance import enhance_pixels
from lowlight_gui.core.imageio import read_photo

ROOT = Path(__file__).resolve().parents[1]
HIGHRES = ROOT.parent / "shared" / "data" / "real-highres"
GAP = 8
# name: (photo, quarter only?, [(top, left, height, width)])
CROPS = {
    "iso51200_sky": ("city_night_iso51200_single_vs_merged.jpg", True, [(300, 1000, 400, 600)]),
    "city_lamps": ("city_night_iso51200_single_vs_merged.jpg", False,
                   [(1478, 2231, 300, 400), (898, 1587, 300, 400), (1567, 2555, 300, 400)]),
    "phone_lamp": ("phone_night_street_iso1200.jpg", False,
                   [(1086, 105, 300, 400), (1233, 408, 300, 400)]),
}


def side_by_side(data: np.ndarray, engine: Engine, boxes: list[tuple[int, int, int, int]]):
    off = enhance_pixels(data, engine)
    on = enhance_pixels(data, engine, colour_noise=1.0)
    rows = []
    for top, left, h, w in boxes:
        sl = np.s_[top : top + h, left : left + w]
        rows.append(np.concatenate([off[sl], np.full((h, GAP, 3), 255, np.uint8), on[sl]], 1))
        rows.append(np.full((GAP, rows[-1].shape[1], 3), 255, np.uint8))
    return np.concatenate(rows[:-1], 0)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--out", type=Path, default=ROOT / "docs" / "colour_noise")
    p.add_argument("--model", type=Path, default=ROOT / "models" / "lowlight_unet.onnx")
    a = p.parse_args()
    engine = Engine(a.model, threads=0)
    a.out.mkdir(parents=True, exist_ok=True)
    for name, (photo, quarter, boxes) in CROPS.items():
        data = read_photo(HIGHRES / photo).data
        if quarter:
            data = np.ascontiguousarray(data[: data.shape[0] // 2, : data.shape[1] // 2])
        Image.fromarray(side_by_side(data, engine, boxes)).save(a.out / f"{name}.jpg", quality=92)
        print(a.out / f"{name}.jpg")


if __name__ == "__main__":
    main()
