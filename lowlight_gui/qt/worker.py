"""Batch worker: core.batch.run_batch on a QThread, reporting through signals.

The worker never touches widgets. The core calls ``on_event`` on the worker thread; each event
becomes one signal emission, which Qt queues over to the GUI thread.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QObject, QThread, Signal, Slot

from lowlight_gui.core import batch as core_batch
from lowlight_gui.core.cancel import CancelToken
from lowlight_gui.core.engine_cache import EngineCache, EngineSpec
from lowlight_gui.core.errors import LowlightError

__all__ = ["BatchController", "BatchWorker", "EngineSpec"]


class BatchWorker(QObject):
    """Lives on its own QThread; ``run`` is invoked there through a queued signal."""

    batchStarted = Signal(int)  # total
    itemStarted = Signal(int, str)  # index, source
    tileProgress = Signal(int, str, int, int)  # index, source, tiles done, tiles total
    itemDone = Signal(int, str, str, float, list)  # index, source, output, seconds, notes
    itemFailed = Signal(int, str, str)  # index, source, message
    itemSkipped = Signal(int, str, str)  # index, source, reason
    engineReady = Signal(str, list)  # active provider, warnings
    finished = Signal(int, int, int, bool)  # done, skipped, failed, cancelled
    error = Signal(str)  # the whole batch could not start (e.g. the model failed to load)

    def __init__(self, engines: EngineCache) -> None:
        super().__init__()
        self._engines = engines  # shared with the preview: one session of the model

    @Slot(object, object, object, object)
    def run(
        self,
        sources: list[Path],
        options: core_batch.BatchOptions,
        spec: EngineSpec,
        cancel: CancelToken,
    ) -> None:
        try:
            engine = self._engines.get(spec)
            self.engineReady.emit(engine.active_provider, list(engine.warnings))
            jobs = core_batch.collect_jobs(list(sources), options)
        except LowlightError as exc:
            self.error.emit(str(exc))
            self.finished.emit(0, 0, 0, False)
            return
        except Exception as exc:  # noqa: BLE001 - an unexpected failure must still end the batch in the GUI
            self.error.emit(f"The batch could not start: {exc}")
            self.finished.emit(0, 0, 0, False)
            return
        finished_sent = False

        def on_event(event: object) -> None:
            nonlocal finished_sent
            if isinstance(event, core_batch.BatchStarted):
                self.batchStarted.emit(event.total)
            elif isinstance(event, core_batch.ImageStarted):
                self.itemStarted.emit(event.index, str(event.job.source))
            elif isinstance(event, core_batch.TileDone):
                self.tileProgress.emit(event.index, str(event.job.source), event.done, event.total)
            elif isinstance(event, core_batch.ImageDone):
                self.itemDone.emit(
                    event.index,
                    str(event.job.source),
                    str(event.output),
                    float(event.seconds),
                    list(event.notes),
                )
            elif isinstance(event, core_batch.ImageFailed):
                self.itemFailed.emit(event.index, str(event.job.source), event.message)
            elif isinstance(event, core_batch.ImageSkipped):
                self.itemSkipped.emit(event.index, str(event.job.source), event.reason)
            elif isinstance(event, core_batch.BatchFinished):
                finished_sent = True
                self.finished.emit(event.done, event.skipped, event.failed, event.cancelled)

        try:
            core_batch.run_batch(jobs, engine, options, on_event=on_event, cancel=cancel)
        except Exception as exc:  # noqa: BLE001 - the runner reports per image; this is a bug or a crash
            self.error.emit(f"The batch stopped: {exc}")
        if not finished_sent:
            self.finished.emit(0, 0, 0, cancel.is_set())


class BatchController(QObject):
    """Owns the worker thread. GUI-thread API: start, cancel, shutdown."""

    _runRequested = Signal(object, object, object, object)

    def __init__(self, engines: EngineCache, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.thread = QThread()
        self.thread.setObjectName("lowlight-batch")
        self.worker = BatchWorker(engines)
        self.worker.moveToThread(self.thread)
        self._runRequested.connect(self.worker.run)
        self.worker.finished.connect(self._on_finished)
        self._running = False
        # One token per batch, made before the run is queued so that an early Cancel is kept.
        self._cancel = CancelToken()
        self.thread.start()

    def is_running(self) -> bool:
        return self._running

    def start(
        self, sources: list[Path], options: core_batch.BatchOptions, spec: EngineSpec
    ) -> bool:
        if self._running or not self.thread.isRunning():
            return False
        self._running = True
        self._cancel = CancelToken()
        self._runRequested.emit(list(sources), replace(options), spec, self._cancel)
        return True

    def cancel(self) -> None:
        """Stop the running batch: between tiles, and its inference in flight (not the
        preview's, though they share the engine)."""
        if self._running:
            self._cancel.set()

    def shutdown(self, timeout_ms: int = 30000) -> bool:
        """Cancel a running batch, stop the thread and wait for it; True when it stopped."""
        self._cancel.set()
        self.thread.quit()
        stopped = self.thread.wait(timeout_ms)
        self._running = False
        return bool(stopped)

    @Slot(int, int, int, bool)
    def _on_finished(self, *_args: object) -> None:
        self._running = False
