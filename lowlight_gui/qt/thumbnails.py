"""Background thumbnail loading with a small LRU cache keyed by path + mtime.

Decoding runs on a QThreadPool (QImage is safe off the GUI thread, QPixmap is not), so a folder of
hundreds of photos never freezes the window. Only thumbnails a view asks for are loaded: the grid's
model requests them from data(), which Qt calls for visible items only.
"""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, QRect, QRunnable, Qt, QThreadPool, Signal, Slot
from PySide6.QtGui import QColor, QImage, QPainter, QPen, QPixmap

from lowlight_gui.core.formats import is_raw_name
from lowlight_gui.qt.qimage import array_to_qimage

ThumbKey = tuple[str, int, int]  # (path, mtime_ns, size in device pixels)
EDITED_ROLE = Qt.ItemDataRole.UserRole + 7  # True: the photo has its own settings (a badge)
BADGE = 14  # the edited badge's diameter, px


def paint_edited_badge(painter: QPainter, picture: QRect) -> None:
    """The "edited" mark: an amber dot on the top-right corner of the thumbnail's picture."""
    badge = QRect(picture.right() - BADGE - 2, picture.top() + 3, BADGE, BADGE)
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QPen(QColor(255, 255, 255), 2))
    painter.setBrush(QColor(255, 170, 30))  # amber: reads on dark and light photos
    painter.drawEllipse(badge)
    painter.drawLine(badge.left() + 4, badge.center().y() + 1, badge.right() - 3,
                     badge.center().y() + 1)  # a slider's stroke: "settings changed"
    painter.restore()


def thumb_key(path: Path, size: int) -> ThumbKey | None:
    try:
        return (str(path), path.stat().st_mtime_ns, size)
    except OSError:
        return None


def load_thumbnail(path: Path, size: int) -> QImage:
    """Decode a small, upright RGB copy of an image file (fast path for JPEG via draft(); a
    camera RAW's from the preview JPEG it embeds, without developing the RAW)."""
    from PIL import Image, ImageOps

    if is_raw_name(path):
        from lowlight_gui.core.raw import raw_thumbnail  # rawpy loads with the first RAW

        return _qimage(raw_thumbnail(path, size))
    _register_heif()
    with Image.open(path) as im:
        # draft() lets the JPEG decoder scale by 1/2..1/8 while decoding: much faster.
        im.draft("RGB", (size * 2, size * 2))
        im = ImageOps.exif_transpose(im)
        im.thumbnail((size, size), Image.Resampling.BILINEAR)
        rgb = im.convert("RGB")
    return _qimage(np.asarray(rgb))


def _qimage(rgb: np.ndarray) -> QImage:
    """uint8 HxWx3 -> a QImage with its own copy of the pixels (it crosses threads)."""
    return array_to_qimage(rgb).copy()


def on_square(image: QImage, size: int) -> QImage:
    """Centre ``image`` on a transparent size x size canvas: every grid cell gets the same
    footprint, so portrait thumbnails never spill over their labels."""
    canvas = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    canvas.fill(0)
    painter = QPainter(canvas)
    painter.drawImage((size - image.width()) // 2, (size - image.height()) // 2, image)
    painter.end()
    return canvas


_heif_registered = False


def _register_heif() -> None:
    global _heif_registered
    if not _heif_registered:
        _heif_registered = True
        try:
            import pillow_heif

            pillow_heif.register_heif_opener()
        except Exception:  # noqa: BLE001, S110 - optional: HEIC thumbnails just fail without it
            pass


class _Signals(QObject):
    done = Signal(object, QImage)  # key, image (null image on failure)


class _ThumbJob(QRunnable):
    def __init__(self, key: ThumbKey, signals: _Signals) -> None:
        super().__init__()
        self.key = key
        self.signals = signals
        self.setAutoDelete(True)

    def run(self) -> None:
        path, _, size = self.key
        try:
            image = on_square(load_thumbnail(Path(path), size), size)
        except Exception:  # noqa: BLE001 - unreadable file: the grid shows a placeholder
            image = QImage()
        self.signals.done.emit(self.key, image)


class ThumbnailCache(QObject):
    """Request thumbnails by path; `ready(path)` fires when one lands in the cache."""

    ready = Signal(str)

    def __init__(
        self, capacity: int = 600, threads: int = 2, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._capacity = capacity
        self._cache: OrderedDict[ThumbKey, QPixmap | None] = OrderedDict()
        self._pending: set[ThumbKey] = set()
        self._pool = QThreadPool(self)
        # Leave a core for the GUI and the enhancement worker.
        self._pool.setMaxThreadCount(max(1, threads))
        self._signals = _Signals()
        self._signals.done.connect(self._on_done)

    def get(self, path: Path, size: int, dpr: float = 1.0) -> QPixmap | None:
        """The cached thumbnail, or None after queueing a load (a null pixmap means failed)."""
        key = thumb_key(path, round(size * dpr))
        if key is None:
            return QPixmap()
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key] or QPixmap()
        if key not in self._pending:
            self._pending.add(key)
            self._pool.start(_ThumbJob(key, self._signals))
        return None

    def cancel_pending(self) -> None:
        """Drop queued (not yet started) loads, e.g. when the user opens another folder."""
        self._pool.clear()
        self._pending.clear()

    def wait(self, msecs: int = 5000) -> bool:
        return self._pool.waitForDone(msecs)

    def __len__(self) -> int:
        return len(self._cache)

    @Slot(object, QImage)
    def _on_done(self, key: ThumbKey, image: QImage) -> None:
        self._pending.discard(key)
        pixmap = QPixmap.fromImage(image) if not image.isNull() else None
        self._cache[key] = pixmap
        self._cache.move_to_end(key)
        while len(self._cache) > self._capacity:
            self._cache.popitem(last=False)
        self.ready.emit(key[0])
