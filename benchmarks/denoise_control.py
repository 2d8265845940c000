"""The noise-reduction control on real high-ISO photos: noise and brightness at --denoise 0 and 1.

    python benchmarks/denoise_control.py [--amounts 0 0.5 1] [--threads 2] [--model PATH]

Runs `lowlight enhance --denoise A --format png` (the app's own path, in a fresh process) on the
two camera-resolution night photos of ../shared/data/real-highres and prints, per amount:
- noise: the standard deviation of a high-pass residual (the photo minus its Gaussian blur,
  sigma 1.5 px, per RGB channel, so colour noise counts) in flat patches: 32x32 patches, not
  clipped, whose gradient (of a sigma-4 blur) is in the lowest quarter, chosen once on the
  --denoise 1 result so that every amount is measured on the same patches; the median over them;
- the ratio of that noise to --denoise 1's, and the mean brightness (luma) against --denoise 1's.
The city photo is a comparison image: its upper-left side of the diagonal is a single ISO 51200
frame (the real high-ISO noise), the lower-right a merge of many frames; only the single frame's
side is measured (the part above the line y = H (1 - x / 4100), 200 px clear of it).
"""

from __future__ import annotations

import argparse
import itertools
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

from lowlight_gui.core.engine import Engine
from lowlight_gui.core.enhance import photo_conditioning
from lowlight_gui.core.imageio import read_photo

ROOT = Path(__file__).resolve().parents[1]
PHOTOS = ROOT.parent / "shared" / "data" / "real-highres"
CITY = "city_night_iso51200_single_vs_merged.jpg"
PHONE = "phone_night_street_iso1200.jpg"
PATCH = 32
LUMA = np.array([0.299, 0.587, 0.114], np.float32)


def single_frame_mask(h: int, w: int, name: str) -> np.ndarray:
    """Where to measure: the city photo's single-frame side of the diagonal; elsewhere all of it."""
    if name != CITY:
        return np.ones((h, w), bool)
    yy, xx = np.mgrid[0:h, 0:w]
    return yy < h * (1.0 - xx / 4100.0) - 200


def flat_patches(rgb: np.ndarray, mask: np.ndarray) -> list[tuple[int, int]]:
    """Top-left corners of the flattest unclipped patches inside ``mask`` (see the module doc)."""
    luma = rgb @ LUMA
    smooth = cv2.GaussianBlur(luma, (0, 0), 4.0)
    grad = np.hypot(cv2.Sobel(smooth, cv2.CV_32F, 1, 0), cv2.Sobel(smooth, cv2.CV_32F, 0, 1))
    h, w = luma.shape
    corners, scores = [], []
    for y in range(0, h - PATCH + 1, PATCH):
        for x in range(0, w - PATCH + 1, PATCH):
            if not mask[y : y + PATCH, x : x + PATCH].all():
                continue
            mean = float(luma[y : y + PATCH, x : x + PATCH].mean())
            if not 0.05 < mean < 0.9:  # black or clipped patches have no measurable noise
                continue
            corners.append((y, x))
            scores.append(float(grad[y : y + PATCH, x : x + PATCH].mean()))
    if not corners:
        raise SystemExit("no flat patch to measure")
    keep = np.asarray(scores) <= np.quantile(scores, 0.25)
    return [c for c, k in zip(corners, keep, strict=True) if k]


def noise(rgb: np.ndarray, patches: list[tuple[int, int]]) -> float:
    """Median over ``patches`` of the residual's standard deviation (0..1 units)."""
    residual = rgb - cv2.GaussianBlur(rgb, (0, 0), 1.5)
    stds = [float(residual[y : y + PATCH, x : x + PATCH].std(axis=(0, 1)).mean())
            for y, x in patches]
    return float(np.median(stds))


def enhance(
    photo: Path, amount: float, ev: float, out: Path, threads: int, model: Path | None = None
) -> tuple[np.ndarray, float]:
    """The app's output for ``photo`` at ``amount`` and ``ev`` (float RGB 0..1) and the seconds
    it took."""
    folder = out / f"d{amount:g}_ev{ev:g}"
    cmd = [sys.executable, "-m", "lowlight_gui.cli", "enhance", str(photo), "-o", str(folder),
           "--format", "png", "--denoise", f"{amount:g}", "--exposure", f"{ev:g}",
           "--threads", str(threads)] + (["--model", str(model)] if model else [])
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True)
    seconds = time.perf_counter() - t0
    bgr = cv2.imread(str(next(folder.glob("*.png"))), cv2.IMREAD_UNCHANGED)
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB).astype(np.float32) / 255.0, seconds


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--amounts", type=float, nargs="+", default=[0.0, 0.5, 1.0])
    p.add_argument("--exposures", type=float, nargs="+", default=[0.0, 1.0],
                   help="EV offsets (--exposure) to measure at (default 0 and +1)")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--model", type=Path, help="an ONNX model (default: the shipped one)")
    p.add_argument("--photos", type=Path, nargs="+", default=[PHOTOS / CITY, PHOTOS / PHONE])
    a = p.parse_args(argv)
    amounts = sorted(set(a.amounts) | {1.0})
    engine = Engine(a.model, provider="CPU", threads=a.threads)
    with tempfile.TemporaryDirectory() as tmp:
        for photo, ev in itertools.product(a.photos, a.exposures):
            out = Path(tmp) / photo.stem
            results = {x: enhance(photo, x, ev, out, a.threads, a.model) for x in amounts}
            full = results[1.0][0]
            mask = single_frame_mask(*full.shape[:2], photo.name)
            patches = flat_patches(full, mask)
            ref_noise, ref_mean = noise(full, patches), float((full @ LUMA)[mask].mean())
            # The well-exposed rule: a photo the model would brighten little is blended back.
            gain, _ = photo_conditioning(read_photo(photo).data, engine, ev)
            weight = engine.gain_model.model_weight(gain) if gain is not None else 1.0
            print(f"{photo.name} at {ev:+g} EV (gain {gain:.2f}, model weight {weight:.2f}): "
                  f"{len(patches)} flat {PATCH}x{PATCH} patches"
                  + (" on the single-frame side" if photo.name == CITY else ""))
            print(f"  {'denoise':>7} {'noise':>8} {'x of 1':>7} {'mean':>7} {'vs 1':>7} "
                  f"{'time':>7}")
            for x, (rgb, seconds) in results.items():
                n, m = noise(rgb, patches), float((rgb @ LUMA)[mask].mean())
                print(f"  {x:7.2f} {n:8.4f} {n / ref_noise:7.2f} {m:7.4f} "
                      f"{(m / ref_mean - 1) * 100:+6.1f}% {seconds:6.1f}s")


if __name__ == "__main__":
    main()
