"""The Presets menu: save the settings on show under a name, apply one (an undoable edit of the
photo on show), rename or delete one. Presets are the JSON files of core/presets.py, the same
ones ``lowlight enhance --preset NAME`` reads.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QInputDialog, QMenu, QWidget

from lowlight_gui.core import presets
from lowlight_gui.core.errors import LowlightError
from lowlight_gui.qt.dialogs import sentence
from lowlight_gui.qt.edits import PhotoEditor

AskText = Callable[[str, str, str], "str | None"]  # (title, label, text) -> the name, or None


def ask_text(parent: QWidget) -> AskText:
    def ask(title: str, label: str, text: str) -> str | None:
        name, ok = QInputDialog.getText(parent, title, label, text=text)
        return name.strip() if ok and name.strip() else None

    return ask


class PresetsMenu:
    """Fills a QMenu with the presets each time it opens. ``confirm``, ``alert`` and
    ``notify`` are the window's; ``ask`` asks for a name (tests replace it)."""

    def __init__(
        self,
        editor: PhotoEditor,
        parent: QWidget,
        confirm: Callable[[str, str, str, str], bool],
        alert: Callable[[str, str], None],
        notify: Callable[[str], None],
    ) -> None:
        self.editor = editor
        self.parent = parent
        self.confirm = confirm
        self.alert = alert
        self.notify = notify
        self.ask: AskText = ask_text(parent)
        self.menu: QMenu | None = None

    def attach(self, menu: QMenu) -> None:
        self.menu = menu
        menu.setObjectName("presetsMenu")
        menu.aboutToShow.connect(self.rebuild)
        self.rebuild()

    def names(self) -> list[str]:
        try:
            return [preset.name for preset in presets.list_presets()]
        except (OSError, LowlightError):
            return []

    def rebuild(self) -> None:
        """The menu as the preset files are now (another window or the CLI may have added)."""
        menu = self.menu
        if menu is None:
            return
        menu.clear()
        save = menu.addAction("&Save current settings as preset…")
        save.setObjectName("savePresetAction")
        save.triggered.connect(lambda: self.save())
        save.setEnabled(self.editor.current is not None)
        names = self.names()
        menu.addSeparator()
        if not names:
            none = menu.addAction("No presets yet")
            none.setEnabled(False)
        for name in names:
            a = menu.addAction(name)
            a.setToolTip(f"Give the photo on show the settings of “{name}” (undoable)")
            a.triggered.connect(lambda _=False, n=name: self.apply(n))
            a.setEnabled(self.editor.current is not None)
        menu.addSeparator()
        for title, slot in (("&Rename preset", self.rename), ("&Delete preset", self.delete)):
            sub = menu.addMenu(title)
            sub.setEnabled(bool(names))
            for name in names:
                item: QAction = sub.addAction(name + "…")
                item.triggered.connect(lambda _=False, n=name, s=slot: s(n))

    # -- what the entries do --------------------------------------------------------------
    def save(self, name: str | None = None) -> bool:
        """Save the settings on show as ``name`` (asked when None)."""
        if self.editor.current is None:
            self.notify("Open a photo first: a preset is made from its settings.")
            return False
        name = name or self.ask("Save preset", "Name of the new preset:", "")
        if not name:
            return False
        if name in self.names() and not self.confirm(
            "Replace preset?", f"A preset named “{name}” exists. Replace it with the settings "
            "on show?", "Replace", "Cancel",
        ):
            return False
        return self._do(lambda: presets.save_preset(name, self.editor.shown),
                        f"Saved preset “{name}”.", "Cannot save the preset")

    def apply(self, name: str) -> bool:
        """The preset's settings onto the photo on show (one undoable step)."""
        if self.editor.current is None:
            self.notify("Open a photo first, then apply a preset to it.")
            return False
        try:
            settings = presets.load_preset(name).settings
        except (OSError, LowlightError) as exc:
            self.alert("Cannot apply the preset", sentence(str(exc)))
            return False
        self.editor.assign([self.editor.current], settings, label=f"Preset {name}")
        self.notify(f"Applied preset “{name}”.")
        return True

    def rename(self, old: str, new: str | None = None) -> bool:
        new = new or self.ask("Rename preset", f"New name for “{old}”:", old)
        if not new or new == old:
            return False
        return self._do(lambda: presets.rename_preset(old, new),
                        f"Renamed preset “{old}” to “{new}”.", "Cannot rename the preset")

    def delete(self, name: str) -> bool:
        if not self.confirm("Delete preset?", f"Delete the preset “{name}”? Photos it was "
                            "applied to keep their settings.", "Delete", "Cancel"):
            return False
        return self._do(lambda: presets.delete_preset(name), f"Deleted preset “{name}”.",
                        "Cannot delete the preset")

    def _do(self, work: Callable[[], object], done: str, failed: str) -> bool:
        try:
            work()
        except (OSError, LowlightError) as exc:
            self.alert(failed, sentence(str(exc)))
            return False
        self.notify(done)
        self.rebuild()
        return True
