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

It also prints what the rest of the global part is worth: oracles per image with a gain per
channel and with a 3x4 colour transform (least squares against the reference), and the same kinds
of correction fitted once on the training split (one 3x4 transform, one tone curve per channel)
and applied to every image: if those fixed corrections gain nothing, the model has no systematic
tone or colour bias to remove, and what is left is per image. The regression is repeated with the
dark photo's noise level added (the exposure head sees a 128 px thumbnail, where noise is averaged
away; the noise says something about the ISO the dark shot was taken at).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from scipy.ndimage import uniform_filter, uniform_filter1d

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


def noise_features(low: np.ndarray) -> list[float]:
    """The dark photo's noise: a robust spread of its luma's 3x3 high-pass, absolute and relative
    to its mean, and of its colour's (channels minus luma)."""
    y = low @ _LUMA
    sigma = float(np.median(np.abs(y - uniform_filter(y, 3)))) / 0.6745 + 1e-5
    colour = low - y[..., None]
    colour_sigma = float(np.median(np.abs(colour - uniform_filter(colour, (3, 3, 1))))) / 0.6745
    return [np.log(sigma), np.log(sigma / (float(y.mean()) + 1e-3)), np.log(colour_sigma + 1e-5)]


def affine_fit(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The 4x3 least-squares colour transform taking pixels ``x`` (N,3) to ``y`` (N,3)."""
    return np.linalg.lstsq(np.c_[x, np.ones(len(x))], y, rcond=None)[0]


def affine_apply(img: np.ndarray, w: np.ndarray) -> np.ndarray:
    flat = img.reshape(-1, 3)
    return np.clip(np.c_[flat, np.ones(len(flat))] @ w, 0, 1).reshape(img.shape)


def tone_curves(x: np.ndarray, y: np.ndarray, min_count: int = 20) -> np.ndarray:
    """(256,3): the reference's mean for each 8-bit output level, channel by channel, smoothed
    over 9 levels; levels seen fewer than ``min_count`` times map to themselves."""
    lut = np.zeros((256, 3))
    for c in range(3):
        level = np.clip(np.round(x[:, c] * 255), 0, 255).astype(int)
        total = np.bincount(level, y[:, c], 256)
        count = np.bincount(level, None, 256)
        lut[:, c] = np.where(count >= min_count, total / np.maximum(count, 1), np.arange(256) / 255)
    return uniform_filter1d(lut, 9, axis=0)


def tone_apply(img: np.ndarray, lut: np.ndarray) -> np.ndarray:
    level = np.clip(np.round(img * 255), 0, 255).astype(int)
    return np.stack([lut[level[..., c], c] for c in range(3)], -1)


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
    n_brightness = x.shape[1]
    x = np.c_[x, [noise_features(r[1]) for r in rows]]

    # Fixed corrections, fitted once on pixels sampled from the training split's outputs.
    rng = np.random.default_rng(0)
    sample = [rng.choice(r[3].shape[0] * r[3].shape[1], 5000, replace=False) for r in rows]
    train_rows = [i for i in range(len(rows)) if not is_val[i]]
    xs = np.concatenate([rows[i][3].reshape(-1, 3)[sample[i]] for i in train_rows])
    ys = np.concatenate([rows[i][2].reshape(-1, 3)[sample[i]] for i in train_rows])
    fixed_affine, fixed_tone = affine_fit(xs, ys), tone_curves(xs, ys)

    def channel_gains(out: np.ndarray, ref: np.ndarray) -> np.ndarray:
        g = (out * ref).sum((0, 1)) / np.maximum((out * out).sum((0, 1)), 1e-12)
        return np.clip(out * g, 0, 1)

    def per_image_affine(out: np.ndarray, ref: np.ndarray) -> np.ndarray:
        return affine_apply(out, affine_fit(out.reshape(-1, 3), ref.reshape(-1, 3)))

    c = float(np.exp(log_s[~is_val].mean()))
    for name, fn in (
        ("as shipped", lambda o, r, s: o),
        (f"one scale x{c:.3f} (fit on train)", lambda o, r, s: np.clip(o * c, 0, 1)),
        ("one 3x4 colour transform (fit on train)", lambda o, r, s: affine_apply(o, fixed_affine)),
        ("one tone curve per channel (fit on train)", lambda o, r, s: tone_apply(o, fixed_tone)),
        ("best scale per image (oracle)", lambda o, r, s: np.clip(o * s, 0, 1)),
        ("best gain per channel per image (oracle)", lambda o, r, s: channel_gains(o, r)),
        ("best 3x4 transform per image (oracle)", lambda o, r, s: per_image_affine(o, r)),
    ):
        v = np.array([psnr(fn(r[3], r[2], r[4]), r[2]) for r in rows])
        print(f"PSNR {name:42s} train {v[~is_val].mean():6.2f}  val {v[is_val].mean():6.2f} dB")

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
        (f"{n_brightness - 1} brightness features", slice(0, n_brightness)),
        (f"  + {x.shape[1] - n_brightness} noise features", slice(None)),
    ):
        cv, va = residuals(cols)
        print(f"  {name:24s} train-CV {cv:.3f}  val {va:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
