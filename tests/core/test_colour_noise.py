"""Colour noise reduction (core/chroma.py): blotches go, luma, real colours and edges stay; the
app applies it per tile with the context it needs, tiled = whole."""

from __future__ import annotations

import math

import numpy as np
import pytest

from lowlight_gui.core import chroma
from lowlight_gui.core.batch import BatchOptions, collect_jobs, run_batch
from lowlight_gui.core.engine import Engine, box_blur
from lowlight_gui.core.enhance import enhance_array, enhance_pixels
from lowlight_gui.core.errors import LowlightError
from lowlight_gui.core.imageio import read_photo
from lowlight_gui.core.settings import Settings
from tests.conftest import smooth_noisy, write_image

LUMA = np.array([0.299, 0.587, 0.114], np.float32)


def _blotchy_sky(
    h: int = 256, w: int = 320, seed: int = 0, spread: float = 0.015
) -> tuple[np.ndarray, np.ndarray]:
    """A night-sky blue with colour blotches 15-40 px wide of zero luma, plus fine luma grain
    (what the network leaves of a very high-ISO frame); returns (photo, its clean colour)."""
    rng = np.random.default_rng(seed)
    sky = np.array([0.20, 0.27, 0.36], np.float32)
    blot = rng.normal(0.0, 1.0, (h // 16 + 2, w // 16 + 2, 3)).astype(np.float32)
    blot = np.repeat(np.repeat(blot, 16, 0), 16, 1)[:h, :w]
    blot = np.moveaxis(box_blur(np.moveaxis(blot, -1, 0), 8), 0, -1)
    blot -= (blot @ LUMA)[..., None]  # colour only
    blot *= spread / blot.std()
    grain = rng.normal(0.0, 0.01, (h, w, 1)).astype(np.float32)
    return np.clip(sky + blot + grain, 0, 1).astype(np.float32), sky


def _blotchiness(img: np.ndarray) -> float:
    """Spread of the colour (minus luma), smoothed over 17x17 px: the blotches, not the grain."""
    colour = img - (img @ LUMA)[..., None]
    smooth = box_blur(np.moveaxis(colour, -1, 0), 8)[:, 16:-16, 16:-16]
    return float(smooth.std(axis=(1, 2)).mean())


def test_blotches_go_and_the_sky_keeps_its_colour_and_grain():
    img, sky = _blotchy_sky()
    out = chroma.reduce_colour_noise(img, 1.0)
    assert out.dtype == np.float32 and out.shape == img.shape
    assert _blotchiness(out) < 0.5 * _blotchiness(img)  # the ISO 51200 sky: 0.43x
    np.testing.assert_allclose(out.reshape(-1, 3).mean(0), sky, atol=0.004)
    # luma untouched: the grain and detail stay as they were
    assert np.abs(out @ LUMA - img @ LUMA).max() < 1e-5


def test_the_amount_is_how_much_of_the_change_is_applied():
    img, _ = _blotchy_sky(seed=1)
    full, half = (chroma.reduce_colour_noise(img, a) for a in (1.0, 0.5))
    np.testing.assert_allclose(half - img, (full - img) / 2, atol=1e-5)
    assert _blotchiness(full) < _blotchiness(half) < _blotchiness(img)


def test_real_colours_and_edges_stay():
    """A green and a blue of the same luma side by side, and a white lamp in an orange glow on
    a dark blue sky: colour differences far beyond noise are not averaged."""
    h, w = 160, 320
    img = np.zeros((h, w, 3), np.float32)
    green, blue = np.array([0.30, 0.55, 0.20]), np.array([0.30, 0.42, 0.95])
    assert abs(green @ LUMA - blue @ LUMA) < 0.03  # nearly isoluminant: only colour tells them
    img[:, : w // 2] = green
    img[:, w // 2 :] = blue
    out = chroma.reduce_colour_noise(img, 1.0)
    assert np.abs(out[:, : w // 2 - 12] - green).max() < 0.01
    assert np.abs(out[:, w // 2 + 12 :] - blue).max() < 0.01
    # at the edge itself some colour is shared, but not averaged
    assert np.abs(out[:, w // 2 - 1] - green).max() < 0.08

    yy, xx = np.mgrid[0:200, 0:200]
    r = np.hypot(yy - 100, xx - 100)
    night = np.array([0.05, 0.07, 0.14], np.float32)
    glow = np.array([1.0, 0.6, 0.2], np.float32)
    lamp = night + np.clip(1 - r / 40, 0, 1)[..., None] ** 2 * glow
    lamp[r < 10] = 1.0
    lamp = np.clip(lamp, 0, 1).astype(np.float32)
    out = chroma.reduce_colour_noise(lamp, 1.0)
    assert np.abs(out[r < 8] - 1.0).max() < 0.02  # the lamp stays white
    assert np.abs(out[r > 70] - night).max() < 0.01
    ring = (r > 18) & (r < 30)  # the orange glow stays orange where it fades into the sky

    def warmth(a: np.ndarray) -> float:
        return float((a[ring][:, 0] - a[ring][:, 2]).mean())

    assert warmth(out) > 0.6 * warmth(lamp) > 0


def test_zero_is_off_and_amounts_outside_0_1_are_refused():
    img, _ = _blotchy_sky(64, 64)
    assert chroma.reduce_colour_noise(img, 0.0) is img
    for bad in (-0.1, 1.5, math.nan):
        with pytest.raises(LowlightError, match="between 0 and 1"):
            chroma.reduce_colour_noise(img, bad)


def test_a_downscaled_preview_uses_a_finer_filter():
    assert chroma.filter_scale(1.0) == chroma.SCALE
    assert chroma.filter_scale(4.0) == 2
    assert chroma.filter_scale(100.0) == 1
    assert chroma.filter_scale(0.5) == chroma.SCALE  # never coarser than on the photo itself


def test_sizes_that_are_not_whole_blocks():
    img, _ = _blotchy_sky(101, 67)
    out = chroma.reduce_colour_noise(img, 1.0)
    assert out.shape == img.shape and np.isfinite(out).all()
    planes = np.ascontiguousarray(np.moveaxis(img, -1, 0))
    same = chroma.reduce_colour_noise_planes(planes, 1.0)
    assert same is planes  # in place, the engine's layout
    np.testing.assert_allclose(np.moveaxis(same, 0, -1), out, atol=1e-6)


@pytest.fixture(scope="module")
def engine(tiny_model):
    return Engine(tiny_model, provider="CPU", threads=1)


def test_the_app_applies_it_per_tile_as_on_the_whole_photo(engine):
    img, _ = _blotchy_sky(120, 200, seed=3)
    data = (img * 255 + 0.5).astype(np.uint8)
    whole = enhance_pixels(data, engine, tile=0, colour_noise=1.0)
    tiled = enhance_pixels(data, engine, tile=48, colour_noise=1.0)
    assert np.abs(whole.astype(int) - tiled.astype(int)).max() <= 1
    plain = enhance_pixels(data, engine, tile=0)
    assert np.abs(whole.astype(int) - plain.astype(int)).max() > 4  # it did something
    expected = chroma.reduce_colour_noise(enhance_array(img, engine, tile=0), 1.0)
    np.testing.assert_allclose(enhance_array(img, engine, tile=0, colour_noise=1.0), expected,
                               atol=1e-5)


def test_grey_photos_have_no_colour_to_clean(engine):
    grey = (smooth_noisy(40, 56)[..., :1] * 65535).astype(np.uint16)
    np.testing.assert_array_equal(
        enhance_pixels(grey, engine, tile=0, colour_noise=1.0), enhance_pixels(grey, engine, tile=0)
    )


def test_enhance_refuses_amounts_outside_0_1(engine):
    with pytest.raises(LowlightError, match="between 0 and 1"):
        enhance_pixels(np.zeros((16, 16, 3), np.uint8), engine, colour_noise=2.0)


def test_a_batch_writes_what_the_amount_gives(engine, tmp_path):
    photo = write_image(tmp_path / "in" / "dark.png", h=50, w=70)
    options = BatchOptions(output_dir=tmp_path / "out", fmt="png", settings=Settings(colour_noise=1.0))
    result = run_batch(collect_jobs([photo], options), engine, options)
    assert len(result.done) == 1
    written = read_photo(result.done[0].output).pixels
    expected = enhance_array(read_photo(photo).pixels, engine, colour_noise=1.0)
    assert np.abs(written - expected).max() <= 0.5 / 255 + 1e-6
