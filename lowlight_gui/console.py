"""The CLI's report to the terminal, which never stops the work.

Every line the CLI prints (``print``, tqdm's bars, logging) goes through ``SafeStream.write``
while ``guarded()`` is active:
  * a character the stream cannot encode (a Japanese file name on a Windows console redirected
    to a file: cp1252 with strict errors) is written as a ``\\uXXXX`` escape instead of raising;
  * a stream that is closed or full (``| head -1``: EPIPE; ``> /dev/full``: ENOSPC; a vanished
    terminal: EIO) ends the reporting: it is said once on stderr (if stderr still works), the
    file descriptor is pointed at the null device so that Python's own flush at exit does not
    print "Exception ignored ... BrokenPipeError", and the batch runs to its end with its usual
    exit code.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sys
import threading
from collections.abc import Iterator
from typing import Any, TextIO

#: errno values that mean the reader is gone or the disk is full: stop writing there.
STOPPING = {errno.EPIPE, errno.ENOSPC, errno.EIO, errno.EINVAL, errno.EBADF,
            getattr(errno, "EDQUOT", errno.ENOSPC)}

_WHY = {errno.EPIPE: "the reader closed it", errno.ENOSPC: "its disk is full",
        errno.EIO: "the terminal is gone"}


class SafeStream:
    """A text stream that replaces what it cannot encode and goes quiet once it cannot be
    written to; ``on_stop(name, why)`` is called once then."""

    def __init__(self, stream: TextIO | None, name: str, on_stop: Any = None) -> None:
        self.stream: Any = stream
        self.name = name
        self.stopped = stream is None  # pythonw, or a descriptor closed before start
        self._on_stop = on_stop
        self._lock = threading.Lock()

    def write(self, text: str) -> int:
        if self.stopped or not text:
            return len(text)
        try:
            try:
                self.stream.write(text)
            except UnicodeEncodeError:
                self.stream.write(_encodable(text, self.stream))
            if "\n" in text or "\r" in text:
                self.stream.flush()  # a full disk shows at once
        except (OSError, ValueError) as exc:
            self._stop(exc)
        return len(text)

    def flush(self) -> None:
        if self.stopped:
            return
        try:
            self.stream.flush()
        except (OSError, ValueError) as exc:
            self._stop(exc)

    def isatty(self) -> bool:
        try:
            return not self.stopped and bool(self.stream.isatty())
        except (OSError, ValueError):
            return False

    def fileno(self) -> int:
        return self.stream.fileno()

    @property
    def encoding(self) -> str:
        return getattr(self.stream, "encoding", None) or "utf-8"

    @property
    def errors(self) -> str:
        return "backslashreplace"

    def writable(self) -> bool:
        return True

    def _stop(self, exc: BaseException) -> None:
        if isinstance(exc, OSError) and exc.errno not in STOPPING:
            raise exc
        with self._lock:
            if self.stopped:
                return
            self.stopped = True
        _to_null(self.stream)
        if self._on_stop is not None:
            code = exc.errno if isinstance(exc, OSError) else None
            self._on_stop(self.name, _WHY.get(code or 0, str(exc) or "it is closed"))


def _encodable(text: str, stream: Any) -> str:
    """``text`` with what the stream's encoding cannot hold as escapes."""
    encoding = getattr(stream, "encoding", None) or "ascii"
    return text.encode(encoding, "backslashreplace").decode(encoding, "replace")


def _to_null(stream: Any) -> None:
    """Point the process's own stdout/stderr descriptor at the null device, so that what is
    still buffered (and Python's flush at exit) goes nowhere instead of failing again."""
    try:
        fd = stream.fileno()
    except (AttributeError, OSError, ValueError):
        return
    if fd not in (1, 2):
        return
    with contextlib.suppress(OSError):
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, fd)
        os.close(null)


@contextlib.contextmanager
def guarded(program: str = "lowlight") -> Iterator[tuple[SafeStream, SafeStream]]:
    """``sys.stdout`` and ``sys.stderr`` as ``SafeStream``s for the duration (everything printed
    goes through them); a stream that stops is said once on the other."""
    real_out, real_err = sys.stdout, sys.stderr
    err = SafeStream(real_err, "standard error")

    def stopped(name: str, why: str) -> None:
        err.write(f"{program}: cannot write to {name} ({why}): no more report lines there; "
                  "the photos are still enhanced\n")

    out = SafeStream(real_out, "standard output", stopped)
    sys.stdout, sys.stderr = out, err  # type: ignore[assignment]  # file-like enough
    try:
        yield out, err
    finally:
        if sys.stdout is out:
            sys.stdout = real_out
        if sys.stderr is err:
            sys.stderr = real_err
