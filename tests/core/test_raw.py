"""Camera RAW decoding (core/raw.py) on DNGs synthesised by tests/rawfixtures.py.

Tolerances are in 0..1 units of the sRGB-encoded output. Measured on the LOL image 10.webp
(600x400) with LibRaw 0.22 (rawpy 0.28): full-size AHD decode mean abs error 0.0050, no
brightness matching needed (per-channel means within 0.1%); half size 0.0070; the error is the
demosaic's, on the image's edges.
"""

from __future__ import annotations

import hashlib
import io
import struct
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

pytest.importorskip("rawpy")

from lowlight_gui.core import raw as rawmod
from lowlight_gui.core.errors import LowlightError
from lowlight_gui.core.raw import RAW_SUFFIXES, decode_raw, is_raw, raw_thumbnail
from tests.rawfixtures import META, ROOT, lol_image, synthetic_image, write_dng

EXIF_IFD = 0x8769
SAMPLE = ROOT / "resources" / "sample" / "sample.dng"


@pytest.fixture(scope="module")
def image() -> np.ndarray:
    return lol_image()


@pytest.fixture(scope="module")
def dng(tmp_path_factory, image) -> Path:
    return write_dng(tmp_path_factory.mktemp("raw") / "shot.dng", image)


def as_float(pixels: np.ndarray) -> np.ndarray:
    return pixels.astype(np.float32) / np.float32(np.iinfo(pixels.dtype).max)


def mae(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a.astype(np.float32) - b.astype(np.float32)).mean())


def parse_exif(data: bytes | None) -> Image.Exif:
    assert data is not None and data.startswith(b"Exif\x00\x00")
    exif = Image.Exif()
    exif.load(data)
    return exif


def shrink(img: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """float 0..1 HxWx3 -> uint8 resized to (w, h), for comparing thumbnails."""
    im = Image.fromarray((np.clip(img, 0, 1) * 255).round().astype(np.uint8))
    return np.asarray(im.resize(size, Image.Resampling.BOX))


# -- suffixes -----------------------------------------------------------------------------------


def test_raw_suffixes():
    common = {".dng", ".cr2", ".cr3", ".nef", ".arw", ".raf", ".orf", ".rw2", ".pef"}
    older = {".crw", ".kdc", ".dcr", ".k25", ".mrw", ".srf", ".sr2", ".nrw", ".x3f", ".3fr"}
    assert common | older <= RAW_SUFFIXES
    assert is_raw("a/b/IMG_0001.CR3") and is_raw(Path("x.nef")) and is_raw("y.Dng")
    assert is_raw("old/CRW_0001.CRW") and is_raw("dc50.kdc")
    assert not is_raw("photo.jpg") and not is_raw("dng") and not is_raw("x.tif")


# -- developing ---------------------------------------------------------------------------------


def test_decode_returns_the_image_at_16_bits(dng, image):
    before = hashlib.sha256(dng.read_bytes()).hexdigest()
    result = decode_raw(dng)
    assert result.pixels.dtype == np.uint16
    assert result.pixels.shape == image.shape
    assert result.pixels.flags.c_contiguous
    got = as_float(result.pixels)
    assert mae(got, image) < 0.015  # measured 0.0050: camera WB, colour and gamma undo the fixture
    # no auto-brightening and no darkening: the exposure is the scene's (measured within 0.1%)
    np.testing.assert_allclose(got.mean(axis=(0, 1)), image.mean(axis=(0, 1)), rtol=0.01)
    assert len(np.unique(result.pixels)) > 4096  # real 16-bit levels, not 8-bit ones scaled
    assert result.notes == []
    assert hashlib.sha256(dng.read_bytes()).hexdigest() == before  # the RAW is only read


def test_output_is_srgb_encoded_like_a_jpeg(tmp_path):
    """Flat grey patches come back at their sRGB values: not linear, not BT.709, not brightened.

    The brightest patch stays under 3/4 of the sensor's range in linear light: above that LibRaw
    takes the brightest raw value as the white level (see raw.py), which would move them all.
    """
    levels = np.array([0.02, 0.05, 0.1, 0.2, 0.35, 0.5, 0.65, 0.75, 0.8, 0.85], np.float32)
    wedge = np.repeat(np.repeat(levels, 32)[None, :, None], 32, axis=0).repeat(3, axis=2)
    result = decode_raw(write_dng(tmp_path / "wedge.dng", wedge))
    got = as_float(result.pixels)[16, 16::32]  # the centre of each patch
    np.testing.assert_allclose(got, levels[:, None].repeat(3, axis=1), atol=0.004)


def test_blown_highlights_fade_to_white(tmp_path):
    """LibRaw's blend mode: below the clip point the same as plain clipping, above it towards
    white instead of the flat yellow that per-channel clipping gives a warm lamp."""
    ramp = np.linspace(0.0, 1.0, 512, dtype=np.float32)
    lamp = (ramp[None, :, None] * np.array([1.0, 0.75, 0.45], np.float32)).repeat(32, axis=0)
    got = as_float(decode_raw(write_dng(tmp_path / "lamp.dng", lamp, exposure=3.0)).pixels)[16]
    # exposed 3x: linear 1/3 of the ramp is where the sensor's red saturates (sRGB ~0.61)
    below = slice(20, 250)
    expected = np.clip(
        1.055 * np.clip(3 * ((lamp[16, below] + 0.055) / 1.055) ** 2.4, 0, 1) ** (1 / 2.4) - 0.055,
        0, 1)
    assert mae(got[below], expected) < 0.01
    assert got[-8:, 2].min() > 0.85  # the blue of the blown lamp rises towards white
    assert np.all(np.diff(got[300:, 2]) > -0.01)  # smoothly, without a dip or a magenta band


@pytest.mark.parametrize("orientation, rotate", [(6, -1), (8, 1), (3, 2)])
def test_orientation_is_applied(tmp_path, image, orientation, rotate):
    path = write_dng(tmp_path / f"o{orientation}.dng", image, orientation=orientation)
    result = decode_raw(path)
    upright = np.rot90(image, rotate)
    assert result.pixels.shape == upright.shape  # 6 and 8: 400 wide, 600 high
    assert mae(as_float(result.pixels), upright) < 0.015


def test_half_size(dng, image):
    result = decode_raw(dng, half_size=True)
    assert result.pixels.dtype == np.uint16
    assert result.pixels.shape == (image.shape[0] // 2, image.shape[1] // 2, 3)
    halved = image.reshape(image.shape[0] // 2, 2, image.shape[1] // 2, 2, 3).mean(axis=(1, 3))
    assert mae(as_float(result.pixels), halved) < 0.02  # measured 0.0070


def test_half_size_is_oriented_too(tmp_path, image):
    path = write_dng(tmp_path / "o6.dng", image, orientation=6)
    assert decode_raw(path, half_size=True).pixels.shape == (300, 200, 3)


def test_camera_metadata_goes_into_exif(dng):
    result = decode_raw(dng)
    assert result.camera == "Lowlight Synthetic DNG 1"
    exif = parse_exif(result.exif)
    assert exif[0x010F] == META["make"] and exif[0x0110] == META["model"]
    assert exif[0x0112] == 1  # the pixels are upright
    sub = exif.get_ifd(EXIF_IFD)
    assert sub[0x8827] == META["iso"]
    assert float(sub[0x829A]) == pytest.approx(1 / 50)
    assert float(sub[0x829D]) == pytest.approx(2.8)
    assert sub[0x9003] == META["datetime"]
    assert sub[0xA434] == META["lens"]
    assert float(sub[0x920A]) == pytest.approx(35.0)


def test_metadata_from_the_preview_jpeg(tmp_path, image):
    """A RAW whose own tags carry no metadata (like a Fujifilm RAF): the embedded JPEG's EXIF."""
    path = write_dng(tmp_path / "p.dng", image[:64, :96], preview="jpeg", container_meta=False)
    with open(path, "rb") as fp:
        assert rawmod._tiff_tags(fp, path.stat().st_size) == {}  # nothing in the TIFF tags
    result = decode_raw(path)
    assert result.camera == "Lowlight Synthetic DNG 1"
    sub = parse_exif(result.exif).get_ifd(EXIF_IFD)
    assert sub[0x8827] == META["iso"] and sub[0x9003] == META["datetime"]
    assert float(sub[0x829A]) == pytest.approx(1 / 50)


def test_metadata_from_libraw():
    """What LibRaw parsed (e.g. from maker notes) fills the gaps, as EXIF types."""
    from datetime import datetime
    from types import SimpleNamespace

    fake = SimpleNamespace(
        other=SimpleNamespace(iso_speed=800.0, shutter_speed=0.004, aperture=5.6,
                              focal_length=24.0, timestamp=datetime(2023, 1, 2, 3, 4, 5)),
        lens=SimpleNamespace(model="NIKKOR Z 24-70mm f/4 S", make=""),
    )
    tags = rawmod._libraw_tags(fake)
    assert tags[0x829A] == (1, 250) and tags[0x829D] == (28, 5) and tags[0x8827] == 800
    assert tags[0x9003] == "2023:01:02 03:04:05" and tags[0xA434].startswith("NIKKOR")
    sub = parse_exif(rawmod._exif_block(tags)[0]).get_ifd(EXIF_IFD)
    assert float(sub[0x829D]) == pytest.approx(5.6) and float(sub[0x920A]) == 24.0


def test_no_metadata_gives_no_exif(tmp_path, image):
    empty = dict.fromkeys(META)
    result = decode_raw(write_dng(tmp_path / "bare.dng", image[:64, :96], meta=empty))
    assert result.exif is None and result.camera == ""


@pytest.mark.parametrize("rawpy_reports_wb", [True, False], ids=["blend", "old-rawpy-clip"])
def test_missing_camera_white_balance_falls_back_to_auto(tmp_path, image, monkeypatch,
                                                         rawpy_reports_wb):
    monkeypatch.setattr(rawmod, "_HAS_USED_WB", rawpy_reports_wb and rawmod._HAS_USED_WB)
    result = decode_raw(write_dng(tmp_path / "nowb.dng", image, camera_wb=False))
    assert any("white balance" in note for note in result.notes)
    got = as_float(result.pixels)
    # grey-world on this picture: close to, not exactly, the camera's balance (measured 0.010)
    assert mae(got, image) < 0.04
    assert abs(got.mean() - image.mean()) < 0.03  # the exposure is still the scene's


def test_max_pixels_is_checked_before_decoding(dng):
    with pytest.raises(LowlightError, match=r"'shot.dng'.*600 x 400 pixels, more than"):
        decode_raw(dng, max_pixels=100_000)
    assert decode_raw(dng, half_size=True, max_pixels=100_000).pixels.shape == (200, 300, 3)


# -- thumbnails ---------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["jpeg", "bitmap"])
def test_thumbnail_from_the_embedded_preview(tmp_path, image, kind):
    other = 1.0 - image  # the preview shows another picture: proof it was used, not a develop
    path = write_dng(tmp_path / f"{kind}.dng", image, preview=kind, preview_side=240,
                     preview_srgb=other)
    thumb = raw_thumbnail(path, 120)
    assert thumb.dtype == np.uint8 and thumb.shape == (80, 120, 3)
    assert mae(thumb, shrink(other, (120, 80))) < 8  # of 255 (JPEG and resampling)


@pytest.mark.parametrize("orientation, rotate", [(6, -1), (8, 1)])
def test_thumbnail_is_upright(tmp_path, image, orientation, rotate):
    path = write_dng(tmp_path / "t.dng", image, preview="jpeg", orientation=orientation)
    thumb = raw_thumbnail(path, 160)
    assert thumb.shape == (160, 107, 3)
    assert mae(thumb, shrink(np.rot90(image, rotate), (107, 160))) < 8


def test_thumbnail_without_a_preview_develops_at_half_size(dng, image):
    thumb = raw_thumbnail(dng, 150)
    assert thumb.dtype == np.uint8 and thumb.shape == (100, 150, 3)
    assert mae(thumb, shrink(image, (150, 100))) < 8


def test_small_preview_is_not_enlarged_into_a_thumbnail(tmp_path, image):
    """A preview under half the asked size is too blurry: the RAW is developed instead."""
    path = write_dng(tmp_path / "tiny.dng", image, preview="jpeg", preview_side=40,
                     preview_srgb=1.0 - image)
    thumb = raw_thumbnail(path, 300)
    assert thumb.shape == (200, 300, 3)
    assert mae(thumb, shrink(image, (300, 200))) < 8


# -- errors -------------------------------------------------------------------------------------


@pytest.fixture
def bad_files(tmp_path, dng) -> dict[str, Path]:
    data = dng.read_bytes()
    files = {
        "truncated": tmp_path / "cut.dng",
        "text": tmp_path / "notes.nef",
        "jpeg": tmp_path / "photo.cr2",
        "empty": tmp_path / "empty.arw",
    }
    files["truncated"].write_bytes(data[: len(data) // 2])  # tags intact, half the pixels gone
    files["text"].write_text("this is not a photo\n" * 50)
    Image.fromarray(np.zeros((48, 64, 3), np.uint8)).save(files["jpeg"], "JPEG")
    files["empty"].write_bytes(b"")
    return files


@pytest.mark.parametrize("kind, reason", [
    ("truncated", "the RAW file is truncated or damaged"),
    ("text", "it is not a camera RAW file LibRaw can read"),
    ("jpeg", "it is not a camera RAW file LibRaw can read"),
    ("empty", "the file is empty"),
])
@pytest.mark.parametrize("call", [decode_raw, lambda p: raw_thumbnail(p, 64)],
                         ids=["decode", "thumbnail"])
def test_bad_files_give_a_sentence_naming_the_file(bad_files, kind, reason, call):
    path = bad_files[kind]
    with pytest.raises(LowlightError) as info:
        call(path)
    assert str(info.value) == f"cannot read '{path.name}': {reason}"


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(LowlightError, match=r"cannot read 'gone.nef': the file does not exist"):
        decode_raw(tmp_path / "gone.nef")
    folder = tmp_path / "DCIM.dng"
    folder.mkdir()
    with pytest.raises(LowlightError, match=r"'DCIM.dng': it is a folder"):
        decode_raw(folder)


# -- metadata readers for other containers --------------------------------------------------------


def test_tiff_tags_accept_orf_and_rw2_magic(dng):
    data = bytearray(dng.read_bytes()[:4096])
    for magic in (0x4F52, 0x55):  # Olympus "IIRO", Panasonic "IIU"
        struct.pack_into("<H", data, 2, magic)
        tags = rawmod._tiff_tags(io.BytesIO(bytes(data)), len(data))
        assert tags[0x010F] == META["make"] and tags[0x8827] == (META["iso"],)


def test_cr3_metadata_boxes():
    """Canon CR3: moov/uuid(Canon)/CMT1 is IFD0 and CMT2 the EXIF IFD, each a little TIFF."""

    def tiff(entries: list[tuple[int, int, int, bytes]]) -> bytes:
        out = bytearray(b"II*\x00\x08\x00\x00\x00")
        extra_at = 8 + 2 + 12 * len(entries) + 4
        extra = bytearray()
        body = bytearray(struct.pack("<H", len(entries)))
        for tag, typ, count, value in entries:
            if len(value) <= 4:
                body += struct.pack("<HHI", tag, typ, count) + value.ljust(4, b"\0")
            else:
                body += struct.pack("<HHII", tag, typ, count, extra_at + len(extra))
                extra += value
        return bytes(out + body + b"\0\0\0\0" + extra)

    def box(kind: bytes, payload: bytes) -> bytes:
        return struct.pack(">I", 8 + len(payload)) + kind + payload

    cmt1 = tiff([(0x010F, 2, 6, b"Canon\0"), (0x0110, 2, 13, b"Canon EOS R5\0")])
    cmt2 = tiff([(0x8827, 3, 1, struct.pack("<H", 1600)),
                 (0x829A, 5, 1, struct.pack("<II", 1, 125))])
    canon = rawmod._CR3_UUID + box(b"CNCV", b"CanonCR3_001/00.09.00/00.00.00") \
        + box(b"CMT1", cmt1) + box(b"CMT2", cmt2)
    data = box(b"ftyp", b"crx \x00\x00\x00\x01crx isom") + box(b"moov", box(b"uuid", canon)) \
        + box(b"mdat", b"\0" * 64)
    tags = rawmod._cr3_tags(io.BytesIO(data), len(data))
    assert tags[0x010F] == "Canon" and tags[0x0110] == "Canon EOS R5"
    assert tags[0x8827] == (1600,) and tags[0x829A] == ((1, 125),)
    exif, camera = rawmod._exif_block(tags)
    assert camera == "Canon EOS R5"
    assert float(parse_exif(exif).get_ifd(EXIF_IFD)[0x829A]) == pytest.approx(1 / 125)


def test_synthetic_fallback_image_decodes(tmp_path):
    """The fixture works without the shared LOL data too."""
    img = synthetic_image(64, 96)
    got = as_float(decode_raw(write_dng(tmp_path / "s.dng", img)).pixels)
    assert mae(got, img) < 0.02


# -- the bundled sample ---------------------------------------------------------------------------


def test_bundled_sample_dng():
    assert SAMPLE.is_file() and SAMPLE.stat().st_size < 100_000
    result = decode_raw(SAMPLE)
    assert result.pixels.shape == (64, 96, 3) and result.pixels.dtype == np.uint16
    assert result.camera == "Lowlight Sample DNG"
    assert 0.05 < as_float(result.pixels).mean() < 0.5  # a dark night scene, not black
    assert raw_thumbnail(SAMPLE, 64).shape == (43, 64, 3)
