"""Camera RAW through read_photo, write_photo, the batch and the CLI (issue 13), on DNGs that
tests/rawfixtures.py synthesises."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

pytest.importorskip("rawpy")

from lowlight_gui import cli
from lowlight_gui.core.batch import BatchOptions, collect_jobs, run_batch
from lowlight_gui.core.errors import LowlightError
from lowlight_gui.core.events import ImageDone, ImageFailed
from lowlight_gui.core.imageio import read_photo, write_photo
from lowlight_gui.core.raw import decode_raw
from tests.rawfixtures import META, synthetic_image, write_dng

MAKE, MODEL, EXIF_IFD, ISO, EXPOSURE = 0x010F, 0x0110, 0x8769, 0x8827, 0x829A


def small_dng(path: Path, seed: int = 0, h: int = 48, w: int = 64, **kwargs) -> Path:
    """A dark little DNG (a night shot: a quarter of the light)."""
    return write_dng(path, synthetic_image(h, w, seed) * 0.25, **kwargs)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def camera_tags(path: Path) -> dict[int, object]:
    with Image.open(path) as im:
        exif = im.getexif()
        sub = exif.get_ifd(EXIF_IFD)
        return {MAKE: exif.get(MAKE), MODEL: exif.get(MODEL), ISO: sub.get(ISO),
                EXPOSURE: sub.get(EXPOSURE), "format": im.format, "mode": im.mode}


def test_read_photo_develops_a_raw_as_stored_16_bit(tmp_path: Path):
    dng = small_dng(tmp_path / "shot.dng", orientation=6)
    photo = read_photo(dng)
    raw = decode_raw(dng)
    assert photo.format == "RAW" and photo.bit_depth == 16 and photo.icc is None
    assert photo.source == dng and photo.alpha is None
    assert photo.data.dtype == np.uint16 and photo.data.shape == (64, 48, 3)  # upright
    assert np.array_equal(photo.data, raw.pixels)
    assert photo._pixels is None  # no float copy until someone asks for one
    assert photo.data.flags.writeable  # the batch enhances it in place
    assert photo.exif == raw.exif and photo.exif is not None

    half = read_photo(dng, half_size=True)
    assert half.data.shape == (32, 24, 3) and half.format == "RAW"


def test_read_photo_refuses_a_raw_above_the_pixel_limit(tmp_path: Path):
    dng = small_dng(tmp_path / "big.dng")
    with pytest.raises(LowlightError, match=r"cannot read 'big.dng': the image is 64 x 48 pixels"):
        read_photo(dng, max_pixels=1000)


def test_a_raw_is_written_as_16_bit_tiff_with_its_camera_metadata(tmp_path: Path, engine):
    src = tmp_path / "in"
    dng = small_dng(src / "shot.dng")
    before = digest(dng)
    jobs = collect_jobs([src], BatchOptions())
    assert [j.output.name for j in jobs] == ["shot_enhanced.tif"]
    result = run_batch(jobs, engine, BatchOptions())
    assert len(result.done) == 1, result.failed
    out = src / "enhanced" / "shot_enhanced.tif"
    tags = camera_tags(out)
    assert tags["format"] == "TIFF" and tags["mode"].startswith("RGB")
    assert tags[MAKE] == META["make"] and tags[MODEL] == META["model"]
    assert tags[ISO] == META["iso"] and float(tags[EXPOSURE]) == pytest.approx(1 / 50)
    back = read_photo(out)
    assert back.bit_depth == 16 and back.data.dtype == np.uint16 and back.data.shape == (48, 64, 3)
    assert digest(dng) == before  # the RAW is only ever read
    assert sorted(p.name for p in src.iterdir()) == ["enhanced", "shot.dng"]


def test_a_raw_is_written_as_jpeg_when_asked_with_its_camera_metadata(tmp_path: Path, engine):
    dng = small_dng(tmp_path / "shot.NEF".lower())
    options = BatchOptions(fmt="jpg", output_dir=tmp_path / "out")
    result = run_batch(collect_jobs([dng], options), engine, options)
    (done,) = result.done
    assert done.output.name == "shot_enhanced.jpg"
    tags = camera_tags(done.output)
    assert tags["format"] == "JPEG"
    assert (tags[MAKE], tags[MODEL], tags[ISO]) == (META["make"], META["model"], META["iso"])
    assert any("8 bits per channel" in n for n in done.notes)


def test_the_raw_file_is_never_the_output(tmp_path: Path):
    dng = small_dng(tmp_path / "shot.dng")
    photo = read_photo(dng)
    before = digest(dng)
    with pytest.raises(LowlightError, match=r"cannot write 'shot\.dng'"):
        write_photo(photo, photo.data, dng)  # by its name: we do not write RAW
    with pytest.raises(LowlightError, match="it is the original photo"):
        write_photo(photo, photo.data, dng, fmt="tif")
    assert digest(dng) == before


@pytest.fixture
def raw_folder(tmp_path: Path) -> Path:
    """Two good RAWs, a truncated one and a JPEG with a RAW suffix."""
    folder = tmp_path / "raws"
    good = small_dng(folder / "a_good.dng", seed=1)
    small_dng(folder / "d_good.dng", seed=2)
    data = good.read_bytes()
    (folder / "b_cut.dng").write_bytes(data[: len(data) // 2])
    Image.fromarray(np.zeros((48, 64, 3), np.uint8)).save(folder / "c_fake.nef", "JPEG")
    return folder


def test_bad_raws_fail_with_a_message_naming_the_file_and_the_batch_goes_on(raw_folder, engine):
    jobs = collect_jobs([raw_folder], BatchOptions())
    assert [j.source.name for j in jobs] == ["a_good.dng", "b_cut.dng", "c_fake.nef", "d_good.dng"]
    events: list[object] = []
    result = run_batch(jobs, engine, BatchOptions(), on_event=events.append)
    assert [e.job.source.name for e in events if isinstance(e, ImageDone)] == [
        "a_good.dng", "d_good.dng"
    ]
    failed = {e.job.source.name: e.message for e in events if isinstance(e, ImageFailed)}
    assert failed == {
        "b_cut.dng": "cannot read 'b_cut.dng': the RAW file is truncated or damaged",
        "c_fake.nef": "cannot read 'c_fake.nef': it is not a camera RAW file LibRaw can read",
    }
    assert len(result.done) == 2 and len(result.failed) == 2


def test_cli_enhances_a_dng_end_to_end(tmp_path: Path, tiny_model: Path, capsys):
    dng = small_dng(tmp_path / "shot.dng", h=96, w=128)
    code = cli.main(["enhance", str(dng), "--model", str(tiny_model), "--threads", "1"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "1 done, 0 skipped, 0 failed" in out
    written = tmp_path / "enhanced" / "shot_enhanced.tif"
    tags = camera_tags(written)
    assert tags["format"] == "TIFF" and tags[ISO] == META["iso"]
    assert read_photo(written).data.shape == (96, 128, 3)


def test_cli_reports_bad_raws_and_goes_on(raw_folder: Path, tiny_model: Path, capsys):
    code = cli.main(["enhance", str(raw_folder), "--model", str(tiny_model), "--threads", "1",
                     "--format", "jpg"])
    out, _ = capsys.readouterr()
    assert code == 1
    assert "2 done, 0 skipped, 2 failed" in out
    cut, fake = raw_folder / "b_cut.dng", raw_folder / "c_fake.nef"
    assert f"FAILED {cut}: cannot read 'b_cut.dng': the RAW file is truncated or damaged" in out
    assert f"FAILED {fake}: cannot read 'c_fake.nef': it is not a camera RAW file" in out
    assert sorted(p.name for p in (raw_folder / "enhanced").iterdir()) == [
        "a_good_enhanced.jpg", "d_good_enhanced.jpg"
    ]
