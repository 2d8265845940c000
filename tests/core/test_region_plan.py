"""core/region_plan.py: a photo developed tile by tile in any order is the whole run, bit for
bit; cells need only the tiles that reach them; the tile cache stays inside its budget."""

from __future__ import annotations

import numpy as np
import pytest

from lowlight_gui.core.cancel import CancelToken
from lowlight_gui.core.engine import Engine
from lowlight_gui.core.errors import Cancelled
from lowlight_gui.core.pipeline import develop, plan
from lowlight_gui.core.region_plan import RegionDevelopment, TileCache, TileLayout
from lowlight_gui.core.settings import Settings
from lowlight_gui.core.tiling import Box, Grid
from tests.conftest import smooth_noisy


@pytest.fixture(scope="module")
def base_engine(base_model):
    return Engine(base_model, "CPU", threads=1)


def _photo(h: int, w: int, dtype=np.uint8, seed: int = 3) -> np.ndarray:
    scale = np.iinfo(dtype).max
    return (smooth_noisy(h, w, seed) * scale).round().astype(dtype)


def _develop_in_order(data, engine, how, tile, viewports, cache=None):
    dev = RegionDevelopment(
        data, engine, how, tile=tile, cache=cache if cache is not None else TileCache(), key="p"
    )
    views = iter(viewports)
    view = next(views, None)
    while not dev.complete:
        dev.step(view)
        view = next(views, view)  # a new viewport after each tile, then the last one stays
    return dev


@pytest.mark.parametrize(
    ("settings", "dtype", "tile"),
    [
        (Settings(), np.uint8, 128),
        (Settings(exposure=0.6, denoise=0.4, colour_noise=0.5, strength=0.7), np.uint8, 96),
        (Settings(exposure=-0.4, denoise=0.8), np.uint16, 128),
    ],
)
def test_any_order_gives_the_whole_runs_bits(base_engine, settings, dtype, tile):
    data = _photo(300, 410, dtype)
    how = plan(data, base_engine, settings)
    whole = develop(data, base_engine, how, tile=tile).pixels
    views = [Box(300, 200, 60, 60), None, Box(0, 0, 10, 10), Box(100, 120, 200, 90)]
    dev = _develop_in_order(data, base_engine, how, tile, views)
    assert dev.out.dtype == whole.dtype
    np.testing.assert_array_equal(dev.out, whole)
    assert dev.tiles_run == len(dev.layout.tiles)  # each tile ran once


def test_a_grey_photo_and_the_whole_photo_in_one_tile(base_engine):
    grey = _photo(120, 170)[:, :, :1]
    how = plan(grey, base_engine, Settings(colour_noise=0.5))
    np.testing.assert_array_equal(
        _develop_in_order(grey, base_engine, how, 64, [Box(100, 50, 20, 20)]).out,
        develop(grey, base_engine, how, tile=64).pixels,
    )
    data = _photo(90, 130)
    how = plan(data, base_engine, Settings())
    dev = _develop_in_order(data, base_engine, how, 0, [None])
    assert len(dev.layout.tiles) == len(dev.layout.cells) == 1
    np.testing.assert_array_equal(dev.out, develop(data, base_engine, how, tile=0).pixels)


def test_cells_need_only_the_tiles_that_reach_them():
    layout = TileLayout.of(500, 700, Grid(128, 16, 4))
    assert len(layout.tiles) > 12
    # The cells cover the photo once.
    cover = np.zeros((500, 700), np.int32)
    for c in layout.cells:
        cover[c.y : c.bottom, c.x : c.right] += 1
    assert (cover == 1).all()
    for c in layout.cells:
        assert 1 <= len(layout.tiles_for(c)) <= 4
    # A box rounded out to its cells needs no tile more than the box itself.
    for box in (Box(200, 150, 90, 70), Box(0, 0, 1, 1), Box(650, 400, 50, 100)):
        cells = layout.cells_in(box)
        needed = {t for c in cells for t in layout.tiles_for(c)}
        assert needed == set(layout.tiles_for(box))


def test_the_viewport_comes_first_then_rings_outward(base_engine):
    data = _photo(400, 560)
    how = plan(data, base_engine, Settings())
    dev = RegionDevelopment(data, base_engine, how, tile=96, cache=TileCache(), key="p")
    view = Box(380, 260, 80, 60)
    needed = set(dev.layout.tiles_for(view))
    assert len(needed) < len(dev.layout.tiles) / 3
    while dev.pending_in(view):
        dev.step(view)
    assert dev.tiles_run == len(needed)  # not one tile more before the view was final
    order = dev.order(view)
    gaps = [
        max(view.x - c.right, c.x - view.right, view.y - c.bottom, c.y - view.bottom, 0)
        for c in order
    ]
    assert gaps == sorted(gaps)  # the rest: nearest first


def test_cancelled_between_tiles(base_engine):
    data = _photo(200, 260)
    how = plan(data, base_engine, Settings())
    dev = RegionDevelopment(data, base_engine, how, tile=96, cache=TileCache(), key="p")
    token = CancelToken()
    dev.step(None, cancel=token)
    token.set()
    with pytest.raises(Cancelled):
        dev.step(None, cancel=token)
    assert dev.tiles_run == 1


def test_the_tile_cache_stays_inside_its_budget_and_the_result_is_still_right(base_engine):
    cache = TileCache(max_bytes=1000)
    for i in range(10):
        cache.put(i, np.zeros(60, np.float32))  # 240 bytes each
    assert cache.nbytes <= 1000 and len(cache) == 4
    assert cache.get(0) is None and cache.get(9) is not None
    cache.get(6)  # used: stays
    cache.demote(9)  # the first to go
    cache.put(10, np.zeros(60, np.float32))
    assert cache.get(9) is None and cache.get(6) is not None
    assert 7 in cache  # (asking does not keep it: the least recently used goes first)
    cache.put(11, np.zeros(60, np.float32))
    assert 7 not in cache
    cache.put("big", np.zeros(1000, np.float32))  # larger than the budget: not kept
    assert cache.get("big") is None and cache.nbytes <= 1000

    data = _photo(300, 410)
    how = plan(data, base_engine, Settings())
    whole = develop(data, base_engine, how, tile=96).pixels
    one_tile = 128 * 128 * 3 * 4  # (96 px asked: the smallest tile this model takes is 128)
    small = TileCache(max_bytes=one_tile)  # one tile: fewer than most cells need
    views = [Box(300, 200, 60, 60), Box(0, 250, 40, 40), Box(10, 10, 20, 20)]
    dev = _develop_in_order(data, base_engine, how, 96, views, cache=small)
    assert small.nbytes <= one_tile
    assert dev.tiles_run > len(dev.layout.tiles)  # some ran again: the budget was kept
    np.testing.assert_array_equal(dev.out, whole)
