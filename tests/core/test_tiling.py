from __future__ import annotations

import threading

import numpy as np
import pytest

from lowlight_gui.core.errors import Cancelled
from lowlight_gui.core.tiling import (
    extract_tile,
    margin_for,
    min_tile,
    plan_tiles,
    run_tiled,
    tile_shape,
)


@pytest.mark.parametrize(
    "h,w,tile,overlap,factor",
    [
        (1, 1, 512, 32, 8),
        (399, 601, 128, 8, 2),
        (800, 1200, 512, 32, 8),
        (4000, 6000, 512, 32, 8),
        (513, 512, 512, 32, 8),
        (50, 3000, 256, 16, 4),
        (37, 41, 0, 8, 4),
        (1000, 1000, 130, 8, 4),  # rounded up to the factor
    ],
)
def test_plan_covers_image_with_one_shape(h, w, tile, overlap, factor):
    tiles = plan_tiles(h, w, tile, overlap, factor)
    shapes = {(t.h, t.w) for t in tiles}
    assert len(shapes) == 1
    th, tw = shapes.pop()
    assert th % factor == 0 and tw % factor == 0
    if tile > 0:
        assert th <= max(tile, min_tile(overlap, factor)) + factor
    m = margin_for(overlap, factor)
    # origins on the factor grid that starts at 0 (the whole-image run's grid), inside the image
    # padded to the factor: no time spent on context around the photo's borders
    hp, wp = -(-h // factor) * factor, -(-w // factor) * factor
    assert all(t.y % factor == 0 and t.x % factor == 0 for t in tiles)
    assert all(0 <= t.y and t.y + t.h <= hp and 0 <= t.x and t.x + t.w <= wp for t in tiles)
    # every pixel lies in the used part of some tile: margins only on sides facing another tile
    cov = np.zeros((h, w), bool)
    for t in tiles:
        y0 = t.y if t.y == 0 else t.y + m
        y1 = t.y + t.h if t.y + t.h == hp else t.y + t.h - m
        x0 = t.x if t.x == 0 else t.x + m
        x1 = t.x + t.w if t.x + t.w == wp else t.x + t.w - m
        cov[y0:y1, x0:x1] = True
    assert cov.all()


def test_small_image_gets_a_small_tile():
    th, tw = tile_shape(1, 1, 512, 32, 8)
    assert (th, tw) == (8, 8)  # 1 rounded up to 8, not 512 (no margins at the photo's borders)
    assert len(plan_tiles(1, 1, 512, 32, 8)) == 1
    th, tw = tile_shape(4000, 6000, 512, 32, 8)
    assert th <= 512 and tw <= 512  # ``tile`` is the longest a tile may be


def _old_fixed_grid_area(h: int, w: int, tile: int, overlap: int, factor: int) -> int:
    """What the grid of tiles of exactly ``tile`` (the rule before the even grid) infers."""
    m = margin_for(overlap, factor)
    f = -(-max(m // 2, 1) // factor) * factor
    area = 1
    for n in (h, w):
        need = -(-n // factor) * factor
        t = min(tile, need)
        count = 1 if need <= t else -(-(need - t) // (t - 2 * m - f)) + 1
        area *= count * t
    return area


@pytest.mark.parametrize(
    ("h", "w"), [(4000, 3000), (1080, 1920), (2268, 4032), (4000, 6000), (6000, 8000), (1500, 1100)]
)
def test_tiles_come_in_even_numbers_sized_to_need(h, w):
    """An even number of tiles along an axis that needs more than one, each only as long as
    that many need: less inference than tiles of the full size (the CLI is faster), and the
    window's first view at 100 %, the photo's centre, lies where four tiles meet."""
    from lowlight_gui.core.region_plan import TileLayout
    from lowlight_gui.core.tiling import Box, Grid

    tile, overlap, factor = 1024, 80, 8  # the shipped model's
    tiles = plan_tiles(h, w, tile, overlap, factor)
    ys, xs = sorted({t.y for t in tiles}), sorted({t.x for t in tiles})
    for starts in (ys, xs):
        assert len(starts) == 1 or len(starts) % 2 == 0
    th, tw = tiles[0].h, tiles[0].w
    assert th <= tile and tw <= tile
    area = len(tiles) * th * tw
    assert area <= _old_fixed_grid_area(h, w, tile, overlap, factor)
    # a view of 800x800 photo pixels at the centre (a 100 % view in a laptop's window)
    layout = TileLayout.of(h, w, Grid(tile, overlap, factor))
    view = Box(w // 2 - 400, h // 2 - 400, 800, 800).check_inside(h, w)
    assert len(layout.tiles_for(view)) == (2 if len(ys) > 1 else 1) * (2 if len(xs) > 1 else 1)


def test_large_plan_is_not_wasteful():
    tiles = plan_tiles(4000, 6000, 512, 32, 8)
    area = sum(t.h * t.w for t in tiles)
    assert area < 1.6 * 4000 * 6000


def test_extract_tile_reflects():
    img = np.arange(5 * 4 * 3, dtype=np.float32).reshape(5, 4, 3)
    from lowlight_gui.core.tiling import Tile

    t = extract_tile(img, Tile(-2, -2, 8, 8))
    expected = np.pad(img, ((2, 1), (2, 2), (0, 0)), mode="reflect")
    np.testing.assert_array_equal(t, expected)
    # a 1x1 image pads with itself
    one = np.full((1, 1, 3), 0.5, np.float32)
    assert np.all(extract_tile(one, Tile(-4, -4, 8, 8)) == 0.5)


@pytest.mark.parametrize("shape", [(399, 601), (64, 64), (1, 1), (3, 700)])
def test_identity_roundtrip(shape):
    rng = np.random.default_rng(0)
    img = rng.random((*shape, 3), dtype=np.float32)
    seen = set()

    def fn(t):
        seen.add(t.shape)
        return t

    out = run_tiled(img, fn, tile=128, overlap=8, factor=4)
    assert out.shape == img.shape and out.dtype == np.float32
    np.testing.assert_allclose(out, img, atol=1e-6)
    assert len(seen) == 1


def test_feathered_blend_is_smooth():
    """Tiles returning different constants cross-fade: no jump bigger than one ramp step."""
    img = np.zeros((300, 300, 3), np.float32)
    counter = iter(range(1000))

    def fn(t):
        return np.full_like(t, next(counter) % 2)

    out = run_tiled(img, fn, tile=128, overlap=16, factor=4)
    jumps = max(np.abs(np.diff(out, axis=0)).max(), np.abs(np.diff(out, axis=1)).max())
    assert jumps <= 1.0 / 8 + 1e-6  # feather of 8 pixels


def test_progress_and_cancel():
    img = np.zeros((300, 300, 3), np.float32)
    calls = []
    cancel = threading.Event()

    def on_tile(done, total):
        calls.append((done, total))
        cancel.set()

    with pytest.raises(Cancelled):
        run_tiled(img, lambda t: t, 128, 8, 4, on_tile=on_tile, cancel=cancel)
    assert calls == [(1, calls[0][1])] and calls[0][1] > 1
    # a callable works as cancel too
    with pytest.raises(Cancelled):
        run_tiled(img, lambda t: t, 128, 8, 4, cancel=lambda: True)
