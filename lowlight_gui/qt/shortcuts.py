"""Help > Keyboard shortcuts: made from the window's menus and the viewer's own keys, so the
list is what the keys do today."""

from __future__ import annotations

import html

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QMainWindow,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from lowlight_gui.qt.viewer import VIEWER_KEYS


def key_text(action: QAction) -> str:
    """ "Right, Page Down, Alt+Right": every key of ``action``, as this platform writes them."""
    native = QKeySequence.SequenceFormat.NativeText
    return ", ".join(s.toString(native) for s in action.shortcuts() if not s.isEmpty())


def action_name(action: QAction) -> str:
    """The action's name as a list shows it: its fixed name (``data``, for Undo and Redo, whose
    text says what they would undo), else its text without mnemonic and ellipsis."""
    name = action.data()
    return name if isinstance(name, str) else action.text().replace("&", "").rstrip("…")


def shortcut_rows(window: QMainWindow) -> list[tuple[str, list[tuple[str, str]]]]:
    """(menu, [(what, keys)]) for every menu action with a key, then the keys of the photo."""
    sections: list[tuple[str, list[tuple[str, str]]]] = []
    for top in window.menuBar().actions():
        menu = top.menu()
        if menu is None:
            continue
        rows = [
            (action_name(a), key_text(a))
            for a in menu.actions()
            if not a.isSeparator() and key_text(a)
        ]
        if rows:
            sections.append((top.text().replace("&", ""), rows))
    sections.append(("On the photo", list(VIEWER_KEYS)))
    return sections


def shortcuts_html(window: QMainWindow) -> str:
    parts = []
    for title, rows in shortcut_rows(window):
        cells = "".join(
            f"<tr><td style='padding-right:18px'>{html.escape(what)}</td>"
            f"<td><b>{html.escape(keys)}</b></td></tr>"
            for what, keys in rows
        )
        parts.append(f"<h3>{html.escape(title)}</h3><table>{cells}</table>")
    note = (
        "<p>Single keys work wherever the focus is, the photo and the thumbnails included, "
        "except while typing in a field.</p>"
    )
    return note + "".join(parts)


class ShortcutsDialog(QDialog):
    def __init__(self, window: QMainWindow, parent: QWidget | None = None) -> None:
        super().__init__(parent or window)
        self.setWindowTitle("Keyboard shortcuts")
        self.text = QTextBrowser(self)
        self.text.setHtml(shortcuts_html(window))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(buttons)
        self.resize(480, 600)
