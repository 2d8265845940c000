"""Reading and writing photos: pixels in their stored type, with alpha, EXIF, ICC and XMP carried
through.

Memory: a photo is kept as it is stored (uint8 or uint16, one channel for greyscale), 3 bytes per
pixel for an 8-bit RGB photo; ``Photo.pixels`` (float32, 12 bytes per pixel) is only made when
asked for. Decoding and encoding avoid full-size copies where they can (see ``MAX_PIXELS`` for
the resulting limit).

Which formats are read and written, and what each can hold, is the table in ``core/formats.py``.
The image library is libvips (``pyvips`` with the ``pyvips-binary`` wheel) for 16-bit files and
for every format it writes, and Pillow for reading 8-bit files and writing BMP; README, "Image
files", has the measurements that chose it over OpenCV and Pillow + tifffile.

Reading (``read_photo``)
  * JPEG, PNG, TIFF, WebP, BMP through Pillow; HEIC/HEIF through pillow-heif's Pillow opener.
    The format is taken from the file's content, not its name. Only the first frame of a
    multi-frame file is read (a note says so).
  * Camera RAW files (told by their suffix, any LibRaw reads, or by their content: a TIFF-based
    RAW whose first image is the camera's preview, a file only LibRaw recognises) are developed
    by ``core/raw.py`` (LibRaw) into 16-bit sRGB, upright, with the camera's metadata as EXIF;
    ``half_size=True`` develops them at half width and height for fast previews. A RAW LibRaw
    cannot develop fails: its embedded preview is never enhanced in place of the photo.
  * 16-bit PNG and TIFF are decoded by libvips (Pillow reduces 16-bit RGB(A) to 8 bits), a band
    of rows at a time into one array.
  * EXIF orientation (or an XMP one, as Pillow reads it) is applied to the pixels and reset to 1
    in the kept EXIF and XMP, so the output is upright everywhere and never rotated twice.
  * CMYK is converted to RGB (through its ICC profile when it has one) with a note in
    ``Photo.notes``; a grey or CMYK ICC profile is dropped because it cannot describe RGB pixels.
  * Greyscale photos stay one channel (``Photo.data`` is HxWx1) and are written back as grey.
  * The declared size is checked against ``max_pixels`` before any pixel is decoded. Pillow's own
    decompression-bomb guard is set to ``MAX_PIXELS`` and its warning is turned into a refusal.
  * Truncated files are refused ("the file is truncated or damaged"): Pillow's
    ``ImageFile.LOAD_TRUNCATED_IMAGES`` is left at its default, False, and libvips is asked to
    fail on the first error.

Writing (``write_photo``)
  * Formats written: JPEG, PNG, TIFF, WebP, BMP. ``"same"`` for a format we only read gives its
    default (``formats.py``): HEIF -> JPEG (what every viewer reads), RAW -> 16-bit TIFF.
  * JPEG, PNG, TIFF and WebP (8 or 16 bits) are encoded by libvips, which embeds the EXIF block
    (with orientation 1), the ICC profile and the XMP packet. libvips writes no EXIF into TIFF,
    so a TIFF gets its EXIF as a rewritten first IFD (the one container step left here); what
    TIFF output loses: the EXIF thumbnail (IFD1), the Interop sub-IFD, and IFD0 tags other than
    the descriptive ones (make, model, date, ...); that IFD is added in the temp file itself,
    so a TIFF needs no more free space than its own size. BMP goes through Pillow.
  * JPEG and BMP cannot keep alpha and BMP cannot keep EXIF/ICC/XMP: they are left out with a
    note appended to ``photo.notes``.
  * The write is atomic: a hidden temp file ``.~ll<8 hex>.tmp`` in the target folder (locked
    while it is written: ``flock``, or ``msvcrt.locking`` on Windows), fsync, then a rename; the
    temp file is removed on any failure, and the target is never the source photo. Its name is
    short and of a fixed length (16 characters), so that an output whose path fits Windows'
    MAX_PATH is never refused for its temp file's. A target that another program holds open
    (Windows: a viewer, a virus scanner) is retried for about a second before the failure
    says so. With
    ``overwrite=False`` the file is published with a hard link, which fails if the target
    appeared meanwhile (another run): then ``OutputExists`` is raised and nothing is replaced.
    Where the disk has no hard links (FAT/exFAT, some network shares) the name is claimed by an
    exclusive create before the rename instead, with a note; the gap that leaves is
    ``_publish``'s docstring. A temp file left by a killed run is removed by
    ``remove_stale_temps`` on the next run, at once where its free lock shows that no run is
    writing it (after ``STALE_TEMP_SECONDS`` where locks cannot be checked).
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import re
import secrets
import shutil
import stat
import struct
import sys
import time
import warnings
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
from PIL import Image, ImageCms, UnidentifiedImageError

from . import failures, formats, xmp_record
from .errors import LowlightError, OutputExists
from .filelock import try_lock
from .read_checks import (
    captured_warnings,
    icc_problem,
    known_image_signature,
    png_without_bad_chunks,
    warning_notes,
)

try:  # HEIC/HEIF support is optional at run time; without it such files get a clear message.
    import pillow_heif

    pillow_heif.register_heif_opener()
    _HEIF_OK = True
except ImportError:  # pragma: no cover - pillow-heif is a dependency
    _HEIF_OK = False

#: Suffixes of the files we read, camera RAW included (``formats.READ_SUFFIXES``).
SUPPORTED_SUFFIXES: frozenset[str] = formats.READ_SUFFIXES
#: Suffixes of the formats we write (what an output name may end with).
WRITE_SUFFIXES: frozenset[str] = formats.WRITE_SUFFIXES

#: Peak memory of enhancing a photo: at most this many bytes per pixel (enhancing and encoding
#: need about 7; the bound was set when OpenCV's 16-bit decoder briefly needed 12, and libvips
#: decodes into the one array) plus a fixed part (Python, ONNX Runtime and the model, one band of
#: tiles). Measured: README, "Measured figures".
BYTES_PER_PIXEL = 12
FIXED_BYTES = 400_000_000
MEMORY_SHARE = 0.75  # of the physical memory (or the container's limit) a photo may take
MIN_MAX_PIXELS = 50_000_000  # never refuse a 48 MP camera photo because memory looked small
MAX_MAX_PIXELS = 1_000_000_000  # past 1 GP a file is a decompression bomb, not a photo


def physical_memory() -> int | None:
    """Bytes of physical memory, or of the container's (cgroup) limit when lower; None if unknown."""
    total: int | None = None
    if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
        import ctypes

        class _Status(ctypes.Structure):
            _fields_ = [("dwLength", ctypes.c_ulong), ("dwMemoryLoad", ctypes.c_ulong),
                        ("ullTotalPhys", ctypes.c_ulonglong), ("ullAvailPhys", ctypes.c_ulonglong),
                        ("ullTotalPageFile", ctypes.c_ulonglong),
                        ("ullAvailPageFile", ctypes.c_ulonglong),
                        ("ullTotalVirtual", ctypes.c_ulonglong),
                        ("ullAvailVirtual", ctypes.c_ulonglong),
                        ("ullAvailExtendedVirtual", ctypes.c_ulonglong)]

        status = _Status()
        status.dwLength = ctypes.sizeof(_Status)
        if ctypes.windll.kernel32.GlobalMemoryStatusEx(ctypes.byref(status)):
            total = int(status.ullTotalPhys)
    else:
        with contextlib.suppress(ValueError, OSError, AttributeError):
            total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    for limit_file in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        with contextlib.suppress(OSError, ValueError):
            limit = int(Path(limit_file).read_text().strip())  # "max" (no limit) raises
            if limit > 0 and (total is None or limit < total):
                total = limit
    return total if total and total > 0 else None


def pixel_limit(memory: int | None = None, bytes_per_pixel: float = BYTES_PER_PIXEL) -> int:
    """The largest photo (in pixels) that fits ``MEMORY_SHARE`` of ``memory`` bytes by the
    formula ``bytes_per_pixel * pixels + FIXED_BYTES``, kept between ``MIN_MAX_PIXELS`` and
    ``MAX_MAX_PIXELS``. ``memory`` defaults to this machine's (``physical_memory``); when that
    is unknown, 200 MP (what 3.6 GB allows). A caller that needs more per pixel (the GUI's
    float preview) passes its own ``bytes_per_pixel`` and reads with that ``max_pixels``."""
    if memory is None:
        memory = physical_memory()
    if not memory:
        return 200_000_000
    pixels = int((memory * MEMORY_SHARE - FIXED_BYTES) // bytes_per_pixel)
    return min(max(pixels, MIN_MAX_PIXELS), MAX_MAX_PIXELS)


#: Largest image read, in pixels: ``pixel_limit()`` of this machine (1 GP on 24 GB, 467 MP on
#: 8 GB, 50 MP at least). A small file declaring more is a decompression bomb and is refused
#: before decoding.
MAX_PIXELS: int = pixel_limit()

#: Developing a camera RAW holds LibRaw's raw data (2 bytes per pixel), its 4-channel working
#: image (8) and the developed 16-bit RGB (6) at once: measured 14.5 bytes per pixel above the
#: fixed part for a 24 MP DNG (README). RAWs get their own, lower limit.
RAW_BYTES_PER_PIXEL = 16
RAW_MAX_PIXELS: int = pixel_limit(bytes_per_pixel=RAW_BYTES_PER_PIXEL)

# Pillow warns above MAX_IMAGE_PIXELS and refuses above twice that; its default (89 MP) would refuse
# honest photos under our limit, so it is set to ours. read_photo turns the warning into an error.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS

_ORIENTATION = 0x0112
_EXIF_IFD, _GPS_IFD, _INTEROP_IFD = 0x8769, 0x8825, 0xA005
# IFD0 tags that describe the photo rather than the pixel layout: the only ones copied between
# a TIFF's own IFD and an EXIF block (StripOffsets & co. would be nonsense elsewhere).
_DESCRIPTIVE_IFD0 = frozenset(
    {269, 270, 271, 272, _ORIENTATION, 282, 283, 296, 305, 306, 315, 316, 33432, _EXIF_IFD, _GPS_IFD}
)
# What Pillow's EXIF parser and writer raise on damaged or odd EXIF blocks.
_EXIF_ERRORS = (ValueError, TypeError, KeyError, IndexError, OSError, SyntaxError, struct.error)


@dataclass(eq=False)
class Photo:
    """A decoded photo, already upright.

    ``data`` holds the pixels as stored: HxWx3 (RGB) or HxWx1 (greyscale), uint8 or uint16 (or
    float in 0..1 for a photo made in code; an HxW array is taken as grey). ``alpha`` is HxW of
    the same type, or None. ``pixels`` is the HxWx3 float32 form in 0..1 (grey repeated), made on
    first use and kept. ``exif`` starts with ``b"Exif\\0\\0"`` and has orientation 1; ``icc`` is
    an RGB profile or None; ``bit_depth`` (8 or 16) is what 16-bit-capable outputs (PNG, TIFF)
    are written with; ``format`` is the source format's name in ``formats.FORMATS`` (Pillow's name, or
    "RAW" for a camera RAW, developed to 16-bit sRGB with ``icc`` None); ``notes`` are
    sentences about conversions and losses; ``xmp`` is the XMP packet (ratings, keywords, edit
    notes), orientation reset to 1, or None.
    """

    data: np.ndarray
    alpha: np.ndarray | None = None
    exif: bytes | None = None
    icc: bytes | None = None
    bit_depth: int = 8
    format: str = "PNG"
    source: Path | None = None
    notes: list[str] = field(default_factory=list)
    xmp: bytes | None = None
    _pixels: np.ndarray | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.data.ndim == 2:
            self.data = self.data[:, :, None]
        if self.data.ndim != 3 or self.data.shape[2] not in (1, 3):
            raise ValueError(f"Photo data must be HxWx3 or HxWx1, got {self.data.shape}")

    @property
    def pixels(self) -> np.ndarray:
        """HxWx3 float32 RGB in 0..1: a full-size float copy (12 bytes per pixel), made on first
        use and kept; the data itself when it already is that. For display and measurements; the
        batch works on ``data``."""
        if self._pixels is None:
            d = self.data
            if d.dtype == np.float32 and d.shape[2] == 3 and d.flags.c_contiguous:
                self._pixels = d
            else:
                self._pixels = _float_rgb(d)
        return self._pixels

    @property
    def grey(self) -> bool:
        """True for a greyscale photo (one channel), which is written back as greyscale."""
        return self.data.shape[2] == 1

    def float_alpha(self) -> np.ndarray | None:
        """``alpha`` as float32 in 0..1, or None."""
        if self.alpha is None:
            return None
        return np.divide(self.alpha, np.float32(_scale(self.alpha.dtype)), dtype=np.float32)

    def with_data(self, data: np.ndarray) -> Photo:
        """The same photo (metadata, alpha, notes: the same list) with other pixels, e.g. the
        enhanced result; the original pixels can then be freed."""
        return Photo(data, self.alpha, self.exif, self.icc, self.bit_depth, self.format,
                     self.source, self.notes, self.xmp)

    @property
    def width(self) -> int:
        return int(self.data.shape[1])

    @property
    def height(self) -> int:
        return int(self.data.shape[0])

    @property
    def megapixels(self) -> float:
        return self.width * self.height / 1e6


# -- reading ------------------------------------------------------------------------------------


def read_photo(
    path: str | os.PathLike[str], max_pixels: int = MAX_PIXELS, *, half_size: bool = False
) -> Photo:
    """Decode ``path`` into a :class:`Photo`; every known failure is a :class:`LowlightError`.

    ``max_pixels`` can lower the size limit (e.g. for previews); raising it above ``MAX_PIXELS``
    also needs ``PIL.Image.MAX_IMAGE_PIXELS`` raised. A camera RAW (told by its suffix) is
    developed by ``core/raw.py``; ``half_size=True`` develops it at half width and height without
    demosaicing, several times faster (the preview's first pass). Other photos ignore it.
    """
    path = Path(path)
    if formats.is_raw_name(path):
        return _read_raw(path, max_pixels, half_size)

    def fail(reason: str) -> LowlightError:
        return LowlightError(f"cannot read '{path.name}': {reason}")

    try:
        size = path.stat().st_size
    except OSError as exc:
        raise fail(_os_reason(exc, reading=True)) from exc
    if path.is_dir():
        raise fail("it is a folder, not a file")
    if size == 0:
        raise fail("the file is empty")

    try:
        with open(path, "rb") as fp:
            return _read(fp, path, max_pixels, fail)
    except _CameraRawContent as found:  # a RAW under another name: LibRaw's, never Pillow's
        return _read_raw(path, max_pixels, half_size, found.preview)
    except LowlightError:
        raise
    except MemoryError as exc:
        raise fail("there is not enough memory to open it") from exc
    except OSError as exc:
        if exc.errno is not None:  # a real I/O error (permission, disk), not a decoder complaint
            raise fail(_os_reason(exc, reading=True)) from exc
        raise fail("the file is truncated or damaged") from exc
    except (SyntaxError, ValueError, EOFError, struct.error, zlib.error, IndexError) as exc:
        raise fail("the file is truncated or damaged") from exc


def _read_raw(path: Path, max_pixels: int, half_size: bool, preview: bool = False) -> Photo:
    """A developed camera RAW: uint16 sRGB as LibRaw gives it (no float copy), upright, its
    camera metadata as EXIF. The RAW file is only read. ``preview``: Pillow saw only the RAW's
    embedded preview, which is never used in its place when LibRaw fails."""
    from .raw import decode_raw  # rawpy is loaded with the first RAW, not with the app

    try:
        raw = decode_raw(path, half_size=half_size, max_pixels=min(max_pixels, RAW_MAX_PIXELS))
    except LowlightError as exc:
        if not preview:
            raise
        raise LowlightError(f"{exc} (it is a camera RAW file; the small preview inside it is "
                            "not the photo and is not enhanced in its place)") from exc
    return Photo(raw.pixels, None, raw.exif, None, 16, formats.RAW.name, path, raw.notes)


class _CameraRawContent(Exception):
    """The file is a camera RAW whatever its name says; ``preview``: Pillow sees its preview."""

    def __init__(self, preview: bool) -> None:
        super().__init__()
        self.preview = preview


_NEW_SUBFILE_TYPE, _DNG_VERSION = 254, 50706


def _is_raw_tiff(im: Image.Image) -> bool:
    """A TIFF-based camera RAW (DNG, Kodak KDC/DCR, ...) opened by Pillow: a DNG version tag,
    or a first image marked as a reduced-resolution copy of another (the camera's preview)."""
    tags = getattr(im, "tag_v2", {})
    subfile = tags.get(_NEW_SUBFILE_TYPE, 0)
    return _DNG_VERSION in tags or (isinstance(subfile, int) and bool(subfile & 1))


def _libraw_opens(path: Path) -> bool:
    """True if LibRaw recognises ``path`` as a camera RAW (a file Pillow does not know)."""
    try:
        import rawpy

        with rawpy.imread(os.fspath(path)):
            return True
    except Exception:  # noqa: BLE001 - whatever LibRaw says, it is not a RAW it reads
        return False


def _read(
    fp: BinaryIO, path: Path, max_pixels: int, fail: Callable[[str], LowlightError]
) -> Photo:
    """Pillow's (and libvips') reading, its warnings turned into notes (``read_checks``): they
    are captured while the header and the metadata are read, not while pixels are decoded (the
    capture is one thread at a time)."""
    caught: list[str] = []
    photo = _read_image(fp, path, max_pixels, fail, caught)
    for note in warning_notes(caught, path.name):
        _note(photo, note)
    return photo


def _open_image(fp: BinaryIO, path: Path, fail: Callable[[str], LowlightError]) -> Image.Image:
    """``Image.open``, its refusals in words; a PNG with a bad ancillary chunk raises
    ``_RepairedPng`` and a camera RAW ``_CameraRawContent``."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return Image.open(fp)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise fail(f"the image is too large (the limit is {MAX_PIXELS:,} pixels, "
                   "set by this computer's memory)") from exc
    except UnidentifiedImageError as exc:
        heif = formats.for_suffix(path) is formats.by_name("HEIF")
        if heif and not _HEIF_OK:  # pragma: no cover
            raise fail("HEIC support (pillow-heif) is not installed") from exc
        if _libraw_opens(path):
            raise _CameraRawContent(preview=False) from exc
        repaired = png_without_bad_chunks(fp)
        if repaired is not None:
            raise _RepairedPng(*repaired) from exc
        fp.seek(0)
        if known_image_signature(fp.read(16)):  # a PNG, JPEG, TIFF... Pillow cannot parse
            raise fail("the file is truncated or damaged") from exc
        raise fail("it is not an image, or not one in a format Lowlight can read") from exc
    except OSError as exc:
        text = str(exc)
        if exc.errno is None and text.startswith("Unsupported BMP"):  # bitfields, compression 6
            detail = re.sub(r"\((\w+)\)", r"\1", text.removeprefix("Unsupported BMP ").strip())
            raise fail(f"it is a BMP variant Lowlight cannot read ({detail})") from exc
        raise


class _RepairedPng(Exception):
    """A PNG that Pillow refused for a bad ancillary chunk: its bytes without it, and notes."""

    def __init__(self, data: bytes, notes: list[str]) -> None:
        super().__init__()
        self.data, self.notes = data, notes


def _read_image(
    fp: BinaryIO,
    path: Path,
    max_pixels: int,
    fail: Callable[[str], LowlightError],
    caught: list[str],
) -> Photo:
    try:
        with captured_warnings() as warned:
            im = _open_image(fp, path, fail)
    except _RepairedPng as repaired:
        caught += warned
        photo = _read_image(io.BytesIO(repaired.data), path, max_pixels, fail, caught)
        photo.notes[:0] = repaired.notes
        return photo
    caught += warned
    with im:
        with captured_warnings() as warned:
            fmt, notes, sixteen = _header(im, fp, max_pixels, fail)
        caught += warned
        try:
            array = _decode_vips(fp) if sixteen else None
        except ValueError:  # libvips cannot (planar tiled 16-bit TIFF...): Pillow may
            array = None
        if sixteen and array is None:
            notes.append("its 16-bit pixels were read with 8-bit precision")
        if array is None:
            im.load()  # raises on truncated data (LOAD_TRUNCATED_IMAGES is False)
        with captured_warnings() as warned:
            if array is None:
                array, mode_notes, icc_ok = _pillow_array(im, fail)
                notes += mode_notes
            else:
                icc_ok = True
            notes += _lost_channels(im, array)
            exif_obj = im.getexif()  # after load: PNG may keep eXIf after the pixel data
            orientation = exif_obj.get(_ORIENTATION, 1)
            if not isinstance(orientation, int) or not 1 <= orientation <= 8:
                orientation = 1
            exif = _exif_bytes(exif_obj, fmt, notes)
            icc = im.info.get("icc_profile") or None
            xmp = _xmp_bytes(im)
        caught += warned

    if icc is not None and icc_problem(icc):
        notes.append("its colour profile is damaged and was left out")
        icc = None
    elif icc is not None and (not icc_ok or icc[16:20] != b"RGB "):
        notes.append("its colour profile does not describe RGB pixels and was left out")
        icc = None
    bit_depth = 8 if array.dtype == np.uint8 else 16
    data, alpha = _split_alpha(_orient(array, orientation))  # views: no copy
    del array
    return Photo(data, alpha, exif, icc, bit_depth, fmt, path, notes, xmp)


def _header(
    im: Image.Image, fp: BinaryIO, max_pixels: int, fail: Callable[[str], LowlightError]
) -> tuple[str, list[str], bool]:
    """What the header says, before any pixel is decoded: the format's name, notes, 16 bits."""
    if im.format == "TIFF" and _is_raw_tiff(im):
        raise _CameraRawContent(preview=True)
    found = formats.by_name(im.format or "")
    if found is None or not found.read or found is formats.RAW:
        raise fail(f"{im.format or 'this'} images are not supported (use {formats.read_names()})")
    w, h = im.size
    if w * h > max_pixels:  # checked on the header, before a single pixel is decoded
        raise fail(f"the image is {w} x {h} pixels, more than the limit of {max_pixels:,} pixels"
                   + (", set by this computer's memory" if max_pixels == MAX_PIXELS else ""))
    notes: list[str] = []
    frames = _frames(im, notes)
    if frames > 1 and im.format != "MPO":  # MPO's extra frame is the camera's own preview
        notes.append(f"only the first of its {frames} images was read")
    return found.name, notes, _sixteen_bit(im, fp, found.name)


def _frames(im: Image.Image, notes: list[str]) -> int:
    """How many images the file holds; 1 with a note when a later one is damaged (Pillow's
    TIFF raises ``TypeError: Missing dimensions`` while counting)."""
    errors = (TypeError, ValueError, OSError, EOFError, SyntaxError, struct.error, KeyError)
    try:
        return int(getattr(im, "n_frames", 1))
    except errors:
        try:
            im.seek(0)  # counting stopped on a damaged image: back to the first, which opened
        except errors as exc:
            raise ValueError("the first image cannot be read again") from exc  # "damaged"
        notes.append("it holds more images, which are damaged; only the first was read")
        return 1


def _lost_channels(im: Image.Image, array: np.ndarray) -> list[str]:
    """A note when a TIFF holds more channels than were read (Pillow keeps at most four)."""
    samples = getattr(im, "tag_v2", {}).get(277, 0) if im.format == "TIFF" else 0
    read = 1 if array.ndim == 2 else array.shape[2]
    if isinstance(samples, int) and samples > read and not im.mode.startswith(("P", "CMYK")):
        lost, kept = samples - read, "RGB and alpha" if read >= 3 else "grey and alpha"
        verb = "was" if lost == 1 else "were"
        return [f"{lost} of its {samples} channels {verb} left out (Lowlight reads at most {kept})"]
    return []


def _sixteen_bit(im: Image.Image, fp: BinaryIO, fmt: str) -> bool:
    """True for 16-bit PNG/TIFF, which Pillow would reduce to 8 bits (grey aside)."""
    if fmt == "PNG":
        fp.seek(24)  # PNG signature (8) + chunk length (4) + "IHDR" (4) + width, height (8)
        return fp.read(1) == b"\x10"
    if fmt == "TIFF":
        tags = getattr(im, "tag_v2", {})
        bits = tags.get(258, (8,))
        bits = bits if isinstance(bits, tuple) else (bits,)
        return max(bits) == 16 and tags.get(339, (1,))[0] in (1, None)
    return False


def _vips() -> Any:
    """pyvips, imported with the first 16-bit file or write (it loads libvips)."""
    import pyvips

    return pyvips


def preload_codecs() -> None:
    """Load libvips now, while memory is there: loaded lazily by the first write of a batch
    under memory pressure, it failed with "cannot open shared object file". A failure here is
    left to the first write, which says it."""
    try:
        _vips()
    except (ImportError, OSError):
        pass


@contextlib.contextmanager
def fewer_codec_threads() -> Iterator[None]:
    """libvips with one worker thread for a while: the second try of a photo that ran out of
    memory (each thread has its own buffers, and glib may fail to start one: "Error creating
    thread")."""
    pyvips = _vips()
    before = pyvips.concurrency_get()
    pyvips.concurrency_set(1)
    try:
        yield
    finally:
        pyvips.concurrency_set(before)


def _decode_vips(fp: BinaryIO) -> np.ndarray | None:
    """Decode a 16-bit PNG/TIFF with libvips: uint16 grey, grey+alpha, RGB or RGBA (HxWxC), or
    None if it is not 16 bits after all. Rows are streamed into one array a band at a time, so
    the pixels are held once. Read from the open file through Python (no path or descriptor
    handed to libvips: any name works, and Windows' C runtimes never share a descriptor)."""
    pyvips = _vips()
    fp.seek(0)
    try:
        source = pyvips.SourceCustom()
        source.on_read(fp.read)
        source.on_seek(fp.seek)
        im = pyvips.Image.new_from_source(source, "", access="sequential", fail=True)
        if im.format != "ushort" or im.bands not in (1, 2, 3, 4):
            return None
        w, h, bands = im.width, im.height, im.bands
        out = np.empty((h, w, bands), np.uint16)
        region = pyvips.Region.new(im)
        step = max(1, (1 << 22) // w)  # about 4 MP of rows at a time
        for y in range(0, h, step):
            n = min(step, h - y)
            out[y:y + n] = np.frombuffer(region.fetch(0, y, w, n), np.uint16).reshape(n, w, bands)
    except pyvips.Error as exc:  # libvips says what, not which errno: a damaged file
        raise ValueError(str(exc).strip()) from exc
    return out


def _pillow_array(
    im: Image.Image, fail: Callable[[str], LowlightError]
) -> tuple[np.ndarray, list[str], bool]:
    """Pixels of a loaded Pillow image as uint8/uint16 L, LA, RGB or RGBA; notes; ICC usable."""
    notes: list[str] = []
    icc_ok = True
    mode = im.mode
    if mode == "CMYK":
        im, used_profile = _cmyk_to_rgb(im)
        notes.append("converted from CMYK to RGB" + ("" if used_profile else
                     " without a colour profile; colours may differ slightly"))
        icc_ok = False
    elif mode in ("P", "PA"):
        im = im.convert("RGBA" if mode == "PA" or im.has_transparency_data else "RGB")
    elif mode in ("1",):
        im = im.convert("L")
    elif mode == "La":
        im = im.convert("LA")
    elif mode in ("RGBa",):
        im = im.convert("RGBA")
    elif mode in ("I", "F"):
        array = np.asarray(im)
        scale = 1.0 if mode == "I" else 65535.0  # "I" holds 16-bit grey values; "F" holds 0..1
        scaled = array * scale
        if array.size and not (0 <= float(np.nanmin(scaled)) and float(np.nanmax(scaled)) <= 65535):
            top = "0 to 65535" if mode == "I" else "0 to 1"
            notes.append(f"its values outside {top} were clipped to the 16-bit range")
        return np.clip(np.nan_to_num(scaled), 0, 65535).round().astype(np.uint16), notes, icc_ok
    elif mode.startswith("I;16"):
        return _to_numpy(im).astype(np.uint16, copy=False), notes, icc_ok  # native byte order
    elif mode not in ("L", "LA", "RGB", "RGBA"):
        try:
            im = im.convert("RGB")
        except ValueError as exc:
            raise fail(f"its colour mode {mode} is not supported") from exc
        notes.append(f"converted from {mode} to RGB")
    return _to_numpy(im), notes, icc_ok


def _to_numpy(im: Image.Image) -> np.ndarray:
    """A loaded Pillow image as a new, writable numpy array, copied a strip of rows at a time.

    ``np.asarray(im)`` goes through ``im.tobytes()``, which holds the pixels twice more while it
    joins its chunks (about 10 bytes per pixel at the peak for RGB, instead of 7 here), and its
    array is read-only, so the batch could not enhance it in place.
    """
    w, h = im.size
    step = max(1, (1 << 22) // max(1, w))  # about 4 MP per strip
    first = np.asarray(im.crop((0, 0, w, min(step, h))))
    out = np.empty((h, *first.shape[1:]), first.dtype)
    out[: first.shape[0]] = first
    for y in range(first.shape[0], h, step):
        out[y:y + step] = np.asarray(im.crop((0, y, w, min(y + step, h))))
    return out


def _cmyk_to_rgb(im: Image.Image) -> tuple[Image.Image, bool]:
    """CMYK -> RGB through the embedded profile when there is one (Pillow's own is naive)."""
    icc = im.info.get("icc_profile")
    if icc:
        try:
            src = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            dst = ImageCms.createProfile("sRGB")
            converted = ImageCms.profileToProfile(im, src, dst, outputMode="RGB")
            if converted is not None:  # None only with inPlace=True
                return converted, True
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass
    return im.convert("RGB"), False


def _orient(a: np.ndarray, orientation: int) -> np.ndarray:
    """Apply an EXIF orientation as numpy views (the same transposes as ImageOps.exif_transpose)."""
    if orientation == 2:
        return a[:, ::-1]
    if orientation == 3:
        return a[::-1, ::-1]
    if orientation == 4:
        return a[::-1]
    if orientation == 5:
        return a.swapaxes(0, 1)
    if orientation == 6:
        return np.rot90(a, -1)
    if orientation == 7:
        return np.rot90(a, 2).swapaxes(0, 1)
    if orientation == 8:
        return np.rot90(a, 1)
    return a


def _split_alpha(a: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """uint8/uint16 L/LA/RGB/RGBA -> (HxWx1 or HxWx3 colour, HxW alpha or None), as views."""
    if a.ndim == 2:
        return a[:, :, None], None
    channels = a.shape[2]
    if channels in (1, 3):
        return a, None
    colour = a[:, :, :1] if channels == 2 else a[:, :, :3]
    return colour, a[:, :, channels - 1]


def _scale(dtype: np.dtype) -> float:
    """What a stored value is divided by to get 0..1 (255, 65535, or 1 for floats)."""
    dtype = np.dtype(dtype)
    return float(np.iinfo(dtype).max) if dtype.kind in "ui" else 1.0


def _float_rgb(d: np.ndarray) -> np.ndarray:
    """HxWx3 / HxWx1 pixels of any stored type -> a new contiguous HxWx3 float32 in 0..1."""
    out = np.empty((*d.shape[:2], 3), np.float32)
    np.divide(d, np.float32(_scale(d.dtype)), out=out)  # grey broadcasts to 3 channels
    return out


def _exif_bytes(exif_obj: Image.Exif, fmt: str, notes: list[str] | None = None) -> bytes | None:
    """The source's EXIF as ``Exif\\0\\0`` + TIFF bytes with orientation 1, or None.

    Pillow re-serialises it: IFD0 with the EXIF and GPS sub-IFDs (maker notes included); the
    EXIF thumbnail (IFD1) is dropped. A TIFF's own IFD0 keeps only its descriptive tags."""
    if not len(exif_obj):
        return None
    try:
        exif = exif_obj
        if fmt == "TIFF":  # pixel-layout tags (StripOffsets & co.) would be nonsense elsewhere
            exif = Image.Exif()
            for tag in exif_obj:
                if tag in _DESCRIPTIVE_IFD0 and tag not in (_EXIF_IFD, _GPS_IFD):
                    exif[tag] = exif_obj[tag]
            for sub in (_EXIF_IFD, _GPS_IFD):
                ifd = dict(exif_obj.get_ifd(sub))
                ifd.pop(_INTEROP_IFD, None)
                if ifd:
                    exif[sub] = ifd
        if _ORIENTATION in exif:
            exif[_ORIENTATION] = 1
        return exif.tobytes() if len(exif) else None
    except _EXIF_ERRORS:  # damaged EXIF: losing it is better than failing the photo
        if notes is not None:
            notes.append("its EXIF data is damaged and was left out")
        return None


# XMP's orientation, as an attribute or an element (the forms ImageOps.exif_transpose handles).
_XMP_ORIENTATION = re.compile(rb'(tiff:Orientation=")[0-9](")|(<tiff:Orientation>)[0-9](<)')


def _xmp_bytes(im: Image.Image) -> bytes | None:
    """The XMP packet (JPEG APP1, PNG iTXt, WebP, TIFF tag 700) with orientation 1, or None."""
    xmp = im.info.get("xmp") or im.info.get("XML:com.adobe.xmp")
    if isinstance(xmp, str):
        xmp = xmp.encode("utf-8")
    if not isinstance(xmp, bytes) or not xmp.strip(b"\0 \r\n\t"):
        return None
    return _XMP_ORIENTATION.sub(lambda m: (m[1] or m[3]) + b"1" + (m[2] or m[4]), xmp)


# -- writing ------------------------------------------------------------------------------------


def output_format(photo_format: str, fmt: str) -> str:
    """Pillow name of the format written for ``fmt`` ("same", "jpg", "png", "tif", "webp", "bmp").

    ``"same"`` keeps the source format when we can write it; a format we only read gets its
    default (``formats.py``: HEIF -> JPEG, RAW -> TIFF).
    """
    return formats.output_format(photo_format, fmt).name


def output_suffix(photo_format: str, fmt: str) -> str:
    """File suffix (".jpg", ".png", ".tif", ".webp", ".bmp") for ``output_format``."""
    return formats.output_format(photo_format, fmt).suffix


def write_photo(
    photo: Photo,
    pixels: np.ndarray,
    path: str | os.PathLike[str],
    fmt: str | None = None,
    quality: int = 95,
    overwrite: bool = True,
    *,
    record: Mapping[str, str] | None = None,
) -> Path:
    """Write ``pixels`` with ``photo``'s alpha, EXIF, ICC and bit depth.

    ``pixels``: HxWx3 or HxWx1 (grey), either float in 0..1 or uint8/uint16 as
    ``enhance.enhance_pixels`` returns them (written without a float copy). A greyscale photo is
    written as greyscale (three channels are averaged). ``fmt`` is "same", "jpg", "png", "tif",
    "webp" or "bmp"; None takes the format from the suffix of ``path``. ``quality`` (1..100) is
    used by JPEG and WebP. The file appears atomically or not at all; the missing folder is
    created. What the chosen format cannot hold (alpha in JPEG/BMP, metadata in BMP, 16 bits in
    JPEG/WebP/BMP) is left out with a note appended to ``photo.notes``. ``overwrite=False``
    never replaces an image that is already at ``path`` (``OutputExists``), even one that
    appears while this one is written; an empty or unreadable file there is replaced. EXIF,
    ICC and XMP are embedded where the format holds them. ``record``: how the output was made
    (``xmp_record.record_for``), added to its XMP beside the photo's own. Returns the path
    written.
    """
    path = Path(path)

    def fail(reason: str) -> LowlightError:
        return LowlightError(f"cannot write '{path.name}': {reason}")

    if fmt is None:
        found = formats.for_suffix(path)
        if found is None:
            raise fail("the format cannot be told from its name "
                       f"(use {formats.write_suffix_list()})")
        if not found.write:
            what = "camera RAW" if found is formats.RAW else found.name
            raise fail(f"Lowlight cannot write {what} files (use {formats.write_suffix_list()})")
        target = found
    else:
        target = formats.output_format(photo.format, fmt)
    name = target.name
    if not 1 <= int(quality) <= 100:
        raise LowlightError(f"the quality must be between 1 and 100, not {quality}")
    if pixels.ndim == 2:
        pixels = pixels[:, :, None]
    if (pixels.ndim != 3 or pixels.shape[2] not in (1, 3)
            or not (pixels.dtype.kind == "f" or pixels.dtype in (np.uint8, np.uint16))):
        raise ValueError(f"pixels must be HxWx3 or HxWx1, float or uint8/uint16, got "
                         f"{pixels.shape} {pixels.dtype}")
    h, w = pixels.shape[:2]
    if photo.source is not None and _same_file(path, photo.source):
        raise fail("it is the original photo; choose another name or folder")
    if os.path.isdir(path):  # False for a name too long: the write below says so
        raise fail("a folder of that name exists")
    side = target.max_side
    if side is not None and max(h, w) > side:
        raise fail(f"{name} images can be at most {side} pixels on a side")

    alpha = photo.alpha
    if alpha is not None and alpha.shape != (h, w):
        raise ValueError(f"alpha {alpha.shape} does not match pixels {pixels.shape}")
    if alpha is not None and not target.alpha:
        _note(photo, f"{name} cannot store transparency: the alpha channel was left out")
        alpha = None
    sixteen = photo.bit_depth == 16
    if sixteen and not target.sixteen_bit:
        _note(photo, f"{name} holds 8 bits per channel: the 16-bit photo was saved with 8 bits")
        sixteen = False
    xmp = xmp_record.with_record(photo.xmp, record) if record else photo.xmp
    meta = Metadata(photo.exif, photo.icc, xmp)
    if not target.metadata and (meta.exif or meta.icc or meta.xmp):
        _note(photo, f"{name} cannot store EXIF data, XMP or a colour profile: they were left out")
        meta = Metadata(None, None, None)
    grey = photo.grey or pixels.shape[2] == 1
    if grey and sixteen and alpha is not None and name == "TIFF":
        grey = False  # Pillow opens no 16-bit grey+alpha TIFF: the grey goes into R, G and B

    array = _prepare(pixels, alpha, grey, np.uint16 if sixteen else np.uint8)
    if name == "BMP":
        write = _pillow_writer(array, name)
    else:
        write = _vips_writer(array, name, meta, int(quality))
    del array  # the writer holds it; dropped as soon as it has been encoded

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        note = _atomic_write(path, write, overwrite)
    except OSError as exc:
        raise fail(_os_reason(exc, path=path)) from exc
    except LowlightError:
        raise
    except Exception as exc:  # an encoder's own complaint (libvips, Pillow)
        if failures.is_out_of_memory(exc):  # MemoryError, libvips' "Error creating thread"
            raise fail("there is not enough memory to encode it") from exc
        if failures.disk_is_full(path.parent):  # whatever words the encoder found for it
            raise fail(f"no space left on '{path.parent}'") from exc
        raise fail(f"the {name} encoder failed ({exc})") from exc
    if note:
        _note(photo, note)
    return path


def copy_original(
    source: str | os.PathLike[str], path: str | os.PathLike[str], overwrite: bool = True
) -> Path:
    """Write the file ``source`` byte for byte to ``path``, as ``write_photo`` writes (atomic,
    never onto the source, ``overwrite=False`` never replaces an image): the output of a photo
    left unchanged is the original, metadata and all, not a re-encoded copy. Returns ``path``."""
    source, path = Path(source), Path(path)

    def fail(reason: str) -> LowlightError:
        return LowlightError(f"cannot write '{path.name}': {reason}")

    if _same_file(path, source):
        raise fail("it is the original photo; choose another name or folder")

    def write(fp: BinaryIO, tmp: Path) -> None:
        with open(source, "rb") as src:
            shutil.copyfileobj(src, fp, _COPY_CHUNK)

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _atomic_write(path, write, overwrite)
    except OSError as exc:
        raise fail(_os_reason(exc, path=path)) from exc
    return path


def _note(photo: Photo, text: str) -> None:
    if text not in photo.notes:
        photo.notes.append(text)


def _prepare(
    pixels: np.ndarray, alpha: np.ndarray | None, grey: bool, dtype: type
) -> np.ndarray:
    """The array an encoder takes: HxW (grey), HxWx2 (grey+alpha), HxWx3/4 (RGB(A)) of ``dtype``.

    Pixels already in the right type and layout are passed as they are; anything else is
    converted in bands of rows, so that no full-size float temporary is made.
    """
    channels_in = pixels.shape[2]
    if alpha is None and pixels.dtype == dtype and (channels_in == 1) == grey:
        return pixels[:, :, 0] if grey else pixels
    h, w = pixels.shape[:2]
    colour = 1 if grey else 3
    out: np.ndarray = np.empty((h, w, colour + (alpha is not None)), dtype)
    step = max(1, (1 << 20) // max(1, w))
    for r in range(0, h, step):
        rows = pixels[r:r + step]
        if grey and channels_in == 3:
            rows = rows.mean(axis=2, keepdims=True, dtype=np.float32)  # still in rows' scale
        elif not grey and channels_in == 1:
            rows = np.broadcast_to(rows, (*rows.shape[:2], 3))
        out[r:r + step, :, :colour] = _convert(rows, _scale(pixels.dtype), dtype)
        if alpha is not None:
            out[r:r + step, :, colour] = _convert(alpha[r:r + step], _scale(alpha.dtype), dtype)
    return out[:, :, 0] if out.shape[2] == 1 else out


def _convert(values: np.ndarray, scale: float, dtype: type) -> np.ndarray:
    """``values`` (0..scale) as ``dtype`` (0..its maximum), rounded; NaN becomes 0."""
    if values.dtype == dtype:
        return values
    maxval = float(np.iinfo(dtype).max)
    t = np.multiply(values, np.float32(maxval / scale), dtype=np.float32)
    np.nan_to_num(t, copy=False)
    np.clip(t, 0, maxval, out=t)
    np.rint(t, out=t)
    return t


Writer = Callable[[BinaryIO, Path], None]  # (open temp file, its path) -> None


@dataclass(frozen=True)
class Metadata:
    """What a written file carries besides pixels (each None when absent)."""

    exif: bytes | None
    icc: bytes | None
    xmp: bytes | None


def _pillow_writer(array: np.ndarray, name: str) -> Writer:
    def write(fp: BinaryIO, tmp: Path) -> None:
        Image.fromarray(array).save(fp, format=name)

    return write


# libvips' interpretation of an array by (channels, 16 bits); alpha is the last band.
_INTERPRETATION = {(1, False): "b-w", (2, False): "b-w", (3, False): "srgb", (4, False): "srgb",
                   (1, True): "grey16", (2, True): "grey16", (3, True): "rgb16", (4, True): "rgb16"}


def _vips_writer(array: np.ndarray, name: str, meta: Metadata, quality: int) -> Writer:
    """Encode with libvips, EXIF (orientation 1), ICC and XMP embedded by libvips itself; a
    TIFF's EXIF is added afterwards (libvips writes none there)."""

    def write(fp: BinaryIO, tmp: Path) -> None:
        pyvips = _vips()
        failures.require_address_space(array.nbytes + failures.ENCODER_BYTES)
        channels = 1 if array.ndim == 2 else array.shape[2]
        im = pyvips.Image.new_from_array(array, interpretation=_INTERPRETATION[
            (channels, array.dtype == np.uint16)])
        im = im.copy()  # its own metadata table
        for field_name, blob in (("exif-data", meta.exif), ("icc-profile-data", meta.icc),
                                 ("xmp-data", meta.xmp)):
            if blob:
                im.set_type(pyvips.GValue.blob_type, field_name, blob)
        im.set_type(pyvips.GValue.gint_type, "orientation", 1)
        _vips_save(im, fp, name, quality)
        if name == "TIFF" and meta.exif:
            _add_tiff_exif(fp, meta.exif)  # in the temp file itself: no second copy on disk

    return write


def _vips_save(im: Any, fp: BinaryIO, name: str, quality: int) -> None:
    """Encode ``im`` into the open file ``fp`` (readable and seekable: TIFF goes back to fill in
    offsets), through a custom target: no second file name or descriptor that the encoder could
    mishandle (non-ASCII names, another C runtime's descriptors on Windows).

    An OSError of the file (a full disk) is kept and raised in place of the encoder's error:
    libvips turns it into words of its own ("Unknown error -1", "Connection timed out")."""
    pyvips = _vips()
    target = pyvips.TargetCustom()
    kept: list[OSError] = []
    target.on_write(_keeping(fp.write, kept, -1))
    target.on_read(_keeping(fp.read, kept, None))
    target.on_seek(_keeping(fp.seek, kept, -1))
    try:
        if name == "JPEG":
            im.jpegsave_target(target, Q=quality)
        elif name == "WEBP":
            im.webpsave_target(target, Q=quality)
        elif name == "PNG":
            im.pngsave_target(target, compression=6)
        elif name == "TIFF":
            im.tiffsave_target(target, compression="lzw", predictor="horizontal")
        else:  # pragma: no cover - the table's write formats are the ones above and BMP
            raise ValueError(f"no libvips encoder for {name}")
    except pyvips.Error:
        if kept:
            raise kept[0] from None
        raise


def _keeping(call: Callable[..., Any], kept: list[OSError], failed: Any) -> Callable[..., Any]:
    """``call`` for a libvips callback: an OSError is kept for ``_vips_save`` and ``failed``
    returned (libvips' "error"), rather than printed by cffi as "Exception ignored"."""

    def guarded(*args: Any) -> Any:
        try:
            return call(*args)
        except OSError as exc:
            kept.append(exc)
            return failed

    return guarded


_COPY_CHUNK = 1 << 20


def _tiff_exif(exif: bytes) -> bytes | None:
    """EXIF cut down to the tags that make sense in a TIFF's own IFD (no thumbnail pointers...)."""
    try:
        src = Image.Exif()
        src.load(exif)
        for tag in list(src):
            if tag not in _DESCRIPTIVE_IFD0:
                del src[tag]
        return src.tobytes() if len(src) else None
    except _EXIF_ERRORS:
        return None


def _add_tiff_exif(fp: BinaryIO, exif: bytes) -> None:
    """Add the EXIF tags to the TIFF libvips wrote into ``fp`` (ICC and XMP in its IFD already)
    in a new first IFD after the header, in place: the rest of the file moves on by the IFD's
    length, a chunk at a time from the end, so the disk holds one copy (a scratch copy needed
    twice the output's size free).

    Pillow serialises the IFD (including the EXIF and GPS sub-IFDs); the pixel strips' offsets
    are shifted to match. Tiled TIFFs are left as they are.
    """
    from PIL import TiffImagePlugin, TiffTags

    fp.seek(0)
    header = fp.read(8)
    fp.seek(0)
    with Image.open(fp) as im:  # reads the IFD only
        if not isinstance(im, TiffImagePlugin.TiffImageFile):
            raise TypeError(f"the encoder wrote {im.format}, not TIFF")
        tags = im.tag_v2
        clean = _tiff_exif(exif)
        if 273 not in tags or 324 in tags or not clean:  # no strips, tiles, or nothing to add
            return
        ifd = TiffImagePlugin.ImageFileDirectory_v2(ifh=header)
        for tag, value in tags.items():
            ifd[tag] = value
            ifd.tagtype[tag] = tags.tagtype[tag]
        strips = tuple(tags[273])
    ex = Image.Exif()
    ex.load(clean)
    for tag in ex:
        if tag in (_EXIF_IFD, _GPS_IFD):
            sub = dict(ex.get_ifd(tag))
            sub.pop(_INTEROP_IFD, None)
            if sub:
                ifd[tag] = sub
        else:
            ifd[tag] = ex[tag]
    # Pillow stores StripOffsets relative to the end of the IFD it writes (it expects the pixels
    # to follow); the strips do follow it here, moved from ``s`` to ``s - 8 + len(block) + 8``.
    ifd[273] = tuple(s - 8 for s in strips)
    ifd.tagtype[273] = TiffTags.LONG
    block = ifd.tobytes(8)
    end = fp.seek(0, os.SEEK_END)
    at = end
    while at > 8:  # from the end backwards, so no byte is overwritten before it is moved
        n = min(_COPY_CHUNK, at - 8)
        at -= n
        fp.seek(at)
        chunk = fp.read(n)
        fp.seek(at + len(block))
        fp.write(chunk)
    e = "<" if header[:2] == b"II" else ">"
    fp.seek(0)
    fp.write(header[:4] + struct.pack(e + "I", 8) + block)


#: How a temp file of ``_atomic_write`` is named: ``.~ll`` + 8 random hex digits + ``.tmp``
#: (+ ``.png``/``.tif`` for an encoder's scratch file): 16 characters whatever the output's name,
#: so that a temp file's path is never the one too long for Windows' MAX_PATH.
TEMP_PREFIX = ".~ll"
TEMP_NAME = re.compile(r"^\.~ll[0-9a-f]{8}\.tmp(?:\.png|\.tif)?$")
#: Before issue 32: ``.`` + the target's name (cut to 80 characters) + ``.`` + 8 hex + ``.tmp``;
#: still cleaned up for the outputs of a batch.
LEGACY_TEMP_NAME = re.compile(r"^\.(?P<name>.+)\.[0-9a-f]{8}\.tmp(?:\.png|\.tif)?$")
#: Where locks cannot be checked, a temp file untouched for this long belongs to a run that was
#: killed (elsewhere a live writer's lock says so, and an unlocked one is removed at once).
STALE_TEMP_SECONDS = 300.0
# link() errors that mean "no hard links here" (FAT, exFAT, some network shares): fall back.
_NO_LINK = {errno.EPERM, errno.EOPNOTSUPP, errno.ENOSYS, errno.EXDEV, errno.EMLINK, errno.EINVAL,
            getattr(errno, "ENOTSUP", errno.EOPNOTSUPP), errno.EACCES}


def _temp_key(name: str) -> str:
    return name[:80]


def _temp_path(folder: Path) -> Path:
    return folder / f"{TEMP_PREFIX}{secrets.token_hex(4)}.tmp"


def can_create_in(folder: str | os.PathLike[str]) -> OSError | None:
    """Whether a file can be created in ``folder``, found by creating (and removing) a temp
    file there: ``os.access`` says yes to any folder on Windows. None if it can, else the
    error (``failures.os_reason`` says it)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    probe = _temp_path(Path(folder))
    try:
        os.close(os.open(probe, flags, 0o666))
    except OSError as exc:
        return exc
    with contextlib.suppress(OSError):
        os.unlink(probe)
    return None


def _atomic_write(path: Path, write: Writer, overwrite: bool = True) -> str | None:
    """Write through a hidden temp file in the target folder; remove it on any failure.
    Returns a note when publishing had to fall back (``_publish``)."""
    flags = os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)  # TIFF reads back
    for _ in range(10):
        tmp = _temp_path(path.parent)
        try:
            fd = os.open(tmp, flags, 0o666)  # 0o666 & ~umask, like any new file
        except FileExistsError:
            continue
        if _claim(fd):
            break
        os.close(fd)  # another run's remove_stale_temps took it between open and lock
    else:  # pragma: no cover - ten random names taken
        raise FileExistsError(errno.EEXIST, "cannot create a temporary file", str(path.parent))
    try:
        with os.fdopen(fd, "w+b") as fp:  # readable too: a TIFF encoder reads back
            write(fp, tmp)
            fp.flush()
            os.fsync(fp.fileno())
        note = _publish(tmp, path, overwrite)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    if os.name == "posix":  # make the rename itself durable; best effort
        with contextlib.suppress(OSError):
            dfd = os.open(path.parent, os.O_RDONLY)
            try:
                os.fsync(dfd)
            finally:
                os.close(dfd)
    return note


#: Said (in ``Photo.notes``) when an output is published on a disk without hard links.
NO_LINK_NOTE = ("this disk has no hard links (FAT, exFAT or a network share): the output was "
                "published by an exclusive create and a rename instead")


def _claim(fd: int) -> bool:
    """Lock a new temp file: "being written" to ``remove_stale_temps``, dropped on close (also
    by a kill). False if a cleaner got to it first (it holds the lock, or removed the file)."""
    locked = try_lock(fd)
    if locked is None:
        return True  # no locks on this disk: the cleaners' age rule protects it
    return locked and os.fstat(fd).st_nlink > 0


def _publish(tmp: Path, path: Path, overwrite: bool) -> str | None:
    """Move the finished temp file to ``path``. Without ``overwrite`` a hard link publishes it,
    which fails when ``path`` exists, so a file another run wrote meanwhile is never replaced.

    Where the disk has no hard links, ``path`` is first created empty with O_EXCL (which fails
    as the link would if another run's file is there), then the temp file is renamed over that
    placeholder; a note says so. The one gap: another run that finds the placeholder in the
    instant between the two steps takes it for a broken file and may replace it, and then its
    result is replaced by this one (the same photo, computed twice)."""
    if overwrite:
        _replace(tmp, path)
        return None
    try:
        os.link(tmp, path)
    except FileExistsError:
        _replace_unless_image(tmp, path)
        return None
    except OSError as exc:
        if exc.errno not in _NO_LINK:
            raise
        return _publish_without_link(tmp, path)
    os.unlink(tmp)
    return None


def _publish_without_link(tmp: Path, path: Path) -> str:
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)))
    except FileExistsError:
        _replace_unless_image(tmp, path)
        return NO_LINK_NOTE
    try:
        _replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(path)  # our own empty placeholder
        raise
    return NO_LINK_NOTE


def _replace_unless_image(tmp: Path, path: Path) -> None:
    if is_complete_image(path):
        raise OutputExists(f"cannot write '{path.name}': it was written meanwhile, probably by "
                           "another run; it was left as it is")
    _replace(tmp, path)  # an empty or broken file is not a result: replace it


#: Pauses between tries of a rename onto a file another program holds (about 1 s in all).
REPLACE_PAUSES = (0.05, 0.1, 0.2, 0.25, 0.4)


def _replace(tmp: Path, path: Path) -> None:
    """``os.replace``, tried again for about a second while another program holds ``path``
    (Windows refuses with a sharing violation while a viewer or a virus scanner has it open);
    then the PermissionError, which ``failures.os_reason`` words as "open in another program"."""
    for pause in (*REPLACE_PAUSES, None):
        try:
            os.replace(tmp, path)
            return
        except PermissionError as exc:
            if pause is None or not failures.is_locked(exc):
                raise
        time.sleep(pause)


def is_complete_image(path: str | os.PathLike[str]) -> bool:
    """True if ``path`` is a non-empty image that decodes to the end (JPEG at 1/8 scale, PNG by
    its checksums): what an earlier run's output must be to count as done."""
    path = Path(path)
    try:
        if not path.is_file() or path.stat().st_size == 0:
            return False
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as im:
                if im.format == "PNG":
                    im.verify()  # reads every chunk and checks its CRC, decodes nothing
                    return True
                if im.format in ("JPEG", "MPO"):
                    im.draft(im.mode, (max(1, im.width // 8), max(1, im.height // 8)))
                im.load()
        return True
    except Exception:  # noqa: BLE001 - whatever a decoder raises, the file is not usable
        return False


def remove_stale_temps(
    folder: str | os.PathLike[str],
    names: Iterable[str],
    older_than: float = STALE_TEMP_SECONDS,
) -> list[Path]:
    """Remove this app's temp files in ``folder`` that a killed run left (``TEMP_NAME``; in the
    older naming, those of the outputs ``names``). Where locks work, a temp file no live writer
    holds locked (an encoder's scratch file: whose temp file none holds) is removed at once;
    where they cannot be checked (no flock, or a disk without locks) only one older than
    ``older_than`` seconds. Another program's files never match the names. Returns them."""
    keys = {_temp_key(n) for n in names}
    removed: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    now = time.time()
    for entry in entries:
        if TEMP_NAME.match(entry.name) is None:
            legacy = LEGACY_TEMP_NAME.match(entry.name)
            if legacy is None or legacy["name"] not in keys:
                continue
        path = Path(entry.path)
        # an encoder's scratch file (".tmp.png", ".tmp.tif") belongs to the temp file before it
        owner = path if entry.name.endswith(".tmp") else path.with_name(entry.name[:-4])
        try:
            st = entry.stat(follow_symlinks=False)
            if stat.S_ISREG(st.st_mode) and _remove_if_stale(path, owner, now - st.st_mtime,
                                                             older_than):
                removed.append(path)
        except OSError:
            continue
    return removed


def _remove_if_stale(path: Path, owner: Path, age: float, older_than: float) -> bool:
    """Remove ``path`` unless the writer of the temp file ``owner`` (``path`` itself, or the
    temp file a scratch file belongs to) holds its lock; by age where locks cannot tell."""
    try:
        fd = os.open(owner, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:  # a scratch file whose temp file is gone: its run has ended
        os.unlink(path)
        return True
    try:
        locked = try_lock(fd)
        if locked is False:
            return False  # a live run is writing it
        if locked is None and age < older_than:
            return False  # no locks on this disk: its age alone decides
        if os.name == "nt":  # pragma: no cover - Windows removes no file that is open
            os.close(fd)
            fd = -1
        os.unlink(path)  # under the lock: a writer that opened it meanwhile sees it gone
        return True
    finally:
        if fd >= 0:
            os.close(fd)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.normcase(os.path.abspath(a)) == os.path.normcase(os.path.abspath(b))


def _os_reason(exc: OSError, reading: bool = False, path: Path | None = None) -> str:
    """An OSError as the end of a sentence: "no space left on '/media/card'"."""
    return failures.os_reason(exc, reading=reading, path=path)
