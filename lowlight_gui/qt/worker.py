"""Batch worker: core.batch.run_batch on a QThread, reporting through one signal.

The worker never touches widgets. The core calls ``on_event`` on the worker thread; each event
object is emitted as it is on ``events``, which Qt queues over to the GUI thread.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QObject, QThread, Signal, Slot

from lowlight_gui.core import batch as core_batch
from lowlight_gui.core.cancel import CancelToken
from lowlight_gui.core.engine_cache import EngineCache, EngineSpec
from lowlight_gui.core.errors import LowlightError
from lowlight_gui.core.events import BatchError, BatchEvent, BatchFinished, EngineReady
from lowlight_gui.core.settings import unsupported

__all__ = ["BatchController", "BatchWorker", "EngineSpec"]


class BatchWorker(QObject):
    """Lives on its own QThread; ``run`` is invoked there through a queued signal."""

    # Every core batch event (core/events.py) as it is, in order, plus EngineReady before the
    # batch and BatchError when it cannot start or stops on a bug; BatchFinished always ends a
    # run.
    events = Signal(object)

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
            self.events.emit(
                EngineReady(
                    engine.active_provider, tuple(engine.warnings), tuple(unsupported(engine))
                )
            )
            jobs = core_batch.collect_jobs(list(sources), options)
        except LowlightError as exc:
            self._end(BatchError(str(exc)))
            return
        except Exception as exc:  # noqa: BLE001 - an unexpected failure must still end the batch in the GUI
            self._end(BatchError(f"The batch could not start: {exc}"))
            return
        finished_sent = False

        def on_event(event: BatchEvent) -> None:
            nonlocal finished_sent
            finished_sent = finished_sent or isinstance(event, BatchFinished)
            self.events.emit(event)

        try:
            core_batch.run_batch(jobs, engine, options, on_event=on_event, cancel=cancel)
        except Exception as exc:  # noqa: BLE001 - the runner reports per image; this is a bug or a crash
            self.events.emit(BatchError(f"The batch stopped: {exc}"))
        if not finished_sent:
            self.events.emit(BatchFinished(0, 0, 0, cancel.is_set()))

    def _end(self, error: BatchError) -> None:
        self.events.emit(error)
        self.events.emit(BatchFinished(0, 0, 0, False))


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
        # Connected before anyone else: is_running() is False by the time others see the end.
        self.worker.events.connect(self._on_event)
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

    @Slot(object)
    def _on_event(self, event: object) -> None:
        if isinstance(event, BatchFinished):
            self._running = False
