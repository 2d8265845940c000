"""Output file names every disk accepts: a naming pattern's own characters, the length of a name,
and names that only differ in case.

The rules are Windows' (the strictest of the three systems) on every OS, so that a pattern that
works here works on a photographer's laptop, and outputs copied to an NTFS or APFS disk do not
collide:
  * a pattern's own text may not hold ``<>:"/\\|?*`` or control characters (``:`` would make an
    NTFS alternate data stream, a hidden part of another file), nor give a reserved device name
    (``CON``, ``NUL``, ``COM1``...);
  * a name is at most ``NAME_MAX`` (255) bytes on POSIX and 255 UTF-16 units on Windows; a longer
    output name is cut (its suffix and its uniqueness kept, ``shortened_note`` says so);
  * two outputs of a batch may not differ only in case (``case_key``).
"""

from __future__ import annotations

import os
import string
from pathlib import Path

from .errors import LowlightError

#: Characters Windows refuses in a file name (besides the folder separators, refused anyway).
FORBIDDEN = frozenset('<>:"|?*') | frozenset(chr(c) for c in range(32))
#: Names Windows keeps for devices, with or without a suffix ("NUL.jpg" is NUL too).
RESERVED = frozenset(
    ["CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"]
    + [f"{dev}{n}" for dev in ("COM", "LPT") for n in (*"123456789", "¹", "²", "³")]
)
#: The longest file name most disks take (ext4, APFS, NTFS: 255 bytes or UTF-16 units).
NAME_MAX = 255


def check_pattern(pattern: str) -> None:
    """Refuse a naming pattern whose own text (outside ``{name}`` and ``{ext}``) has a character
    Windows forbids, or that gives a reserved device name; raises ``LowlightError``."""
    try:
        literal = "".join(text for text, _field, _spec, _conv in string.Formatter().parse(pattern))
    except ValueError:
        return  # a broken pattern: batch.output_name says what is wrong with it
    bad = sorted({c for c in literal if c in FORBIDDEN})
    if bad:
        shown = " ".join(repr(c) if c.isprintable() else f"U+{ord(c):04X}" for c in bad)
        raise LowlightError(
            f"invalid naming pattern '{pattern}': it has {shown}, which Windows does not allow "
            "in a file name (':' would even hide the photo in another file's stream on NTFS)"
        )
    try:
        sample = pattern.format(name="photo", ext="jpg")
    except (KeyError, IndexError, ValueError):
        return
    if is_reserved(sample):
        raise LowlightError(
            f"invalid naming pattern '{pattern}': '{sample}' is a device name on Windows "
            "(CON, PRN, AUX, NUL, COM1..9, LPT1..9), not a file"
        )


def is_reserved(name: str) -> bool:
    """True for a Windows device name, whatever its suffix or case (``nul.jpg``, ``Com1``)."""
    return name.split(".", 1)[0].rstrip(" ").upper() in RESERVED


def name_length(name: str) -> int:
    """The length a disk counts: bytes of the file-system encoding on POSIX, UTF-16 units on
    Windows."""
    if os.name == "nt":
        return len(name.encode("utf-16-le", "surrogatepass")) // 2
    return len(os.fsencode(name))


def name_max(folder: Path) -> int:
    """The longest file name the disk of ``folder`` (or of its nearest existing parent) takes."""
    limit = NAME_MAX
    pathconf = getattr(os, "pathconf", None)
    if pathconf is not None:
        existing = folder
        while not _exists(existing) and existing.parent != existing:
            existing = existing.parent
        try:
            limit = int(pathconf(existing, "PC_NAME_MAX"))
        except (OSError, ValueError):
            pass
    return max(16, min(limit, NAME_MAX))


def _exists(path: Path) -> bool:
    try:
        return path.exists()
    except OSError:  # ENAMETOOLONG and the like: not a folder we can stand on
        return False


def fit_name(stem: str, tail: str, limit: int) -> str:
    """``stem + tail`` (``tail``: the suffix, and a ``-2`` before it), the stem cut by whole
    characters so that the name is at most ``limit`` long as ``name_length`` counts."""
    name = stem + tail
    if name_length(name) <= limit:
        return name
    room = limit - name_length(tail)
    cut = stem
    while cut and name_length(cut) > room:
        cut = cut[:-1]
    return cut.rstrip(" .") + tail


def case_key(path: Path) -> str:
    """What makes two paths one file on a case-insensitive disk (APFS, NTFS): compared ignoring
    case on every OS, so that a batch never gives two outputs that would be one there."""
    return os.path.normcase(str(path)).casefold()


def shortened_note(original: str, used: str, limit: int = NAME_MAX) -> str:
    """The note an output gets when its name had to be cut."""
    return (f"the output name '{original[:40]}...' is too long for a file name "
            f"({name_length(original)} of at most {limit}): shortened to '{used}'")
