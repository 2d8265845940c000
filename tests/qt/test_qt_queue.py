"""Dropping files and folders on the window, and the queue's states and buttons."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from lowlight_gui.qt.queue import QueueModel, State, format_duration
from tests.conftest import write_image


def _drop(widget, paths: list[Path]) -> QDropEvent:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    pos = QPointF(widget.width() / 2, widget.height() / 2)
    enter = QDragEnterEvent(
        pos.toPoint(),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(widget, enter)
    assert enter.isAccepted()
    drop = QDropEvent(
        pos,
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(widget, drop)
    return drop


# PySide6 marks the QPoint constructor deprecated; it is the one Qt 6 documents for drag events.
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_drop_files_and_folder_queues_each_photo_once(make_window, photo_dir, tmp_path):
    window = make_window()
    loose = [write_image(tmp_path / "other" / "a.png"), write_image(tmp_path / "other" / "b.jpg")]
    event = _drop(window, [loose[0], loose[1], photo_dir, loose[0]])
    assert event.isAccepted()
    queued = window.queue_model.paths()
    expected = [*loose, photo_dir / "img1.jpg", photo_dir / "img2.jpg", photo_dir / "img3.jpg"]
    assert queued == expected  # folder expanded to its photos, notes.txt left out, a.png once
    assert all(i.state is State.QUEUED for i in window.queue_model.items())
    # Dropping the same things again adds nothing.
    _drop(window, [photo_dir, loose[1]])
    assert window.queue_model.paths() == expected
    assert window.queue_panel.start_button.isEnabled()
    window.close()


def test_queue_states_retry_and_clear(qtbot, photo_dir, tmp_path):
    model = QueueModel()
    assert model.add_paths([photo_dir]) == 3
    a, b, c = model.paths()
    model.mark_running(a)
    model.set_progress(a, 1, 4)
    assert model.item(0).progress == 0.25
    model.mark_done(a, tmp_path / "a_out.jpg", 1.5)
    model.mark_failed(b, "cannot read 'img2.jpg': the file is empty")
    model.mark_skipped(c, "already exists")
    assert model.item(1).status_text().startswith("Failed: cannot read")
    assert model.retry_failed() == 1
    assert model.item(1).state is State.QUEUED
    assert model.clear_done() == 2  # done and skipped go, the requeued one stays
    assert model.paths() == [b]
    assert model.add_paths([photo_dir]) == 2  # the removed ones can come back


def test_format_duration():
    assert format_duration(42.4) == "42 s"
    assert format_duration(125) == "2 min 05 s"
    assert format_duration(3 * 3600 + 60) == "3 h 01 min"


def test_unfinished_queue_comes_back_after_a_restart(make_window, photo_dir, tmp_path):
    from lowlight_gui.qt.settings import Settings

    path = tmp_path / "restart.ini"
    first = make_window(s=Settings(path))
    extra = write_image(tmp_path / "elsewhere" / "gone.png")
    first.queue_model.add_paths([photo_dir, extra])
    img1, img2, img3, _gone = first.queue_model.paths()
    first.queue_model.mark_done(img1, tmp_path / "out.jpg", 0.1)
    first.queue_model.mark_failed(img2, "cannot read 'img2.jpg': the file is empty")
    first.close()
    extra.unlink()  # deleted while the app was closed: dropped, not queued as a ghost

    second = make_window(s=Settings(path))
    assert second.queue_model.paths() == [img2, img3]
    # The failed photo comes back failed, with its error (issue 28), not as plain "Queued".
    failed, queued = second.queue_model.items()
    assert (failed.state, queued.state) == (State.FAILED, State.QUEUED)
    assert failed.status_text() == "Failed: cannot read 'img2.jpg': the file is empty"
    assert second.statusBar().currentMessage() == (
        "Queued 1 unfinished photo from the last session; 1 that failed is back with the error "
        "(Retry failed to try again); 1 no longer exists."
    )
    assert second.queue_panel.start_button.isEnabled()
    assert second.queue_panel.retry_button.isEnabled()


def test_a_text_file_named_like_a_photo_says_what_it_is(make_window, photo_dir, tmp_path):
    """Issue 28: a note saved as broken.jpg was queued as a photo; now it is failed at once,
    with why, as the CLI reports it."""
    window = make_window()
    broken = tmp_path / "broken.jpg"
    broken.write_text("this is not a photo\n")
    assert window.add_to_queue([broken]) == 1
    item = window.queue_model.item(0)
    assert item.state is State.FAILED
    assert item.message == "cannot read 'broken.jpg': it is a text file, not a photo"
    assert window.statusBar().currentMessage() == (
        "Nothing queued. Cannot read 'broken.jpg': it is a text file, not a photo."
    )
    empty = photo_dir / "empty.jpg"
    empty.write_bytes(b"")
    assert window.add_to_queue([photo_dir]) == 4
    assert window.queue_model.count(State.QUEUED) == 3
    assert window.statusBar().currentMessage() == (
        "Queued 3 photos. Cannot read 'empty.jpg': the file is empty. notes.txt was not "
        "queued: not a photo format Lowlight reads (.txt)."
    )
    # A photo, a cut one or a binary that only the reader can judge, is queued as usual.
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(50))
    assert window.add_to_queue([cut]) == 1 and window.queue_model.count(State.QUEUED) == 4

def test_queue_row_shows_conversion_notes(qtbot, photo_dir, tmp_path):
    from PySide6.QtCore import Qt

    from lowlight_gui.qt.queue import NOTE_COLOR, QueuePanel

    model = QueueModel()
    model.add_paths([photo_dir])
    a = model.paths()[0]
    model.mark_done(a, tmp_path / "img1_enhanced.jpg", 0.3, ["converted from CMYK to RGB"])
    item = model.item(0)
    assert item.notes_text() == "converted from CMYK to RGB"
    assert item.tooltip().endswith("\nNote: converted from CMYK to RGB")
    assert model.index(0).data(Qt.ItemDataRole.ToolTipRole) == item.tooltip()
    panel = QueuePanel(model)
    qtbot.addWidget(panel)
    panel.resize(420, 300)
    image = panel.view.viewport().grab().toImage()
    assert _has_colour_near(image, NOTE_COLOR)  # drawn in its own colour on the status line
    model.mark_running(a)  # a new run starts without the old notes
    assert model.item(0).notes == []


def _has_colour_near(image, colour, tolerance: int = 40) -> bool:
    for y in range(image.height()):
        for x in range(image.width()):
            c = image.pixelColor(x, y)
            if (
                abs(c.red() - colour.red()) + abs(c.green() - colour.green())
                + abs(c.blue() - colour.blue()) < tolerance
            ):
                return True
    return False


def test_open_failures_are_reported(make_window, settings, tmp_path, monkeypatch):
    from PySide6.QtGui import QDesktopServices

    opened: list[str] = []

    def no_file_manager(url):
        opened.append(url.toLocalFile())
        return False

    monkeypatch.setattr(QDesktopServices, "openUrl", no_file_manager)
    out = tmp_path / "exports"
    out.mkdir()
    settings.output_dir = out
    window = make_window()
    window.open_output_action.trigger()
    assert opened == [str(out)]
    (title, text), = window.dialogs.alerts
    assert title == "Cannot open the folder" and str(out) in text
    assert str(out) in window.statusBar().currentMessage()
    # The queue's "Open enhanced photo" / "Show in folder" say so too.
    photo = write_image(out / "a_enhanced.jpg")
    assert not window.queue_panel.open(photo)
    assert window.dialogs.alerts[-1][0] == "Cannot open the file"
    assert str(photo) in window.dialogs.alerts[-1][1]


def test_queue_model_applies_batch_events_without_touching_the_disk_per_tile(
    qtbot, photo_dir, tmp_path, monkeypatch
):
    from lowlight_gui.core.batch import BatchOptions, collect_jobs
    from lowlight_gui.core.events import (
        BatchFinished,
        BatchStarted,
        ImageDone,
        ImageFailed,
        ImageSkipped,
        ImageStarted,
        TileDone,
    )
    from lowlight_gui.qt.queue import QueuePanel

    model = QueueModel()
    panel = QueuePanel(model)
    qtbot.addWidget(panel)
    model.add_paths([photo_dir])
    a, b, c = collect_jobs(model.paths(), BatchOptions(output_dir=tmp_path / "out"))
    resolved: list[Path] = []
    real_resolve = Path.resolve
    monkeypatch.setattr(
        Path, "resolve", lambda self, *args, **kw: resolved.append(self) or real_resolve(self)
    )

    def apply(event):
        model.apply(event)
        panel.apply(event)

    panel.set_running(True)
    apply(BatchStarted(3))
    apply(ImageStarted(0, a))
    for done in range(1, 5):
        apply(TileDone(0, a, done, 4))
        assert model.item(0).progress == done / 4
    assert model.item(0).state is State.RUNNING and resolved == []  # dict lookups only
    apply(ImageDone(0, a, a.output, 1.5, ["converted from CMYK to RGB"]))
    apply(ImageFailed(1, b, "cannot read 'img2.jpg': the file is empty"))
    apply(ImageStarted(2, c))
    assert [i.state for i in model.items()] == [State.DONE, State.FAILED, State.RUNNING]
    assert model.item(0).output == a.output and model.item(0).notes_text().startswith("conv")
    apply(BatchFinished(1, 0, 1, True))  # cancelled: the running photo is queued again
    assert [i.state for i in model.items()] == [State.DONE, State.FAILED, State.QUEUED]
    assert not panel.is_running()
    apply(ImageSkipped(2, c, "already exists"))
    assert model.item(2).state is State.SKIPPED and model.item(2).message == "already exists"
