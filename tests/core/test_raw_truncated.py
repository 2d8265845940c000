"""A truncated or damaged camera RAW is refused, never developed into grey fields (issue 28,
item 2): every real sample cut at 25, 50, 75 and 99 % fails with "truncated or damaged", while
the whole files and the synthesised DNGs still develop (no false alarms).

The real samples are in ../shared/data/raw-samples: skipped without it, except in CI.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("rawpy")

from lowlight_gui import cli
from lowlight_gui.core import imageio
from lowlight_gui.core.errors import LowlightError
from lowlight_gui.core.raw import decode_raw
from lowlight_gui.core.raw_check import declared_end, filled_tail, is_cut
from tests.rawfixtures import ROOT, synthetic_image, write_dng

SAMPLES = ROOT.parent / "shared" / "data" / "raw-samples"
needs_samples = pytest.mark.skipif(
    not SAMPLES.is_dir() and not os.environ.get("CI"), reason="needs ../shared/data/raw-samples"
)
NAMES = ["canon_eos_6d_linear.dng", "canon_powershot_s40.crw", "kodak_dc120.kdc", "kodak_dc50.kdc"]


def _cut(source: Path, folder: Path, percent: int) -> Path:
    data = source.read_bytes()
    cut = folder / f"cut{percent}_{source.name}"
    cut.write_bytes(data[: len(data) * percent // 100])
    return cut


@needs_samples
@pytest.mark.parametrize("percent", [25, 50, 75, 99])
@pytest.mark.parametrize("name", NAMES)
def test_every_sample_cut_short_is_refused(tmp_path: Path, name: str, percent: int):
    cut = _cut(SAMPLES / name, tmp_path, percent)
    for half_size in (False, True):
        with pytest.raises(LowlightError) as info:
            imageio.read_photo(cut, half_size=half_size)
        assert str(info.value) == f"cannot read '{cut.name}': the RAW file is truncated or damaged"


@needs_samples
@pytest.mark.parametrize("name", NAMES)
def test_the_whole_samples_still_develop(name: str):
    photo = imageio.read_photo(SAMPLES / name, half_size=True)
    assert photo.format == "RAW" and float(photo.data.std()) > 500


@needs_samples
def test_the_cli_reports_the_issues_cut_kdc_as_failed(tmp_path: Path, tiny_model: Path, capsys):
    """The issue's own case: ``head -c 16435 kodak_dc120.kdc`` gave exit 0 and "1 done"."""
    cut = tmp_path / "cut.kdc"
    cut.write_bytes((SAMPLES / "kodak_dc120.kdc").read_bytes()[:16435])
    code = cli.main(["enhance", str(cut), "--model", str(tiny_model), "--threads", "1"])
    out, err = capsys.readouterr()
    assert code != 0 and "0 done" in out
    assert "cannot read 'cut.kdc': the RAW file is truncated or damaged" in out + err
    assert not (tmp_path / "enhanced").exists() or not any((tmp_path / "enhanced").iterdir())


@needs_samples
def test_libraws_filling_is_seen_even_without_the_header_check():
    """The filled-tail check alone: a cut KDC's raw data ends in identical rows (LibRaw's grey)."""
    import rawpy

    data = (SAMPLES / "kodak_dc120.kdc").read_bytes()
    with rawpy.imread(str(SAMPLES / "kodak_dc120.kdc")) as raw:
        assert not filled_tail(raw.raw_image_visible)
    for percent in (25, 50, 75):
        with rawpy.RawPy() as raw:
            raw.open_buffer(io.BytesIO(data[: len(data) * percent // 100]))
            raw.unpack()
            assert filled_tail(raw.raw_image_visible), percent


def test_the_synthesised_dngs_develop_and_a_cut_one_is_refused(tmp_path: Path):
    for seed, preview in ((0, None), (1, "jpeg"), (2, "bitmap")):
        dng = write_dng(
            tmp_path / f"s{seed}.dng", synthetic_image(64, 96, seed=seed), preview=preview
        )
        assert decode_raw(dng).pixels.shape == (64, 96, 3)
        with open(dng, "rb") as fp:
            assert declared_end(fp, dng.stat().st_size) == dng.stat().st_size
        data = dng.read_bytes()
        cut = tmp_path / f"cut{seed}.dng"
        cut.write_bytes(data[:-100])  # the last rows of pixels missing: LibRaw would fill them
        with pytest.raises(LowlightError, match="the RAW file is truncated or damaged"):
            decode_raw(cut)


def test_filled_tail_spares_photos_with_clipped_or_noisy_bottom_rows():
    rng = np.random.default_rng(0)
    noisy = rng.integers(100, 4000, (64, 80), dtype=np.uint16)
    assert not filled_tail(noisy)
    clipped = noisy.copy()
    clipped[-20:] = noisy.max()  # a blown-out bottom: white rows are a photo's, not filling
    assert not filled_tail(clipped)
    grey = noisy.copy()
    grey[-20:] = 256
    assert filled_tail(grey)
    zeros = noisy.copy()
    zeros[-9:] = 0
    assert filled_tail(zeros)
    assert not filled_tail(noisy[:10])  # too few rows to tell


def test_declared_ends_of_iso_media_and_raf_headers():
    # an ISO-media file whose last box claims more than the file holds
    boxes = b"\0\0\0\x10ftypcrx \0\0\0\x01" + b"\0\0\x10\0mdat" + b"\0" * 100
    assert declared_end(io.BytesIO(boxes), len(boxes)) == 16 + 4096
    assert is_cut(io.BytesIO(boxes), len(boxes))
    # a RAF header: preview at 84 (offset, length), sensor data at 100, big-endian
    raf = bytearray(b"FUJIFILMCCD-RAW 0201FF383501" + b"\0" * 200)
    raf[84:92] = (148).to_bytes(4, "big") + (20).to_bytes(4, "big")
    raf[100:108] = (168).to_bytes(4, "big") + (60).to_bytes(4, "big")
    assert declared_end(io.BytesIO(bytes(raf)), len(raf)) == 228
    assert not is_cut(io.BytesIO(bytes(raf)), len(raf))
    assert is_cut(io.BytesIO(bytes(raf[:200])), 200)
    assert declared_end(io.BytesIO(b"not a raw at all"), 16) is None
    assert not is_cut(io.BytesIO(b"not a raw at all"), 16)


@needs_samples
def test_a_crw_is_whole_only_while_its_directory_ends_the_file(tmp_path: Path):
    data = (SAMPLES / "canon_powershot_s40.crw").read_bytes()
    assert not is_cut(io.BytesIO(data), len(data))
    for keep in (len(data) - 1, len(data) - 4096, len(data) // 2, 64):
        assert is_cut(io.BytesIO(data[:keep]), keep), keep
    longer = data + b"\0" * 16  # bytes added after the directory: damaged as well
    assert is_cut(io.BytesIO(longer), len(longer))
