"""Preview of one photo on a worker thread: original, then a fast downscaled pass, then full size.

A camera RAW is developed at half size first (no demosaic: several times faster), shown and
given its fast pass at once; the full-size development follows for the full pass, whose
``before`` then replaces the half-size original on show.

A new request (another photo, provider, tile size or settings) cancels the one in flight: its
CancelToken stops it between tiles and stops the tile being computed (that run's only: the
engine is shared with the batch). A settings change re-runs the network on the photo already in
memory (``refresh``), and while a slider is held only the fast pass (``full=False``).

Both passes go through the batch's own pipeline (``core/pipeline.py``) at strength 1 (the window
blends the strength for display and saving): the full pass develops the photo's stored pixels
exactly as the batch does, so what is saved equals what the batch writes. The fast pass tells
the pipeline how many of the photo's pixels one pixel of its downscaled copy stands for
(``downscaled``), so that the colour-noise filter shows the same effect as the full pass.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, QThread, Signal, Slot

from lowlight_gui.core.cancel import CancelToken
from lowlight_gui.core.engine import Engine, with_cancel
from lowlight_gui.core.engine_cache import EngineCache, EngineSpec
from lowlight_gui.core.enhance import apply_strength, to_float_rgb
from lowlight_gui.core.errors import Cancelled, LowlightError
from lowlight_gui.core.events import (
    PreviewFailed,
    PreviewFinished,
    PreviewOriginal,
    PreviewProgress,
    PreviewResult,
    PreviewSaved,
    PreviewSaveFailed,
)
from lowlight_gui.core.formats import is_raw_name
from lowlight_gui.core.imageio import Photo, read_photo, write_photo
from lowlight_gui.core.pipeline import Plan, develop, plan
from lowlight_gui.core.resize import area_resize
from lowlight_gui.core.settings import DEFAULTS, Settings
from lowlight_gui.core.turns import turn
from lowlight_gui.core.xmp_record import record_for
from lowlight_gui.qt.qimage import to_uint8

PREVIEW_LONG_SIDE = 1024
RAW_HALF_SCALE = 2  # a RAW's first development (half_size) has half the width and height


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

    # PreviewOriginal, PreviewResult (per pass), PreviewProgress, PreviewFailed, then
    # PreviewFinished for every request; PreviewSaved / PreviewSaveFailed for a save.
    events = Signal(object)

    def __init__(self, engines: EngineCache) -> None:
        super().__init__()
        self.engines = engines  # shared with the batch: one session of the model
        self.latest = 0  # written by the GUI thread; a request older than this is stale
        # The photo shown (and its downscaled copy, for exposure changes) and the last
        # full-resolution result, kept for "Save enhanced as…".
        self._photo: Photo | None = None
        self._photo_path: Path | None = None
        self._half = False  # _photo is a RAW developed at half size (the full one is pending)
        self._small: np.ndarray | None = None
        self._enhanced: np.ndarray | None = None  # in the photo's stored type, at strength 1
        self._enhanced_generation = -1
        # how it was made, for the saved file's record (core/xmp_record.py)
        self._enhanced_plan: Plan | None = None
        self._enhanced_engine: Engine | None = None

    @Slot(object)
    def run(self, req: PreviewRequest) -> None:
        try:
            self._run(req)
        finally:
            self.events.emit(PreviewFinished(req.generation))

    def _load(self, req: PreviewRequest) -> Photo | None:
        """The request's photo: from memory for a refresh of the photo shown, else read and sent
        to the window. None when cancelled meanwhile."""
        if req.refresh and self._photo is not None and self._photo_path == req.path:
            return self._photo
        half = is_raw_name(req.path)  # a RAW: half size first, the full size for the full pass
        photo = read_photo(req.path, half_size=half)
        if req.cancel.is_set():
            return None
        self._photo, self._photo_path, self._small, self._half = photo, req.path, None, half
        self.events.emit(PreviewOriginal(req.generation, to_uint8(photo.pixels), photo))
        return photo

    def _full_size(self, req: PreviewRequest) -> Photo | None:
        """The photo at full size: a RAW shown at half size is developed in full now (and
        replaces it in memory); None when cancelled meanwhile."""
        if self._half:
            photo = read_photo(req.path)
            if req.cancel.is_set():
                return None
            self._photo, self._half = photo, False
        return self._photo

    def _small_copy(self, photo: Photo) -> np.ndarray | None:
        """The fast pass's input: the photo downscaled, or None when it is small already (it is
        its own fast pass), except for a half-size RAW, whose full size is still to come."""
        if self._small is None:
            self._small = downscale(photo.pixels, PREVIEW_LONG_SIDE)
        return None if self._small is photo.pixels and not self._half else self._small

    def _scale_of(self, photo: Photo, small: np.ndarray) -> float:
        """How many pixels of the photo at full size one pixel of ``small`` (its fast pass's
        input) stands for along the long side: a RAW shown at half size counts its full size."""
        full_side = max(photo.height, photo.width) * (RAW_HALF_SCALE if self._half else 1)
        return full_side / max(small.shape[:2])

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
            small = self._small_copy(photo)
            if small is not None:
                if photo.grey:  # (three equal channels: the pipeline develops grey as grey)
                    small = small[:, :, :1]
                self._pass(req, engine, "preview", small, self._scale_of(photo, small))
            if req.full or small is None:
                photo = self._full_size(req)
                if photo is not None:
                    self._pass(req, engine, "full", photo.data)
        except Cancelled:
            pass
        except LowlightError as exc:
            self.events.emit(PreviewFailed(req.generation, str(exc)))
        except Exception as exc:  # noqa: BLE001 - keep the thread alive whatever the photo does
            message = f"cannot preview '{req.path.name}': {exc}"
            self.events.emit(PreviewFailed(req.generation, message))

    def _pass(
        self,
        req: PreviewRequest,
        engine: Engine,
        stage: str,
        data: np.ndarray,
        downscaled: float = 1.0,
    ) -> None:
        """Develop ``data`` (``downscaled``: pixels of the full-size photo per pixel of it) at
        the request's settings and send the result; the full pass's is kept for saving."""
        t0 = time.perf_counter()

        def on_tile(done: int, total: int) -> None:
            if stage == "full":
                self.events.emit(PreviewProgress(req.generation, done, total))

        run = with_cancel(engine, req.cancel)
        settings = req.settings.replace(strength=1.0)  # (the window blends the strength)
        how = plan(data, run, settings, downscaled=downscaled)
        enhanced, decisions = develop(
            data, run, how, tile=req.tile, on_tile=on_tile, cancel=req.cancel
        )
        seconds = time.perf_counter() - t0
        if stage == "full":
            self._enhanced, self._enhanced_generation = enhanced, req.generation
            self._enhanced_plan, self._enhanced_engine = how, engine
        h, w = data.shape[:2]
        self.events.emit(
            PreviewResult(
                generation=req.generation,
                stage=stage,
                before=self._before(data),
                after=_display(enhanced),
                seconds=seconds,
                megapixels=h * w / 1e6,
                provider=engine.active_provider,
                warnings=tuple(engine.warnings),
                settings=req.settings,
                decisions=decisions,
            )
        )

    def _before(self, data: np.ndarray) -> np.ndarray:
        """``data`` to show as the original: the photo's float pixels, made once and kept, stand
        in for its 16-bit data (no second full-size float copy)."""
        photo = self._photo
        if photo is not None and data is photo.data and data.dtype != np.uint8:
            return to_uint8(photo.pixels)
        return _display(data)

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
                pixels = apply_strength(self._photo.pixels, to_float_rgb(pixels), strength)
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
                self._generation, Path(path), spec, tile, self._cancel, settings, full=full,
                refresh=refresh,
            )
        )
        return self._generation

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
        return bool(self.thread.wait(timeout_ms))
