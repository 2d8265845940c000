"""Batch worker: core.batch.run_batch on a QThread, reporting through signals.

The worker never touches widgets. The core calls ``on_event`` on the worker thread; each event
becomes one signal emission, which Qt queues over to the GUI thread.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from pathlib import Path

from PySide6.QtCore import QObject, QThread, Signal, Slot

from lowlight_gui.core import batch as core_batch
from lowlight_gui.core.engine import Engine
from lowlight_gui.core.errors import LowlightError


@dataclass(frozen=True)
class EngineSpec:
    """What to build an Engine from; engines are cached per spec on their worker thread."""

    model_path: Path | None
    provider: str = "auto"
    threads: int = 0


class EngineHolder:
    """One Engine per worker, rebuilt when the spec changes; terminate() is thread-safe."""

    def __init__(self) -> None:
        self._engine: Engine | None = None
        self._spec: EngineSpec | None = None
        self._lock = threading.Lock()

    def get(self, spec: EngineSpec) -> Engine:
        with self._lock:
            if self._engine is None or self._spec != spec:
                self._engine = None  # free the old session before building the next
                self._engine = Engine(spec.model_path, provider=spec.provider, threads=spec.threads)
                self._spec = spec
            return self._engine

    def current(self) -> Engine | None:
        return self._engine

    def terminate(self) -> None:
        engine = self._engine
        if engine is not None:
            engine.terminate()


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

    def __init__(self) -> None:
        super().__init__()
        self._cancel = threading.Event()
        self._engines = EngineHolder()

    def reset_cancel(self) -> None:
        """Called by the controller before queueing a run, so an early Cancel is not lost."""
        self._cancel.clear()

    def request_cancel(self) -> None:
        """Thread-safe: called from the GUI thread while ``run`` is busy on the worker thread."""
        self._cancel.set()
        self._engines.terminate()

    @Slot(object, object, object)
    def run(self, sources: list[Path], options: core_batch.BatchOptions, spec: EngineSpec) -> None:
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
            core_batch.run_batch(jobs, engine, options, on_event=on_event, cancel=self._cancel)
        except Exception as exc:  # noqa: BLE001 - the runner reports per image; this is a bug or a crash
            self.error.emit(f"The batch stopped: {exc}")
        if not finished_sent:
            self.finished.emit(0, 0, 0, self._cancel.is_set())


class BatchController(QObject):
    """Owns the worker thread. GUI-thread API: start, cancel, shutdown."""

    _runRequested = Signal(object, object, object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.thread = QThread()
        self.thread.setObjectName("lowlight-batch")
        self.worker = BatchWorker()
        self.worker.moveToThread(self.thread)
        self._runRequested.connect(self.worker.run)
        self.worker.finished.connect(self._on_finished)
        self._running = False
        self.thread.start()

    def is_running(self) -> bool:
        return self._running

    def start(
        self, sources: list[Path], options: core_batch.BatchOptions, spec: EngineSpec
    ) -> bool:
        if self._running or not self.thread.isRunning():
            return False
        self._running = True
        self.worker.reset_cancel()
        self._runRequested.emit(list(sources), replace(options), spec)
        return True

    def cancel(self) -> None:
        if self._running:
            self.worker.request_cancel()

    def shutdown(self, timeout_ms: int = 30000) -> bool:
        """Cancel a running batch, stop the thread and wait for it; True when it stopped."""
        self.worker.request_cancel()
        self.thread.quit()
        stopped = self.thread.wait(timeout_ms)
        self._running = False
        return bool(stopped)

    @Slot(int, int, int, bool)
    def _on_finished(self, *_args: object) -> None:
        self._running = False
