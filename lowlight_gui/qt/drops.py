"""Files and folders dropped on a widget (the whole window: anywhere queues them)."""

from __future__ import annotations

from pathlib import Path
from typing import cast

from PySide6.QtCore import QEvent, QObject, Signal
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QWidget


def local_paths(event: QDropEvent | QDragEnterEvent | QDragMoveEvent) -> list[Path]:
    """The local files and folders a drag carries (remote URLs are left out)."""
    mime = event.mimeData()
    if mime is None or not mime.hasUrls():
        return []
    return [Path(u.toLocalFile()) for u in mime.urls() if u.isLocalFile()]


class PathDrops(QObject):
    """Makes ``widget`` accept drags that carry local paths; ``dropped`` gives them.

    An event filter rather than overridden drag handlers, so the widget class keeps none of it.
    """

    dropped = Signal(list)  # list[Path]

    def __init__(self, widget: QWidget) -> None:
        super().__init__(widget)
        widget.setAcceptDrops(True)
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind not in (QEvent.Type.DragEnter, QEvent.Type.DragMove, QEvent.Type.Drop):
            return False
        # PySide hands the filter the event's own class (QDragEnterEvent, QDropEvent, ...).
        drag = cast(QDropEvent, event)
        paths = local_paths(drag)
        if paths:
            drag.acceptProposedAction()
            if kind == QEvent.Type.Drop:
                self.dropped.emit(paths)
        elif kind != QEvent.Type.DragMove:
            drag.ignore()
        return True
