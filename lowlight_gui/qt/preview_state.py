"""The photo on show: its preview requests, and the preview events that come back.

``PreviewState`` asks the preview worker for passes (a new photo; a new exposure, noise
reduction, colour noise or shadow lift: the fast pass alone while its slider is held, one at a
time), drops the events of superseded requests
(generations), keeps each pass's (before, after) pair and blends it at the slider's strength,
and says on ``saveReadyChanged`` whether "Save enhanced as…" would save what is shown.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from lowlight_gui.core.engine_cache import EngineSpec
from lowlight_gui.core.events import (
    PreviewFailed,
    PreviewFinished,
    PreviewOriginal,
    PreviewProgress,
    PreviewResult,
    PreviewSaved,
    PreviewSaveFailed,
)
from lowlight_gui.core.settings import DEFAULTS
from lowlight_gui.core.settings import Settings as PhotoSettings
from lowlight_gui.qt.controls import ControlsPanel, as_run
from lowlight_gui.qt.dialogs import sentence
from lowlight_gui.qt.preview import PreviewController
from lowlight_gui.qt.qimage import array_to_qimage, blend_uint8
from lowlight_gui.qt.status import StatusLine
from lowlight_gui.qt.viewer import CompareViewer


class PreviewState(QObject):
    """GUI thread only. ``apply`` takes the preview worker's events."""

    saveReadyChanged = Signal(bool)  # the full-resolution result of what is shown is there

    def __init__(
        self,
        controller: PreviewController,
        viewer: CompareViewer,
        controls: ControlsPanel,
        status: StatusLine,
        engine_spec: Callable[[], EngineSpec | None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.controller = controller
        self.viewer = viewer
        self.controls = controls
        self.status = status
        self.engine_spec = engine_spec
        self.current_path: Path | None = None
        self.full_ready = False  # the full-resolution result of what is shown is there
        # (before, after) display arrays per stage ("preview", "full") of the current request.
        self._pairs: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._original_shown = False  # the current photo's original reached the viewer
        # What the network ran with for the current request (exposure, noise reduction, shadow
        # lift, colour noise), and
        # whether that request includes the full-resolution pass (False for the fast pass
        # alone, while a slider is held).
        self._params = self._slider_params()
        self._final = True
        self._fast_pass_running = False  # a fast-pass-only request has not finished yet
        self._change_pending = False  # a slider change waits for that pass to finish

        # Strength changes re-blend the cached result; coalesce slider ticks into one repaint.
        self._blend_timer = QTimer(self)
        self._blend_timer.setSingleShot(True)
        self._blend_timer.setInterval(15)
        self._blend_timer.timeout.connect(self.show_blend)
        # Exposure changes the network's input, noise reduction mixes its two outputs and colour
        # noise is removed from the result: each change re-runs the preview. The timer gathers
        # the ticks of one drag movement into one request (see network_changed).
        self._network_timer = QTimer(self)
        self._network_timer.setSingleShot(True)
        self._network_timer.setInterval(40)
        self._network_timer.timeout.connect(self._refresh)

    # -- requests -------------------------------------------------------------------------
    def show(self, path: Path) -> bool:
        """Show ``path`` and start its preview (cancelling the previous one); False when it is
        on show already."""
        if path == self.current_path and self._pairs:
            return False
        self.current_path = path
        self._pairs = {}
        self._original_shown = False
        self._set_full_ready(False)
        self.controls.show_auto_shadows(None)  # Auto's lift for the last photo is not this one's
        self.viewer.clear_error()
        self.viewer.set_overlay_text("Loading…")
        self._request(path, full=True, refresh=False)
        return True

    def reload(self) -> None:
        """Preview the photo on show again from its file (e.g. another provider)."""
        if self.current_path is not None:
            path, self.current_path = self.current_path, None
            self.show(path)

    def clear(self) -> None:
        """Nothing on show (another folder was opened): the preview is cancelled and its late
        events are dropped."""
        self.controller.cancel()
        self.current_path = None
        self._pairs = {}
        self._set_full_ready(False)
        self.viewer.clear()

    def _slider_params(self) -> PhotoSettings:
        """What the network runs with, as the controls say (strength is blended afterwards, so
        it is left at its default: a strength change is no new run)."""
        return self.controls.effective_settings().replace(strength=DEFAULTS.strength)

    def _request(self, path: Path, full: bool, refresh: bool) -> None:
        """Preview ``path`` at the controls' settings (see PreviewRequest for full, refresh)."""
        s = self._params = self._slider_params()
        self._final = full
        self._fast_pass_running = not full
        self._change_pending = False
        self.controller.request(
            path, self.engine_spec(), self.controls.tile_value(), s, full=full, refresh=refresh
        )

    def _set_full_ready(self, ready: bool) -> None:
        self.full_ready = ready
        # A result that lands just after a change (before its request is sent) is not what the
        # controls say: Save waits for the one that is.
        self.saveReadyChanged.emit(ready and self._slider_params() == self._params)

    # -- sliders --------------------------------------------------------------------------
    def strength_changed(self) -> None:
        self._blend_timer.start()

    def network_changed(self, _value: float = 0.0) -> None:
        """The exposure, noise-reduction, colour-noise or shadows control moved."""
        # Saving follows the slider at once; the preview follows within the timer.
        self.saveReadyChanged.emit(self.full_ready and self._slider_params() == self._params)
        # Throttled rather than debounced: a steady drag still updates the preview.
        if not self._network_timer.isActive():
            self._network_timer.start()

    def slider_released(self) -> None:
        self._network_timer.stop()
        self._refresh()

    def _refresh(self) -> None:
        """Re-run the shown photo's preview at the controls' exposure, noise reduction, shadow
        lift and colour noise: while
        a slider is held, only the fast downscaled pass, one at a time (the latest value follows
        the pass in flight rather than cancelling it, so that a steady drag still shows
        results); after, the fast pass then full resolution, as for a new photo."""
        if self.current_path is None or self.engine_spec() is None:
            return
        dragging = any(
            r.slider.isSliderDown() for k, r in self.controls.rows.items() if k != "strength"
        )
        if self._slider_params() == self._params and (self._final or dragging):
            self.saveReadyChanged.emit(self.full_ready)  # back where it was
            return  # already shown or on its way
        if dragging and self._fast_pass_running:
            self._change_pending = True
            return
        self._set_full_ready(False)  # the full-resolution result is for another exposure now
        # Reuse the photo in memory only once the worker has it; else read it as usual.
        self._request(self.current_path, full=not dragging, refresh=self._original_shown)

    # -- events ---------------------------------------------------------------------------
    def apply(self, event: object) -> None:
        """A preview worker event; those of a superseded request are dropped."""
        if isinstance(event, (PreviewSaved, PreviewSaveFailed)):  # not tied to a request
            self.status.notify(
                f"Saved {event.path}" if isinstance(event, PreviewSaved) else event.message
            )
            return
        if self.current_path is None or (
            getattr(event, "generation", None) != self.controller.generation
        ):
            return
        if isinstance(event, PreviewOriginal):
            self._on_original(event)
        elif isinstance(event, PreviewResult):
            self._on_result(event)
        elif isinstance(event, PreviewProgress):
            if not self.full_ready:
                text = f"Enhancing at full resolution… {event.done} / {event.total} tiles"
                self.viewer.set_overlay_text(text)
        elif isinstance(event, PreviewFailed):
            self._on_failed(event.message)
        elif isinstance(event, PreviewFinished):
            self._fast_pass_running = False
            if self._change_pending:
                self._change_pending = False
                self._refresh()

    def _on_original(self, event: PreviewOriginal) -> None:
        self._original_shown = True
        self.viewer.set_images(array_to_qimage(event.pixels), None)
        enhancing = self.engine_spec() is not None
        self.viewer.set_overlay_text("Enhancing preview…" if enhancing else "")

    def _on_result(self, result: PreviewResult) -> None:
        if result.stage == "preview":
            self._pairs.pop("full", None)  # at another exposure, if any: no longer shown
        self._pairs[result.stage] = (result.before, result.after)
        shown = self.viewer.image_size()
        if result.stage == "full" and (shown.width(), shown.height()) != result.before.shape[1::-1]:
            # a RAW was shown developed at half size: its full-size development replaces it
            self.viewer.set_before(array_to_qimage(result.before))
        # What ran: a model without a base output runs at full noise removal whatever was asked,
        # one without a lift input with none.
        ran, decided = result.settings, result.decisions
        assert decided is not None  # (the worker always sends them)
        self._params = as_run(ran, decided).replace(strength=DEFAULTS.strength)
        self.show_blend()
        self.status.engine_ready(result.provider, result.warnings, decided.unsupported)
        auto = ran.shadows is None and "shadows" not in decided.unsupported
        self.controls.show_auto_shadows(decided.shadows if auto else None)
        if result.stage == "full":
            self._final = True  # a small photo's only pass is its full one
            self._set_full_ready(True)
            self.viewer.set_overlay_text("")
            self.status.set_timing(f"{result.seconds:.1f} s for {result.megapixels:.1f} MP")
        elif not self._final:
            self.viewer.set_overlay_text("Preview — full resolution when the slider is released")
        else:
            self.viewer.set_overlay_text("Preview — enhancing at full resolution…")

    def _on_failed(self, message: str) -> None:
        self.status.notify(message)
        if self._original_shown:  # the photo is there, only enhancing it failed
            self.viewer.set_overlay_text(f"Enhancing failed: {message}")
        else:  # nothing to show: say why, where the photo would be
            name = self.current_path.name if self.current_path else "this photo"
            self.viewer.show_error(f"Cannot show {name}", sentence(message))

    def show_blend(self) -> None:
        """The cached result at the slider's strength (no inference)."""
        if not self._pairs:
            return
        # While the slider moves, re-mix the small preview (instant even for a 40 MP photo);
        # the full-resolution mix follows when the slider is released.
        dragging = self.controls.strength.isSliderDown()
        stage = "preview" if dragging and "preview" in self._pairs else "full"
        before, after = self._pairs.get(stage) or next(iter(self._pairs.values()))
        blended = blend_uint8(before, after, self.controls.strength_value())
        self.viewer.set_after(array_to_qimage(blended))
