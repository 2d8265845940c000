"""What went wrong, as the end of a sentence for a person: an OSError on a path (a full disk, a
path too long, a file a viewer holds open), or out of memory anywhere in a photo.

The words come from the cause, never from the text an encoder or the C runtime made up for it
(libvips reports a full disk as "Connection timed out" or "Unknown error -1").
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import sys
from pathlib import Path

#: Windows' MAX_PATH: a longer path fails unless long paths are turned on (with ENOENT, which
#: would read "the folder does not exist").
MAX_PATH = 260
#: Below this many free bytes a disk whose write failed is taken to be full.
FULL_BYTES = 1 << 20
#: Windows errors behind a PermissionError that mean "another program has the file open".
WIN_SHARING = {5, 32, 33}  # access denied, sharing violation, lock violation
WIN_PATH_TOO_LONG = 206  # ERROR_FILENAME_EXCED_RANGE

#: Monkeypatched by the tests to exercise the Windows sentences on any OS.
WINDOWS = os.name == "nt"

_REASONS = {
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.EROFS: "the disk is read-only",
    errno.EISDIR: "a folder of that name exists",
    errno.EIO: "the disk reported an input/output error",
}

#: Words of out-of-memory failures: ONNX Runtime's, libvips' and glib's (a thread it could not
#: start), the C library's.
OOM_MARKERS = (
    "failed to allocate memory", "out of memory", "bad_alloc", "cudnn_status_alloc",
    "error creating thread", "cannot allocate memory", "memory allocation failed",
    "not enough memory", "unable to allocate",
)


def os_reason(exc: OSError, *, reading: bool = False, path: Path | str | None = None) -> str:
    """``exc`` as the end of a sentence ("no space left on '/media/card'"); ``path``: the file
    being written or read (else the error's own file name)."""
    where = Path(path) if path is not None else (Path(exc.filename) if exc.filename else None)
    code = exc.errno or 0
    if code in (errno.ENOSPC, getattr(errno, "EDQUOT", -1)):
        what = "no space left" if code == errno.ENOSPC else "the disk quota is used up"
        return f"{what} on '{where.parent}'" if where is not None else what
    if code == errno.ENAMETOOLONG or getattr(exc, "winerror", None) == WIN_PATH_TOO_LONG:
        return path_too_long(where)
    if code == errno.ENOENT:
        if reading:
            return "the file does not exist"
        if where is not None and WINDOWS and len(os.path.abspath(where)) >= MAX_PATH:
            return path_too_long(where)
        return "the folder does not exist"
    if isinstance(exc, PermissionError) and is_locked(exc):
        return "it is open in another program (a viewer or a virus scanner?): close it and retry"
    reason = _REASONS.get(code)
    if reason:
        return reason
    text = exc.strerror or str(exc) or type(exc).__name__
    return text[:1].lower() + text[1:]


def path_too_long(path: Path | None) -> str:
    """The sentence for a path or file name longer than the disk or the OS takes."""
    if path is None:
        return "the path is too long"
    full = len(os.path.abspath(path))
    if WINDOWS and full >= MAX_PATH:
        return (f"the path is too long ({full} characters; Windows takes {MAX_PATH - 1} unless "
                "long paths are turned on): choose a shorter output folder or pattern")
    size = len(os.fsencode(path.name))
    if size > 255:
        return f"the path is too long (the name '{path.name[:40]}...' has {size} bytes; disks take 255)"
    return f"the path is too long ({len(os.fsencode(os.path.abspath(path)))} bytes)"


def is_locked(exc: OSError) -> bool:
    """A PermissionError that on Windows means another program holds the file (a viewer, an
    antivirus): worth a retry, then "open in another program"."""
    if not isinstance(exc, PermissionError):
        return False
    winerror = getattr(exc, "winerror", None)
    return winerror in WIN_SHARING if winerror is not None else WINDOWS


def disk_is_full(folder: Path) -> bool:
    """True when ``folder``'s disk has (almost) no space left: asked after a write failed with
    an encoder's own words, which do not say so."""
    try:
        return shutil.disk_usage(folder).free < FULL_BYTES
    except OSError:
        return False


#: Address space libvips takes to encode a photo, besides the photo itself (its threads' stacks
#: and malloc arenas: measured 90-150 MB for a 12 MP TIFF).
ENCODER_BYTES = 48_000_000


def address_space_left() -> int | None:
    """Bytes this process may still map under an address-space limit (``ulimit -v``), or None
    where there is none (or it cannot be told: not Linux)."""
    if sys.platform == "win32":  # no resource module (and no ulimit)
        return None
    import resource

    soft, _hard = resource.getrlimit(resource.RLIMIT_AS)
    if soft == resource.RLIM_INFINITY:
        return None
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return None
    size = re.search(r"^VmSize:\s+(\d+) kB", status, re.MULTILINE)
    return soft - int(size[1]) * 1024 if size else None


def require_address_space(nbytes: int) -> None:
    """Raise MemoryError when an address-space limit leaves less than ``nbytes``: libvips'
    encoder crashes (SIGSEGV in vips_sink_disc) rather than fail when an allocation fails
    there, so under ``ulimit -v`` the photo fails before it is handed over."""
    left = address_space_left()
    if left is not None and left < nbytes:
        raise MemoryError(f"{left // 1_000_000} MB of address space left, {nbytes // 1_000_000} "
                          "MB needed to encode")


def is_out_of_memory(exc: BaseException) -> bool:
    """True when ``exc`` or an exception it was raised from is an out-of-memory failure: a
    MemoryError, ENOMEM, ONNX Runtime's allocation failures (``engine.OutOfMemory``), LibRaw's,
    libvips or glib that could not allocate or start a thread (decode, model or encode: one
    failure class). Our own sentences are judged by their cause, not their words (a file may be
    named "out of memory.jpg")."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if _is_oom(current):
            return True
        current = current.__cause__ or current.__context__
    return False


def _is_oom(exc: BaseException) -> bool:
    from .engine import OutOfMemory  # here: only asked once something has failed
    from .errors import LowlightError

    if isinstance(exc, (MemoryError, OutOfMemory)):
        return True
    if isinstance(exc, OSError):
        return exc.errno == errno.ENOMEM
    if isinstance(exc, LowlightError):
        return False
    if "insufficientmemory" in type(exc).__name__.lower().replace("unsufficient", "insufficient"):
        return True  # rawpy's LibRawUnsufficientMemoryError
    text = str(exc).lower()
    return any(marker in text for marker in OOM_MARKERS)
