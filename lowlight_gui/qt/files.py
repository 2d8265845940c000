"""Which paths are photos the core can read, and expanding dropped folders into them.

The scan and its order are the core's (``core/folders.py``), so the browser, the queue and the
batch list a folder's photos the same way.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from lowlight_gui.core import formats
from lowlight_gui.core.folders import is_photo_name, scan_folder


def is_image(path: Path) -> bool:
    return is_photo_name(path)


def images_in(folder: Path, recursive: bool = False) -> list[Path]:
    """The photos in ``folder`` (or below it), in natural order; an unreadable folder gives []."""
    try:
        return scan_folder(folder, recursive)
    except OSError:
        return []


def expand_inputs(paths: Iterable[Path], recursive: bool = False) -> list[Path]:
    """Files stay, folders become their photos; duplicates (same resolved path) appear once."""
    seen: set[Path] = set()
    out: list[Path] = []
    for path in paths:
        candidates = (
            images_in(path, recursive) if path.is_dir() else [path] if is_image(path) else []
        )
        for c in candidates:
            key = c.resolve()
            if key not in seen:
                seen.add(key)
                out.append(c)
    return out


def name_filters() -> list[str]:
    """Glob patterns of every readable suffix, both cases (Linux is case-sensitive)."""
    return formats.glob_patterns()
