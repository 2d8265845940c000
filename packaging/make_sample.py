"""Draw the bundled self-test photo: a small, synthetic, dark and noisy night scene.

    python packaging/make_sample.py            # writes resources/sample/night.jpg

Nothing here comes from a data set: a sky gradient, a moon, houses with a few lit windows, a
street lamp and a road are drawn in linear light, exposed about 5 stops too dark, given shot and
read noise like a phone sensor at high ISO, and written as an sRGB JPEG (~400x300, quality 90: a PNG of this much noise is ~250 KB). The
seed is fixed, so the file is the same on every run.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from PIL import Image

W, H = 400, 300
OUT = Path(__file__).resolve().parent.parent / "resources" / "sample" / "night.jpg"


def scene(rng: np.random.Generator) -> np.ndarray:
    """The well-lit scene, linear RGB 0..1, HxWx3 float32."""
    y, x = np.mgrid[0:H, 0:W].astype(np.float32)
    img = np.zeros((H, W, 3), np.float32)
    # sky: deep blue at the top to a warm haze at the horizon
    t = (y / (H * 0.62)).clip(0, 1)[..., None]
    img[:] = (1 - t) * np.array([0.05, 0.10, 0.30]) + t * np.array([0.45, 0.35, 0.30])
    # moon with a soft halo
    d = np.hypot(x - 320, y - 55)
    img += (np.exp(-((d / 40) ** 2)) * 0.25)[..., None] * np.array([0.9, 0.9, 1.0])
    img[d < 14] = (0.95, 0.95, 0.85)
    # road (lower part) with a centre line
    road = y > H * 0.78
    img[road] = (0.22, 0.22, 0.24)
    img[road & (np.abs(x - W / 2 - (y - H) * 0.4) < 2) & ((x // 16) % 2 == 0)] = (0.8, 0.8, 0.7)
    # houses with roofs and a few lit windows
    for x0, w, h, col in [
        (10, 80, 110, (0.55, 0.35, 0.25)), (95, 60, 140, (0.40, 0.45, 0.50)),
        (160, 90, 95, (0.60, 0.55, 0.40)), (255, 70, 125, (0.35, 0.30, 0.45)),
        (330, 65, 100, (0.50, 0.40, 0.35)),
    ]:
        base = int(H * 0.78)
        top = base - h
        img[top:base, x0:x0 + w] = col
        roof = (y < top) & (y > top - 25) & (np.abs(x - (x0 + w / 2)) < (y - top + 25) * w / 50)
        img[roof] = (0.25, 0.12, 0.10)
        for wy in range(top + 12, base - 20, 28):
            for wx in range(x0 + 8, x0 + w - 16, 22):
                lit = rng.random() < 0.45
                img[wy:wy + 14, wx:wx + 10] = (1.0, 0.85, 0.5) if lit else (0.08, 0.09, 0.12)
    # a street lamp and its pool of light
    img[150:int(H * 0.78), 228:231] = (0.15, 0.15, 0.15)
    d = np.hypot(x - 229, y - 148)
    img += (np.exp(-((d / 55) ** 2)) * 0.6)[..., None] * np.array([1.0, 0.75, 0.4])
    img[d < 5] = (1.0, 0.95, 0.8)
    return img.clip(0, 1)


def darken(lin: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Under-expose about 5 stops, add shot + read noise, return sRGB 0..1."""
    photons = 220.0  # full-well-ish scale of the dark exposure: low, so shot noise shows
    dark = lin * 0.035
    noisy = rng.poisson(dark * photons).astype(np.float32) / photons
    noisy += rng.normal(0.0, 0.004, noisy.shape).astype(np.float32)  # read noise
    noisy = noisy.clip(0, 1)
    return np.where(noisy <= 0.0031308, 12.92 * noisy, 1.055 * noisy ** (1 / 2.4) - 0.055)


def main(out: Path = OUT) -> Path:
    rng = np.random.default_rng(20240607)
    srgb = darken(scene(rng), rng)
    out.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray((srgb * 255 + 0.5).clip(0, 255).astype(np.uint8), "RGB").save(out, quality=90, optimize=True)
    return out


if __name__ == "__main__":
    path = main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)
    print(f"wrote {path} ({path.stat().st_size // 1024} KB)")
