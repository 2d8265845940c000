"""The oldest macOS the bundled app starts on, read from its own libraries (for build.spec).

Each Mach-O library records the oldest macOS it was built for (``LC_BUILD_VERSION``'s minos, or
``LC_VERSION_MIN_MACOSX``); the app starts only where all of them load, so the bundle's
``LSMinimumSystemVersion`` is the newest of those. Read, not written down, because it moves with
the wheels: ONNX Runtime 1.24+ for arm64 needs macOS 14.0, its last x86_64 build (1.23.2) 13.4
(checked on the wheels with macholib; docs/PACKAGING.md). Without the key, an older Mac opens
the app and it dies in the loader with no message; with it, Finder says which macOS it needs.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterable

Version = tuple[int, ...]


def _pyinstaller_reader() -> Callable[[str], Version]:
    # imported here, not per file: a missing macholib must fail the build, not give the floor
    from PyInstaller.utils.osx import macosx_version_min  # macholib comes with it on macOS

    return lambda path: tuple(macosx_version_min(path))


def minimum_macos(
    paths: Iterable[str],
    *,
    read: Callable[[str], Version] | None = None,
    floor: str = "11.0",
) -> str:
    """The newest minimum macOS among ``paths`` (files that are not Mach-O are passed over), as
    "major.minor", and never older than ``floor`` (what the Python build itself needs)."""
    read = read or _pyinstaller_reader()
    newest = tuple(int(n) for n in floor.split("."))
    for path in paths:
        try:
            version = read(path)
        except (ValueError, AssertionError, OSError, struct.error):
            version = ()  # not Mach-O (ValueError), or no version command (PyInstaller asserts)
        newest = max(newest, tuple(version[:2]))
    return ".".join(str(n) for n in newest[:2])
