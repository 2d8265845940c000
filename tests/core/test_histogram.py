"""The histogram numbers: made arrays with known levels and known clipping."""

from __future__ import annotations

import numpy as np
import pytest

from lowlight_gui.core.histogram import (
    clipping_masks,
    compute_histogram,
    grid_for,
    overlay_rgba,
    sample,
)


def _flat(h: int, w: int, rgb: tuple[int, int, int]) -> np.ndarray:
    return np.broadcast_to(np.array(rgb, np.uint8), (h, w, 3)).copy()


def test_levels_land_in_their_bins():
    before = _flat(10, 10, (10, 20, 30))
    after = _flat(10, 10, (100, 100, 100))
    h = compute_histogram(before, after)
    assert h.samples == 100
    assert h.rgb_before[0, 10] == h.rgb_before[1, 20] == h.rgb_before[2, 30] == 100
    assert h.luma_after[100] == 100 and h.luma_after.sum() == 100
    # Rec. 709 luma of (10, 20, 30): 2.126 + 14.304 + 2.166 = 18.6 -> 19
    assert h.luma_before[19] == 100
    assert h.clipped == h.crushed == 0


def test_only_newly_clipped_and_crushed_pixels_count():
    before = _flat(4, 25, (120, 120, 120))
    before[0, :5] = 255  # a lamp already blown in the original: not the model's doing
    before[1, :5] = (0, 50, 50)  # a shadow already crushed in one channel
    after = before.copy()
    after[0, :10] = (255, 200, 200)  # 5 already clipped + 5 new
    after[1, :8] = (0, 10, 10)  # 5 already crushed + 3 new
    after[2, :2] = (250, 255, 240)  # one channel at 255 is clipped
    h = compute_histogram(before, after)
    assert h.clipped == 7 and h.crushed == 3
    assert h.clipped_percent == pytest.approx(7.0) and h.crushed_percent == pytest.approx(3.0)
    clipped, crushed = clipping_masks(before, after)
    assert clipped.sum() == 7 and crushed.sum() == 3 and clipped[2, 1] and not clipped[0, 0]


def test_without_an_after_nothing_is_clipped():
    before = _flat(8, 8, (255, 255, 255))
    h = compute_histogram(before)
    assert h.clipped == 0 and np.array_equal(h.luma_before, h.luma_after)


def test_grey_and_alpha_images_are_read_as_rgb():
    grey = np.full((6, 6), 40, np.uint8)
    rgba = np.dstack([_flat(6, 6, (40, 40, 40)), np.zeros((6, 6), np.uint8)])
    h = compute_histogram(grey, rgba)
    assert h.rgb_before[:, 40].tolist() == [36, 36, 36]
    assert np.array_equal(h.rgb_after, h.rgb_before)
    with pytest.raises(ValueError, match="uint8"):
        compute_histogram(grey.astype(np.float32))


def test_a_smaller_before_is_compared_at_the_same_places():
    before = _flat(50, 50, (100, 100, 100))
    after = _flat(100, 100, (100, 100, 100))
    after[50:, 50:] = 255  # a quarter clipped
    clipped, _ = clipping_masks(before, after)
    assert clipped.shape == (100, 100) and clipped.sum() == 2500


def test_large_photos_are_sampled_fast_and_fairly():
    rng = np.random.default_rng(0)
    before = rng.integers(0, 200, (3000, 4000, 3), dtype=np.uint8)  # 12 MP
    after = before.copy()
    after[:, :400] = 255  # a tenth of the width newly clipped
    h = compute_histogram(before, after)
    # a bounded sample whatever the size (its time is a benchmark's: `python
    # benchmarks/histogram_speed.py`, 20 ms the bar on a free core; a timed unit test fails on
    # a busy machine)
    assert h.samples <= 200_000
    assert h.clipped_percent == pytest.approx(10.0, abs=0.5)
    assert grid_for((3000, 4000)) == (387, 516)
    assert sample(before, 3, 4).shape == (3, 4, 3)


def test_the_overlay_is_red_on_clipped_and_blue_on_crushed():
    before = _flat(2, 2, (100, 100, 100))
    after = np.array([[[255, 255, 255], [0, 0, 0]], [[100, 100, 100], [100, 100, 100]]], np.uint8)
    rgba = overlay_rgba(before, after)
    assert rgba[0, 0].tolist() == [255, 0, 0, 255]
    assert rgba[0, 1, 2] == 255 and rgba[0, 1, 3] == 255
    assert rgba[1].max() == 0
    big = overlay_rgba(_flat(100, 100, (9, 9, 9)), _flat(100, 100, (255, 9, 9)), max_pixels=100)
    assert big.shape == (10, 10, 4) and (big[..., 0] == 255).all()
