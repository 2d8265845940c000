from __future__ import annotations

import numpy as np
import pytest

from lowlight_gui.core.engine import Engine
from lowlight_gui.core.enhance import enhance_array, enhance_photo, enhance_pixels
from lowlight_gui.core.errors import LowlightError
from tests.conftest import smooth_noisy


class Recording:
    """Wraps an engine and records the input shapes it is given."""

    def __init__(self, inner):
        self.inner = inner
        self.factor, self.overlap = inner.factor, inner.overlap
        self.has_gain_input = inner.has_gain_input
        self.gain_model = inner.gain_model
        self.shapes: list[tuple] = []
        self.gains: list = []

    def run(self, batch, gain=None):
        self.shapes.append(batch.shape)
        self.gains.append(gain)
        return self.inner.run(batch, gain)


@pytest.fixture(scope="module")
def engines(tiny_model, tiny_model_f4, gain_model):
    return {
        "f2": Engine(tiny_model, threads=1),
        "f4": Engine(tiny_model_f4, threads=1),
        "gain": Engine(gain_model, threads=1),
    }


@pytest.mark.parametrize("which", ["f2", "f4", "gain"])
@pytest.mark.parametrize("h,w,tile", [(399, 601, 128), (800, 1200, 256)])
def test_tiled_matches_whole_image(engines, which, h, w, tile):
    engine = engines[which]
    img = smooth_noisy(h, w, seed=h)
    whole = enhance_array(img, engine, tile=0)
    rec = Recording(engine)
    tiled = enhance_array(img, rec, tile=tile)
    assert len(rec.shapes) > 4  # really tiled
    diff = np.abs(whole - tiled)
    assert diff.max() <= 2 / 255
    assert diff.mean() < 0.1 / 255
    # one tile shape for the whole photo, and one gain for every tile
    assert len(set(rec.shapes)) == 1
    assert len(set(rec.gains)) == 1
    if which == "gain":
        assert rec.gains[0] is not None and rec.gains[0] > 1.0
    # the output actually differs from the input (the model does something)
    assert np.abs(tiled - img).mean() > 1e-3


def test_one_tile_shape_per_photo_size_within_the_tile_asked(engines):
    """Every tile of a photo has one shape, at most the tile size asked for (each side as long
    as its even number of tiles needs: ``tiling._axis``), and photos of one size (a camera's
    batch) all run in that shape, so a provider that prepares per shape does it once."""
    rec = Recording(engines["f2"])
    seen = {}
    for h, w in [(300, 500), (520, 260), (700, 700), (300, 500), (520, 260)]:
        rec.shapes.clear()
        enhance_array(smooth_noisy(h, w), rec, tile=256)
        (shape,) = set(rec.shapes)
        assert shape[2] <= 256 and shape[3] <= 256
        assert seen.setdefault((h, w), shape) == shape


def test_small_image_uses_small_tile(engines):
    rec = Recording(engines["f2"])
    out = enhance_array(np.full((1, 1, 3), 0.2, np.float32), rec, tile=512)
    assert out.shape == (1, 1, 3)
    assert rec.shapes == [(1, 3, 2, 2)]  # 1 rounded up to the factor 2: no border margins


def test_strength(bright_model):
    engine = Engine(bright_model, threads=1)
    img = smooth_noisy(90, 130, level=0.2)
    full = enhance_array(img, engine, strength=1.0, tile=64)
    half = enhance_array(img, engine, strength=0.5, tile=64)
    none = enhance_array(img, engine, strength=0.0, tile=64)
    np.testing.assert_array_equal(none, img)
    assert none is not img
    np.testing.assert_allclose(half, (img + full) / 2, atol=1e-6)
    assert full.mean() > img.mean() * 1.5  # the bright model brightens
    with pytest.raises(LowlightError, match="strength"):
        enhance_array(img, engine, strength=1.5)


def test_input_not_modified(engines):
    img = smooth_noisy(50, 70)
    copy = img.copy()
    enhance_array(img, engines["f2"], strength=0.3, tile=0)
    np.testing.assert_array_equal(img, copy)


class OomEngine:
    """Fails like ONNX Runtime when a tile has more than `limit` pixels."""

    factor, overlap, has_gain_input = 4, 16, False

    def __init__(self, limit: int):
        self.limit = limit
        self.shapes: list[tuple] = []

    def run(self, batch, gain=None):
        self.shapes.append(batch.shape)
        if batch.shape[2] * batch.shape[3] > self.limit:
            raise RuntimeError(
                "[ONNXRuntimeError] : 6 : RUNTIME_EXCEPTION : Non-zero status code returned while "
                "running Conv node. Failed to allocate memory for requested buffer of size 123"
            )
        return batch * 0.5


@pytest.mark.parametrize("tile", [0, 512])
def test_out_of_memory_retries_with_smaller_tiles(tile):
    engine = OomEngine(limit=200 * 200)
    img = smooth_noisy(600, 700)
    out = enhance_array(img, engine, tile=tile)
    np.testing.assert_allclose(out, img * 0.5, atol=1e-6)
    sizes = [s[2] for s in engine.shapes]
    assert sizes[0] > 200 and min(sizes) <= 200


def test_out_of_memory_at_minimum_tile_fails_clearly():
    with pytest.raises(LowlightError, match="not enough memory"):
        enhance_array(smooth_noisy(300, 300), OomEngine(limit=10), tile=256)


def test_other_errors_are_not_retried():
    class Broken(OomEngine):
        def run(self, batch, gain=None):
            self.shapes.append(batch.shape)
            raise LowlightError("the model failed to run: boom")

    engine = Broken(0)
    with pytest.raises(LowlightError, match="boom"):
        enhance_array(smooth_noisy(300, 300), engine, tile=256)
    assert len(engine.shapes) == 1


def test_enhance_photo_uses_pixels(engines):
    class FakePhoto:
        pixels = smooth_noisy(40, 30)

    out = enhance_photo(FakePhoto(), engines["f2"], strength=1.0, tile=0)
    assert out.shape == (40, 30, 3)


# -- stored types (issue 10: bounded memory) -----------------------------------------------------


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
@pytest.mark.parametrize("strength", [1.0, 0.6])
def test_stored_type_matches_the_float_path(engines, dtype, strength):
    """enhance_pixels on uint8/uint16 gives the float path's result, rounded to the type."""
    maxval = np.iinfo(dtype).max
    stored = np.rint(smooth_noisy(150, 230, seed=3) * maxval).astype(dtype)
    as_float = stored.astype(np.float32) / maxval
    for which in ("f4", "gain"):
        engine = engines[which]
        expected = enhance_array(as_float, engine, strength=strength, tile=64)
        out = enhance_pixels(stored, engine, strength=strength, tile=64)
        assert out.dtype == dtype and out.shape == stored.shape
        diff = np.abs(out.astype(np.float64) - expected * maxval)
        assert diff.max() <= 0.5 + 1e-3 * maxval / 255
        whole = enhance_pixels(stored, engine, strength=strength, tile=0)
        assert np.abs(whole.astype(np.int64) - out).max() <= 2 * maxval / 255


def test_grey_goes_through_the_rgb_model_and_stays_grey(engines):
    grey = np.rint(smooth_noisy(60, 80, seed=4)[..., :1] * 255).astype(np.uint8)
    rec = Recording(engines["gain"])
    out = enhance_pixels(grey, rec, tile=32)
    assert out.shape == (60, 80, 1) and out.dtype == np.uint8
    assert all(shape[1] == 3 for shape in rec.shapes)  # the model is given RGB
    rgb = np.repeat(grey, 3, axis=2)
    expected = enhance_pixels(rgb, engines["gain"], tile=32).astype(np.float64).mean(axis=2)
    assert np.abs(out[..., 0] - expected).max() <= 1.0
    flat = enhance_pixels(grey[..., 0], engines["gain"], tile=32)  # HxW works too
    np.testing.assert_array_equal(flat, out[..., 0])


def test_enhance_photo_on_a_stored_photo(engines):
    from lowlight_gui.core.imageio import Photo

    stored = np.rint(smooth_noisy(40, 30) * 255).astype(np.uint8)
    out = enhance_photo(Photo(stored), engines["f2"], tile=0)
    assert out.dtype == np.float32 and out.shape == (40, 30, 3)
    np.testing.assert_allclose(
        out, enhance_pixels(stored, engines["f2"], tile=0) / np.float32(255), atol=1e-6
    )


@pytest.mark.parametrize("h,w,tile", [(300, 200, 64), (257, 131, 64), (129, 77, 0), (64, 64, 64),
                                      (1000, 90, 64), (33, 500, 64)])
@pytest.mark.parametrize("which", ["f4", "gain"])
def test_in_place_gives_the_same_result(engines, h, w, tile, which):
    """out=data overwrites rows as soon as no tile needs them: the result must not change."""
    stored = np.rint(smooth_noisy(h, w, seed=h + w) * 65535).astype(np.uint16)
    expected = enhance_pixels(stored, engines[which], strength=0.8, tile=tile)
    data = stored.copy()
    out = enhance_pixels(data, engines[which], strength=0.8, tile=tile, out=data)
    assert out is data
    np.testing.assert_array_equal(out, expected)
    grey = stored[..., :1].copy()
    np.testing.assert_array_equal(
        enhance_pixels(grey, engines[which], tile=tile, out=grey),
        enhance_pixels(stored[..., :1], engines[which], tile=tile),
    )


def test_in_place_out_of_memory_after_a_band_is_not_retried():
    class LateOom(OomEngine):
        """Runs out of memory on big tiles once the second row of tiles has begun."""

        def run(self, batch, gain=None):
            self.shapes.append(batch.shape)
            if len(self.shapes) > 2 and batch.shape[2] > self.limit:
                return super().run(batch, gain)
            return batch * 0.5

    def photo():
        return np.rint(smooth_noisy(600, 700) * 255).astype(np.uint8)

    data = photo()
    with pytest.raises(LowlightError, match="not enough memory"):
        enhance_pixels(data, LateOom(limit=300), tile=512, out=data)
    # not in place, the same failure is retried with smaller tiles
    engine = LateOom(limit=300)
    out = enhance_pixels(photo(), engine, tile=512)
    assert np.abs(out.astype(int) - photo().astype(int) / 2).max() <= 0.5 + 1e-6
    assert engine.shapes[-1][2] <= 256
