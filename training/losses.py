"""Losses and metrics in PyTorch: L1, SSIM (Gaussian window, as scikit-image's gaussian SSIM),
and an L1 on image gradients that keeps edges sharp without amplifying noise."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def _gauss_window(size: int = 11, sigma: float = 1.5, channels: int = 3) -> torch.Tensor:
    ax = torch.arange(size, dtype=torch.float32) - (size - 1) / 2
    g = torch.exp(-(ax**2) / (2 * sigma**2))
    g = g / g.sum()
    w = torch.outer(g, g)
    return w.expand(channels, 1, size, size).contiguous()


def _box_window(size: int = 7, channels: int = 3) -> torch.Tensor:
    """scikit-image's default SSIM window: uniform, 7x7."""
    return torch.full((channels, 1, size, size), 1.0 / size**2)


def ssim(
    a: torch.Tensor, b: torch.Tensor, window: torch.Tensor | None = None, cov_norm: float = 1.0
) -> torch.Tensor:
    """Mean SSIM over an N,C,H,W batch in 0..1 (valid region only). ``cov_norm``: the factor on
    (co)variances (scikit-image's default, sample covariance: n / (n - 1) over its window)."""
    c = a.shape[1]
    w = _gauss_window(channels=c).to(a) if window is None else window
    c1, c2 = 0.01**2, 0.03**2
    mu_a = F.conv2d(a, w, groups=c)
    mu_b = F.conv2d(b, w, groups=c)
    s_aa = cov_norm * (F.conv2d(a * a, w, groups=c) - mu_a**2)
    s_bb = cov_norm * (F.conv2d(b * b, w, groups=c) - mu_b**2)
    s_ab = cov_norm * (F.conv2d(a * b, w, groups=c) - mu_a * mu_b)
    num = (2 * mu_a * mu_b + c1) * (2 * s_ab + c2)
    den = (mu_a**2 + mu_b**2 + c1) * (s_aa + s_bb + c2)
    return (num / den).mean()


def gradient_l1(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    dx = lambda t: t[..., :, 1:] - t[..., :, :-1]
    dy = lambda t: t[..., 1:, :] - t[..., :-1, :]
    return (dx(a) - dx(b)).abs().mean() + (dy(a) - dy(b)).abs().mean()


class LowlightLoss(torch.nn.Module):
    """L1 + ``w_ssim`` (1 - SSIM) + ``w_grad`` gradient L1. ``ssim_window``: "gauss11" (11x11
    Gaussian, sigma 1.5) or "box7" (scikit-image's default, the metric `lowlight eval` reports)."""

    def __init__(self, w_ssim: float = 0.2, w_grad: float = 0.5, ssim_window: str = "gauss11"):
        super().__init__()
        if ssim_window not in ("gauss11", "box7"):
            raise ValueError(f"ssim_window must be 'gauss11' or 'box7', got {ssim_window!r}")
        self.w_ssim, self.w_grad = w_ssim, w_grad
        box = ssim_window == "box7"
        self.register_buffer("window", _box_window() if box else _gauss_window())
        # scikit-image's sample covariance over its window of n pixels: n / (n - 1)
        n = self.window[0].numel()
        self.cov_norm = n / (n - 1) if box else 1.0

    def forward(self, pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        loss = (pred - target).abs().mean()
        if self.w_ssim:
            loss = loss + self.w_ssim * (
                1 - ssim(pred.clamp(0, 1), target, self.window, self.cov_norm)
            )
        if self.w_grad:
            loss = loss + self.w_grad * gradient_l1(pred, target)
        return loss


def psnr(pred: torch.Tensor, target: torch.Tensor) -> float:
    mse = F.mse_loss(pred.clamp(0, 1), target).item()
    return 10 * torch.log10(torch.tensor(1.0 / max(mse, 1e-10))).item()
