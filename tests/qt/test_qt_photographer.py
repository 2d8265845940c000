"""The photographer's window (issue 30): histogram and clipping, photo info, keys that always
work, first start and layout, time left by megapixels, Save enhanced as, fit stays centred;
and the window bugs of issue 28 (the viewer after a folder change, the About credits)."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from lowlight_gui.qt.qimage import array_to_qimage
from tests.conftest import write_image
from tests.qt.conftest import gradient_image


def _active(window, qtbot) -> None:
    window.show()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5000)  # shortcuts


def _shown(window, qtbot, path: Path) -> None:
    window.open_path(path)
    qtbot.waitUntil(lambda: window.save_action.isEnabled(), timeout=30000)


# -- 1. histogram and clipping ---------------------------------------------------------------
def test_the_histogram_follows_the_photo_and_counts_new_clipping(make_window, qtbot):
    window = make_window()
    panel = window.histogram
    assert panel.histogram() is None and panel.label.text() == "No photo on show."
    before = np.full((40, 50, 3), 100, np.uint8)
    after = before.copy()
    after[:10] = 255  # a quarter newly clipped
    after[10:12] = 0  # 5 % newly crushed
    window.viewer.set_images(array_to_qimage(before), array_to_qimage(after))
    qtbot.waitUntil(lambda: panel.histogram() is not None, timeout=2000)
    h = panel.histogram()
    assert h.clipped_percent == pytest.approx(25.0) and h.crushed_percent == pytest.approx(5.0)
    assert h.luma_before[100] == 2000 and h.luma_after[255] == 500
    assert panel.label.text().startswith("Newly clipped 25.0 % · crushed 5.0 % (J shows where)")
    # J paints them on the photo: red on the clipped rows, blue on the crushed ones.
    _active(window, qtbot)
    window.viewer.set_mode("after")
    window.viewer.setFocus()
    QTest.keyClick(window.viewer, Qt.Key.Key_J)
    assert window.viewer.clipping_overlay() and window.clipping_action.isChecked()
    overlay = window.viewer.clipping_image()
    assert overlay.pixelColor(5, 5).name() == "#ff0000" and overlay.pixelColor(5, 11).alpha()
    assert overlay.pixelColor(5, 30).alpha() == 0
    shot = window.viewer.grab().toImage()
    top = window.viewer.transform_for("after").map(QPointF(25, 5))
    colour = shot.pixelColor(int(top.x()), int(top.y()))
    assert colour.red() > 200 and colour.green() < 60
    # A click on the triangle toggles it too.
    view = panel.view
    QTest.mouseClick(view, Qt.MouseButton.LeftButton, pos=view.triangles()[1].center().toPoint())
    assert not window.viewer.clipping_overlay()


def test_the_histogram_of_a_real_preview(make_window, qtbot, photo_dir):
    window = make_window()
    _shown(window, qtbot, photo_dir / "img1.jpg")
    panel = window.histogram
    qtbot.waitUntil(  # the enhanced image is in
        lambda: panel.histogram() is not None and "enhancing" not in panel.label.text(),
        timeout=2000,
    )
    h = window.histogram.histogram()
    assert h.samples == 48 * 64
    assert not np.array_equal(h.luma_before, h.luma_after)  # the tiny model brightens


# -- 2. photo info ------------------------------------------------------------------------------
def test_i_shows_the_shot_and_the_models_choices(make_window, qtbot, tmp_path):
    exif = Image.Exif()
    exif[0x0110] = "Test Camera 1"
    exif[0x8769] = {0x8827: 3200, 0x829A: 1 / 30}
    path = tmp_path / "shot.jpg"
    Image.fromarray(np.full((30, 40, 3), 20, np.uint8)).save(path, exif=exif.tobytes())
    window = make_window()
    _active(window, qtbot)
    _shown(window, qtbot, path)
    window.viewer.setFocus()
    QTest.keyClick(window.viewer, Qt.Key.Key_I)
    assert window.info_panel.isVisible() and window.info_action.isChecked()
    qtbot.waitUntil(lambda: "Reading" not in window.info_panel.text(), timeout=5000)
    text = window.info_panel.text()
    assert "Test Camera 1" in text and "1/30 s&nbsp;&nbsp;ISO 3200" in text and "40 × 30" in text
    assert "Exposure" in text and "the model&#x27;s own" in text  # the decisions, escaped
    QTest.keyClick(window.viewer, Qt.Key.Key_I)
    assert not window.info_panel.isVisible()


# -- 3. keys that always work -------------------------------------------------------------------
def test_a_click_on_the_photo_then_the_arrows_and_backslash(make_window, qtbot, photo_dir):
    window = make_window()
    _active(window, qtbot)
    window.browser.open_folder(photo_dir)
    img1, img2, _img3 = (photo_dir / f"img{i}.jpg" for i in (1, 2, 3))
    _shown(window, qtbot, img1)
    viewer = window.viewer
    QTest.mouseClick(viewer, Qt.MouseButton.LeftButton, pos=viewer.rect().center())
    assert QApplication.focusWidget() is viewer
    QTest.keyClick(viewer, Qt.Key.Key_Right)
    assert window.current_path == img2
    QTest.keyClick(viewer, Qt.Key.Key_Left)
    assert window.current_path == img1
    QTest.keyClick(viewer, Qt.Key.Key_Backslash)
    assert viewer.mode() == "before"
    QTest.keyClick(viewer, Qt.Key.Key_Backslash)
    assert viewer.mode() == "split"
    # The grid and the folder tree do not keep the arrows either.
    window.browser.tree.setFocus()
    QTest.keyClick(window.browser.tree, Qt.Key.Key_Right)
    assert window.current_path == img2


def test_the_zoom_is_kept_on_the_next_photo(make_window, qtbot, photo_dir):
    window = make_window()
    window.browser.open_folder(photo_dir)
    _shown(window, qtbot, photo_dir / "img1.jpg")
    window.viewer.zoom_100()
    window.step_photo(+1)
    qtbot.waitUntil(lambda: window.save_action.isEnabled(), timeout=30000)
    assert window.viewer.scale() == pytest.approx(1.0) and not window.viewer.is_fit()


def test_the_viewer_keeps_zoom_and_place_across_sizes(qtbot):
    from lowlight_gui.qt.viewer import CompareViewer

    viewer = CompareViewer()
    qtbot.addWidget(viewer)
    viewer.resize(200, 150)
    viewer.set_images(array_to_qimage(gradient_image(400, 300)))
    assert viewer.is_fit()
    viewer.set_images(array_to_qimage(gradient_image(800, 600)))  # fitted stays fitted
    assert viewer.is_fit()
    viewer.zoom_100()
    viewer.pan_by(-100, -50)  # towards the lower right
    center = viewer.center()
    viewer.set_images(array_to_qimage(gradient_image(400, 300)))
    assert viewer.scale() == pytest.approx(1.0)
    assert viewer.center().x() == pytest.approx(center.x() / 2, abs=1)


def test_a_kept_zoom_does_not_drift_through_raw_half_size_previews(qtbot):
    """A RAW is shown developed at half size first, then in full (set_before): the zoom the
    person chose applies to the full one, photo after photo (not 100 %, 50 %, 25 %...)."""
    from lowlight_gui.qt.viewer import CompareViewer

    viewer = CompareViewer()
    qtbot.addWidget(viewer)
    viewer.resize(200, 150)
    viewer.set_images(array_to_qimage(gradient_image(400, 300)))
    viewer.zoom_100()
    for _ in range(3):
        viewer.set_images(array_to_qimage(gradient_image(200, 150)))  # the half-size one
        viewer.set_before(array_to_qimage(gradient_image(400, 300)))  # the full one
        assert viewer.scale() == pytest.approx(1.0)


def test_help_lists_every_key_from_the_actions(make_window, qtbot, photo_dir):
    from lowlight_gui.qt.shortcuts import action_name, shortcut_rows, shortcuts_html

    window = make_window()
    window.show_image(photo_dir / "img1.jpg")
    window.controls.set_value("exposure", 0.5)  # Undo says "Undo Exposure" now
    assert window.undo_action.text() == "&Undo Exposure"
    rows = dict(shortcut_rows(window))
    view = dict(rows["View"])
    assert view["Next photo"].startswith("Right") and "PgDown" in view["Next photo"]
    assert view["Show original"].startswith("\\") and view["Show clipping"] == "J"
    assert view["Photo info"] == "I" and view["Hide side panels"] == "Tab"
    assert dict(rows["On the photo"])["Show original"] == "Space"
    # The edits' keys are listed too, Undo and Redo by their own names.
    edit = dict(rows["Edit"])
    assert edit["Undo"] == "Ctrl+Z" and "Ctrl+Shift+Z" in edit["Redo"] and "Ctrl+Y" in edit["Redo"]
    assert edit["Copy settings"] == "Ctrl+Shift+C" and edit["Paste settings"] == "Ctrl+Shift+V"
    assert dict(rows["Help"])["Keyboard shortcuts"] == "F1"
    # Every action of the menus with a key is listed: a new one cannot be forgotten.
    listed = {what for section in rows.values() for what, _ in section}
    for top in window.menuBar().actions():
        for a in top.menu().actions():
            if not a.isSeparator() and not a.shortcut().isEmpty():
                assert action_name(a) in listed
    assert "Keyboard shortcuts" in listed and "<b>J</b>" in shortcuts_html(window)


def test_no_two_actions_share_a_key(make_window):
    """A key given to two actions is ambiguous: Qt fires neither."""
    from PySide6.QtGui import QAction

    window = make_window()
    owners: dict[str, str] = {}
    for a in window.findChildren(QAction):
        for key in a.shortcuts():
            text = key.toString()
            assert text not in owners, (text, owners.get(text), a.text())
            owners[text] = a.text()


def test_the_edit_keys_and_the_photo_keys_work_together(make_window, qtbot, photo_dir):
    window = make_window()
    _active(window, qtbot)
    window.browser.open_folder(photo_dir)
    img1, img2 = photo_dir / "img1.jpg", photo_dir / "img2.jpg"
    _shown(window, qtbot, img1)
    viewer = window.viewer
    QTest.mouseClick(viewer, Qt.MouseButton.LeftButton, pos=viewer.rect().center())
    ctrl, shift = Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.ShiftModifier
    window.controls.set_value("exposure", 0.5)
    QTest.keyClick(viewer, Qt.Key.Key_Z, ctrl)
    assert window.controls.exposure_value() == 0.0
    QTest.keyClick(viewer, Qt.Key.Key_Z, ctrl | shift)
    assert window.controls.exposure_value() == 0.5
    QTest.keyClick(viewer, Qt.Key.Key_Z, ctrl)
    QTest.keyClick(viewer, Qt.Key.Key_Y, ctrl)
    assert window.controls.exposure_value() == 0.5
    QTest.keyClick(viewer, Qt.Key.Key_C, ctrl | shift)  # copy, then paste on the next photo
    QTest.keyClick(viewer, Qt.Key.Key_Right)
    assert window.current_path == img2 and window.controls.exposure_value() == 0.0
    QTest.keyClick(viewer, Qt.Key.Key_V, ctrl | shift)
    assert window.controls.exposure_value() == 0.5
    assert window.edits.settings_for(img2).exposure == 0.5
    QTest.keyClick(viewer, Qt.Key.Key_J)
    QTest.keyClick(viewer, Qt.Key.Key_I)
    assert window.clipping_action.isChecked() and window.info_panel.isVisible()
    QTest.keyClick(viewer, Qt.Key.Key_Left)
    assert window.current_path == img1


# -- 4. first start and layout -----------------------------------------------------------------
def test_an_empty_pictures_folder_says_where_its_photos_are(make_window, home, qtbot):
    pictures = home / "Pictures"
    for sub, n in (("Night", 3), ("Street", 2)):
        for i in range(n):
            write_image(pictures / sub / f"{sub}{i}.jpg")
    write_image(pictures / "Street" / "deeper" / "x.jpg")
    window = make_window()
    assert window.browser.folder() == pictures
    text = window.browser.info.text()
    assert "No photos here — 6 in 2 subfolders" in text and f"href='{pictures / 'Night'}'" in text
    assert "No photos here — 6 in 2 subfolders: Night, Street" in window.viewer._placeholder
    tree = window.browser.tree
    assert tree.isExpanded(window.browser.fs_model.index(str(pictures)))  # subfolders in view
    window.browser.info.linkActivated.emit(str(pictures / "Street"))  # a click goes there
    assert window.browser.folder() == pictures / "Street"
    assert len(window.browser.thumb_model.files()) == 2


def test_tab_hides_the_side_panels_and_brings_them_back(make_window, qtbot):
    window = make_window()
    _active(window, qtbot)
    width = window.viewer.width()
    window.viewer.setFocus()
    QTest.keyClick(window.viewer, Qt.Key.Key_Tab)
    qtbot.waitUntil(lambda: not window.browser.isVisible(), timeout=2000)
    QApplication.processEvents()
    assert window.viewer.width() > width + 300
    QTest.keyClick(window.viewer, Qt.Key.Key_Tab)
    qtbot.waitUntil(lambda: window.browser.isVisible(), timeout=2000)
    QApplication.processEvents()
    assert abs(window.viewer.width() - width) <= 2
    # Closed with the panels hidden, the next start shows them.
    QTest.keyClick(window.viewer, Qt.Key.Key_Tab)
    window.save_state()
    assert window.browser.isVisible() and not window.side_panels.hidden()
    # In a text field Tab moves on, as usual.
    field = window.controls.output_dir
    field.setFocus()
    QTest.keyClick(field, Qt.Key.Key_Tab)
    assert window.browser.isVisible() and QApplication.focusWidget() is not field


def test_at_the_minimum_size_nothing_overlaps(make_window, qtbot):
    from lowlight_gui.qt.window_layout import MIN_SIZE

    window = make_window()
    window.show()
    window.resize(200, 200)  # asks for less: gets the minimum
    qtbot.waitUntil(lambda: window.width() == MIN_SIZE[0], timeout=2000)
    QApplication.processEvents()
    assert (window.width(), window.height()) == MIN_SIZE
    # Each panel has at least the room its layout asks for (the side column scrolls).
    for widget in (
        window.browser,
        window.viewer,
        window.controls,
        window.queue_panel,
        window.histogram,
    ):
        hint = widget.minimumSizeHint()
        assert widget.width() >= hint.width() - 1, widget
        assert widget.height() >= hint.height() - 1, widget
    # ... and none lies over another.
    side = window.controls.parentWidget()
    boxes = [(w, w.geometry()) for w in (window.histogram, window.controls, window.queue_panel)]
    for (a, ra), (b, rb) in itertools.pairwise(boxes):
        assert a.parentWidget() is side and not ra.intersects(rb), (a, b)
    assert window.viewer.width() >= 400  # the photo gets room
    # On a 1366 x 768 laptop the whole column fits, Start included, the controls unsqueezed.
    window.resize(1366, 740)
    qtbot.waitUntil(lambda: window.height() == 740, timeout=2000)
    QApplication.processEvents()
    assert window.controls.height() >= window.controls.minimumSizeHint().height()
    assert not window.queue_panel.start_button.visibleRegion().isEmpty()


# -- 5. time left, Save enhanced as, fit stays centred -------------------------------------------
def test_time_left_counts_megapixels(tmp_path, monkeypatch):
    from lowlight_gui.qt import queue

    big = write_image(tmp_path / "big.png", h=300, w=400)  # 0.12 MP
    small = write_image(tmp_path / "small.png", h=30, w=40)  # 0.0012 MP
    p = queue.BatchProgress()
    clock = [100.0]
    monkeypatch.setattr(queue.time, "monotonic", lambda: clock[0])
    p.start(2, [small, big])
    p.started(small)
    clock[0] += 1.0
    p.finished_one()  # the small one took 1 s: the big one, 100 times larger, about 100 s
    assert p.seconds_left() == pytest.approx(100.0)
    assert p.fraction() == pytest.approx(0.01, abs=1e-3)
    p.started(big)
    p.current = 0.5
    clock[0] += 50.0
    assert p.seconds_left() == pytest.approx(50.0, rel=0.02)


def test_save_enhanced_as_starts_in_the_enhanced_folder(make_window, qtbot, photo_dir, monkeypatch):
    from lowlight_gui.qt import dialogs

    window = make_window()
    _shown(window, qtbot, photo_dir / "img1.jpg")
    asked: list[Path] = []
    monkeypatch.setattr(
        dialogs.QFileDialog,
        "getSaveFileName",
        lambda _p, _t, start, *_a: asked.append(Path(start)) or ("", ""),
    )
    window.save_as_dialog()
    assert asked == [photo_dir / "enhanced" / "img1_enhanced.jpg"]
    assert not (photo_dir / "enhanced").exists()  # made for the dialog, gone when cancelled
    target = photo_dir / "enhanced" / "mine.jpg"
    monkeypatch.setattr(dialogs.QFileDialog, "getSaveFileName", lambda *_a: (str(target), ""))
    with qtbot.waitSignal(window.preview.worker.events, timeout=30000):
        window.save_as_dialog()
    qtbot.waitUntil(target.exists, timeout=30000)


def test_a_fitted_photo_cannot_be_dragged_off_centre(qtbot):
    from lowlight_gui.qt.viewer import CompareViewer

    viewer = CompareViewer()
    qtbot.addWidget(viewer)
    viewer.resize(400, 300)
    viewer.show()
    viewer.set_images(array_to_qimage(gradient_image(200, 100)))
    center = viewer.center()
    QTest.mousePress(viewer, Qt.MouseButton.LeftButton, pos=QPoint(100, 150))
    QTest.mouseMove(viewer, QPoint(300, 250))
    QTest.mouseRelease(viewer, Qt.MouseButton.LeftButton, pos=QPoint(300, 250))
    viewer.pan_by(80, -40)
    assert viewer.center() == center and viewer.is_fit()
    viewer.zoom_by(4.0)  # larger than the view: pans, up to its edges
    viewer.pan_by(10_000, 0)
    left = viewer.transform_for("before").map(QPointF(0, 0))
    assert left.x() == pytest.approx(0.0, abs=0.5)


# -- 6. issue 28: folder change, About -------------------------------------------------------------
def test_another_folder_clears_the_previous_folders_photo(make_window, qtbot, photo_dir, tmp_path):
    window = make_window()
    _shown(window, qtbot, photo_dir / "img1.jpg")
    other = tmp_path / "other"
    write_image(other / "z.jpg")
    window.browser.open_folder(other)
    assert window.viewer.before_image() is None and window.current_path is None
    assert not window.save_action.isEnabled()
    assert "Choose one of the 1 photo" in window.viewer._placeholder
    QTest.qWait(300)  # late events of the old photo do not bring it back
    assert window.viewer.before_image() is None
    window.open_path(other / "z.jpg")
    qtbot.waitUntil(lambda: window.viewer.before_image() is not None, timeout=30000)


def test_about_credits_libvips_not_opencv():
    from lowlight_gui.qt.about import CREDITS

    names = " ".join(name for name, _, _ in CREDITS)
    assert "libvips" in names and "OpenCV" not in names


def test_the_info_panel_reads_the_pipelines_decisions():
    """What the model did comes from PreviewResult.decisions, and the settings as run: a setting
    the model lacks is not claimed, a photo left as it is says why."""
    from lowlight_gui.core.events import PreviewResult
    from lowlight_gui.core.pipeline import Decisions
    from lowlight_gui.core.settings import Settings
    from lowlight_gui.qt.info_panel import decisions_rows

    pixels = np.zeros((2, 2, 3), np.uint8)
    decided = Decisions(exposure=0.7, lift=1.0, shadows=1.0, unsupported=("denoise",),
                        unchanged="already well exposed")
    result = PreviewResult(1, "full", pixels, pixels, 2.0, 0.1, "CPU",
                           settings=Settings(denoise=0.5, colour_noise=0.4, shadows=1.0),
                           decisions=decided)
    rows = dict(decisions_rows(result))
    assert rows["Exposure"] == "+0.7 EV from the model's"
    assert rows["Shadow lift"] == "+1.0 stops (set by hand)"
    assert "Noise reduction" not in rows  # this model removes noise in full whatever was asked
    assert rows["Colour noise"] == "40 %" and rows["Left as it is"] == "already well exposed"
    assert rows["Enhanced in"] == "2.0 s on CPU"
    assert decisions_rows(PreviewResult(1, "preview", pixels, pixels, 0.1, 0.1, "CPU")) == []
    # the night sky: kept at its own brightness (how much of the frame), not found, or lifted on request
    for share, amount, said in [
        (0.42, 1.0, "kept dark: 42 % of the frame"),
        (0.42, 0.5, "kept dark: 42 % of the frame, 50 % of the way back"),
        (0.0, 1.0, "none found: all of the photo lifted"),
        (0.0, 0.0, "lifted with the rest (set to 0 %)"),
    ]:
        night = Decisions(exposure=0.0, lift=1.0, shadows=1.0, unsupported=(), unchanged=None,
                          night_sky=share)
        shown = PreviewResult(1, "full", pixels, pixels, 2.0, 0.1, "CPU",
                              settings=Settings(night_sky=amount), decisions=night)
        assert dict(decisions_rows(shown))["Night sky"] == said
