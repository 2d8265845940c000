"""Which paths are photos the core can read, and expanding dropped folders into them.

The scan and its order are the core's (``core/folders.py``), so the browser, the queue and the
batch list a folder's photos the same way.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from pathlib import Path

from lowlight_gui.core import formats
from lowlight_gui.core.folders import (
    FolderScan,
    LeftOut,
    is_photo_name,
    natural_key,
    scan_folder,
    scan_folder_report,
    why_not_photo,
)


def is_image(path: Path) -> bool:
    return is_photo_name(path)


def content_problem(path: Path) -> str | None:
    """Why a file with a photo's name is plainly not one (empty, or text: a "broken.jpg" that is
    a note), from its first bytes; None when it may be a photo (the readers tell the rest)."""
    try:
        with open(path, "rb") as fp:
            head = fp.read(4096)
    except OSError:
        return None  # the batch says why it cannot be read
    if not head:
        return "the file is empty"
    if b"\0" in head:
        return None  # binary: a photo, or for the reader to refuse
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not just a character cut at the end of the head
            return None
    if formats.is_raw_name(path) or head[:4] in (b"II*\0", b"MM\0*"):
        return None
    return "it is a text file, not a photo"


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


def photos_below(folder: Path, *, budget_s: float = 0.25) -> list[tuple[Path, int]]:
    """(subfolder, how many photos it and its own subfolders hold) for each subfolder of
    ``folder`` that holds any, most first. Names only, hidden ones skipped; the walk stops after
    ``budget_s`` seconds (a home folder can hold a lot), giving what it counted so far."""
    deadline = time.monotonic() + budget_s
    try:
        subs = sorted(
            (e for e in os.scandir(folder) if e.is_dir() and not e.name.startswith(".")),
            key=lambda e: natural_key(e.name),
        )
    except OSError:
        return []
    found: list[tuple[Path, int]] = []
    for sub in subs:
        count = 0
        for _root, dirs, files in os.walk(sub.path):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            count += sum(1 for f in files if not f.startswith(".") and is_photo_name(Path(f)))
            if time.monotonic() > deadline:
                break
        if count:
            found.append((Path(sub.path), count))
        if time.monotonic() > deadline:
            break
    return sorted(found, key=lambda item: -item[1])
