"""The histogram panel: the photo on show before (grey) and after (colours and a white luma
line), with Lightroom's clipping triangles: the right one lights red when the enhancing clipped
highlights, the left one blue when it crushed shadows; a click on either (or J) paints them on
the photo. The numbers are ``core/histogram.py``'s, from the images the viewer shows."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPainterPath, QPaintEvent, QPen
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from lowlight_gui.core.histogram import Histogram, compute_histogram
from lowlight_gui.qt.viewer import CompareViewer

CLIP_RED = QColor(235, 60, 50)
CRUSH_BLUE = QColor(60, 130, 255)
_TRIANGLE = 9  # side of the clipping triangles, pixels


def qimage_to_array(image: QImage) -> np.ndarray:
    """HxWx3 uint8 pixels of ``image``: the array it wraps when it was made from one (no copy),
    else a copy converted to RGB888."""
    buffer = getattr(image, "_buffer", None)
    if isinstance(buffer, np.ndarray) and buffer.shape[:2] == (image.height(), image.width()):
        return buffer
    rgb = image.convertToFormat(QImage.Format.Format_RGB888)
    h, w, line = rgb.height(), rgb.width(), rgb.bytesPerLine()
    flat = np.frombuffer(rgb.constBits(), np.uint8, count=line * h)
    return flat.reshape(h, line)[:, : w * 3].reshape(h, w, 3).copy()


def _curve(counts: np.ndarray, rect: QRectF, top: float) -> QPainterPath:
    """A closed area under ``counts`` (256 bins) scaled so that ``top`` reaches the top."""
    path = QPainterPath(QPointF(rect.left(), rect.bottom()))
    step = rect.width() / (len(counts) - 1)
    for i, c in enumerate(counts):
        y = rect.bottom() - min(1.0, c / top) * rect.height()
        path.lineTo(QPointF(rect.left() + i * step, y))
    path.lineTo(QPointF(rect.right(), rect.bottom()))
    path.closeSubpath()
    return path


class HistogramView(QWidget):
    """Paints one ``Histogram``; ``triangleClicked`` asks for the clipping overlay."""

    triangleClicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.histogram: Histogram | None = None
        self.overlay_on = False
        self.setMinimumHeight(72)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setFixedHeight(80)
        self.setToolTip(
            "Histogram of the photo on show: grey the original, colours and the white line the "
            "enhanced photo.\nThe triangles light up when enhancing clipped highlights (red) "
            "or crushed shadows (blue); click one, or press J, to see where."
        )

    def set_histogram(self, histogram: Histogram | None) -> None:
        self.histogram = histogram
        self.update()

    def triangles(self) -> tuple[QRectF, QRectF]:
        """(shadows, highlights) triangle boxes, for painting and clicks."""
        s = _TRIANGLE
        return QRectF(3, 3, s, s), QRectF(self.width() - s - 3, 3, s, s)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        pos = event.position()
        if any(r.adjusted(-4, -4, 4, 4).contains(pos) for r in self.triangles()):
            self.triangleClicked.emit()
        event.accept()

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), QColor(28, 28, 30))
        plot = QRectF(self.rect()).adjusted(4, _TRIANGLE + 6, -4, -3)
        h = self.histogram
        if h is not None and h.samples:
            p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            # Bins 0 and 255 gather everything beyond the range: left out of the scale, so a
            # black sky or a blown lamp does not flatten the rest.
            top = float(max(h.luma_before[1:-1].max(), h.rgb_after[:, 1:-1].max(), 1)) * 1.05
            p.fillPath(_curve(h.luma_before, plot, top), QColor(150, 150, 150, 110))
            p.setCompositionMode(QPainter.CompositionMode.CompositionMode_Plus)
            for counts, colour in zip(
                h.rgb_after, ((200, 40, 40), (40, 170, 40), (50, 70, 220)), strict=True
            ):
                p.fillPath(_curve(counts, plot, top), QColor(*colour, 150))
            p.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceOver)
            p.setPen(QPen(QColor(245, 245, 245, 220), 1.2))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawPath(_curve(h.luma_after, plot, top))
        shadows, highlights = self.triangles()
        crushed = h is not None and h.crushed > 0
        clipped = h is not None and h.clipped > 0
        for box, lit, colour, left in (
            (shadows, crushed, CRUSH_BLUE, True),
            (highlights, clipped, CLIP_RED, False),
        ):
            tri = QPainterPath(box.topLeft() if left else box.topRight())
            tri.lineTo(box.topRight() if left else box.topLeft())
            tri.lineTo(box.bottomLeft() if left else box.bottomRight())
            tri.closeSubpath()
            p.setPen(QPen(QColor(colour if lit else QColor(120, 120, 120)), 1))
            fill = QColor(colour) if lit else QColor(0, 0, 0, 0)
            if lit and not self.overlay_on:
                fill.setAlpha(170)
            p.fillPath(tri, fill)
            p.drawPath(tri)


class HistogramPanel(QWidget):
    """The histogram and one line of words under it; follows a CompareViewer."""

    def __init__(self, viewer: CompareViewer, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("histogramPanel")
        self.viewer = viewer
        self.view = HistogramView(self)
        self.view.triangleClicked.connect(self._toggle_overlay)
        self.label = QLabel("")
        self.label.setObjectName("hint")
        self.label.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.view)
        layout.addWidget(self.label)
        # A strength drag re-blends many times a second: one histogram per burst.
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(60)
        self._timer.timeout.connect(self.refresh)
        viewer.imagesChanged.connect(self._timer.start)
        viewer.clippingOverlayChanged.connect(self._on_overlay)
        self.refresh()

    def hasHeightForWidth(self) -> bool:
        """No, as QueuePanel: the side column is laid out by minimum sizes."""
        return False

    def histogram(self) -> Histogram | None:
        return self.view.histogram

    def refresh(self) -> None:
        """Compute the histogram of what the viewer shows now."""
        before, after = self.viewer.before_image(), self.viewer.after_image()
        if before is None or before.isNull():
            self.view.set_histogram(None)
            self.label.setText("No photo on show.")
            return
        b = qimage_to_array(before)
        a = qimage_to_array(after) if after is not None and not after.isNull() else None
        h = compute_histogram(b, a)
        self.view.set_histogram(h)
        self.label.setText(clipping_text(h, enhanced=a is not None))
        self.label.setStyleSheet(f"color: {CLIP_RED.name()};" if h.clipped_percent >= 0.1 else "")

    def _toggle_overlay(self) -> None:
        self.viewer.set_clipping_overlay(not self.viewer.clipping_overlay())

    def _on_overlay(self, on: bool) -> None:
        self.view.overlay_on = on
        self.view.update()


def clipping_text(h: Histogram, *, enhanced: bool) -> str:
    """ "Newly clipped 0.8 % · crushed 0 % (J shows where)": highlights clipped and shadows
    crushed by the enhancing, as a share of the photo."""
    if not enhanced:
        return "The original (enhancing…)."
    if not h.clipped and not h.crushed:
        return "Nothing newly clipped or crushed."

    def pct(value: float) -> str:
        return f"{value:.1f} %" if value >= 0.1 else ("< 0.1 %" if value > 0 else "0 %")

    return (
        f"Newly clipped {pct(h.clipped_percent)} · crushed {pct(h.crushed_percent)} "
        "(J shows where)"
    )
