"""Reading and writing photos: pixels as float32 0..1, with alpha, EXIF and ICC carried through.

Reading (``read_photo``)
  * JPEG, PNG, TIFF, WebP, BMP through Pillow; HEIC/HEIF through pillow-heif's Pillow opener.
    The format is taken from the file's content, not its name. Only the first frame of a
    multi-frame file is read (a note says so).
  * 16-bit PNG and TIFF are decoded with OpenCV, because Pillow reduces 16-bit RGB(A) to 8 bits.
  * EXIF orientation (or an XMP one, as Pillow reads it) is applied to the pixels and reset to 1 in
    the kept EXIF, so the output is upright everywhere and never rotated twice.
  * CMYK is converted to RGB (through its ICC profile when it has one) with a note in
    ``Photo.notes``; a grey or CMYK ICC profile is dropped because it cannot describe RGB pixels.
  * The declared size is checked against ``max_pixels`` before any pixel is decoded. Pillow's own
    decompression-bomb guard is set to ``MAX_PIXELS`` and its warning is turned into a refusal.
  * Truncated files are refused ("the file is truncated or damaged"): Pillow's
    ``ImageFile.LOAD_TRUNCATED_IMAGES`` is left at its default, False.

Writing (``write_photo``)
  * Formats written: JPEG, PNG, TIFF, WebP, BMP. ``"same"`` for a format we do not write (HEIF)
    gives JPEG: HEIC photos come from phones, and JPEG is what every viewer reads.
  * 8-bit output goes through Pillow with EXIF and ICC (the EXIF block is kept byte for byte,
    maker notes and thumbnail included, with only its orientation set to 1). 16-bit output (a
    16-bit source written as PNG or TIFF) goes through ``cv2.imencode``; we then add the ICC
    profile and EXIF ourselves (PNG: iCCP and eXIf chunks). Every TIFF (8 or 16 bit, LZW) gets its
    metadata as a rewritten first IFD; what TIFF output loses: the EXIF thumbnail (IFD1), the
    Interop sub-IFD, and IFD0 tags other than the descriptive ones (make, model, date, ...).
  * JPEG and BMP cannot keep alpha and BMP cannot keep EXIF/ICC: they are left out with a note
    appended to ``photo.notes``. XMP and other metadata are not carried.
  * The write is atomic: a hidden temp file in the target folder, fsync, ``os.replace``; the temp
    file is removed on any failure, and the target is never the source photo.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import secrets
import struct
import warnings
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import cv2
import numpy as np
from PIL import Image, ImageCms, UnidentifiedImageError

from .errors import LowlightError

try:  # HEIC/HEIF support is optional at run time; without it such files get a clear message.
    import pillow_heif

    pillow_heif.register_heif_opener()
    _HEIF_OK = True
except ImportError:  # pragma: no cover - pillow-heif is a dependency
    _HEIF_OK = False

SUPPORTED_SUFFIXES: frozenset[str] = frozenset(
    {".jpg", ".jpeg", ".png", ".tif", ".tiff", ".webp", ".bmp", ".heic", ".heif"}
)

#: Largest image read, in pixels (200 MP). A 200 MP photo is already 2.4 GB as float32 RGB; a small
#: file declaring more is a decompression bomb and is refused before decoding.
MAX_PIXELS: int = 200_000_000

# Pillow warns above MAX_IMAGE_PIXELS and refuses above twice that; its default (89 MP) would refuse
# honest photos under our limit, so it is set to ours. read_photo turns the warning into an error.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS

# Pillow format names we read; MPO is how Pillow names camera JPEGs with an embedded preview.
_READ_FORMATS = {"JPEG": "JPEG", "MPO": "JPEG", "PNG": "PNG", "TIFF": "TIFF", "WEBP": "WEBP",
                 "BMP": "BMP", "DIB": "BMP", "HEIF": "HEIF"}
_WRITE_SUFFIX = {"JPEG": ".jpg", "PNG": ".png", "TIFF": ".tif", "WEBP": ".webp", "BMP": ".bmp"}
#: Suffixes whose format this app writes (what an output name may end with).
WRITE_SUFFIXES: frozenset[str] = frozenset(
    {".jpg", ".jpeg", ".png", ".tif", ".tiff", ".webp", ".bmp"}
)
_SAME_FALLBACK = {"HEIF": "JPEG"}  # formats we read but do not write -> what "same" writes
_FMT_NAMES = {"jpg": "JPEG", "jpeg": "JPEG", "png": "PNG", "tif": "TIFF", "tiff": "TIFF",
              "webp": "WEBP", "bmp": "BMP"}
_SUFFIX_FORMAT = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG", ".tif": "TIFF",
                  ".tiff": "TIFF", ".webp": "WEBP", ".bmp": "BMP", ".heic": "HEIF", ".heif": "HEIF"}
_NO_ALPHA = {"JPEG", "BMP"}
_MAX_SIDE = {"JPEG": 65_535, "WEBP": 16_383}

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
    """A decoded photo. ``pixels`` is HxWx3 float32 RGB in 0..1, already upright.

    ``exif`` starts with ``b"Exif\\0\\0"`` and has orientation 1; ``icc`` is an RGB profile or None;
    ``bit_depth`` (8 or 16) is what 16-bit-capable outputs (PNG, TIFF) are written with; ``format``
    is the Pillow name of the source format; ``notes`` are sentences about conversions and losses.
    """

    pixels: np.ndarray
    alpha: np.ndarray | None = None
    exif: bytes | None = None
    icc: bytes | None = None
    bit_depth: int = 8
    format: str = "PNG"
    source: Path | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def width(self) -> int:
        return int(self.pixels.shape[1])

    @property
    def height(self) -> int:
        return int(self.pixels.shape[0])

    @property
    def megapixels(self) -> float:
        return self.width * self.height / 1e6


# -- reading ------------------------------------------------------------------------------------


def read_photo(path: str | os.PathLike[str], max_pixels: int = MAX_PIXELS) -> Photo:
    """Decode ``path`` into a :class:`Photo`; every known failure is a :class:`LowlightError`.

    ``max_pixels`` can lower the size limit (e.g. for previews); raising it above ``MAX_PIXELS``
    also needs ``PIL.Image.MAX_IMAGE_PIXELS`` raised.
    """
    path = Path(path)

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


def _read(
    fp: BinaryIO, path: Path, max_pixels: int, fail: Callable[[str], LowlightError]
) -> Photo:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            im = Image.open(fp)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise fail(f"the image is too large (the limit is {MAX_PIXELS:,} pixels)") from exc
    except UnidentifiedImageError as exc:
        heif = path.suffix.lower() in {".heic", ".heif"}
        if heif and not _HEIF_OK:  # pragma: no cover
            raise fail("HEIC support (pillow-heif) is not installed") from exc
        raise fail("it is not an image, or not one in a format Lowlight can read") from exc

    with im:
        fmt = _READ_FORMATS.get(im.format or "")
        if fmt is None:
            raise fail(f"{im.format or 'this'} images are not supported "
                       "(use JPEG, PNG, TIFF, WebP, BMP or HEIC)")
        w, h = im.size
        if w * h > max_pixels:  # checked on the header, before a single pixel is decoded
            raise fail(f"the image is {w} x {h} pixels, more than the limit of "
                       f"{max_pixels:,} pixels")
        notes: list[str] = []
        frames = getattr(im, "n_frames", 1)
        if frames > 1 and im.format != "MPO":  # MPO's extra frame is the camera's own preview
            notes.append(f"only the first of its {frames} images was read")

        sixteen = _sixteen_bit(im, fp, fmt)
        array = _decode_cv2(fp) if sixteen else None
        if sixteen and array is None:
            notes.append("its 16-bit pixels were read with 8-bit precision")
        if array is None:
            im.load()  # raises on truncated data (LOAD_TRUNCATED_IMAGES is False)
            array, mode_notes, icc_ok = _pillow_array(im, fail)
            notes += mode_notes
        else:
            icc_ok = True
        exif_obj = im.getexif()  # after load: PNG may keep eXIf after the pixel data
        orientation = exif_obj.get(_ORIENTATION, 1)
        if not isinstance(orientation, int) or not 1 <= orientation <= 8:
            orientation = 1
        exif = _exif_bytes(im, exif_obj, fmt)
        icc = im.info.get("icc_profile") or None

    if icc is not None and (not icc_ok or icc[16:20] != b"RGB "):
        notes.append("its colour profile does not describe RGB pixels and was left out")
        icc = None
    if array.dtype == np.uint8:
        bit_depth = 8
    else:
        bit_depth = 16
    pixels, alpha = _to_float(_orient(array, orientation))
    del array
    return Photo(pixels, alpha, exif, icc, bit_depth, fmt, path, notes)


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


def _decode_cv2(fp: BinaryIO) -> np.ndarray | None:
    """Decode with OpenCV (16-bit RGB is kept); returns RGB(A) or grey(+alpha) uint16, or None."""
    fp.seek(0)
    data = np.frombuffer(fp.read(), np.uint8)  # from bytes: works with non-ASCII paths too
    array = cv2.imdecode(data, cv2.IMREAD_UNCHANGED)  # IMREAD_UNCHANGED ignores EXIF orientation
    del data
    if array is None or array.dtype != np.uint16:
        return None
    if array.ndim == 3 and array.shape[2] in (3, 4):
        order = [2, 1, 0, 3][: array.shape[2]]
        array = array[..., order]  # BGR(A) -> RGB(A); one uint16 copy, 1/2 the float's size
    return array


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
        return np.clip(array * scale, 0, 65535).round().astype(np.uint16), notes, icc_ok
    elif mode.startswith("I;16"):
        return np.asarray(im).astype(np.uint16), notes, icc_ok  # native byte order
    elif mode not in ("L", "LA", "RGB", "RGBA"):
        try:
            im = im.convert("RGB")
        except ValueError as exc:
            raise fail(f"its colour mode {mode} is not supported") from exc
        notes.append(f"converted from {mode} to RGB")
    return np.asarray(im), notes, icc_ok


def _cmyk_to_rgb(im: Image.Image) -> tuple[Image.Image, bool]:
    """CMYK -> RGB through the embedded profile when there is one (Pillow's own is naive)."""
    icc = im.info.get("icc_profile")
    if icc:
        try:
            src = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            dst = ImageCms.createProfile("sRGB")
            return ImageCms.profileToProfile(im, src, dst, outputMode="RGB"), True
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


def _to_float(a: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """uint8/uint16 L/LA/RGB/RGBA (any strides) -> contiguous float32 RGB and alpha, one copy each."""
    maxval = np.float32(255.0 if a.dtype == np.uint8 else 65535.0)
    h, w = a.shape[:2]
    channels = 1 if a.ndim == 2 else a.shape[2]
    colour = a[..., None] if a.ndim == 2 else a[..., :1] if channels <= 2 else a[..., :3]
    pixels = np.empty((h, w, 3), np.float32)
    np.divide(colour, maxval, out=pixels)  # grey broadcasts to 3 channels
    alpha = None
    if channels in (2, 4):
        alpha = np.empty((h, w), np.float32)
        np.divide(a[..., channels - 1], maxval, out=alpha)
    return pixels, alpha


def _exif_bytes(im: Image.Image, exif_obj: Image.Exif, fmt: str) -> bytes | None:
    """The source's EXIF as ``Exif\\0\\0`` + TIFF bytes with orientation 1, or None."""
    raw = im.info.get("exif")
    if fmt != "TIFF" and isinstance(raw, bytes) and raw:
        if raw[:4] in (b"II*\x00", b"MM\x00*"):
            raw = b"Exif\x00\x00" + raw
        patched = _reset_orientation(raw)
        if patched is not None:
            return patched  # byte-exact otherwise: maker notes and thumbnail survive
    if not len(exif_obj):
        return None
    try:  # a TIFF's own IFD (or EXIF we could not patch): keep the descriptive tags only
        clean = Image.Exif()
        for tag in exif_obj:
            if tag in _DESCRIPTIVE_IFD0 and tag not in (_EXIF_IFD, _GPS_IFD):
                clean[tag] = exif_obj[tag]
        if _ORIENTATION in clean:
            clean[_ORIENTATION] = 1
        for sub in (_EXIF_IFD, _GPS_IFD):
            ifd = dict(exif_obj.get_ifd(sub))
            if sub == _EXIF_IFD:
                ifd.pop(_INTEROP_IFD, None)
            if ifd:
                clean[sub] = ifd
        return clean.tobytes() if len(clean) else None
    except _EXIF_ERRORS:  # damaged EXIF: losing it is better than failing the photo
        return None


def _reset_orientation(exif: bytes) -> bytes | None:
    """Set IFD0's orientation to 1 in place; None if the block cannot be parsed."""
    base = 6 if exif.startswith(b"Exif\x00\x00") else 0
    order = exif[base:base + 2]
    e = "<" if order == b"II" else ">" if order == b"MM" else None
    if e is None:
        return None
    try:
        (ifd0,) = struct.unpack_from(e + "I", exif, base + 4)
        (count,) = struct.unpack_from(e + "H", exif, base + ifd0)
        out = bytearray(exif)
        for i in range(count):
            entry = base + ifd0 + 2 + 12 * i
            tag, typ, n = struct.unpack_from(e + "HHI", exif, entry)
            if tag == _ORIENTATION and typ == 3 and n == 1:  # SHORT, stored in the entry itself
                struct.pack_into(e + "H", out, entry + 8, 1)
        return bytes(out)
    except struct.error:
        return None


# -- writing ------------------------------------------------------------------------------------


def output_format(photo_format: str, fmt: str) -> str:
    """Pillow name of the format written for ``fmt`` ("same", "jpg", "png", "tif", "webp", "bmp").

    ``"same"`` keeps the source format when we can write it; HEIF (and anything else we only read)
    becomes JPEG.
    """
    key = fmt.lower().lstrip(".")
    if key == "same":
        name = _READ_FORMATS.get(photo_format.upper(), photo_format.upper())
        name = _SAME_FALLBACK.get(name, name)
        return name if name in _WRITE_SUFFIX else "JPEG"
    if key in _FMT_NAMES:
        return _FMT_NAMES[key]
    if fmt.upper() in _WRITE_SUFFIX:  # a Pillow name ("JPEG", "TIFF") is accepted too
        return fmt.upper()
    raise LowlightError(f"unknown output format '{fmt}' (choose same, jpg, png, tif, webp or bmp)")


def output_suffix(photo_format: str, fmt: str) -> str:
    """File suffix (".jpg", ".png", ".tif", ".webp", ".bmp") for ``output_format``."""
    return _WRITE_SUFFIX[output_format(photo_format, fmt)]


def write_photo(
    photo: Photo,
    pixels: np.ndarray,
    path: str | os.PathLike[str],
    fmt: str | None = None,
    quality: int = 95,
) -> Path:
    """Write ``pixels`` (HxWx3 float, 0..1) with ``photo``'s alpha, EXIF, ICC and bit depth.

    ``fmt`` is "same", "jpg", "png", "tif", "webp" or "bmp"; None takes the format from the
    suffix of ``path``. ``quality`` (1..100) is used by JPEG and WebP. The file appears
    atomically or not at all; the missing folder is created. What the chosen format cannot hold
    (alpha in JPEG/BMP, metadata in BMP, 16 bits in JPEG/WebP/BMP) is left out with a note
    appended to ``photo.notes``. Returns the path written.
    """
    path = Path(path)

    def fail(reason: str) -> LowlightError:
        return LowlightError(f"cannot write '{path.name}': {reason}")

    if fmt is None:
        name = _SUFFIX_FORMAT.get(path.suffix.lower())
        if name is None:
            raise fail("the format cannot be told from its name (use .jpg, .png, .tif, .webp "
                       "or .bmp)")
        if name not in _WRITE_SUFFIX:
            raise fail(f"Lowlight cannot write {name} files (use .jpg, .png, .tif, .webp or .bmp)")
    else:
        name = output_format(photo.format, fmt)
    if not 1 <= int(quality) <= 100:
        raise LowlightError(f"the quality must be between 1 and 100, not {quality}")
    if pixels.ndim != 3 or pixels.shape[2] != 3 or not np.issubdtype(pixels.dtype, np.floating):
        raise ValueError(f"pixels must be HxWx3 float, got {pixels.shape} {pixels.dtype}")
    h, w = pixels.shape[:2]
    if photo.source is not None and _same_file(path, photo.source):
        raise fail("it is the original photo; choose another name or folder")
    if path.is_dir():
        raise fail("a folder of that name exists")
    side = _MAX_SIDE.get(name)
    if side is not None and max(h, w) > side:
        raise fail(f"{name} images can be at most {side} pixels on a side")

    alpha = photo.alpha
    if alpha is not None and alpha.shape != (h, w):
        raise ValueError(f"alpha {alpha.shape} does not match pixels {pixels.shape}")
    if alpha is not None and name in _NO_ALPHA:
        _note(photo, f"{name} cannot store transparency: the alpha channel was left out")
        alpha = None
    sixteen = photo.bit_depth == 16
    if sixteen and name not in ("PNG", "TIFF"):
        _note(photo, f"{name} holds 8 bits per channel: the 16-bit photo was saved with 8 bits")
        sixteen = False
    exif, icc = photo.exif, photo.icc
    if name == "BMP" and (exif or icc):
        _note(photo, "BMP cannot store EXIF data or a colour profile: they were left out")
        exif = icc = None

    if sixteen:
        array = _quantize(pixels, alpha, 65535, np.uint16, bgr=True)
        write = _cv2_writer(array, name, exif, icc)
    else:
        array = _quantize(pixels, alpha, 255, np.uint8, bgr=False)
        write = _pillow_writer(array, name, exif, icc, int(quality))
    del array  # the writer holds it; dropped as soon as it has been encoded

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _atomic_write(path, write)
    except OSError as exc:
        raise fail(_os_reason(exc)) from exc
    except LowlightError:
        raise
    except MemoryError as exc:
        raise fail("there is not enough memory to encode it") from exc
    except Exception as exc:  # an encoder's own complaint (Pillow, OpenCV)
        raise fail(f"the {name} encoder failed ({exc})") from exc
    return path


def _note(photo: Photo, text: str) -> None:
    if text not in photo.notes:
        photo.notes.append(text)


def _quantize(
    pixels: np.ndarray, alpha: np.ndarray | None, maxval: int, dtype: type, bgr: bool
) -> np.ndarray:
    """Float 0..1 -> integer HxWx3/4, in row chunks so no full-size float temporary is made."""
    h, w = pixels.shape[:2]
    out = np.empty((h, w, 3 if alpha is None else 4), dtype)
    step = max(1, (1 << 20) // max(1, w))
    for r in range(0, h, step):
        rows = pixels[r:r + step]
        planes = [(rows[..., ::-1] if bgr else rows, slice(0, 3))]  # OpenCV wants BGR(A)
        if alpha is not None:
            planes.append((alpha[r:r + step, :, None], slice(3, 4)))
        for src, dst in planes:
            t = np.multiply(src, maxval, dtype=np.float32)
            np.nan_to_num(t, copy=False)
            np.clip(t, 0, maxval, out=t)
            np.rint(t, out=t)
            out[r:r + step, :, dst] = t
    return out


def _pillow_writer(
    array: np.ndarray, name: str, exif: bytes | None, icc: bytes | None, quality: int
) -> Callable[[BinaryIO], None]:
    params: dict[str, object] = {}
    if name == "TIFF":
        # libtiff (needed for compression) cannot take Pillow's EXIF sub-IFDs: the metadata is
        # added afterwards, the same way as for OpenCV's 16-bit TIFFs.
        def write_tiff(fp: BinaryIO) -> None:
            buf = io.BytesIO()
            Image.fromarray(array).save(buf, format="TIFF", compression="tiff_lzw")
            fp.write(_tiff_with_metadata(buf.getvalue(), exif, icc))

        return write_tiff
    if exif:
        params["exif"] = exif
    if icc:
        params["icc_profile"] = icc
    if name in ("JPEG", "WEBP"):
        params["quality"] = quality
    elif name == "PNG":
        params["compress_level"] = 6

    def write(fp: BinaryIO) -> None:
        Image.fromarray(array).save(fp, format=name, **params)

    return write


def _cv2_writer(
    array: np.ndarray, name: str, exif: bytes | None, icc: bytes | None
) -> Callable[[BinaryIO], None]:
    def write(fp: BinaryIO) -> None:
        ok, buf = cv2.imencode(".png" if name == "PNG" else ".tif", array)
        if not ok:
            raise RuntimeError(f"OpenCV could not encode a 16-bit {name}")
        data = memoryview(buf)  # type: ignore[arg-type]
        if name == "PNG":
            _write_png_with_metadata(fp, data, exif, icc)
        else:
            fp.write(_tiff_with_metadata(bytes(data), exif, icc))

    return write


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _write_png_with_metadata(
    fp: BinaryIO, data: memoryview, exif: bytes | None, icc: bytes | None
) -> None:
    """Insert iCCP and eXIf right after IHDR (iCCP must precede IDAT; eXIf may go anywhere)."""
    ihdr_end = 8 + 8 + 13 + 4
    if bytes(data[12:16]) != b"IHDR":
        raise RuntimeError("OpenCV wrote an unexpected PNG")
    fp.write(data[:ihdr_end])
    if icc:
        fp.write(_png_chunk(b"iCCP", b"ICC Profile\x00\x00" + zlib.compress(icc)))
    if exif:
        fp.write(_png_chunk(b"eXIf", exif[6:] if exif.startswith(b"Exif\x00\x00") else exif))
    fp.write(data[ihdr_end:])


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


def _tiff_with_metadata(data: bytes, exif: bytes | None, icc: bytes | None) -> bytes:
    """Add ICC, EXIF and ExtraSamples to OpenCV's TIFF with a new first IFD after the header.

    Pillow serialises the IFD (including the EXIF and GPS sub-IFDs); the pixel strips move on by
    the IFD's length and their offsets are shifted to match. Tiled TIFFs are left as they are.
    """
    from PIL import TiffImagePlugin, TiffTags

    with Image.open(io.BytesIO(data)) as im:
        src = im.tag_v2
        if 273 not in src or 324 in src:  # no strips, or tiles: leave OpenCV's file alone
            return data
        ifd = TiffImagePlugin.ImageFileDirectory_v2(ifh=data[:8])
        for tag, value in src.items():
            ifd[tag] = value
            ifd.tagtype[tag] = src.tagtype[tag]
        strips = tuple(src[273])
        if src.get(277) == 4 and 338 not in src:  # OpenCV does not say the 4th channel is alpha
            ifd[338] = 2  # unassociated (straight) alpha
            ifd.tagtype[338] = TiffTags.SHORT
    if icc:
        ifd[34675] = icc
        ifd.tagtype[34675] = TiffTags.UNDEFINED
    clean = _tiff_exif(exif) if exif else None
    if clean:
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
    e = "<" if data[:2] == b"II" else ">"
    return data[:4] + struct.pack(e + "I", 8) + block + data[8:]


def _atomic_write(path: Path, write: Callable[[BinaryIO], None]) -> None:
    """Write through a hidden temp file in the target folder; remove it on any failure."""
    stem = path.name[:80]
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(10):
        tmp = path.with_name(f".{stem}.{secrets.token_hex(4)}.tmp")
        try:
            fd = os.open(tmp, flags, 0o666)  # 0o666 & ~umask, like any new file
            break
        except FileExistsError:
            continue
    else:  # pragma: no cover - ten random names taken
        raise FileExistsError(errno.EEXIST, "cannot create a temporary file", str(path.parent))
    try:
        with os.fdopen(fd, "wb") as fp:
            write(fp)
            fp.flush()
            os.fsync(fp.fileno())
        os.replace(tmp, path)
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


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.normcase(os.path.abspath(a)) == os.path.normcase(os.path.abspath(b))


_ERRNO_REASONS = {
    errno.ENOSPC: "no space left on device",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.EROFS: "the disk is read-only",
    errno.ENOENT: "the folder does not exist",
    errno.ENAMETOOLONG: "the file name is too long",
    errno.EISDIR: "a folder of that name exists",
    getattr(errno, "EDQUOT", -1): "the disk quota is exceeded",
}


def _os_reason(exc: OSError, reading: bool = False) -> str:
    """An OSError as the end of a sentence: "no space left on device"."""
    if reading and exc.errno == errno.ENOENT:
        return "the file does not exist"
    reason = _ERRNO_REASONS.get(exc.errno or 0)
    if reason:
        return reason
    text = exc.strerror or str(exc) or type(exc).__name__
    return text[:1].lower() + text[1:]
