"""The queue run as a batch: started from the window, its events shown where they belong."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject

from lowlight_gui.core.batch import BatchOptions, check_output, collect_jobs
from lowlight_gui.core.engine_cache import EngineSpec
from lowlight_gui.core.errors import LowlightError
from lowlight_gui.core.events import BatchError, BatchFinished, EngineReady, ImageDone, ImageFailed
from lowlight_gui.core.settings import SPECS_BY_KEY
from lowlight_gui.qt.dialogs import Alert, sentence
from lowlight_gui.qt.queue import QueueModel, QueuePanel, State
from lowlight_gui.qt.status import StatusLine
from lowlight_gui.qt.worker import BatchController


class BatchRunner(QObject):
    """GUI thread only. ``apply`` takes the batch worker's events, in order: the rows
    (QueueModel.apply), the overall progress (QueuePanel.apply), then the status line.

    A QObject so that a worker signal connected to ``apply`` is queued to the GUI thread
    (PySide calls a plain Python callable on the emitting thread).
    """

    def __init__(
        self,
        controller: BatchController,
        model: QueueModel,
        panel: QueuePanel,
        status: StatusLine,
        alert: Alert,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.controller = controller
        self.model = model
        self.panel = panel
        self.status = status
        self.alert = alert
        self.last_output: Path | None = None  # for "Open output folder"
        self.closing = False  # the window is closing: no summary for a batch it stopped
        self._last_failure = ""
        self._sources: list[Path] = []  # the photos of the batch running (or last run)

    def start(self, options: BatchOptions, spec: EngineSpec | None) -> bool:
        """Enhance the queued photos; False when there is nothing to do, a batch is running or
        the output cannot be written (refused now, with a dialog, not once per photo)."""
        sources = self.model.paths(State.QUEUED)
        if spec is None or not sources or self.controller.is_running():
            return False
        try:
            check_output(collect_jobs(sources, options), options)
        except LowlightError as exc:
            self.status.notify(f"Not started: {exc}")
            self.alert("Cannot start the batch", sentence(str(exc)))
            return False
        if not self.controller.start(sources, options, spec):
            return False
        self.model.set_settings({p: options.settings_for(p) for p in sources})
        self._sources = sources
        self._last_failure = ""
        self.panel.set_running(True)
        self.status.notify(f"Enhancing {len(sources)} photo{'s' if len(sources) != 1 else ''}…")
        return True

    def cancel(self) -> None:
        if self.controller.is_running():
            self.controller.cancel()
            self.status.notify("Cancelling…")

    def _show_what_runs(self, unsupported: tuple[str, ...]) -> None:
        """The rows say what the model does: a setting it cannot apply at its default (full
        noise removal without a base output, no shadow lift without a lift input)."""
        off = {key: SPECS_BY_KEY[key].default for key in unsupported}
        if off:
            sources = set(self._sources)
            self.model.set_settings({
                i.path: i.settings.replace(**off)
                for i in self.model.items() if i.path in sources and i.settings is not None
            })

    def apply(self, event: object) -> None:
        self.model.apply(event)
        self.panel.apply(event)
        if isinstance(event, ImageDone):
            self.last_output = event.output
            self.status.set_timing(f"{event.seconds:.1f} s per photo")
        elif isinstance(event, ImageFailed):
            self._last_failure = event.message
            self.status.notify(event.message)
        elif isinstance(event, EngineReady):
            self.status.engine_ready(event.provider, event.warnings, event.unsupported)
            self._show_what_runs(event.unsupported)
        elif isinstance(event, BatchError):
            self.status.notify(event.message)
        elif isinstance(event, BatchFinished) and not self.closing:
            verb = "Cancelled" if event.cancelled else "Finished"
            summary = (
                f"{verb}: {event.done} enhanced, {event.skipped} skipped, {event.failed} failed"
            )
            # Keep the last error readable: the summary replaces it in the status bar.
            self.status.notify(
                f"{summary} (last: {self._last_failure})" if event.failed else summary + "."
            )
