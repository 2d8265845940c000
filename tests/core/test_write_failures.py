"""The write side when the machine says no (issues 28.6, 28.7, 32.6): a full disk is said as
"no space left on <folder>" whatever the encoder's words; a target another program holds is
retried, then named; out of memory anywhere in a photo is retried once, then that photo fails
with "not enough memory"; no temp file is left behind by any of them."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from lowlight_gui.core import batch as batch_mod
from lowlight_gui.core import failures, imageio
from lowlight_gui.core.batch import BatchOptions, collect_jobs, run_batch
from lowlight_gui.core.errors import LowlightError
from tests.conftest import write_image
from tests.core.test_batch import FakeEngine


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.name.startswith(".") or ".tmp" in p.name)


def noisy(h: int = 640, w: int = 640) -> imageio.Photo:
    """Hard to compress: a few hundred kB whatever the format."""
    rng = np.random.default_rng(0)
    return imageio.Photo((rng.random((h, w, 3)) * 255).astype(np.uint8))


@pytest.fixture
def small_disk(tmp_path):
    """A 300 kB tmpfs (root on Linux); skipped where mounting is not allowed."""
    mount = tmp_path / "small"
    mount.mkdir()
    if not sys.platform.startswith("linux"):
        pytest.skip("tmpfs: Linux only")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=300k", "tmpfs", str(mount)],
                          capture_output=True, check=False)
    if done.returncode != 0:
        pytest.skip("mounting a small tmpfs is not allowed here")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], capture_output=True, check=False)


@pytest.mark.parametrize("suffix", [".jpg", ".png", ".tif", ".bmp", ".webp"])
def test_a_full_disk_says_so(small_disk, suffix):
    photo = noisy()
    with pytest.raises(LowlightError) as caught:
        imageio.write_photo(photo, photo.data, small_disk / f"out{suffix}")
    assert f"no space left on '{small_disk}'" in str(caught.value)
    assert "encoder failed" not in str(caught.value)
    assert list(small_disk.iterdir()) == []


def test_a_full_disk_in_the_encoders_callback_is_the_os_error(tmp_path):
    """libvips turns the callback's ENOSPC into "Unknown error -1": the OSError is kept."""

    class Full:
        def write(self, data):
            raise OSError(errno.ENOSPC, "No space left on device")

        def read(self, n):
            return b""

        def seek(self, offset, whence=0):
            return 0

    pyvips = imageio._vips()
    im = pyvips.Image.new_from_array(noisy(64, 64).data, interpretation="srgb")
    with pytest.raises(OSError) as caught:
        imageio._vips_save(im, Full(), "PNG", 90)
    assert caught.value.errno == errno.ENOSPC


def test_an_encoders_own_words_for_a_full_disk(tmp_path, monkeypatch):
    """Whatever the encoder says, a failed write on a full disk is "no space left"."""

    def confused(*args, **kwargs):
        raise RuntimeError("unable to write to target: Connection timed out")

    monkeypatch.setattr(imageio, "_vips_save", confused)
    monkeypatch.setattr(failures, "disk_is_full", lambda folder: True)
    photo = noisy(16, 16)
    with pytest.raises(LowlightError, match=rf"no space left on '{tmp_path}'"):
        imageio.write_photo(photo, photo.data, tmp_path / "out.jpg")
    monkeypatch.setattr(failures, "disk_is_full", lambda folder: False)
    with pytest.raises(LowlightError, match=r"JPEG encoder failed .*Connection timed out"):
        imageio.write_photo(photo, photo.data, tmp_path / "out.jpg")
    assert leftovers(tmp_path) == []


def test_disk_is_full_asks_the_disk(tmp_path, monkeypatch):
    import shutil

    usage = shutil.disk_usage(tmp_path)
    monkeypatch.setattr(shutil, "disk_usage", lambda p: usage._replace(free=1000))
    assert failures.disk_is_full(tmp_path)
    monkeypatch.setattr(shutil, "disk_usage", lambda p: usage._replace(free=10**9))
    assert not failures.disk_is_full(tmp_path)


def _sharing_violation() -> PermissionError:
    exc = PermissionError(errno.EACCES, "The process cannot access the file")
    exc.winerror = 32  # ERROR_SHARING_VIOLATION, as Windows sets it
    return exc


@pytest.mark.parametrize("overwrite", [True, False])
def test_a_target_held_by_a_viewer_is_retried(tmp_path, monkeypatch, overwrite):
    target = tmp_path / "out.png"
    if not overwrite:
        target.write_bytes(b"")  # an empty file is replaced: os.replace is how
    real_replace = os.replace
    calls: list[int] = []

    def held_twice(src, dst):
        calls.append(1)
        if len(calls) <= 2:
            raise _sharing_violation()
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", held_twice)
    monkeypatch.setattr(imageio, "REPLACE_PAUSES", (0.01,) * 5)
    photo = noisy(16, 16)
    imageio.write_photo(photo, photo.data, target, overwrite=overwrite)
    assert len(calls) == 3 and imageio.is_complete_image(target)
    assert leftovers(tmp_path) == []


def test_a_target_held_all_along_is_named(tmp_path, monkeypatch):
    calls: list[int] = []

    def held(src, dst):
        calls.append(1)
        raise _sharing_violation()

    monkeypatch.setattr(os, "replace", held)
    monkeypatch.setattr(imageio, "REPLACE_PAUSES", (0.01,) * 5)
    photo = noisy(16, 16)
    with pytest.raises(LowlightError, match=r"'out\.png': it is open in another program"):
        imageio.write_photo(photo, photo.data, tmp_path / "out.png")
    assert len(calls) == 6
    assert leftovers(tmp_path) == []


def test_a_plain_permission_error_on_windows_is_retried_too(tmp_path, monkeypatch):
    """Windows gives EACCES (winerror 5) for a file open without delete sharing."""
    monkeypatch.setattr(failures, "WINDOWS", True)
    real_replace = os.replace
    calls: list[int] = []

    def denied_once(src, dst):
        calls.append(1)
        if len(calls) == 1:
            raise PermissionError(errno.EACCES, "Access is denied")
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", denied_once)
    monkeypatch.setattr(imageio, "REPLACE_PAUSES", (0.01,) * 5)
    photo = noisy(16, 16)
    imageio.write_photo(photo, photo.data, tmp_path / "out.png")
    assert len(calls) == 2


# -- out of memory: one failure class ------------------------------------------------------------


OOM_ERRORS = {
    "MemoryError": lambda: MemoryError(),
    "onnxruntime": lambda: RuntimeError(
        "[ONNXRuntimeError] : 6 : RUNTIME_EXCEPTION : Failed to allocate memory for requested "
        "buffer of size 1073741824"),
    "vips-thread": lambda: RuntimeError("unable to call jpegsave_target\n  Error creating thread"),
    "vips-oom": lambda: RuntimeError("vips_tracked: out of memory --- size == 96MB"),
    "ENOMEM": lambda: OSError(errno.ENOMEM, "Cannot allocate memory"),
}


@pytest.fixture
def one_photo(tmp_path):
    write_image(tmp_path / "in" / "a.jpg", seed=1)
    write_image(tmp_path / "in" / "b.jpg", seed=2)
    return tmp_path / "in"


@pytest.mark.parametrize("kind", sorted(OOM_ERRORS))
def test_out_of_memory_once_is_retried_with_smaller_tiles_and_one_thread(one_photo, monkeypatch,
                                                                          kind):
    real_save = imageio._vips_save
    seen: list[tuple[int, int]] = []  # (tile asked for, libvips threads) of each try

    def failing_once(im, fp, name, quality):
        fp.write(b"half a JPEG")  # a temp file with something in it, to be removed
        if len(seen) == 1:
            raise OOM_ERRORS[kind]()
        return real_save(im, fp, name, quality)

    real_process = batch_mod._process

    def process(index, job, engine, options, emit, cancel):
        seen.append((options.tile, imageio._vips().concurrency_get()))
        return real_process(index, job, engine, options, emit, cancel)

    monkeypatch.setattr(imageio, "_vips_save", failing_once)
    monkeypatch.setattr(batch_mod, "_process", process)
    opts = BatchOptions(tile=1024)
    result = run_batch(collect_jobs([one_photo], opts), FakeEngine(), opts)
    assert len(result.done) == 2 and not result.failed
    assert seen[0] == (1024, seen[0][1]) and seen[1] == (batch_mod.RETRY_TILE, 1)
    assert imageio._vips().concurrency_get() == seen[0][1]  # given back
    assert leftovers(one_photo) == []


@pytest.mark.parametrize("where", ["decode", "model", "encode"])
def test_out_of_memory_twice_fails_that_photo_only(one_photo, monkeypatch, where):
    def oom(*args, **kwargs):
        raise OOM_ERRORS["MemoryError" if where == "decode" else "vips-thread"]()

    class HungryEngine(FakeEngine):
        def run(self, batch, gain=None, cancel=None):
            raise RuntimeError("Failed to allocate memory for requested buffer")

    engine = FakeEngine()
    target = one_photo / "a.jpg"
    if where == "decode":
        real_read = imageio.read_photo
        monkeypatch.setattr(imageio, "read_photo", lambda p, *a, **k: (
            oom() if Path(p) == target else real_read(p, *a, **k)))
    elif where == "model":
        engine = HungryEngine()
    else:

        def failing_encoder(im, fp, name, quality):
            fp.write(b"half a JPEG")
            oom()

        monkeypatch.setattr(imageio, "_vips_save", failing_encoder)
    opts = BatchOptions(tile=256)
    result = run_batch(collect_jobs([one_photo], opts), engine, opts)
    if where == "decode":
        assert [d.job.source.name for d in result.done] == ["b.jpg"]
    assert result.failed and all(
        f.message == f"not enough memory to enhance '{f.job.source}'" for f in result.failed)
    assert leftovers(one_photo) == []


def test_a_file_named_out_of_memory_is_not_out_of_memory(tmp_path):
    exc = LowlightError(f"cannot read '{tmp_path / 'out of memory.jpg'}': the file is empty")
    assert not failures.is_out_of_memory(exc)
    wrapped = LowlightError("cannot write 'x.jpg': there is not enough memory to encode it")
    wrapped.__cause__ = RuntimeError("Error creating thread")
    assert failures.is_out_of_memory(wrapped)


def test_the_encoder_library_is_loaded_before_the_first_photo(one_photo, monkeypatch):
    """Loaded lazily under memory pressure, libvips failed with "cannot open shared object
    file": a batch loads it before any photo takes memory."""
    order: list[str] = []
    real_vips, real_read = imageio._vips, imageio.read_photo
    monkeypatch.setattr(imageio, "_vips", lambda: (order.append("vips"), real_vips())[1])
    monkeypatch.setattr(imageio, "read_photo", lambda *a, **k: (
        order.append("read"), real_read(*a, **k))[1])
    opts = BatchOptions()
    run_batch(collect_jobs([one_photo], opts), FakeEngine(), opts)
    assert order[0] == "vips" and "read" in order


def test_too_little_address_space_fails_before_the_encoder(one_photo, monkeypatch):
    """Under ``ulimit -v`` libvips' encoder crashed (SIGSEGV in vips_sink_disc) when an
    allocation failed: with too little address space left the photo fails before it."""
    monkeypatch.setattr(failures, "address_space_left", lambda: 10_000_000)
    photo = noisy(16, 16)
    with pytest.raises(LowlightError, match="not enough memory to encode it"):
        imageio.write_photo(photo, photo.data, one_photo / "out.jpg")
    opts = BatchOptions()
    result = run_batch(collect_jobs([one_photo], opts), FakeEngine(), opts)
    assert len(result.failed) == 2 and "not enough memory to enhance" in result.failed[0].message
    assert leftovers(one_photo) == []


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_AS and /proc: Linux")
def test_address_space_left_reads_the_limit():
    script = ("import resource; from lowlight_gui.core import failures\n"
              "print(failures.address_space_left())\n"
              "resource.setrlimit(resource.RLIMIT_AS, (4_000_000_000, -1))\n"
              "print(failures.address_space_left())\n")
    from tests.conftest import ROOT

    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, check=True)
    unlimited, limited = done.stdout.split()
    assert unlimited == "None" or int(unlimited) > 0
    assert 0 < int(limited) < 4_000_000_000
