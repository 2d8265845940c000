"""Camera RAW files (every suffix LibRaw reads: ``formats.RAW_SUFFIXES``): developing them.

How a RAW is developed, and why
-------------------------------
A RAW file holds what the sensor measured: one colour per pixel (a Bayer or X-Trans mosaic),
linear in light, usually 12 or 14 bits, with the camera's white balance and orientation stored
beside it. Lowlight's model was trained on ordinary sRGB photos, so a RAW is first developed the
way a camera develops its own JPEG, with LibRaw (through rawpy), and only then enhanced:

* **White balance**: the camera's as-shot white balance; when the file has none, a grey-world
  automatic white balance (and a note says so).
* **Demosaic**: AHD at full size, a good, widely used interpolation at a moderate cost.
  ``half_size=True`` skips the interpolation altogether (each 2x2 block becomes one pixel): a
  quarter of the pixels, several times faster, meant for previews.
* **Colour**: the camera's colour matrix into sRGB primaries, 16 bits per channel.
* **Tone**: the sRGB transfer curve and nothing else: no auto-brightening, no contrast curve.
  Sensor saturation of the least amplified channel (usually green) becomes white, as in a
  camera JPEG. The model and the brightness estimate then see the shot as dark as it was taken,
  which is what they are made for: a RAW exposed for the highlights is not brightened twice
  (LibRaw's auto-brightening would stretch the histogram and hide the exposure). One LibRaw
  default is kept: when the brightest raw value is above 3/4 of the declared white level, it is
  taken as the white level (many cameras saturate below what they declare, and their blown
  highlights would turn pink); such a shot comes out up to 1/3 brighter, a shot without
  near-clipped highlights is not affected.
* **Highlights**: LibRaw's "blend" mode. Clipping each channel separately after white balance
  turns half-blown areas (lamps, bright windows, skies) into false yellow, cyan or magenta;
  blending mixes the clipped channels with the unclipped ones so they fade to white. LibRaw
  scales the image down to make room for that blend, by the ratio of the largest to the smallest
  white-balance multiplier; we scale it back by the same ratio (``bright``), so the exposure is
  the same as with plain clipping everywhere below the clip point.
* **Orientation**: the RAW's orientation is applied by LibRaw, so the pixels are upright.
* **Metadata**: make, model, ISO, exposure time, aperture, focal length, date and lens are read
  from the RAW's own TIFF tags (DNG, CR2, NEF, ARW, PEF, ORF, RW2), Canon CR3's metadata boxes,
  the embedded JPEG preview's EXIF (RAF and others), or LibRaw, in that order, and written into
  a fresh EXIF block for the output. The RAW file itself is only ever read.

Thumbnails come from the preview JPEG (or bitmap) that cameras embed in the RAW: no demosaic,
a few milliseconds. A RAW without a usable preview is developed at half size instead.

Everything that goes wrong raises :class:`~lowlight_gui.core.errors.LowlightError` with a sentence
naming the file.
"""

from __future__ import annotations

import io
import math
import numbers
import os
import re
import struct
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction
from pathlib import Path
from typing import BinaryIO

import numpy as np
from PIL import Image, TiffImagePlugin, UnidentifiedImageError

from . import formats
from .errors import LowlightError
from .raw_check import filled_tail, is_cut

try:  # rawpy is a dependency; without it RAW files get a clear message instead of a crash
    import rawpy

    _RAWPY_OK = True
except ImportError:  # pragma: no cover
    rawpy = None  # type: ignore[assignment]
    _RAWPY_OK = False

#: File suffixes (lower case) read as camera RAW (the "RAW" row of ``formats.FORMATS``).
RAW_SUFFIXES: frozenset[str] = frozenset(formats.RAW.suffixes)

# rawpy >= 0.27 reports the white-balance multipliers LibRaw applied (``auto_whitebalance``).
_HAS_USED_WB = _RAWPY_OK and hasattr(rawpy.RawPy, "auto_whitebalance")

# LibRaw's gamma parameters for the sRGB curve (power 2.4, toe slope 12.92); its default is BT.709.
_SRGB_GAMMA = (2.4, 12.92)

# EXIF tags carried into the output (IFD0 and the EXIF sub-IFD).
_MAKE, _MODEL, _ORIENTATION, _DATETIME = 0x010F, 0x0110, 0x0112, 0x0132
_EXIF_IFD, _SUB_IFDS = 0x8769, 0x014A
_EXPOSURE, _FNUMBER, _ISO, _DATE_ORIGINAL = 0x829A, 0x829D, 0x8827, 0x9003
_FOCAL, _LENS_MAKE, _LENS_MODEL = 0x920A, 0xA433, 0xA434
_IFD0_TAGS = (_MAKE, _MODEL)
_EXIF_TAGS = (_EXPOSURE, _FNUMBER, _ISO, _DATE_ORIGINAL, _FOCAL, _LENS_MAKE, _LENS_MODEL)
_WANTED = frozenset((*_IFD0_TAGS, *_EXIF_TAGS, _DATETIME, _EXIF_IFD))
_DATE = re.compile(r"\d{4}:\d\d:\d\d \d\d:\d\d:\d\d")


@dataclass(eq=False)
class RawImage:
    """A developed RAW. ``pixels`` is HxWx3 uint16 sRGB (gamma-encoded like a JPEG), upright.

    ``exif`` is a ``b"Exif\\0\\0"`` block with orientation 1 (or None when the RAW has no camera
    metadata we can read); ``camera`` is "Make Model" ("" when unknown); ``notes`` are sentences
    about what was done differently from a normal development.
    """

    pixels: np.ndarray
    exif: bytes | None = None
    notes: list[str] = field(default_factory=list)
    camera: str = ""

    @property
    def width(self) -> int:
        return int(self.pixels.shape[1])

    @property
    def height(self) -> int:
        return int(self.pixels.shape[0])


def is_raw(path: str | os.PathLike[str]) -> bool:
    """True if ``path``'s suffix is a camera RAW suffix (the content is not looked at)."""
    return formats.is_raw_name(path)


# -- decoding -----------------------------------------------------------------------------------


def decode_raw(
    path: str | os.PathLike[str], half_size: bool = False, max_pixels: int | None = None
) -> RawImage:
    """Develop the RAW at ``path`` (see the module docstring); a :class:`LowlightError` on failure.

    ``half_size`` gives half the width and height without demosaicing (fast previews).
    ``max_pixels`` refuses, before decoding, a RAW whose developed image would be larger.
    """
    path = Path(path)
    with _opened(path) as raw:
        if max_pixels is not None:
            w, h = raw.sizes.width, raw.sizes.height
            if half_size:
                w, h = (w + 1) // 2, (h + 1) // 2
            if w * h > max_pixels:
                raise _fail(path, f"the image is {w} x {h} pixels, more than the limit of "
                                  f"{max_pixels:,} pixels")
        notes: list[str] = []
        pixels = _develop(raw, half_size, 16, notes)
        tags = _metadata(path, raw)
    exif, camera = _exif_block(tags)
    return RawImage(pixels, exif, notes, camera)


def raw_thumbnail(path: str | os.PathLike[str], max_side: int) -> np.ndarray:
    """An upright uint8 HxWx3 thumbnail no larger than ``max_side`` on its long side.

    Taken from the RAW's embedded preview (no demosaic); a RAW without one, or whose preview is
    under half of ``max_side``, is developed at half size instead.
    """
    path = Path(path)
    if max_side < 1:
        raise ValueError("max_side must be at least 1")
    with _opened(path) as raw:
        preview = _embedded_preview(raw, max_side)
        if preview is not None and max(preview.shape[:2]) * 2 >= max_side:
            return _flip(preview, raw.sizes.flip)  # previews are stored in sensor orientation
        image = _develop(raw, True, 8, [])
    return _shrink(image, max_side)


def raw_metadata(path: str | os.PathLike[str]) -> tuple[bytes | None, int, int]:
    """(EXIF block as ``decode_raw`` gives it, developed width, height) without developing: what
    the window's photo info shows."""
    path = Path(path)
    with _opened(path) as raw:
        s = raw.sizes
        w, h, aspect = s.width, s.height, s.pixel_aspect or 1.0
        if aspect > 1:  # LibRaw stretches non-square pixels to square ones
            w = round(w * aspect)
        elif aspect < 1:
            h = round(h / aspect)
        if s.flip in (5, 6):
            w, h = h, w
        exif, _camera = _exif_block(_metadata(path, raw))
    return exif, w, h


@contextmanager
def _opened(path: Path) -> Iterator[rawpy.RawPy]:
    """Open ``path`` with LibRaw; every failure inside the block becomes a LowlightError."""
    if not _RAWPY_OK:  # pragma: no cover
        raise _fail(path, "camera RAW support (rawpy) is not installed")
    try:
        if path.is_dir():
            raise _fail(path, "it is a folder, not a file")
        with open(path, "rb") as fp:  # the OS's reason (missing, permission) before LibRaw's
            if not fp.read(1):
                raise _fail(path, "the file is empty")
            cut = is_cut(fp, os.fstat(fp.fileno()).st_size)
    except OSError as exc:
        raise _fail(path, _os_reason(exc)) from exc
    try:
        with rawpy.imread(os.fspath(path)) as raw:
            if cut:  # refused before LibRaw fills the missing data with grey
                raise _fail(path, _TRUNCATED)
            yield raw
    except LowlightError:
        raise
    except MemoryError as exc:
        raise _fail(path, "there is not enough memory to open it") from exc
    except rawpy.LibRawFileUnsupportedError as exc:
        if cut:  # a RAW cut short: LibRaw no longer finds what it needs to know it
            raise _fail(path, _TRUNCATED) from exc
        raise _fail(path, "it is not a camera RAW file LibRaw can read") from exc
    except (rawpy.LibRawIOError, rawpy.LibRawDataError, rawpy.LibRawBadCropError) as exc:
        # LibRaw reports a file that ends early as an I/O error, bad data as a data error
        raise _fail(path, _TRUNCATED) from exc
    except _Filled as exc:
        raise _fail(path, _TRUNCATED) from exc
    except rawpy.LibRawTooBigError as exc:
        raise _fail(path, "the image is too large for LibRaw") from exc
    except rawpy.LibRawUnsufficientMemoryError as exc:
        raise _fail(path, "there is not enough memory to develop it") from exc
    except rawpy.LibRawError as exc:
        raise _fail(path, f"LibRaw could not develop it ({_libraw_message(exc)})") from exc
    except OSError as exc:  # rawpy turns LibRaw's errno codes into OSError
        raise _fail(path, _os_reason(exc)) from exc


_TRUNCATED = "the RAW file is truncated or damaged"


class _Filled(Exception):
    """LibRaw filled the raw data where the file ended (``raw_check.filled_tail``)."""


def _develop(raw: rawpy.RawPy, half_size: bool, bps: int, notes: list[str]) -> np.ndarray:
    """Demosaic, white-balance, convert to sRGB; HxWx3 uint8/uint16, upright, exposure kept."""
    if filled_tail(raw.raw_image_visible):  # LibRaw filled where the file ended: not a photo
        raise _Filled
    cam = [float(v) for v in raw.camera_whitebalance]
    camera_wb = all(math.isfinite(v) and v > 0 for v in cam[:3])
    if not camera_wb:
        notes.append("the RAW has no camera white balance; an automatic one was used")
    # Blend divides by max/min of the multipliers (see the module docstring): undo it up front.
    # rawpy < 0.27 cannot tell which automatic multipliers LibRaw chose; there, an automatic
    # white balance clips highlights instead, which needs no such correction.
    blend = camera_wb or _HAS_USED_WB
    bright = _wb_ratio(cam) if camera_wb else 1.0
    raw.dcraw_process(
        demosaic_algorithm=rawpy.DemosaicAlgorithm.AHD,
        half_size=half_size,
        use_camera_wb=camera_wb,
        use_auto_wb=not camera_wb,
        output_color=rawpy.ColorSpace.sRGB,
        output_bps=bps,
        no_auto_bright=True,  # keep the exposure as shot: the model judges brightness itself
        bright=bright,
        highlight_mode=rawpy.HighlightMode.Blend if blend else rawpy.HighlightMode.Clip,
        gamma=_SRGB_GAMMA,
    )
    # The multipliers LibRaw really used (automatic ones, or camera ones it adjusted): if they
    # differ from what ``bright`` assumed, correct the exposure on the encoded values.
    used = getattr(raw, "auto_whitebalance", None) if blend else None
    actual = _wb_ratio(used) if used else bright
    image = raw.dcraw_make_mem_image()
    if image.ndim == 2 or image.shape[2] == 1:  # monochrome sensors
        image = np.repeat(image.reshape(image.shape[0], image.shape[1], 1), 3, axis=2)
    elif image.shape[2] > 3:
        image = image[..., :3]
    if abs(actual / bright - 1.0) > 0.002:
        image = _scale_exposure(image, actual / bright)
    return np.ascontiguousarray(image)


def _wb_ratio(multipliers: list[float]) -> float:
    """Largest / smallest of the positive white-balance multipliers (1 if there are none)."""
    values = [float(v) for v in multipliers if math.isfinite(v) and v > 0]
    return max(values) / min(values) if values else 1.0


def _srgb_encode(v: np.ndarray) -> np.ndarray:
    return np.where(v <= 0.0031308, v * 12.92, 1.055 * np.power(v, 1 / 2.4) - 0.055)


def _srgb_decode(v: np.ndarray) -> np.ndarray:
    return np.where(v <= 0.04045, v / 12.92, np.power((v + 0.055) / 1.055, 2.4))


def _scale_exposure(image: np.ndarray, gain: float) -> np.ndarray:
    """Multiply the linear light of sRGB-encoded uint8/uint16 pixels by ``gain`` (one LUT)."""
    top = np.iinfo(image.dtype).max
    levels = np.arange(top + 1, dtype=np.float64) / top
    lut = _srgb_encode(np.minimum(1.0, _srgb_decode(levels) * gain)) * top
    return np.round(lut).astype(image.dtype)[image]


# -- thumbnails ---------------------------------------------------------------------------------


def _embedded_preview(raw: rawpy.RawPy, max_side: int) -> np.ndarray | None:
    """The embedded preview as uint8 HxWx3 at most ``max_side`` (sensor orientation), or None."""
    try:
        thumb = raw.extract_thumb()
    except (rawpy.LibRawError, NotImplementedError):  # none, unsupported, or damaged
        return None
    if thumb.format == rawpy.ThumbFormat.JPEG:
        try:
            with Image.open(io.BytesIO(bytes(thumb.data))) as im:  # JPEG: data is bytes
                im.draft("RGB", (max_side, max_side))  # decode JPEG at a reduced scale: fast
                # the JPEG's own orientation is ignored: the RAW's flip applies to its preview
                return _shrink(np.asarray(im.convert("RGB")), max_side)
        except (OSError, UnidentifiedImageError, ValueError, SyntaxError):
            return None
    array = np.asarray(thumb.data)
    if array.dtype == np.uint16:
        array = (array >> 8).astype(np.uint8)
    if array.dtype != np.uint8 or array.ndim not in (2, 3) or array.size == 0:
        return None
    if array.ndim == 2:
        array = array[..., None]
    if array.shape[2] == 1:
        array = np.repeat(array, 3, axis=2)
    return _shrink(array[..., :3], max_side)


def _shrink(image: np.ndarray, max_side: int) -> np.ndarray:
    """Downscale uint8 HxWx3 so its long side is at most ``max_side`` (never enlarged)."""
    if max(image.shape[:2]) <= max_side:
        return np.ascontiguousarray(image)
    im = Image.fromarray(np.ascontiguousarray(image))
    im.thumbnail((max_side, max_side), Image.Resampling.LANCZOS, reducing_gap=3.0)
    return np.asarray(im)


def _flip(image: np.ndarray, flip: int) -> np.ndarray:
    """Apply LibRaw's ``sizes.flip`` (bit 1: mirror columns, 2: mirror rows, 4: transpose last),
    the same mapping as its own ``flip_index``; 6 = 90 degrees clockwise, 5 = counter-clockwise."""
    if flip & 2:
        image = image[::-1]
    if flip & 1:
        image = image[:, ::-1]
    if flip & 4:
        image = image.swapaxes(0, 1)
    return np.ascontiguousarray(image)


# -- metadata -----------------------------------------------------------------------------------


def _metadata(path: Path, raw: rawpy.RawPy) -> dict[int, object]:
    """EXIF tags for the output: container tags first, then the preview's EXIF, then LibRaw."""
    tags: dict[int, object] = {}
    try:
        with open(path, "rb") as fp:
            size = os.fstat(fp.fileno()).st_size
            for found in (_tiff_tags(fp, size), _cr3_tags(fp, size)):
                _merge(tags, found)
    except (OSError, struct.error, ValueError):
        pass  # metadata is a bonus: LibRaw has already read the pixels
    if not all(t in tags for t in (_MAKE, _MODEL, _ISO, _EXPOSURE, _DATE_ORIGINAL)):
        _merge(tags, _preview_tags(raw))
    _merge(tags, _libraw_tags(raw))
    return tags


def _merge(into: dict[int, object], found: dict[int, object]) -> None:
    """Add the usable tags of ``found`` that ``into`` does not have yet."""
    for tag, value in found.items():
        if tag not in into and _exif_value(tag, value) is not None:
            into[tag] = value


# TIFF field types: struct format of one value and its size in bytes.
_TYPES = {1: ("B", 1), 2: ("s", 1), 3: ("H", 2), 4: ("I", 4), 5: ("II", 8), 7: ("B", 1),
          8: ("h", 2), 9: ("i", 4), 10: ("ii", 8), 13: ("I", 4)}


def _tiff_tags(fp: BinaryIO, size: int, base: int = 0) -> dict[int, object]:
    """The wanted tags of a TIFF-structured RAW (IFD0 and its EXIF IFD); {} if it is not one.

    ORF ("IIRO"/"IIRS") and RW2 ("IIU") are TIFF with another magic number; CR3 is not TIFF.
    """
    fp.seek(base)
    head = fp.read(8)
    if len(head) < 8 or head[:2] not in (b"II", b"MM"):
        return {}
    e = "<" if head[:2] == b"II" else ">"
    magic, first = struct.unpack(e + "HI", head[2:])
    if magic not in (42, 0x4F52, 0x5352, 0x55):
        return {}
    ifd0 = _read_ifd(fp, size, base, e, first)
    tags: dict[int, object] = {}
    _merge(tags, {t: v for t, v in ifd0.items() if t != _EXIF_IFD})  # TIFF/EP: EXIF tags here
    exif_at = ifd0.get(_EXIF_IFD)
    if isinstance(exif_at, tuple) and exif_at:
        _merge(tags, _read_ifd(fp, size, base, e, int(exif_at[0])))
    return _date_fallback(tags)


def _date_fallback(tags: dict[int, object]) -> dict[int, object]:
    """Use IFD0's DateTime (last modified) when there is no DateTimeOriginal."""
    date = tags.pop(_DATETIME, None)
    if date is not None:
        tags.setdefault(_DATE_ORIGINAL, date)
    return tags


def _read_ifd(fp: BinaryIO, size: int, base: int, e: str, offset: int) -> dict[int, object]:
    """The wanted tags of the IFD at ``offset`` (relative to ``base``), bounds-checked."""
    if not 8 <= offset <= size - base - 2:
        return {}
    fp.seek(base + offset)
    (count,) = struct.unpack(e + "H", fp.read(2))
    entries = fp.read(12 * min(count, 4096))
    tags: dict[int, object] = {}
    for i in range(len(entries) // 12):
        tag, typ, n, inline = struct.unpack_from(e + "HHI4s", entries, 12 * i)
        if tag not in _WANTED or typ not in _TYPES or not 0 < n <= 256:
            continue
        fmt, width = _TYPES[typ]
        nbytes = width * n
        if nbytes <= 4:
            data = inline[:nbytes]
        else:
            (at,) = struct.unpack(e + "I", inline)
            if base + at + nbytes > size:
                continue
            here = fp.tell()
            fp.seek(base + at)
            data = fp.read(nbytes)
            fp.seek(here)
        if typ == 2:
            tags[tag] = data.split(b"\0", 1)[0].decode("utf-8", "replace").strip()
        elif typ in (5, 10):
            flat = struct.unpack(f"{e}{2 * n}{fmt[0]}", data)
            tags[tag] = tuple(zip(flat[::2], flat[1::2], strict=False))
        elif typ != 7:
            tags[tag] = struct.unpack(f"{e}{n}{fmt}", data)
    return tags


_CR3_UUID = bytes.fromhex("85c0b687820f11e08111f4ce462b6a48")  # Canon's metadata box in 'moov'


def _cr3_tags(fp: BinaryIO, size: int) -> dict[int, object]:
    """Canon CR3 (ISO base media file): its CMT1 box is IFD0, CMT2 the EXIF IFD, both TIFF."""
    fp.seek(4)
    if fp.read(8) != b"ftypcrx ":
        return {}
    tags: dict[int, object] = {}
    for name, payload in _boxes(fp, 0, size, (b"moov", _CR3_UUID)):
        if name in (b"CMT1", b"CMT2"):  # CMT2 is the EXIF IFD, stored as its own TIFF's IFD0
            _merge(tags, _tiff_tags(io.BytesIO(payload), len(payload)))
    return tags


def _boxes(fp: BinaryIO, start: int, end: int, path: tuple[bytes, ...],
           depth: int = 0) -> Iterator[tuple[bytes, bytes]]:
    """(type, payload) of the boxes inside the box chain ``path`` (ISO BMFF), bounded."""
    at = start
    for _ in range(256):
        if at + 8 > end:
            return
        fp.seek(at)
        size, kind = struct.unpack(">I4s", fp.read(8))
        header = 8
        if size == 1:
            (size,) = struct.unpack(">Q", fp.read(8))
            header = 16
        elif size == 0:
            size = end - at
        if size < header or at + size > end:
            return
        if depth < len(path):
            target = path[depth]
            if kind == b"uuid" and len(target) == 16:
                if fp.read(16) == target:
                    yield from _boxes(fp, at + header + 16, at + size, path, depth + 1)
            elif kind == target:
                yield from _boxes(fp, at + header, at + size, path, depth + 1)
        else:
            fp.seek(at + header)
            yield kind, fp.read(min(size - header, 1 << 20))
        at += size


def _preview_tags(raw: rawpy.RawPy) -> dict[int, object]:
    """Tags from the EXIF of the embedded JPEG preview (RAF and others keep full EXIF there)."""
    try:
        thumb = raw.extract_thumb()
        if thumb.format != rawpy.ThumbFormat.JPEG:
            return {}
        with Image.open(io.BytesIO(bytes(thumb.data))) as im:  # JPEG: data is bytes
            exif = im.getexif()
            tags: dict[int, object] = {}
            _merge(tags, {t: exif[t] for t in (*_IFD0_TAGS, _DATETIME) if t in exif})
            sub = exif.get_ifd(_EXIF_IFD)
            _merge(tags, {t: sub[t] for t in _EXIF_TAGS if t in sub})
            return _date_fallback(tags)
    except (rawpy.LibRawError, NotImplementedError, OSError, UnidentifiedImageError,
            ValueError, SyntaxError, KeyError, TypeError, struct.error):
        return {}


def _libraw_tags(raw: rawpy.RawPy) -> dict[int, object]:
    """What LibRaw itself parsed: exposure settings, date and lens (not make and model)."""
    tags: dict[int, object] = {}
    try:
        other, lens = raw.other, raw.lens
    except (AttributeError, rawpy.LibRawError):  # pragma: no cover - older rawpy
        return tags
    if other.iso_speed > 0:
        tags[_ISO] = round(other.iso_speed)
    if other.shutter_speed > 0:
        s = float(other.shutter_speed)
        den = round(1 / s) if s < 1 else 0
        near = den and abs(1 / den - s) < 0.01 * s
        tags[_EXPOSURE] = (1, den) if near else _ratio(s, 10000)
    if other.aperture > 0:
        tags[_FNUMBER] = _ratio(float(other.aperture), 10)
    if other.focal_length > 0:
        tags[_FOCAL] = _ratio(float(other.focal_length), 10)
    stamp = other.timestamp
    if isinstance(stamp, datetime) and stamp.year > 1970:
        tags[_DATE_ORIGINAL] = stamp.strftime("%Y:%m:%d %H:%M:%S")
    if lens.model:
        tags[_LENS_MODEL] = str(lens.model).strip()
    if lens.make:
        tags[_LENS_MAKE] = str(lens.make).strip()
    return tags


def _ratio(value: float, max_den: int) -> tuple[int, int]:
    f = Fraction(value).limit_denominator(max_den)
    return f.numerator, f.denominator


def _exif_block(tags: dict[int, object]) -> tuple[bytes | None, str]:
    """A fresh ``Exif\\0\\0`` block from ``tags`` (orientation 1) and the "Make Model" string."""
    make = _text(tags.get(_MAKE))
    model = _text(tags.get(_MODEL))
    first = make.split()[0].lower() if make else ""
    camera = model if first and model.lower().startswith(first) else f"{make} {model}".strip()
    exif = Image.Exif()
    for tag in _IFD0_TAGS:
        if _text(tags.get(tag)):
            exif[tag] = _text(tags[tag])
    sub: dict[int, object] = {}
    for tag in _EXIF_TAGS:
        value = _exif_value(tag, tags.get(tag))
        if value is not None:
            sub[tag] = value
    if not exif and not sub:
        return None, camera
    exif[_ORIENTATION] = 1  # the pixels are upright
    if sub:
        exif[_EXIF_IFD] = sub
    try:
        return exif.tobytes(), camera
    except (ValueError, TypeError, struct.error):  # an odd value: no EXIF rather than no photo
        return None, camera


def _text(value: object) -> str:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return value.replace("\0", "").strip() if isinstance(value, str) else ""


def _exif_value(tag: int, value: object) -> object:
    """``value`` in the type Pillow writes for ``tag``; None if it is missing or unusable."""
    if isinstance(value, tuple) and value and not (tag == _ISO or isinstance(value[0], int)):
        value = value[0]  # a one-element TIFF array of rationals or strings
    if tag in (_DATE_ORIGINAL, _DATETIME):  # LibRaw writes 1970 (time 0) into previews it gives an EXIF
        date = _text(value)
        return date if _DATE.fullmatch(date) and not date.startswith(("0000", "1970")) else None
    if tag in (_MAKE, _MODEL, _LENS_MAKE, _LENS_MODEL):
        return _text(value) or None
    if tag == _ISO:
        first = value[0] if isinstance(value, tuple) and value else value  # some write two
        iso = int(float(first)) if isinstance(first, numbers.Real) else 0
        return iso if 0 < iso < 65536 else None
    if isinstance(value, TiffImagePlugin.IFDRational):
        value = (value.numerator, value.denominator)
    elif isinstance(value, numbers.Real):
        value = _ratio(float(value), 10000)
    if isinstance(value, tuple) and len(value) == 2:  # (numerator, denominator)
        num, den = (int(v) for v in value)
        ok = 0 < num < 1 << 32 and 0 < den < 1 << 32
        return TiffImagePlugin.IFDRational(num, den) if ok else None
    return None


# -- errors -------------------------------------------------------------------------------------


def _fail(path: Path, reason: str) -> LowlightError:
    return LowlightError(f"cannot read '{path.name}': {reason}")


def _os_reason(exc: OSError) -> str:
    """An OSError as the end of a sentence ("the file does not exist")."""
    if isinstance(exc, FileNotFoundError):
        return "the file does not exist"
    if isinstance(exc, PermissionError):
        return "permission denied"
    text = exc.strerror or str(exc) or type(exc).__name__
    return text[:1].lower() + text[1:]


def _libraw_message(exc: Exception) -> str:
    message = exc.args[0] if exc.args else exc
    if isinstance(message, bytes):
        message = message.decode("utf-8", "replace")
    return str(message).strip() or type(exc).__name__
