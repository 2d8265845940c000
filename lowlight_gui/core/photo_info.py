"""The shot's data for the window: camera, lens, ISO, shutter, aperture, focal length, date,
pixel size and file size, read from the file's EXIF (a camera RAW's through LibRaw and its
container, as ``raw.decode_raw`` reads them) without decoding the pixels.

Every field is optional: a photo without EXIF still has its pixel and file size, and a file
that cannot be read at all gives what the file system knows.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from lowlight_gui.core import formats
from lowlight_gui.core.errors import LowlightError

_MAKE, _MODEL, _ORIENTATION, _DATETIME = 0x010F, 0x0110, 0x0112, 0x0132
_EXIF_IFD = 0x8769
_EXPOSURE, _FNUMBER, _ISO, _DATE_ORIGINAL = 0x829A, 0x829D, 0x8827, 0x9003
_FOCAL, _FOCAL_35, _LENS_MAKE, _LENS_MODEL = 0x920A, 0xA405, 0xA433, 0xA434


@dataclass(frozen=True)
class PhotoInfo:
    """What a photographer reads off a shot; "" / None where the file does not say."""

    name: str
    file_size: int | None = None  # bytes
    width: int | None = None  # as shown (EXIF orientation applied)
    height: int | None = None
    camera: str = ""
    lens: str = ""
    iso: int | None = None
    shutter: float | None = None  # seconds
    aperture: float | None = None  # f-number
    focal: float | None = None  # mm
    focal_35: int | None = None  # mm, 35 mm equivalent
    date: str = ""  # "2013-01-20 18:54:08"
    problem: str = ""  # why the file's data could not be read, if it could not

    def rows(self) -> list[tuple[str, str]]:
        """(label, text) for each field that is known, in the order a photographer reads them."""
        rows = [
            ("Camera", self.camera),
            ("Lens", self.lens),
            ("Exposure", exposure_text(self.shutter, self.aperture, self.iso)),
            ("Focal length", focal_text(self.focal, self.focal_35)),
            ("Taken", self.date),
            ("Size", size_text(self.width, self.height)),
            ("File", file_size_text(self.file_size)),
        ]
        return [(label, text) for label, text in rows if text]


def shutter_text(seconds: float) -> str:
    """1/60 s, 0.3 s, 2 s, 30 s: fractions below 0.3 s as photographers write them."""
    if seconds <= 0:
        return ""
    if seconds < 0.3:
        return f"1/{round(1 / seconds)} s"
    return f"{seconds:.1f} s".replace(".0 s", " s")


def exposure_text(shutter: float | None, aperture: float | None, iso: int | None) -> str:
    """ "1/25 s  f/2.8  ISO 1200" with whatever of the three is known."""
    parts = [
        shutter_text(shutter) if shutter else "",
        f"f/{aperture:.1f}".replace(".0", "") if aperture else "",
        f"ISO {iso}" if iso else "",
    ]
    return "  ".join(p for p in parts if p)


def focal_text(focal: float | None, focal_35: int | None) -> str:
    if not focal:
        return ""
    text = f"{focal:.1f}".removesuffix(".0") + " mm"
    if focal_35 and abs(focal_35 - focal) > 0.5:
        text += f" ({focal_35} mm in 35 mm terms)"
    return text


def size_text(width: int | None, height: int | None) -> str:
    if not width or not height:
        return ""
    return f"{width} × {height} ({width * height / 1e6:.1f} MP)"


def file_size_text(size: int | None) -> str:
    if size is None:
        return ""
    if size < 1000:
        return f"{size} bytes"
    if size < 1_000_000:
        return f"{size / 1000:.0f} kB"
    return f"{size / 1e6:.1f} MB"


def read_photo_info(path: str | os.PathLike[str]) -> PhotoInfo:
    """The shot's data of ``path``, never raising: what cannot be read is left out (``problem``
    says why when nothing but the file size could be read)."""
    path = Path(path)
    try:
        file_size: int | None = path.stat().st_size
    except OSError:
        file_size = None
    try:
        if formats.is_raw_name(path):
            exif, width, height = _raw_header(path)
        else:
            exif, width, height = _pillow_header(path)
    except (LowlightError, OSError, ValueError, SyntaxError) as exc:
        return PhotoInfo(path.name, file_size, problem=str(exc) or type(exc).__name__)
    fields = _exif_fields(exif) if exif else {}
    return PhotoInfo(path.name, file_size, width, height, **fields)  # type: ignore[arg-type]


def megapixels(path: str | os.PathLike[str]) -> float | None:
    """The photo's size in megapixels from its header (a RAW's through LibRaw, without its
    metadata: a few ms); None when the file cannot be read."""
    path = Path(path)
    try:
        if formats.is_raw_name(path):
            import rawpy

            with rawpy.imread(os.fspath(path)) as raw:
                return raw.sizes.width * raw.sizes.height / 1e6
        from PIL import Image

        from lowlight_gui.core import imageio  # registers the HEIF opener

        del imageio
        with Image.open(path) as im:
            return im.width * im.height / 1e6
    except Exception:  # noqa: BLE001 - any reader's failure: the size is unknown, not an error
        return None


def _raw_header(path: Path) -> tuple[object, int, int]:
    from PIL import Image

    from lowlight_gui.core.raw import raw_metadata  # rawpy loads with the first RAW

    block, width, height = raw_metadata(path)
    exif = Image.Exif()
    if block:
        exif.load(block)
    return exif, width, height


def _pillow_header(path: Path) -> tuple[object, int, int]:
    from PIL import Image

    from lowlight_gui.core import imageio  # registers the HEIF opener

    del imageio
    with Image.open(path) as im:
        width, height = im.size
        exif = im.getexif()
    if exif.get(_ORIENTATION) in (5, 6, 7, 8):  # shown turned a quarter
        width, height = height, width
    return exif, width, height


def _exif_fields(exif: object) -> dict[str, object]:
    """The PhotoInfo fields found in a Pillow ``Image.Exif``: IFD0 and its EXIF IFD."""
    from PIL import Image

    assert isinstance(exif, Image.Exif)
    tags: dict[int, object] = dict(exif)
    try:
        tags.update(exif.get_ifd(_EXIF_IFD))
    except (KeyError, ValueError, TypeError, SyntaxError):
        pass  # a broken EXIF IFD: IFD0's camera and date are still worth showing
    make, model = _text(tags.get(_MAKE)), _text(tags.get(_MODEL))
    lens_make, lens = _text(tags.get(_LENS_MAKE)), _text(tags.get(_LENS_MODEL))
    if lens_make and lens and not lens.lower().startswith(lens_make.split()[0].lower()):
        lens = f"{lens_make} {lens}"
    date = _text(tags.get(_DATE_ORIGINAL)) or _text(tags.get(_DATETIME))
    if len(date) >= 10 and date[4] == ":" and date[7] == ":":
        date = date[:10].replace(":", "-") + date[10:]
    iso_tag = tags.get(_ISO)
    iso = _number(iso_tag[0] if isinstance(iso_tag, tuple) and iso_tag else iso_tag)
    focal_35 = _number(tags.get(_FOCAL_35))
    return {
        "camera": _camera(make, model),
        "lens": lens,
        "iso": round(iso) if iso else None,
        "shutter": _number(tags.get(_EXPOSURE)),
        "aperture": _number(tags.get(_FNUMBER)),
        "focal": _number(tags.get(_FOCAL)),
        "focal_35": round(focal_35) if focal_35 else None,
        "date": date,
    }


def _camera(make: str, model: str) -> str:
    """ "Canon EOS 6D", not "Canon Canon EOS 6D"; "Kodak DC120", not "Eastman Kodak Company
    Kodak DC120"; "LGE Nexus 4"."""
    first = model.split()[0].lower() if model else ""
    if first and first in make.lower().split():
        return model
    return f"{make} {model}".strip()


def _text(value: object) -> str:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return value.replace("\0", "").strip() if isinstance(value, str) else ""


def _number(value: object) -> float | None:
    """A positive EXIF number (int, float, IFDRational, (num, den) or a 1-tuple of those)."""
    if isinstance(value, tuple):
        if len(value) == 2 and all(isinstance(v, int) for v in value):
            value = Fraction(value[0], value[1]) if value[1] else None
        elif value:
            return _number(value[0])
        else:
            return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    return number if number > 0 and math.isfinite(number) else None
