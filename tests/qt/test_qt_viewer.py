"""The before/after viewer: handle drag, keyboard, zoom and pan on both halves together."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from lowlight_gui.qt.qimage import array_to_qimage, blend_uint8
from lowlight_gui.qt.viewer import CompareViewer
from tests.qt.conftest import gradient_image


@pytest.fixture
def viewer(qtbot):
    v = CompareViewer()
    qtbot.addWidget(v)
    v.resize(800, 600)
    v.show()
    qtbot.waitExposed(v)
    before = array_to_qimage(gradient_image())
    after = array_to_qimage(1.0 - gradient_image())
    v.set_images(before, after)
    return v


def _same(a, b) -> bool:
    return all(
        abs(getattr(a, m)() - getattr(b, m)()) < 1e-9
        for m in ("m11", "m12", "m21", "m22", "dx", "dy")
    )


def test_drag_handle_moves_split(viewer, qtbot):
    assert viewer.split_x() == pytest.approx(400)
    QTest.mousePress(
        viewer, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(401, 300)
    )
    QTest.mouseMove(viewer, QPoint(300, 300))
    QTest.mouseMove(viewer, QPoint(200, 310))
    QTest.mouseRelease(
        viewer, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(200, 310)
    )
    assert viewer.split() == pytest.approx(0.25, abs=1e-3)
    assert viewer.split_x() == pytest.approx(200, abs=1)
    # Dragging away from the handle pans instead and leaves the split alone.
    QTest.mousePress(
        viewer, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(600, 300)
    )
    QTest.mouseMove(viewer, QPoint(650, 300))
    QTest.mouseRelease(
        viewer, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(650, 300)
    )
    assert viewer.split() == pytest.approx(0.25, abs=1e-3)


def test_keyboard_moves_split_and_switches_modes(viewer):
    viewer.setFocus()
    shift, ctrl = Qt.KeyboardModifier.ShiftModifier, Qt.KeyboardModifier.ControlModifier
    QTest.keyClick(viewer, Qt.Key.Key_Right)  # plain arrows change photo (the window's keys)
    assert viewer.split() == 0.5
    QTest.keyClick(viewer, Qt.Key.Key_Right, shift)
    assert viewer.split() == pytest.approx(0.52)
    QTest.keyClick(viewer, Qt.Key.Key_Left, shift | ctrl)
    assert viewer.split() == pytest.approx(0.42)
    QTest.keyClick(viewer, Qt.Key.Key_Space)
    assert viewer.mode() == "before"
    QTest.keyClick(viewer, Qt.Key.Key_B)
    assert viewer.mode() == "split"
    QTest.keyClick(viewer, Qt.Key.Key_S)
    assert viewer.mode() == "side"
    QTest.keyClick(viewer, Qt.Key.Key_S)
    assert viewer.mode() == "split"
    for _ in range(60):  # the handle stops at the edge
        QTest.keyClick(viewer, Qt.Key.Key_Left, shift)
    assert viewer.split() == 0.0


def _wheel(widget, pos: QPointF, steps: int) -> None:
    event = QWheelEvent(
        pos,
        widget.mapToGlobal(pos),
        QPoint(0, 0),
        QPoint(0, 120 * steps),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(widget, event)


def test_zoom_and_pan_move_both_halves_together(viewer):
    fit_scale = viewer.scale()
    assert viewer.is_fit()
    anchor = QPointF(600, 200)
    inv, _ = viewer.transform_for("after").inverted()
    image_point = inv.map(anchor)
    _wheel(viewer, anchor, 2)
    assert viewer.scale() == pytest.approx(fit_scale * 1.25**2)
    assert _same(viewer.transform_for("before"), viewer.transform_for("after"))
    # The image point under the cursor stays under the cursor.
    moved = viewer.transform_for("after").map(image_point)
    assert (moved.x(), moved.y()) == pytest.approx((600, 200), abs=1e-6)

    before = viewer.transform_for("before")
    QTest.mousePress(
        viewer, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(600, 300)
    )
    QTest.mouseMove(viewer, QPoint(560, 280))
    QTest.mouseRelease(
        viewer, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(560, 280)
    )
    after_pan = viewer.transform_for("before")
    assert after_pan.dx() - before.dx() == pytest.approx(-40)
    assert after_pan.dy() - before.dy() == pytest.approx(-20)
    assert _same(after_pan, viewer.transform_for("after"))

    # Side by side: same scale, the halves differ only by the width of one half.
    viewer.set_mode("side")
    b, a = viewer.transform_for("before"), viewer.transform_for("after")
    assert a.m11() == b.m11() and a.m22() == b.m22()
    assert a.dx() - b.dx() == pytest.approx(400)
    assert a.dy() == b.dy()
    viewer.grab()  # paints without error in every mode
    for mode in ("before", "after", "split"):
        viewer.set_mode(mode)
        viewer.grab()


def test_fit_and_actual_pixels(viewer):
    viewer.zoom_100()
    assert viewer.scale() == pytest.approx(1.0)
    assert not viewer.is_fit()
    viewer.zoom_fit()
    assert viewer.scale() == pytest.approx(min(800 / 400, 600 / 300))
    QTest.keyClick(viewer, Qt.Key.Key_1)
    assert viewer.scale() == pytest.approx(1.0)
    QTest.keyClick(viewer, Qt.Key.Key_F)
    assert viewer.is_fit()


def test_qimage_keeps_its_buffer_and_blend_is_linear():
    rgb = np.zeros((2, 3, 3), np.float32)
    rgb[0, 0] = (1.0, 0.5, 0.0)
    image = array_to_qimage(rgb)
    del rgb
    assert image.width() == 3 and image.height() == 2
    c = image.pixelColor(0, 0)
    assert (c.red(), c.green(), c.blue()) == (255, 128, 0)
    a = np.zeros((1, 1, 3), np.uint8)
    b = np.full((1, 1, 3), 200, np.uint8)
    assert blend_uint8(a, b, 0.5)[0, 0, 0] == 100
    assert blend_uint8(b, a, 0.25)[0, 0, 0] == 150
    assert blend_uint8(a, b, 1.0) is b and blend_uint8(a, b, 0.0) is a


def test_load_error_is_shown_in_the_viewer(make_window, tmp_path, qtbot):
    from lowlight_gui.qt.viewer import ERROR_COLOR
    from tests.conftest import write_image

    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"")
    window = make_window()
    window.show()
    window.show_image(broken)
    qtbot.waitUntil(lambda: window.viewer.error() is not None, timeout=10000)
    title, message = window.viewer.error()
    assert title == "Cannot show broken.jpg"
    assert "empty" in message and message[0].isupper()
    assert window.viewer.before_image() is None and not window.save_action.isEnabled()
    # Drawn where the photo would be: the red title in the middle of the view.
    image = window.viewer.grab().toImage()
    band = [
        image.pixelColor(x, y)
        for y in range(image.height() // 3, 2 * image.height() // 3)
        for x in range(0, image.width(), 2)
    ]
    assert any(
        abs(c.red() - ERROR_COLOR.red()) < 30 and c.green() < 110 and c.blue() < 110 for c in band
    )
    # The next photo replaces the message.
    window.show_image(write_image(tmp_path / "fine.png"))
    assert window.viewer.error() is None  # "Loading…" from the start
    qtbot.waitUntil(lambda: window.viewer.before_image() is not None, timeout=10000)
    assert window.viewer.error() is None


def test_page_keys_and_alt_arrows_step_through_the_folder(make_window, photo_dir, qtbot):
    window = make_window()
    window.show()
    window.activateWindow()
    # Shortcuts only fire in the active window.
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5000)
    window.browser.open_folder(photo_dir)
    img1, img2, img3 = (photo_dir / f"img{i}.jpg" for i in (1, 2, 3))
    window.open_path(img1)
    assert window.current_path == img1
    viewer = window.viewer
    viewer.setFocus()
    split = viewer.split()
    steps = [
        (Qt.Key.Key_PageDown, Qt.KeyboardModifier.NoModifier, img2),
        (Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier, img3),
        (Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier, img3),  # the last one: stays
        (Qt.Key.Key_PageUp, Qt.KeyboardModifier.NoModifier, img2),
        (Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier, img1),
    ]
    for n, (key, modifiers, expected) in enumerate(steps):
        QTest.keyClick(viewer, key, modifiers)
        assert window.current_path == expected, (key, modifiers)
        if n == 2:
            assert window.statusBar().currentMessage() == "No more photos in this folder."
    assert viewer.split() == split  # Alt+arrows do not move the handle
    # The same keys work in the thumbnail grid, and its selection follows.
    grid = window.browser.grid
    grid.setFocus()
    QTest.keyClick(grid, Qt.Key.Key_PageDown)
    assert window.current_path == img2
    assert grid.currentIndex().row() == 1
    # Whatever has focus (the strength slider after a drag), Page Down and the arrows change
    # the photo; the slider keeps Up and Down.
    slider = window.controls.strength
    slider.setFocus()
    value = slider.value()
    QTest.keyClick(slider, Qt.Key.Key_PageDown)
    assert window.current_path == img3 and slider.value() == value
    QTest.keyClick(slider, Qt.Key.Key_Left)
    assert window.current_path == img2 and slider.value() == value
    QTest.keyClick(slider, Qt.Key.Key_Down)
    assert window.current_path == img2 and slider.value() != value
    # Text fields keep their keys: the arrows move the cursor, letters are typed.
    field = window.controls.output_dir
    field.setFocus()
    field.setText("abc")
    QTest.keyClick(field, Qt.Key.Key_Left)
    QTest.keyClick(field, Qt.Key.Key_F)
    QTest.keyClick(field, Qt.Key.Key_Backslash)
    assert field.text() == "abf\\c" and window.current_path == img2
    assert window.viewer.mode() == "split"
    spin = window.controls.quality
    spin.setFocus()
    QTest.keyClick(spin, Qt.Key.Key_PageDown)
    assert window.current_path == img2


def test_a_larger_before_keeps_the_part_of_the_photo_in_view(viewer):
    """A RAW's full-size development replaces its half-size one without moving the view."""
    viewer.zoom_by(2.0)
    viewer.pan_by(30, 20)
    scale, center = viewer.scale(), viewer.center()
    big = array_to_qimage(gradient_image(800, 600))  # twice the 400x300 on show
    viewer.set_before(big)
    assert viewer.before_image() is big and not viewer.is_fit()
    assert viewer.scale() == pytest.approx(scale / 2)
    assert viewer.center() == QPointF(center.x() * 2, center.y() * 2)
    viewer.zoom_fit()
    viewer.set_before(array_to_qimage(gradient_image()))  # fitted stays fitted
    assert viewer.is_fit() and viewer.image_size().width() == 400
