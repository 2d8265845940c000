"""Before/after compare viewer: one photo, original on the left of a draggable handle, enhanced
on the right; zoom and pan apply to both halves together.

Image coordinates are those of the original ("before") image; an enhanced image of another size
(the fast downscaled preview) is stretched onto the same rectangle, so both halves always line up.
A photo smaller than the view stays centred; a larger one pans only as far as its edges. With
the clipping overlay on (J), what the enhancing newly clipped is painted red on the enhanced
photo, what it crushed blue (``core/histogram.py``).
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPalette,
    QPen,
    QPixmap,
    QResizeEvent,
    QTransform,
    QWheelEvent,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from lowlight_gui.core.histogram import overlay_rgba

MODES: tuple[str, ...] = ("split", "side", "before", "after")
MIN_SCALE, MAX_SCALE = 0.02, 32.0
_HANDLE_GRAB_PX = 10  # how close to the handle a press must be to grab it
# Split moves per Shift+arrow press (fraction of width): plain arrows change photo (window keys).
_KEY_STEP, _KEY_STEP_BIG = 0.02, 0.10
OVERLAY_MAX_PIXELS = 4_000_000  # the clipping overlay's resolution: ~40 ms for a 12 MP photo
_WHEEL_STEP = 1.25
ERROR_COLOR = QColor(220, 68, 55)  # the queue's "failed" red
# What the viewer does itself with the focus on it (Help > Keyboard shortcuts lists these after
# the window's actions); keep in step with keyPressEvent and the mouse handlers.
VIEWER_KEYS: tuple[tuple[str, str], ...] = (
    ("Show original", "Space"),
    ("Enhanced photo alone", "A"),
    ("Move the split handle", "Shift+Left, Shift+Right (Ctrl+Shift: bigger steps)"),
    ("Zoom in, out", "+, -, mouse wheel"),
    ("100 % here, or back to fit", "double-click"),
    ("Pan", "drag"),
)


class CompareViewer(QWidget):
    """Paints two QImages with a shared transform; all state is plain numbers a test can read."""

    splitChanged = Signal(float)
    zoomChanged = Signal(float)  # scale in device pixels per image pixel (1.0 = 100 %)
    modeChanged = Signal(str)
    imagesChanged = Signal()  # the before or after image changed (the histogram follows)
    clippingOverlayChanged = Signal(bool)
    # The part of the photo on screen: (left, top, right, bottom) as fractions of it as stored
    # (before any turn), or None when no photo is shown; sent when it changes (on paint).
    visibleRegionChanged = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(240, 180)
        self._before: QImage | None = None  # as shown: turned by ``_turns``
        self._after: QImage | None = None
        self._stored: list[QImage | None] = [None, None]  # as given, before turning
        self._turns = 0
        self._split = 0.5
        self._mode = "split"
        self._mode_before_toggle = "split"
        self._scale = 1.0  # logical widget pixels per image pixel
        self._center = QPointF(0, 0)  # image point shown at the centre of each view rect
        self._fit = True
        # The zoom the person chose (None: fit): a new photo is shown at it, even after a RAW's
        # half-size first development is replaced by its full one (see set_before).
        self._chosen_scale: float | None = None
        self._kept_zoom = False  # the photo on show got the chosen zoom, not a zoom of its own
        self._drag: str | None = None  # "handle" | "pan"
        self._drag_origin = QPointF()
        self._drag_center = QPointF()
        self._overlay = ""
        self._placeholder = "Open a photo (Ctrl+O) or a folder, or drop files here"
        self._error: tuple[str, str] | None = None  # (title, message) shown instead of a photo
        # Pre-scaled copies for zoomed-out painting: smooth-scaling a 12 MP image on every
        # paint would make handle dragging stutter.
        self._scaled_cache: dict[tuple[int, int, int], QPixmap] = {}
        self._clip_overlay = False
        self._clip_image: tuple[tuple[int, int], QImage] | None = None  # (cache keys, overlay)
        # Final full-resolution parts painted over the enhanced image as they come (the
        # preview's full pass), in the stored photo's pixels at full size; None: none.
        self._final: QImage | None = None
        self._visible: tuple[float, float, float, float] | None = None  # last one reported

    # -- images ---------------------------------------------------------------------------
    # -- quarter turns (Rotate left / right): the images are shown turned ------------------
    def turns(self) -> int:
        """Quarter turns clockwise the photo is shown with (0..3)."""
        return self._turns

    def set_turns(self, turns: int) -> None:
        """Show the photo turned by ``turns`` quarter turns clockwise, fitted anew."""
        turns %= 4
        if turns == self._turns:
            return
        self._turns = turns
        self._before = self._turned(self._stored[0])
        self._after = self._turned(self._stored[1])
        self._scaled_cache.clear()
        self.zoom_fit()
        self.update()
        self.imagesChanged.emit()

    def _turned(self, image: QImage | None) -> QImage | None:
        if image is None or not self._turns:
            return image
        return image.transformed(QTransform().rotate(90 * self._turns))

    # -- images ---------------------------------------------------------------------------
    def set_images(self, before: QImage | None, after: QImage | None = None) -> None:
        """Show a new photo. Fitted stays fitted; a zoom (100 %, 200 %...) is kept, looking at
        the same relative place of the new photo, so that photos of a series compare alike."""
        self._stored = [before, after]
        before, after = self._turned(before), self._turned(after)
        old = self._before
        self._before = before
        self._after = after
        self._error = None
        self._final = None
        self._scaled_cache.clear()
        if self._fit or before is None or old is None or old.width() <= 0 or old.height() <= 0:
            self.zoom_fit()
        else:
            fx, fy = self._center.x() / old.width(), self._center.y() / old.height()
            self._scale = self._chosen_scale or self._scale
            self._kept_zoom = True
            self._center = self._clamped(QPointF(fx * before.width(), fy * before.height()))
            self.zoomChanged.emit(self.scale())
        self.update()
        self.imagesChanged.emit()

    def set_before(self, before: QImage) -> None:
        """Replace the original by another resolution of the same photo (a RAW's full-size
        development after its half-size one), keeping the same part of it in view."""
        self._stored[0] = before
        before = self._turned(before)
        old = self._before
        self._before = before
        self._scaled_cache = {k: v for k, v in self._scaled_cache.items() if k[0] != 0}
        if old is not None and old.width() > 0 and old.size() != before.size():
            ratio = before.width() / old.width()
            self._center = QPointF(self._center.x() * ratio, self._center.y() * ratio)
            if self._kept_zoom and self._chosen_scale:  # the zoom chosen for every photo
                self._scale = self._chosen_scale
                self._center = self._clamped(self._center)
            else:  # a zoom chosen on this photo: the same part, the same size on screen
                self._scale /= ratio
            if self._fit:
                self._apply_fit()
            else:
                self.zoomChanged.emit(self.scale())
        self.update()
        self.imagesChanged.emit()

    def set_after(self, after: QImage | None) -> None:
        """Replace the enhanced image only (new strength, full-resolution pass)."""
        self._stored[1] = after
        self._after = self._turned(after)
        self._scaled_cache = {k: v for k, v in self._scaled_cache.items() if k[0] != 1}
        self.update()
        self.imagesChanged.emit()

    def before_image(self) -> QImage | None:
        return self._before

    def after_image(self) -> QImage | None:
        return self._after

    def set_overlay_text(self, text: str) -> None:
        """A short status line painted over the view, e.g. "Enhancing preview…"."""
        self._overlay = text
        self.update()

    def show_error(self, title: str, message: str) -> None:
        """Show why a photo cannot be shown, in place of the photo, until the next one."""
        self._before = self._after = None
        self._stored = [None, None]
        self._overlay = ""
        self._scaled_cache.clear()
        self._error = (title, message)
        self.update()
        self.imagesChanged.emit()

    def clear(self) -> None:
        """Show no photo (the placeholder), e.g. when another folder is opened."""
        self._before = self._after = None
        self._stored = [None, None]
        self._overlay = ""
        self._error = None
        self._scaled_cache.clear()
        self.update()
        self.imagesChanged.emit()

    def error(self) -> tuple[str, str] | None:
        return self._error

    def clear_error(self) -> None:
        if self._error is not None:
            self._error = None
            self.update()

    def set_placeholder_text(self, text: str) -> None:
        self._placeholder = text
        self.update()

    def image_size(self) -> QSize:
        return self._before.size() if self._before is not None else QSize(0, 0)

    # -- clipping overlay (J) --------------------------------------------------------------
    def clipping_overlay(self) -> bool:
        return self._clip_overlay

    def set_clipping_overlay(self, on: bool) -> None:
        """Paint newly clipped highlights red and crushed shadows blue on the enhanced photo."""
        if on != self._clip_overlay:
            self._clip_overlay = on
            if not on:
                self._clip_image = None  # its memory back
            self.clippingOverlayChanged.emit(on)
            self.update()

    def toggle_clipping_overlay(self) -> None:
        self.set_clipping_overlay(not self._clip_overlay)

    def clipping_image(self) -> QImage | None:
        """The overlay for the images on show (RGBA, transparent where nothing clipped), made
        when first asked for after an image changes; None without an enhanced image."""
        if self._before is None or self._after is None:
            return None
        keys = (self._before.cacheKey(), self._after.cacheKey())
        if self._clip_image is None or self._clip_image[0] != keys:
            from lowlight_gui.qt.histogram import qimage_to_array  # it imports this module

            rgba = overlay_rgba(
                qimage_to_array(self._before),
                qimage_to_array(self._after),
                max_pixels=OVERLAY_MAX_PIXELS,
            )
            h, w = rgba.shape[:2]
            image = QImage(rgba.data, w, h, rgba.strides[0], QImage.Format.Format_RGBA8888)
            image._buffer = rgba  # type: ignore[attr-defined]  # keep the pixels alive
            self._clip_image = (keys, image)
        return self._clip_image[1]

    def _draw_clipping(self, p: QPainter, clip: QRectF, side: str) -> None:
        if not self._clip_overlay or self._before is None:
            return
        image = self.clipping_image()
        if image is None:
            return
        p.save()
        p.setClipRect(clip)
        p.setTransform(self.transform_for(side))
        p.scale(self._before.width() / image.width(), self._before.height() / image.height())
        p.drawImage(0, 0, image)
        p.restore()

    # -- final full-resolution parts (the preview's full pass, what is on screen first) ----
    def paint_final(self, box: QRect, image: QImage, photo_size: QSize) -> None:
        """Paint ``image`` at ``box`` of the photo (its pixels at full size ``photo_size``, as
        stored: before any turn) over the enhanced image, until ``clear_final`` or a new
        photo."""
        if self._final is None or self._final.size() != photo_size:
            self._final = QImage(photo_size, QImage.Format.Format_ARGB32_Premultiplied)
            self._final.fill(Qt.GlobalColor.transparent)
        p = QPainter(self._final)
        p.setCompositionMode(QPainter.CompositionMode.CompositionMode_Source)
        p.drawImage(box.topLeft(), image)
        p.end()
        self.update()

    def clear_final(self) -> None:
        """Drop the final parts painted over the enhanced image."""
        if self._final is not None:
            self._final = None
            self.update()

    def final_image(self) -> QImage | None:
        return self._final

    def _stored_to_shown(self, scale: float) -> QTransform:
        """Stored photo coordinates (times ``scale``) -> those of the image as shown, turned."""
        stored = self._stored[0]
        w, h = (stored.width(), stored.height()) if stored is not None else (0, 0)
        turn = {
            0: QTransform(),
            1: QTransform(0, 1, -1, 0, h, 0),
            2: QTransform(-1, 0, 0, -1, w, h),
            3: QTransform(0, -1, 1, 0, 0, w),
        }[self._turns]
        return QTransform.fromScale(scale, scale) * turn

    def _draw_final(self, p: QPainter, clip: QRectF, side: str) -> None:
        stored = self._stored[0]
        if self._final is None or stored is None or self._final.width() == 0:
            return
        p.save()
        p.setClipRect(clip)
        scale = stored.width() / self._final.width()
        p.setTransform(self._stored_to_shown(scale) * self.transform_for(side))
        p.setRenderHint(
            QPainter.RenderHint.SmoothPixmapTransform, self._scale * self.devicePixelRatioF() < 1
        )
        p.drawImage(QPoint(0, 0), self._final)
        p.restore()

    def visible_fraction(self) -> tuple[float, float, float, float] | None:
        """The part of the photo on screen (the enhanced side's view): (left, top, right,
        bottom) as fractions of the photo as stored, before any turn; None without a photo."""
        stored = self._stored[0]
        if self._before is None or stored is None or stored.width() <= 0:
            return None
        inverse, _ = self.transform_for("after").inverted()
        shown = inverse.mapRect(dict(self.view_rects())["after"])
        unturn, _ = self._stored_to_shown(1.0).inverted()
        r = unturn.mapRect(shown).intersected(QRectF(0, 0, stored.width(), stored.height()))
        if r.isEmpty():
            return None
        w, h = stored.width(), stored.height()
        return (r.left() / w, r.top() / h, r.right() / w, r.bottom() / h)

    def _report_visible(self) -> None:
        visible = self.visible_fraction()
        if visible != self._visible:
            self._visible = visible
            self.visibleRegionChanged.emit(visible)

    # -- split and mode -------------------------------------------------------------------
    def split(self) -> float:
        """Handle position as a fraction of the widget width (0..1)."""
        return self._split

    def split_x(self) -> float:
        """Handle position in widget pixels."""
        return self._split * self.width()

    def set_split(self, fraction: float) -> None:
        fraction = min(1.0, max(0.0, float(fraction)))
        if fraction != self._split:
            self._split = fraction
            self.splitChanged.emit(fraction)
            self.update()

    def mode(self) -> str:
        return self._mode

    def set_mode(self, mode: str) -> None:
        if mode not in MODES:
            raise ValueError(f"unknown viewer mode {mode!r}")
        if mode != self._mode:
            self._mode = mode
            if self._fit:  # side by side halves the room each image has
                self._apply_fit()
            self.modeChanged.emit(mode)
            self.update()

    def toggle_before(self) -> None:
        """Show the original alone, or go back to the previous comparison."""
        if self._mode == "before":
            self.set_mode(self._mode_before_toggle)
        else:
            self._mode_before_toggle = self._mode
            self.set_mode("before")

    def toggle_side_by_side(self) -> None:
        self.set_mode("split" if self._mode == "side" else "side")

    # -- zoom and pan ---------------------------------------------------------------------
    def view_rects(self) -> list[tuple[str, QRectF]]:
        """(side, rect) pairs of the areas each image is laid out in."""
        full = QRectF(self.rect())
        if self._mode == "side":
            half = full.width() / 2
            return [
                ("before", QRectF(0, 0, half, full.height())),
                ("after", QRectF(half, 0, full.width() - half, full.height())),
            ]
        return [("before", full), ("after", full)]

    def transform_for(self, side: str) -> QTransform:
        """Image -> widget transform for one half; both halves share scale and centre."""
        rect = dict(self.view_rects())[side]
        t = QTransform()
        c = rect.center()
        t.translate(c.x(), c.y())
        t.scale(self._scale, self._scale)
        t.translate(-self._center.x(), -self._center.y())
        return t

    def scale(self) -> float:
        """Device pixels per image pixel: 1.0 is 100 % on any screen."""
        return self._scale * self.devicePixelRatioF()

    def is_fit(self) -> bool:
        return self._fit

    def zoom_fit(self) -> None:
        self._fit = True
        self._chosen_scale = None
        self._apply_fit()
        self.update()

    def zoom_100(self) -> None:
        self._set_scale(1.0 / self.devicePixelRatioF())

    def zoom_by(self, factor: float, anchor: QPointF | None = None) -> None:
        """Zoom keeping the image point under ``anchor`` (widget coordinates) in place."""
        self._set_scale(self._scale * factor, anchor)

    def pan_by(self, dx: float, dy: float) -> None:
        """Move the image by (dx, dy) widget pixels, in both halves."""
        if self._before is None:
            return
        self._pan_to(
            QPointF(self._center.x() - dx / self._scale, self._center.y() - dy / self._scale)
        )

    def _pan_to(self, center: QPointF) -> None:
        center = self._clamped(center)
        if center != self._center:
            self._fit = False
            self._kept_zoom = False
            self._center = center
            self.update()

    def _clamped(self, center: QPointF) -> QPointF:
        """``center`` kept so that the photo does not leave the view: an axis on which the
        photo is smaller than the view stays centred, a larger one stops at the photo's edge."""
        if self._before is None:
            return center
        rect = self.view_rects()[0][1]
        out = []
        for c, size, room in (
            (center.x(), self._before.width(), rect.width()),
            (center.y(), self._before.height(), rect.height()),
        ):
            half_view = room / 2 / self._scale
            if size <= 2 * half_view:
                out.append(size / 2)
            else:
                out.append(min(size - half_view, max(half_view, c)))
        return QPointF(out[0], out[1])

    def center(self) -> QPointF:
        return QPointF(self._center)

    def _apply_fit(self) -> None:
        if self._before is None:
            return
        rect = self.view_rects()[0][1]
        iw, ih = self._before.width(), self._before.height()
        if iw == 0 or ih == 0 or rect.width() <= 0 or rect.height() <= 0:
            return
        self._scale = min(rect.width() / iw, rect.height() / ih)
        self._center = QPointF(iw / 2, ih / 2)
        self.zoomChanged.emit(self.scale())

    def _set_scale(self, scale: float, anchor: QPointF | None = None) -> None:
        if self._before is None:
            return
        dpr = self.devicePixelRatioF()
        scale = min(MAX_SCALE / dpr, max(MIN_SCALE / dpr, scale))
        if anchor is not None:
            # Keep the image point under the anchor fixed: solve for the new centre.
            side, rect = self._rect_at(anchor)
            inv, _ = self.transform_for(side).inverted()
            p = inv.map(anchor)
            c = rect.center()
            self._center = QPointF(
                p.x() - (anchor.x() - c.x()) / scale, p.y() - (anchor.y() - c.y()) / scale
            )
        self._scale = self._chosen_scale = scale
        self._fit = False
        self._kept_zoom = False
        self._center = self._clamped(self._center)
        self.zoomChanged.emit(self.scale())
        self.update()

    def _rect_at(self, pos: QPointF) -> tuple[str, QRectF]:
        for side, rect in self.view_rects():
            if rect.contains(pos):
                return side, rect
        return self.view_rects()[0]

    # -- events ---------------------------------------------------------------------------
    def resizeEvent(self, event: QResizeEvent) -> None:
        if self._fit:
            self._apply_fit()
        super().resizeEvent(event)

    def _near_handle(self, pos: QPointF) -> bool:
        return (
            self._mode == "split"
            and self._before is not None
            and abs(pos.x() - self.split_x()) <= _HANDLE_GRAB_PX
        )

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        pos = event.position()
        if event.button() == Qt.MouseButton.LeftButton and self._near_handle(pos):
            self._drag = "handle"
            self.set_split(pos.x() / max(1, self.width()))
        elif event.button() in (Qt.MouseButton.LeftButton, Qt.MouseButton.MiddleButton):
            self._drag = "pan"
            self._drag_origin = pos
            self._drag_center = QPointF(self._center)
            self.setCursor(Qt.CursorShape.ClosedHandCursor)
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        pos = event.position()
        if self._drag == "handle":
            self.set_split(pos.x() / max(1, self.width()))
        elif self._drag == "pan" and self._before is not None:
            d = pos - self._drag_origin
            self._pan_to(
                QPointF(
                    self._drag_center.x() - d.x() / self._scale,
                    self._drag_center.y() - d.y() / self._scale,
                )
            )
        elif self._near_handle(pos):
            self.setCursor(Qt.CursorShape.SplitHCursor)
        else:
            self.setCursor(
                Qt.CursorShape.OpenHandCursor if self._before else Qt.CursorShape.ArrowCursor
            )
        event.accept()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._drag = None
        self.unsetCursor()
        event.accept()

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        if self._fit:
            self._set_scale(1.0 / self.devicePixelRatioF(), event.position())
        else:
            self.zoom_fit()

    def wheelEvent(self, event: QWheelEvent) -> None:
        steps = event.angleDelta().y() / 120.0
        if steps:
            self.zoom_by(_WHEEL_STEP**steps, event.position())
        event.accept()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        shift_only = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier in (
            Qt.KeyboardModifier.ShiftModifier,
            Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.ControlModifier,
        )
        big = bool(event.modifiers() & Qt.KeyboardModifier.ControlModifier)
        step = _KEY_STEP_BIG if big else _KEY_STEP
        if key == Qt.Key.Key_Left and shift_only:
            self.set_split(self._split - step)
        elif key == Qt.Key.Key_Right and shift_only:
            self.set_split(self._split + step)
        elif key in (Qt.Key.Key_Space, Qt.Key.Key_B):
            self.toggle_before()
        elif key == Qt.Key.Key_S:
            self.toggle_side_by_side()
        elif key == Qt.Key.Key_A:
            self.set_mode("split" if self._mode == "after" else "after")
        elif key == Qt.Key.Key_F:
            self.zoom_fit()
        elif key == Qt.Key.Key_J:
            self.toggle_clipping_overlay()
        elif key == Qt.Key.Key_1:
            self.zoom_100()
        elif key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.zoom_by(_WHEEL_STEP)
        elif key == Qt.Key.Key_Minus:
            self.zoom_by(1 / _WHEEL_STEP)
        else:
            super().keyPressEvent(event)
            return
        event.accept()

    # -- painting -------------------------------------------------------------------------
    def _pixmap_for(self, which: int, image: QImage) -> tuple[QPixmap | QImage, float]:
        """The image to draw and its extra scale: a smooth pre-scaled copy when zoomed out."""
        dpr = self.devicePixelRatioF()
        target_w = round(self._before.width() * self._scale * dpr) if self._before else 0
        if target_w <= 0 or target_w >= image.width():
            return image, 1.0
        key = (which, target_w, image.cacheKey() & 0x7FFFFFFF)
        pix = self._scaled_cache.get(key)
        if pix is None:
            self._scaled_cache = {k: v for k, v in self._scaled_cache.items() if k[0] != which}
            pix = QPixmap.fromImage(
                image.scaledToWidth(target_w, Qt.TransformationMode.SmoothTransformation)
            )
            pix.setDevicePixelRatio(1.0)
            self._scaled_cache[key] = pix
        return pix, image.width() / pix.width()

    def _draw_image(self, p: QPainter, which: int, image: QImage, clip: QRectF, side: str) -> None:
        if self._before is None:
            return
        p.save()
        p.setClipRect(clip)
        p.setTransform(self.transform_for(side))
        source, extra = self._pixmap_for(which, image)
        # Map the drawn image onto the original's rectangle (the preview may be smaller).
        sx = self._before.width() / image.width() * extra
        sy = self._before.height() / image.height() * extra
        p.scale(sx, sy)
        p.setRenderHint(
            QPainter.RenderHint.SmoothPixmapTransform, self._scale * self.devicePixelRatioF() < 1
        )
        if isinstance(source, QPixmap):
            p.drawPixmap(0, 0, source)
        else:
            p.drawImage(0, 0, source)
        p.restore()
        if which == 1:
            self._draw_final(p, clip, side)

    def _draw_label(self, p: QPainter, text: str, rect: QRectF, right: bool) -> None:
        font = QFont(self.font())
        font.setBold(True)
        p.setFont(font)
        fm = p.fontMetrics()
        w, h = fm.horizontalAdvance(text) + 16, fm.height() + 8
        x = rect.right() - w - 10 if right else rect.left() + 10
        box = QRectF(x, rect.top() + 10, w, h)
        path = QPainterPath()
        path.addRoundedRect(box, 6, 6)
        p.fillPath(path, QColor(0, 0, 0, 150))
        p.setPen(QColor(255, 255, 255))
        p.drawText(box, Qt.AlignmentFlag.AlignCenter, text)

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        # A neutral backdrop a little darker than the window, from the palette (light or dark).
        p.fillRect(self.rect(), self.palette().color(QPalette.ColorRole.Window).darker(135))
        if self._before is None:
            if self._error is not None:
                self._draw_error(p, *self._error)
                return
            p.setPen(self.palette().color(self.foregroundRole()))
            # No photo yet: "Loading…" (the overlay) says more than the placeholder.
            text = self._overlay or self._placeholder
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, text)
            return
        self._report_visible()
        # Final parts before any enhanced image (zoomed in, they come first): over the original.
        after = self._after if self._after is not None or self._final is None else self._before
        full = QRectF(self.rect())
        if self._mode == "side":
            rects = dict(self.view_rects())
            self._draw_image(p, 0, self._before, rects["before"], "before")
            if after is not None:
                self._draw_image(p, 1, after, rects["after"], "after")
                self._draw_clipping(p, rects["after"], "after")
            p.setPen(QPen(self.palette().color(self.backgroundRole()), 2))
            p.drawLine(
                QPointF(rects["after"].left(), 0), QPointF(rects["after"].left(), full.height())
            )
            self._draw_label(p, "Before", rects["before"], right=False)
            self._draw_label(
                p, "After" if after is not None else "After (working…)", rects["after"], right=True
            )
        elif self._mode == "before" or after is None:
            self._draw_image(p, 0, self._before, full, "before")
            self._draw_label(p, "Before", full, right=False)
        elif self._mode == "after":
            self._draw_image(p, 1, after, full, "after")
            self._draw_clipping(p, full, "after")
            self._draw_label(p, "After", full, right=True)
        else:
            x = self.split_x()
            self._draw_image(p, 0, self._before, QRectF(0, 0, x, full.height()), "before")
            right = QRectF(x, 0, full.width() - x, full.height())
            self._draw_image(p, 1, after, right, "after")
            self._draw_clipping(p, right, "after")
            self._draw_handle(p, x, full.height())
            if x > 80:
                self._draw_label(p, "Before", full, right=False)
            if full.width() - x > 80:
                self._draw_label(p, "After", full, right=True)
        if self._overlay:
            self._draw_overlay(p, full)

    def _draw_handle(self, p: QPainter, x: float, h: float) -> None:
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        p.setPen(QPen(QColor(0, 0, 0, 90), 3))
        p.drawLine(QPointF(x, 0), QPointF(x, h))
        p.setPen(QPen(QColor(255, 255, 255, 230), 1.5))
        p.drawLine(QPointF(x, 0), QPointF(x, h))
        grip = QRectF(x - 14, h / 2 - 14, 28, 28)
        p.setBrush(QColor(255, 255, 255, 235))
        p.setPen(QPen(QColor(0, 0, 0, 120), 1))
        p.drawEllipse(grip)
        # Two small arrows say "drag me sideways".
        p.setBrush(QColor(40, 40, 40))
        p.setPen(Qt.PenStyle.NoPen)
        cy = h / 2
        for sign in (-1, 1):
            tip = x + sign * 9
            path = QPainterPath(QPointF(tip, cy))
            path.lineTo(QPointF(x + sign * 3, cy - 5))
            path.lineTo(QPointF(x + sign * 3, cy + 5))
            path.closeSubpath()
            p.drawPath(path)

    def _draw_error(self, p: QPainter, title: str, message: str) -> None:
        """A card in the middle of the view: a red title, then the message, wrapped."""
        width = min(560.0, self.width() - 40.0)
        flags = Qt.AlignmentFlag.AlignHCenter | Qt.TextFlag.TextWordWrap
        title_font = QFont(self.font())
        title_font.setBold(True)
        title_font.setPointSizeF(title_font.pointSizeF() * 1.25)
        p.setFont(title_font)
        title_rect = p.boundingRect(QRectF(0, 0, width, 1000), flags, title)
        p.setFont(self.font())
        text_rect = p.boundingRect(QRectF(0, 0, width, 1000), flags, message)
        height = title_rect.height() + 10 + text_rect.height()
        card = QRectF(
            (self.width() - width) / 2 - 20,
            (self.height() - height) / 2 - 16,
            width + 40,
            height + 32,
        )
        path = QPainterPath()
        path.addRoundedRect(card, 10, 10)
        p.fillPath(path, self.palette().color(QPalette.ColorRole.Base))
        top = card.top() + 16
        p.setFont(title_font)
        p.setPen(ERROR_COLOR)
        p.drawText(QRectF(card.left() + 20, top, width, title_rect.height()), flags, title)
        p.setFont(self.font())
        p.setPen(self.palette().color(QPalette.ColorRole.Text))
        top += title_rect.height() + 10
        p.drawText(QRectF(card.left() + 20, top, width, text_rect.height()), flags, message)

    def _draw_overlay(self, p: QPainter, full: QRectF) -> None:
        fm = p.fontMetrics()
        w, h = fm.horizontalAdvance(self._overlay) + 24, fm.height() + 10
        box = QRectF(full.center().x() - w / 2, full.bottom() - h - 14, w, h)
        path = QPainterPath()
        path.addRoundedRect(box, h / 2, h / 2)
        p.fillPath(path, QColor(0, 0, 0, 160))
        p.setPen(QColor(255, 255, 255))
        p.drawText(box, Qt.AlignmentFlag.AlignCenter, self._overlay)
