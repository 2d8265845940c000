"""Finding the photos in a folder: the one scan used by the batch, the CLI and the GUI.

Order: natural ("img2" before "img10", case ignored, as file managers sort), the photos of a
folder before those of its subfolders, subfolders in the same natural order, depth first. The
batch's queue, the CLI's progress and the browser's grid all list photos in this order.

What counts: files (or links to files) whose suffix is one we read (``formats.READ_SUFFIXES``),
not hidden (a leading dot: also our own temp files). A recursive scan skips hidden folders,
does not follow links to folders (no loops) and skips the folders ``skip_dir`` says to.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

from .formats import READ_SUFFIXES


def is_photo_name(path: Path) -> bool:
    """A file name we would read: a known suffix, not hidden."""
    return path.suffix.lower() in READ_SUFFIXES and not path.name.startswith(".")


def natural_key(name: str) -> tuple[list[int | str], str]:
    """Sort key: digit runs as numbers, the rest without case; ties broken by the exact name,
    so the order never depends on the order the file system lists entries in."""
    parts: list[int | str] = [
        int(t) if t.isdigit() else t.lower() for t in re.split(r"(\d+)", name)
    ]
    return parts, name


def scan_folder(
    folder: Path,
    recursive: bool = False,
    skip_dir: Callable[[Path], bool] | None = None,
) -> list[Path]:
    """The photos in ``folder`` (and below it if ``recursive``), in the order described above.

    An unreadable ``folder`` raises ``OSError``; an unreadable subfolder is left out.
    """
    files: list[Path] = []
    dirs: list[Path] = []
    with os.scandir(folder) as entries:
        for entry in entries:
            path = Path(folder, entry.name)
            try:
                if entry.is_file():
                    if is_photo_name(path):
                        files.append(path)
                elif recursive and entry.is_dir(follow_symlinks=False):
                    dirs.append(path)
            except OSError:  # vanished, or a broken link
                continue
    dirs = [d for d in dirs if not d.name.startswith(".") and not (skip_dir and skip_dir(d))]
    files.sort(key=lambda p: natural_key(p.name))
    for sub in sorted(dirs, key=lambda p: natural_key(p.name)):
        try:
            files += scan_folder(sub, True, skip_dir)
        except OSError:
            continue
    return files
