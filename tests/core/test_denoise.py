"""The noise-reduction amount: base + amount * (output - base), per tile, tiled = whole; models
without a base output ignore it, and say so."""

from __future__ import annotations

import numpy as np
import pytest

from lowlight_gui.core import contract
from lowlight_gui.core.batch import BatchOptions, collect_jobs, run_batch
from lowlight_gui.core.engine import Engine, mix_denoise
from lowlight_gui.core.enhance import (
    check_denoise,
    denoise_ignored,
    enhance_array,
    enhance_pixels,
    photo_conditioning,
)
from lowlight_gui.core.errors import LowlightError
from lowlight_gui.core.imageio import read_photo
from lowlight_gui.core.settings import Settings
from lowlight_gui.core.tiling import run_tiled
from tests.conftest import smooth_noisy, write_image


@pytest.fixture(scope="module")
def engine(base_model):
    return Engine(base_model, provider="CPU", threads=1)


def _outputs(engine, img):
    """The model's two outputs over the whole image (one piece), as the engine's session gives
    them, with the photo's gain."""
    gain, _ = photo_conditioning(img, engine)
    x = np.ascontiguousarray(img.transpose(2, 0, 1)[None])
    pad = [(0, 0), (0, 0), (0, -img.shape[0] % 4), (0, -img.shape[1] % 4)]
    x = np.pad(x, pad, mode="reflect")
    feeds = {contract.INPUT: x, contract.GAIN: np.full((1, 1, 1, 1), gain, np.float32)}
    out, base = engine.session.run([contract.OUTPUT, contract.BASE], feeds)
    h, w = img.shape[:2]
    return out[0, :, :h, :w].transpose(1, 2, 0), base[0, :, :h, :w].transpose(1, 2, 0)


def test_engine_sees_the_base_output(engine, tiny_model):
    assert engine.has_base
    assert not Engine(tiny_model, provider="CPU", threads=1).has_base


def test_the_amount_blends_the_two_outputs(engine):
    img = smooth_noisy(64, 96, level=0.15)
    out, base = _outputs(engine, img)
    assert np.abs(out - base).mean() > 0.01  # the two differ: the test can tell them apart
    full = enhance_array(img, engine, tile=0)
    none = enhance_array(img, engine, tile=0, denoise=0.0)
    half = enhance_array(img, engine, tile=0, denoise=0.5)
    np.testing.assert_allclose(full, np.clip(out, 0, 1), atol=1e-6)
    np.testing.assert_allclose(none, np.clip(base, 0, 1), atol=1e-6)
    np.testing.assert_allclose(half, (none + full) / 2, atol=1e-6)


@pytest.mark.parametrize("amount", [0.0, 0.3, 1.0])
def test_tiled_equals_whole(engine, amount):
    img = smooth_noisy(300, 420, seed=4, level=0.15)
    whole = enhance_array(img, engine, tile=0, denoise=amount)
    tiled = enhance_array(img, engine, tile=128, denoise=amount)
    assert np.abs(whole - tiled).max() <= 1e-5


def test_the_mix_is_made_per_tile_before_the_tiles_are_blended(engine):
    """Each tile is mixed by the engine, so no full-size float copy of either output exists:
    the same as blending the tiled outputs and mixing afterwards (the mix is linear)."""
    img = smooth_noisy(200, 260, seed=2, level=0.15)
    gain, _ = photo_conditioning(img, engine)
    mixed = []

    class Spy:
        def __getattr__(self, name):
            return getattr(engine, name)

        def run(self, batch, gain=None, **kwargs):
            mixed.append(kwargs.get("denoise"))
            return engine.run(batch, gain, **kwargs)

    got = enhance_array(img, Spy(), tile=128, denoise=0.25)
    assert len(mixed) > 1 and set(mixed) == {0.25}

    def tiles(amount):
        def fn(t):
            out = engine.run(t.transpose(2, 0, 1)[None], gain, denoise=amount)
            return out[0].transpose(1, 2, 0)

        return run_tiled(img, fn, 128, engine.overlap, engine.factor)

    expected = tiles(0.0) + 0.25 * (tiles(1.0) - tiles(0.0))
    assert np.abs(got - expected).max() <= 1e-5


def test_mix_denoise_clips_and_blends_in_place():
    out = np.array([1.2, 0.8, 0.2], np.float32)
    base = np.array([0.5, -0.1, 0.6], np.float32)
    mixed = mix_denoise(out, base, 0.5)
    assert mixed is out
    np.testing.assert_allclose(mixed, [0.75, 0.4, 0.4], atol=1e-6)


def test_strength_applies_after_the_amount(engine):
    img = smooth_noisy(48, 64, level=0.15)
    at_zero = enhance_array(img, engine, tile=0, denoise=0.0)
    both = enhance_array(img, engine, tile=0, denoise=0.0, strength=0.5)
    np.testing.assert_allclose(both, (img + at_zero) / 2, atol=1e-6)


@pytest.mark.parametrize("amount", [-0.1, 1.01, float("nan")])
def test_out_of_range_amounts_are_refused(engine, amount):
    with pytest.raises(LowlightError, match="noise reduction"):
        check_denoise(amount)
    with pytest.raises(LowlightError, match="noise reduction"):
        enhance_array(smooth_noisy(16, 16), engine, denoise=amount)


def test_a_model_without_base_ignores_the_amount_and_says_so(gain_model, caplog):
    engine = Engine(gain_model, provider="CPU", threads=1)
    img = smooth_noisy(40, 56, level=0.15)
    assert denoise_ignored(engine, 1.0) is None
    message = denoise_ignored(engine, 0.3)
    assert message and "no separate noise reduction" in message and "ignored" in message
    with caplog.at_level("WARNING"):
        got = enhance_array(img, engine, tile=0, denoise=0.3)
    np.testing.assert_array_equal(got, enhance_array(img, engine, tile=0))
    assert "no separate noise reduction" in caplog.text


def test_stored_types_and_grey_take_the_amount(engine):
    img = smooth_noisy(40, 60, level=0.15)
    u8 = np.round(img * 255).astype(np.uint8)
    expected = enhance_array(u8.astype(np.float32) / 255, engine, tile=0, denoise=0.0)
    got = enhance_pixels(u8, engine, tile=0, denoise=0.0)
    assert np.abs(got.astype(np.float32) / 255 - expected).max() <= 0.5 / 255 + 1e-6
    grey = u8[:, :, :1]
    grey_none = enhance_pixels(grey, engine, tile=0, denoise=0.0)
    grey_full = enhance_pixels(grey, engine, tile=0)
    assert grey_none.shape == grey.shape and not np.array_equal(grey_none, grey_full)
    flat = enhance_pixels(grey[:, :, 0], engine, tile=0, denoise=0.0)  # HxW takes it too
    np.testing.assert_array_equal(flat, grey_none[:, :, 0])


def test_a_batch_writes_what_the_amount_gives(engine, base_model, tmp_path):
    photo = write_image(tmp_path / "in" / "dark.png", h=50, w=70)
    options = BatchOptions(output_dir=tmp_path / "out", fmt="png", settings=Settings(denoise=0.5))
    result = run_batch(collect_jobs([photo], options), engine, options)
    assert len(result.done) == 1
    written = read_photo(result.done[0].output).pixels
    expected = enhance_array(read_photo(photo).pixels, engine, denoise=0.5)
    assert np.abs(written - expected).max() <= 0.5 / 255 + 1e-6
    assert np.abs(written - enhance_array(read_photo(photo).pixels, engine)).max() > 0.01
