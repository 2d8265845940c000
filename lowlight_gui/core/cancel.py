"""CancelToken: one per run (a batch, a preview request), set from any thread to stop that run.

Setting it is seen between tiles (``is_set``, as with a ``threading.Event``) and also stops the
inference in flight: each ``Engine.run`` given the token registers its own ONNX Runtime
RunOptions with it for the duration of the call (``on_set``). A token stops only the runs it
was given, so two runs sharing one engine (the preview and the batch) cancel independently.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager


class CancelToken:
    """A one-way flag with callbacks: ``set()`` once, and every registered callback runs."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self._lock = threading.Lock()
        self._callbacks: dict[int, Callable[[], None]] = {}
        self._next_id = 0

    def set(self) -> None:
        """Cancel: from any thread; idempotent. Callbacks run on the calling thread."""
        with self._lock:
            if self._event.is_set():
                return
            self._event.set()
            callbacks = list(self._callbacks.values())
        for callback in callbacks:
            callback()

    def is_set(self) -> bool:
        return self._event.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until set or ``timeout`` seconds have passed; True when set."""
        return self._event.wait(timeout)

    def on_set(self, callback: Callable[[], None]) -> Callable[[], None]:
        """Run ``callback`` when the token is set (at once if it is already); returns a function
        that unregisters it."""
        with self._lock:
            if not self._event.is_set():
                key = self._next_id
                self._next_id += 1
                self._callbacks[key] = callback
                return lambda: self._remove(key)
        callback()  # already set: outside the lock, as set() does
        return lambda: None

    @contextmanager
    def registered(self, callback: Callable[[], None]) -> Iterator[None]:
        """``on_set(callback)`` for the duration of a ``with`` block."""
        remove = self.on_set(callback)
        try:
            yield
        finally:
            remove()

    def _remove(self, key: int) -> None:
        with self._lock:
            self._callbacks.pop(key, None)

    def __repr__(self) -> str:
        return f"CancelToken(set={self.is_set()})"
