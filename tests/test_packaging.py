"""The installers' sources: the Linux .desktop entry and .deb script, the Windows Inno Setup
script, the macOS disk image script and minimum-version reader, and the Intel Mac pins.

The full builds run in the CI workflow (and, for the .deb, here: docs/PACKAGING.md); these
checks keep what the sources declare in step with the app (the formats it reads, the command
it installs) and fail fast on a broken layout.
"""

from __future__ import annotations

import configparser
import importlib.util
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement

from lowlight_gui.core.formats import FORMATS, RAW, READ_SUFFIXES
from tests.conftest import ROOT

PACKAGING = ROOT / "packaging"
DESKTOP = PACKAGING / "linux" / "lowlight.desktop"
ISS = PACKAGING / "lowlight.iss"
WORKFLOW = ROOT / ".github" / "workflows" / "ci.yml"


def _load(name: str):
    """A script under packaging/ by path (``import packaging`` finds the PyPI package)."""
    spec = importlib.util.spec_from_file_location(f"lowlight_{name}", PACKAGING / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


make_deb = _load("make_deb")
macos_version = _load("macos_version")

# -- the .desktop entry -----------------------------------------------------------------------

# What each format we read is called in shared-mime-info (the names "Open with" goes by).
# Camera RAW: image/x-dcraw, the type every maker's RAW type is a sub-class of, plus the
# makers' own types for desktops that match those only.
MIME = {
    "JPEG": ["image/jpeg"],
    "PNG": ["image/png"],
    "TIFF": ["image/tiff"],
    "WEBP": ["image/webp"],
    "BMP": ["image/bmp"],
    "HEIF": ["image/heif", "image/heic"],
    "RAW": ["image/x-dcraw"],
}
# suffixes shared-mime-info gives to something else (.cap: a network capture)
NOT_OURS = {".cap": "application/vnd.tcpdump.pcap"}


def _desktop() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # keys are case-sensitive
    parser.read_string(DESKTOP.read_text(encoding="utf-8"))
    return parser["Desktop Entry"]


def _mime_types() -> list[str]:
    return [t for t in _desktop()["MimeType"].split(";") if t]


def test_desktop_entry_starts_the_installed_command_with_the_files() -> None:
    entry = _desktop()
    assert entry["Type"] == "Application" and entry["Name"] == "Lowlight"
    command = make_deb.COMMAND.name
    assert entry["Exec"] == f"{command} %F"  # the files chosen in "Open with"
    assert entry["TryExec"] == command
    assert entry["Terminal"] == "false"
    assert entry["Icon"] == "lowlight"
    assert (ROOT / "resources" / "icons" / "lowlight.svg").is_file()
    assert "Photography" in entry["Categories"].split(";")


def test_desktop_entry_offers_every_format_the_app_reads() -> None:
    types = _mime_types()
    assert len(types) == len(set(types))
    for fmt in FORMATS:
        if fmt.read:
            assert set(MIME[fmt.name]) <= set(types), fmt.name
    assert all(t.startswith("image/") for t in types)


GLOBS = Path("/usr/share/mime/globs2")


@pytest.mark.skipif(not GLOBS.is_file(), reason="no shared-mime-info database here")
def test_desktop_entry_has_the_type_shared_mime_info_gives_each_suffix() -> None:
    by_suffix: dict[str, set[str]] = {}
    for line in GLOBS.read_text(encoding="utf-8").splitlines():
        parts = line.split(":")
        if not line.startswith("#") and len(parts) >= 3 and parts[2].startswith("*."):
            by_suffix.setdefault(parts[2][1:].lower(), set()).add(parts[1])
    types = set(_mime_types())
    missing = {
        suffix: sorted(by_suffix[suffix])
        for suffix in sorted(READ_SUFFIXES)
        if suffix in by_suffix and suffix not in NOT_OURS and not by_suffix[suffix] & types
    }
    assert not missing, f"add these to MimeType in {DESKTOP.name}: {missing}"


@pytest.mark.skipif(
    shutil.which("desktop-file-validate") is None,
    reason="desktop-file-validate is not installed (apt: desktop-file-utils)",
)
def test_desktop_entry_is_valid() -> None:
    proc = subprocess.run(
        ["desktop-file-validate", str(DESKTOP)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert proc.returncode == 0 and "error" not in proc.stdout, proc.stdout + proc.stderr


# -- the .deb ---------------------------------------------------------------------------------


def _fake_bundle(tmp_path: Path, version: str = "9.8.7") -> Path:
    app = tmp_path / "Lowlight"
    (app / "_internal" / "models").mkdir(parents=True)
    (app / "Lowlight").write_bytes(b"\x7fELF")
    (app / "Lowlight").chmod(0o700)
    (app / "_internal" / "models" / "m.onnx").write_bytes(b"onnx")
    (app / "_internal" / "lowlight-bundle.json").write_text(json.dumps({"version": version}))
    return app


@pytest.mark.skipif(sys.platform == "win32", reason="a Debian package is laid out on POSIX")
def test_deb_layout(tmp_path) -> None:
    root = tmp_path / "root"
    make_deb.stage(_fake_bundle(tmp_path), root)
    app = root / "opt" / "lowlight"
    assert (app / "_internal" / "models" / "m.onnx").read_bytes() == b"onnx"
    command = root / "usr" / "bin" / "lowlight-gui"
    assert command.is_symlink() and not Path(command.readlink()).is_absolute()
    assert command.resolve() == (app / "Lowlight").resolve()
    assert (app / "Lowlight").stat().st_mode & 0o777 == 0o755  # whatever the umask was
    assert (app / "_internal" / "models" / "m.onnx").stat().st_mode & 0o777 == 0o644
    desktop = root / "usr" / "share" / "applications" / "lowlight.desktop"
    assert desktop.read_text() == DESKTOP.read_text()
    icons = root / "usr" / "share" / "icons" / "hicolor"
    assert (icons / "scalable" / "apps" / "lowlight.svg").is_file()
    sizes = sorted(int(p.parent.parent.name.split("x")[0]) for p in icons.glob("*/apps/*.png"))
    assert 48 in sizes and 256 in sizes
    assert (root / "usr" / "share" / "doc" / "lowlight" / "copyright").is_file()


def test_deb_control() -> None:
    text = make_deb.control_text(version="1.2.3", arch="amd64", installed_kib=1234)
    fields = dict(line.split(": ", 1) for line in text.splitlines() if not line.startswith(" "))
    assert fields["Package"] == "lowlight" and fields["Version"] == "1.2.3"
    assert fields["Architecture"] == "amd64" and fields["Installed-Size"] == "1234"
    assert fields["Section"] == "graphics"
    assert text.endswith("\n") and "\n\n" not in text  # one paragraph
    # every library the workflow installs for Qt before the self-test is a dependency
    apt = re.search(
        r"apt-get install -y -qq (libegl1.*?)desktop-file-utils", WORKFLOW.read_text(), re.DOTALL
    )
    assert apt is not None
    wanted = set(apt[1].replace("\\", " ").split())
    declared = {name.split()[0] for dep in make_deb.DEPENDS for name in dep.split("|")}
    assert wanted <= declared, wanted - declared


def test_deb_needs_a_bundle(tmp_path) -> None:
    with pytest.raises(SystemExit, match="build it first"):
        make_deb.bundle_version(tmp_path)


@pytest.mark.skipif(shutil.which("dpkg-deb") is None, reason="dpkg-deb: Debian and Ubuntu")
def test_deb_builds_and_unpacks(tmp_path) -> None:
    deb = make_deb.build_deb(_fake_bundle(tmp_path), tmp_path / "out", compression="none")
    assert deb.name == f"lowlight_9.8.7_{deb.name.split('_')[2]}"
    field = subprocess.run(
        ["dpkg-deb", "--field", str(deb), "Package", "Version", "Depends"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "Package: lowlight" in field and "Version: 9.8.7" in field and "libxcb-cursor0" in field
    listing = subprocess.run(
        ["dpkg-deb", "--contents", str(deb)], capture_output=True, text=True, check=True
    ).stdout
    assert "./usr/bin/lowlight-gui -> ../../opt/lowlight/Lowlight" in listing
    assert re.search(r"^-rwxr-xr-x root/root .* \./opt/lowlight/Lowlight$", listing, re.MULTILINE)
    unpacked = tmp_path / "unpacked"
    subprocess.run(["dpkg-deb", "-x", str(deb), str(unpacked)], check=True)
    assert (unpacked / "usr" / "bin" / "lowlight-gui").resolve().read_bytes() == b"\x7fELF"


# -- the Windows installer ---------------------------------------------------------------------


def test_windows_installer_opens_every_format_the_app_reads() -> None:
    text = ISS.read_text(encoding="utf-8")
    supported = re.findall(r'SupportedTypes"; ValueType: string; ValueName: "(\.[^"]+)"', text)
    progids = re.findall(r'Classes\\(\.[^\\"]+)\\OpenWithProgids"', text)
    assert sorted(supported) == sorted(READ_SUFFIXES)
    assert sorted(progids) == sorted(READ_SUFFIXES)
    assert 'ValueName: "Lowlight.Photo"' in text and "uninsdeletevalue" in text


def test_windows_installer_script() -> None:
    text = ISS.read_text(encoding="utf-8")
    assert "#error" in text  # no version, no installer
    assert re.search(r"^AppId=\{\{[0-9A-F-]{36}\}$", text, re.MULTILINE)  # never changes
    assert 'Source: "..\\dist\\Lowlight\\*"' in text and "recursesubdirs" in text
    assert "PrivilegesRequired=lowest" in text  # no administrator needed
    assert "ArchitecturesInstallIn64BitMode=x64compatible" in text
    name = re.search(r"^OutputBaseFilename=(.*)$", text, re.MULTILINE)
    assert name is not None
    # the workflow installs the file this script makes
    made = "dist\\installer\\" + name[1].replace("{#AppVersion}", "$env:VERSION") + ".exe"
    assert made in WORKFLOW.read_text()


# -- macOS -------------------------------------------------------------------------------------


def test_dmg_script() -> None:
    text = (PACKAGING / "make_dmg.sh").read_text()
    for part in (
        "set -euo pipefail",
        "ln -s /Applications",
        "ditto",
        "hdiutil create",
        "-format UDZO",
        "CFBundleShortVersionString",
    ):
        assert part in text, part
    if sys.platform != "win32":  # (there, "bash" may be WSL's launcher)
        subprocess.run(["bash", "-n", str(PACKAGING / "make_dmg.sh")], check=True)
    if shutil.which("shellcheck"):
        subprocess.run(["shellcheck", str(PACKAGING / "make_dmg.sh")], check=True)


def test_minimum_macos_is_the_newest_any_library_needs() -> None:
    versions = {"a.so": (13, 4, 0), "b.dylib": (14, 0, 0), "c.so": (10, 9, 0)}

    def read(path: str) -> tuple[int, ...]:
        if path not in versions:
            raise ValueError(f"Unknown Mach-O header in {path}")
        return versions[path]

    minimum = macos_version.minimum_macos
    assert minimum(["a.so", "c.so", "notes.txt"], read=read) == "13.4"
    assert minimum(["a.so", "b.dylib"], read=read) == "14.0"
    assert minimum(["c.so"], read=read) == "11.0"  # never below the floor
    assert minimum([], read=read, floor="10.13") == "10.13"


def test_build_spec_sets_the_minimum_macos() -> None:
    spec = (ROOT / "build.spec").read_text()
    assert '"LSMinimumSystemVersion": MACOS_MINIMUM' in spec and "macos_version.py" in spec


# -- Intel Macs: the last x86_64 wheels ----------------------------------------------------------

SYSTEMS = {
    "macOS arm64": {"sys_platform": "darwin", "platform_machine": "arm64"},
    "macOS x86_64": {"sys_platform": "darwin", "platform_machine": "x86_64"},
    "Linux": {"sys_platform": "linux", "platform_machine": "x86_64"},
    "Windows": {"sys_platform": "win32", "platform_machine": "AMD64"},
}


def _requirements(name: str, system: str) -> list[Requirement]:
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    lines = project["dependencies"] + project["optional-dependencies"]["cpu"]
    env = SYSTEMS[system]
    return [
        r
        for r in map(Requirement, lines)
        if r.name == name and (r.marker is None or Marker(str(r.marker)).evaluate(env))
    ]


@pytest.mark.parametrize("system", list(SYSTEMS))
def test_intel_macs_get_the_last_wheels_built_for_them(system) -> None:
    onnxruntime, rawpy = _requirements("onnxruntime", system), _requirements("rawpy", system)
    assert len(onnxruntime) == 1 and len(rawpy) == 1  # exactly one line applies everywhere
    intel = system == "macOS x86_64"
    # onnxruntime 1.23.2 and rawpy 0.25.1: the last macOS x86_64 wheels (docs/PACKAGING.md)
    assert onnxruntime[0].specifier.contains("1.23.2") and rawpy[0].specifier.contains("0.25.1")
    assert onnxruntime[0].specifier.contains("1.24.0") is not intel
    assert rawpy[0].specifier.contains("0.26.0") is not intel
    assert RAW.read  # (the pins are for camera RAW support, which every build ships)
