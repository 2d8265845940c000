"""Paths a batch meets in the wild (issues 28.1, 32.4, 32.5, 32.6): names too long for the disk,
names that differ only in case, characters Windows forbids, folders that refuse a file. Any OS
error on one photo's paths fails (or renames) that photo, never the batch."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from lowlight_gui.core import failures, imageio, names
from lowlight_gui.core.batch import BatchOptions, check_output, collect_jobs, run_batch
from lowlight_gui.core.errors import LowlightError
from tests.conftest import refuse_creates_in, write_image
from tests.core.test_batch import FakeEngine

LONG_L = "L" * 246  # a name the disk takes; "<it>_enhanced.jpg" it does not (259 bytes)
LONG_E = "é" * 123  # 246 bytes in UTF-8: the same, counted in bytes


@pytest.mark.parametrize("stem", [LONG_L, LONG_E], ids=["246-L", "123-e-acute"])
def test_an_output_name_too_long_is_shortened_with_a_note(tmp_path, stem):
    folder = tmp_path / "in"
    write_image(folder / f"{stem}.jpg", seed=1)
    write_image(folder / "b.jpg", seed=2)
    (folder / "enhanced").mkdir()  # the case of the issue: the done-check raised ENAMETOOLONG
    opts = BatchOptions(tile=128)
    jobs = collect_jobs([folder], opts)
    long_job = next(j for j in jobs if j.source.name.startswith(stem[:8]))
    assert names.name_length(long_job.output.name) <= 255
    assert long_job.output.suffix == ".jpg" and long_job.notes
    result = run_batch(jobs, FakeEngine(), opts)
    assert len(result.done) == 2 and not result.failed
    done = next(d for d in result.done if d.job is long_job)
    assert long_job.output.is_file() and "shortened" in done.notes[0]
    # a rerun finds it done: the name is the same each time
    again = run_batch(collect_jobs([folder], opts), FakeEngine(), opts)
    assert len(again.skipped) == 2 and not again.failed


def test_shortened_names_stay_unique(tmp_path):
    folder = tmp_path / "in"
    for i, suffix in enumerate((".jpg", ".png")):  # the same stem: one output name
        write_image(folder / f"{LONG_L}{suffix}", seed=i)
    opts = BatchOptions(fmt="jpg")
    first, second = collect_jobs([folder], opts)
    assert first.output != second.output
    assert second.output.stem.endswith("-2")
    assert all(names.name_length(j.output.name) <= 255 for j in (first, second))


def test_an_os_error_on_one_photo_fails_that_photo_not_the_batch(tmp_path, monkeypatch):
    folder = tmp_path / "in"
    for name in ("a.jpg", "b.jpg", "c.jpg"):
        write_image(folder / name, seed=len(name))
    opts = BatchOptions(tile=128)
    jobs = collect_jobs([folder], opts)
    real_exists = Path.exists

    def exists(self, *args, **kwargs):  # what a name too long does to Path.exists()
        if self.name == "b_enhanced.jpg":
            raise OSError(errno.ENAMETOOLONG, "File name too long", str(self))
        return real_exists(self, *args, **kwargs)

    monkeypatch.setattr(Path, "exists", exists)
    result = run_batch(jobs, FakeEngine(), opts)
    assert [d.job.source.name for d in result.done] == ["a.jpg", "c.jpg"]
    [failed] = result.failed
    assert "path is too long" in failed.message and "does not exist" not in failed.message


def test_a_folder_the_disk_cannot_name_fails_its_photos_only(tmp_path):
    folder = tmp_path / "in"
    write_image(folder / "a.jpg", seed=1)
    opts = BatchOptions(output_dir=tmp_path / ("D" * 300))  # a folder name no disk takes
    jobs = collect_jobs([folder], opts)
    result = run_batch(jobs, FakeEngine(), opts)
    [failed] = result.failed
    assert "too long" in failed.message


def test_a_source_path_too_long_is_a_failure_with_the_reason(tmp_path):
    opts = BatchOptions()
    jobs = collect_jobs([tmp_path / ("x" * 300 + ".jpg")], opts)  # is_dir() raised here
    result = run_batch(jobs, FakeEngine(), opts)
    [failed] = result.failed
    assert "too long" in failed.message


def test_windows_max_path_is_said_as_path_too_long(tmp_path, monkeypatch):
    """Windows reports a path over MAX_PATH as ENOENT: it is not "the folder does not exist"."""
    monkeypatch.setattr(failures, "WINDOWS", True)
    deep = tmp_path / ("f" * 120) / ("g" * 120) / "photo_enhanced.jpg"
    exc = FileNotFoundError(errno.ENOENT, "No such file or directory", str(deep))
    reason = failures.os_reason(exc, path=deep)
    assert "path is too long" in reason and "Windows" in reason
    short = tmp_path / "missing" / "x.jpg"
    assert failures.os_reason(FileNotFoundError(errno.ENOENT, "x"), path=short) == (
        "the folder does not exist")
    err = OSError(errno.EINVAL, "The filename or extension is too long")
    err.winerror = failures.WIN_PATH_TOO_LONG  # as Windows sets it
    assert "path is too long" in failures.os_reason(err, path=deep)


@pytest.mark.parametrize("fmt", ["jpg", "same"])
def test_outputs_unique_ignoring_case(tmp_path, fmt):
    """Photo.png and photo.png are two files here, one on APFS or NTFS: their outputs too."""
    folder = tmp_path / "in"
    write_image(folder / "Photo.png", seed=1)
    write_image(folder / "photo.png", seed=2)
    opts = BatchOptions(fmt=fmt)
    jobs = collect_jobs([folder], opts)
    keys = {names.case_key(j.output) for j in jobs}
    assert len(keys) == 2
    ext = "jpg" if fmt == "jpg" else "png"
    assert sorted(j.output.name.lower() for j in jobs) == [
        f"photo_enhanced-2.{ext}", f"photo_enhanced.{ext}"]


def test_case_key_ignores_case_on_every_os():
    assert names.case_key(Path("/a/Photo_Enhanced.JPG")) == names.case_key(
        Path("/a/photo_enhanced.jpg"))
    assert names.case_key(Path("/a/STRASSE.jpg")) == names.case_key(Path("/a/straße.jpg"))


@pytest.mark.parametrize("pattern", [
    "{name}:x.{ext}", "{name}<1>.{ext}", '{name}".{ext}', "{name}|.{ext}", "{name}?.{ext}",
    "{name}*.{ext}", "{name}\x07.{ext}", "CON.{ext}", "nul.{ext}", "com1.{ext}", "LPT9.{ext}",
])
def test_patterns_windows_refuses_are_refused_everywhere(tmp_path, pattern):
    write_image(tmp_path / "a.jpg")
    with pytest.raises(LowlightError, match="invalid naming pattern"):
        collect_jobs([tmp_path / "a.jpg"], BatchOptions(pattern=pattern))


def test_a_colon_in_a_source_name_is_not_the_pattern(tmp_path):
    """Only the pattern's own text is checked: a Linux photo named 12:30.jpg keeps working."""
    if os.name == "nt":
        pytest.skip("no such file name on Windows")
    write_image(tmp_path / "12:30.jpg")
    [job] = collect_jobs([tmp_path / "12:30.jpg"], BatchOptions())
    assert job.output.name == "12:30_enhanced.jpg"


def test_the_write_check_creates_a_file_rather_than_ask_os_access(tmp_path, monkeypatch):
    """os.access says yes to every folder on Windows: the check must try a real create."""
    write_image(tmp_path / "in" / "a.jpg")
    out = tmp_path / "out"
    out.mkdir()
    monkeypatch.setattr(os, "access", lambda *a, **k: True)  # as on Windows
    real_open = refuse_creates_in(monkeypatch, out)
    opts = BatchOptions(output_dir=out)
    with pytest.raises(LowlightError, match=r"cannot write to the output folder .*permission"):
        check_output(collect_jobs([tmp_path / "in"], opts), opts)
    monkeypatch.setattr(os, "open", real_open)
    check_output(collect_jobs([tmp_path / "in"], opts), opts)
    assert list(out.iterdir()) == []  # the probe file is removed


def test_temp_names_are_short_whatever_the_output(tmp_path, monkeypatch):
    """Windows MAX_PATH: a temp file's path is never longer than its output's by much."""
    seen: list[Path] = []
    real = imageio._atomic_write

    def watch(path, write, overwrite=True):
        def spy(fp, tmp):
            seen.append(tmp)
            write(fp, tmp)

        return real(path, spy, overwrite)

    monkeypatch.setattr(imageio, "_atomic_write", watch)
    photo = imageio.Photo(imageio.np.zeros((8, 8, 3), imageio.np.float32))
    for name in ("a.png", "IMG_0042_enhanced.png", "x" * 200 + ".png"):
        imageio.write_photo(photo, photo.pixels, tmp_path / name)
    assert [len(p.name) for p in seen] == [16, 16, 16]
    assert all(imageio.TEMP_NAME.match(p.name) for p in seen)
    assert all(p.parent == tmp_path for p in seen)


def test_stale_temp_cleanup_takes_only_its_own_names(tmp_path):
    old = 1_000_000_000
    ours = tmp_path / ".~ll0123abcd.tmp"
    scratch = tmp_path / ".~ll0123abcd.tmp.tif"
    others = [tmp_path / n for n in (".~llzzzz.tmp", ".~ll0123abcd.txt", "~ll0123abcd.tmp",
                                     ".~lock.report.odt#", ".~ll0123abcde.tmp")]
    for p in (ours, scratch, *others):
        p.write_bytes(b"x")
        os.utime(p, (old, old))
    removed = imageio.remove_stale_temps(tmp_path, [])
    assert sorted(removed) == sorted([ours, scratch])
    assert all(p.exists() for p in others)
