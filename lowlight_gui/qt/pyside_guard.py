"""PySide6 builds that lose references to Python singletons, and the app's guard against them.

PySide6 6.12.0 (shiboken6 6.12.0) drops one reference to ``None`` each time a wrapped call hands
None back to Python (every void method such as ``QPainter.setPen``, a null pointer, an invalid
QVariant from ``QModelIndex.data``), and one reference to ``True`` per ``Signal.emit``. Before
Python 3.12 these objects are not immortal: the count reaches zero after a few thousand calls and
the interpreter aborts (``Fatal Python error: none_dealloc``), ~25 s into a batch. Qt asking a
Python model's ``data()`` (returning None) from C++ loses nothing; the leak is on the way back.

The dependency range excludes the known releases (pyproject.toml); ``guard_pyside()`` covers an
environment that has one anyway (a distribution package, a forced upgrade).
"""

from __future__ import annotations

import ctypes
import sys

import PySide6
from PySide6.QtCore import QObject, Signal

#: Releases measured to lose references (module docstring); pyproject.toml excludes them.
DEFECTIVE_PYSIDE6: frozenset[str] = frozenset({"6.12.0"})
#: What to install instead, for messages.
KNOWN_GOOD_PYSIDE6 = "6.11.3"
_PROBE_CALLS = 64
# Enough references that a leak of one per call could not use them up in years of running.
_PIN = 1 << 40


def singletons_are_immortal() -> bool:
    """Python 3.12+ never frees None/True/False (PEP 683): a lost reference is harmless."""
    return sys.version_info >= (3, 12)


def is_known_defective(version: str | None = None) -> bool:
    """True for a denylisted PySide6 release on a Python where the defect can abort the app."""
    version = PySide6.__version__ if version is None else version
    return version in DEFECTIVE_PYSIDE6 and not singletons_are_immortal()


class _Probe(QObject):
    ping = Signal()


def lost_references(calls: int = _PROBE_CALLS) -> dict[str, int]:
    """References to None and True that ``calls`` wrapped calls lose; {} on a sound build."""
    probe = _Probe()
    lost: dict[str, int] = {}
    before = sys.getrefcount(None)
    for _ in range(calls):
        probe.setObjectName("probe")  # void: returns None
    lost["None"] = before - sys.getrefcount(None)
    before = sys.getrefcount(True)
    for _ in range(calls):
        probe.ping.emit()  # returns True
    lost["True"] = before - sys.getrefcount(True)
    # A few references either way are the interpreter's own bookkeeping, not a leak.
    return {name: n for name, n in lost.items() if n >= calls // 2}


def _pin(obj: object) -> bool:
    """Give ``obj`` so many references that lost ones cannot free it (CPython < 3.12 only)."""
    cell = ctypes.c_ssize_t.from_address(id(obj))
    # ob_refcnt is the first field of a PyObject in release builds; check before writing.
    if abs(cell.value - (sys.getrefcount(obj) - 1)) > 2:
        return False
    cell.value += _PIN
    return True


def guard_pyside() -> str | None:
    """Keep the app alive on a PySide6 that loses references; returns a warning for the
    person (what happened, what to install), or None when the installed PySide6 is sound."""
    if singletons_are_immortal():
        return None
    lost = lost_references()
    if not lost:
        return None
    objects = {"None": None, "True": True}
    pinned = all(_pin(objects[name]) for name in lost)
    advice = f'install a fixed one: pip install "PySide6-Essentials=={KNOWN_GOOD_PYSIDE6}"'
    what = f"PySide6 {PySide6.__version__} loses references to {' and '.join(sorted(lost))}"
    if pinned:
        return f"{what}; Lowlight works around it, but {advice}."
    return f"{what} and Lowlight may crash after a few minutes; {advice}."
