"""Run a fully convolutional model over an image of any size in tiles of one fixed shape.

Geometry (all in pixels, along each axis):

- The image is padded at the bottom and right to a multiple of the model's ``factor`` (fewer than
  ``factor`` rows/columns, reflections of the image); nothing else is added around it. At the
  photo's own borders the network sees what it saw in training on crops (its convolutions' zero
  padding), in tiles and in the whole-image run (``tile=0``) alike, and no time is spent on
  context that is thrown away: a 600x400 photo costs 600x400 pixels of inference.
- ``margin`` M: the context a tile needs on each side *that borders another tile*, the model's
  overlap rounded up to its factor. Output pixels closer than M to such an edge get weight 0.
- ``feather`` F: inside the used part of a tile the weight ramps from ~0 to 1 over F pixels, so
  neighbouring tiles cross-fade instead of meeting at a seam. A tile edge on the photo's border
  has neither margin nor ramp.
- Adjacent tiles overlap by at least ``2M + F``; tiles lie inside the padded image, their
  origins on a grid of ``factor`` pixels starting at 0, the same grid as the whole-image run, so
  that a network with strided layers sees the same pixel phase in both and the tiled result
  matches the whole one.

Memory: the image may be kept in its stored type (uint8/uint16); each tile is converted to float32
on its own. The tiles of one row of the plan are accumulated into a float32 band one tile high and
the full width; the rows that no later tile reaches are normalised and handed to ``flush`` before
the band moves down. So no full-size float copy is made (except by ``run_tiled``, which collects
the rows for callers that want one float array). The blending weight is separable (the tiles form
a full grid), so it is two 1-D sums instead of an HxW buffer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .errors import Cancelled

TileFn = Callable[[np.ndarray], np.ndarray]
OnTile = Callable[[int, int], None]
Flush = Callable[[int, int, np.ndarray], None]

MIN_TILE = 128  # the smallest tile the out-of-memory retry goes down to


@dataclass(frozen=True)
class Tile:
    """One tile: top-left corner in image coordinates (it may run past the image by less than a
    factor step: those pixels are reflect-padded) and its shape, the same for every tile of a
    plan."""

    y: int
    x: int
    h: int
    w: int

    def crop(self, height: int, width: int) -> tuple[slice, slice, slice, slice]:
        """(image rows, image cols, tile rows, tile cols) of the part of the tile inside the image."""
        y0, y1 = max(self.y, 0), min(self.y + self.h, height)
        x0, x1 = max(self.x, 0), min(self.x + self.w, width)
        return (
            slice(y0, y1),
            slice(x0, x1),
            slice(y0 - self.y, y1 - self.y),
            slice(x0 - self.x, x1 - self.x),
        )


def _round_up(n: int, factor: int) -> int:
    return -(-int(n) // factor) * factor


def margin_for(overlap: int, factor: int) -> int:
    """The unused border of each tile: the model's overlap rounded up to its factor."""
    return _round_up(max(int(overlap), 0), factor)


def feather_for(overlap: int, factor: int) -> int:
    """Length of the cross-fade between tiles: half the margin, at least one factor step."""
    return _round_up(max(margin_for(overlap, factor) // 2, 1), factor)


def min_tile(overlap: int, factor: int) -> int:
    """The smallest tile that still makes progress: margins, two ramps and one factor step."""
    m, f = margin_for(overlap, factor), feather_for(overlap, factor)
    return max(_round_up(MIN_TILE, factor), 2 * m + 2 * f + factor)


def _axis(n: int, tile: int, m: int, f: int, factor: int) -> tuple[int, list[int]]:
    """Tile length and origins along one axis of length n, tiles at most ``tile`` long.

    As few tiles as fit in ``tile`` (one when the axis does: the length is then n rounded up
    to the factor), but **an even number** of them: the photo's centre, where the window's
    first view at 100 % is, then falls where two tiles cross-fade, and a view of up to about
    a tile's size needs two tiles along the axis instead of three. Each tile is then only as
    long as that many need (their used parts overlapping by ``f``), so the extra tile costs
    little and is often cheaper than tiles of the full ``tile``: a 3000x4000 photo at 1024
    takes 4x6 tiles of 896x832 (17.9 MP of inference) instead of 4x5 of 1024 (21 MP)."""
    need = _round_up(n, factor)
    if need <= tile:
        return need, [0]
    step = 2 * m + f  # what each meeting of two tiles costs along the axis
    count = -(-(need - tile) // (tile - step)) + 1
    count += count % 2
    length = _round_up(-(-(need + (count - 1) * step) // count), factor)
    length = min(max(length, _round_up(MIN_TILE, factor), 2 * m + 2 * f + factor), tile)
    steps = (need - length) // factor
    return length, [(i * steps // (count - 1)) * factor for i in range(count)]


def tile_shape(h: int, w: int, tile: int, overlap: int, factor: int) -> tuple[int, int]:
    """The one tile shape used for an h x w image.

    ``tile`` (rounded up to the factor, and up to ``min_tile``) is the longest a tile may be;
    along an axis the tiles are as long as their number needs (``_axis``: an even number of
    them, or one), so a small image costs a small run. ``tile=0``: the whole image in one
    piece.
    """
    factor = max(int(factor), 1)
    if tile <= 0:
        return _round_up(h, factor), _round_up(w, factor)
    t = effective_tile(tile, overlap, factor)
    m, f = margin_for(overlap, factor), feather_for(overlap, factor)
    return _axis(h, t, m, f, factor)[0], _axis(w, t, m, f, factor)[0]


def plan_tiles(h: int, w: int, tile: int, overlap: int, factor: int) -> list[Tile]:
    """Tiles covering an h x w image, row by row; every tile has the same shape."""
    if h <= 0 or w <= 0:
        raise ValueError(f"cannot tile an empty image ({w}x{h})")
    factor = max(int(factor), 1)
    m, f = margin_for(overlap, factor), feather_for(overlap, factor)
    if tile <= 0:
        return [Tile(0, 0, _round_up(h, factor), _round_up(w, factor))]
    t = effective_tile(tile, overlap, factor)
    th, ys = _axis(h, t, m, f, factor)
    tw, xs = _axis(w, t, m, f, factor)
    return [Tile(y, x, th, tw) for y in ys for x in xs]


def _profile(length: int, m: int, f: int, first: bool = False, last: bool = False) -> np.ndarray:
    """1-D weight along a tile: 0 on the margins, ramps of f pixels, 1 in the middle; a side on
    the photo's border (``first``: the start, ``last``: the end) is used right up to its edge."""
    lo, hi = (0 if first else m), (0 if last else m)
    used = length - lo - hi
    if used <= 0:  # cannot happen with tile_shape(); keep every pixel rather than none
        return np.ones(length, np.float32)
    f = max(1, min(f, used // 2))
    w = np.ones(length, np.float32)
    ramp = (np.arange(f, dtype=np.float32) + 0.5) / f
    if not first:
        w[:lo] = 0.0
        w[lo : lo + f] = ramp
    if not last:
        w[length - hi :] = 0.0
        end = w[length - hi - f : length - hi]
        w[length - hi - f : length - hi] = np.minimum(end, ramp[::-1])
    return w


def blend_profiles(starts: list[int], length: int, m: int, f: int) -> list[np.ndarray]:
    """The weight profile of each tile along one axis (the first and last touch the border)."""
    return [_profile(length, m, f, i == 0, i == len(starts) - 1) for i in range(len(starts))]


def _reflect(idx: np.ndarray, n: int) -> np.ndarray:
    """Indices mapped into 0..n-1 by mirror reflection without repeating the edge (any distance)."""
    if n == 1:
        return np.zeros_like(idx)
    period = 2 * (n - 1)
    idx = np.mod(idx, period)
    return np.where(idx < n, idx, period - idx)


def effective_tile(tile: int, overlap: int, factor: int) -> int:
    """The tile side actually used for a requested ``tile`` (>0): rounded up to the factor and to
    ``min_tile``; before it is shrunk to a small photo (``tile_shape``)."""
    factor = max(int(factor), 1)
    return max(_round_up(tile, factor), min_tile(overlap, factor))


def scale_for(dtype: np.dtype) -> float:
    """What a stored value is divided by to get 0..1: 255 for uint8, 65535 for uint16, 1 for floats."""
    dtype = np.dtype(dtype)
    return float(np.iinfo(dtype).max) if dtype.kind in "ui" else 1.0


def extract_tile(image: np.ndarray, t: Tile) -> np.ndarray:
    """The tile's pixels as a new float32 (t.h, t.w, C) array in 0..1 (integer images are divided
    by their type's maximum), reflect-padded where needed."""
    h, w = image.shape[:2]
    if t.y >= 0 and t.x >= 0 and t.y + t.h <= h and t.x + t.w <= w:
        src = image[t.y : t.y + t.h, t.x : t.x + t.w]
    else:
        rows = _reflect(np.arange(t.y, t.y + t.h), h)
        cols = _reflect(np.arange(t.x, t.x + t.w), w)
        src = image[np.ix_(rows, cols)]
    out = np.empty(src.shape, np.float32)
    scale = scale_for(image.dtype)
    if scale == 1.0:
        out[...] = src
    else:
        np.divide(src, np.float32(scale), out=out)
    return out


def _is_cancelled(cancel: Any) -> bool:
    if cancel is None:
        return False
    if hasattr(cancel, "is_set"):
        return bool(cancel.is_set())
    return bool(cancel())


def weight_sum(n: int, starts: list[int], profiles: list[np.ndarray]) -> np.ndarray:
    """Sum over the tiles along one axis of their weight profiles, for each of the n pixels."""
    total = np.zeros(n, np.float32)
    for s, profile in zip(starts, profiles, strict=False):
        a, b = max(s, 0), min(s + len(profile), n)
        total[a:b] += profile[a - s : b - s]
    return np.maximum(total, np.float32(1e-12))


@dataclass(frozen=True)
class Grid:
    """How an image is cut into tiles: the tile size asked for (0: the whole image in one
    piece), the model's overlap (context on each side) and its factor (tile origins and sizes are
    multiples of it)."""

    tile: int
    overlap: int
    factor: int


@dataclass(frozen=True)
class Box:
    """A rectangle of an image in pixels (Qt's order: x, y, width, height)."""

    x: int
    y: int
    width: int
    height: int

    @property
    def right(self) -> int:
        return self.x + self.width

    @property
    def bottom(self) -> int:
        return self.y + self.height

    def check_inside(self, height: int, width: int) -> Box:
        """This box, or a ValueError when it is empty or not inside a ``width`` x ``height``
        image."""
        if self.width <= 0 or self.height <= 0 or self.x < 0 or self.y < 0 or (
            self.right > width or self.bottom > height
        ):
            raise ValueError(f"region {self} is empty or not inside the {width}x{height} image")
        return self


def _reaching(starts: list[int], profiles: list[np.ndarray], lo: int, hi: int) -> set[int]:
    """The starts of the tiles whose weight is not 0 somewhere in lo..hi (along one axis)."""
    kept = set()
    for s, profile in zip(starts, profiles, strict=True):
        a, b = max(lo - s, 0), min(hi - s, len(profile))
        if a < b and profile[a:b].any():
            kept.add(s)
    return kept


def blend_tiled(
    image: np.ndarray,
    fn: TileFn,
    grid: Grid,
    flush: Flush,
    *,
    region: Box | None = None,
    on_tile: OnTile | None = None,
    cancel: Any = None,
) -> None:
    """Apply ``fn`` (float32 tile HxWxC in 0..1 -> same shape) over ``image`` (HxWxC, float or
    uint8/uint16) cut as ``grid`` says and hand the blended result to ``flush(y0, y1, rows)`` in
    row bands.

    Every image row is flushed exactly once, top to bottom; ``rows`` is a float32 (y1-y0, W, C)
    view into a reused buffer that the callee may modify but must not keep. When ``flush`` is
    called for rows y0..y1, no tile reads image rows above y1 any more (also not through the
    reflect padding at the bottom, which is less than a factor step), so
    ``flush`` may write its result over them in ``image`` itself. ``on_tile(done,
    total)`` is called after each tile; ``cancel`` (a ``threading.Event`` or a callable returning
    True to stop) is checked before each tile and raises ``Cancelled``.

    ``region``: only this box of the image is computed and flushed (rows and columns counted
    from the box's corner, ``rows`` (y1-y0, box width, C)). It is cut as the whole image is and
    only the tiles that give its pixels weight are run, so its pixels are the same pixels of the
    whole image's result, bit for bit (the tiles left out add weight 0 there).
    """
    if image.ndim != 3:
        raise ValueError(f"expected an HxWxC image, got shape {image.shape}")
    h, w, channels = image.shape
    factor = max(int(grid.factor), 1)
    tiles = plan_tiles(h, w, grid.tile, grid.overlap, factor)
    m, f = margin_for(grid.overlap, factor), feather_for(grid.overlap, factor)
    th, tw = tiles[0].h, tiles[0].w
    ys, xs = sorted({t.y for t in tiles}), sorted({t.x for t in tiles})
    wys, wxs = blend_profiles(ys, th, m, f), blend_profiles(xs, tw, m, f)
    box = (region or Box(0, 0, w, h)).check_inside(h, w)
    weight_y = weight_sum(h, ys, wys)[box.y : box.bottom]
    weight_x = weight_sum(w, xs, wxs)[None, box.x : box.right, None]
    row_of, col_of = {y: i for i, y in enumerate(ys)}, {x: j for j, x in enumerate(xs)}
    if region is not None:
        rows_in = _reaching(ys, wys, box.y, box.bottom)
        cols_in = _reaching(xs, wxs, box.x, box.right)
        tiles = [t for t in tiles if t.y in rows_in and t.x in cols_in]

    band = np.zeros((min(th, box.height), box.width, channels), np.float32)
    base = box.y  # first image row held in the band (every row above it has been flushed)
    used = 0  # rows of the band that hold contributions
    scratch = np.empty((th, tw, channels), np.float32)  # weighted tile, reused

    def emit(upto: int) -> None:
        nonlocal base, used
        upto = min(upto, box.bottom)
        if upto <= base:
            return
        k = upto - base
        rows = band[:k]
        rows /= weight_y[base - box.y : upto - box.y, None, None]
        rows /= weight_x
        flush(base - box.y, upto - box.y, rows)
        keep = used - k
        if keep > 0:  # rows still open move to the top of the band
            band[:keep] = band[k:used]
        band[max(keep, 0):] = 0.0
        base, used = upto, max(keep, 0)

    total = len(tiles)
    for done, t in enumerate(tiles, 1):
        if _is_cancelled(cancel):
            raise Cancelled("cancelled")
        emit(max(t.y, 0))  # no later tile starts above this row: the rows above it are final
        result = np.asarray(fn(extract_tile(image, t)), dtype=np.float32)
        if result.shape != (t.h, t.w, channels):
            raise ValueError(f"tile function returned shape {result.shape} for a {t.h}x{t.w} tile")
        y0, y1 = max(t.y, box.y), min(t.y + t.h, box.bottom)
        x0, x1 = max(t.x, box.x), min(t.x + t.w, box.right)
        ty, tx = slice(y0 - t.y, y1 - t.y), slice(x0 - t.x, x1 - t.x)
        buf = scratch[: y1 - y0, : x1 - x0]
        # The blending weight is separable: this tile's row profile times its column profile.
        np.multiply(result[ty, tx], wys[row_of[t.y]][ty, None, None], out=buf)
        buf *= wxs[col_of[t.x]][None, tx, None]
        band[y0 - base : y1 - base, x0 - box.x : x1 - box.x] += buf
        used = max(used, y1 - base)
        del result
        if on_tile is not None:
            on_tile(done, total)
    emit(box.bottom)


def run_tiled(
    image: np.ndarray,
    fn: TileFn,
    tile: int,
    overlap: int,
    factor: int,
    on_tile: OnTile | None = None,
    cancel: Any = None,
) -> np.ndarray:
    """``blend_tiled`` collected into a new float32 HxWxC array (a full-size float copy: for
    small images and tests; the enhance path flushes into the photo's stored type instead)."""
    if image.ndim != 3:
        raise ValueError(f"expected an HxWxC image, got shape {image.shape}")
    out = np.empty(image.shape, np.float32)

    def keep(y0: int, y1: int, rows: np.ndarray) -> None:
        out[y0:y1] = rows

    blend_tiled(image, fn, Grid(tile, overlap, factor), keep, on_tile=on_tile, cancel=cancel)
    return out
