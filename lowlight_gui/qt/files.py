"""Which paths are photos the core can read, and expanding dropped folders into them.

The scan and its order are the core's (``core/folders.py``), so the browser, the queue and the
batch list a folder's photos the same way.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from lowlight_gui.core import formats
from lowlight_gui.core.folders import (
    FolderScan,
    LeftOut,
    is_photo_name,
    scan_folder,
    scan_folder_report,
    why_not_photo,
)


def is_image(path: Path) -> bool:
    return is_photo_name(path)


def images_in(folder: Path, recursive: bool = False) -> list[Path]:
    """The photos in ``folder`` (or below it), in natural order; an unreadable folder gives []."""
    try:
        return scan_folder(folder, recursive)
    except OSError:
        return []


def scan(folder: Path) -> FolderScan:
    """The photos of ``folder`` and the files left out, with why; unreadable: nothing."""
    try:
        return scan_folder_report(folder)
    except OSError:
        return FolderScan()


def expand_inputs(
    paths: Iterable[Path], recursive: bool = False, left_out: list[LeftOut] | None = None
) -> list[Path]:
    """Files stay, folders become their photos; duplicates (same resolved path) appear once.
    ``left_out`` receives the files (given, or in the folders) that are not photos, with why."""
    seen: set[Path] = set()
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            try:
                found = scan_folder_report(path, recursive)
            except OSError:
                found = FolderScan()
            candidates = found.photos
            if left_out is not None:
                left_out += found.left_out
        else:
            reason = why_not_photo(path)
            candidates = [path] if reason is None else []
            if reason is not None and left_out is not None:
                left_out.append(LeftOut(path, reason))
        for c in candidates:
            key = c.resolve()
            if key not in seen:
                seen.add(key)
                out.append(c)
    return out


def name_filters() -> list[str]:
    """Glob patterns of every readable suffix, both cases (Linux is case-sensitive)."""
    return formats.glob_patterns()
