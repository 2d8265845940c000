"""``--self-test`` from source (the packaged app runs the same code: `.ci/run` calls
``dist/Lowlight/Lowlight --self-test`` after ``pyinstaller build.spec``)."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from lowlight_gui import selftest
from tests.conftest import ROOT, xcb_plugin_problem


def run_selftest(tmp_path, **env_extra) -> tuple[int, str]:
    env = {k: v for k, v in os.environ.items() if k != "LOWLIGHT_MODEL"}
    env.update(QT_QPA_PLATFORM="offscreen", **env_extra)
    report = tmp_path / "report.txt"
    proc = subprocess.run(
        [sys.executable, "-m", "lowlight_gui", "--self-test", "--report", str(report)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False,
    )
    assert report.read_text(encoding="utf-8").strip() in proc.stdout
    return proc.returncode, proc.stdout + proc.stderr


@pytest.fixture(scope="module")
def xcb_loads() -> None:
    """The self-test checks that the desktop's platform plugin loads, as the app needs on a
    desktop; on a machine without Qt's X11 libraries that check cannot pass: skipped, saying
    which packages to install (README, "Set up")."""
    problem = xcb_plugin_problem()
    if problem:
        pytest.skip(problem)


def test_selftest_passes_from_source(tmp_path, xcb_loads):
    rc, out = run_selftest(tmp_path)
    assert rc == 0, out
    assert "self-test PASSED" in out
    for name in ("resources", "gui", "providers", "model", "enhance", "formats", "raw",
                 "qt modules", "qt plugins", "lean"):
        assert re.search(rf"^  {name}\s+ok\s", out, re.MULTILINE), f"{name} not ok:\n{out}"
    assert "FAILED" not in out
    assert re.search(r"shown \d+\.\d\d s after process start", out), out


def test_selftest_fails_without_the_model(tmp_path):
    rc, out = run_selftest(tmp_path, LOWLIGHT_MODEL=str(tmp_path / "missing.onnx"))
    assert rc == 1, out
    assert re.search(r"^  resources\s+FAILED", out, re.MULTILINE), out
    assert re.search(r"^  model\s+FAILED", out, re.MULTILINE), out
    assert "self-test FAILED" in out


def test_selftest_raw_step_fails_clearly_without_rawpy(monkeypatch, tmp_path):
    monkeypatch.setattr(selftest.tempfile, "tempdir", str(tmp_path))  # its folder, not /tmp's
    st = selftest.SelfTest()
    assert st.check("raw", st.check_raw), st.results[-1].detail
    assert "sample.dng developed to 96x64 16-bit" in st.results[-1].detail
    monkeypatch.setitem(sys.modules, "rawpy", None)  # import rawpy raises ImportError
    assert not st.check("raw", st.check_raw)
    assert st.results[-1].detail.startswith(
        "camera RAW support is missing: rawpy (LibRaw) does not load"
    )


def test_qt_module_list_matches_the_app():
    """The self-test imports every Qt module the app uses; build.spec keeps exactly those."""
    used = set()
    for path in (ROOT / "lowlight_gui").rglob("*.py"):
        if path.name != "selftest.py":
            used |= set(re.findall(r"\bPySide6\.(Qt\w+)", path.read_text(encoding="utf-8")))
    assert used == set(selftest.QT_MODULES), f"update QT_MODULES and build.spec: app uses {used}"


def test_sample_is_small_dark_and_reproducible(tmp_path):
    sample = ROOT.joinpath(*selftest.SAMPLE)
    assert 2_000 < sample.stat().st_size < 120_000
    pixels = np.asarray(Image.open(sample).convert("RGB"), np.float32) / 255
    assert pixels.shape == (300, 400, 3)
    assert pixels.mean() < 0.15  # dark enough that "clearly brighter" means something
    made = subprocess.run(
        [sys.executable, str(ROOT / "packaging" / "make_sample.py"), str(tmp_path / "s.jpg")],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert made.returncode == 0, made.stderr
    assert (tmp_path / "s.jpg").read_bytes() == sample.read_bytes()


def _imports(module: str) -> set[str]:
    """The lowlight_gui modules a module of ours imports, anywhere in it (lazy imports too)."""
    import ast

    path = ROOT / (module.replace(".", "/") + ".py")
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            base = node.module if node.level == 0 else "lowlight_gui." + node.module
            found |= {base, *(f"{base}.{a.name}" for a in node.names)}
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
    return {m for m in found if m.startswith("lowlight_gui")}


def test_no_import_circle_between_the_app_and_the_selftest():
    """The entry point (__main__) chooses between them; the self-test starts the GUI through
    app, so app must not import the self-test back."""
    assert "lowlight_gui.app" in _imports("lowlight_gui.selftest")
    assert not {m for m in _imports("lowlight_gui.app") if "selftest" in m}
    assert {"lowlight_gui.selftest", "lowlight_gui.app"} <= _imports("lowlight_gui.__main__")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Qt's xcb plugin: Linux only")
def test_a_missing_x11_library_is_a_skip_that_names_the_packages(tmp_path):
    """What a machine without Qt's X11 libraries looks like to the probe: one of them hidden
    behind a broken file of its name, found first through LD_LIBRARY_PATH."""
    (tmp_path / "libxcb-cursor.so.0").write_bytes(b"not a library")
    env = {**os.environ, "LD_LIBRARY_PATH": str(tmp_path)}
    problem = xcb_plugin_problem(env)
    assert problem is not None and "libxcb-cursor.so.0" in problem
    assert "apt-get install libxcb-cursor0 libxkbcommon-x11-0 libxcb-icccm4" in problem
