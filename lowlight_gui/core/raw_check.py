"""Telling a truncated or damaged camera RAW from a whole one.

LibRaw fills the data a cut file lacks without a word (grey fields, a band of colour): it reads
past the end as zeros or as the last row again, and rawpy does not expose its warnings. So a RAW
is checked two ways, each cheap:

* **Its structure** (before decoding, ``is_cut``): a TIFF-based RAW (DNG, CR2, NEF, ARW, PEF,
  ORF, RW2, KDC, ...) lists where its image data lies (strip and tile offsets and byte counts,
  in every image IFD and sub-IFD); an ISO-media RAW (CR3) lists its boxes' sizes; a Fujifilm
  RAF's header its preview's and its sensor data's. Data declared past the end of the file
  means the file was cut. A Canon CRW keeps its directory at the very end, pointed to by its
  last four bytes: a cut one no longer ends with that directory (LibRaw then calls it "not a
  RAW").
* **Its filled tail** (after unpacking, ``filled_tail``): the last rows of the raw data all
  identical, which the sensor's noise never gives, but LibRaw's filling does.
"""

from __future__ import annotations

import struct
from typing import BinaryIO

import numpy as np

# TIFF tags of image data: (offsets, byte counts) for strips and for tiles; sub-IFDs.
_DATA_TAGS = ((273, 279), (324, 325))
_SUB_IFDS, _EXIF_IFD, _WIDTH, _HEIGHT = 330, 0x8769, 256, 257
_MAX_IFDS = 64  # a loop of IFDs, or a damaged chain, stops here
_TAIL_ROWS = 8  # identical rows at the end of the raw data that mean "filled by LibRaw"


def is_cut(fp: BinaryIO, size: int) -> bool:
    """True if the RAW in ``fp`` (``size`` bytes) is shorter than its own structure says."""
    fp.seek(0)
    head = fp.read(16)
    try:
        if head[6:14] == b"HEAPCCDR":
            return not _ciff_whole(fp, size, head)
        end = declared_end(fp, size)
    except (OSError, struct.error, ValueError):
        return False  # a structure we cannot follow: LibRaw and the tail check decide
    return end is not None and end > size


def declared_end(fp: BinaryIO, size: int) -> int | None:
    """The furthest byte the file's own structure says it holds (TIFF image data, ISO-media
    boxes, a RAF's parts), or None when it has none of these structures."""
    fp.seek(0)
    head = fp.read(16)
    if head.startswith(b"FUJIFILMCCD-RAW"):
        return _raf_end(fp)
    if head[:2] in (b"II", b"MM"):
        return _tiff_end(fp, size, "<" if head[:2] == b"II" else ">")
    if head[4:8] == b"ftyp":
        return _boxes_end(fp, size)
    return None


def _ciff_whole(fp: BinaryIO, size: int, head: bytes) -> bool:
    """A CRW's root directory (a count, 10-byte entries, a 4-byte pointer) ends the file."""
    (heap,) = struct.unpack("<I", head[2:6])
    fp.seek(size - 4)
    (offset,) = struct.unpack("<I", fp.read(4))
    at = heap + offset
    if at + 2 > size - 4:
        return False
    fp.seek(at)
    (count,) = struct.unpack("<H", fp.read(2))
    return at + 2 + 10 * count + 4 == size


def _raf_end(fp: BinaryIO) -> int:
    """A RAF header: preview (JPEG) offset and length at 84, sensor data's at 100, big-endian."""
    fp.seek(84)
    jpeg_at, jpeg_len = struct.unpack(">II", fp.read(8))
    fp.seek(100)
    cfa_at, cfa_len = struct.unpack(">II", fp.read(8))
    return max(jpeg_at + jpeg_len, cfa_at + cfa_len)


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
        image = _WIDTH in tags and _HEIGHT in tags  # an image's IFD, not stray bytes
        for offsets_tag, counts_tag in _DATA_TAGS if image else ():
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
    wanted = {t for pair in _DATA_TAGS for t in pair} | {_SUB_IFDS, _EXIF_IFD, _WIDTH, _HEIGHT}
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
