"""The thumbnail grid at rest (issue 28): no re-layout loop, names not cut by their highlight."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QApplication

from lowlight_gui.qt.browser import FolderBrowser, cell_height, label_height
from tests.conftest import write_image
from tests.rawfixtures import shared_dir

SHARED = shared_dir()


class Counter(QObject):
    """Counts the grid's resize and layout events."""

    def __init__(self) -> None:
        super().__init__()
        self.events = 0

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.Resize, QEvent.Type.LayoutRequest):
            self.events += 1
        return False


def _spin(seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        QApplication.processEvents()


def _events_at_rest(browser: FolderBrowser, folder: Path, height: int) -> int:
    browser.resize(260, height)
    browser.open_folder(folder)
    browser.cache.wait(20000)
    _spin(0.3)  # thumbnails land, the grid settles
    counter = Counter()
    for widget in (browser.grid, browser.grid.viewport()):
        widget.installEventFilter(counter)
    _spin(0.4)
    for widget in (browser.grid, browser.grid.viewport()):
        widget.removeEventFilter(counter)
    return counter.events


def _four_photos(tmp_path: Path) -> Path:
    folder = tmp_path / "four"
    for i in range(4):
        write_image(folder / f"p{i}.jpg", h=60, w=90, seed=i)
    return folder


def test_four_thumbnails_stay_still_at_every_height(qtbot, tmp_path):
    """Before the fix the scroll bar came and went at heights where two rows nearly fit: the
    bar narrowed the columns, which shortened the rows, which removed the bar..."""
    browser = FolderBrowser()
    qtbot.addWidget(browser)
    browser.show()
    folder = _four_photos(tmp_path)
    moving = [h for h in range(360, 820, 20) if _events_at_rest(browser, folder, h)]
    assert moving == []


@pytest.mark.skipif(SHARED is None, reason="needs ../shared")
def test_the_raw_samples_folder_is_calm(qtbot):
    browser = FolderBrowser()
    qtbot.addWidget(browser)
    browser.show()
    assert _events_at_rest(browser, SHARED / "data" / "raw-samples", 700) == 0
    assert browser.thumb_model.rowCount() == 4


def test_the_name_line_holds_descenders_and_its_highlight(qtbot, tmp_path):
    browser = FolderBrowser()
    qtbot.addWidget(browser)
    browser.resize(300, 600)
    browser.show()
    browser.open_folder(_four_photos(tmp_path))
    grid = browser.grid
    fm = QFontMetrics(grid.font())
    icon = grid.iconSize().height()
    assert grid.gridSize().height() == cell_height(icon, fm)
    assert label_height(fm) >= fm.height() + 4  # the whole line with a margin: "jpg" whole
    grid.setCurrentIndex(browser.thumb_model.index(0))
    _spin(0.2)
    image = grid.viewport().grab().toImage()
    rect = grid.visualRect(browser.thumb_model.index(0))
    # The highlight is drawn inside the cell: the row below the cell's name line is untouched.
    bottom = rect.top() + cell_height(icon, fm)
    highlight = grid.palette().color(grid.palette().ColorRole.Highlight)
    dpr = image.devicePixelRatio()
    for x in range(rect.left() + 2, rect.right() - 2, 3):
        assert image.pixelColor(int(x * dpr), int((bottom + 1) * dpr)) != highlight
