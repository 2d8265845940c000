"""The export's folded stem: PixelUnshuffle + 3x3 convolution as one 6x6 stride-2 convolution."""

from __future__ import annotations

import os

import pytest

if os.environ.get("CI"):
    import torch  # noqa: F401  (CI installs the train extra: a missing torch must fail, not skip)
else:
    pytest.importorskip("torch")


@pytest.mark.parametrize("shape", [(1, 6, 16, 24), (2, 6, 40, 8), (1, 6, 2, 2)])
def test_the_folded_stem_computes_the_unshuffled_stem(shape):
    import torch

    from training.model import LowlightUNet, fold_pixel_unshuffle

    torch.manual_seed(0)
    unet = LowlightUNet(width=8)
    for p in unet.stem.parameters():  # the default init's biases are tiny; make every tap count
        torch.nn.init.normal_(p)
    x = torch.rand(shape)
    folded = fold_pixel_unshuffle(unet.stem)
    assert [type(m) for m in folded] == [torch.nn.Conv2d, torch.nn.LeakyReLU]
    assert folded[0].kernel_size == (6, 6) and folded[0].stride == (2, 2)
    with torch.no_grad():
        torch.testing.assert_close(folded(x), unet.stem(x), rtol=1e-5, atol=1e-5)


def test_the_whole_unet_is_unchanged_by_the_fold():
    import torch

    from training.model import LowlightUNet, fold_pixel_unshuffle

    torch.manual_seed(1)
    unet = LowlightUNet(width=8).eval()
    x, gain = torch.rand(1, 3, 64, 48) * 0.2, torch.full((1, 1, 1, 1), 4.0)
    with torch.no_grad():
        before = unet(x, gain)
        unet.stem = fold_pixel_unshuffle(unet.stem)
        torch.testing.assert_close(unet(x, gain), before, rtol=0, atol=1e-5)


def test_only_a_same_padded_stride_1_convolution_folds():
    import torch
    from torch import nn

    from training.model import fold_pixel_unshuffle

    with pytest.raises(ValueError, match="same-padded"):
        fold_pixel_unshuffle(nn.Sequential(nn.PixelUnshuffle(2), nn.Conv2d(24, 8, 3, padding=0)))
    with pytest.raises(ValueError, match="same-padded"):
        fold_pixel_unshuffle(nn.Sequential(nn.PixelUnshuffle(2), nn.Conv2d(24, 8, 3, 2, 1)))
    torch.testing.assert_close(  # a 1x1 convolution folds into a 2x2 one
        fold_pixel_unshuffle(nn.Sequential(nn.PixelUnshuffle(2), nn.Conv2d(24, 8, 1)))[0]
        .weight.shape, torch.Size([8, 6, 2, 2])
    )
