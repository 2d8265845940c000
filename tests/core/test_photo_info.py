"""The shot's data: made JPEGs with known EXIF, the real samples and the RAW samples."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from lowlight_gui.core.photo_info import (
    PhotoInfo,
    exposure_text,
    read_photo_info,
    shutter_text,
)
from tests.rawfixtures import shared_dir

SHARED = shared_dir()
needs_shared = pytest.mark.skipif(SHARED is None, reason="needs ../shared")


def _jpeg(path: Path, *, orientation: int = 1, w: int = 60, h: int = 40) -> Path:
    exif = Image.Exif()
    exif[0x010F] = "NIKON CORPORATION"
    exif[0x0110] = "NIKON Z 6"
    exif[0x0112] = orientation
    exif[0x8769] = {
        0x829A: 0.004,  # 1/250 s
        0x829D: 1.8,
        0x8827: 6400,
        0x9003: "2024:11:02 21:14:03",
        0x920A: 35.0,
        0xA405: 35,
        0xA434: "NIKKOR Z 35mm f/1.8 S",
    }
    Image.fromarray(np.zeros((h, w, 3), np.uint8)).save(path, exif=exif.tobytes())
    return path


def test_a_jpeg_with_exif_gives_the_shot(tmp_path):
    info = read_photo_info(_jpeg(tmp_path / "a.jpg"))
    assert info.camera == "NIKON Z 6" and info.lens == "NIKKOR Z 35mm f/1.8 S"
    assert (info.iso, info.aperture, info.focal) == (6400, 1.8, 35.0)
    assert info.shutter == pytest.approx(0.004)
    assert info.date == "2024-11-02 21:14:03"
    assert (info.width, info.height) == (60, 40)
    assert info.file_size == (tmp_path / "a.jpg").stat().st_size
    rows = dict(info.rows())
    assert rows["Exposure"] == "1/250 s  f/1.8  ISO 6400"
    assert rows["Focal length"] == "35 mm"
    assert rows["Size"] == "60 × 40 (0.0 MP)"


def test_a_turned_photo_reports_its_size_as_shown(tmp_path):
    info = read_photo_info(_jpeg(tmp_path / "t.jpg", orientation=6))
    assert (info.width, info.height) == (40, 60)


def test_no_exif_and_not_a_photo_still_say_what_is_known(tmp_path):
    plain = tmp_path / "plain.png"
    Image.fromarray(np.zeros((5, 7, 3), np.uint8)).save(plain)
    info = read_photo_info(plain)
    assert [label for label, _ in info.rows()] == ["Size", "File"] and not info.problem
    text = tmp_path / "broken.jpg"
    text.write_text("not a photo")
    bad = read_photo_info(text)
    assert bad.file_size == 11 and bad.width is None and bad.problem
    assert read_photo_info(tmp_path / "gone.jpg") == PhotoInfo(
        "gone.jpg", problem=read_photo_info(tmp_path / "gone.jpg").problem
    )


def test_texts():
    assert shutter_text(1 / 60) == "1/60 s" and shutter_text(0.5) == "0.5 s"
    assert shutter_text(2.0) == "2 s" and shutter_text(0) == ""
    assert exposure_text(None, 2.0, None) == "f/2"


@needs_shared
def test_the_real_phone_photo():
    info = read_photo_info(SHARED / "data/real-highres/phone_night_street_iso1200.jpg")
    assert info.camera == "LGE Nexus 4" and info.iso == 1200
    assert info.shutter == pytest.approx(0.04) and info.focal == pytest.approx(4.6)
    assert info.date == "2013-01-20 18:54:08"
    assert (info.width, info.height) == (2448, 3264)
    # The merged city photo carries no EXIF: its size only.
    city = read_photo_info(SHARED / "data/real-highres/city_night_iso51200_single_vs_merged.jpg")
    assert city.camera == "" and (city.width, city.height) == (4144, 3056)


@needs_shared
@pytest.mark.parametrize(
    ("name", "camera", "iso", "size"),
    [
        ("canon_eos_6d_linear.dng", "Canon EOS 6D", 1000, (1224, 816)),
        ("canon_powershot_s40.crw", "Canon PowerShot S40", 50, (2312, 1720)),
        ("kodak_dc120.kdc", "Kodak DC120 ZOOM Digital Camera", 160, (1301, 976)),
        ("kodak_dc50.kdc", "Kodak Digital Science DC50 Zoom Camera", 84, (768, 512)),
    ],
)
def test_the_raw_samples(name, camera, iso, size):
    info = read_photo_info(SHARED / "data/raw-samples" / name)
    assert (info.camera, info.iso, (info.width, info.height)) == (camera, iso, size)
    assert info.shutter and info.aperture and info.date and not info.problem
