"""The training losses: the SSIM term can be the very SSIM `lowlight eval` reports."""

from __future__ import annotations

import os

import numpy as np
import pytest

if os.environ.get("CI"):
    import torch  # CI installs the train extra: a missing torch must fail, not skip
else:
    pytest.importorskip("torch")


def test_box7_ssim_is_scikit_images_and_the_loss_uses_it():
    import torch
    from skimage.metrics import structural_similarity

    from training.losses import LowlightLoss, _box_window, ssim

    rng = np.random.default_rng(0)
    a = rng.uniform(0, 1, (40, 50, 3)).astype(np.float32)
    b = np.clip(a + rng.normal(0, 0.1, a.shape), 0, 1).astype(np.float32)

    def t(x: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(x).permute(2, 0, 1)[None]

    expected = structural_similarity(a, b, channel_axis=2, data_range=1.0)
    assert ssim(t(a), t(b), _box_window(), 49 / 48).item() == pytest.approx(expected, abs=1e-5)
    # the loss's SSIM term is that one (the default 11x11 Gaussian differs by 5e-4 here)
    box = LowlightLoss(w_ssim=1.0, w_grad=0.0, ssim_window="box7")
    l1 = (t(a) - t(b)).abs().mean().item()
    assert box(t(a), t(b)).item() == pytest.approx(l1 + 1 - expected, abs=1e-5)
    with pytest.raises(ValueError, match="ssim_window"):
        LowlightLoss(ssim_window="box9")
