"""SIGTERM and SIGHUP are a cancel like Ctrl+C (issue 28.5): the batch ends cleanly with exit
130 and no temp file; Ctrl+C while the libraries load ends quietly (28.10). Signals are raised
with ``signal.raise_signal`` (os.kill on our own pid kills pytest on Windows)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from lowlight_gui import cli
from tests.conftest import ROOT, write_image

CANCELLERS = [s for s in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, s)]


@pytest.fixture
def folder(tmp_path) -> Path:
    write_image(tmp_path / "in" / "a.jpg", seed=1)
    write_image(tmp_path / "in" / "b.png", seed=2)
    return tmp_path / "in"


@pytest.mark.parametrize("name", CANCELLERS)
def test_a_signal_cancels_the_batch(folder, monkeypatch, capsys, name):
    """Ctrl+C, SIGTERM or SIGHUP during a run: the run in flight is terminated, nothing is
    written, exit 130, and the handler the CLI found is given back."""
    from lowlight_gui.core import engine as engine_mod
    from lowlight_gui.core.errors import Cancelled

    sig = getattr(signal, name)
    started = threading.Event()

    class Blocking:
        factor, overlap, has_gain_input, warnings = 4, 8, False, []

        def __init__(self, *args, **kwargs):
            pass

        def run(self, batch, gain=None, cancel=None):
            started.set()
            if cancel is None or not cancel.wait(20):
                raise AssertionError("the run in flight was never cancelled")
            raise Cancelled("cancelled")

    monkeypatch.setattr(engine_mod, "Engine", Blocking)

    def deliver():
        if started.wait(20):
            signal.raise_signal(sig)

    # the handler the CLI found, given back afterwards: Python's default, or SIG_IGN when the
    # tests run as a background job of a non-interactive shell (which starts with SIGINT ignored)
    before = signal.getsignal(sig)
    threading.Thread(target=deliver, daemon=True).start()
    code = cli.main(["enhance", str(folder)])
    out, err = capsys.readouterr()
    assert code == cli.EXIT_CANCELLED
    assert "0 done, 0 skipped, 0 failed, cancelled" in out and "cancelling" in err
    assert "cancelled (2 not done)" in out
    assert not (folder / "enhanced").exists()
    assert signal.getsignal(sig) is before  # given back


_SLOW_WRITER = """
import sys, time
from pathlib import Path
from lowlight_gui import cli
from lowlight_gui.core import imageio

real = imageio._vips_save
def slow(im, fp, name, quality):
    fp.write(b"II*\\0")  # a temp file with something in it, as a TIFF being written
    fp.flush()
    Path(sys.argv[2]).write_text("writing")
    time.sleep(1.5)  # the signal arrives now
    fp.seek(0)
    fp.truncate()
    real(im, fp, name, quality)

imageio._vips_save = slow
sys.exit(cli.main(["enhance", sys.argv[1], "--model", sys.argv[3], "--threads", "1",
                   "--format", "tif"]))
"""


@pytest.mark.skipif(os.name == "nt", reason="SIGTERM is TerminateProcess on Windows")
@pytest.mark.parametrize("name", ["SIGTERM", "SIGHUP"])
def test_a_signal_while_a_tiff_is_written_leaves_no_temp_file(folder, tiny_model, tmp_path,
                                                              name):
    marker = tmp_path / "marker"
    proc = subprocess.Popen(
        [sys.executable, "-c", _SLOW_WRITER, str(folder), str(marker), str(tiny_model)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        for _ in range(600):
            if marker.exists() or proc.poll() is not None:
                break
            threading.Event().wait(0.1)
        assert marker.exists(), proc.communicate()[1]
        proc.send_signal(getattr(signal, name))
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == cli.EXIT_CANCELLED, err
    assert "Traceback" not in err
    made = sorted(p.name for p in (folder / "enhanced").iterdir())
    assert made == ["a_enhanced.tif"]  # the file being written is finished, then it stops
    from lowlight_gui.core import imageio

    assert imageio.is_complete_image(folder / "enhanced" / "a_enhanced.tif")


_EARLY_INTERRUPT = """
import runpy, sys

WHEN = sys.argv[1]

class Interrupt:  # Ctrl+C as the CLI's libraries load (the first 50 ms of a run)
    def find_spec(self, name, path=None, target=None):
        if name == WHEN:
            raise KeyboardInterrupt
        return None

sys.meta_path.insert(0, Interrupt())
sys.argv = ["lowlight", "enhance", "nothing.jpg"]
runpy.run_module("lowlight_gui.cli", run_name="__main__")
"""


@pytest.mark.parametrize("module", ["numpy", "lowlight_gui.core.formats", "lowlight_gui.console"])
def test_ctrl_c_while_loading_prints_no_traceback(module):
    done = subprocess.run([sys.executable, "-c", _EARLY_INTERRUPT, module], capture_output=True,
                          text=True, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120,
                          check=False)
    assert done.returncode == cli.EXIT_CANCELLED, done.stderr
    assert "Traceback" not in done.stderr and "KeyboardInterrupt" not in done.stderr
    assert done.stderr.strip() == "lowlight: cancelled"


def test_ctrl_c_before_the_batch_prints_no_traceback(folder, monkeypatch, capsys):
    """Ctrl+C while the jobs are collected (no handler of ours yet): exit 130, one line."""
    from lowlight_gui.core import batch as batch_mod

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(batch_mod, "collect_jobs", interrupted)
    code = cli.main(["enhance", str(folder)])
    _, err = capsys.readouterr()
    assert code == cli.EXIT_CANCELLED and err.strip() == "lowlight: cancelled"
