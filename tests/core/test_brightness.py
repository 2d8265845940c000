"""The global gain and the model weight that keeps well-exposed photos as they are."""

from __future__ import annotations

import numpy as np
import pytest

from lowlight_gui.core.brightness import GainModel, estimate_gain, fit_gain_model
from lowlight_gui.core.enhance import enhance_array


class BrightenEngine:
    """Stands in for a model with a gain input: returns the input times its gain."""

    factor, overlap, has_gain_input = 8, 8, True

    def __init__(self) -> None:
        self.gain_model = GainModel(a=0.5, b=-1.0, lo=1.0, hi=25.0, full=2.0)
        self.gains: list[float] = []

    def run(self, batch: np.ndarray, gain: float | None) -> np.ndarray:
        self.gains.append(gain)
        return np.clip(batch * gain, 0, 1)


def test_fit_recovers_a_power_law():
    low = np.array([0.02, 0.05, 0.1, 0.2])
    fitted = fit_gain_model(low, 0.6 * low**0.2)
    assert abs(fitted.b - (-0.8)) < 1e-6 and abs(fitted.a - 0.6) < 1e-6


def test_gain_is_the_same_for_every_tile_and_clipped():
    engine = BrightenEngine()
    dark = np.full((300, 500, 3), 0.05, np.float32)
    enhance_array(dark, engine, tile=64)
    assert len(engine.gains) > 1 and len(set(engine.gains)) == 1
    assert engine.gains[0] == estimate_gain(dark, engine.gain_model) == pytest.approx(10.0)
    assert estimate_gain(np.zeros((8, 8, 3), np.float32), engine.gain_model) == 25.0


def test_model_weight_ramps_from_unchanged_to_full():
    g = GainModel(full=2.0)
    assert g.model_weight(1.0) == 0.0 and g.model_weight(1.5) == 0.5 and g.model_weight(3.0) == 1.0


def test_well_exposed_photo_is_left_alone_dark_one_enhanced():
    engine = BrightenEngine()
    bright = np.full((64, 64, 3), 0.5, np.float32)  # gain 1: the model never saw such photos
    np.testing.assert_array_equal(enhance_array(bright, engine, tile=0), bright)
    mid = np.full((64, 64, 3), 1 / 3, np.float32)  # gain 1.5: half the model's change
    out = enhance_array(mid, engine, tile=0)
    np.testing.assert_allclose(out, 1 / 3 + 0.5 * (0.5 - 1 / 3), atol=1e-5)
    dark = np.full((64, 64, 3), 0.05, np.float32)  # gain 10: the model's result in full
    np.testing.assert_allclose(enhance_array(dark, engine, tile=0), 0.5, atol=1e-5)


def test_exposure_scales_the_gain_before_the_network():
    engine = BrightenEngine()
    dark = np.full((64, 96, 3), 0.05, np.float32)
    enhance_array(dark, engine, tile=0, exposure=1.0)
    enhance_array(dark, engine, tile=0, exposure=-1.0)
    assert engine.gains == pytest.approx([20.0, 5.0])


def test_exposure_outside_the_range_is_refused():
    from lowlight_gui.core.errors import LowlightError

    with pytest.raises(LowlightError, match="exposure must be between -2 and \\+2 EV"):
        enhance_array(np.zeros((8, 8, 3), np.float32), BrightenEngine(), exposure=3)


def test_thumbnail_is_square_and_rotates_with_the_photo():
    from lowlight_gui.core.brightness import thumbnail

    rgb = np.random.default_rng(0).random((400, 600, 3), dtype=np.float32)
    t = thumbnail(rgb)
    assert t.shape == (3, 128, 128) and t.dtype == np.float32
    rotated = thumbnail(np.ascontiguousarray(np.rot90(rgb)))
    assert np.allclose(rotated, np.rot90(t, axes=(1, 2)), atol=1e-5)
    as_uint8 = thumbnail((rgb * 255).round().astype(np.uint8))
    assert np.abs(as_uint8 - t).max() < 1 / 255


def test_area_resize_averages_exactly():
    """The box average OpenCV's INTER_AREA gave: whole blocks, then fractional edges."""
    from lowlight_gui.core.resize import area_resize

    a = np.arange(4 * 6, dtype=np.uint8).reshape(4, 6)
    np.testing.assert_allclose(area_resize(a, 3, 2), a.reshape(2, 2, 3, 2).mean(axis=(1, 3)))
    row = np.array([[0.0, 3.0, 6.0]], np.float32)  # 3 -> 2: each output covers 1.5 pixels
    np.testing.assert_allclose(area_resize(row, 2, 1), [[1.0, 5.0]], rtol=1e-6)
    rgb = np.random.default_rng(1).random((37, 53, 3), dtype=np.float32)
    out = area_resize(rgb, 10, 7)
    assert out.shape == (7, 10, 3) and out.dtype == np.float32
    assert abs(float(out.mean()) - float(rgb.mean())) < 1e-5  # area is conserved
    flipped = area_resize(np.ascontiguousarray(rgb[:, ::-1]), 10, 7)
    np.testing.assert_allclose(flipped, out[:, ::-1], atol=1e-6)  # mirror-symmetric
    assert area_resize(rgb[:2, :3], 6, 4).shape == (4, 6, 3)  # enlarging works too
