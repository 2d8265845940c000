from __future__ import annotations

import errno
import hashlib
import threading
from pathlib import Path

import pytest

from lowlight_gui.core import batch as batch_mod
from lowlight_gui.core import imageio
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
from tests.conftest import write_image


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
        opts = BatchOptions(output_dir=tmp_path / f"ev{ev}", tile=0, exposure=ev)
        result = run_batch(collect_jobs([album / "a.jpg"], opts), engine, opts)
        assert len(result.done) == 1
        [gains[ev]] = set(engine.gains)
    assert BatchOptions().exposure == 0.0
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
