"""Telling a truncated or damaged camera RAW from a whole one.

LibRaw fills the data a cut file lacks without a word (grey fields, a band of colour): it reads
past the end as zeros or as the last row again, and rawpy does not expose its warnings. So a RAW
is checked three ways, each cheap:

* **Declared extent** (before decoding): a TIFF-based RAW (DNG, CR2, NEF, ARW, PEF, ORF, RW2,
  KDC, ...) lists where its image data lies (strip and tile offsets and byte counts, in every
  IFD and sub-IFD); an ISO-media RAW (CR3) lists its boxes' sizes. Data declared past the end
  of the file means the file was cut.
* **Signature**: a file whose first bytes are a camera RAW's (Canon CRW, Fujifilm RAF, CR3,
  Minolta MRW, Sigma X3F, Olympus ORF, Panasonic RW2) but which LibRaw refuses as "not a RAW" is
  damaged (a cut CRW loses the directory at its end), not some other kind of file.
* **Filled tail** (after unpacking): the last rows of the raw data all identical, which the
  sensor's noise never gives, but LibRaw's filling does.
"""

from __future__ import annotations

import struct
from typing import BinaryIO

import numpy as np

# (offset, bytes) of non-TIFF camera RAW signatures.
_SIGNATURES = (
    (6, b"HEAPCCDR"),  # Canon CRW (CIFF)
    (0, b"FUJIFILMCCD-RAW"),  # Fujifilm RAF
    (4, b"ftypcrx "),  # Canon CR3
    (0, b"\0MRM"),  # Minolta MRW
    (0, b"FOVb"),  # Sigma X3F
    (0, b"IIRO"),
    (0, b"IIRS"),
    (0, b"MMOR"),  # Olympus ORF
    (0, b"IIU\0"),  # Panasonic RW2
)
# TIFF tags of image data: (offsets, byte counts) for strips and for tiles; sub-IFDs.
_DATA_TAGS = ((273, 279), (324, 325))
_SUB_IFDS, _EXIF_IFD = 330, 0x8769
_MAX_IFDS = 64  # a loop of IFDs, or a damaged chain, stops here
_TAIL_ROWS = 8  # identical rows at the end of the raw data that mean "filled by LibRaw"


def has_raw_signature(head: bytes) -> bool:
    """True if ``head`` (a file's first 16 bytes or more) starts like a non-TIFF camera RAW."""
    return any(head[at : at + len(sig)] == sig for at, sig in _SIGNATURES)


def declared_end(fp: BinaryIO, size: int) -> int | None:
    """The furthest byte the file's own structure says it holds (TIFF image data, or ISO-media
    boxes), or None when it has neither structure or it cannot be read."""
    fp.seek(0)
    head = fp.read(16)
    try:
        if head[:2] in (b"II", b"MM"):
            return _tiff_end(fp, size, "<" if head[:2] == b"II" else ">")
        if head[4:8] == b"ftyp":
            return _boxes_end(fp, size)
    except (OSError, struct.error, ValueError):
        return None
    return None


def _tiff_end(fp: BinaryIO, size: int, e: str) -> int | None:
    fp.seek(4)
    (first,) = struct.unpack(e + "I", fp.read(4))
    end = 0
    todo, seen = [first], set[int]()
    while todo and len(seen) < _MAX_IFDS:
        offset = todo.pop()
        if offset in seen or not 8 <= offset <= size - 2:
            continue
        seen.add(offset)
        tags, following = _ifd(fp, size, e, offset)
        for offsets_tag, counts_tag in _DATA_TAGS:
            offsets, counts = tags.get(offsets_tag, ()), tags.get(counts_tag, ())
            if offsets and len(offsets) == len(counts):
                end = max(end, max(o + c for o, c in zip(offsets, counts, strict=True)))
        todo += [*tags.get(_SUB_IFDS, ()), *tags.get(_EXIF_IFD, ())]
        if following:
            todo.append(following)
    return end or None


_INT_TYPES = {3: ("H", 2), 4: ("I", 4), 13: ("I", 4)}


def _ifd(fp: BinaryIO, size: int, e: str, offset: int) -> tuple[dict[int, tuple[int, ...]], int]:
    """The integer tags that locate data or other IFDs, and the next IFD's offset (0: none)."""
    fp.seek(offset)
    (count,) = struct.unpack(e + "H", fp.read(2))
    entries = fp.read(12 * min(count, 4096))
    tags: dict[int, tuple[int, ...]] = {}
    wanted = {t for pair in _DATA_TAGS for t in pair} | {_SUB_IFDS, _EXIF_IFD}
    for i in range(len(entries) // 12):
        tag, typ, n, inline = struct.unpack_from(e + "HHI4s", entries, 12 * i)
        if tag not in wanted or typ not in _INT_TYPES or not 0 < n <= 1 << 20:
            continue
        fmt, width = _INT_TYPES[typ]
        if n * width <= 4:
            data = inline[: n * width]
        else:
            (at,) = struct.unpack(e + "I", inline)
            if at + n * width > size:
                continue  # the list itself is past the end: the data check cannot use it
            here = fp.tell()
            fp.seek(at)
            data = fp.read(n * width)
            fp.seek(here)
        if len(data) == n * width:
            tags[tag] = struct.unpack(f"{e}{n}{fmt}", data)
    raw_next = fp.read(4)
    following = struct.unpack(e + "I", raw_next)[0] if len(raw_next) == 4 else 0
    return tags, following


def _boxes_end(fp: BinaryIO, size: int) -> int | None:
    """Where the last top-level ISO-media box says it ends."""
    at = 0
    for _ in range(4096):
        if at + 8 > size:
            break
        fp.seek(at)
        length, _kind = struct.unpack(">I4s", fp.read(8))
        if length == 1:
            (length,) = struct.unpack(">Q", fp.read(8))
        elif length == 0:  # "to the end of the file"
            return size
        if length < 8:
            return None
        at += length
    return at


def filled_tail(raw_image: np.ndarray) -> bool:
    """True if the last rows of the raw data (HxW, or HxWxC for a demosaiced DNG) are all the
    same row and that row is not clipped white: what LibRaw leaves where the file ended."""
    if raw_image.ndim < 2 or raw_image.shape[0] < 2 * _TAIL_ROWS:
        return False
    tail = raw_image[-_TAIL_ROWS:].reshape(_TAIL_ROWS, -1)
    if not (tail == tail[-1]).all():
        return False
    top = raw_image.max()
    return bool(top > 0 and tail[-1].min() < top)  # a clipped-white band is a photo's
