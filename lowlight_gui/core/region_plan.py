"""A photo's development tile by tile in any order: what is on screen first.

The window's full-resolution pass runs the tiles under the viewport first, then the others ring
by ring outward, and shows each part of the photo as soon as the tiles it needs are done. The
result must still be the batch's, bit for bit, so the tiles are those of the whole photo's run
(``tiling.plan_tiles``: same grid, same conditioning through a ``pipeline.Plan``) and a part is
blended from them with ``tiling.blend_tiled``'s arithmetic, in its order.

- ``TileLayout``: the grid of one photo, cut into *cells*: rectangles where the same tiles give
  weight (a tile's own middle, or the strip where two or four neighbours cross-fade). A cell is
  final once its tiles are done, and any box rounded out to cells needs no tile more than the
  box itself.
- ``TileCache``: the network's output per tile, keyed by (photo, settings, grid, tile), bounded
  in bytes (least recently used out), so that panning back, an undo or a save reuses them.
- ``RegionDevelopment``: one photo at one plan: ``step(viewport)`` runs the most wanted missing
  tile and composes the cells it completes into ``out`` (the photo's stored type, at the
  plan's strength, as ``pipeline.develop`` writes it).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from itertools import pairwise
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import Cancelled
from .pipeline import Plan, TileRun, flusher
from .tiling import (
    Box,
    Grid,
    Tile,
    blend_profiles,
    extract_tile,
    feather_for,
    margin_for,
    plan_tiles,
    weight_sum,
)

if TYPE_CHECKING:
    from .engine import Engine

# Tile outputs kept (float32): 40 tiles of 1024 px (a 12 MP photo has 20). Tiles whose cells
# are all composed go first; the others are kept for an undo or a return to earlier settings.
DEFAULT_CACHE_BYTES = 512 * 1024 * 1024


def _support(starts: list[int], profiles: list[np.ndarray]) -> list[tuple[int, int]]:
    """Where each tile's weight is not 0 along one axis: [a, b) in image coordinates."""
    spans = []
    for s, profile in zip(starts, profiles, strict=True):
        nz = np.flatnonzero(profile)
        spans.append((s + int(nz[0]), s + int(nz[-1]) + 1))
    return spans


def _cuts(n: int, spans: list[tuple[int, int]]) -> list[int]:
    """Cell boundaries along one axis: every place where a tile's weight starts or ends."""
    edges = {0, n}
    for a, b in spans:
        edges.update((min(max(a, 0), n), min(max(b, 0), n)))
    return sorted(edges)


@dataclass(frozen=True)
class TileLayout:
    """The tiles of an ``height`` x ``width`` photo cut as ``grid`` says, and its cells."""

    height: int
    width: int
    grid: Grid
    tiles: tuple[Tile, ...]  # in plan order (row by row): the order blend_tiled adds them
    cells: tuple[Box, ...]
    _ys: dict[int, int] = field(repr=False)  # tile origin -> index of its profile
    _xs: dict[int, int] = field(repr=False)
    _wys: list[np.ndarray] = field(repr=False)
    _wxs: list[np.ndarray] = field(repr=False)
    _weight_y: np.ndarray = field(repr=False)
    _weight_x: np.ndarray = field(repr=False)
    _span_y: dict[int, tuple[int, int]] = field(repr=False)
    _span_x: dict[int, tuple[int, int]] = field(repr=False)

    @classmethod
    def of(cls, height: int, width: int, grid: Grid) -> TileLayout:
        factor = max(int(grid.factor), 1)
        tiles = plan_tiles(height, width, grid.tile, grid.overlap, factor)
        m, f = margin_for(grid.overlap, factor), feather_for(grid.overlap, factor)
        ys, xs = sorted({t.y for t in tiles}), sorted({t.x for t in tiles})
        wys, wxs = blend_profiles(ys, tiles[0].h, m, f), blend_profiles(xs, tiles[0].w, m, f)
        span_y, span_x = _support(ys, wys), _support(xs, wxs)
        cy, cx = _cuts(height, span_y), _cuts(width, span_x)
        cells = tuple(
            Box(x0, y0, x1 - x0, y1 - y0) for y0, y1 in pairwise(cy) for x0, x1 in pairwise(cx)
        )
        return cls(
            height,
            width,
            grid,
            tuple(tiles),
            cells,
            {y: i for i, y in enumerate(ys)},
            {x: j for j, x in enumerate(xs)},
            wys,
            wxs,
            weight_sum(height, ys, wys),
            weight_sum(width, xs, wxs),
            dict(zip(ys, span_y, strict=True)),
            dict(zip(xs, span_x, strict=True)),
        )

    def tiles_for(self, box: Box) -> tuple[Tile, ...]:
        """The tiles that give ``box``'s pixels weight, in plan order."""
        return tuple(
            t
            for t in self.tiles
            if self._span_y[t.y][0] < box.bottom
            and box.y < self._span_y[t.y][1]
            and self._span_x[t.x][0] < box.right
            and box.x < self._span_x[t.x][1]
        )

    def cells_in(self, box: Box) -> list[Box]:
        """The cells that meet ``box``."""
        return [c for c in self.cells if _meets(c, box)]

    def blend(self, box: Box, results: dict[Tile, np.ndarray]) -> np.ndarray:
        """``box`` of the blended result (float32, box height x width x C, before clipping) from
        the outputs of ``tiles_for(box)``: ``tiling.blend_tiled``'s sums in its order, so the
        same bits as the whole photo's run."""
        band: np.ndarray | None = None
        for t in self.tiles_for(box):
            result = results[t]
            if band is None:
                band = np.zeros((box.height, box.width, result.shape[2]), np.float32)
            y0, y1 = max(t.y, box.y), min(t.y + t.h, box.bottom)
            x0, x1 = max(t.x, box.x), min(t.x + t.w, box.right)
            ty, tx = slice(y0 - t.y, y1 - t.y), slice(x0 - t.x, x1 - t.x)
            buf = np.multiply(result[ty, tx], self._wys[self._ys[t.y]][ty, None, None])
            buf *= self._wxs[self._xs[t.x]][None, tx, None]
            band[y0 - box.y : y1 - box.y, x0 - box.x : x1 - box.x] += buf
        if band is None:
            raise ValueError(f"no tile reaches {box}")
        band /= self._weight_y[box.y : box.bottom, None, None]
        band /= self._weight_x[None, box.x : box.right, None]
        return band


def _meets(a: Box, b: Box) -> bool:
    return a.x < b.right and b.x < a.right and a.y < b.bottom and b.y < a.bottom


def _gap(a: Box, b: Box) -> float:
    """Distance in pixels between two boxes (0 when they meet): rings around the viewport."""
    dx = max(b.x - a.right, a.x - b.right, 0)
    dy = max(b.y - a.bottom, a.y - b.bottom, 0)
    return float(max(dx, dy))


def _centre_distance(a: Box, b: Box) -> float:
    return float(
        abs(a.x + a.width / 2 - b.x - b.width / 2) + abs(a.y + a.height / 2 - b.y - b.height / 2)
    )


class TileCache:
    """Tile outputs (float32 arrays) by key, least recently used dropped beyond ``max_bytes``.
    Thread-safe; an entry larger than the whole budget is not kept."""

    def __init__(self, max_bytes: int = DEFAULT_CACHE_BYTES) -> None:
        self.max_bytes = int(max_bytes)
        self._items: OrderedDict[Hashable, np.ndarray] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    @property
    def nbytes(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: Hashable) -> np.ndarray | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: Hashable, value: np.ndarray) -> None:
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._bytes -= old.nbytes
            if value.nbytes > self.max_bytes:
                return
            self._items[key] = value
            self._bytes += value.nbytes
            while self._bytes > self.max_bytes:
                _, dropped = self._items.popitem(last=False)
                self._bytes -= dropped.nbytes

    def __contains__(self, key: Hashable) -> bool:
        with self._lock:
            return key in self._items

    def demote(self, key: Hashable) -> None:
        """Make ``key`` the first to go when room is needed."""
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key, last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0


class RegionDevelopment:
    """``data`` (HxWxC, the photo's stored pixels) developed by ``plan`` tile by tile, the most
    wanted part first; ``out`` holds the composed cells (``done``), in ``pipeline.develop``'s
    type and bits. ``key`` names the photo (and its plan's settings) in ``cache``."""

    def __init__(
        self,
        data: np.ndarray,
        engine: Engine,
        plan: Plan,
        *,
        tile: int,
        cache: TileCache,
        key: Hashable,
    ) -> None:
        if data.ndim != 3:
            raise ValueError(f"expected an HxWxC image, got shape {data.shape}")
        self.data, self.cache, self.plan = data, cache, plan
        self._run = TileRun(data, engine, plan, None)
        grid = Grid(int(tile), self._run.overlap, self._run.factor)
        # (the strength mixes the blended result with the photo and the night sky is held on
        # it: the tiles depend on neither, so moving those sliders runs no tile)
        self.key = (key, plan.settings.replace(strength=1.0, night_sky=1.0), grid)
        self.layout = TileLayout.of(data.shape[0], data.shape[1], grid)
        out_dtype = data.dtype if data.dtype in (np.uint8, np.uint16) else np.dtype(np.float32)
        self.out = np.empty(data.shape, out_dtype)
        self.done: set[Box] = set()
        # (A photo left as it is needs no tile: its cells are the original.)
        self._needs = {
            c: (self.layout.tiles_for(c) if self._run.strength != 0.0 else ())
            for c in self.layout.cells
        }
        self.tiles_run = 0  # tiles this development ran (not found in the cache)
        self._pinned: dict[Tile, np.ndarray] = {}  # the most wanted cell's tiles (see step)

    @property
    def complete(self) -> bool:
        return len(self.done) == len(self.layout.cells)

    @property
    def total_tiles(self) -> int:
        return len(self.layout.tiles) if self._run.strength != 0.0 else 0

    def pending_in(self, box: Box) -> bool:
        """Some cell meeting ``box`` is not composed yet."""
        return any(c not in self.done for c in self.layout.cells_in(box))

    def tiles_done(self) -> int:
        """Tiles whose output is at hand (progress; the cache's order is left as it is)."""
        return sum(
            1 for t in self.layout.tiles if t in self._pinned or self._tile_key(t) in self.cache
        )

    def _tile_key(self, t: Tile) -> Hashable:
        return (*self.key, t)

    def order(self, viewport: Box | None) -> list[Box]:
        """The cells not yet composed, the most wanted first: those in ``viewport`` (from its
        centre), then ring by ring around it; without a viewport, from the photo's centre."""
        view = viewport or Box(0, 0, self.data.shape[1], self.data.shape[0])
        pending = [c for c in self.layout.cells if c not in self.done]
        return sorted(pending, key=lambda c: (_gap(c, view), _centre_distance(c, view)))

    def step(self, viewport: Box | None, *, cancel: Any = None) -> list[Box]:
        """Run the one tile the most wanted pending cell still needs (none if the cache has
        them all) and compose every cell that is now complete; returns those cells (empty
        when all are done). ``cancel`` is checked first (``Cancelled``); the engine should be
        ``with_cancel``'s, so that a tile in flight stops too."""
        if cancel is not None and cancel.is_set():
            raise Cancelled("cancelled")
        order = self.order(viewport)
        if not order:
            return []
        target = self._needs[order[0]]
        # The target cell's tiles are held here too until it is composed: a cache smaller
        # than a cell's tiles must not make it wait for ever.
        self._pinned = {t: r for t, r in self._pinned.items() if t in target}
        for t in target:
            if self._result(t) is None:
                self._pinned[t] = self._run_tile(t)
                break
        return self._compose_ready(order)

    def finish(self, *, cancel: Any = None, viewport: Box | None = None) -> Iterable[list[Box]]:
        """``step`` until every cell is composed, yielding what each step composed."""
        while not self.complete:
            yield self.step(viewport, cancel=cancel)

    def _result(self, t: Tile) -> np.ndarray | None:
        found = self._pinned.get(t)
        return found if found is not None else self.cache.get(self._tile_key(t))

    def _run_tile(self, t: Tile) -> np.ndarray:
        result = np.asarray(self._run.tile_fn(extract_tile(self.data, t)), dtype=np.float32)
        if result.shape != (t.h, t.w, self.data.shape[2]):
            raise ValueError(f"tile function returned shape {result.shape} for a {t.h}x{t.w} tile")
        self.cache.put(self._tile_key(t), result)
        self.tiles_run += 1
        return result

    def _compose_ready(self, order: list[Box]) -> list[Box]:
        composed = []
        for cell in order:
            results = {}
            for t in self._needs[cell]:
                r = self._result(t)
                if r is None:
                    break
                results[t] = r
            else:
                self._compose(cell, results)
                composed.append(cell)
        if composed:  # tiles no pending cell needs: the first to go from the cache
            wanted = {t for c in self.layout.cells if c not in self.done for t in self._needs[c]}
            for t in {t for c in composed for t in self._needs[c]} - wanted:
                self.cache.demote(self._tile_key(t))
        return composed

    def _compose(self, cell: Box, results: dict[Tile, np.ndarray]) -> None:
        """Blend ``cell`` from its tiles and store it as ``pipeline.develop`` would (clipped,
        mixed with the original by the strength, rounded to the stored type)."""
        sl = (slice(cell.y, cell.bottom), slice(cell.x, cell.right))
        original, out = self.data[sl], self.out[sl]
        if not results:  # strength 0: the photo as it is
            out[...] = original
        else:
            flusher(
                original, out, self._run.strength, [False], hold=self._run.hold,
                origin=(cell.y, cell.x),
            )(0, cell.height, self.layout.blend(cell, results))
        self.done.add(cell)
