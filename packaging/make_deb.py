"""Build the Linux package, ``dist/lowlight_<version>_<arch>.deb``, from PyInstaller's folder.

    pyinstaller --noconfirm --clean build.spec
    python packaging/make_deb.py                 # -> dist/lowlight_0.1.0_amd64.deb
    sudo apt install ./dist/lowlight_0.1.0_amd64.deb
    lowlight-gui --self-test

The package puts the one-folder app in ``/opt/lowlight`` (it finds its libraries and data next
to itself, so it stays one folder), links ``/usr/bin/lowlight-gui`` to it, and installs
``lowlight.desktop`` (the menu entry, and "Open with" for the photo types in its MimeType) with
the icons in the hicolor theme. No maintainer scripts: dpkg's triggers refresh the desktop and
icon caches. ``Depends`` names what the bundle takes from the system: the X11/Wayland, EGL and
font libraries Qt's platform plugins load (the same list CI installs before the self-test).

Needs ``dpkg-deb`` (Debian, Ubuntu; ``.github/workflows/ci.yml`` runs this on ubuntu-22.04).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "lowlight"
PREFIX = Path("opt") / PACKAGE  # where the app folder goes
COMMAND = Path("usr") / "bin" / "lowlight-gui"  # on PATH; the name the pip install gives it too
DESKTOP = ROOT / "packaging" / "linux" / "lowlight.desktop"
ICONS = ROOT / "resources" / "icons"

# What the bundle loads from the system: every library outside the bundle that its Qt libraries
# and platform plugins (xcb, wayland) link, read with ldd from the installed package (the
# transitive ones, such as libX11's, come with these), and the C/C++ runtimes. Alternatives for
# the names Ubuntu 24.04 and Debian 13 gave some in the 64-bit time_t move. The libraries CI
# installs before the self-test are among them (tests/test_packaging.py).
DEPENDS = (
    "libc6 (>= 2.35)",  # the build machine's glibc (ubuntu-22.04): the bundle needs at least it
    "libgcc-s1",
    "libstdc++6",
    "zlib1g",
    "libegl1",
    "libgl1",
    "libfontconfig1",
    "libfreetype6",
    "libdbus-1-3",
    "libglib2.0-0t64 | libglib2.0-0",
    "libwayland-client0",
    "libx11-6",
    "libx11-xcb1",
    "libxcb1",
    "libxkbcommon0",
    "libxkbcommon-x11-0",
    "libxcb-cursor0",
    "libxcb-icccm4",
    "libxcb-image0",
    "libxcb-keysyms1",
    "libxcb-randr0",
    "libxcb-render0",
    "libxcb-render-util0",
    "libxcb-shape0",
    "libxcb-shm0",
    "libxcb-sync1",
    "libxcb-xfixes0",
    "libxcb-xinerama0",
    "libxcb-xkb1",
)

DESCRIPTION = """\
make dark, noisy photos look as if they were taken in good light
 Lowlight brightens and denoises photos taken in low light with a small
 neural network (ONNX Runtime), one photo at a time or a whole folder in a
 batch. It reads JPEG, PNG, TIFF, WebP, BMP, HEIC and camera RAW files and
 never changes the originals. This package is the self-contained desktop
 application (Qt); it needs no Python."""


def control_text(*, version: str, arch: str, installed_kib: int) -> str:
    """The package's DEBIAN/control."""
    fields = {
        "Package": PACKAGE,
        "Version": version,
        "Architecture": arch,
        "Maintainer": "Lowlight <lowlight@users.noreply.github.com>",
        "Installed-Size": str(installed_kib),
        "Depends": ", ".join(DEPENDS),
        "Section": "graphics",
        "Priority": "optional",
        "Description": DESCRIPTION,
    }
    return "".join(f"{key}: {value}\n" for key, value in fields.items())


def bundle_version(app: Path) -> str:
    """The version the bundle was built as (build.spec writes it to lowlight-bundle.json)."""
    manifest = app / "_internal" / "lowlight-bundle.json"
    if not manifest.is_file():
        raise SystemExit(
            f"make_deb: {app} is not a Lowlight bundle (no {manifest.name}); "
            "build it first: pyinstaller --noconfirm --clean build.spec"
        )
    return str(json.loads(manifest.read_text(encoding="utf-8"))["version"])


def _normalise_modes(tree: Path) -> None:
    """0755 for folders and executables, 0644 for the rest: what dpkg expects, whatever the
    build machine's umask was."""
    for path in [tree, *tree.rglob("*")]:
        if path.is_symlink():
            continue
        if path.is_dir() or path.stat().st_mode & 0o111:
            path.chmod(0o755)
        else:
            path.chmod(0o644)


def stage(app: Path, root: Path) -> None:
    """Lay the package's files out under ``root`` (everything but DEBIAN/)."""
    shutil.copytree(app, root / PREFIX, symlinks=True)
    (root / COMMAND).parent.mkdir(parents=True)
    # relative, so the link also works in a package unpacked somewhere else (dpkg-deb -x)
    target = os.path.relpath(root / PREFIX / "Lowlight", (root / COMMAND).parent)
    (root / COMMAND).symlink_to(target)
    applications = root / "usr" / "share" / "applications"
    applications.mkdir(parents=True)
    shutil.copyfile(DESKTOP, applications / "lowlight.desktop")
    hicolor = root / "usr" / "share" / "icons" / "hicolor"
    for png in sorted(ICONS.glob("lowlight-*.png")):
        size = png.stem.split("-")[1]
        folder = hicolor / f"{size}x{size}" / "apps"
        folder.mkdir(parents=True)
        shutil.copyfile(png, folder / "lowlight.png")
    (hicolor / "scalable" / "apps").mkdir(parents=True)
    shutil.copyfile(ICONS / "lowlight.svg", hicolor / "scalable" / "apps" / "lowlight.svg")
    doc = root / "usr" / "share" / "doc" / PACKAGE
    doc.mkdir(parents=True)
    (doc / "copyright").write_text(
        "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n"
        "Upstream-Name: Lowlight\n\nFiles: *\nCopyright: the Lowlight authors\nLicense: MIT\n"
        " The bundled libraries (Qt, ONNX Runtime, libvips, LibRaw and others) keep their own\n"
        f" licences; their notices are in /{PREFIX}/_internal.\n",
        encoding="utf-8",
    )
    _normalise_modes(root)


def _installed_kib(root: Path) -> int:
    total = sum(p.lstat().st_size for p in root.rglob("*") if not p.is_dir())
    return -(-total // 1024)


def build_deb(
    app: Path, out_dir: Path, *, arch: str | None = None, compression: str = "xz"
) -> Path:
    """Stage ``app`` (dist/Lowlight) and pack it; the path of the .deb. ``compression``: xz
    (what is shipped: every dpkg reads it, older Debian ones no zstd; 3 min on 2 busy cores),
    gzip, or none (a quick check of the layout: seconds)."""
    if shutil.which("dpkg-deb") is None:
        raise SystemExit("make_deb: dpkg-deb is not installed (Debian and Ubuntu have it)")
    version = bundle_version(app)
    arch = (
        arch
        or subprocess.run(
            ["dpkg", "--print-architecture"], check=True, capture_output=True, text=True
        ).stdout.strip()
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    deb = out_dir / f"{PACKAGE}_{version}_{arch}.deb"
    with tempfile.TemporaryDirectory(prefix="lowlight-deb-") as tmp:
        root = Path(tmp) / "root"
        stage(app, root)
        (root / "DEBIAN").mkdir(mode=0o755)
        control = control_text(version=version, arch=arch, installed_kib=_installed_kib(root))
        (root / "DEBIAN" / "control").write_text(control, encoding="utf-8")
        subprocess.run(
            ["dpkg-deb", "--root-owner-group", f"-Z{compression}", "--build", str(root), str(deb)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return deb


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build dist/lowlight_<version>_<arch>.deb")
    parser.add_argument(
        "--app",
        type=Path,
        default=ROOT / "dist" / "Lowlight",
        help="the PyInstaller folder (default dist/Lowlight)",
    )
    parser.add_argument("--out", type=Path, default=ROOT / "dist", help="where the .deb goes")
    parser.add_argument("--arch", help="Debian architecture (default: dpkg's)")
    parser.add_argument(
        "--compression",
        choices=("xz", "gzip", "none"),
        default="xz",
        help="xz (default, the smallest), gzip, or none (quick layout checks)",
    )
    args = parser.parse_args(argv)
    deb = build_deb(args.app, args.out, arch=args.arch, compression=args.compression)
    print(f"{deb} ({deb.stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
