"""A corpus of odd, exotic and broken image files, made here (no download): the kinds a peer's test
suite holds (Pillow's has about 690), for a batch that must end with no traceback and no
"unexpected error" (issue 28, item 9).

``write_corpus(folder)`` writes every file and returns {name: what is expected}: ``"done"`` (the
photo must be enhanced, and its output read back), or the words the refusal must contain.

Pillow and pyvips write most of them; TIFF layouts they do not write (planar, planar tiled 16-bit,
a second directory without dimensions, five channels) come from ``tiff_bytes`` below, and BMP
variants from ``bmp_bytes``: small writers whose layout is explicit.
"""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import numpy as np
from PIL import Image

DAMAGED = "truncated or damaged"
EXPECT_DONE = "done"

# TIFF field types
_SHORT, _LONG = 3, 4


def _picture(h: int = 40, w: int = 56, channels: int = 3, seed: int = 0) -> np.ndarray:
    """A smooth dark picture with some noise, uint8 HxWxC (a photo the tiny models can run)."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w] / max(h, w)
    base = 30 + 60 * x[..., None] * np.linspace(0.6, 1.0, channels) + 30 * y[..., None]
    return np.clip(base + rng.normal(0, 6, (h, w, channels)), 0, 255).astype(np.uint8)


# -- TIFF ---------------------------------------------------------------------------------------


def tiff_bytes(
    frames: list[np.ndarray],
    *,
    planar: bool = False,
    tile: int | None = None,
    drop: frozenset[int] = frozenset(),
    extra: dict[int, tuple[int, list[int]]] | None = None,
) -> bytes:
    """An uncompressed little-endian TIFF of ``frames`` (HxWxC uint8/uint16, one IFD each, in a
    chain). ``planar``: one plane per channel (PlanarConfiguration 2); ``tile``: square tiles of
    that side; ``drop``: tags left out of every IFD after the first (e.g. 256, a "missing
    dimensions" frame); ``extra``: more tags for every IFD."""
    buf = bytearray(b"II*\0\0\0\0\0")

    def append(data: bytes) -> int:
        if len(buf) % 2:
            buf.append(0)
        at = len(buf)
        buf.extend(data)
        return at

    previous_next = 4  # where the pointer to the next IFD goes
    for index, frame in enumerate(frames):
        h, w, c = frame.shape
        bits = 8 * frame.dtype.itemsize
        planes = [frame[:, :, i : i + 1] for i in range(c)] if planar else [frame]
        blocks: list[bytes] = []
        for plane in planes:
            if tile is None:
                blocks.append(
                    np.ascontiguousarray(plane).astype("<" + plane.dtype.str[1:]).tobytes()
                )
                continue
            for ty in range(0, h, tile):
                for tx in range(0, w, tile):
                    block = np.zeros((tile, tile, plane.shape[2]), frame.dtype)
                    part = plane[ty : ty + tile, tx : tx + tile]
                    block[: part.shape[0], : part.shape[1]] = part
                    blocks.append(block.astype("<" + block.dtype.str[1:]).tobytes())
        offsets = [append(b) for b in blocks]
        tags: dict[int, tuple[int, list[int]]] = {
            256: (_LONG, [w]),
            257: (_LONG, [h]),
            258: (_SHORT, [bits] * c),
            259: (_SHORT, [1]),
            262: (_SHORT, [2 if c >= 3 else 1]),
            277: (_SHORT, [c]),
            284: (_SHORT, [2 if planar else 1]),
        }
        if tile is None:
            tags.update(
                {273: (_LONG, offsets), 278: (_LONG, [h]), 279: (_LONG, [len(b) for b in blocks])}
            )
        else:
            tags.update(
                {
                    322: (_LONG, [tile]),
                    323: (_LONG, [tile]),
                    324: (_LONG, offsets),
                    325: (_LONG, [len(b) for b in blocks]),
                }
            )
        extra_samples = c - (3 if c >= 3 else 1)
        if extra_samples:
            tags[338] = (_SHORT, [2] + [0] * (extra_samples - 1))  # alpha, then unspecified
        tags.update(extra or {})
        if index:
            for tag in drop:
                tags.pop(tag, None)
        entries = []
        for tag, (typ, values) in sorted(tags.items()):
            data = struct.pack(f"<{len(values)}{'H' if typ == _SHORT else 'I'}", *values)
            inline = data.ljust(4, b"\0") if len(data) <= 4 else struct.pack("<I", append(data))
            entries.append(struct.pack("<HHI", tag, typ, len(values)) + inline)
        at = append(struct.pack("<H", len(entries)) + b"".join(entries) + b"\0\0\0\0")
        struct.pack_into("<I", buf, previous_next, at)
        previous_next = at + 2 + 12 * len(entries)
    return bytes(buf)


# -- BMP ----------------------------------------------------------------------------------------


def bmp_bytes(
    width: int, height: int, bpp: int, compression: int, pixels: bytes, masks: tuple[int, ...] = ()
) -> bytes:
    """A BMP with a BITMAPINFOHEADER, ``masks`` after it (bitfields), then ``pixels``."""
    header = struct.pack(
        "<IiiHHIIiiII", 40, width, height, 1, bpp, compression, len(pixels), 2835, 2835, 0, 0
    )
    extra = struct.pack(f"<{len(masks)}I", *masks)
    offset = 14 + len(header) + len(extra)
    return (
        b"BM" + struct.pack("<IHHI", offset + len(pixels), 0, 0, offset) + header + extra + pixels
    )


def _rows(h: int, row_bytes: int, seed: int = 0) -> bytes:
    stride = (row_bytes + 3) // 4 * 4
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (h, stride), dtype=np.uint8).tobytes()


def _rle8(w: int, h: int) -> bytes:
    """RLE8: each row a run of one index, end of line, end of bitmap."""
    out = bytearray()
    for y in range(h):
        out += bytes([w, y % 256]) + b"\0\0"
    return bytes(out + b"\0\1")


# -- PNG ----------------------------------------------------------------------------------------


def _chunk(kind: bytes, data: bytes, crc: int | None = None) -> bytes:
    value = zlib.crc32(kind + data) if crc is None else crc
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", value)


def png_with_bad_iccp_crc(rgb: np.ndarray, icc: bytes) -> bytes:
    """A valid PNG whose iCCP chunk's CRC is wrong (libvips decodes it; Pillow refuses it)."""
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, "PNG")
    data = buf.getvalue()
    iccp = _chunk(b"iCCP", b"sRGB\0\0" + zlib.compress(icc), crc=0x12345678)
    return data[:33] + iccp + data[33:]  # after the signature and IHDR


def png_huge(width: int = 200_000, height: int = 200_000) -> bytes:
    """A tiny PNG whose header declares a 40-gigapixel image (a decompression bomb)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\0" * 16)
    return (
        b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")
    )


# -- the corpus ---------------------------------------------------------------------------------


def _save(im: Image.Image, path: Path, **kwargs: object) -> None:
    im.save(path, **kwargs)


def write_corpus(folder: Path, icc: bytes | None = None) -> dict[str, str]:
    """Write the odd files into ``folder``; {file name: "done" or words its refusal contains}."""
    from PIL import ImageCms

    folder.mkdir(parents=True, exist_ok=True)
    expect: dict[str, str] = {}
    rgb = _picture()
    grey = rgb[..., 0]
    icc = icc or ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()

    def pil(name: str, im: Image.Image, **kwargs: object) -> None:
        _save(im, folder / name, **kwargs)
        expect[name] = EXPECT_DONE

    def raw(name: str, data: bytes, expected: str = EXPECT_DONE) -> None:
        (folder / name).write_bytes(data)
        expect[name] = expected

    base = Image.fromarray(rgb)
    # Pillow's modes
    pil("mode_p.png", base.quantize(64))
    p_trns = base.quantize(16)
    p_trns.info["transparency"] = bytes(range(16))  # transparency as bytes: a Pillow warning
    pil("mode_p_trns.png", p_trns)
    pil("mode_p.gif", base.quantize(32))
    pil("mode_p.bmp", base.quantize(200))
    pil("mode_1.png", base.convert("1"))
    pil("mode_1.tif", base.convert("1"))
    pil("mode_la.png", Image.fromarray(np.dstack([grey, grey // 2 + 100])))
    pil("mode_lab.tif", base.convert("LAB"))
    pil("mode_cmyk.jpg", base.convert("CMYK"))
    pil("mode_cmyk.tif", base.convert("CMYK"))
    pil("mode_i16.png", Image.fromarray(grey.astype(np.uint16) * 257))
    pil("mode_i16.tif", Image.fromarray(grey.astype(np.uint16) * 257))
    pil("mode_i.tif", Image.fromarray(grey.astype(np.int32) * 200))
    pil("mode_f.tif", Image.fromarray(grey.astype(np.float32) / 255))
    pil("mode_ycbcr.tif", base.convert("YCbCr"))
    pil("mode_rgba.webp", base.convert("RGBA"))
    # TIFF layouts
    pil("tiff_lzw.tif", base, compression="tiff_lzw")
    pil("tiff_jpeg.tif", base, compression="jpeg")
    raw("tiff_tiled.tif", tiff_bytes([rgb], tile=16))
    raw("tiff_planar.tif", tiff_bytes([rgb], planar=True))
    rgb16 = rgb.astype(np.uint16) * 257
    raw("tiff_planar_tiled_16.tif", tiff_bytes([rgb16], planar=True, tile=16))
    raw("tiff_tiled_16.tif", tiff_bytes([rgb16], tile=16))
    raw("tiff_5_channels.tif", tiff_bytes([np.dstack([rgb, grey, grey])]))
    raw("tiff_2_frames.tif", tiff_bytes([rgb, rgb[::-1]]))
    raw("tiff_missing_dimensions.tif", tiff_bytes([rgb, rgb], drop=frozenset({256, 257})))
    broken_ifd = bytearray(tiff_bytes([rgb]))
    broken_ifd[4:8] = struct.pack("<I", len(broken_ifd) + 1000)  # IFD0 past the end
    raw("tiff_ifd_past_end.tif", bytes(broken_ifd), DAMAGED)
    only_one = tiff_bytes([rgb], drop=frozenset())
    raw("tiff_truncated.tif", only_one[: len(only_one) // 2], DAMAGED)
    # multi-frame and animated
    frames = [base, Image.fromarray(rgb[::-1])]
    pil(
        "multi.gif",
        frames[0].quantize(32),
        save_all=True,
        append_images=[f.quantize(32) for f in frames[1:]],
    )
    pil("animated.png", frames[0], save_all=True, append_images=frames[1:])
    pil("multi.tif", frames[0], save_all=True, append_images=frames[1:])
    # BMP variants
    h, w = 24, 32
    raw("bmp_bitfields_565.bmp", bmp_bytes(w, h, 16, 3, _rows(h, 2 * w), (0xF800, 0x07E0, 0x1F)))
    raw(
        "bmp_bitfields_101010.bmp",
        bmp_bytes(w, h, 32, 3, _rows(h, 4 * w), (0x3FF00000, 0xFFC00, 0x3FF)),
        "a BMP variant Lowlight cannot read",
    )
    raw(
        "bmp_compression_6.bmp",
        bmp_bytes(w, h, 32, 6, _rows(h, 4 * w), (0xFF0000, 0xFF00, 0xFF, 0xFF000000)),
        "a BMP variant Lowlight cannot read",
    )
    raw("bmp_rle8.bmp", _rle8_bmp(w, h))
    raw(
        "bmp_jpeg_inside.bmp",
        bmp_bytes(w, h, 24, 4, b"\xff\xd8\xff\xd9"),
        "a BMP variant Lowlight cannot read",
    )
    # broken and truncated files
    raw("png_bad_iccp_crc.png", png_with_bad_iccp_crc(rgb, icc))
    good_png = io.BytesIO()
    base.save(good_png, "PNG")
    data = good_png.getvalue()
    raw("png_truncated.png", data[: len(data) * 2 // 3], DAMAGED)
    idat = data.index(b"IDAT")
    bad_idat = bytearray(data)
    bad_idat[idat + 10] ^= 0xFF
    raw("png_bad_idat.png", bytes(bad_idat), DAMAGED)
    good_jpeg = io.BytesIO()
    base.save(good_jpeg, "JPEG")
    jdata = good_jpeg.getvalue()
    raw("jpeg_truncated.jpg", jdata[: len(jdata) // 2], DAMAGED)
    raw("jpeg_header_only.jpg", jdata[:200], DAMAGED)
    bad_icc = bytearray(icc)
    bad_icc[36:40] = b"xxxx"  # the profile's signature ("acsp") broken
    pil("icc_bad_signature.png", base, icc_profile=bytes(bad_icc))
    exif = b"Exif\0\0II*\0\x08\0\0\0\x09\0\x0f\x01\x02\0\x40\0\0\0\xf0\0\0\0"
    pil("exif_corrupt.jpg", base, exif=exif)  # 9 entries declared, one there, data past the end
    raw("zero_size.png", b"", "the file is empty")
    raw("huge_declared.png", png_huge(), "pixels")
    raw("text_named.jpg", b"this is not a photo\n" * 10, "not an image")
    return expect


def _rle8_bmp(w: int, h: int) -> bytes:
    palette = bytes(b for i in range(256) for b in (i, i // 2, 255 - i, 0))
    pixels = _rle8(w, h)
    header = struct.pack("<IiiHHIIiiII", 40, w, h, 1, 8, 1, len(pixels), 2835, 2835, 256, 0)
    offset = 14 + len(header) + len(palette)
    return (
        b"BM" + struct.pack("<IHHI", offset + len(pixels), 0, 0, offset) + header + palette + pixels
    )
