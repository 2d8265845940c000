"""The core (and the CLI) must work without Qt: no module of lowlight_gui/core imports it."""

from __future__ import annotations

import re
import subprocess
import sys

from tests.conftest import ROOT

CORE = ROOT / "lowlight_gui" / "core"
QT_NAMES = ("PySide6", "PySide2", "PyQt5", "PyQt6", "shiboken6", "shiboken2", "superqt", "qtpy")


def test_core_modules_import_without_qt_or_torch():
    modules = sorted(p.stem for p in CORE.glob("*.py") if p.stem != "__init__")
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


def test_core_sources_do_not_mention_qt_imports():
    pattern = re.compile(r"^\s*(from|import)\s+(" + "|".join(QT_NAMES) + r")\b", re.MULTILINE)
    offenders = [p.name for p in CORE.rglob("*.py") if pattern.search(p.read_text("utf-8"))]
    assert offenders == []
