"""Tests that would behave differently on Windows or macOS than on Linux stay out of the tree.

``os.kill(os.getpid(), SIGINT)`` delivers a Ctrl+C on POSIX, but on Windows ``os.kill`` with
any signal other than CTRL_C_EVENT/CTRL_BREAK_EVENT is ``TerminateProcess``: pytest itself dies
and every later CI step (build, self-test) is skipped. ``signal.raise_signal`` is the portable
way to interrupt the running process.
"""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import ROOT

# os.kill aimed at this very process, however it is spelt (os.getpid() or a saved pid is not
# caught; the call on getpid() is the pattern that came back before)
SELF_KILL = re.compile(r"\bos\s*\.\s*kill\s*\(\s*os\s*\.\s*getpid\s*\(\s*\)")


def self_kills(text: str) -> list[int]:
    """Line numbers (1-based) of calls that kill this very process with os.kill."""
    return [text.count("\n", 0, m.start()) + 1 for m in SELF_KILL.finditer(text)]


def test_the_pattern_is_found() -> None:
    assert self_kills("import os\nos.kill(os.getpid(), signal.SIGINT)\n") == [2]
    assert self_kills("x = 1\n    os.kill( os.getpid( ), 2)") == [2]
    assert self_kills("signal.raise_signal(signal.SIGINT)\nos.kill(pid, 9)\n") == []


def test_no_test_kills_its_own_process() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in sorted(Path(ROOT, "tests").rglob("*.py"))
        if path.name != Path(__file__).name
        for line in self_kills(path.read_text(encoding="utf-8"))
    ]
    assert not found, (
        "os.kill on the test's own pid terminates pytest on Windows; use "
        f"signal.raise_signal instead: {', '.join(found)}"
    )
