"""mypy finds nothing in lowlight_gui/core (settings: pyproject.toml's [tool.mypy]), as it sees
the code on this machine and as it would on Windows and macOS (``--platform``): a branch that
only one system runs (core/filelock.py: msvcrt or fcntl) must be typed for that system."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT

if os.environ.get("CI"):
    importlib.import_module("mypy")  # CI installs the dev extra: a missing mypy must fail, not skip
else:
    pytest.importorskip("mypy")


@pytest.mark.parametrize("platform", [None, "win32", "darwin", "linux"])
def test_core_type_checks(platform):
    if platform == sys.platform:
        pytest.skip("the run without --platform checks this system")
    extra = [] if platform is None else ["--platform", platform]
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", *extra],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Success: no issues found" in proc.stdout, proc.stdout
