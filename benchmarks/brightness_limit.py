"""How much of the PSNR gap is the overall brightness, and can anything in the photo predict it?

    python benchmarks/brightness_limit.py --model models/lowlight_unet.onnx

For every LOL pair the model's output (whole image, the app's engine) is compared with its
reference through the one scale ``s`` that best matches them (least squares). It prints:
- the PSNR as shipped, with the best scale per image (an oracle: it needs the reference), and with
  the best single scale for all images, fitted on the training split;
- the spread of log(s), and how much of it a ridge regression on brightness statistics of the dark
  photo and of the output (mean, percentiles, clipped fraction) explains, cross-validated by scene
  on the training split and then fitted on all of it and scored on the validation split.
If the regression leaves the spread as it is, the references' exposure is not predictable from
the photo, and the PSNR lost to it is a floor for any model that sees only the photo.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from lowlight_gui.core.engine import Engine
from lowlight_gui.core.enhance import enhance_array
from lowlight_gui.core.evaluate import read_names
from lowlight_gui.core.imageio import read_photo
from lowlight_gui.core.metrics import psnr
from lowlight_gui.core.pairs import find_pairs

ROOT = Path(__file__).resolve().parents[1]
LOL = ROOT.parent / "shared" / "data" / "lol" / "train"
SPLITS = ROOT / "training" / "splits"
_LUMA = np.array([0.299, 0.587, 0.114], np.float32)
PERCENTILES = (50, 90, 99, 99.9)


def features(low: np.ndarray, out: np.ndarray) -> list[float]:
    f = []
    for img in (low, out):
        y = img @ _LUMA
        f += [float(np.log(y.mean() + 1e-3))]
        f += [float(np.log(p + 1e-3)) for p in np.percentile(y, PERCENTILES)]
        f += [float((y > 0.98).mean())]
    return f


def ridge(x: np.ndarray, y: np.ndarray, lam: float = 1e-2) -> np.ndarray:
    return np.linalg.solve(x.T @ x + lam * np.eye(x.shape[1]), x.T @ y)


def main() -> int:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--model", type=Path, default=ROOT / "models" / "lowlight_unet.onnx")
    p.add_argument("--data", type=Path, default=LOL)
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args()

    engine = Engine(args.model, provider="cpu", threads=args.threads)
    val = read_names(SPLITS / "val.txt") or set()
    pairs = find_pairs(args.data / "low", args.data / "high")
    rows = []
    for pair in pairs:
        low, ref = read_photo(pair.low).pixels, read_photo(pair.high).pixels
        out = np.clip(enhance_array(low, engine, tile=0), 0, 1)
        s = float((out * ref).sum() / max(float((out * out).sum()), 1e-12))
        rows.append((pair, low, ref, out, s))
    is_val = np.array([r[0].low.name in val for r in rows])
    scene = np.array([r[0].high.name for r in rows])
    log_s = np.log([r[4] for r in rows])
    x = np.array([[1.0, *features(r[1], r[3])] for r in rows])

    shipped = np.array([psnr(r[3], r[2]) for r in rows])
    oracle = np.array([psnr(np.clip(r[3] * r[4], 0, 1), r[2]) for r in rows])
    c = float(np.exp(log_s[~is_val].mean()))
    constant = np.array([psnr(np.clip(r[3] * c, 0, 1), r[2]) for r in rows])
    for name, v in (
        ("as shipped", shipped),
        (f"one scale x{c:.3f} (fit on train)", constant),
        ("best scale per image (oracle)", oracle),
    ):
        print(f"PSNR {name:34s} train {v[~is_val].mean():6.2f}  val {v[is_val].mean():6.2f} dB")

    # Cross-validation by scene on the training split: 5 folds of reference images.
    train_idx = np.where(~is_val)[0]
    scenes = sorted(set(scene[train_idx]))
    np.random.default_rng(0).shuffle(scenes)
    fold = {s: i % 5 for i, s in enumerate(scenes)}
    folds = np.array([fold[scene[i]] for i in train_idx])

    def residuals(cols: slice) -> tuple[float, float]:
        errors = []
        for k in range(5):
            fit, test = train_idx[folds != k], train_idx[folds == k]
            errors.append(x[test, cols] @ ridge(x[fit, cols], log_s[fit]) - log_s[test])
        w = ridge(x[train_idx, cols], log_s[train_idx])
        val_err = x[is_val, cols] @ w - log_s[is_val]
        return float(np.sqrt(np.mean(np.concatenate(errors) ** 2))), float(
            np.sqrt(np.mean(val_err**2))
        )

    print("RMS error of log(best scale), CV by scene on train / fit on train, scored on val:")
    for name, cols in (
        ("constant", slice(0, 1)),
        (f"{x.shape[1] - 1} brightness features", slice(None)),
    ):
        cv, va = residuals(cols)
        print(f"  {name:24s} train-CV {cv:.3f}  val {va:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
