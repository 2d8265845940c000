"""The Edit menu's commands on photos' settings, and the window's answers to an edit: the
preview follows the photo on show, a thumbnail's edited mark follows its photo.

Kept out of main_window.py (which wires them): what each command does and says lives here.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from lowlight_gui.qt.browser import FolderBrowser
from lowlight_gui.qt.edits import PhotoEditor
from lowlight_gui.qt.preview_state import PreviewState


def _photos(n: int) -> str:
    return f"{n} photo{'s' if n != 1 else ''}"


class EditCommands:
    """Undo, Redo, Copy/Paste settings, Apply to selected and Reset photo, each saying what it
    did in the status bar (``notify``)."""

    def __init__(
        self,
        editor: PhotoEditor,
        browser: FolderBrowser,
        preview: PreviewState,
        notify: Callable[[str], None],
    ) -> None:
        self.editor = editor
        self.browser = browser
        self.preview = preview
        self.notify = notify
        editor.photoChanged.connect(self._on_photo_changed)
        editor.gestureFinished.connect(self._on_gesture_finished)
        browser.thumb_model.is_edited = editor.store.is_edited

    # -- what follows an edit ---------------------------------------------------------------
    def _on_photo_changed(self, path: Path, key: str, _ongoing: bool) -> None:
        self.browser.thumb_model.refresh_edited(path)
        if path != self.editor.current:
            return
        if key == "strength":  # blended from the result on show: no new run
            self.preview.strength_changed()
        else:
            self.preview.network_changed()
            if not key:  # a paste, an undo: no drag to wait for
                self.preview.slider_released()

    def _on_gesture_finished(self, key: str) -> None:
        if key == "strength":
            self.preview.strength_changed()
        else:
            self.preview.slider_released()

    # -- commands ---------------------------------------------------------------------------
    def undo(self) -> None:
        label = self.editor.undo()
        self.notify(f"Undone: {label}." if label else "Nothing to undo for this photo.")

    def redo(self) -> None:
        label = self.editor.redo()
        self.notify(f"Redone: {label}." if label else "Nothing to redo for this photo.")

    def copy(self) -> None:
        copied = self.editor.copy()
        self.notify("Settings copied: paste them onto other photos with Ctrl+Shift+V."
                    if copied else "Open a photo first, then copy its settings.")
        self.editor.historyChanged.emit()  # Paste is possible now

    def paste(self) -> int:
        """The copied settings onto the selected photos (else the one on show)."""
        targets = self.browser.selected_files()
        if not targets and self.editor.current is not None:
            targets = [self.editor.current]
        n = self.editor.paste(targets)
        self.notify(f"Settings pasted onto {_photos(n)}.")
        return n

    def apply_to_selected(self) -> int:
        """The settings on show onto every other selected photo."""
        n = self.editor.apply_to(self.browser.selected_files())
        self.notify(f"Settings applied to {_photos(n)} besides the one on show.")
        return n

    def reset(self) -> None:
        if self.editor.reset():
            self.notify("Photo back to the default settings (Undo takes it back).")
