"""The CLI's report never stops the work (issues 28.3, 32.3): a closed pipe (``| head -1``), a
full disk (``> /dev/full``), a console that cannot encode a file name (Windows' cp1252 when
redirected): the batch runs to its end with its usual exit code, said once on stderr, and
Python's own flush at exit prints nothing."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from lowlight_gui import cli, console
from tests.conftest import ROOT, write_image

NAMES = ("a.jpg", "b.jpg", "c.jpg", "d.jpg", "夜景_ναός.jpg")


@pytest.fixture
def folder(tmp_path) -> Path:
    for i, name in enumerate(NAMES):
        write_image(tmp_path / "in" / name, seed=i)
    return tmp_path / "in"


def enhance_command(folder: Path, model: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "lowlight_gui.cli", "enhance", str(folder), "--model",
            str(model), "--threads", "1", "--tile", "128", *extra]


def environment(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONUTF8", "PYTHONIOENCODING")}
    return {**env, "PYTHONPATH": str(ROOT), **extra}


def all_done(folder: Path) -> bool:
    made = {p.name for p in (folder / "enhanced").iterdir()}
    return made == {f"{Path(n).stem}_enhanced.jpg" for n in NAMES}


def assert_quiet(stderr: str) -> None:
    assert "Traceback" not in stderr and "Exception ignored" not in stderr, stderr


def test_a_closed_pipe_ends_the_report_not_the_batch(folder, tiny_model):
    """``lowlight enhance DIR -v | head -0``: the reader is gone before the first line."""
    read, write = os.pipe()
    os.close(read)
    try:
        done = subprocess.run(enhance_command(folder, tiny_model, "-v"), stdout=write,
                              stderr=subprocess.PIPE, text=True, env=environment(),
                              timeout=300, check=False)
    finally:
        os.close(write)
    assert done.returncode == 0, done.stderr
    assert all_done(folder)
    assert done.stderr.count("cannot write to standard output (the reader closed it)") == 1
    assert_quiet(done.stderr)


def test_head_1(folder, tiny_model):
    """``lowlight enhance DIR -v | head -1``: the reader leaves after the first line."""
    proc = subprocess.Popen(enhance_command(folder, tiny_model, "-v"), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=environment())
    first = proc.stdout.readline()
    proc.stdout.close()
    stderr = proc.stderr.read()
    assert proc.wait(300) == 0, stderr
    assert first.startswith("done ")
    assert all_done(folder)
    assert stderr.count("cannot write to standard output") <= 1  # 0 if it had written it all
    assert_quiet(stderr)


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full here")
def test_a_full_stdout(folder, tiny_model):
    with open("/dev/full", "w") as full:
        done = subprocess.run(enhance_command(folder, tiny_model, "-v"), stdout=full,
                              stderr=subprocess.PIPE, text=True, env=environment(),
                              timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    assert all_done(folder)
    assert done.stderr.count("cannot write to standard output (its disk is full)") == 1
    assert_quiet(done.stderr)


def test_a_closed_stdout_and_stderr(folder, tiny_model):
    """``>&- 2>&-``: Python starts with no sys.stdout at all."""
    done = subprocess.run(enhance_command(folder, tiny_model, "-v"), stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL, env=environment(), timeout=300, check=False,
                          preexec_fn=None if os.name == "nt" else _close_std)
    assert done.returncode == 0
    assert all_done(folder)


def _close_std() -> None:
    os.close(1)
    os.close(2)


def test_a_legacy_code_page_replaces_what_it_cannot_show(folder, tiny_model, tmp_path):
    """Windows' stdout is cp1252 with strict errors when redirected: a Japanese or Greek file
    name used to raise UnicodeEncodeError from the report and stop the batch."""
    with open(tmp_path / "report.txt", "w") as report:
        done = subprocess.run(enhance_command(folder, tiny_model, "-v"), stdout=report,
                              stderr=subprocess.PIPE, env=environment(PYTHONIOENCODING="cp1252"),
                              timeout=300, check=False)
    stderr = done.stderr.decode("cp1252", "replace")
    assert done.returncode == 0, stderr
    assert all_done(folder)
    text = (tmp_path / "report.txt").read_text("cp1252")
    assert "\\u591c\\u666f_\\u03bd\\u03b1\\u03cc\\u03c2.jpg" in text  # escaped, not lost
    assert "5 done, 0 skipped, 0 failed" in text
    assert_quiet(stderr)


# -- the stream itself, in process -----------------------------------------------------------------


class Broken(io.TextIOBase):
    """A stream whose reader has gone (EPIPE), or whose disk is full (ENOSPC)."""

    def __init__(self, code: int = 32, tty: bool = False) -> None:
        self.code, self.tty, self.writes = code, tty, 0

    def write(self, text: str) -> int:
        self.writes += 1
        raise OSError(self.code, os.strerror(self.code))

    def isatty(self) -> bool:
        return self.tty


def test_safe_stream_stops_once():
    said: list[tuple[str, str]] = []
    broken = Broken()
    stream = console.SafeStream(broken, "standard output", lambda *a: said.append(a))
    for _ in range(5):
        assert stream.write("line\n") == 5
    stream.flush()
    assert broken.writes == 1 and stream.stopped
    assert said == [("standard output", "the reader closed it")]


def test_safe_stream_replaces_what_it_cannot_encode():
    raw = io.BytesIO()
    strict = io.TextIOWrapper(raw, encoding="cp1252", errors="strict")
    stream = console.SafeStream(strict, "standard output")
    stream.write("done 夜景 ναός café\n")
    strict.flush()
    assert raw.getvalue().decode("cp1252") == "done \\u591c\\u666f \\u03bd\\u03b1\\u03cc\\u03c2 café\n"


def test_safe_stream_raises_what_is_not_a_closed_stream():
    stream = console.SafeStream(Broken(code=13), "standard output")  # EACCES: a bug, not a pipe
    with pytest.raises(PermissionError):
        stream.write("x\n")


def test_no_stream_at_all_is_quiet():
    stream = console.SafeStream(None, "standard output")
    assert stream.write("x\n") == 2 and stream.stopped and not stream.isatty()


def test_in_process_broken_stdout_and_bars(folder, tiny_model, monkeypatch, capsys):
    """tqdm's bars (on a broken terminal) and the report lines go through the guard too."""
    out, err = Broken(), Broken(code=5, tty=True)  # EIO: the terminal is gone
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", err)
    code = cli.main(["enhance", str(folder), "--model", str(tiny_model), "--threads", "1",
                     "--tile", "128", "-v"])
    assert code == 0
    assert all_done(folder)
    assert sys.stdout is out and sys.stderr is err  # given back
