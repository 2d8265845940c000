"""A new user's first hour (issue 19): where the window starts, what it says when there is
nothing to show, what it leaves out and why, and what each choice means."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QFont, QFontMetrics

from lowlight_gui.qt.browser import elide_name
from tests.conftest import write_image


def test_the_first_start_browses_the_pictures_folder_or_home(make_window, home, settings):
    window = make_window()
    assert window.browser.folder() == home  # no Pictures folder: the home folder
    pictures = home / "Pictures"
    write_image(pictures / "holiday.jpg")
    from lowlight_gui.qt.settings import Settings

    fresh = Settings(home / "fresh.ini")
    window = make_window(s=fresh)
    assert window.browser.folder() == pictures
    assert window.browser.thumb_model.files() == [pictures / "holiday.jpg"]
    # the tree starts at home, not at the file system's root (bin, boot, dev...)
    root = Path(window.browser.fs_model.filePath(window.browser.tree.rootIndex()))
    assert root == home
    # the last folder wins over the default afterwards
    elsewhere = home / "elsewhere"
    elsewhere.mkdir()
    fresh.last_folder = elsewhere
    assert make_window(s=fresh).browser.folder() == elsewhere


def test_file_dialogs_start_in_the_folder_being_browsed(make_window, photo_dir, monkeypatch):
    from lowlight_gui.qt import queue

    window = make_window()
    window.browser.open_folder(photo_dir)
    asked: list[str] = []
    monkeypatch.setattr(queue.QFileDialog, "getExistingDirectory",
                        lambda _parent, _title, start="": asked.append(start) or "")
    monkeypatch.setattr(queue.QFileDialog, "getOpenFileNames",
                        lambda _parent, _title, start="", _filter="": asked.append(start) or ([], ""))
    window.queue_panel.add_folder_dialog()
    window.queue_panel.add_files_dialog()
    assert asked == [str(photo_dir), str(photo_dir)]
    assert window._start_folder() == photo_dir


def test_names_are_cut_at_the_end_with_the_extension_kept():
    fm = QFontMetrics(QFont())
    width = fm.horizontalAdvance("hdrplus_2019_ni….jpg")
    ea = elide_name("hdrplus_2019_night_street_0001.jpg", fm, width)
    assert ea.endswith(".jpg") and ea.startswith("hdrplus") and "…" in ea
    assert fm.horizontalAdvance(ea) <= width
    assert elide_name("short.jpg", fm, width) == "short.jpg"
    assert elide_name("IMG_0042.CR3", fm, 400) == "IMG_0042.CR3"


def test_the_grid_fills_the_panel_width(qtbot, photo_dir):
    from lowlight_gui.qt.browser import MIN_CELL, FolderBrowser

    browser = FolderBrowser()
    qtbot.addWidget(browser)
    browser.resize(300, 600)
    browser.show()
    browser.open_folder(photo_dir)
    qtbot.waitUntil(lambda: browser.grid.viewport().width() > 200)
    grid = browser.grid
    columns = (grid.viewport().width() - 2 * grid.spacing() - 1) // MIN_CELL
    assert columns >= 2
    assert grid.gridSize().width() * columns >= grid.viewport().width() - MIN_CELL // 2
    browser.cache.wait()


def test_the_browser_and_the_queue_say_what_they_left_out(make_window, photo_dir):
    (photo_dir / ".DS_Store").write_bytes(b"x")
    window = make_window()
    window.show()
    window.browser.open_folder(photo_dir)
    info = window.browser.info.text()
    assert info.startswith("3 photos; 2 other files not shown: ")
    assert "1 not a photo format Lowlight reads (.txt)" in info and "1 a hidden file" in info
    assert "notes.txt: not a photo format" in window.browser.info.toolTip()
    # the viewer no longer asks to open a folder: it says what to do next
    assert "Choose one of the 3 photos on the left" in window.viewer._placeholder
    window.add_to_queue([photo_dir])
    assert window.queue_model.rowCount() == 3
    label = window.queue_panel.left_out_label
    assert label.isVisible() and label.text().startswith("2 other files were left out: ")
    assert window.statusBar().currentMessage() == (  # what they are, not only how many
        "Queued 3 photos. 2 files were not queued: 1 a hidden file, 1 not a photo format "
        "Lowlight reads (.txt)."
    )
    # an empty folder says so, and what to do
    empty = photo_dir / "empty"
    empty.mkdir()
    (empty / "readme.pdf").write_bytes(b"%PDF")
    window.browser.open_folder(empty)
    assert window.browser.info.text().startswith("No photos in this folder (1 other file")
    assert "No photos in empty" in window.viewer._placeholder


def test_the_progress_bar_shows_only_while_a_batch_runs(make_window, photo_dir, qtbot):
    window = make_window()
    window.show()
    bar = window.queue_panel.bar
    assert not bar.isVisible()
    window.add_to_queue([photo_dir])
    assert not bar.isVisible()
    window.queue_panel.on_batch_started(3)
    assert bar.isVisible()
    window.queue_panel.set_running(False)
    assert not bar.isVisible()


def test_provider_choices_are_explained(make_window):
    window = make_window()
    combo = window.preferences.provider  # Edit > Preferences…
    from PySide6.QtCore import Qt

    tips = [combo.itemData(i, Qt.ItemDataRole.ToolTipRole) for i in range(combo.count())]
    assert tips[0].startswith("Automatic: the fastest this computer offers")
    assert tips[1].startswith("CPU: ")
    assert window.provider_label.text() == "Automatic"
    assert "Automatic: the fastest" in window.provider_label.toolTip()


def test_rotating_in_the_viewer_turns_the_saved_and_the_batch_output(
    make_window, bright_model, settings, tmp_path, qtbot
):
    from PIL import Image

    from lowlight_gui.core.events import PreviewSaved

    photo = write_image(tmp_path / "sideways.png", h=50, w=70)
    window = make_window(model=bright_model)
    window.show()
    assert window.rotate(+1) == 0  # nothing shown yet: nothing turned, and it says so
    window.show_image(photo)
    qtbot.waitUntil(lambda: window.save_action.isEnabled(), timeout=30000)
    assert window.viewer.before_image().size().toTuple() == (70, 50)
    window.rotate_right_action.trigger()
    assert window.viewer.before_image().size().toTuple() == (50, 70)
    assert window.viewer.after_image().size().toTuple() == (50, 70)
    assert window.rotate(+2) == 3 and window.rotate(-2) == 1  # left and right, round the clock
    target = tmp_path / "saved.png"
    with qtbot.waitSignal(window.preview.worker.events, timeout=30000,
                          check_params_cb=lambda e: isinstance(e, PreviewSaved)):
        window.preview.save(1.0, target, "", 95, window.turns[photo.resolve()])
    with Image.open(target) as im:
        assert im.size == (50, 70)
    # the batch turns it too; another photo is left as it is
    other = write_image(tmp_path / "upright.png", h=50, w=70, seed=4)
    settings.output_dir = tmp_path / "out"
    window.add_to_queue([photo, other])
    assert window.start_batch()
    from lowlight_gui.qt.queue import State

    qtbot.waitUntil(lambda: window.queue_model.count(State.DONE) == 2, timeout=60000)
    sizes = {}
    for item in window.queue_model.items():
        with Image.open(item.output) as im:
            sizes[item.path.name] = im.size
    assert sizes == {"sideways.png": (50, 70), "upright.png": (70, 50)}
    # shown again later: still turned
    window.show_image(other)
    window.show_image(photo)
    assert window.viewer.turns() == 1
