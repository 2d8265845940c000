"""The window's dialogs: file choosers, questions, warnings, and the wording they share."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from lowlight_gui.core import formats
from lowlight_gui.qt.files import name_filters

Confirm = Callable[..., bool]  # (title, text, yes, no) -> the person chose yes
Alert = Callable[[str, str], None]  # (title, text)


def ask(parent: QWidget, title: str, text: str, yes: str = "OK", no: str = "Cancel") -> bool:
    """Ask a yes/no question; True when the person chose ``yes``."""
    box = QMessageBox(QMessageBox.Icon.Question, title, text, parent=parent)
    yes_button = box.addButton(yes, QMessageBox.ButtonRole.AcceptRole)
    box.setDefaultButton(box.addButton(no, QMessageBox.ButtonRole.RejectRole))
    box.exec()
    return box.clickedButton() is yes_button


def warn(parent: QWidget, title: str, text: str) -> None:
    """Tell the person something went wrong, and wait until they have read it."""
    QMessageBox.warning(parent, title, text)


def critical(parent: QWidget, title: str, text: str) -> None:
    QMessageBox.critical(parent, title, text)


def choose_photo(parent: QWidget, start: Path) -> Path | None:
    pattern = " ".join(name_filters())
    name, _ = QFileDialog.getOpenFileName(parent, "Open photo", str(start), f"Photos ({pattern})")
    return Path(name) if name else None


def choose_folder(parent: QWidget, start: Path) -> Path | None:
    folder = QFileDialog.getExistingDirectory(parent, "Open folder", str(start))
    return Path(folder) if folder else None


def suggested_save_path(source: Path, folder: Path) -> Path:
    """``<folder>/<name>_enhanced<suffix>``: the photo's own suffix when we write its format,
    else that of what "same as input" writes for it: a HEIC photo is proposed as .jpg and a
    camera RAW as .tif (the writer refuses .heic and .dng)."""
    found = formats.for_suffix(source)
    suffix = source.suffix if found is not None and found.write else formats.output_suffix_for(source)
    return folder / f"{source.stem}_enhanced{suffix}"


def save_filter() -> str:
    """The save dialog's filter: the formats offered as output choices (JPEG, PNG, TIFF)."""
    return f"Photos ({' '.join(sorted(f'*{s}' for s in formats.offered_suffixes()))})"


def choose_save_target(
    parent: QWidget, source: Path, folder: Path, confirm: Confirm, alert: Alert
) -> Path | None:
    """Where to save the enhanced ``source`` (proposed in ``folder``); None when the person
    cancels, chooses the original itself (refused, with a word why) or keeps an existing file."""
    # The dialog's own overwrite question would come before our check for the original.
    name, _ = QFileDialog.getSaveFileName(
        parent,
        "Save enhanced photo",
        str(suggested_save_path(source, folder)),
        save_filter(),
        "",
        QFileDialog.Option.DontConfirmOverwrite,
    )
    if not name:
        return None
    target = Path(name)
    if is_same_file(target, source):
        alert(
            "Cannot save over the original",
            f"{target} is the original photo, and Lowlight never writes over originals. "
            "Choose another name or folder.",
        )
        return None
    if target.exists() and not confirm(
        "Replace file?", f"{target.name} already exists in {target.parent}.", "Replace"
    ):
        return None
    return target


def open_failed_text(path: Path) -> tuple[str, str]:
    """Title and text when no application could open ``path``."""
    kind = "folder" if path.is_dir() else "file"
    return (
        f"Cannot open the {kind}",
        (
            f"No application could be started to open the {kind}:\n{path}\n\n"
            "Open it from your file manager instead."
        ),
    )


def sentence(text: str) -> str:
    """A core message ("cannot read 'x': ...") as a sentence for a dialog."""
    text = text.strip()
    if not text:
        return text
    return text[0].upper() + text[1:] + ("" if text.endswith((".", "!", "?")) else ".")


def is_same_file(a: Path, b: Path) -> bool:
    """True when ``a`` names the file ``b`` (links and case-insensitive file systems too)."""
    try:
        return os.path.samefile(a, b)
    except OSError:  # ``a`` does not exist yet
        return a.absolute() == b.absolute()
