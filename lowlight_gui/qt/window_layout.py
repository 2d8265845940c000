"""The window's layout rules: its smallest size, the side panels that Tab hides, and where
"Save enhanced as" starts."""

from __future__ import annotations

import contextlib
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QSize, Qt
from PySide6.QtWidgets import QFrame, QScrollArea, QSplitter, QStyle, QWidget

# The smallest window at which nothing overlaps (looked at in a screenshot at this size): the
# controls' column and the browser keep their minimum widths, the photo gets the rest.
MIN_SIZE = (1040, 640)


class _FitPanel(QObject):
    """Keeps the scrolled panel as large as the view, and no smaller than its layout's minimum:
    QScrollArea's own resizing (widgetResizable) keeps it at its size hint, taller than needed,
    which hid the Start button on a 768-pixel-high screen."""

    def __init__(self, area: QScrollArea, panel: QWidget) -> None:
        super().__init__(area)
        self.area, self.panel = area, panel

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.Resize, QEvent.Type.LayoutRequest):
            self.fit()
        return False

    def fit(self) -> None:
        view = self.area.viewport().size()
        least = self.panel.minimumSizeHint()
        size = QSize(view.width(), max(view.height(), least.height()))
        if size != self.panel.size():
            self.panel.resize(size)
        elif self.panel.layout() is not None:  # same size, new minimums: lay out again
            self.panel.layout().setGeometry(self.panel.rect())


def scrolling(panel: QWidget) -> QScrollArea:
    """``panel`` in a vertical scroll area: on a short screen the column scrolls, its controls
    keep their minimum sizes rather than being squeezed over each other."""
    area = QScrollArea(panel.parentWidget())
    area.setObjectName(panel.objectName() + "Scroll")
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    area.setWidget(panel)
    fit = _FitPanel(area, panel)
    area.viewport().installEventFilter(fit)
    panel.installEventFilter(fit)
    bar = area.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent)
    area.setMinimumWidth(panel.minimumSizeHint().width() + bar)
    return area


class SidePanels:
    """Hides the browser and the controls' column so the photo gets the width, and brings them
    back with the splitter sizes they had."""

    def __init__(self, splitter: QSplitter, *panels: QWidget) -> None:
        self.splitter = splitter
        self.panels = panels[:-1]
        self.photo = panels[-1]
        self._sizes: list[int] | None = None

    def hidden(self) -> bool:
        return self._sizes is not None

    def toggle(self) -> None:
        if self._sizes is None:
            self._sizes = self.splitter.sizes()
            for panel in self.panels:
                panel.hide()
        else:
            for panel in self.panels:
                panel.show()
            self.splitter.setSizes(self._sizes)
            self._sizes = None


class SaveFolder:
    """The folder "Save enhanced as" starts in: the chosen output folder, else ``enhanced/``
    beside the photo (the batch's default). That one is made for the dialog to open in, and
    removed again (``done``) unless the photo is saved into it."""

    def __init__(self, output_dir: Path | None, source: Path) -> None:
        self.folder = output_dir or source.parent / "enhanced"
        self.made = False
        if not self.folder.exists():
            try:
                self.folder.mkdir()
                self.made = True
            except OSError:  # a read-only folder: the dialog starts beside the photo
                self.folder = source.parent

    def done(self, target: Path | None) -> None:
        """The dialog closed: ``target`` is where the photo will be saved (None: cancelled)."""
        if self.made and (target is None or target.parent != self.folder):
            with contextlib.suppress(OSError):  # not empty, or gone: leave it
                self.folder.rmdir()
