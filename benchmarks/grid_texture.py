"""The grid-like texture in flat night skies (issue 31): periodic patterns a model adds.

    python benchmarks/grid_texture.py [--model NAME=PATH ...] [--seams]

Runs each model through the app's path (``core.enhance``: the whole photo's conditioning, then
tiles) on the flat sky of the city photo's single ISO 51200 frame (rows 64-1088, columns
128-1920 of ``city_night_iso51200_single_vs_merged.jpg``) and measures, on the luma of the result
and of the photo, the power of patterns with a period of 2, 4, 8 and 16 pixels along rows and
columns: Welch's periodogram (256 px Hann windows, half overlapping) at that frequency divided by
the median of its 9x9 neighbourhood of frequencies. Noise has no such peaks (about 1); a network
that upsamples with a stride-2 transposed convolution or a pixel shuffle repeats its kernel's
phases every 2, 4, 8 px at full resolution (1/2 -> full, 1/4 -> 1/2, 1/8 -> 1/4), which the eye
sees as a fine grid once the noise that hid it is gone. ``--seams`` also runs a 1600x1200 crop
in tiles and whole (same conditioning) and reports the largest difference: tile seams would
show there.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lowlight_gui.core.engine import Engine
from lowlight_gui.core.imageio import read_photo
from lowlight_gui.core.pipeline import develop, plan
from lowlight_gui.core.tiling import Box

PHOTO = ROOT.parent / "shared/data/real-highres/city_night_iso51200_single_vs_merged.jpg"
SKY = Box(128, 64, 1792, 1024)  # flat sky of the single frame (x, y, w, h), multiples of 8
PERIODS = (2, 4, 8, 16)
WINDOW = 256
LUMA = np.array([0.299, 0.587, 0.114], np.float32)


def periodogram(y: np.ndarray, n: int = WINDOW) -> np.ndarray:
    """Welch's average power spectrum of ``y`` (2-D) over Hann windows of n x n, step n / 2."""
    win = np.outer(np.hanning(n), np.hanning(n)).astype(np.float32)
    total, count = np.zeros((n, n), np.float64), 0
    for i in range(0, y.shape[0] - n + 1, n // 2):
        for j in range(0, y.shape[1] - n + 1, n // 2):
            patch = y[i : i + n, j : j + n]
            total += np.abs(np.fft.fft2((patch - patch.mean()) * win)) ** 2
            count += 1
    return total / max(count, 1)


def peak_ratios(y: np.ndarray, n: int = WINDOW) -> dict[str, float]:
    """Power at each period along rows (x) and columns (y) over the median of its 9x9
    neighbourhood of frequencies (the peak itself left out)."""
    p = np.fft.fftshift(periodogram(y, n))
    c = n // 2
    out = {}
    for period in PERIODS:
        k = n // period
        for axis, (fy, fx) in {"x": (0, k), "y": (k, 0)}.items():
            cy, cx = (c + fy) % n, (c + fx) % n  # (Nyquist, period 2, wraps to index 0)
            ys = np.arange(cy - 4, cy + 5) % n
            xs = np.arange(cx - 4, cx + 5) % n
            hood = p[np.ix_(ys, xs)].copy()
            hood[4, 4] = np.nan
            out[f"{period}{axis}"] = float(p[cy, cx] / np.nanmedian(hood))
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--model", action="append", default=[],
                    help="NAME=PATH (repeat to compare); default: the shipped model")
    ap.add_argument("--photo", type=Path, default=PHOTO)
    ap.add_argument("--seams", action="store_true", help="also compare tiled and whole runs")
    ap.add_argument("--threads", type=int, default=0)
    a = ap.parse_args(argv)
    data = read_photo(a.photo).data
    sky = data[SKY.y : SKY.bottom, SKY.x : SKY.right]
    models = a.model or [f"shipped={ROOT / 'models/lowlight_unet.onnx'}"]
    x = sky.astype(np.float32) / 255
    rows = {"photo": peak_ratios(x @ LUMA)}
    for m in models:
        name, _, path = m.rpartition("=")
        engine = Engine(Path(path), threads=a.threads)
        # the sky as the whole photo's development gives it (its conditioning, its night sky)
        out = develop(data, engine, plan(data, engine), region=SKY).pixels.astype(np.float32)
        out /= 255
        rows[name or Path(path).stem] = peak_ratios(out @ LUMA)
        if a.seams:
            crop = np.ascontiguousarray(data[:1200, 200:1800])
            how = plan(crop, engine)  # one plan for both runs
            tiled = develop(crop, engine, how).pixels.astype(np.int16)
            whole = develop(crop, engine, how, tile=0).pixels.astype(np.int16)
            print(f"{name}: tiled vs whole, largest difference {np.abs(tiled - whole).max()}/255")
    keys = list(next(iter(rows.values())))
    print("peak / neighbourhood power at period (px) and axis:")
    print(f"{'':12s}" + "".join(f"{k:>8s}" for k in keys))
    for name, r in rows.items():
        print(f"{name:12s}" + "".join(f"{r[k]:8.1f}" for k in keys))


if __name__ == "__main__":
    main()
