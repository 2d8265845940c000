"""Each photo's own settings in the window: shown in the controls, remembered, undoable.

``PhotoEditor`` binds the controls to the photo on show: showing a photo loads its settings
(from the store, else the defaults) without it counting as an edit; a change in the controls is
that photo's edit, recorded in its undo history (one drag or one held key = one step) and in
the store. Copy/paste, Apply to selected, Reset photo and presets are edits of the photos they
touch, undoable on each of them.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from lowlight_gui.core.edit_history import EditHistory
from lowlight_gui.core.photo_edits import PhotoEdits
from lowlight_gui.core.settings import DEFAULTS, SPECS_BY_KEY
from lowlight_gui.core.settings import Settings as PhotoSettings
from lowlight_gui.qt.controls import ControlsPanel


class PhotoEditor(QObject):
    """GUI thread only."""

    # A photo's settings changed (path; the key changed, "" for several at once; whether the
    # gesture goes on): the preview follows for the photo on show, its thumbnail mark for all.
    photoChanged = Signal(object, str, bool)
    gestureFinished = Signal(str)  # the drag or held key of a setting ended (full preview)
    historyChanged = Signal()  # what Undo/Redo would do changed

    def __init__(
        self, controls: ControlsPanel, store: PhotoEdits, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.controls = controls
        self.store = store
        self.history = EditHistory()
        self.current: Path | None = None
        self.shown = DEFAULTS  # the current photo's settings as last recorded
        self.clipboard: PhotoSettings | None = None
        controls.edited.connect(self._on_edited)
        controls.gestureFinished.connect(self._on_gesture_finished)

    # -- the photo on show ----------------------------------------------------------------
    def settings_for(self, path: Path) -> PhotoSettings:
        """The photo's own settings, or the defaults for a photo never edited."""
        return self.store.settings_for(path, DEFAULTS)

    def show(self, path: Path | None) -> None:
        """Load ``path``'s settings into the controls (not an edit)."""
        self.current = Path(path).resolve() if path is not None else None
        self.shown = self.settings_for(self.current) if self.current else DEFAULTS
        self.controls.set_settings(self.shown)
        self.historyChanged.emit()

    def _on_edited(self, key: str, ongoing: bool) -> None:
        if self.current is None:
            return  # nothing on show: the controls edit no photo
        new = self.controls.settings()
        label = SPECS_BY_KEY[key].label
        self.history.record(self.current, self.shown, new, label=label, key=key, open=ongoing)
        self._keep(self.current, new)
        self.photoChanged.emit(self.current, key, ongoing)
        self.historyChanged.emit()

    def _on_gesture_finished(self, key: str) -> None:
        if self.current is not None:
            self.history.close(self.current)
        self.gestureFinished.emit(key)

    def _keep(self, path: Path, settings: PhotoSettings) -> None:
        self.store.put(path, settings)
        if path == self.current:
            self.shown = settings

    # -- edits of whole photos (undoable) --------------------------------------------------
    def assign(self, paths: Iterable[Path], settings: PhotoSettings, *, label: str) -> int:
        """Give each photo ``settings`` as one undoable edit of it; returns how many changed."""
        changed = 0
        for path in (Path(p).resolve() for p in paths):
            before = self.shown if path == self.current else self.settings_for(path)
            if not self.history.record(path, before, settings, label=label, key=label):
                continue
            self.history.close(path)
            self._apply(path, settings)
            changed += 1
        self.historyChanged.emit()
        return changed

    def _apply(self, path: Path, settings: PhotoSettings) -> None:
        self._keep(path, settings)
        if path == self.current:
            self.controls.set_settings(settings)
        self.photoChanged.emit(path, "", False)

    def copy(self) -> PhotoSettings | None:
        """Copy the settings on show; None when no photo is on show."""
        if self.current is None:
            return None
        self.clipboard = self.shown
        return self.clipboard

    def paste(self, paths: Iterable[Path]) -> int:
        """The copied settings onto ``paths``; how many photos changed."""
        if self.clipboard is None:
            return 0
        return self.assign(paths, self.clipboard, label="Paste settings")

    def reset(self) -> bool:
        """The photo on show back to the defaults."""
        if self.current is None:
            return False
        return bool(self.assign([self.current], DEFAULTS, label="Reset photo"))

    def apply_to(self, paths: Iterable[Path]) -> int:
        """The settings on show onto ``paths`` (the selected photos; the one on show is kept)."""
        if self.current is None:
            return 0
        others = [p for p in paths if Path(p).resolve() != self.current]
        return self.assign(others, self.shown, label="Apply settings")

    # -- undo -----------------------------------------------------------------------------
    def undo(self) -> str | None:
        """Undo the last edit of the photo on show; what was undone, or None."""
        if self.current is None:
            return None
        step = self.history.undo(self.current)
        if step is None:
            return None
        self._apply(self.current, step.before)
        self.historyChanged.emit()
        return step.label

    def redo(self) -> str | None:
        if self.current is None:
            return None
        step = self.history.redo(self.current)
        if step is None:
            return None
        self._apply(self.current, step.after)
        self.historyChanged.emit()
        return step.label

    def undo_label(self) -> str | None:
        return self.history.undo_label(self.current) if self.current else None

    def redo_label(self) -> str | None:
        return self.history.redo_label(self.current) if self.current else None
