"""Each photo's own settings in the window: the controls edit the photo on show, other photos keep
theirs (across a restart too), undo/redo per photo (one drag = one step), copy/paste onto
selected thumbnails, apply to selected, reset, presets, the edited mark on thumbnails, and
Edit > Preferences."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QItemSelectionModel
from PySide6.QtGui import QKeySequence

from lowlight_gui.core.settings import DEFAULTS, Settings
from lowlight_gui.qt.thumbnails import EDITED_ROLE


def select(window, *paths: Path) -> None:
    """Select these thumbnails (as a ctrl-click would)."""
    grid, model = window.browser.grid, window.browser.thumb_model
    grid.selectionModel().clearSelection()
    files = model.files()
    for p in paths:
        grid.selectionModel().select(
            model.index(files.index(p)), QItemSelectionModel.SelectionFlag.Select
        )


def edited_mark(window, path: Path) -> bool:
    model = window.browser.thumb_model
    return bool(model.index(model.files().index(path)).data(EDITED_ROLE))


def test_a_photo_keeps_its_own_settings_and_undo_redo_walk_them(make_window, photo_dir, qtbot):
    a, b, c = (photo_dir / f"img{i}.jpg" for i in (1, 2, 3))
    window = make_window()
    window.browser.open_folder(photo_dir)
    window.show_image(a)
    slider = window.controls.exposure
    assert not window.undo_action.isEnabled()
    slider.setSliderDown(True)  # one drag to +2 EV ...
    for v in (5, 12, 20):
        slider.setValue(v)
    slider.setSliderDown(False)
    assert window.edits.settings_for(a) == Settings(exposure=2.0)
    assert edited_mark(window, a) and not edited_mark(window, b)
    assert window.undo_action.isEnabled() and window.undo_action.text() == "&Undo Exposure"

    window.show_image(b)  # ... stays on that photo: the next shows its own (the defaults)
    assert window.controls.settings() == DEFAULTS and not window.undo_action.isEnabled()
    window.controls.denoise.setValue(40)
    window.show_image(a)
    assert window.controls.exposure_value() == 2.0 and window.controls.effective_settings().denoise == 1.0

    window.commands.undo()  # ... is one step
    assert window.controls.exposure_value() == 0.0 and window.edits.settings_for(a) == DEFAULTS
    assert not edited_mark(window, a) and not window.undo_action.isEnabled()
    window.commands.redo()
    assert window.controls.exposure_value() == 2.0 and window.edits.settings_for(a) == Settings(
        exposure=2.0
    )
    assert window.edits.settings_for(b) == Settings(denoise=0.4)  # b's own edit untouched
    assert window.edits.settings_for(c) == DEFAULTS

    window.close()
    window.edits.store.close()
    again = make_window()  # remembered across a restart
    again.show_image(a)
    assert again.controls.settings() == Settings(exposure=2.0)


def test_copy_paste_apply_to_selected_and_reset(make_window, photo_dir, qtbot):
    a, b, c = (photo_dir / f"img{i}.jpg" for i in (1, 2, 3))
    window = make_window()
    window.browser.open_folder(photo_dir)
    window.show_image(a)
    assert not window.paste_settings_action.isEnabled()
    window.controls.set_value("exposure", 1.0)
    window.controls.set_value("colour_noise", 0.5)
    window.commands.copy()
    assert window.paste_settings_action.isEnabled()
    select(window, b, c)
    assert window.commands.paste() == 2
    look = Settings(exposure=1.0, colour_noise=0.5)
    assert [window.edits.settings_for(p) for p in (b, c)] == [look, look]
    assert edited_mark(window, b) and edited_mark(window, c)

    window.show_image(b)  # the paste is b's own undoable step
    assert window.controls.settings() == look and window.undo_action.text() == "&Undo Paste settings"
    window.commands.undo()
    assert window.controls.settings() == DEFAULTS == window.edits.settings_for(b)
    assert window.edits.settings_for(c) == look  # c keeps its paste

    window.controls.set_value("strength", 0.5)
    select(window, a, b, c)
    assert window.commands.apply_to_selected() == 2  # b's settings onto a and c (b is on show)
    assert window.edits.settings_for(a) == Settings(strength=0.5) == window.edits.settings_for(c)

    window.commands.reset()
    assert window.controls.settings() == DEFAULTS and not edited_mark(window, b)
    window.commands.undo()
    assert window.controls.settings() == Settings(strength=0.5)


def test_edit_menu_has_the_standard_keys(make_window):
    window = make_window()
    menus = {a.text().replace("&", ""): a.menu() for a in window.menuBar().actions()}
    edit = [a.text() for a in menus["Edit"].actions() if not a.isSeparator()]
    assert edit == ["&Undo", "&Redo", "&Copy settings", "&Paste settings",
                    "&Apply settings to selected", "R&eset photo", "Pre&ferences…"]
    assert QKeySequence("Ctrl+Z") in window.undo_action.shortcuts()
    assert {QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")} <= set(
        window.redo_action.shortcuts()
    )
    assert window.copy_settings_action.shortcut() == QKeySequence("Ctrl+Shift+C")
    assert window.paste_settings_action.shortcut() == QKeySequence("Ctrl+Shift+V")
    assert "Presets" in menus


def test_presets_save_apply_rename_delete(make_window, photo_dir, qtbot, tmp_path):
    from lowlight_gui.core import presets

    a, b = photo_dir / "img1.jpg", photo_dir / "img2.jpg"
    window = make_window()
    menu = window.presets_menu
    names = iter(["Night", "City night"])
    menu.ask = lambda *_a: next(names)
    assert not menu.save()  # no photo on show: nothing to save
    window.show_image(a)
    window.controls.set_value("exposure", 1.5)
    window.controls.set_value("denoise", 0.6)
    assert menu.save()
    assert [p.name for p in presets.list_presets()] == ["Night"]
    assert presets.load_preset("Night").settings == Settings(exposure=1.5, denoise=0.6)

    window.show_image(b)
    menu.menu.aboutToShow.emit()
    entries = [x.text() for x in menu.menu.actions()]
    assert "Night" in entries
    next(x for x in menu.menu.actions() if x.text() == "Night").trigger()
    assert window.controls.settings() == Settings(exposure=1.5, denoise=0.6)
    assert window.undo_action.text() == "&Undo Preset Night"  # an undoable edit
    window.commands.undo()
    assert window.controls.settings() == DEFAULTS

    assert menu.rename("Night")
    assert [p.name for p in presets.list_presets()] == ["City night"]
    window.dialogs.answer = False
    assert not menu.delete("City night")  # asked first; "Cancel" keeps it
    assert window.dialogs.questions[-1][0] == "Delete preset?"
    window.dialogs.answer = True
    assert menu.delete("City night") and presets.list_presets() == []
    assert not menu.apply("City night")  # gone: said, not a crash
    assert window.dialogs.alerts[-1][0] == "Cannot apply the preset"


def test_preferences_hold_run_on_and_tile_size(make_window, settings, qtbot):
    window = make_window()
    dialog = window.preferences
    assert window.controls.findChild(type(dialog.provider), "providerCombo") is None
    assert dialog.findChild(type(dialog.provider), "providerCombo") is dialog.provider
    assert window.preferences_action.menuRole() == window.preferences_action.MenuRole.PreferencesRole
    window.preferences_action.trigger()
    assert dialog.isVisible()
    with qtbot.waitSignal(dialog.engineChanged):
        dialog.tile.setCurrentIndex(dialog.tile.findData(512))
    assert settings.tile == 512 and window.controls.tile_value() == 512
    dialog.provider.setCurrentIndex(dialog.provider.findData("CPU"))
    assert settings.provider == "CPU" and window.engine_spec().provider == "CPU"
    window.controls.set_active_provider("CPU")
    assert dialog.active_provider.text() == "active: CPU"
    dialog.close()


def test_a_damaged_store_is_said_not_a_crash(make_window, tmp_path, monkeypatch):
    data = tmp_path / "data"
    data.mkdir(exist_ok=True)
    (data / "photo_edits.sqlite3").write_bytes(b"SQLite format 3\x00" + b"\x00\xff" * 4000)
    window = make_window()
    assert "moved aside" in window.statusBar().currentMessage()


def test_keyboard_steps_merge_while_the_key_is_held(make_window, photo_dir, qtbot):
    from PySide6.QtCore import QEvent, Qt
    from PySide6.QtGui import QKeyEvent
    from PySide6.QtWidgets import QApplication

    a = photo_dir / "img1.jpg"
    window = make_window()
    window.show()
    window.show_image(a)
    slider = window.controls.exposure
    slider.setFocus()

    def key(kind, repeat=False):
        QApplication.sendEvent(slider, QKeyEvent(kind, Qt.Key.Key_Right,
                                                 Qt.KeyboardModifier.NoModifier, "", repeat))

    key(QEvent.Type.KeyPress)
    for _ in range(4):
        key(QEvent.Type.KeyPress, repeat=True)
    key(QEvent.Type.KeyRelease)  # held, then let go: one step
    key(QEvent.Type.KeyPress)
    key(QEvent.Type.KeyRelease)  # a second press: a second step
    assert window.controls.exposure_value() == 0.6
    window.commands.undo()
    assert window.controls.exposure_value() == 0.5
    window.commands.undo()
    assert window.controls.exposure_value() == 0.0 and not window.undo_action.isEnabled()


def test_the_edited_mark_is_painted_on_the_thumbnail(make_window, photo_dir, qtbot):
    import numpy as np

    window = make_window()
    window.show()
    window.browser.open_folder(photo_dir)
    window.show_image(photo_dir / "img1.jpg")

    def amber_pixels() -> int:
        image = window.browser.grid.viewport().grab().toImage()
        image = image.convertToFormat(image.Format.Format_RGB888)
        w, h = image.width(), image.height()
        rows = np.frombuffer(image.constBits(), np.uint8, image.sizeInBytes()).reshape(h, -1)
        rgb = rows[:, : w * 3].reshape(h, w, 3).astype(int)
        return int(((rgb[..., 0] > 230) & (abs(rgb[..., 1] - 170) < 20) & (rgb[..., 2] < 60)).sum())

    assert amber_pixels() == 0
    window.controls.set_value("exposure", 1.0)
    qtbot.waitUntil(lambda: amber_pixels() > 20, timeout=5000)
    window.commands.undo()
    qtbot.waitUntil(lambda: amber_pixels() == 0, timeout=5000)


def test_a_bad_preset_name_is_said_and_an_existing_one_is_replaced_only_when_asked(
    make_window, photo_dir
):
    from lowlight_gui.core import presets

    window = make_window()
    menu = window.presets_menu
    window.show_image(photo_dir / "img1.jpg")
    assert not menu.save("a/b")  # refused with the reason, nothing written
    assert window.dialogs.alerts[-1][0] == "Cannot save the preset"
    assert "/" in window.dialogs.alerts[-1][1] and presets.list_presets() == []
    window.controls.set_value("exposure", 1.0)
    assert menu.save("Dusk")
    window.controls.set_value("exposure", -1.0)
    window.dialogs.answer = False
    assert not menu.save("Dusk")  # "Replace preset?" answered Cancel
    assert presets.load_preset("Dusk").settings == Settings(exposure=1.0)
    window.dialogs.answer = True
    assert menu.save("Dusk")
    assert presets.load_preset("Dusk").settings == Settings(exposure=-1.0)
