"""Real camera RAW files (``../shared/data/raw-samples``): older and rarer formats develop with
LibRaw at its full size, upright and 16-bit, from a file and from a folder; a Kodak KDC (a TIFF
whose first image is the camera's 80x60 preview) never comes out at preview size, whatever its name.

Skipped without ../shared, except in CI (CI=true), where the data missing is a failure.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

pytest.importorskip("rawpy")

from lowlight_gui.core import imageio
from lowlight_gui.core.batch import BatchOptions, collect_jobs, run_batch
from lowlight_gui.core.errors import LowlightError
from lowlight_gui.core.raw import decode_raw, raw_thumbnail
from tests.rawfixtures import ROOT

SAMPLES = ROOT.parent / "shared" / "data" / "raw-samples"
needs_samples = pytest.mark.skipif(
    not SAMPLES.is_dir() and not os.environ.get("CI"), reason="needs ../shared/data/raw-samples"
)

# name -> (width, height) as LibRaw 0.22 develops it (../shared/README.md), and what Pillow sees
FULL_SIZE = {
    "canon_powershot_s40.crw": (2312, 1720),
    "kodak_dc50.kdc": (768, 512),
    "kodak_dc120.kdc": (1301, 976),
    "canon_eos_6d_linear.dng": (1224, 816),
}
KDC_PREVIEW_SIDE = 96  # the embedded previews are 80x60 and 96x64


@needs_samples
@pytest.mark.parametrize("name", sorted(FULL_SIZE))
def test_each_sample_develops_at_libraws_full_size_upright_16_bit(name: str):
    photo = imageio.read_photo(SAMPLES / name)
    w, h = FULL_SIZE[name]
    assert (photo.width, photo.height) == (w, h)  # landscape shots: upright, not transposed
    assert photo.format == "RAW" and photo.bit_depth == 16 and photo.data.dtype == np.uint16
    assert photo.data.shape == (h, w, 3)
    # real 16-bit values, not 8-bit ones scaled up, and a picture rather than a flat field
    assert np.count_nonzero(photo.data % 257) > photo.data.size // 2
    assert float(photo.data.std()) > 500


@needs_samples
@pytest.mark.parametrize("name", sorted(FULL_SIZE))
def test_each_sample_has_the_shape_of_libraws_own_development(name: str):
    """LibRaw's own postprocess (its size, its orientation applied) is the reference."""
    import rawpy

    with rawpy.imread(str(SAMPLES / name)) as raw:
        reference = raw.postprocess(output_bps=16)
    ours = decode_raw(SAMPLES / name).pixels
    assert ours.shape == reference.shape and ours.dtype == reference.dtype == np.uint16


@needs_samples
@pytest.mark.parametrize("name", ["kodak_dc50.kdc", "kodak_dc120.kdc"])
def test_a_kdc_never_comes_out_at_preview_size_whatever_its_name(tmp_path: Path, name: str):
    with Image.open(SAMPLES / name) as im:  # what Pillow alone would enhance
        assert max(im.size) <= KDC_PREVIEW_SIDE
    renamed = tmp_path / "photo.tif"  # told by its content, not by its suffix
    shutil.copyfile(SAMPLES / name, renamed)
    for path in (SAMPLES / name, renamed):
        photo = imageio.read_photo(path)
        assert (photo.width, photo.height) == FULL_SIZE[name] and photo.format == "RAW"
    half = imageio.read_photo(renamed, half_size=True)
    assert half.width > KDC_PREVIEW_SIDE * 3


@needs_samples
def test_a_damaged_kdc_fails_instead_of_giving_its_preview(tmp_path: Path):
    data = (SAMPLES / "kodak_dc50.kdc").read_bytes()
    cut = tmp_path / "cut.kdc"
    cut.write_bytes(data[: len(data) // 4])
    with Image.open(cut) as im:
        im.load()  # the preview is still whole: Pillow alone would hand it over
    renamed = tmp_path / "cut.tif"
    shutil.copyfile(cut, renamed)
    for path in (cut, renamed):
        with pytest.raises(LowlightError, match=rf"'{path.name}'.*RAW") as caught:
            imageio.read_photo(path)
        assert "does not exist" not in str(caught.value)


@needs_samples
def test_thumbnails_of_the_samples(tmp_path: Path):
    for name, (w, h) in FULL_SIZE.items():
        thumb = raw_thumbnail(SAMPLES / name, 128)
        assert thumb.dtype == np.uint8 and max(thumb.shape[:2]) <= 128
        assert (thumb.shape[1] >= thumb.shape[0]) == (w >= h)


@needs_samples
def test_a_folder_of_real_raws_enhances_to_full_size_16_bit_tiffs(tmp_path: Path, engine):
    folder = tmp_path / "cameras"
    folder.mkdir()
    for name in FULL_SIZE:
        shutil.copyfile(SAMPLES / name, folder / name)
    options = BatchOptions()
    jobs = collect_jobs([folder], options)
    assert sorted(j.source.name for j in jobs) == sorted(FULL_SIZE)
    result = run_batch(jobs, engine, options)
    assert not result.failed and len(result.done) == len(FULL_SIZE)
    for job in jobs:
        assert job.output.suffix == ".tif"
        with Image.open(job.output) as im:
            assert im.size == FULL_SIZE[job.source.name] and im.mode.startswith("RGB")
        out = imageio.read_photo(job.output)
        assert out.bit_depth == 16 and out.data.dtype == np.uint16


@needs_samples
def test_a_raw_pillow_does_not_know_is_told_by_its_content(tmp_path: Path):
    misnamed = tmp_path / "IMG_0001.jpg"  # a CRW under a JPEG's name: Pillow cannot open it
    shutil.copyfile(SAMPLES / "canon_powershot_s40.crw", misnamed)
    photo = imageio.read_photo(misnamed)
    assert (photo.width, photo.height) == FULL_SIZE["canon_powershot_s40.crw"]
    assert photo.format == "RAW" and photo.bit_depth == 16
    junk = tmp_path / "junk.jpg"  # neither Pillow nor LibRaw: the usual sentence
    junk.write_bytes(b"\x00not an image at all" * 50)
    with pytest.raises(LowlightError, match="it is not an image, or not one in a format"):
        imageio.read_photo(junk)
