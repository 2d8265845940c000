"""The read side's odd cases: what Pillow refuses but can still be read, what it reads but would
lose without a word, and its warnings, which become notes instead of reaching the terminal.

* ``known_image_signature``: a file that starts like a PNG, JPEG, TIFF, GIF, BMP or WebP but
  that Pillow cannot identify is damaged, not "not an image".
* ``png_without_bad_chunks``: a PNG whose *ancillary* chunk (colour profile, text, EXIF) has a
  wrong checksum is refused whole by Pillow, although its pixels are intact (libvips decodes
  it); the chunk is dropped and a note says which. A bad critical chunk (IHDR, IDAT, ...) is
  damage.
* ``icc_problem``: an ICC profile that is not one (a bad signature, or one LittleCMS cannot
  parse) is dropped with a note rather than silently by an encoder.
* ``captured_warnings`` and ``warning_notes``: Pillow's UserWarnings ("Corrupt EXIF data", ...)
  raised while this thread reads become notes (or log lines); warnings from other threads
  pass on unchanged.
"""

from __future__ import annotations

import io
import logging
import struct
import threading
import warnings
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, BinaryIO, TextIO

from PIL import ImageCms

log = logging.getLogger(__name__)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_SIGNATURES = (
    (0, PNG_SIGNATURE),
    (0, b"\xff\xd8\xff"),  # JPEG
    (0, b"II*\0"),
    (0, b"MM\0*"),  # TIFF
    (0, b"GIF8"),
    (0, b"BM"),
    (8, b"WEBP"),
)
# What a dropped ancillary PNG chunk held, in words.
_CHUNK_WORDS = {
    b"iCCP": "colour profile",
    b"eXIf": "EXIF data",
    b"tEXt": "text",
    b"zTXt": "text",
    b"iTXt": "text or XMP",
    b"tIME": "date",
    b"pHYs": "resolution",
}


def known_image_signature(head: bytes) -> bool:
    """True if ``head`` (the file's first 16 bytes) starts like an image format Lowlight reads."""
    return any(head[at : at + len(sig)] == sig for at, sig in _SIGNATURES)


def png_without_bad_chunks(fp: BinaryIO) -> tuple[bytes, list[str]] | None:
    """The PNG in ``fp`` without its ancillary chunks whose checksum is wrong, and a note for
    each; None when no such chunk was dropped, or a critical chunk is bad (the file is damaged)."""
    fp.seek(0)
    data = fp.read()  # only for a PNG that Pillow refused: the compressed file, once
    if not data.startswith(PNG_SIGNATURE):
        return None
    out = bytearray(PNG_SIGNATURE)
    notes: list[str] = []
    at = len(PNG_SIGNATURE)
    while at + 12 <= len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        kind = data[at + 4 : at + 8]
        end = at + 12 + length
        if end > len(data):
            return None  # truncated: damaged
        (crc,) = struct.unpack(">I", data[end - 4 : end])
        if zlib.crc32(data[at + 4 : end - 4]) != crc:
            if not kind[:1].islower():  # a critical chunk: the pixels themselves
                return None
            what = _CHUNK_WORDS.get(kind, f"'{kind.decode('latin-1')}' chunk")
            notes.append(f"its {what} was damaged (a bad checksum) and was left out")
        else:
            out += data[at:end]
        at = end
        if kind == b"IEND":
            break
    return (bytes(out), notes) if notes else None


def icc_problem(icc: bytes) -> bool:
    """True if ``icc`` is not a usable ICC profile (no 'acsp' signature, or LittleCMS refuses it)."""
    if len(icc) < 132 or icc[36:40] != b"acsp":
        return True
    try:
        ImageCms.ImageCmsProfile(io.BytesIO(icc))
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return True
    return False


# One reading thread at a time swaps the warnings machinery (process-wide state); reentrant: a
# repaired PNG is read again inside the same block.
_WARNINGS_LOCK = threading.RLock()


@contextmanager
def captured_warnings() -> Iterator[list[str]]:
    """Collect the text of every warning this thread raises inside the block; warnings of other
    threads meanwhile are shown as they would have been."""
    caught: list[str] = []
    me = threading.get_ident()
    with _WARNINGS_LOCK, warnings.catch_warnings():
        previous = warnings.showwarning

        def show(
            message: Warning | str,
            category: type[Warning],
            filename: str,
            lineno: int,
            file: TextIO | None = None,
            line: str | None = None,
        ) -> None:
            if threading.get_ident() == me:
                caught.append(str(message))
            else:
                previous(message, category, filename, lineno, file, line)

        warnings.showwarning = show
        warnings.simplefilter("always")  # every file's own warnings, not once per process
        warnings.simplefilter("ignore", DeprecationWarning)
        yield caught


# (words in Pillow's warning, the note it becomes; None: logged only)
_WARNING_NOTES: tuple[tuple[str, str | None], ...] = (
    ("corrupt exif", "its EXIF data is damaged: the tags that could be read were kept"),
    ("truncated", "some of its metadata is cut short and was left out"),
    ("tag data larger than file", "some of its metadata is damaged and was left out"),
    ("tag offset too large", "some of its metadata is damaged and was left out"),
    ("invalid apng", "its animation is damaged: its default image was read"),
    ("transparency", None),  # palettes are converted to RGBA, which keeps the transparency
    ("metadata warning", None),
)


def warning_notes(messages: list[str], name: Any) -> list[str]:
    """The notes for Pillow's warnings ``messages`` (each once); the others are logged."""
    notes: list[str] = []
    for message in messages:
        lower = message.lower()
        for words, note in _WARNING_NOTES:
            if words in lower:
                if note and note not in notes:
                    notes.append(note)
                break
        else:
            log.debug("%s: %s", name, message)
    return notes
