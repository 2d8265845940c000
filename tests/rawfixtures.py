"""Camera RAW files for tests and benchmarks, made here: no download, no camera.

``write_dng`` turns an sRGB image into a minimal but valid CFA DNG that LibRaw reads like a camera
file, so that decoding can be checked against a known answer:

* the image is linearised (sRGB EOTF) and mosaicked to an RGGB Bayer pattern, each channel
  divided by a known white-balance multiplier (``AsShotNeutral`` = 1/multiplier), then scaled
  into a 14-bit range above a black level. Decoding with the camera's white balance must give
  the image back;
* ``ColorMatrix1`` (XYZ -> camera) is the inverse of LibRaw's own sRGB -> XYZ matrix, so the
  "camera" primaries are sRGB's and LibRaw's colour conversion is the identity;
* the DNG's ``Orientation`` is set as asked (the CFA is stored in sensor orientation);
* camera metadata (Make, Model, ISO, exposure, aperture, date, lens) is written in IFD0 and an
  EXIF sub-IFD, as cameras and Adobe's converter do;
* optionally an embedded preview (IFD0, with the raw image in a SubIFD as in Adobe's DNGs): a
  baseline JPEG (with its own small EXIF) or an uncompressed 8-bit RGB bitmap, both in sensor
  orientation like a camera's.

The TIFF writer is our own (about 60 lines) so that the layout (SubIFDs, EXIF IFD, strips) is
explicit and needs no optional codec; like a camera's, it puts the tags first and the pixels last. ``make_large_dng`` writes the 6000x4000 (24 MP) file used
for timings; tests keep to small files (600x400 and less).
"""

from __future__ import annotations

import io
import struct
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, TiffImagePlugin

ROOT = Path(__file__).resolve().parents[1]

#: LibRaw's sRGB (D65) -> XYZ matrix (``xyz_rgb`` in its sources); its inverse is ColorMatrix1.
XYZ_FROM_SRGB = np.array(
    [[0.412453, 0.357580, 0.180423],
     [0.212671, 0.715160, 0.072169],
     [0.019334, 0.119193, 0.950227]]
)
#: White-balance multipliers (R, G, B) of the synthetic camera: a daylight-like balance.
WB = (2.0, 1.0, 1.6)
BLACK, WHITE = 512, 16383  # a 14-bit sensor with a black level, like most cameras
META = {
    "make": "Lowlight",
    "model": "Synthetic DNG 1",
    "iso": 3200,
    "exposure": (1, 50),
    "fnumber": (28, 10),
    "datetime": "2024:05:17 21:43:10",
    "lens": "Synthetic 35mm F2.8",
    "focal": (35, 1),
}


# -- source images ------------------------------------------------------------------------------


def shared_dir() -> Path | None:
    """The shared data folder: ``<repo>/../shared`` (a checkout beside it) or ``/work/shared``."""
    for candidate in (ROOT.parent / "shared", Path("/work/shared")):
        if (candidate / "data").is_dir():
            return candidate
    return None


def synthetic_image(h: int, w: int, seed: int = 0) -> np.ndarray:
    """A photo-like sRGB float32 HxWx3 in 0..1: colour gradients, edges and a little texture."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    img = np.empty((h, w, 3), np.float32)
    img[..., 0] = 0.15 + 0.7 * x / max(w - 1, 1)
    img[..., 1] = 0.2 + 0.5 * y / max(h - 1, 1)
    img[..., 2] = 0.5 + 0.3 * np.sin(x / 23.0) * np.cos(y / 31.0)
    img[(x // 64 + y // 64) % 2 == 0] *= 0.6  # hard edges, as a demosaic sees in real photos
    img += rng.normal(0.0, 0.01, img.shape).astype(np.float32)
    return np.clip(img, 0.0, 1.0)


def lol_image(name: str = "10.webp") -> np.ndarray:
    """A real well-lit LOL image (600x400, sRGB float32 0..1), or a synthetic one without data."""
    shared = shared_dir()
    path = shared / "data" / "lol" / "train" / "high" / name if shared else None
    if path is not None and path.is_file():
        with Image.open(path) as im:
            return np.asarray(im.convert("RGB"), np.float32) / 255.0
    return synthetic_image(400, 600)


def srgb_to_linear(v: np.ndarray) -> np.ndarray:
    v = np.asarray(v, np.float32)
    return np.where(v <= 0.04045, v / 12.92, ((v + 0.055) / 1.055) ** 2.4).astype(np.float32)


def linear_to_srgb(v: np.ndarray) -> np.ndarray:
    v = np.clip(np.asarray(v, np.float32), 0.0, 1.0)
    return np.where(v <= 0.0031308, v * 12.92, 1.055 * v ** (1 / 2.4) - 0.055).astype(np.float32)


def mosaic(srgb: np.ndarray, wb: Sequence[float] = WB, black: int = BLACK,
           white: int = WHITE, exposure: float = 1.0) -> np.ndarray:
    """sRGB HxWx3 -> RGGB Bayer raw values (uint16 HxW) that camera WB ``wb`` develops back.

    ``exposure`` multiplies the linear light first: above 1 the sensor clips (blown highlights).
    """
    h, w = srgb.shape[:2]
    if h % 2 or w % 2:
        raise ValueError("a Bayer mosaic needs even dimensions")
    lin = srgb_to_linear(srgb) * np.float32(exposure) / np.asarray(wb, np.float32)  # the sensor
    cfa = np.empty((h, w), np.float32)
    cfa[0::2, 0::2] = lin[0::2, 0::2, 0]  # R
    cfa[0::2, 1::2] = lin[0::2, 1::2, 1]  # G
    cfa[1::2, 0::2] = lin[1::2, 0::2, 1]  # G
    cfa[1::2, 1::2] = lin[1::2, 1::2, 2]  # B
    return np.round(black + cfa * (white - black)).clip(0, white).astype(np.uint16)


# -- a minimal TIFF writer ----------------------------------------------------------------------

BYTE, ASCII, SHORT, LONG, RATIONAL, UNDEFINED, SRATIONAL = 1, 2, 3, 4, 5, 7, 10


@dataclass
class Ifd:
    """One TIFF directory: ``tags`` maps tag -> (type, value); strip/SubIFDs/EXIF are laid out."""

    tags: dict[int, tuple[int, object]]
    strip: bytes | None = None
    sub_ifds: list[Ifd] = field(default_factory=list)
    exif: Ifd | None = None


def _encode(typ: int, value: object) -> tuple[int, bytes]:
    """(count, little-endian bytes) of a tag value."""
    if typ == ASCII:
        data = str(value).encode("ascii") + b"\0"
        return len(data), data
    if isinstance(value, bytes):
        return len(value), value
    values = list(value) if isinstance(value, (list, tuple)) else [value]
    if typ in (RATIONAL, SRATIONAL):
        flat = [int(x) for pair in values for x in pair]
        return len(values), struct.pack(f"<{len(flat)}{'I' if typ == RATIONAL else 'i'}", *flat)
    fmt = {BYTE: "B", UNDEFINED: "B", SHORT: "H", LONG: "I"}[typ]
    return len(values), struct.pack(f"<{len(values)}{fmt}", *values)


class _TiffWriter:
    """Directories first and pixel data last, as cameras write them: a truncated copy keeps its
    tags and loses pixels, which is what a cut-off download or a full card looks like."""

    def __init__(self) -> None:
        self.buf = bytearray(b"II*\x00\x00\x00\x00\x00")
        self.strips: list[tuple[int, bytes]] = []  # (where the StripOffsets value goes, data)

    def _append(self, data: bytes) -> int:
        if len(self.buf) % 2:  # TIFF offsets are word aligned
            self.buf += b"\0"
        offset = len(self.buf)
        self.buf += data
        return offset

    def write_ifd(self, ifd: Ifd) -> int:
        """Lay out the directories ``ifd`` points to, then ``ifd`` itself; its offset."""
        tags = dict(ifd.tags)
        if ifd.strip is not None:
            tags[273] = (LONG, 0)  # StripOffsets: patched in finish()
            tags[279] = (LONG, len(ifd.strip))  # StripByteCounts
        if ifd.sub_ifds:
            tags[330] = (LONG, [self.write_ifd(sub) for sub in ifd.sub_ifds])  # SubIFDs
        if ifd.exif is not None:
            tags[34665] = (LONG, self.write_ifd(ifd.exif))  # ExifIFD
        entries = []
        for tag, (typ, value) in sorted(tags.items()):
            count, data = _encode(typ, value)
            inline = data.ljust(4, b"\0") if len(data) <= 4 else struct.pack("<I", self._append(data))
            entries.append(struct.pack("<HHI", tag, typ, count) + inline)
        offset = self._append(struct.pack("<H", len(entries)) + b"".join(entries) + b"\0\0\0\0")
        if ifd.strip is not None:
            index = sorted(tags).index(273)
            self.strips.append((offset + 2 + 12 * index + 8, ifd.strip))
        return offset

    def finish(self, ifd0: Ifd) -> bytes:
        struct.pack_into("<I", self.buf, 4, self.write_ifd(ifd0))
        for where, data in self.strips:
            struct.pack_into("<I", self.buf, where, self._append(data))
        return bytes(self.buf)


def _srational(m: np.ndarray, den: int = 10000) -> list[tuple[int, int]]:
    return [(round(v * den), den) for v in np.asarray(m, np.float64).ravel()]


def _rational(v: float, den: int = 100000) -> tuple[int, int]:
    return round(v * den), den


# -- DNG ----------------------------------------------------------------------------------------


def write_dng(
    path: Path,
    srgb: np.ndarray,
    *,
    wb: Sequence[float] = WB,
    orientation: int = 1,
    camera_wb: bool = True,
    exposure: float = 1.0,
    preview: str | None = None,
    preview_side: int = 160,
    preview_srgb: np.ndarray | None = None,
    meta: dict | None = None,
    container_meta: bool = True,
    black: int = BLACK,
    white: int = WHITE,
) -> Path:
    """Write ``srgb`` (HxWx3 float 0..1, sensor orientation) as a CFA DNG; see the module doc.

    ``camera_wb``: False leaves AsShotNeutral out (a file without the camera's white balance).
    ``exposure``: linear gain before the sensor clips (see :func:`mosaic`).
    ``preview``: None, "jpeg" or "bitmap" (an embedded preview of about ``preview_side`` pixels),
    made from ``preview_srgb`` when given (a different picture shows where a thumbnail came from).
    ``meta``: overrides of :data:`META`; a value of None leaves that tag out. The metadata goes
    into the DNG's own tags and into the JPEG preview's EXIF (as cameras do); with
    ``container_meta=False`` only the preview has it (as in a Fujifilm RAF).
    """
    m = {**META, **(meta or {})}
    h, w = srgb.shape[:2]
    cfa = mosaic(srgb, wb, black, white, exposure)
    raw = Ifd(
        {
            254: (LONG, 0),  # NewSubFileType: the main image
            256: (LONG, w),
            257: (LONG, h),
            258: (SHORT, 16),
            259: (SHORT, 1),  # uncompressed
            262: (SHORT, 32803),  # PhotometricInterpretation: CFA
            277: (SHORT, 1),
            278: (LONG, h),  # one strip
            284: (SHORT, 1),
            33421: (SHORT, [2, 2]),  # CFARepeatPatternDim
            33422: (BYTE, [0, 1, 1, 2]),  # CFAPattern: RGGB
            50710: (BYTE, [0, 1, 2]),  # CFAPlaneColor
            50711: (SHORT, 1),  # CFALayout: rectangular
            50713: (SHORT, [1, 1]),  # BlackLevelRepeatDim
            50714: (LONG, black),
            50717: (LONG, white),
        },
        strip=cfa.astype("<u2").tobytes(),
    )
    main: dict[int, tuple[int, object]] = {
        274: (SHORT, orientation),
        50706: (BYTE, [1, 4, 0, 0]),  # DNGVersion
        50707: (BYTE, [1, 1, 0, 0]),  # DNGBackwardVersion
        50708: (ASCII, f"{m['make'] or 'Unknown'} {m['model'] or 'camera'}"),  # UniqueCameraModel
        50721: (SRATIONAL, _srational(np.linalg.inv(XYZ_FROM_SRGB))),  # ColorMatrix1: XYZ->camera
        50778: (SHORT, 21),  # CalibrationIlluminant1: D65
    }
    if camera_wb:
        main[50728] = (RATIONAL, [_rational(1.0 / c) for c in wb])  # AsShotNeutral
    ifd0_tags: dict[int, tuple[int, object]] = {}
    for tag, key in ((271, "make"), (272, "model")):
        if m[key]:
            ifd0_tags[tag] = (ASCII, m[key])
    if m["datetime"]:
        ifd0_tags[306] = (ASCII, m["datetime"])
    exif_tags: dict[int, tuple[int, object]] = {36864: (UNDEFINED, b"0231")}  # ExifVersion
    for tag, typ, key in ((33434, RATIONAL, "exposure"), (33437, RATIONAL, "fnumber"),
                          (34855, SHORT, "iso"), (36867, ASCII, "datetime"),
                          (42036, ASCII, "lens"), (37386, RATIONAL, "focal")):
        if m[key]:
            exif_tags[tag] = (typ, [m[key]] if typ == RATIONAL else m[key])
    exif = Ifd(exif_tags) if container_meta else None
    if container_meta:
        main |= ifd0_tags

    if preview is None:
        ifd0 = Ifd({**main, **raw.tags}, strip=raw.strip, exif=exif)
    else:
        source = srgb if preview_srgb is None else preview_srgb
        small = Image.fromarray((np.clip(source, 0, 1) * 255).round().astype(np.uint8))
        small.thumbnail((preview_side, preview_side), Image.Resampling.LANCZOS)
        tags = {254: (LONG, 1), 256: (LONG, small.width), 257: (LONG, small.height),
                258: (SHORT, [8, 8, 8]), 277: (SHORT, 3), 278: (LONG, small.height),
                284: (SHORT, 1)}
        if preview == "jpeg":
            buf = io.BytesIO()
            small.save(buf, "JPEG", quality=90, exif=_pillow_exif(ifd0_tags, exif_tags))
            tags |= {259: (SHORT, 7), 262: (SHORT, 6)}  # new-style JPEG, YCbCr
            strip = _without_jfif(buf.getvalue())
        elif preview == "bitmap":
            tags |= {259: (SHORT, 1), 262: (SHORT, 2)}  # uncompressed RGB
            strip = np.asarray(small).tobytes()
        else:
            raise ValueError(f"unknown preview kind {preview!r}")
        ifd0 = Ifd({**main, **tags}, strip=strip, sub_ifds=[raw], exif=exif)

    data = _TiffWriter().finish(ifd0)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def _without_jfif(jpeg: bytes) -> bytes:
    """Drop Pillow's JFIF segment so the EXIF segment comes first, as in a camera's JPEG
    (LibRaw replaces the EXIF of a preview that does not start with one by its own)."""
    if jpeg[2:4] == b"\xff\xe0":
        (length,) = struct.unpack(">H", jpeg[4:6])
        return jpeg[:2] + jpeg[4 + length:]
    return jpeg


def _pillow_exif(ifd0: dict[int, tuple[int, object]], sub: dict[int, tuple[int, object]]) -> bytes:
    """The same metadata as an EXIF block for the JPEG preview."""

    def value(typ: int, v: object) -> object:
        if typ == RATIONAL:
            (num, den), = v  # type: ignore[misc]
            return TiffImagePlugin.IFDRational(num, den)
        return v

    ex = Image.Exif()
    for tag, (typ, v) in ifd0.items():
        ex[tag] = value(typ, v)
    sub_ifd = {tag: value(typ, v) for tag, (typ, v) in sub.items() if tag != 36864}
    if sub_ifd:
        ex[0x8769] = sub_ifd
    return ex.tobytes()


def make_large_dng(path: Path, w: int = 6000, h: int = 4000, preview: str | None = "jpeg",
                   exposure: float = 1.0) -> Path:
    """A 24 MP DNG (for timings, not for tests): the LOL image enlarged, plus sensor-like noise.

    ``exposure`` < 1 makes a night shot (0.1: about 3.3 stops under; the model has work to do:
    it leaves a well-exposed photo as it is, without running).
    """
    base = lol_image()
    big = np.asarray(Image.fromarray((base * 255).round().astype(np.uint8)).resize(
        (w, h), Image.Resampling.BILINEAR), np.float32) / 255.0
    rng = np.random.default_rng(0)
    big += rng.normal(0.0, 0.01, big.shape).astype(np.float32)  # texture for the demosaic
    np.clip(big, 0.0, 1.0, out=big)
    return write_dng(path, big, preview=preview, preview_side=1600, exposure=exposure)
