"""Which paths are photos the core can read, and expanding dropped folders into them."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from lowlight_gui.core.imageio import SUPPORTED_SUFFIXES


def is_image(path: Path) -> bool:
    return path.suffix.lower() in SUPPORTED_SUFFIXES and not path.name.startswith(".")


def natural_key(path: Path) -> list[object]:
    """Sort "img2" before "img10", as file managers do."""
    return [int(t) if t.isdigit() else t.lower() for t in re.split(r"(\d+)", path.name)]


def images_in(folder: Path, recursive: bool = False) -> list[Path]:
    """The photos in ``folder`` (or below it), in natural order; an unreadable folder gives []."""
    try:
        entries = folder.rglob("*") if recursive else folder.iterdir()
        files = [p for p in entries if p.is_file() and is_image(p)]
    except OSError:
        return []
    return sorted(files, key=lambda p: (str(p.parent).lower(), natural_key(p)))


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
    """Glob patterns for QFileSystemModel / QFileDialog, both cases (Linux is case-sensitive)."""
    exts = sorted(SUPPORTED_SUFFIXES)
    return [f"*{e}" for e in exts] + [f"*{e.upper()}" for e in exts]
