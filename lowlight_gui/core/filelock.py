"""A non-blocking exclusive lock on an open file, on POSIX and Windows.

A run holds it on the temp file it is writing, so that another run cleaning up a killed run's
temp files (``imageio.remove_stale_temps``) never removes one that is still being written. The
lock goes away when the descriptor is closed or the process dies.

- POSIX: ``fcntl.flock`` on the whole file.
- Windows: ``msvcrt.locking`` on the file's first byte (a byte-range lock; locking past the end
  of a file is allowed there, so an empty file can be locked too). Windows also refuses to
  delete a file another process has open, which protects a temp file by itself.
- Disks without locks (some network shares) answer with an error: ``try_lock`` returns None
  and the caller decides by other means (the file's age).
"""

from __future__ import annotations

import contextlib
import errno
import os
import sys

# Chosen with ``sys.platform`` at the branch (not a try/except import or a runtime variable) so
# that mypy, run with ``--platform win32`` or ``darwin``, types each system's branch where it
# runs and skips the other (tests/test_typing.py checks all three).
if sys.platform == "win32":  # pragma: no cover - exercised on Windows (CI)
    import msvcrt

    fcntl = None  # no flock here (tests skip their flock cases on it)
    _LOCKED = {errno.EACCES, errno.EDEADLOCK, errno.EDEADLK}

    def try_lock(fd: int) -> bool | None:
        """Lock ``fd`` exclusively without waiting: True if locked, False if another process
        holds a lock on it, None if this disk has no locks."""
        position = os.lseek(fd, 0, os.SEEK_CUR)
        try:
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError as exc:  # EACCES or EDEADLOCK: another process holds it
            return False if exc.errno in _LOCKED else None
        finally:
            with contextlib.suppress(OSError):
                os.lseek(fd, position, os.SEEK_SET)
        return True

else:
    import fcntl

    def try_lock(fd: int) -> bool | None:
        """Lock ``fd`` exclusively without waiting: True if locked, False if another process
        holds a lock on it, None if this disk has no locks."""
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        except OSError:
            return None
        return True
