"""Image I/O: formats and modes, metadata, 16 bits, alpha, bad input, atomic writes."""

from __future__ import annotations

import errno
import math
import os
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
import pyvips
from PIL import Image, ImageOps

from lowlight_gui.core import filelock, imageio
from lowlight_gui.core.errors import Cancelled, LowlightError
from lowlight_gui.core.imageio import MAX_PIXELS, Photo, output_suffix, read_photo, write_photo
from tests.conftest import refuse_creates_in

ORIENTATION = 0x0112
MAKE = 0x010F


def exif_with(orientation: int | None = None, make: str = "TestCam") -> bytes:
    ex = Image.Exif()
    ex[MAKE] = make
    if orientation is not None:
        ex[ORIENTATION] = orientation
    ex[0x8769] = {0x9003: "2024:05:06 07:08:09"}  # DateTimeOriginal in the EXIF sub-IFD
    return ex.tobytes()


def parse_exif(data: bytes | None) -> Image.Exif:
    assert data is not None
    ex = Image.Exif()
    ex.load(data)
    return ex


def leftovers(folder: Path) -> list[str]:
    """Hidden or temporary files a failed write may have left behind."""
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".") or ".tmp" in p.name)


def encode16(array: np.ndarray, suffix: str) -> bytes:
    """A 16-bit PNG or TIFF of ``array`` (HxW or HxWxC uint16, RGB(A) order), made by libvips."""
    channels = 1 if array.ndim == 2 else array.shape[2]
    im = pyvips.Image.new_from_array(array, interpretation="grey16" if channels < 3 else "rgb16")
    return bytes(im.write_to_buffer(suffix))


def png_bytes(w: int, h: int) -> bytes:
    """A tiny PNG that declares a w x h RGB image (its pixel data is a few bytes)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + body))
        return struct.pack(">I", len(body)) + kind + body + crc

    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
            + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b""))


# -- round trips -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("suffix", "lossless"),
    [(".png", True), (".tif", True), (".bmp", True), (".webp", False), (".jpg", False)],
)
def test_rgb8_round_trip(tmp_path: Path, rgb8: np.ndarray, suffix: str, lossless: bool) -> None:
    src = tmp_path / f"in{suffix}"
    if not lossless:  # lossy codecs smear noise; a smooth picture makes the check meaningful
        yy, xx = np.mgrid[0:37, 0:53]
        rgb8 = np.dstack([xx * 4, yy * 6, (xx + yy) * 2]).astype(np.uint8)
    Image.fromarray(rgb8).save(src, **({} if lossless else {"quality": 100}))
    photo = read_photo(src)
    assert photo.pixels.dtype == np.float32 and photo.pixels.shape == (37, 53, 3)
    assert photo.pixels.flags.c_contiguous
    assert (photo.width, photo.height, photo.bit_depth, photo.alpha) == (53, 37, 8, None)
    assert photo.source == src and photo.megapixels == pytest.approx(37 * 53 / 1e6)
    assert 0.0 <= photo.pixels.min() and photo.pixels.max() <= 1.0
    tol = 0 if lossless else 8
    assert np.abs(photo.pixels * 255 - rgb8).max() <= tol + 1e-3

    out = write_photo(photo, photo.pixels, tmp_path / f"out{suffix}", fmt="same")
    assert out == tmp_path / f"out{suffix}"
    back = read_photo(out)
    assert back.format == photo.format
    if lossless:
        np.testing.assert_array_equal(np.rint(back.pixels * 255), rgb8)
    assert leftovers(tmp_path) == []


def test_formats_are_named_by_content(tmp_path: Path, rgb8: np.ndarray) -> None:
    path = tmp_path / "really_a_png.jpg"
    Image.fromarray(rgb8).save(path, format="PNG")
    assert read_photo(path).format == "PNG"


@pytest.mark.parametrize("size", [(1, 1), (601, 399)])
def test_tiny_and_odd_sizes(tmp_path: Path, size: tuple[int, int]) -> None:
    w, h = size
    src = tmp_path / "odd.png"
    Image.new("RGB", size, (10, 200, 30)).save(src)
    photo = read_photo(src)
    assert photo.pixels.shape == (h, w, 3)
    out = read_photo(write_photo(photo, photo.pixels, tmp_path / "odd_out.jpg"))
    assert out.pixels.shape == (h, w, 3)


def test_grey_png_gives_rgb(tmp_path: Path, rgb8: np.ndarray) -> None:
    grey = rgb8[..., 0]
    Image.fromarray(grey).save(tmp_path / "g.png")
    photo = read_photo(tmp_path / "g.png")
    assert photo.pixels.shape == (37, 53, 3) and photo.alpha is None
    for c in range(3):
        np.testing.assert_array_equal(np.rint(photo.pixels[..., c] * 255), grey)


def test_grey_alpha_png_keeps_alpha(tmp_path: Path, rgb8: np.ndarray) -> None:
    la = rgb8[..., :2].copy()
    Image.merge("LA", [Image.fromarray(la[..., 0]), Image.fromarray(la[..., 1])]).save(
        tmp_path / "la.png"
    )
    photo = read_photo(tmp_path / "la.png")
    assert photo.alpha is not None
    np.testing.assert_array_equal(photo.alpha, la[..., 1])
    np.testing.assert_array_equal(np.rint(photo.pixels[..., 2] * 255), la[..., 0])
    back = read_photo(write_photo(photo, photo.pixels, tmp_path / "la_out.png"))
    assert back.alpha is not None
    np.testing.assert_array_equal(back.alpha, la[..., 1])


@pytest.mark.parametrize("suffix", [".png", ".tif", ".webp"])
def test_rgba_alpha_carried_through(tmp_path: Path, rgb8: np.ndarray, suffix: str) -> None:
    alpha = np.tile(np.arange(53, dtype=np.uint8) * 4, (37, 1))
    rgba = np.dstack([rgb8, alpha])
    Image.fromarray(rgba).save(tmp_path / "a.png")
    photo = read_photo(tmp_path / "a.png")
    assert photo.alpha is not None and photo.alpha.shape == (37, 53)
    np.testing.assert_array_equal(photo.alpha, alpha)
    back = read_photo(write_photo(photo, photo.pixels, tmp_path / f"out{suffix}"))
    assert back.alpha is not None
    np.testing.assert_array_equal(back.alpha, alpha)


@pytest.mark.parametrize("suffix", [".jpg", ".bmp"])
def test_alpha_dropped_with_note(tmp_path: Path, rgb8: np.ndarray, suffix: str) -> None:
    rgba = np.dstack([rgb8, np.full((37, 53), 128, np.uint8)])
    Image.fromarray(rgba).save(tmp_path / "a.png")
    photo = read_photo(tmp_path / "a.png")
    back = read_photo(write_photo(photo, photo.pixels, tmp_path / f"out{suffix}"))
    assert back.alpha is None
    assert any("alpha" in n for n in photo.notes)


def test_palette_png(tmp_path: Path) -> None:
    im = Image.new("P", (6, 4), 1)
    im.putpalette([0, 0, 0, 255, 0, 0] + [0] * (254 * 3))
    im.putpixel((0, 0), 0)
    im.save(tmp_path / "p.png")
    photo = read_photo(tmp_path / "p.png")
    assert photo.alpha is None
    np.testing.assert_allclose(photo.pixels[1, 1], [1, 0, 0])
    im.save(tmp_path / "pt.png", transparency=0)
    photo = read_photo(tmp_path / "pt.png")
    assert photo.alpha is not None and photo.alpha[0, 0] == 0 and photo.alpha[1, 1] == 255


def test_cmyk_jpeg_converted_with_note(tmp_path: Path) -> None:
    Image.new("CMYK", (8, 6), (0, 255, 255, 0)).save(tmp_path / "c.jpg", quality=100)
    photo = read_photo(tmp_path / "c.jpg")
    assert any("CMYK" in n for n in photo.notes)
    r, g, b = photo.pixels[3, 4]
    assert r > 0.9 and g < 0.1 and b < 0.1
    assert photo.icc is None


# -- 16 bits -----------------------------------------------------------------------------------


@pytest.mark.parametrize("channels", [3, 4])
@pytest.mark.parametrize("src_suffix", [".png", ".tif"])
@pytest.mark.parametrize("out_suffix", [".png", ".tif"])
def test_16bit_round_trip(
    tmp_path: Path, rng: np.random.Generator, channels: int, src_suffix: str, out_suffix: str,
    srgb_icc: bytes,
) -> None:
    a16 = rng.integers(0, 65536, (29, 41, channels), dtype=np.uint16)
    src = tmp_path / f"in16{src_suffix}"
    src.write_bytes(encode16(a16, src_suffix))

    photo = read_photo(src)
    assert photo.bit_depth == 16
    np.testing.assert_allclose(photo.pixels, a16[..., :3] / 65535, atol=0.5 / 65535)
    photo.exif, photo.icc = exif_with(1), srgb_icc

    out = write_photo(photo, photo.pixels, tmp_path / f"out16{out_suffix}")
    back = read_photo(out)
    assert back.bit_depth == 16
    np.testing.assert_allclose(back.pixels, a16[..., :3] / 65535, atol=1 / 65535)
    if channels == 4:
        assert back.alpha is not None
        np.testing.assert_allclose(back.float_alpha(), a16[..., 3] / 65535, atol=1 / 65535)
    assert back.icc == srgb_icc
    ex = parse_exif(back.exif)
    assert ex[MAKE] == "TestCam" and ex.get(ORIENTATION, 1) == 1
    assert ex.get_ifd(0x8769)[0x9003] == "2024:05:06 07:08:09"
    if out_suffix == ".tif":  # what the file declares, as another reader (Pillow) sees it
        with Image.open(out) as im:
            assert im.size == (41, 29) and im.tag_v2[258] == (16,) * channels
            assert im.tag_v2.get(338) == (None if channels == 3 else (2,))  # unassociated alpha
    else:  # the PNG header says 16 bits, RGB(A)
        header = out.read_bytes()[:26]
        assert header[24] == 16 and header[25] == (2 if channels == 3 else 6)
    assert leftovers(tmp_path) == []


def test_16bit_grey_png(tmp_path: Path, rng: np.random.Generator) -> None:
    grey = rng.integers(0, 65536, (9, 11), dtype=np.uint16)
    Image.fromarray(grey).save(tmp_path / "g16.png")
    photo = read_photo(tmp_path / "g16.png")
    assert photo.bit_depth == 16 and photo.pixels.shape == (9, 11, 3)
    np.testing.assert_allclose(photo.pixels[..., 1], grey / 65535, atol=0.5 / 65535)
    back = read_photo(write_photo(photo, photo.pixels, tmp_path / "g16_out.png"))
    assert back.bit_depth == 16
    np.testing.assert_allclose(back.pixels[..., 0], grey / 65535, atol=1 / 65535)


@pytest.mark.parametrize("suffix", [".png", ".tif"])
def test_16bit_grey_with_alpha(tmp_path: Path, rng: np.random.Generator, suffix: str) -> None:
    """Written so that it reads back: grey+alpha in a PNG, RGB+alpha in a TIFF (no reader here
    opens a 16-bit grey+alpha TIFF)."""
    grey = rng.integers(0, 65536, (9, 11, 1), dtype=np.uint16)
    alpha = rng.integers(0, 65536, (9, 11), dtype=np.uint16)
    photo = Photo(grey, alpha=alpha, bit_depth=16)
    back = read_photo(write_photo(photo, grey, tmp_path / f"ga{suffix}"))
    assert back.bit_depth == 16 and back.grey == (suffix == ".png")
    for c in range(back.data.shape[2]):
        np.testing.assert_array_equal(back.data[..., c], grey[..., 0])
    np.testing.assert_array_equal(back.alpha, alpha)


def test_16bit_to_jpeg_is_8bit_with_note(tmp_path: Path, rng: np.random.Generator) -> None:
    a16 = rng.integers(0, 65536, (8, 8, 3), dtype=np.uint16)
    (tmp_path / "x.png").write_bytes(encode16(a16, ".png"))
    photo = read_photo(tmp_path / "x.png")
    back = read_photo(write_photo(photo, photo.pixels, tmp_path / "x.jpg"))
    assert back.bit_depth == 8 and any("8 bits" in n for n in photo.notes)


def test_8bit_source_stays_8bit(png_file: Path, tmp_path: Path) -> None:
    photo = read_photo(png_file)
    out = write_photo(photo, photo.pixels, tmp_path / "o.tif")
    assert read_photo(out).bit_depth == 8


# -- metadata ----------------------------------------------------------------------------------


@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_applied_and_reset(
    tmp_path: Path, rgb8: np.ndarray, orientation: int
) -> None:
    src = tmp_path / "o.png"
    Image.fromarray(rgb8).save(src, exif=exif_with(orientation))
    with Image.open(src) as im:
        expected = np.asarray(ImageOps.exif_transpose(im).convert("RGB"))
    photo = read_photo(src)
    np.testing.assert_array_equal(np.rint(photo.pixels * 255), expected)
    assert parse_exif(photo.exif)[ORIENTATION] == 1

    out = write_photo(photo, photo.pixels, tmp_path / "o_out.png")
    with Image.open(out) as im:
        assert im.getexif()[ORIENTATION] == 1 and im.getexif()[MAKE] == "TestCam"
    np.testing.assert_array_equal(np.rint(read_photo(out).pixels * 255), expected)


@pytest.mark.parametrize("suffix", [".jpg", ".png", ".tif", ".webp"])
def test_exif_and_icc_preserved(
    tmp_path: Path, rgb8: np.ndarray, srgb_icc: bytes, suffix: str
) -> None:
    src = tmp_path / "m.jpg"
    Image.fromarray(rgb8).save(src, exif=exif_with(6), icc_profile=srgb_icc, quality=95)
    photo = read_photo(src)
    assert photo.pixels.shape == (53, 37, 3)  # orientation 6: rotated a quarter turn
    assert photo.icc == srgb_icc
    out = write_photo(photo, photo.pixels, tmp_path / f"m_out{suffix}")
    back = read_photo(out)
    assert back.pixels.shape == (53, 37, 3)  # not rotated a second time
    assert back.icc == srgb_icc
    ex = parse_exif(back.exif)
    assert ex[ORIENTATION] == 1 and ex[MAKE] == "TestCam"
    assert ex.get_ifd(0x8769)[0x9003] == "2024:05:06 07:08:09"


def test_bmp_drops_metadata_with_note(tmp_path: Path, rgb8: np.ndarray, srgb_icc: bytes) -> None:
    Image.fromarray(rgb8).save(tmp_path / "m.png", exif=exif_with(1), icc_profile=srgb_icc)
    photo = read_photo(tmp_path / "m.png")
    write_photo(photo, photo.pixels, tmp_path / "m.bmp")
    assert any("BMP" in n for n in photo.notes)


def test_grey_icc_profile_dropped(tmp_path: Path, rgb8: np.ndarray, srgb_icc: bytes) -> None:
    grey_icc = srgb_icc[:16] + b"GRAY" + srgb_icc[20:]
    Image.fromarray(rgb8[..., 0]).save(tmp_path / "g.png", icc_profile=grey_icc)
    photo = read_photo(tmp_path / "g.png")
    assert photo.icc is None and any("profile" in n for n in photo.notes)


def test_heic_round_trip(tmp_path: Path, rgb8: np.ndarray) -> None:
    pillow_heif = pytest.importorskip("pillow_heif")
    src = tmp_path / "phone.heic"
    pillow_heif.from_pillow(Image.fromarray(rgb8)).save(src, quality=95)
    photo = read_photo(src)
    assert photo.format == "HEIF" and photo.pixels.shape == (37, 53, 3)
    assert abs(float(photo.pixels.mean()) - rgb8.mean() / 255) < 0.03
    assert output_suffix("HEIF", "same") == ".jpg"
    out = write_photo(photo, photo.pixels, tmp_path / "phone_out.jpg", fmt="same")
    assert read_photo(out).format == "JPEG"


def test_output_formats() -> None:
    assert output_suffix("JPEG", "same") == ".jpg"
    assert output_suffix("PNG", "same") == ".png"
    assert output_suffix("TIFF", "same") == ".tif"
    assert output_suffix("WEBP", "same") == ".webp"
    assert output_suffix("BMP", "same") == ".bmp"
    assert output_suffix("HEIF", "same") == ".jpg"
    assert output_suffix("HEIF", "png") == ".png"
    assert output_suffix("PNG", "jpg") == ".jpg"
    assert output_suffix("JPEG", "tif") == ".tif"
    with pytest.raises(LowlightError, match="unknown output format"):
        output_suffix("PNG", "gif")
    assert ".heic" in imageio.SUPPORTED_SUFFIXES and ".jpeg" in imageio.SUPPORTED_SUFFIXES


def test_fmt_option_wins_over_suffix(png_file: Path, tmp_path: Path) -> None:
    photo = read_photo(png_file)
    out = write_photo(photo, photo.pixels, tmp_path / "x.png", fmt="jpg")
    with Image.open(out) as im:
        assert im.format == "JPEG"


def test_write_refuses_bad_options(png_file: Path, tmp_path: Path) -> None:
    photo = read_photo(png_file)
    with pytest.raises(LowlightError, match="cannot write HEIF"):
        write_photo(photo, photo.pixels, tmp_path / "x.heic")
    with pytest.raises(LowlightError, match="cannot be told"):
        write_photo(photo, photo.pixels, tmp_path / "x.out")
    with pytest.raises(LowlightError, match="quality"):
        write_photo(photo, photo.pixels, tmp_path / "x.jpg", quality=0)


def test_quality_changes_jpeg_size(png_file: Path, tmp_path: Path) -> None:
    photo = read_photo(png_file)
    low = write_photo(photo, photo.pixels, tmp_path / "low.jpg", quality=20)
    high = write_photo(photo, photo.pixels, tmp_path / "high.jpg", quality=98)
    assert low.stat().st_size < high.stat().st_size


def test_out_of_range_pixels_are_clipped(tmp_path: Path) -> None:
    photo = Photo(np.zeros((2, 2, 3), np.float32))
    pixels = np.array([[[-1, 2, np.nan], [0.5, 1, 0]]] * 2, np.float32)
    back = read_photo(write_photo(photo, pixels, tmp_path / "c.png"))
    np.testing.assert_array_equal(np.rint(back.pixels[0] * 255), [[0, 255, 0], [128, 255, 0]])


def test_non_ascii_paths(tmp_path: Path, rgb8: np.ndarray, rng: np.random.Generator) -> None:
    folder = tmp_path / "fotó 写真 ß"
    folder.mkdir()
    Image.fromarray(rgb8).save(folder / "ñandú.jpg")
    photo = read_photo(folder / "ñandú.jpg")
    out = write_photo(photo, photo.pixels, folder / "ñandú_é.png")
    assert read_photo(out).pixels.shape == (37, 53, 3)
    (folder / "δεκαέξι.png").write_bytes(encode16(rng.integers(0, 65536, (5, 5, 3), np.uint16), ".png"))
    p16 = read_photo(folder / "δεκαέξι.png")
    assert p16.bit_depth == 16
    assert read_photo(write_photo(p16, p16.pixels, folder / "δ_out.tif")).bit_depth == 16


# -- bad input ---------------------------------------------------------------------------------


def test_empty_file(tmp_path: Path) -> None:
    (tmp_path / "empty.jpg").write_bytes(b"")
    with pytest.raises(LowlightError, match=r"cannot read 'empty.jpg': the file is empty"):
        read_photo(tmp_path / "empty.jpg")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(LowlightError, match=r"cannot read 'gone.jpg': the file does not exist"):
        read_photo(tmp_path / "gone.jpg")


def test_folder_is_not_a_photo(tmp_path: Path) -> None:
    (tmp_path / "dir.jpg").mkdir()
    with pytest.raises(LowlightError, match="folder"):
        read_photo(tmp_path / "dir.jpg")


def test_text_file_named_jpg(tmp_path: Path) -> None:
    (tmp_path / "notes.jpg").write_text("shopping list: milk, eggs\n")
    with pytest.raises(LowlightError, match=r"cannot read 'notes.jpg': it is not an image"):
        read_photo(tmp_path / "notes.jpg")


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_truncated_file(tmp_path: Path, rng: np.random.Generator, fmt: str) -> None:
    path = tmp_path / f"cut.{fmt.lower()}"
    Image.fromarray(rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)).save(path, format=fmt)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(LowlightError, match="the file is truncated or damaged"):
        read_photo(path)


def test_truncated_16bit_png(tmp_path: Path, rng: np.random.Generator) -> None:
    data = encode16(rng.integers(0, 65536, (64, 64, 3), dtype=np.uint16), ".png")
    (tmp_path / "cut16.png").write_bytes(data[: len(data) // 2])
    with pytest.raises(LowlightError, match="the file is truncated or damaged"):
        read_photo(tmp_path / "cut16.png")


def test_unsupported_format(tmp_path: Path, rgb8: np.ndarray) -> None:
    Image.fromarray(rgb8).save(tmp_path / "anim.gif")
    with pytest.raises(LowlightError, match=r"cannot read 'anim.gif': GIF images are not supported"):
        read_photo(tmp_path / "anim.gif")


@pytest.mark.parametrize("factor", [1, 2])  # Pillow's warning range, then its error range
def test_decompression_bomb_refused_before_decoding(tmp_path: Path, factor: int) -> None:
    side = math.isqrt(factor * MAX_PIXELS) + 100
    path = tmp_path / "bomb.png"
    path.write_bytes(png_bytes(side, side))
    assert path.stat().st_size < 200
    with pytest.raises(LowlightError, match=f"{MAX_PIXELS:,} pixels") as info:
        read_photo(path)
    assert str(info.value).startswith("cannot read 'bomb.png': ")
    assert "memory" in str(info.value)


def test_pixel_limit_follows_memory() -> None:
    gb = 1_000_000_000
    # (3/4 of the memory - 400 MB) / 12 bytes per pixel, between 50 MP and 1 GP
    assert imageio.pixel_limit(8 * gb) == (6 * gb - 400_000_000) // 12 == 466_666_666
    assert imageio.pixel_limit(4 * gb) == 216_666_666
    assert imageio.pixel_limit(1 * gb) == 50_000_000
    assert imageio.pixel_limit(1000 * gb) == 1_000_000_000
    assert imageio.pixel_limit(8 * gb, bytes_per_pixel=40) == 140_000_000  # e.g. a float preview
    assert MAX_PIXELS == imageio.pixel_limit() and Image.MAX_IMAGE_PIXELS == MAX_PIXELS
    memory = imageio.physical_memory()
    assert memory is None or memory > 100_000_000


def test_max_pixels_argument(png_file: Path) -> None:
    with pytest.raises(LowlightError, match="53 x 37 pixels, more than the limit of 1,000"):
        read_photo(png_file, max_pixels=1000)


# -- atomic writes -----------------------------------------------------------------------------


def test_temp_file_is_hidden_in_target_folder(
    png_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    photo = read_photo(png_file)
    seen: list[Path] = []
    real_replace = os.replace

    def spy(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        seen.append(Path(src))
        assert Path(src).exists()
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", spy)
    out = write_photo(photo, photo.pixels, tmp_path / "out" / "o.jpg")  # folder is created
    assert out.exists() and len(seen) == 1
    assert seen[0].parent == out.parent
    assert seen[0].name.startswith(".") and seen[0].name.endswith(".tmp")
    assert leftovers(out.parent) == []


def test_encoder_failure_leaves_nothing(
    png_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    photo = read_photo(png_file)
    target = tmp_path / "o.jpg"
    target.write_bytes(b"previous result")

    def broken_save(im: object, fp: object, *args: object) -> None:
        fp.write(b"half a jpeg")  # type: ignore[attr-defined]
        raise RuntimeError("encoder exploded")

    monkeypatch.setattr(imageio, "_vips_save", broken_save)
    with pytest.raises(LowlightError, match=r"cannot write 'o.jpg': the JPEG encoder failed"):
        write_photo(photo, photo.pixels, target)
    assert leftovers(tmp_path) == []
    assert target.read_bytes() == b"previous result"  # the old file is untouched


def test_16bit_encoder_failure_leaves_nothing(
    tmp_path: Path, rng: np.random.Generator, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "in.png").write_bytes(encode16(rng.integers(0, 65536, (4, 4, 3), np.uint16), ".png"))
    photo = read_photo(tmp_path / "in.png")
    photo.exif = exif_with(1)  # a TIFF with EXIF goes through a scratch file: left behind neither

    def half_written(im: object, fp: object, name: str, quality: int) -> None:
        fp.write(b"II*\0 half a " + name.encode())  # type: ignore[attr-defined]
        raise pyvips.Error("libvips gave up")

    monkeypatch.setattr(imageio, "_vips_save", half_written)
    for name in ("o.tif", "o.png"):
        with pytest.raises(LowlightError, match=rf"cannot write '{name}': the \w+ encoder failed"):
            write_photo(photo, photo.pixels, tmp_path / name)
        assert leftovers(tmp_path) == [] and not (tmp_path / name).exists()


@pytest.mark.parametrize("exc", [Cancelled(), KeyboardInterrupt()])
def test_cancel_while_encoding_leaves_nothing(
    png_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, exc: BaseException
) -> None:
    photo = read_photo(png_file)

    def interrupted(im: object, fp: object, *args: object) -> None:
        fp.write(b"partial")  # type: ignore[attr-defined]
        raise exc

    monkeypatch.setattr(imageio, "_vips_save", interrupted)
    with pytest.raises(type(exc)):
        write_photo(photo, photo.pixels, tmp_path / "o.png")
    assert leftovers(tmp_path) == [] and not (tmp_path / "o.png").exists()


def test_disk_full(png_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    photo = read_photo(png_file)

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(LowlightError, match=r"^cannot write 'out.jpg': no space left on '.*'$"):
        write_photo(photo, photo.pixels, tmp_path / "out.jpg")
    assert leftovers(tmp_path) == [] and not (tmp_path / "out.jpg").exists()


def test_replace_failure(png_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    photo = read_photo(png_file)

    def denied(src: object, dst: object) -> None:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(os, "replace", denied)
    with pytest.raises(LowlightError, match=r"^cannot write 'out.jpg': permission denied$"):
        write_photo(photo, photo.pixels, tmp_path / "out.jpg")
    assert leftovers(tmp_path) == []


def test_unwritable_folder_simulated(
    png_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    photo = read_photo(png_file)
    (tmp_path / "locked").mkdir()
    refuse_creates_in(monkeypatch, tmp_path / "locked")
    with pytest.raises(LowlightError, match=r"^cannot write 'out.jpg': permission denied$"):
        write_photo(photo, photo.pixels, tmp_path / "locked" / "out.jpg")
    assert list((tmp_path / "locked").iterdir()) == []


@pytest.mark.skipif(
    os.name != "posix" or os.geteuid() == 0,
    reason="chmod does not stop root (or Windows) from writing; the simulated variant covers it",
)
def test_unwritable_folder_chmod(png_file: Path, tmp_path: Path) -> None:
    photo = read_photo(png_file)
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        with pytest.raises(LowlightError, match=r"cannot write 'out\.jpg': permission denied"):
            write_photo(photo, photo.pixels, locked / "out.jpg")
    finally:
        locked.chmod(0o700)
    assert list(locked.iterdir()) == []


def test_never_overwrites_the_source(png_file: Path, tmp_path: Path) -> None:
    photo = read_photo(png_file)
    before = png_file.read_bytes()
    for target in (png_file, tmp_path / "sub" / ".." / png_file.name):
        (tmp_path / "sub").mkdir(exist_ok=True)
        with pytest.raises(LowlightError, match=r"cannot write 'photo\.png': it is the original"):
            write_photo(photo, photo.pixels, target)
    assert png_file.read_bytes() == before


# -- stored types (issue 10: bounded memory) -----------------------------------------------------


def test_photo_keeps_the_stored_type(tmp_path: Path, rgb8: np.ndarray) -> None:
    Image.fromarray(rgb8).save(tmp_path / "c.png")
    photo = read_photo(tmp_path / "c.png")
    assert photo.data.dtype == np.uint8 and photo.data.shape == (37, 53, 3) and not photo.grey
    np.testing.assert_array_equal(photo.data, rgb8)
    assert photo.pixels is photo.pixels  # made once, then kept
    Image.fromarray(rgb8[..., 0]).save(tmp_path / "g.jpg")
    grey = read_photo(tmp_path / "g.jpg")
    assert grey.grey and grey.data.shape == (37, 53, 1) and grey.pixels.shape == (37, 53, 3)


@pytest.mark.parametrize("suffix", [".png", ".tif"])
def test_stored_uint16_written_without_changing_it(
    tmp_path: Path, rng: np.random.Generator, suffix: str, srgb_icc: bytes
) -> None:
    a16 = rng.integers(0, 65536, (9, 13, 3), dtype=np.uint16)
    photo = Photo(a16.copy(), bit_depth=16, icc=srgb_icc, exif=exif_with(1))
    data = photo.data
    out = write_photo(photo, data, tmp_path / f"o{suffix}")
    np.testing.assert_array_equal(data, a16)  # untouched
    back = read_photo(out)
    np.testing.assert_array_equal(back.data, a16)
    assert back.icc == srgb_icc and parse_exif(back.exif)[MAKE] == "TestCam"
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("suffix", [".png", ".tif"])
def test_16bit_alpha_under_a_non_ascii_name(
    tmp_path: Path, rng: np.random.Generator, suffix: str, srgb_icc: bytes
) -> None:
    """libvips encodes into the open temp file, whatever its name."""
    a16 = rng.integers(0, 65536, (9, 13, 4), dtype=np.uint16)
    photo = Photo(a16[..., :3].copy(), alpha=a16[..., 3].copy(), bit_depth=16, icc=srgb_icc)
    back = read_photo(write_photo(photo, photo.data, tmp_path / f"é{suffix}"))
    np.testing.assert_array_equal(back.data, a16[..., :3])
    np.testing.assert_array_equal(back.alpha, a16[..., 3])
    assert back.icc == srgb_icc and leftovers(tmp_path) == []


def test_8bit_values_converted_to_16bit_and_back(tmp_path: Path, rgb8: np.ndarray) -> None:
    photo = Photo(rgb8, bit_depth=16)  # stored uint8, but written as 16 bits
    back = read_photo(write_photo(photo, rgb8, tmp_path / "o.png"))
    assert back.bit_depth == 16
    np.testing.assert_array_equal(back.data, rgb8.astype(np.uint16) * 257)
    photo16 = Photo(back.data, bit_depth=16)
    again = read_photo(write_photo(photo16, back.data, tmp_path / "o.bmp"))  # 8 bits, lossless
    np.testing.assert_array_equal(again.data, rgb8)


def test_grey_photo_written_grey_from_float_rgb(tmp_path: Path, rgb8: np.ndarray) -> None:
    grey = rgb8[..., 0]
    Image.fromarray(grey).save(tmp_path / "g.png")
    photo = read_photo(tmp_path / "g.png")
    tinted = photo.pixels * np.array([0.9, 1.0, 1.1], np.float32)  # e.g. the GUI's float result
    out = write_photo(photo, tinted, tmp_path / "g_out.png")
    with Image.open(out) as im:
        assert im.mode == "L"
        np.testing.assert_array_equal(np.asarray(im), grey)  # the channels' mean


# -- publishing without clobbering, temp files after a kill --------------------------------------


def test_no_overwrite_publish(png_file: Path, tmp_path: Path) -> None:
    photo = read_photo(png_file)
    target = tmp_path / "o.png"
    write_photo(photo, photo.pixels, target, overwrite=False)
    first = target.read_bytes()
    darker = photo.pixels * 0.5
    with pytest.raises(imageio.OutputExists, match="written meanwhile"):
        write_photo(photo, darker, target, overwrite=False)
    assert target.read_bytes() == first and leftovers(tmp_path) == []
    target.write_bytes(b"")  # an empty file is not a result: replaced
    write_photo(photo, darker, target, overwrite=False)
    assert imageio.is_complete_image(target)
    write_photo(photo, photo.pixels, target)  # overwrite=True (the GUI's "Save as") replaces
    assert target.read_bytes() == first


def test_remove_stale_temps(tmp_path: Path) -> None:
    import time

    old = time.time() - 3600
    names = {
        ".a_enhanced.jpg.0123abcd.tmp": True,  # ours, old: removed
        ".a_enhanced.jpg.0123abcd.tmp.png": True,  # an encoder's scratch file: removed
        ".b_enhanced.png.89abcdef.tmp": False,  # not an output of this run
        ".a_enhanced.jpg.tmp": False,  # not our pattern
        "a_enhanced.jpg": False,
    }
    for name in names:
        (tmp_path / name).write_bytes(b"x")
        os.utime(tmp_path / name, (old, old))
    recent = tmp_path / ".a_enhanced.jpg.fedcba98.tmp"  # seconds old, its writer killed
    recent.write_bytes(b"x")
    live = tmp_path / ".a_enhanced.jpg.76543210.tmp"  # being written: its writer holds the lock
    live.write_bytes(b"x")
    live_scratch = live.with_name(live.name + ".tif")  # and that writer's encoder's scratch file
    live_scratch.write_bytes(b"x")
    with open(live, "rb") as held:
        if filelock.try_lock(held.fileno()):
            names[recent.name] = True  # a free lock says at once that no run writes it
        removed = imageio.remove_stale_temps(tmp_path, ["a_enhanced.jpg"])
    assert sorted(p.name for p in removed) == sorted(n for n, gone in names.items() if gone)
    assert live.exists() and live_scratch.exists()
    assert recent.exists() != names[recent.name]  # by age where locks cannot be checked
    assert imageio.remove_stale_temps(tmp_path / "missing", ["x.jpg"]) == []


# -- XMP (issue 20: star ratings, keywords and edit notes survive) ---------------------------------


def xmp_packet(rating: int = 4, orientation: int | None = None) -> bytes:
    tiff = f' xmlns:tiff="http://ns.adobe.com/tiff/1.0/" tiff:Orientation="{orientation}"'
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" '
        f'xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:Rating="{rating}"'
        f'{tiff if orientation else ""}/>'
        '</rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
    ).encode()


@pytest.mark.parametrize("suffix", [".jpg", ".png", ".tif", ".webp"])
def test_xmp_rating_survives(tmp_path: Path, rgb8: np.ndarray, suffix: str) -> None:
    src = tmp_path / "rated.jpg"
    Image.fromarray(rgb8).save(src, exif=exif_with(1), xmp=xmp_packet(4), quality=95)
    photo = read_photo(src)
    assert photo.xmp is not None and b'xmp:Rating="4"' in photo.xmp
    out = write_photo(photo, photo.pixels, tmp_path / f"rated_out{suffix}")
    back = read_photo(out)
    assert back.xmp is not None and b'xmp:Rating="4"' in back.xmp
    assert parse_exif(back.exif)[MAKE] == "TestCam"  # and the EXIF beside it


def test_xmp_survives_16bit_and_bmp_says_it_cannot(
    tmp_path: Path, rng: np.random.Generator
) -> None:
    a16 = rng.integers(0, 65536, (9, 13, 3), dtype=np.uint16)
    photo = Photo(a16, bit_depth=16, xmp=xmp_packet(5))
    for suffix in (".png", ".tif"):
        back = read_photo(write_photo(photo, a16, tmp_path / f"o{suffix}"))
        assert back.bit_depth == 16 and back.xmp is not None and b'xmp:Rating="5"' in back.xmp
    write_photo(photo, a16, tmp_path / "o.bmp")
    assert any("BMP cannot store EXIF data, XMP" in n for n in photo.notes)


def test_xmp_orientation_applied_and_reset(tmp_path: Path, rgb8: np.ndarray) -> None:
    """An orientation that only XMP holds turns the pixels once, and the kept XMP says 1."""
    src = tmp_path / "turned.jpg"
    Image.fromarray(rgb8).save(src, xmp=xmp_packet(3, orientation=6), quality=95)
    photo = read_photo(src)
    assert photo.pixels.shape == (53, 37, 3)
    assert photo.xmp is not None and b'tiff:Orientation="1"' in photo.xmp
    assert b'xmp:Rating="3"' in photo.xmp
    back = read_photo(write_photo(photo, photo.pixels, tmp_path / "turned_out.jpg"))
    assert back.pixels.shape == (53, 37, 3)  # not turned a second time


# -- portability: locks, disks without hard links ------------------------------------------------


def test_publish_without_hard_links(
    png_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """FAT/exFAT and some shares refuse os.link: the name is claimed exclusively, with a note,
    and an image another run wrote is still never replaced."""

    def no_links(src: object, dst: object) -> None:
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    photo = read_photo(png_file)
    target = tmp_path / "out" / "o.png"
    write_photo(photo, photo.pixels, target, overwrite=False)
    assert imageio.is_complete_image(target) and leftovers(target.parent) == []
    assert imageio.NO_LINK_NOTE in photo.notes
    first = target.read_bytes()
    with pytest.raises(imageio.OutputExists, match="written meanwhile"):
        write_photo(photo, photo.pixels * 0.5, target, overwrite=False)
    assert target.read_bytes() == first and leftovers(target.parent) == []
    target.write_bytes(b"")  # an empty file is not a result: replaced
    write_photo(photo, photo.pixels * 0.5, target, overwrite=False)
    assert imageio.is_complete_image(target) and target.read_bytes() != first


def test_publish_without_hard_links_rename_fails(
    png_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If the rename over the claimed name fails, neither the temp file nor the claim is left."""

    def no_links(src: object, dst: object) -> None:
        raise OSError(errno.EOPNOTSUPP, "Operation not supported")

    def denied(src: object, dst: object) -> None:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(os, "link", no_links)
    monkeypatch.setattr(os, "replace", denied)
    photo = read_photo(png_file)
    with pytest.raises(LowlightError, match="permission denied"):
        write_photo(photo, photo.pixels, tmp_path / "o.png", overwrite=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["photo.png"]


def test_a_temp_file_being_written_is_locked(
    png_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While a run writes its temp file, another process's cleanup cannot take the lock."""
    from lowlight_gui.core.filelock import try_lock

    seen: list[bool | None] = []
    real_save = imageio._vips_save

    def save_and_probe(im: object, fp: object, name: str, quality: int) -> None:
        real_save(im, fp, name, quality)
        (tmp,) = [p for p in tmp_path.iterdir() if p.name.startswith(imageio.TEMP_PREFIX)]
        if os.name == "posix":  # flock locks belong to the open file: a second open competes
            fd = os.open(tmp, os.O_RDONLY)
            try:
                seen.append(try_lock(fd))
            finally:
                os.close(fd)

    monkeypatch.setattr(imageio, "_vips_save", save_and_probe)
    photo = read_photo(png_file)
    write_photo(photo, photo.pixels, tmp_path / "o.jpg")
    assert seen in ([False], [])  # [] off POSIX; None (no locks) would fail
    fd = os.open(tmp_path / "o.jpg", os.O_RDONLY)
    try:
        assert try_lock(fd) is True  # nobody holds the published file
    finally:
        os.close(fd)
