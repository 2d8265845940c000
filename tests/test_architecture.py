"""The layers hold: pyproject.toml's import-linter contracts (docs/ARCHITECTURE.md, "Rules that CI
enforces"). import-linter reads every import statement, function-level and TYPE_CHECKING ones too,
and follows chains through the project's own modules; test_contracts_see_lazy_imports shows it."""

from __future__ import annotations

import importlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

if os.environ.get("CI"):
    importlib.import_module("importlinter")  # CI installs the dev extra: missing must fail, not skip
else:
    pytest.importorskip("importlinter")

QT_NAMES = ("PySide6", "PySide2", "PyQt5", "PyQt6", "shiboken6", "shiboken2", "superqt", "qtpy")

# Runs lint-imports on the checkout in `cwd` (import-linter puts the working directory first on
# sys.path; PYTHONPATH says so too, ahead of any installed copy) and first checks that the
# lowlight_gui it finds there is that checkout's.
_LINT = (
    "import sys, pathlib, lowlight_gui\n"
    "here = pathlib.Path.cwd().resolve()\n"
    "found = pathlib.Path(lowlight_gui.__file__).resolve().parent.parent\n"
    "assert found == here, f'lowlight_gui comes from {found}, not {here}'\n"
    "from importlinter.cli import lint_imports_command\n"
    "sys.exit(lint_imports_command())\n"
)


def _lint_imports(cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(cwd), *filter(None, [os.environ.get("PYTHONPATH")])])}
    return subprocess.run([sys.executable, "-c", _LINT, "--no-cache"],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=300,
                          check=False)


def test_import_contracts_are_kept():
    proc = _lint_imports(ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 broken" in proc.stdout, proc.stdout


def test_contracts_see_lazy_imports(tmp_path):
    """A copy of the sources with a core module that imports Qt inside a function breaks them."""
    def not_source(folder: str, names: list[str]) -> set[str]:
        return {n for n in names if n == "__pycache__"
                or (not n.endswith(".py") and not (Path(folder) / n).is_dir())}

    for package in ("lowlight_gui", "training"):
        shutil.copytree(ROOT / package, tmp_path / package, ignore=not_source)
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    (tmp_path / "lowlight_gui" / "core" / "lazy_violation.py").write_text(
        "def show():\n"
        "    from PySide6.QtWidgets import QMessageBox\n"
        "    from lowlight_gui.qt import dialogs\n"
        "    return QMessageBox, dialogs\n", "utf-8")
    proc = _lint_imports(tmp_path)
    assert proc.returncode != 0, proc.stdout + proc.stderr
    assert "lowlight_gui.core.lazy_violation -> PySide6" in proc.stdout, proc.stdout
    assert "lowlight_gui.core.lazy_violation -> lowlight_gui.qt.dialogs" in proc.stdout, proc.stdout


def test_core_and_cli_load_no_qt_or_torch():
    """What the contracts cannot see: a library the core or the CLI uses pulling Qt or torch in."""
    modules = sorted(p.stem for p in (ROOT / "lowlight_gui" / "core").glob("*.py")
                     if p.stem != "__init__")
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}:\n"
        "    importlib.import_module('lowlight_gui.core.' + m)\n"
        "import lowlight_gui.cli, lowlight_gui.resources\n"
        f"bad = sorted(n for n in sys.modules if n.split('.')[0] in {QT_NAMES!r} + ('torch',))\n"
        "print('BAD', bad)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True,
                          text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "BAD []" in proc.stdout, proc.stdout
