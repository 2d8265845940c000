"""Image quality metrics on float images in 0..1, computed as the prototype reported them."""

from __future__ import annotations

import numpy as np
from skimage.metrics import structural_similarity


def mse(pred: np.ndarray, ref: np.ndarray) -> float:
    return float(np.mean((pred.astype(np.float64) - ref.astype(np.float64)) ** 2))


def mae(pred: np.ndarray, ref: np.ndarray) -> float:
    return float(np.mean(np.abs(pred.astype(np.float64) - ref.astype(np.float64))))


def psnr(pred: np.ndarray, ref: np.ndarray) -> float:
    return float(10 * np.log10(1.0 / max(mse(pred, ref), 1e-12)))


def ssim(pred: np.ndarray, ref: np.ndarray) -> float:
    """SSIM on RGB as scikit-image computes it (7x7 uniform window, per channel, averaged)."""
    return float(structural_similarity(pred, ref, channel_axis=2, data_range=1.0))


def gt_mean_psnr(pred: np.ndarray, ref: np.ndarray) -> float:
    """PSNR after scaling the output to the reference's mean brightness (the 'GT-mean' of papers).

    It removes the one global exposure choice that LOL's references make inconsistently, so it
    measures everything but that choice. Never used to pick or tune anything here.
    """
    scale = float(ref.mean()) / max(float(pred.mean()), 1e-6)
    return psnr(np.clip(pred * scale, 0, 1), ref)


def all_metrics(pred: np.ndarray, ref: np.ndarray) -> dict[str, float]:
    return {
        "psnr": psnr(pred, ref),
        "ssim": ssim(pred, ref),
        "mse": mse(pred, ref),
        "mae": mae(pred, ref),
        "gt_mean_psnr": gt_mean_psnr(pred, ref),
    }
