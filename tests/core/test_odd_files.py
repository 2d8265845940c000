"""A peer's corpus of odd files (tests/oddfiles.py) in one batch: no traceback, no "unexpected
error", each file done (and its output valid) or refused with a sentence naming the reason
(issue 28, item 9); every loss is a note (item 8); Pillow's warnings and libvips' log lines never
reach the terminal raw (item 10)."""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from lowlight_gui import cli
from lowlight_gui.core.batch import BatchOptions, collect_jobs, run_batch
from lowlight_gui.core.errors import LowlightError
from lowlight_gui.core.imageio import is_complete_image, read_photo, write_photo
from tests.oddfiles import EXPECT_DONE, tiff_bytes, write_corpus


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    folder = tmp_path_factory.mktemp("odd") / "in"
    return folder, write_corpus(folder)


def test_a_batch_over_the_corpus_ends_with_each_file_done_or_refused_in_words(
    corpus, engine, tmp_path: Path
):
    folder, expect = corpus
    opts = BatchOptions(output_dir=tmp_path / "out")
    jobs = collect_jobs([folder], opts)
    result = run_batch(jobs, engine, opts)
    done = {d.job.source.name for d in result.done}
    failed = {f.job.source.name: f.message for f in result.failed}
    wrong = []
    for name, expected in sorted(expect.items()):
        if name not in done and name not in failed:
            continue  # not a photo by its name (a GIF): left out when the jobs were collected
        if expected == EXPECT_DONE:
            if name not in done:
                wrong.append(f"{name}: {failed[name]}")
            continue
        message = failed.get(name, "done")
        if not (message.startswith(f"cannot read '{name}': ") and expected in message):
            wrong.append(f"{name}: expected '{expected}', got '{message}'")
    assert not wrong, "\n".join(wrong)
    for message in failed.values():
        assert "unexpected error" not in message and "Error" not in message
    for d in result.done:
        assert is_complete_image(d.job.output), d.job.output
        assert read_photo(d.job.output).width > 0


def test_the_cli_over_the_corpus_prints_no_traceback_warning_or_libvips_chatter(
    corpus, tiny_model, tmp_path: Path, capfd
):
    folder, _ = corpus
    code = cli.main(
        [
            "enhance",
            str(folder),
            "-o",
            str(tmp_path / "out"),
            "--model",
            str(tiny_model),
            "--threads",
            "1",
            "-v",
        ]
    )
    out, err = capfd.readouterr()
    text = out + err
    assert code == 1  # some files are refused, as they should be
    for noise in (
        "Traceback",
        "unexpected error",
        "Warning",
        "warnings.warn",
        "VIPS:",
        "pyvips",
        "Corrupt EXIF",
    ):
        assert noise not in text, f"{noise!r} in:\n{text}"
    assert "it is a BMP variant Lowlight cannot read (compression 6)" in text
    assert logging.getLogger("pyvips").getEffectiveLevel() >= logging.WARNING


def test_a_tiff_whose_second_image_has_no_dimensions_is_read_with_a_note(corpus):
    folder, _ = corpus
    photo = read_photo(folder / "tiff_missing_dimensions.tif")  # was TypeError: Missing dimensions
    assert photo.width == 56
    assert "it holds more images, which are damaged; only the first was read" in photo.notes


def test_a_planar_tiled_16_bit_tiff_that_libvips_cannot_read_falls_back_to_pillow(corpus):
    folder, _ = corpus
    photo = read_photo(folder / "tiff_planar_tiled_16.tif")  # was "truncated or damaged"
    assert (photo.width, photo.height) == (56, 40)
    assert "its 16-bit pixels were read with 8-bit precision" in photo.notes
    cut = folder.parent / "cut_planar.tif"
    data = (folder / "tiff_planar_tiled_16.tif").read_bytes()
    cut.write_bytes(data[: len(data) // 3])
    with pytest.raises(LowlightError, match="the file is truncated or damaged"):
        read_photo(cut)  # neither reader can: then it is damaged


@pytest.mark.parametrize(
    ("name", "detail"),
    [
        ("bmp_compression_6.bmp", "compression 6"),
        ("bmp_bitfields_101010.bmp", "bitfields layout"),
        ("bmp_jpeg_inside.bmp", "compression 4"),
    ],
)
def test_unsupported_bmp_variants_are_named_not_called_damaged(corpus, name, detail):
    folder, _ = corpus
    with pytest.raises(LowlightError) as info:
        read_photo(folder / name)
    assert (
        str(info.value) == f"cannot read '{name}': it is a BMP variant Lowlight cannot read "
        f"({detail})"
    )


def test_a_png_with_a_bad_iccp_checksum_is_read_without_its_profile(corpus, tmp_path: Path):
    folder, _ = corpus
    photo = read_photo(folder / "png_bad_iccp_crc.png")
    assert photo.icc is None
    assert photo.notes == ["its colour profile was damaged (a bad checksum) and was left out"]
    with Image.open(folder / "mode_p.png") as im:  # the same pixels decode as any PNG's
        assert im.size == (photo.width, photo.height)


def test_a_bad_idat_checksum_is_still_damage(corpus):
    folder, _ = corpus
    with pytest.raises(LowlightError, match="truncated or damaged"):
        read_photo(folder / "png_bad_idat.png")


def test_a_five_channel_tiff_says_which_channels_were_left_out(tmp_path: Path):
    rgb = np.full((20, 24, 3), 90, np.uint8)
    path = tmp_path / "five.tif"
    path.write_bytes(tiff_bytes([np.dstack([rgb, rgb[..., :2]])]))
    photo = read_photo(path)
    assert photo.data.shape == (20, 24, 3) and photo.alpha is not None
    assert "1 of its 5 channels was left out (Lowlight reads at most RGB and alpha)" in photo.notes
    four = tmp_path / "four.tif"
    four.write_bytes(tiff_bytes([np.dstack([rgb, rgb[..., :1]])]))
    assert not any("channels" in n for n in read_photo(four).notes)


def test_an_icc_profile_with_a_bad_signature_is_dropped_with_a_note(corpus, tmp_path: Path):
    folder, _ = corpus
    photo = read_photo(folder / "icc_bad_signature.png")
    assert photo.icc is None
    assert "its colour profile is damaged and was left out" in photo.notes
    good = read_photo(folder / "mode_p.png")
    assert not good.notes


def test_pillows_warnings_become_notes_not_terminal_lines(corpus):
    folder, _ = corpus
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        photo = read_photo(folder / "exif_corrupt.jpg")
    assert not [w for w in seen if "PIL" in w.filename], [str(w.message) for w in seen]
    assert "its EXIF data is damaged: the tags that could be read were kept" in photo.notes


def test_another_threads_warnings_pass_through_while_one_reads():
    import threading

    from lowlight_gui.core.read_checks import captured_warnings

    seen: list[str] = []
    with warnings.catch_warnings(record=True) as outer:
        warnings.simplefilter("always")
        with captured_warnings() as mine:
            warnings.warn("this thread's", UserWarning, stacklevel=1)
            other = threading.Thread(
                target=lambda: warnings.warn("another's", UserWarning, stacklevel=1)
            )
            other.start()
            other.join()
        seen = [str(w.message) for w in outer]
    assert mine == ["this thread's"] and seen == ["another's"]


def test_a_tiff_with_exif_is_written_in_place_without_a_scratch_copy(tmp_path: Path, monkeypatch):
    """The EXIF IFD is added inside the temp file (the data moved on in chunks from the end):
    no second file is opened, so a TIFF needs its own size free, not twice that."""
    from lowlight_gui.core import imageio

    rng = np.random.default_rng(3)
    pixels = rng.integers(0, 65535, (700, 900, 3), dtype=np.uint16)  # several MB: many chunks
    exif = Image.Exif()
    exif[0x010F] = "TestCam"
    exif[0x0132] = "2024:05:06 07:08:09"
    photo = imageio.Photo(pixels, exif=exif.tobytes(), bit_depth=16, format="TIFF")
    opened: list[str] = []
    real_open = open

    def recording_open(file, mode="r", *args, **kwargs):
        opened.append(f"{file} {mode}")
        return real_open(file, mode, *args, **kwargs)

    monkeypatch.setattr(imageio, "open", recording_open, raising=False)
    out = write_photo(photo, pixels, tmp_path / "big.tif")
    monkeypatch.undo()
    assert not [o for o in opened if "w" in o.split()[-1]], opened  # no scratch file written
    back = read_photo(out)
    assert np.array_equal(back.data, pixels)
    assert back.exif is not None and b"TestCam" in back.exif
    with Image.open(out) as im:
        assert im.tag_v2[0x010F] == "TestCam"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.tif"]


def test_32_bit_and_float_values_outside_16_bits_are_clipped_with_a_note(tmp_path: Path):
    wide = np.arange(20 * 24, dtype=np.int32).reshape(20, 24) * 300 - 5000  # -5000..138700
    Image.fromarray(wide).save(tmp_path / "wide.tif")
    photo = read_photo(tmp_path / "wide.tif")
    assert photo.data.max() == 65535 and photo.data.min() == 0
    assert "its values outside 0 to 65535 were clipped to the 16-bit range" in photo.notes
    hdr = np.linspace(0, 4, 20 * 24, dtype=np.float32).reshape(20, 24)  # an HDR float TIFF
    Image.fromarray(hdr).save(tmp_path / "hdr.tif")
    assert (
        "its values outside 0 to 1 were clipped to the 16-bit range"
        in read_photo(tmp_path / "hdr.tif").notes
    )
    Image.fromarray(np.clip(hdr, 0, 1)).save(tmp_path / "ok.tif")
    assert not read_photo(tmp_path / "ok.tif").notes
