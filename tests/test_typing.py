"""mypy finds nothing in lowlight_gui/core (settings: pyproject.toml's [tool.mypy])."""

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


def test_core_type_checks():
    proc = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True,
                          text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Success: no issues found" in proc.stdout, proc.stdout
