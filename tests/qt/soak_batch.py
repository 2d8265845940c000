"""A real batch through the real window, in a process of its own (tests/qt/test_qt_soak.py).

    python -m tests.qt.soak_batch PHOTOS OUT MODEL SETTINGS.ini

Starts the app as ``lowlight-gui`` does (create_app, create_window), drops the PHOTOS folder on
the window, presses Start and repaints the whole window every few milliseconds until the batch
ends. Prints one JSON line with what the queue shows. A PySide6 that loses references aborts
this process (``Fatal Python error``), which the calling test sees as a signal exit code.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

DEADLINE_S = 120.0
REPAINT_EVERY_S = 0.005  # often: a fast machine ends the 34 photos in under half a second


def _drop(window: object, folder: Path) -> None:
    """Drag and drop ``folder`` onto the window, as a person does."""
    from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
    from PySide6.QtGui import QDragEnterEvent, QDropEvent
    from PySide6.QtWidgets import QApplication

    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(folder))])
    buttons, mods = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(QPoint(50, 50), Qt.DropAction.CopyAction, mime, buttons, mods)
    QApplication.sendEvent(window, enter)
    drop = QDropEvent(QPointF(50, 50), Qt.DropAction.CopyAction, mime, buttons, mods)
    QApplication.sendEvent(window, drop)


def run(photos: Path, out: Path, model: Path, settings_file: Path) -> dict[str, object]:
    from lowlight_gui.app import create_app, create_window
    from lowlight_gui.qt.settings import Settings

    app = create_app(["lowlight-gui"])
    settings = Settings(settings_file)
    settings.output_dir = out
    settings.tile = 256  # two tiles per photo: more progress signals and repaints
    window = create_window(["lowlight-gui"], settings=settings, model_path=model)
    window.resize(1280, 800)
    _drop(window, photos)
    queued = window.queue_model.rowCount()
    window.queue_panel.start_button.click()
    t0 = time.monotonic()
    repaints = 0
    started = window.batch.is_running()
    while window.batch.is_running() or window.queue_panel.is_running():
        if time.monotonic() - t0 > DEADLINE_S:
            break
        app.processEvents()
        window.grab()  # paints every widget, the queue's delegate included
        repaints += 1
        time.sleep(REPAINT_EVERY_S)
    app.processEvents()
    seconds = time.monotonic() - t0
    items = window.queue_model.items()
    result = {
        "queued": queued,
        "started": started,
        "seconds": round(seconds, 2),
        "repaints": repaints,
        "states": [i.state.value for i in items],
        "status": [i.status_text() for i in items],
        "outputs": [str(i.output) if i.output else "" for i in items],
        "status_bar": window.statusBar().currentMessage(),
    }
    window.close()
    return result


def main(argv: list[str]) -> int:
    photos, out, model, settings_file = (Path(a) for a in argv)
    print(json.dumps(run(photos, out, model, settings_file)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
