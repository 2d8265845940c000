"""ruff finds nothing in the repository (rules: pyproject.toml's [tool.ruff.lint], which adds
bugbear, blind except, pyupgrade, import order and ruff's own rules to the defaults)."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT

if os.environ.get("CI"):
    importlib.import_module("ruff")  # CI installs the dev extra: a missing ruff must fail, not skip
else:
    pytest.importorskip("ruff")


def test_ruff_is_clean():
    proc = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "."], cwd=ROOT,
                          capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
