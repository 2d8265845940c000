"""Preview of one photo on a worker thread: original, then a fast downscaled pass, then full size.

A camera RAW is developed at half size first (no demosaic: several times faster), shown and
given its fast pass at once; the full-size development follows for the full pass, whose
``before`` then replaces the half-size original on show.

A new request (another photo, provider, tile size or settings) cancels the one in flight: its
CancelToken stops it between tiles and stops the tile being computed (that run's only: the
engine is shared with the batch). A settings change re-runs the network on the photo already in
memory (``refresh``), and while a slider is held only the fast pass (``full=False``).

The full pass goes tile by tile, the part of the photo on screen first (``core/region_plan``):
the window tells the worker what it shows (``viewport``, fractions of the photo, read before
each tile, so a pan or a zoom reorders the work at once) and each part is sent as soon as the
tiles it needs are done (``PreviewRegion``), then the rest ring by ring outward, as Lightroom and
darktable do: the whole result is there soon after for saving and the histogram, and panning
finds it done. Zoomed in (little of the photo on screen), the visible tiles even come before
the fast pass, which would only show them blurred first. What does not change is reused: the
plan (the whole-frame conditioning) per photo and settings, the fast pass's result, and the
tiles' outputs (a cache bounded in bytes: an undo, or the fast-pass-only requests of a drag
followed by its release, find them there).

Both passes go through the batch's own pipeline (``core/pipeline.py``) at strength 1 (the window
blends the strength for display and saving): the full pass develops the photo's stored pixels
exactly as the batch does, so what is saved equals what the batch writes. The fast pass tells
the pipeline how many of the photo's pixels one pixel of its downscaled copy stands for
(``downscaled``), so that the colour-noise filter shows the same effect as the full pass.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, QThread, Signal, Slot

from lowlight_gui.core.cancel import CancelToken
from lowlight_gui.core.engine import Engine, is_out_of_memory, with_cancel
from lowlight_gui.core.engine_cache import EngineCache, EngineSpec
from lowlight_gui.core.enhance import SmallCopies, apply_strength, to_float_rgb
from lowlight_gui.core.errors import Cancelled, LowlightError
from lowlight_gui.core.events import (
    PreviewFailed,
    PreviewFinished,
    PreviewOriginal,
    PreviewProgress,
    PreviewRegion,
    PreviewResult,
    PreviewSaved,
    PreviewSaveFailed,
)
from lowlight_gui.core.formats import is_raw_name
from lowlight_gui.core.imageio import Photo, read_photo, write_photo
from lowlight_gui.core.pipeline import Plan, develop, plan
from lowlight_gui.core.region_plan import RegionDevelopment, TileCache
from lowlight_gui.core.resize import area_resize
from lowlight_gui.core.settings import DEFAULTS, Settings
from lowlight_gui.core.tiling import Box, scale_for
from lowlight_gui.core.turns import turn
from lowlight_gui.core.xmp_record import record_for
from lowlight_gui.qt.qimage import to_uint8

PREVIEW_LONG_SIDE = 1024
RAW_HALF_SCALE = 2  # a RAW's first development (half_size) has half the width and height
# Showing at most this fraction of the photo, its tiles come before the fast pass.
VISIBLE_FIRST_AREA = 0.25
PLANS_KEPT = 8  # plans (whole-frame conditioning) kept per photo and settings

Viewport = tuple[float, float, float, float]  # (left, top, right, bottom), fractions of the photo


@dataclass(frozen=True)
class PreviewRequest:
    generation: int
    path: Path
    spec: EngineSpec | None  # None: enhancement is unavailable, show the original only
    tile: int
    cancel: CancelToken
    # what the network runs with (its strength is ignored: the window blends it); a new value
    # is a new run
    settings: Settings = DEFAULTS
    full: bool = True  # False while a slider is held: the fast downscaled pass only
    refresh: bool = False  # the photo already shown: reuse it from memory, don't send it again


def downscale(rgb: np.ndarray, long_side: int) -> np.ndarray:
    """Area-averaged copy with at most ``long_side`` pixels on its long side (for a fast pass)."""
    h, w = rgb.shape[:2]
    scale = long_side / max(h, w)
    if scale >= 1.0:
        return rgb
    return area_resize(rgb, max(1, round(w * scale)), max(1, round(h * scale)))


class PreviewWorker(QObject):
    """Runs on the preview QThread; what happens goes out on ``events`` (core/events.py)."""

    # PreviewOriginal, PreviewResult (per pass), PreviewRegion (parts of the full pass),
    # PreviewProgress, PreviewFailed, then PreviewFinished for every request; PreviewSaved /
    # PreviewSaveFailed for a save.
    events = Signal(object)

    def __init__(self, engines: EngineCache, tile_cache: TileCache | None = None) -> None:
        super().__init__()
        self.engines = engines  # shared with the batch: one session of the model
        self.latest = 0  # written by the GUI thread; a request older than this is stale
        # What the window shows of the photo (fractions of it, as stored: before any turn),
        # or None for all of it; written by the GUI thread, read before each tile.
        self.viewport: Viewport | None = None
        # The photo shown (and its downscaled copy, for exposure changes) and the last
        # full-resolution result, kept for "Save enhanced as…".
        self._photo: Photo | None = None
        self._photo_path: Path | None = None
        self._serial = 0  # counts the photos read: names the photo in the caches
        self._half = False  # _photo is a RAW developed at half size (the full one is pending)
        self._small: np.ndarray | None = None
        self._enhanced: np.ndarray | None = None  # in the photo's stored type, at strength 1
        self._enhanced_generation = -1
        self._enhanced_plan: Plan | None = None  # how it was made (for the saved file's record)
        self._enhanced_engine: Engine | None = None
        self._enhanced_request: PreviewRequest | None = None  # the request that made it
        # Reused while the photo stays: plans by (photo, stage, settings), the fast pass's
        # last result, the tiles' outputs.
        self._plans: OrderedDict[tuple[int, str, Settings], Future[Plan]] = OrderedDict()
        self._copies: dict[str, SmallCopies] = {}  # per stage: what the plans look at
        self._planner = ThreadPoolExecutor(1, thread_name_prefix="lowlight-plan")
        self._fast: tuple[tuple[int, Settings], PreviewResult] | None = None
        self.tiles = tile_cache if tile_cache is not None else TileCache()
        self._yielding: CancelToken | None = None  # the fast pass a zoom in stops, if any
        # The request's full-size development under way: ((generation, photo), it, its start).
        self._dev: tuple[tuple[int, int], RegionDevelopment, float] | None = None

    def close(self) -> None:
        """Let the planner's thread end (a plan in flight stops with its request's token)."""
        self._planner.shutdown(wait=False, cancel_futures=True)

    @Slot(object)
    def run(self, req: PreviewRequest) -> None:
        try:
            self._run(req)
        finally:
            self.events.emit(PreviewFinished(req.generation))

    def _new_photo(self, photo: Photo, path: Path, half: bool) -> None:
        """``photo`` (read from ``path``) replaces the one kept, and what was reused for it."""
        self._photo, self._photo_path, self._small, self._half = photo, path, None, half
        self._serial += 1
        self._plans.clear()
        self._copies.clear()
        self._fast = None
        self._dev = None
        self.tiles.clear()

    def _load(self, req: PreviewRequest) -> Photo | None:
        """The request's photo: from memory for a refresh of the photo shown, else read and sent
        to the window. None when cancelled meanwhile."""
        if req.refresh and self._photo is not None and self._photo_path == req.path:
            return self._photo
        half = is_raw_name(req.path)  # a RAW: half size first, the full size for the full pass
        photo = read_photo(req.path, half_size=half)
        if req.cancel.is_set():
            return None
        self._new_photo(photo, req.path, half)
        self._plan_full_early(req, photo)
        # (from the stored pixels: a 12 MP float copy would take longer than the decoding)
        self.events.emit(PreviewOriginal(req.generation, _display(photo.data), photo))
        return photo

    def _plan_full_early(self, req: PreviewRequest, photo: Photo) -> None:
        """Begin the full pass's plan (needed first by the full pass) as soon as the photo is
        read, while it is made ready to be shown; a second call for the same request finds it
        begun. (An engine that cannot be had now is reported by ``_run``, after the photo is
        on show.)"""
        if req.spec is None or not req.full or self._half:
            return
        try:
            engine = self.engines.get(req.spec)
        except Exception:  # noqa: BLE001 - _run asks again and says why
            return
        at_one = req.settings.replace(strength=1.0)
        self._plan_soon("full", photo.data, with_cancel(engine, req.cancel), (at_one, 1.0))

    def _full_size(self, req: PreviewRequest) -> Photo | None:
        """The photo at full size: a RAW shown at half size is developed in full now (and
        replaces it in memory); None when cancelled meanwhile."""
        if self._half:
            photo = read_photo(req.path)
            if req.cancel.is_set():
                return None
            small = self._small
            self._new_photo(photo, req.path, False)
            self._small = small  # (the fast pass's input is the same photo)
        return self._photo

    def _has_fast_pass(self, photo: Photo) -> bool:
        """A small photo is its own fast pass, except a half-size RAW, whose full size is
        still to come."""
        return max(photo.height, photo.width) > PREVIEW_LONG_SIDE or self._half

    def _small_copy(self, photo: Photo) -> np.ndarray:
        """The fast pass's input (float 0..1, as stored: grey stays one channel): the photo
        downscaled, made once per photo."""
        if self._small is None:
            # Averaged from the stored pixels, then scaled: no full-size float copy.
            small = downscale(photo.data, PREVIEW_LONG_SIDE)
            self._small = np.divide(small, scale_for(photo.data.dtype), dtype=np.float32)
        return self._small

    def _scale_of(self, photo: Photo, small: np.ndarray) -> float:
        """How many pixels of the photo at full size one pixel of ``small`` (its fast pass's
        input) stands for along the long side: a RAW shown at half size counts its full size."""
        full_side = max(photo.height, photo.width) * (RAW_HALF_SCALE if self._half else 1)
        return full_side / max(small.shape[:2])

    def _zoomed_in(self) -> bool:
        """Little of the photo is on screen: its final pixels matter more than a blurred
        whole."""
        v = self.viewport
        return v is not None and (v[2] - v[0]) * (v[3] - v[1]) <= VISIBLE_FIRST_AREA

    def _run(self, req: PreviewRequest) -> None:
        if req.generation != self.latest or req.cancel.is_set():
            return  # superseded while it waited in the queue
        try:
            photo = self._load(req)
            if photo is None:
                return
            self._enhanced = None  # stale now (another photo or settings); frees its memory
            if req.spec is None:
                return
            engine = self.engines.get(req.spec)
            self._plan_full_early(req, photo)  # (a refresh was not read: begun here)
            fast = self._has_fast_pass(photo)
            if fast:
                # Zoomed in, what is on screen comes first, even before the fast pass.
                first = req.full and not self._half
                if first and self._zoomed_in():
                    self._full_pass(req, engine, photo.data, visible_only=True)
                    first = False
                try:
                    self._fast_pass(req, engine, photo, first)
                except _ZoomedIn:
                    self._full_pass(req, engine, photo.data, visible_only=True)
                    self._fast_pass(req, engine, photo, False)
            if req.full or not fast:
                photo = self._full_size(req)
                if photo is not None:
                    self._full_pass(req, engine, photo.data)
        except Cancelled:
            pass
        except LowlightError as exc:
            self.events.emit(PreviewFailed(req.generation, str(exc)))
        except Exception as exc:  # noqa: BLE001 - keep the thread alive whatever the photo does
            message = f"cannot preview '{req.path.name}': {exc}"
            self.events.emit(PreviewFailed(req.generation, message))

    def _plan_soon(
        self, stage: str, data: np.ndarray, engine: Engine, how: tuple[Settings, float]
    ) -> Future[Plan]:
        """The photo's plan at ``how`` (settings, downscaled) for ``stage``, made once per
        photo and settings (the whole frame's conditioning) on the planner's thread, so that
        a new photo's full-size plan is made while the fast pass runs."""
        settings, downscaled = how
        key = (self._serial, stage, settings)
        found = self._plans.get(key)
        if found is None or (found.done() and found.exception() is not None):
            copies = self._copies.get(stage)
            if copies is None or not copies.matches(data):
                copies = self._copies[stage] = SmallCopies(data)
            found = self._planner.submit(
                plan, data, engine, settings, downscaled=downscaled, copies=copies
            )
            self._plans[key] = found
            while len(self._plans) > PLANS_KEPT:
                self._plans.popitem(last=False)
        self._plans.move_to_end(key)
        return found

    def _plan(
        self, stage: str, data: np.ndarray, engine: Engine, how: tuple[Settings, float]
    ) -> Plan:
        return self._plan_soon(stage, data, engine, how).result()

    def _fast_pass(
        self, req: PreviewRequest, engine: Engine, photo: Photo, yields: bool = False
    ) -> None:
        """The fast downscaled pass (reused when the photo and settings are the same).
        ``yields``: a zoom in meanwhile stops it (``_ZoomedIn``): what is on screen first."""
        key = (self._serial, req.settings.replace(strength=1.0))
        if self._fast is not None and self._fast[0] == key:
            self.events.emit(replace(self._fast[1], generation=req.generation, seconds=0.0))
            return
        token = CancelToken()  # the request's, and set by a zoom in (``zoomed``)
        with req.cancel.registered(token.set):
            # (set before the viewport is read: a zoom in now is seen here or sets the token)
            self._yielding = token if yields else None
            try:
                data = self._small_copy(photo)
                if token.is_set() or (yields and self._zoomed_in()):
                    raise Cancelled("zoomed in")
                fast = replace(req, cancel=token)
                result = self._pass(fast, engine, "preview", data, self._scale_of(photo, data))
            except Cancelled:
                if req.cancel.is_set() or not yields:
                    raise
                raise _ZoomedIn from None
            finally:
                self._yielding = None
        self._fast = (key, result)

    def zoomed(self) -> None:
        """(GUI thread) The viewport changed: a fast pass that yields to a zoom in stops."""
        token = self._yielding
        if token is not None and self._zoomed_in():
            token.set()

    def _viewport_box(self, data: np.ndarray) -> Box | None:
        """The part of ``data`` on screen, in its pixels (None: not known, or none of it)."""
        v = self.viewport
        if v is None:
            return None
        h, w = data.shape[:2]
        x0, y0 = max(0, math.floor(v[0] * w)), max(0, math.floor(v[1] * h))
        x1, y1 = min(w, math.ceil(v[2] * w)), min(h, math.ceil(v[3] * h))
        return Box(x0, y0, x1 - x0, y1 - y0) if x1 > x0 and y1 > y0 else None

    def _development(
        self, req: PreviewRequest, engine: Engine, data: np.ndarray
    ) -> tuple[RegionDevelopment, float]:
        """The request's full-size development (and when it began): the same one for its
        visible part and the rest."""
        key = (req.generation, self._serial)
        if self._dev is None or self._dev[0] != key:
            run = with_cancel(engine, req.cancel)
            t0 = time.perf_counter()
            settings = req.settings.replace(strength=1.0)  # (the window blends the strength)
            how = self._plan("full", data, run, (settings, 1.0))
            dev = RegionDevelopment(
                data, run, how, tile=req.tile, cache=self.tiles, key=self._serial
            )
            self._dev = (key, dev, t0)
        return self._dev[1], self._dev[2]

    def _full_pass(
        self, req: PreviewRequest, engine: Engine, data: np.ndarray, *, visible_only: bool = False
    ) -> None:
        """Develop ``data`` at full size tile by tile, the part on screen first, sending each
        finished part; then (unless ``visible_only``) the whole result as the "full" pass."""
        dev, t0 = self._development(req, engine, data)
        size = (data.shape[1], data.shape[0])
        try:
            while not dev.complete:
                view = self._viewport_box(data)
                if visible_only and (
                    view is None or not self._zoomed_in() or not dev.pending_in(view)
                ):
                    return  # what is on screen is final, or zoomed out: the fast pass now
                cells = dev.step(view, cancel=req.cancel)
                self.events.emit(PreviewProgress(req.generation, dev.tiles_done(), dev.total_tiles))
                for box in _rows_of(cells):
                    sl = (slice(box.y, box.bottom), slice(box.x, box.right))
                    self.events.emit(
                        PreviewRegion(
                            req.generation, box, _display(data[sl]), _display(dev.out[sl]), size
                        )
                    )
        except Cancelled:
            raise
        except Exception as exc:
            if visible_only or not is_out_of_memory(exc):
                raise
            # The whole photo's run retries with smaller tiles (pipeline.develop).
            self._dev = None
            self._pass(req, engine, "full", data)
            return
        if not visible_only:
            self._dev = None  # (its pixels stay as the result to save)
            self._send_full(req, engine, data, (dev.out, dev.plan), time.perf_counter() - t0)

    def _pass(
        self,
        req: PreviewRequest,
        engine: Engine,
        stage: str,
        data: np.ndarray,
        downscaled: float = 1.0,
    ) -> PreviewResult:
        """Develop ``data`` (``downscaled``: pixels of the full-size photo per pixel of it) at
        the request's settings in one run and send the result."""
        t0 = time.perf_counter()

        def on_tile(done: int, total: int) -> None:
            if stage == "full":
                self.events.emit(PreviewProgress(req.generation, done, total))

        run = with_cancel(engine, req.cancel)
        settings = req.settings.replace(strength=1.0)  # (the window blends the strength)
        how = self._plan(stage, data, run, (settings, downscaled))
        enhanced, _ = develop(data, run, how, tile=req.tile, on_tile=on_tile, cancel=req.cancel)
        return self._send_full(req, engine, data, (enhanced, how), time.perf_counter() - t0, stage)

    def _send_full(
        self,
        req: PreviewRequest,
        engine: Engine,
        data: np.ndarray,
        made: tuple[np.ndarray, Plan],
        seconds: float,
        stage: str = "full",
    ) -> PreviewResult:
        """Send a pass's result (``made``: its pixels and plan); the full pass's is kept for
        saving."""
        enhanced, how = made
        if stage == "full":
            self._enhanced, self._enhanced_generation = enhanced, req.generation
            self._enhanced_plan, self._enhanced_request = how, req
            self._enhanced_engine = engine
        h, w = data.shape[:2]
        result = PreviewResult(
            generation=req.generation,
            stage=stage,
            before=_display(data),
            after=_display(enhanced),
            seconds=seconds,
            megapixels=h * w / 1e6,
            provider=engine.active_provider,
            warnings=tuple(engine.warnings),
            settings=req.settings,
            decisions=how.decisions,
        )
        self.events.emit(result)
        return result

    def _at_strength(self, strength: float) -> np.ndarray:
        """The full result at ``strength`` as the batch makes it (mixed before rounding):
        composed again from the full pass's tiles, still in the cache (any tile dropped from it
        runs again); with too little memory for that, the result at 1 mixed as shown."""
        req, photo = self._enhanced_request, self._photo
        assert req is not None and req.spec is not None and photo is not None
        try:
            engine = self.engines.get(req.spec)
            how = plan(photo.data, engine, req.settings.replace(strength=strength))
            dev = RegionDevelopment(
                photo.data, engine, how, tile=req.tile, cache=self.tiles, key=self._serial
            )
            for _ in dev.finish():
                pass
            return dev.out
        except Exception as exc:
            if not is_out_of_memory(exc):
                raise
            assert self._enhanced is not None
            return apply_strength(photo.pixels, to_float_rgb(self._enhanced), strength)

    @Slot(int, float, object, str, int, int)
    def save(
        self, generation: int, strength: float, path: Path, fmt: str, quality: int, turns: int = 0
    ) -> None:
        """Write the full-resolution result of ``generation`` at ``strength``, turned by
        ``turns`` quarter turns clockwise."""
        try:
            if (
                self._enhanced is None
                or self._photo is None
                or self._enhanced_generation != generation
            ):
                raise LowlightError("the full-resolution result is not ready yet")
            pixels = self._enhanced  # the batch's pixels at strength 1, written as they are
            if strength < 1.0:
                pixels = self._at_strength(strength)
            photo, pixels = turn(self._photo, pixels, turns)
            made = self._enhanced_plan
            record = None
            if made is not None:  # how it was made: the plan's settings at the save's strength
                settings = made.settings.replace(strength=float(strength))
                record = record_for(settings, made.decisions, self._enhanced_engine)
            out = write_photo(
                photo, pixels, Path(path), fmt=fmt or None, quality=quality, record=record
            )
            self.events.emit(PreviewSaved(Path(out)))
        except LowlightError as exc:
            self.events.emit(PreviewSaveFailed(str(exc)))
        except Exception as exc:  # noqa: BLE001 - report, never crash the worker
            self.events.emit(PreviewSaveFailed(f"cannot save '{Path(path).name}': {exc}"))


def _display(pixels: np.ndarray) -> np.ndarray:
    """Pixels of any stored type (uint8/uint16/float, RGB or grey) as HxWx3 uint8 to show."""
    if pixels.dtype == np.uint8 and pixels.ndim == 3 and pixels.shape[2] == 3:
        return np.ascontiguousarray(pixels)
    return to_uint8(to_float_rgb(pixels))


class _ZoomedIn(Exception):
    """The fast pass stopped for a zoom in: the part on screen comes first."""


def _rows_of(cells: list[Box]) -> list[Box]:
    """``cells`` with side-by-side neighbours of the same row joined: fewer, larger parts."""
    rows: list[Box] = []
    for c in sorted(cells, key=lambda b: (b.y, b.height, b.x)):
        last = rows[-1] if rows else None
        if last is not None and (last.y, last.height, last.right) == (c.y, c.height, c.x):
            rows[-1] = Box(last.x, last.y, last.width + c.width, last.height)
        else:
            rows.append(c)
    return rows


class PreviewController(QObject):
    """GUI-thread side: numbers requests, cancels the previous one, owns the thread."""

    _runRequested = Signal(object)
    _saveRequested = Signal(int, float, object, str, int, int)

    def __init__(self, engines: EngineCache, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.thread = QThread()
        self.thread.setObjectName("lowlight-preview")
        self.worker = PreviewWorker(engines)
        self.worker.moveToThread(self.thread)
        self._runRequested.connect(self.worker.run)
        self._saveRequested.connect(self.worker.save)
        self._generation = 0
        self._cancel = CancelToken()
        self.thread.start()

    @property
    def generation(self) -> int:
        return self._generation

    def request(
        self,
        path: Path,
        spec: EngineSpec | None,
        tile: int,
        settings: Settings = DEFAULTS,
        *,
        full: bool = True,
        refresh: bool = False,
    ) -> int:
        """Start previewing ``path`` (see PreviewRequest for the rest); returns the generation
        its signals will carry."""
        self.cancel()
        self._generation += 1
        self._cancel = CancelToken()
        self.worker.latest = self._generation
        self._runRequested.emit(
            PreviewRequest(
                self._generation,
                Path(path),
                spec,
                tile,
                self._cancel,
                settings,
                full=full,
                refresh=refresh,
            )
        )
        return self._generation

    def set_viewport(self, viewport: Viewport | None) -> None:
        """What the window shows of the photo: (left, top, right, bottom) as fractions of it
        (as stored, before any turn), or None for all of it. The full pass in flight takes
        it up before its next tile; no new request is made."""
        self.worker.viewport = viewport
        self.worker.zoomed()

    def cancel(self) -> None:
        """Stop the request in flight (its inference too; never the batch's)."""
        self._cancel.set()

    def save(self, strength: float, path: Path, fmt: str, quality: int, turns: int = 0) -> None:
        """Write the full-resolution result at ``strength``, turned by ``turns`` quarter turns
        clockwise (the viewer's Rotate left / right)."""
        self._saveRequested.emit(self._generation, strength, Path(path), fmt, quality, turns)

    def shutdown(self, timeout_ms: int = 30000) -> bool:
        self.cancel()
        self.thread.quit()
        stopped = bool(self.thread.wait(timeout_ms))
        self.worker.close()
        return stopped
