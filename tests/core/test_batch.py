from __future__ import annotations

import errno
import hashlib
import threading
from pathlib import Path

import numpy as np
import pytest

from lowlight_gui.core import batch as batch_mod
from lowlight_gui.core import filelock, imageio
from lowlight_gui.core.batch import (
    BatchFinished,
    BatchOptions,
    BatchStarted,
    ImageDone,
    ImageFailed,
    ImageSkipped,
    ImageStarted,
    Job,
    TileDone,
    collect_jobs,
    run_batch,
)
from lowlight_gui.core.cancel import CancelToken
from lowlight_gui.core.errors import LowlightError
from lowlight_gui.core.settings import Settings
from tests.conftest import refuse_creates_in, write_image


def digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*")) if p.is_file()
    }


@pytest.fixture
def album(tmp_path) -> Path:
    root = tmp_path / "album"
    write_image(root / "a.jpg", seed=1)
    write_image(root / "b.png", seed=2)
    write_image(root / "sub" / "c.jpg", seed=3)
    write_image(root / "sub" / "deeper" / "d.tif", seed=4)
    (root / "notes.txt").write_text("not a photo")
    return root


def test_naming_and_default_output_folder(album):
    jobs = collect_jobs([album], BatchOptions())
    assert [(j.source.name, j.output) for j in jobs] == [
        ("a.jpg", album.resolve() / "enhanced" / "a_enhanced.jpg"),
        ("b.png", album.resolve() / "enhanced" / "b_enhanced.png"),
    ]
    # a single file: <its folder>/enhanced/
    [job] = collect_jobs([album / "sub" / "c.jpg"], BatchOptions())
    assert job.output == album.resolve() / "sub" / "enhanced" / "c_enhanced.jpg"


def test_pattern_and_format(album, tmp_path):
    opts = BatchOptions(output_dir=tmp_path / "out", pattern="bright-{name}.{ext}", fmt="png")
    jobs = collect_jobs([album / "a.jpg"], opts)
    assert jobs[0].output == (tmp_path / "out" / "bright-a.png").resolve()
    with pytest.raises(LowlightError, match="pattern"):
        collect_jobs([album / "a.jpg"], BatchOptions(pattern="{nam}.{ext}"))
    with pytest.raises(LowlightError, match="pattern"):
        collect_jobs([album / "a.jpg"], BatchOptions(pattern="x/{name}.{ext}"))


def test_recursive_mirrors_subfolders_and_skips_outputs(album, tmp_path):
    jobs = collect_jobs([album], BatchOptions(recursive=True))
    rel = {j.source.relative_to(album.resolve()).as_posix():
           j.output.relative_to(album.resolve()).as_posix() for j in jobs}
    assert rel == {
        "a.jpg": "enhanced/a_enhanced.jpg",
        "b.png": "enhanced/b_enhanced.png",
        "sub/c.jpg": "enhanced/sub/c_enhanced.jpg",
        "sub/deeper/d.tif": "enhanced/sub/deeper/d_enhanced.tif",
    }
    # with -o inside the tree: that folder is not scanned either
    out = album / "results"
    write_image(out / "old_enhanced.jpg")
    write_image(album / "enhanced" / "sub" / "c_enhanced.jpg")
    jobs = collect_jobs([album], BatchOptions(recursive=True, output_dir=out))
    assert {j.source.name for j in jobs} == {"a.jpg", "b.png", "c.jpg", "d.tif"}
    assert jobs[2].output == out.resolve() / "sub" / "c_enhanced.jpg"


def test_same_file_twice_and_collisions(album, tmp_path):
    a = album / "a.jpg"
    write_image(tmp_path / "other" / "a.jpg", seed=9)
    opts = BatchOptions(output_dir=tmp_path / "out")
    jobs = collect_jobs([a, str(a), album / "." / "a.jpg", tmp_path / "other" / "a.jpg"], opts)
    assert [j.output.name for j in jobs] == ["a_enhanced.jpg", "a_enhanced-2.jpg"]
    # run_batch also processes a repeated job once
    events = []
    result = run_batch([jobs[0], jobs[0]], FakeEngine(), opts, on_event=events.append)
    assert len(result.done) == 1 and events[0] == BatchStarted(1)


def test_outputs_of_a_previous_run_are_not_inputs(album):
    opts = BatchOptions(output_dir=album)  # outputs beside the originals
    first = collect_jobs([album], opts)
    run_batch(first, FakeEngine(), opts)
    again = collect_jobs([album], opts)
    assert [j.source.name for j in again] == ["a.jpg", "b.png"]


class FakeEngine:
    """Halves brightness; counts runs. factor 4, overlap 8 -> several tiles on small photos."""

    factor, overlap, has_gain_input = 4, 8, False

    def __init__(self):
        self.runs = 0

    def run(self, batch, gain=None, cancel=None):
        self.runs += 1
        return batch * 0.5


def test_run_batch_end_to_end(album, engine):
    before = digest(album)
    opts = BatchOptions(recursive=True, tile=128)
    jobs = collect_jobs([album], opts)
    events = []
    result = run_batch(jobs, engine, opts, on_event=events.append)
    assert len(result.done) == 4 and not result.failed and not result.skipped
    assert not result.cancelled
    for job in jobs:
        assert job.output.is_file()
        photo = imageio.read_photo(job.output)
        assert (photo.width, photo.height) == (64, 48)
    kinds = [type(e) for e in events]
    assert kinds[0] is BatchStarted and kinds[-1] is BatchFinished
    assert events[-1] == BatchFinished(4, 0, 0, False)
    assert kinds.count(ImageStarted) == 4 and kinds.count(ImageDone) == 4
    assert TileDone in kinds
    # originals untouched, nothing but the outputs added
    after = digest(album)
    assert {k: v for k, v in after.items() if not k.startswith("enhanced/")} == before
    assert not list(album.rglob("*.tmp")) and not list(album.rglob(".*"))


def test_exposure_reaches_the_engine(album, tmp_path):
    """BatchOptions.exposure offsets the gain the model is given (2**EV for a v1 gain model)."""
    from lowlight_gui.core.brightness import GainModel

    class GainRecorder(FakeEngine):
        has_gain_input = True
        gain_model = GainModel(a=0.5, b=-1.0, lo=1.0, hi=25.0, full=2.0)

        def __init__(self):
            super().__init__()
            self.gains = []

        def run(self, batch, gain=None):
            self.gains.append(gain)
            return super().run(batch, gain)

    gains = {}
    for ev in (0.0, 1.0):
        engine = GainRecorder()
        opts = BatchOptions(output_dir=tmp_path / f"ev{ev}", tile=0, settings=Settings(exposure=ev))
        result = run_batch(collect_jobs([album / "a.jpg"], opts), engine, opts)
        assert len(result.done) == 1
        [gains[ev]] = set(engine.gains)
    assert BatchOptions().settings.exposure == 0.0
    assert gains[1.0] == pytest.approx(2 * gains[0.0])


def test_skip_existing_and_overwrite(album):
    opts = BatchOptions()
    jobs = collect_jobs([album], opts)
    first = run_batch(jobs, FakeEngine(), opts)
    assert len(first.done) == 2
    stamp = {j.output: j.output.stat().st_mtime_ns for j in jobs}
    # re-run: everything skipped (resumes an interrupted batch), outputs untouched
    engine = FakeEngine()
    events = []
    second = run_batch(collect_jobs([album], opts), engine, opts, on_event=events.append)
    assert len(second.skipped) == 2 and not second.done and engine.runs == 0
    assert all("already exists" in s.reason for s in second.skipped)
    assert sum(isinstance(e, ImageSkipped) for e in events) == 2
    assert {j.output: j.output.stat().st_mtime_ns for j in jobs} == stamp
    # overwrite=True redoes them
    opts.overwrite = True
    third = run_batch(collect_jobs([album], opts), FakeEngine(), opts)
    assert len(third.done) == 2


def test_never_writes_to_the_original(album):
    before = digest(album)
    opts = BatchOptions(output_dir=album, pattern="{name}.{ext}", overwrite=True)
    jobs = collect_jobs([album / "a.jpg"], opts)
    assert jobs == [Job((album / "a.jpg").resolve(), (album / "a.jpg").resolve())]
    result = run_batch(jobs, FakeEngine(), opts)
    assert len(result.failed) == 1 and "original" in result.failed[0].message
    assert digest(album) == before


def test_cancel_between_tiles_leaves_nothing(album):
    opts = BatchOptions(tile=128)
    write_image(album / "big.png", h=300, w=400, seed=7)
    jobs = collect_jobs([album / "big.png", album / "a.jpg"], opts)
    cancel = CancelToken()
    engine = FakeEngine()
    events = []

    def on_event(event):
        events.append(event)
        if isinstance(event, TileDone):
            cancel.set()

    result = run_batch(jobs, engine, opts, on_event=on_event, cancel=cancel)
    assert result.cancelled and not result.done and not result.failed
    assert engine.runs == 1
    assert events[-1] == BatchFinished(0, 0, 0, True)
    assert not (album / "enhanced").exists() or not any((album / "enhanced").iterdir())
    assert not list(album.rglob("*.tmp"))


def test_cancel_terminates_the_run_in_flight(album):
    """The token also stops a run already inside the engine: each run gets the batch's token
    (engine.with_cancel), which the real Engine registers its RunOptions with."""

    class Blocking(FakeEngine):
        def run(self, batch, gain=None, cancel=None):
            from lowlight_gui.core.errors import Cancelled

            if cancel is None or not cancel.wait(10):
                raise AssertionError("the run in flight was never cancelled")
            raise Cancelled("cancelled")

    engine = Blocking()
    cancel = CancelToken()
    opts = BatchOptions()
    jobs = collect_jobs([album / "a.jpg"], opts)
    timer = threading.Timer(0.1, cancel.set)
    timer.start()
    result = run_batch(jobs, engine, opts, cancel=cancel)
    assert result.cancelled and not result.failed
    assert not (album / "enhanced").exists()


def test_bad_files_do_not_stop_the_batch(album, tmp_path):
    (album / "empty.jpg").write_bytes(b"")
    (album / "text.jpg").write_text("hello, I am not a JPEG\n" * 20)
    good = (album / "a.jpg").read_bytes()
    (album / "truncated.jpg").write_bytes(good[: len(good) // 3])
    missing = album / "missing.jpg"
    opts = BatchOptions()
    jobs = collect_jobs([album, missing], opts)
    result = run_batch(jobs, FakeEngine(), opts)
    assert sorted(d.job.source.name for d in result.done) == ["a.jpg", "b.png"]
    failed = {f.job.source.name: f.message for f in result.failed}
    assert set(failed) == {"empty.jpg", "text.jpg", "truncated.jpg", "missing.jpg"}
    assert "empty" in failed["empty.jpg"]
    for message in failed.values():
        assert message and "\n" not in message and "Traceback" not in message


def test_unexpected_exception_is_reported_not_raised(album):
    class Exploding(FakeEngine):
        def run(self, batch, gain=None):
            raise ZeroDivisionError("division by zero")

    opts = BatchOptions()
    result = run_batch(collect_jobs([album], opts), Exploding(), opts)
    assert len(result.failed) == 2
    assert "ZeroDivisionError" in result.failed[0].message
    assert str(result.failed[0].job.source) in result.failed[0].message


def test_unwritable_output_folder(album, tmp_path, monkeypatch):
    real_mkdir = Path.mkdir
    locked = (tmp_path / "locked").resolve()

    def mkdir(self, *args, **kwargs):
        if self.resolve() == locked or locked in self.resolve().parents:
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        return real_mkdir(self, *args, **kwargs)

    monkeypatch.setattr(Path, "mkdir", mkdir)
    opts = BatchOptions(output_dir=locked)
    result = run_batch(collect_jobs([album], opts), FakeEngine(), opts)
    assert len(result.failed) == 2 and not result.done
    assert "permission denied" in result.failed[0].message
    assert str(locked) in result.failed[0].message


def test_write_failure_is_reported(album, monkeypatch):
    def boom(*args, **kwargs):
        raise LowlightError("cannot write 'a_enhanced.jpg': no space left on device")

    monkeypatch.setattr(batch_mod.imageio, "write_photo", boom)
    opts = BatchOptions()
    result = run_batch(collect_jobs([album / "a.jpg"], opts), FakeEngine(), opts)
    assert result.failed[0].message.endswith("no space left on device")
    assert isinstance(result.failed[0], ImageFailed)


# -- issue 10: fail fast, greyscale, after a kill, concurrent runs ---------------------------------


def test_check_output_refuses_before_any_work(album, tmp_path):
    from lowlight_gui.core.batch import check_output

    def jobs_for(opts):
        return collect_jobs([album], opts)

    ok = BatchOptions(output_dir=tmp_path / "new" / "deeper")
    check_output(jobs_for(ok), ok)  # missing folders are fine (created when writing)...
    assert not (tmp_path / "new").exists()  # ...but not created by the check
    a_file = tmp_path / "file.jpg"
    a_file.write_bytes(b"x")
    for opts, message in [
        (BatchOptions(output_dir=a_file), "is a file, not a folder"),
        (BatchOptions(output_dir=a_file / "sub"), "is a file, not a folder"),
        (BatchOptions(pattern="{name}_enhanced"), "no known image suffix"),
        (BatchOptions(pattern="{name}.txt"), "no known image suffix"),
        (BatchOptions(pattern="{name}.jpg", fmt="png"), "format asked for is png"),
    ]:
        with pytest.raises(LowlightError, match=message):
            check_output(jobs_for(opts), opts)
    check_output(jobs_for(BatchOptions(pattern="{name}.png")), BatchOptions(pattern="{name}.png"))


def test_check_output_read_only_folder(album, tmp_path, monkeypatch):

    from lowlight_gui.core.batch import check_output

    locked = (tmp_path / "locked").resolve()
    locked.mkdir()
    refuse_creates_in(monkeypatch, locked)  # chmod does not stop root: the create says no
    for out in (locked, locked / "missing" / "deeper"):
        opts = BatchOptions(output_dir=out)
        with pytest.raises(LowlightError, match=f"cannot write to the .*'{locked}': permission"):
            check_output(collect_jobs([album], opts), opts)


class TintEngine(FakeEngine):
    """Gives each channel a different gain, as a colour model would on a grey photo."""

    def run(self, batch, gain=None):
        self.runs += 1
        out = batch.copy()
        out[:, 0] *= 0.5
        out[:, 1] *= 0.6
        out[:, 2] *= 0.9
        return out


@pytest.mark.parametrize("mode,suffix", [("L", ".jpg"), ("L", ".png"), ("LA", ".png"),
                                         ("I;16", ".png"), ("RGB", ".jpg")])
def test_greyscale_photos_stay_greyscale(tmp_path, mode, suffix):
    import numpy as np
    from PIL import Image

    yy, xx = np.mgrid[0:40, 0:50]
    grey = (30 + xx + yy).astype(np.uint8)  # smooth, so that JPEG barely changes it
    if mode == "I;16":
        im = Image.fromarray(grey.astype(np.uint16) * 257)
    elif mode == "LA":
        im = Image.merge("LA", [Image.fromarray(grey), Image.fromarray(np.full_like(grey, 200))])
    elif mode == "RGB":
        im = Image.fromarray(np.dstack([grey, grey // 2, grey // 3]))
    else:
        im = Image.fromarray(grey)
    src = tmp_path / f"photo{suffix}"
    im.save(src)
    opts = BatchOptions(tile=0)
    result = run_batch(collect_jobs([src], opts), TintEngine(), opts)
    assert len(result.done) == 1
    with Image.open(result.done[0].output) as out:
        if mode == "RGB":
            assert out.mode == "RGB"
            return
        assert out.mode == {"L": "L", "LA": "LA", "I;16": "I;16"}[mode] or out.mode.startswith("I")
        values = np.asarray(out.getchannel(0) if out.mode == "LA" else out, dtype=np.float64)
        if mode == "LA":
            assert np.asarray(out.getchannel(1)).min() == 200  # alpha carried through
    with Image.open(src) as im:
        source = np.asarray(im.getchannel(0) if mode == "LA" else im, dtype=np.float64)
    expected = source * (0.5 + 0.6 + 0.9) / 3  # the mean of what the model gave the channels
    tolerance = 1.0 if suffix == ".png" else 2.0  # JPEG is lossy
    assert np.abs(values - expected).max() <= tolerance * (257 if mode == "I;16" else 1)


def test_empty_or_broken_output_is_redone(album):
    opts = BatchOptions()
    jobs = collect_jobs([album], opts)
    jobs[0].output.parent.mkdir(parents=True)
    jobs[0].output.write_bytes(b"")  # e.g. a disk that filled up under another program
    jobs[1].output.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 50)  # undecodable
    result = run_batch(jobs, FakeEngine(), opts)
    assert len(result.done) == 2 and not result.skipped and not result.failed
    for job in jobs:
        assert imageio.is_complete_image(job.output)
    # a good output still counts as done
    again = run_batch(jobs, FakeEngine(), opts)
    assert len(again.skipped) == 2


def test_truncated_output_is_not_complete(album, tmp_path):
    good = (album / "a.jpg").read_bytes()
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(good[: len(good) // 2])
    assert imageio.is_complete_image(album / "a.jpg")
    assert not imageio.is_complete_image(cut)
    png = (album / "b.png").read_bytes()
    cut.with_suffix(".png").write_bytes(png[:-20])
    assert not imageio.is_complete_image(cut.with_suffix(".png"))
    assert not imageio.is_complete_image(tmp_path / "missing.png")
    assert not imageio.is_complete_image(tmp_path)


class WritesMeanwhile(FakeEngine):
    """Another run publishes the output while this one is computing it."""

    def __init__(self, output: Path):
        super().__init__()
        self.output = output

    def run(self, batch, gain=None):
        if not self.output.exists():
            write_image(self.output, seed=42)
        return super().run(batch, gain)


@pytest.mark.parametrize("links", [True, False])
def test_output_written_meanwhile_is_not_clobbered(album, monkeypatch, links):
    import os

    if not links:  # a disk without hard links (FAT, some network shares): the fallback
        def no_link(src, dst):
            raise OSError(errno.EPERM, "Operation not permitted")

        monkeypatch.setattr(os, "link", no_link)
    opts = BatchOptions()
    [job] = collect_jobs([album / "a.jpg"], opts)
    result = run_batch([job], WritesMeanwhile(job.output), opts)
    assert not result.done and not result.failed
    assert "written by another run meanwhile" in result.skipped[0].reason
    theirs = (album / "enhanced" / "theirs.jpg")
    write_image(theirs, seed=42)
    assert job.output.read_bytes() == theirs.read_bytes()  # left as the other run wrote it
    assert not [p for p in job.output.parent.iterdir() if p.name.startswith(".")]
    # with overwrite the result replaces it
    theirs.unlink()
    opts.overwrite = True
    result = run_batch([job], WritesMeanwhile(job.output), opts)
    assert len(result.done) == 1 and job.output.read_bytes() != (album / "a.jpg").read_bytes()


_KILLED_WRITER = """
import sys, time
from pathlib import Path
import numpy as np
from lowlight_gui.core import imageio

def stalled(im, fp, *args, **kwargs):
    fp.write(b"half a JPEG")
    fp.flush()
    print("writing", flush=True)
    time.sleep(120)

imageio._vips_save = stalled
photo = imageio.Photo(np.zeros((8, 8, 3), np.float32))
imageio.write_photo(photo, photo.pixels, Path(sys.argv[1]))
"""


def test_temp_file_left_by_a_killed_run_is_removed(album, tmp_path):
    """SIGKILL in the middle of a write leaves a hidden temp file; the next run removes it at
    once, as no live run holds its lock (a live writer's is never removed)."""
    import os
    import subprocess
    import sys
    import time

    from tests.conftest import ROOT

    opts = BatchOptions()
    jobs = collect_jobs([album], opts)
    target = jobs[0].output
    target.parent.mkdir(parents=True)
    proc = subprocess.Popen([sys.executable, "-c", _KILLED_WRITER, str(target)], cwd=ROOT,
                            stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        assert proc.stdout.readline().strip() == "writing"
        [temp] = [p for p in target.parent.iterdir() if p.name.startswith(".")]
        assert imageio.TEMP_NAME.match(temp.name)
        old = time.time() - 3600
        # a live writer's temp file is locked (flock, msvcrt.locking): never removed
        assert imageio.remove_stale_temps(target.parent, [target.name]) == []
        assert temp.exists()
        proc.kill()  # SIGKILL on POSIX, TerminateProcess on Windows
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stdout.close()
    assert temp.exists() and not target.exists()  # what a kill leaves behind
    scratch = temp.with_name(temp.name + ".tif")  # an encoder's scratch file, left by the kill
    scratch.write_bytes(b"x")
    unrelated = target.parent / ".someone-elses.0123abcd.tmp"  # not one of this run's outputs
    unrelated.write_bytes(b"x")
    os.utime(unrelated, (old, old))
    result = run_batch(jobs, FakeEngine(), opts)  # at once: the temp file is seconds old
    assert len(result.done) == 2
    assert not temp.exists() and not scratch.exists()
    assert unrelated.exists()
    left = sorted(p.name for p in target.parent.iterdir() if p != unrelated)
    assert left == sorted(j.output.name for j in jobs)


def test_enhanced_jpeg_keeps_its_xmp_rating(tmp_path, engine):
    """Issue 20: a photographer's 4-star rating (XMP) survives enhancing, with the EXIF."""
    from PIL import Image

    from tests.core.test_imageio import exif_with, xmp_packet

    src = tmp_path / "rated.jpg"
    write_image(src, seed=3)
    with Image.open(src) as im:
        im.load()
        im.save(src, exif=exif_with(1), xmp=xmp_packet(4), quality=95)
    opts = BatchOptions(tile=128)
    result = run_batch(collect_jobs([src], opts), engine, opts)
    assert len(result.done) == 1 and not result.failed
    out = tmp_path / "enhanced" / "rated_enhanced.jpg"
    with Image.open(out) as im:
        assert b'xmp:Rating="4"' in im.info["xmp"]
        assert im.getexif()[0x010F] == "TestCam"


@pytest.mark.skipif(filelock.fcntl is None, reason="flock: POSIX only")
def test_stale_temps_where_locks_cannot_be_checked_go_by_age(tmp_path, monkeypatch):
    import errno as errno_mod
    import os
    import time

    fresh = tmp_path / ".out.jpg.0123abcd.tmp"
    old = tmp_path / ".out.jpg.4567cdef.tmp"
    for p in (fresh, old):
        p.write_bytes(b"x")
    long_ago = time.time() - 3600
    os.utime(old, (long_ago, long_ago))

    def no_locks(fd, op):
        raise OSError(errno_mod.ENOLCK, "no locks available")

    monkeypatch.setattr(filelock.fcntl, "flock", no_locks)
    assert imageio.remove_stale_temps(tmp_path, ["out.jpg"]) == [old]
    assert fresh.exists() and not old.exists()


@pytest.mark.skipif(filelock.fcntl is None, reason="flock: POSIX only")
def test_a_temp_file_a_cleaner_takes_before_its_lock_is_not_written(tmp_path, monkeypatch):
    """The race between creating a temp file and locking it: a cleaner that removed it first
    makes the writer take another name instead of writing into a removed file."""
    real_flock = filelock.fcntl.flock
    taken: list[Path] = []
    calls = []

    def cleaner_first(fd, op):
        calls.append(fd)
        if len(calls) == 1:  # the writer's first lock: another run's cleaner gets there first
            [tmp] = [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
            taken.extend(imageio.remove_stale_temps(tmp_path, ["out.png"]))
            assert taken == [tmp]
        return real_flock(fd, op)

    monkeypatch.setattr(filelock.fcntl, "flock", cleaner_first)
    photo = imageio.Photo(np.zeros((8, 8, 3), np.float32))
    out = imageio.write_photo(photo, photo.pixels, tmp_path / "out.png")
    assert imageio.is_complete_image(out) and taken
    assert [p.name for p in tmp_path.iterdir()] == ["out.png"]


def test_every_file_a_folder_scan_leaves_out_is_named_with_its_reason(album):
    (album / ".DS_Store").write_bytes(b"x")
    (album / "README").write_text("no suffix")
    (album / "sub" / "c.xmp").write_text("<x/>")
    (album / "sub" / "old.crw").write_bytes(b"a camera RAW: a photo, even if it turns out bad")
    left: list = []
    jobs = collect_jobs([album], BatchOptions(recursive=True), left)
    assert "old.crw" in [j.source.name for j in jobs]
    reasons = {item.path.name: item.reason for item in left}
    assert reasons == {
        ".DS_Store": "a hidden file",
        "README": "not a photo format Lowlight reads (no suffix)",
        "notes.txt": "not a photo format Lowlight reads (.txt)",
        "c.xmp": "not a photo format Lowlight reads (.xmp)",
    }
    from lowlight_gui.core.folders import summarize_left_out

    assert summarize_left_out(left) == (
        "3 not a photo format Lowlight reads (.txt, .xmp, no suffix), 1 a hidden file"
    )
    # outputs of this batch in the same folder: photos, but not sources, and said so
    opts = BatchOptions(output_dir=album)
    run_batch(collect_jobs([album / "a.jpg"], opts), FakeEngine(), opts)
    left = []
    collect_jobs([album], opts, left)
    assert ("a_enhanced.jpg", "the output of another photo of this batch") in [
        (i.path.name, i.reason) for i in left
    ]


def _bright_jpeg(path: Path) -> Path:
    from PIL import Image

    rng = np.random.default_rng(0)
    pixels = np.clip(rng.normal(150, 30, (40, 56, 3)), 0, 255).astype(np.uint8)
    exif = Image.Exif()
    exif[0x010F] = "Camera maker"
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(pixels).save(path, quality=97, exif=exif.tobytes())
    return path


def test_a_well_exposed_photo_is_reported_and_its_output_is_the_original(tmp_path, gain_model):
    from lowlight_gui.core.engine import Engine

    engine = Engine(gain_model, provider="CPU", threads=1)
    source = _bright_jpeg(tmp_path / "in" / "day.jpg")
    opts = BatchOptions(tile=0)
    result = run_batch(collect_jobs([source], opts), engine, opts)
    [done] = result.done
    assert done.notes == ["already well exposed: left unchanged"]
    assert done.output.read_bytes() == source.read_bytes()  # pixels, EXIF: the original's bytes
    # another format asked for: written in that format, still reported as unchanged
    png = BatchOptions(tile=0, fmt="png", output_dir=tmp_path / "png")
    [done] = run_batch(collect_jobs([source], png), engine, png).done
    assert done.output.suffix == ".png" and "already well exposed: left unchanged" in done.notes
    np.testing.assert_array_equal(imageio.read_photo(done.output).data,
                                  imageio.read_photo(source).data)
    # +2 EV asks for a brighter photo: the model's result is used, not the original
    brighter = BatchOptions(tile=0, settings=Settings(exposure=2.0), output_dir=tmp_path / "ev2")
    [done] = run_batch(collect_jobs([source], brighter), engine, brighter).done
    assert done.notes == [] and done.output.read_bytes() != source.read_bytes()
    # a dark photo is enhanced; at -2 EV it needs no brightening and is left as it is
    dark = write_image(tmp_path / "in" / "night.png", seed=3)
    for ev, notes in ((0.0, []), (-2.0, ["needs no brightening at -2 EV: left unchanged"])):
        opts = BatchOptions(tile=0, settings=Settings(exposure=ev), output_dir=tmp_path / f"dark{ev}")
        [done] = run_batch(collect_jobs([dark], opts), engine, opts).done
        assert done.notes == notes
        assert (done.output.read_bytes() == dark.read_bytes()) == bool(notes)


def test_quarter_turns_asked_for_a_photo_turn_its_output(tmp_path):
    from PIL import Image

    src = tmp_path / "in" / "wide.png"
    src.parent.mkdir()
    pixels = np.zeros((20, 30, 3), np.uint8)
    pixels[0, 0] = (200, 0, 0)  # a red top-left corner: after a right turn, top-right
    rgba = np.dstack([pixels, np.full((20, 30), 255, np.uint8)])
    rgba[0, 0, 3] = 7
    Image.fromarray(rgba, "RGBA").save(src)
    for turns, corner in ((1, (0, 19)), (-1, (29, 0)), (2, (19, 29)), (0, (0, 0))):
        opts = BatchOptions(output_dir=tmp_path / f"t{turns}", settings=Settings(strength=0.0),
                            turns={src.resolve(): turns})
        [done] = run_batch(collect_jobs([src], opts), FakeEngine(), opts).done
        with Image.open(done.output) as im:
            out = np.asarray(im)
        assert out.shape[:2] == ((20, 30) if turns % 2 == 0 else (30, 20))
        y, x = corner
        assert tuple(out[y, x]) == (200, 0, 0, 7)  # colour and alpha turned together
        assert (done.output.read_bytes() == src.read_bytes()) == (turns == 0)
