"""The photo formats Lowlight reads and writes: one table, read by everything that lists them.

Reading (``core/imageio.py``, ``core/raw.py``), naming outputs (``core/batch.py``), the CLI's
``--format`` choices, the GUI's format list, file-dialog filters and the folder scan
(``core/folders.py``) all take their facts from :data:`FORMATS`; nothing else spells out a suffix.

"Same as input" writes the input's own format when we write it; a format we only read has a
default instead: HEIC (phones) becomes JPEG, which every viewer reads; camera RAW becomes 16-bit
TIFF, which keeps the developed RAW's 16 bits and its camera metadata.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .errors import LowlightError


@dataclass(frozen=True)
class Format:
    name: str  # Pillow's format name ("JPEG"); "RAW" for camera RAW, which LibRaw reads
    label: str  # for people: "JPEG", "HEIC", "Camera RAW"
    suffixes: tuple[str, ...]  # lower case, with the dot; the first is the one outputs get
    read: bool
    write: bool
    same: str  # name of the format "same as input" writes for a photo of this format
    sixteen_bit: bool  # 16 bits per channel: read as 16 bits, written as 16 bits
    alpha: bool  # transparency is kept
    metadata: bool  # EXIF and the ICC profile are kept
    key: str | None = None  # the output-format argument ("jpg"); None when not written
    offered: bool = False  # one of the output choices of the GUI and the CLI
    aliases: tuple[str, ...] = ()  # other names Pillow gives it ("MPO": camera JPEGs)
    max_side: int | None = None  # the largest width or height its encoder takes

    @property
    def suffix(self) -> str:
        """What an output of this format is named with (".jpg")."""
        return self.suffixes[0]


#: Camera RAW suffixes, by maker: Adobe DNG; Canon; Nikon; Sony; Fujifilm; Olympus/OM;
#: Panasonic, Leica; Pentax; Kodak; Minolta; Hasselblad/Imacon; Phase One, Leaf; Mamiya;
#: Epson; Samsung; Sigma; Casio.
RAW_SUFFIXES: tuple[str, ...] = (
    ".dng", ".cr2", ".cr3", ".crw", ".nef", ".nrw", ".arw", ".srf", ".sr2", ".raf", ".orf",
    ".rw2", ".rwl", ".raw", ".pef", ".ptx", ".kdc", ".dcr", ".dcs", ".k25", ".mrw", ".3fr",
    ".fff", ".iiq", ".cap", ".mos", ".mef", ".erf", ".srw", ".x3f", ".bay",
)

FORMATS: tuple[Format, ...] = (
    Format("JPEG", "JPEG", (".jpg", ".jpeg"), True, True, "JPEG", False, False, True,
           key="jpg", offered=True, aliases=("MPO",), max_side=65_535),
    Format("PNG", "PNG", (".png",), True, True, "PNG", True, True, True, key="png", offered=True),
    Format("TIFF", "TIFF", (".tif", ".tiff"), True, True, "TIFF", True, True, True,
           key="tif", offered=True),
    Format("WEBP", "WebP", (".webp",), True, True, "WEBP", False, True, True, key="webp",
           max_side=16_383),
    Format("BMP", "BMP", (".bmp",), True, True, "BMP", False, False, False, key="bmp",
           aliases=("DIB",)),
    Format("HEIF", "HEIC", (".heic", ".heif"), True, False, "JPEG", False, True, True),
    # Every RAW suffix LibRaw (rawpy) develops, current and older cameras alike: a suffix
    # missing here would hide a camera's files from the folder scan, the browser and the dialogs.
    Format("RAW", "Camera RAW", RAW_SUFFIXES, True, False, "TIFF", True, False, True),
)

_BY_NAME: dict[str, Format] = {n: f for f in FORMATS for n in (f.name, *f.aliases)}
_BY_SUFFIX: dict[str, Format] = {s: f for f in FORMATS for s in f.suffixes}
# Output-format arguments: each written format's key and suffixes ("jpg", "jpeg", "tiff").
_BY_KEY: dict[str, Format] = {
    k: f for f in FORMATS if f.write for k in (f.key or "", *(s[1:] for s in f.suffixes)) if k
}

RAW = _BY_NAME["RAW"]
#: Suffixes of the files we read (what a folder scan finds).
READ_SUFFIXES: frozenset[str] = frozenset(s for f in FORMATS if f.read for s in f.suffixes)
#: Suffixes of the formats we write (what an output name may end with).
WRITE_SUFFIXES: frozenset[str] = frozenset(s for f in FORMATS if f.write for s in f.suffixes)
#: Output choices of the GUI and the CLI: "same" (as input) and the offered formats' keys.
OUTPUT_CHOICES: tuple[str, ...] = ("same", *(f.key for f in FORMATS if f.offered and f.key))


def by_name(name: str) -> Format | None:
    """The format Pillow (or LibRaw: "RAW") calls ``name``; None if we do not know it."""
    return _BY_NAME.get(name.upper())


def for_suffix(path: str | os.PathLike[str]) -> Format | None:
    """The format a file name (or a bare suffix such as ".jpg") says; None if none of ours."""
    text = os.fspath(path)
    suffix = text if text.startswith(".") and "/" not in text else Path(text).suffix
    return _BY_SUFFIX.get(suffix.lower())


def is_raw_name(path: str | os.PathLike[str]) -> bool:
    """True if the file name has a camera RAW suffix (its content is not looked at)."""
    return for_suffix(path) is RAW


def output_format(source: str, fmt: str) -> Format:
    """The format written for a photo of format ``source`` when ``fmt`` is asked for.

    ``fmt``: "same", a key or suffix ("jpg", "tiff", ".png") or a Pillow name ("JPEG"). "same"
    keeps ``source`` when we write it and otherwise takes its default (HEIF -> JPEG, RAW -> TIFF);
    an unknown source gives JPEG.
    """
    key = fmt.lower().lstrip(".")
    if key == "same":
        found = by_name(source)
        target = by_name(found.same) if found else None
        return target if target is not None and target.write else _BY_NAME["JPEG"]
    chosen = _BY_KEY.get(key) or by_name(fmt)
    if chosen is None or not chosen.write:
        keys = ", ".join(f.key for f in FORMATS if f.key)
        raise LowlightError(f"unknown output format '{fmt}' (choose same, {_or(keys)})")
    return chosen


def output_suffix_for(path: str | os.PathLike[str], fmt: str = "same") -> str:
    """The suffix of ``fmt``'s output for the input file ``path``, told from its name alone
    (before it is read): "x.heic" -> ".jpg", "x.dng" -> ".tif"; an unknown suffix -> ".png"."""
    found = for_suffix(path)
    return output_format(found.name if found else "PNG", fmt).suffix


def choice_label(key: str) -> str:
    """How an output choice is shown: "Same as input", "JPEG", "TIFF"."""
    return "Same as input" if key == "same" else _BY_KEY[key].label


def same_defaults() -> str:
    """What "same as input" writes for the formats we only read, for a sentence:
    "HEIC as JPEG, camera RAW as 16-bit TIFF"."""
    parts = []
    for f in FORMATS:
        if f.read and not f.write:
            target = _BY_NAME[f.same]
            depth = "16-bit " if f.sixteen_bit and target.sixteen_bit else ""
            label = "camera RAW" if f is RAW else f.label
            parts.append(f"{label} as {depth}{target.label}")
    return ", ".join(parts)


def read_names() -> str:
    """The formats we read, for a sentence: "JPEG, PNG, TIFF, WebP, BMP, HEIC or camera RAW"."""
    return _or(", ".join(f.label if f is not RAW else "camera RAW" for f in FORMATS if f.read))


def write_suffix_list() -> str:
    """The suffixes outputs are written with, for a sentence: ".jpg, .png, .tif, .webp or .bmp"."""
    return _or(", ".join(f.suffix for f in FORMATS if f.write))


def glob_patterns(suffixes: frozenset[str] | None = None) -> list[str]:
    """Glob patterns of ``suffixes`` (default: every readable one) in both cases, for file
    dialogs and QFileSystemModel (Linux is case-sensitive: camera files are often "IMG_1.CR3")."""
    exts = sorted(READ_SUFFIXES if suffixes is None else suffixes)
    return [f"*{e}" for e in exts] + [f"*{e.upper()}" for e in exts]


def offered_suffixes() -> frozenset[str]:
    """Suffixes of the output choices (JPEG, PNG, TIFF): what the save dialog offers."""
    return frozenset(s for f in FORMATS if f.offered for s in f.suffixes)


def _or(items: str) -> str:
    """"a, b, c" -> "a, b or c"."""
    head, _, last = items.rpartition(", ")
    return f"{head} or {last}" if head else last
