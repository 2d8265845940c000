"""One Engine per (model, provider, threads), shared by everything that runs the model.

The GUI's preview and batch workers ask the same cache, so one ONNX Runtime session (and its
memory, on a GPU too) serves both; each run cancels on its own token (``engine.with_cancel``).
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass
from pathlib import Path

from .engine import Engine


@dataclass(frozen=True)
class EngineSpec:
    """What to build an Engine from."""

    model_path: Path | None
    provider: str = "auto"
    threads: int = 0


class EngineCache:
    """Thread-safe: ``get`` from any worker thread.

    It keeps the engine of the latest spec asked for; an older one lives on only while a run
    still holds it (a batch that started before the provider changed), and is handed out again
    if its spec is asked for meanwhile, rather than loading the model a second time.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._current: Engine | None = None
        self._alive: weakref.WeakValueDictionary[EngineSpec, Engine] = (
            weakref.WeakValueDictionary()
        )

    def get(self, spec: EngineSpec) -> Engine:
        """The engine for ``spec``, built on first use (raises LowlightError if it cannot be).

        Building holds the lock: a second thread asking meanwhile waits for that engine rather
        than loading its own.
        """
        with self._lock:
            engine = self._alive.get(spec)
            if engine is None:
                self._current = None  # free the previous session first, unless a run holds it
                engine = Engine(spec.model_path, provider=spec.provider, threads=spec.threads)
                self._alive[spec] = engine
            self._current = engine
            return engine

    def current(self) -> Engine | None:
        """The engine of the latest spec asked for, if it loaded."""
        return self._current
