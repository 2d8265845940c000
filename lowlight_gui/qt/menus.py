"""The window's menus, actions and toolbar (the actions stay attributes of the window, so that
tests and accessibility tools find them by name: ``window.save_action``, ``window.undo_action``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QToolBar

if TYPE_CHECKING:
    from lowlight_gui.qt.main_window import MainWindow


def action(
    window: MainWindow,
    text: str,
    slot: Callable[[], object],
    shortcut: QKeySequence | QKeySequence.StandardKey | str | None = None,
) -> QAction:
    a = QAction(text, window)
    if shortcut is not None:
        a.setShortcut(QKeySequence(shortcut))
    a.triggered.connect(lambda _checked=False: slot())
    return a


def _fill(menu: QMenu | QToolBar, actions: Sequence[QAction | None]) -> None:
    for a in actions:
        if a is None:
            menu.addSeparator()
        else:
            menu.addAction(a)


def _photo_step_action(window: MainWindow, text: str, delta: int, *keys: str) -> QAction:
    """Next/previous photo of the folder, from the keyboard while the viewer or the browser has
    focus (elsewhere Page Up/Down keep their usual meaning, e.g. sliders)."""
    a = QAction(text, window)
    a.setShortcuts([QKeySequence(k) for k in keys])
    a.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
    a.triggered.connect(lambda: window.step_photo(delta))
    window.viewer.addAction(a)
    window.browser.addAction(a)
    return a


def build_menus(w: MainWindow) -> None:
    """File, Edit, View, Presets, Batch and Help, and the toolbar."""
    std = QKeySequence.StandardKey
    w.open_action = action(w, "&Open photo…", w.open_file_dialog, std.Open)
    w.open_folder_action = action(w, "Open &folder…", w.open_folder_dialog, "Ctrl+Shift+O")
    w.save_action = action(w, "&Save enhanced as…", w.save_as_dialog, std.Save)
    w.save_action.setEnabled(False)
    w.open_output_action = action(w, "Open o&utput folder", w.open_output_folder)
    w.quit_action = action(w, "&Quit", w.close, std.Quit)
    w.quit_action.setMenuRole(QAction.MenuRole.QuitRole)
    _fill(
        w.menuBar().addMenu("&File"),
        [w.open_action, w.open_folder_action, None, w.save_action, w.open_output_action, None,
         w.quit_action],
    )
    _build_edit_menu(w)

    # Single keys (S, B, F, arrows) belong to the viewer when it has focus; the text after
    # the tab only shows them in the menu without stealing them from text fields.
    v = w.viewer
    w.fit_action = action(w, "Fit to window\tF", v.zoom_fit, "Ctrl+0")
    w.actual_action = action(w, "Actual pixels (100 %)\t1", v.zoom_100, "Ctrl+1")
    w.zoom_in_action = action(w, "Zoom in", lambda: v.zoom_by(1.25), std.ZoomIn)
    w.zoom_out_action = action(w, "Zoom out", lambda: v.zoom_by(0.8), std.ZoomOut)
    w.split_action = action(w, "Split view", lambda: v.set_mode("split"))
    w.side_action = action(w, "Side by side\tS", v.toggle_side_by_side)
    w.before_action = action(w, "Show original\tB / Space", v.toggle_before)
    w.rotate_left_action = action(w, "Rotate left", lambda: w.rotate(-1), "Ctrl+L")
    w.rotate_right_action = action(w, "Rotate right", lambda: w.rotate(+1), "Ctrl+R")
    for a in (w.rotate_left_action, w.rotate_right_action):
        a.setToolTip(f"{a.text()}: for a photo shown sideways; the enhanced photo is saved "
                     "turned too (batch and Save enhanced as)")
    w.next_action = _photo_step_action(w, "Next photo", +1, "PgDown", "Alt+Right")
    w.previous_action = _photo_step_action(w, "Previous photo", -1, "PgUp", "Alt+Left")
    _fill(
        w.menuBar().addMenu("&View"),
        [w.fit_action, w.actual_action, w.zoom_in_action, w.zoom_out_action, None,
         w.split_action, w.side_action, w.before_action, None, w.rotate_left_action,
         w.rotate_right_action, None, w.next_action, w.previous_action],
    )
    w.presets_menu.attach(w.menuBar().addMenu("&Presets"))

    qp = w.queue_panel
    w.add_files_action = action(w, "Add photos…", qp.add_files_dialog)
    w.add_folder_action = action(w, "Add folder…", qp.add_folder_dialog)
    w.add_current_action = action(w, "Add current photo", w.add_current, "Ctrl+E")
    w.start_action = action(w, "Start", w.start_batch, "Ctrl+Return")
    w.cancel_action = action(w, "Cancel", w.cancel_batch)
    w.retry_action = action(w, "Retry failed", w.queue_model.retry_failed)
    w.clear_action = action(w, "Clear done", w.queue_model.clear_done)
    _fill(
        w.menuBar().addMenu("&Batch"),
        [w.add_files_action, w.add_folder_action, w.add_current_action, None, w.start_action,
         w.cancel_action, w.retry_action, w.clear_action],
    )

    w.about_action = action(w, "&About Lowlight", w.show_about)
    w.about_action.setMenuRole(QAction.MenuRole.AboutRole)
    w.menuBar().addMenu("&Help").addAction(w.about_action)
    _build_toolbar(w)


def _build_edit_menu(w: MainWindow) -> None:
    std = QKeySequence.StandardKey
    e, c = w.edits, w.commands
    w.undo_action = action(w, "&Undo", c.undo, std.Undo)
    w.redo_action = action(w, "&Redo", c.redo, std.Redo)
    # Ctrl+Y too where Redo is Ctrl+Shift+Z (Linux, macOS): both are expected.
    keys = list(QKeySequence.keyBindings(std.Redo))
    for extra in ("Ctrl+Shift+Z", "Ctrl+Y"):
        if QKeySequence(extra) not in keys:
            keys.append(QKeySequence(extra))
    w.redo_action.setShortcuts(keys)
    w.copy_settings_action = action(w, "&Copy settings", c.copy, "Ctrl+Shift+C")
    w.paste_settings_action = action(w, "&Paste settings", c.paste, "Ctrl+Shift+V")
    w.apply_selected_action = action(w, "&Apply settings to selected", c.apply_to_selected)
    w.reset_photo_action = action(w, "R&eset photo", c.reset)
    for a, tip in (
        (w.copy_settings_action, "Copy the photo's settings, to paste onto other photos"),
        (w.paste_settings_action,
         "Give the copied settings to the selected photos (or the photo on show)"),
        (w.apply_selected_action, "Give the settings on show to every selected photo"),
        (w.reset_photo_action, "The photo on show back to the default settings"),
    ):
        a.setToolTip(tip)
        a.setStatusTip(tip)
    w.preferences_action = action(w, "Pre&ferences…", w.show_preferences, std.Preferences)
    if QKeySequence(std.Preferences).isEmpty():  # not every platform defines one
        w.preferences_action.setShortcut(QKeySequence("Ctrl+,"))
    w.preferences_action.setMenuRole(QAction.MenuRole.PreferencesRole)
    _fill(
        w.menuBar().addMenu("&Edit"),
        [w.undo_action, w.redo_action, None, w.copy_settings_action, w.paste_settings_action,
         w.apply_selected_action, w.reset_photo_action, None, w.preferences_action],
    )
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


def _build_toolbar(w: MainWindow) -> None:
    tb = QToolBar("Main", w)
    tb.setObjectName("mainToolbar")
    tb.setMovable(False)
    tb.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
    _fill(
        tb,
        [w.open_action, w.open_folder_action, w.save_action, None, w.fit_action,
         w.actual_action, None, w.split_action, w.side_action, w.before_action, None,
         w.rotate_left_action, w.rotate_right_action],
    )
    w.addToolBar(tb)
    # Toolbar buttons show the bare names (no shortcut hints, no mnemonics).
    for a in tb.actions():
        if not a.isSeparator():
            tb.widgetForAction(a).setText(a.text().split("\t")[0].replace("&", "").rstrip("…"))
