"""The main window's actions, menus and toolbar, and the keys that always work (the actions
stay attributes of the window, so that tests and accessibility tools find them by name:
``window.save_action``, ``window.undo_action``).

Photo keys (arrows, Page Up/Down, backslash, B, F, 1, S, J, I, Tab) are window-wide actions:
they work whatever has focus, the photo after a click included, except in a text field
(``TextFieldKeys`` gives a text field its own keys back). Help > Keyboard shortcuts lists these
actions themselves, so the list cannot go stale.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QComboBox,
    QLineEdit,
    QMenu,
    QPlainTextEdit,
    QTextEdit,
    QToolBar,
    QWidget,
)

if TYPE_CHECKING:
    from lowlight_gui.qt.main_window import MainWindow

Entry = QAction | None  # None: a separator


def is_text_field(widget: QObject | None) -> bool:
    """Fields a person types into: they keep the arrows, letters and Tab."""
    if isinstance(widget, QComboBox):
        return widget.isEditable()
    return isinstance(widget, (QLineEdit, QAbstractSpinBox, QTextEdit, QPlainTextEdit))


class TextFieldKeys(QObject):
    """Installed on the window's text fields: claims for them the keys the window's single-key
    shortcuts would take (Qt asks the focus widget first, with a ShortcutOverride event)."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ShortcutOverride and is_text_field(watched):
            assert isinstance(event, QKeyEvent)
            mods = event.modifiers() & ~(
                Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.KeypadModifier
            )
            if mods == Qt.KeyboardModifier.NoModifier:
                event.accept()
        return False


def _action(
    window: QWidget, text: str, slot: Callable[[], object], *shortcuts: QKeySequence | str
) -> QAction:
    action = QAction(text, window)
    if shortcuts:
        action.setShortcuts([QKeySequence(s) for s in shortcuts])
    action.triggered.connect(lambda _checked=False: slot())
    return action


def _fill(menu: QMenu | QToolBar, entries: Sequence[Entry]) -> None:
    for a in entries:
        if a is None:
            menu.addSeparator()
        else:
            menu.addAction(a)


def build_menus(w: MainWindow) -> None:
    """Make the window's actions (as attributes: ``w.save_action``...), its menus (File, Edit,
    View, Presets, Batch, Help) and toolbar."""
    std = QKeySequence.StandardKey
    w.open_action = _action(w, "&Open photo…", w.open_file_dialog, std.Open)
    w.open_folder_action = _action(w, "Open &folder…", w.open_folder_dialog, "Ctrl+Shift+O")
    w.save_action = _action(w, "&Save enhanced as…", w.save_as_dialog, std.Save)
    w.save_action.setEnabled(False)
    w.open_output_action = _action(w, "Open o&utput folder", w.open_output_folder)
    w.quit_action = _action(w, "&Quit", w.close, std.Quit)
    w.quit_action.setMenuRole(QAction.MenuRole.QuitRole)
    _fill(w.menuBar().addMenu("&File"), (
        w.open_action, w.open_folder_action, None, w.save_action, w.open_output_action, None,
        w.quit_action,
    ))
    _build_edit_menu(w)

    v = w.viewer
    w.fit_action = _action(w, "Fit to window", v.zoom_fit, "F", "Ctrl+0")
    w.actual_action = _action(w, "Actual pixels (100 %)", v.zoom_100, "1", "Ctrl+1")
    w.zoom_in_action = _action(w, "Zoom in", lambda: v.zoom_by(1.25), std.ZoomIn)
    w.zoom_out_action = _action(w, "Zoom out", lambda: v.zoom_by(0.8), std.ZoomOut)
    w.split_action = _action(w, "Split view", lambda: v.set_mode("split"))
    w.side_action = _action(w, "Side by side", v.toggle_side_by_side, "S")
    w.before_action = _action(w, "Show original", v.toggle_before, "\\", "B")
    w.before_action.setToolTip("Show original: the photo as it is, until pressed again "
                               "(\\ or B; Space on the photo)")
    w.clipping_action = _action(w, "Show clipping", v.toggle_clipping_overlay, "J")
    w.clipping_action.setCheckable(True)
    w.clipping_action.setToolTip("Paint what enhancing newly clipped red (highlights) and "
                                 "crushed blue (shadows)")
    v.clippingOverlayChanged.connect(w.clipping_action.setChecked)
    w.info_action = _action(w, "Photo info", w.info_panel.toggle, "I")
    w.info_action.setCheckable(True)
    w.info_panel.shownChanged.connect(w.info_action.setChecked)
    w.panels_action = _action(w, "Hide side panels", w.toggle_side_panels, "Tab")
    w.rotate_left_action = _action(w, "Rotate left", lambda: w.rotate(-1), "Ctrl+L")
    w.rotate_right_action = _action(w, "Rotate right", lambda: w.rotate(+1), "Ctrl+R")
    for a in (w.rotate_left_action, w.rotate_right_action):
        a.setToolTip(f"{a.text()}: for a photo shown sideways; the enhanced photo is saved "
                     "turned too (batch and Save enhanced as)")
    w.next_action = _action(w, "Next photo", lambda: w.step_photo(+1), "Right", "PgDown",
                            "Alt+Right")
    w.previous_action = _action(w, "Previous photo", lambda: w.step_photo(-1), "Left", "PgUp",
                                "Alt+Left")
    _fill(w.menuBar().addMenu("&View"), (
        w.fit_action, w.actual_action, w.zoom_in_action, w.zoom_out_action, None,
        w.split_action, w.side_action, w.before_action, w.clipping_action, w.info_action,
        w.panels_action, None, w.rotate_left_action, w.rotate_right_action, None,
        w.next_action, w.previous_action,
    ))
    w.presets_menu.attach(w.menuBar().addMenu("&Presets"))

    q = w.queue_panel
    w.add_files_action = _action(w, "Add photos…", q.add_files_dialog)
    w.add_folder_action = _action(w, "Add folder…", q.add_folder_dialog)
    w.add_current_action = _action(w, "Add current photo", w.add_current, "Ctrl+E")
    w.start_action = _action(w, "Start", w.start_batch, "Ctrl+Return")
    w.cancel_action = _action(w, "Cancel", w.cancel_batch)
    w.retry_action = _action(w, "Retry failed", w.queue_model.retry_failed)
    w.clear_action = _action(w, "Clear done", w.queue_model.clear_done)
    _fill(w.menuBar().addMenu("&Batch"), (
        w.add_files_action, w.add_folder_action, w.add_current_action, None, w.start_action,
        w.cancel_action, w.retry_action, w.clear_action,
    ))

    w.shortcuts_action = _action(w, "&Keyboard shortcuts", w.show_shortcuts, "F1")
    w.about_action = _action(w, "&About Lowlight", w.show_about)
    w.about_action.setMenuRole(QAction.MenuRole.AboutRole)
    _fill(w.menuBar().addMenu("&Help"), (w.shortcuts_action, w.about_action))

    tb = QToolBar("Main", w)
    tb.setObjectName("mainToolbar")
    tb.setMovable(False)
    tb.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
    _fill(tb, (
        w.open_action, w.open_folder_action, w.save_action, None, w.fit_action,
        w.actual_action, None, w.split_action, w.side_action, w.before_action,
        w.clipping_action, w.info_action, None, w.rotate_left_action, w.rotate_right_action,
    ))
    w.addToolBar(tb)
    # Toolbar buttons show the bare names (no mnemonics, no ellipsis).
    for a in tb.actions():
        if not a.isSeparator():
            tb.widgetForAction(a).setText(a.text().replace("&", "").rstrip("…"))

    keys = TextFieldKeys(w)
    for field in w.findChildren(QWidget):
        if is_text_field(field):
            field.installEventFilter(keys)
    w.text_field_keys = keys


def _build_edit_menu(w: MainWindow) -> None:
    std = QKeySequence.StandardKey
    e, c = w.edits, w.commands
    w.undo_action = _action(w, "&Undo", c.undo, std.Undo)
    w.redo_action = _action(w, "&Redo", c.redo, std.Redo)
    for a, name in ((w.undo_action, "Undo"), (w.redo_action, "Redo")):
        a.setData(name)  # Help > Keyboard shortcuts names it so, not "Undo Exposure"
    # Ctrl+Y too where Redo is Ctrl+Shift+Z (Linux, macOS): both are expected.
    keys = list(QKeySequence.keyBindings(std.Redo))
    for extra in ("Ctrl+Shift+Z", "Ctrl+Y"):
        if QKeySequence(extra) not in keys:
            keys.append(QKeySequence(extra))
    w.redo_action.setShortcuts(keys)
    w.copy_settings_action = _action(w, "&Copy settings", c.copy, "Ctrl+Shift+C")
    w.paste_settings_action = _action(w, "&Paste settings", c.paste, "Ctrl+Shift+V")
    w.apply_selected_action = _action(w, "&Apply settings to selected", c.apply_to_selected)
    w.reset_photo_action = _action(w, "R&eset photo", c.reset)
    for a, tip in (
        (w.copy_settings_action, "Copy the photo's settings, to paste onto other photos"),
        (w.paste_settings_action,
         "Give the copied settings to the selected photos (or the photo on show)"),
        (w.apply_selected_action, "Give the settings on show to every selected photo"),
        (w.reset_photo_action, "The photo on show back to the default settings"),
    ):
        a.setToolTip(tip)
        a.setStatusTip(tip)
    w.preferences_action = _action(w, "Pre&ferences…", w.show_preferences, std.Preferences)
    if QKeySequence(std.Preferences).isEmpty():  # not every platform defines one
        w.preferences_action.setShortcut(QKeySequence("Ctrl+,"))
    w.preferences_action.setMenuRole(QAction.MenuRole.PreferencesRole)
    _fill(w.menuBar().addMenu("&Edit"), (
        w.undo_action, w.redo_action, None, w.copy_settings_action, w.paste_settings_action,
        w.apply_selected_action, w.reset_photo_action, None, w.preferences_action,
    ))
    e.historyChanged.connect(lambda: update_edit_actions(w))
    update_edit_actions(w)


def update_edit_actions(w: MainWindow) -> None:
    """Undo/Redo say what they would do, and are off when there is nothing to do."""
    e = w.edits
    undo, redo = e.undo_label(), e.redo_label()
    w.undo_action.setText(f"&Undo {undo}" if undo else "&Undo")
    w.undo_action.setEnabled(undo is not None)
    w.redo_action.setText(f"&Redo {redo}" if redo else "&Redo")
    w.redo_action.setEnabled(redo is not None)
    shown = e.current is not None
    for a in (w.copy_settings_action, w.reset_photo_action, w.apply_selected_action):
        a.setEnabled(shown)
    w.paste_settings_action.setEnabled(e.clipboard is not None)
