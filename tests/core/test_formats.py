"""The formats table (core/formats.py) and the one folder scan (core/folders.py)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from lowlight_gui.core import formats, imageio
from lowlight_gui.core.batch import BatchOptions, collect_jobs, output_name
from lowlight_gui.core.errors import LowlightError
from lowlight_gui.core.folders import natural_key, scan_folder
from lowlight_gui.core.pairs import PAIR_SUFFIXES
from lowlight_gui.core.raw import RAW_SUFFIXES

# What LibRaw develops, by the issue that asked for each camera's files (issue 19: all of them).
RAW_NAMES = ("DNG", "CR2", "CR3", "CRW", "NEF", "NRW", "ARW", "SRF", "SR2", "RAF", "ORF", "RW2",
             "RWL", "RAW", "PEF", "PTX", "KDC", "DCR", "DCS", "K25", "MRW", "3FR", "FFF", "IIQ",
             "CAP", "MOS", "MEF", "ERF", "SRW", "X3F", "BAY")


def test_every_suffix_belongs_to_one_format_and_lists_derive_from_the_table():
    suffixes = [s for f in formats.FORMATS for s in f.suffixes]
    assert len(suffixes) == len(set(suffixes))
    assert all(s == s.lower() and s.startswith(".") for s in suffixes)
    assert imageio.SUPPORTED_SUFFIXES == formats.READ_SUFFIXES == frozenset(suffixes)
    assert imageio.WRITE_SUFFIXES == formats.WRITE_SUFFIXES
    assert RAW_SUFFIXES == {f".{n.lower()}" for n in RAW_NAMES} == set(formats.RAW.suffixes)
    assert PAIR_SUFFIXES == formats.WRITE_SUFFIXES and not PAIR_SUFFIXES & RAW_SUFFIXES
    assert formats.OUTPUT_CHOICES == ("same", "jpg", "png", "tif")


def test_the_cli_and_the_gui_offer_the_tables_choices():
    from lowlight_gui.cli import build_parser

    sub = build_parser()._subparsers._group_actions[0].choices["enhance"]  # type: ignore[union-attr]
    (fmt,) = [a for a in sub._actions if a.dest == "fmt"]
    assert tuple(fmt.choices) == formats.OUTPUT_CHOICES
    pytest.importorskip("PySide6")
    from lowlight_gui.qt.settings import FORMAT_LABELS, FORMATS

    assert FORMATS == formats.OUTPUT_CHOICES
    assert FORMAT_LABELS == {"same": "Same as input", "jpg": "JPEG", "png": "PNG", "tif": "TIFF"}


@pytest.mark.parametrize(
    ("source", "fmt", "written"),
    [("JPEG", "same", "JPEG"), ("MPO", "same", "JPEG"), ("PNG", "same", "PNG"),
     ("HEIF", "same", "JPEG"), ("RAW", "same", "TIFF"), ("RAW", "jpg", "JPEG"),
     ("BMP", "same", "BMP"), ("DIB", "same", "BMP"), ("GIF", "same", "JPEG"),
     ("HEIF", "png", "PNG"), ("PNG", "tiff", "TIFF"), ("PNG", "JPEG", "JPEG")],
)
def test_output_format(source: str, fmt: str, written: str):
    assert formats.output_format(source, fmt).name == written
    assert imageio.output_format(source, fmt) == written


def test_unknown_or_read_only_output_formats_are_refused():
    for fmt in ("gif", "heic", "dng", "RAW"):
        with pytest.raises(LowlightError, match=f"unknown output format '{fmt}'"):
            formats.output_format("PNG", fmt)


def test_outputs_are_named_from_the_input_suffix():
    options = BatchOptions()
    assert output_name(Path("a/IMG_1.HEIC"), options) == "IMG_1_enhanced.jpg"
    assert output_name(Path("shot.NEF"), options) == "shot_enhanced.tif"
    assert output_name(Path("shot.dng"), BatchOptions(fmt="jpg")) == "shot_enhanced.jpg"
    assert output_name(Path("x.jpeg"), options) == "x_enhanced.jpg"
    assert formats.same_defaults() == "HEIC as JPEG, camera RAW as 16-bit TIFF"


def test_what_each_format_holds():
    jpeg, png, raw = (formats.by_name(n) for n in ("JPEG", "PNG", "RAW"))
    assert jpeg is not None and not jpeg.sixteen_bit and not jpeg.alpha and jpeg.metadata
    assert png is not None and png.sixteen_bit and png.alpha
    assert raw is formats.RAW and raw.read and not raw.write and raw.sixteen_bit
    assert formats.for_suffix("x.Cr3") is raw and formats.is_raw_name("/a/b.ARW")
    assert formats.for_suffix("x.gif") is None and not formats.is_raw_name("x.tif")


# -- the folder scan ----------------------------------------------------------------------------


def _touch(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x")
    return path


def test_natural_order_case_and_digits():
    names = ["img10.jpg", "IMG2.jpg", "img1.png", "a.dng", "img2.jpg", "Z.jpg", "img02.jpg"]
    assert sorted(names, key=natural_key) == [
        "a.dng", "img1.png", "IMG2.jpg", "img02.jpg", "img2.jpg", "img10.jpg", "Z.jpg"
    ]


def test_scan_lists_photos_in_natural_order_folders_after_their_files(tmp_path: Path):
    root = tmp_path / "photos"
    for rel in ("img10.jpg", "img2.JPG", "shot.CR3", "b/img1.png", "a10/x.tif", "a2/y.dng",
                "a2/sub/z.heic"):
        _touch(root / rel)
    for rel in ("notes.txt", ".hidden.jpg", ".cache/c.jpg", "enhanced/e.jpg", "img3.gif"):
        _touch(root / rel)
    (root / "folder.jpg").mkdir()  # a folder with a photo's name is not a photo
    flat = [p.relative_to(root).as_posix() for p in scan_folder(root)]
    assert flat == ["img2.JPG", "img10.jpg", "shot.CR3"]
    deep = [p.relative_to(root).as_posix() for p in scan_folder(root, recursive=True)]
    assert deep == ["img2.JPG", "img10.jpg", "shot.CR3", "a2/y.dng", "a2/sub/z.heic",
                    "a10/x.tif", "b/img1.png", "enhanced/e.jpg"]
    skipped = scan_folder(root, True, lambda d: d.name == "enhanced")
    assert [p.name for p in skipped][-1] == "img1.png"


def test_batch_and_gui_list_a_folder_in_the_same_order(tmp_path: Path):
    pytest.importorskip("PySide6")
    from lowlight_gui.qt.files import expand_inputs, images_in

    root = tmp_path / "photos"
    for name in ("img10.jpg", "img9.jpg", "B.png", "a.nef", "c.heic"):
        _touch(root / name)
    jobs = collect_jobs([root], BatchOptions())
    expected = ["a.nef", "B.png", "c.heic", "img9.jpg", "img10.jpg"]
    assert [j.source.name for j in jobs] == expected
    assert [p.name for p in images_in(root)] == expected
    assert [p.name for p in expand_inputs([root])] == expected


def test_symlinked_folders_are_not_followed(tmp_path: Path):
    root = tmp_path / "photos"
    _touch(root / "a.jpg")
    try:
        os.symlink(root, root / "loop")
    except OSError:
        pytest.skip("no symbolic links here")
    assert [p.name for p in scan_folder(root, recursive=True)] == ["a.jpg"]


def test_an_unreadable_folder_is_a_clear_error_for_the_batch(tmp_path: Path, monkeypatch):
    root = tmp_path / "photos"
    _touch(root / "a.jpg")

    def denied(*_args, **_kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("lowlight_gui.core.folders.os.scandir", denied)
    with pytest.raises(LowlightError, match=r"cannot read the folder .*photos.*permission denied"):
        collect_jobs([root], BatchOptions())
