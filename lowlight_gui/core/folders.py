"""Finding the photos in a folder: the one scan used by the batch, the CLI and the GUI.

Order: natural ("img2" before "img10", case ignored, as file managers sort), the photos of a
folder before those of its subfolders, subfolders in the same natural order, depth first. The
batch's queue, the CLI's progress and the browser's grid all list photos in this order.

What counts: files (or links to files) whose suffix is one we read (``formats.READ_SUFFIXES``),
not hidden (a leading dot: also our own temp files). A recursive scan skips hidden folders,
does not follow links to folders (no loops) and skips the folders ``skip_dir`` says to.
Nothing is passed over in silence: ``scan_folder_report`` also names every other file, with
the reason it is not taken as a photo, for the CLI's ``-v`` and the GUI's counts.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .formats import READ_SUFFIXES


def is_photo_name(path: Path) -> bool:
    """A file name we would read: a known suffix, not hidden."""
    return why_not_photo(path) is None


def why_not_photo(path: Path) -> str | None:
    """Why a file is not taken as a photo ("not a photo format Lowlight reads (.txt)"), or
    None when it is one."""
    if path.name.startswith("."):
        return "a hidden file"
    if path.suffix.lower() in READ_SUFFIXES:
        return None
    return f"not a photo format Lowlight reads ({path.suffix.lower() or 'no suffix'})"


@dataclass(frozen=True)
class LeftOut:
    """A file a scan did not take as a photo, and why (a phrase: "a hidden file")."""

    path: Path
    reason: str


@dataclass
class FolderScan:
    """What a scan found: the photos in order, and every other file with its reason."""

    photos: list[Path] = field(default_factory=list)
    left_out: list[LeftOut] = field(default_factory=list)

    def summary(self) -> str:
        """The files left out, counted by reason: "2 not a photo format Lowlight reads (.txt,
        .xmp), 1 a hidden file"; "" when there are none."""
        return summarize_left_out(self.left_out)


def summarize_left_out(left_out: list[LeftOut]) -> str:
    """``FolderScan.summary`` for any list of left-out files."""
    suffixes: dict[str, set[str]] = {}
    counts: Counter[str] = Counter()
    for item in left_out:
        reason = item.reason
        if reason.startswith("not a photo format"):  # one group, its suffixes listed
            reason = "not a photo format Lowlight reads"
            suffixes.setdefault(reason, set()).add(item.reason[len(reason) + 2:-1])
        counts[reason] += 1
    parts = []
    for reason, n in counts.most_common():
        listed = sorted(suffixes.get(reason, ()))
        extra = f" ({', '.join(listed[:6])}{', ...' if len(listed) > 6 else ''})" if listed else ""
        parts.append(f"{n} {reason}{extra}")
    return ", ".join(parts)


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
    return scan_folder_report(folder, recursive, skip_dir).photos


def scan_folder_report(
    folder: Path,
    recursive: bool = False,
    skip_dir: Callable[[Path], bool] | None = None,
) -> FolderScan:
    """``scan_folder``'s photos, and the other files of the folders scanned (in the same order)
    with the reason each is not a photo. Folders are not files: skipped ones are not listed."""
    scan = FolderScan()
    dirs: list[Path] = []
    others: list[LeftOut] = []
    with os.scandir(folder) as entries:
        for entry in entries:
            path = Path(folder, entry.name)
            try:
                if entry.is_file():
                    reason = why_not_photo(path)
                    if reason is None:
                        scan.photos.append(path)
                    else:
                        others.append(LeftOut(path, reason))
                elif recursive and entry.is_dir(follow_symlinks=False):
                    dirs.append(path)
            except OSError:  # vanished, or a broken link
                continue
    dirs = [d for d in dirs if not d.name.startswith(".") and not (skip_dir and skip_dir(d))]
    scan.photos.sort(key=lambda p: natural_key(p.name))
    scan.left_out = sorted(others, key=lambda o: natural_key(o.path.name))
    for sub in sorted(dirs, key=lambda p: natural_key(p.name)):
        try:
            found = scan_folder_report(sub, True, skip_dir)
        except OSError:
            continue
        scan.photos += found.photos
        scan.left_out += found.left_out
    return scan
