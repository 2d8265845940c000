"""Write the bundled RAW sample for the packaged app's self-test: a tiny, dark camera DNG.

    python packaging/make_sample_dng.py        # writes resources/sample/sample.dng (~15 KB)

The scene is make_sample.py's synthetic night street (nothing from a data set), cropped to 3:2,
averaged down to 96x64, under-exposed about 3 stops with shot and read noise, then
written by tests/rawfixtures.py as a 14-bit RGGB DNG with a camera white balance, an embedded
JPEG preview and camera metadata, so one small file exercises decoding, thumbnails and EXIF.
It lives beside night.jpg in resources/sample/, which build.spec already bundles. The seed is
fixed, so a rerun writes the same picture.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(HERE), str(ROOT)]

from make_sample import scene  # packaging/ is not a package

from tests.rawfixtures import linear_to_srgb, write_dng

W, H = 96, 64
OUT = ROOT / "resources" / "sample" / "sample.dng"
META = {"make": "Lowlight", "model": "Sample DNG", "iso": 6400, "exposure": (1, 15),
        "fnumber": (18, 10), "datetime": "2024:06:07 22:15:00", "lens": "Synthetic 28mm F1.8",
        "focal": (28, 1)}


def main(out: Path = OUT) -> Path:
    rng = np.random.default_rng(20240607)
    lin = scene(rng)[22:278, 8:392]  # 384x256: 3:2, four times the sample's size
    lin = lin.reshape(H, 4, W, 4, 3).mean(axis=(1, 3))
    photons = 1500.0  # a dark exposure (1/8 of the light), noisy but still recognisable
    dark = rng.poisson(lin * 0.125 * photons).astype(np.float32) / photons
    dark += rng.normal(0.0, 0.002, dark.shape).astype(np.float32)  # read noise
    srgb = linear_to_srgb(dark)
    return write_dng(out, srgb, preview="jpeg", preview_side=64, meta=META)


if __name__ == "__main__":
    path = main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)
    print(f"wrote {path} ({path.stat().st_size // 1024} KB)")
