"""The batch worker through the window: a full run, cancelling, and closing mid-batch."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from lowlight_gui.core.engine import Engine
from lowlight_gui.core.events import (
    BatchFinished,
    BatchStarted,
    EngineReady,
    ImageDone,
    ImageStarted,
    PreviewProgress,
    TileDone,
)
from lowlight_gui.qt.queue import State
from tests.conftest import write_image


def _record(worker) -> list[object]:
    """The worker's events (core/events.py), as emitted."""
    log: list[object] = []
    worker.events.connect(log.append)
    return log


def _started(log: list[object]) -> bool:
    return any(isinstance(e, ImageStarted) for e in log)


def _wait_finished(qtbot, window, log: list[object]) -> None:
    """The worker's events reach the recorder directly (worker thread) and the window through
    the event loop: wait for both."""
    qtbot.waitUntil(
        lambda: bool(log)
        and isinstance(log[-1], BatchFinished)
        and not window.queue_panel.is_running(),
        timeout=60000,
    )


def _files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def test_batch_runs_to_completion_in_order(make_window, settings, photo_dir, tmp_path, qtbot,
                                           tiny_model):
    out = tmp_path / "out"
    settings.output_dir = out
    settings.tile = 256
    window = make_window()
    window.queue_model.add_paths([photo_dir])
    log = _record(window.batch.worker)
    assert window.start_batch()
    _wait_finished(qtbot, window, log)
    assert not window.batch.is_running()

    # then the batch's own; the provider is whatever "auto" starts on this machine
    assert isinstance(log[0], EngineReady) and log[0].provider == Engine(tiny_model).active_provider
    assert log[1] == BatchStarted(3)
    assert log[-1] == BatchFinished(3, 0, 0, False)
    for index in range(3):
        mine = [type(e) for e in log if getattr(e, "index", None) == index]
        assert mine[0] is ImageStarted and mine[-1] is ImageDone
        assert set(mine[1:-1]) == {TileDone} and len(mine) >= 3
    assert _files(out) == ["img1_enhanced.jpg", "img2_enhanced.jpg", "img3_enhanced.jpg"]
    assert [i.state for i in window.queue_model.items()] == [State.DONE] * 3
    assert all(i.output and i.output.exists() for i in window.queue_model.items())
    assert "3 / 3" in window.queue_panel.bar.format()

    # A second run skips what exists (overwrite policy "skip").
    window.queue_model.add_paths([write_image(photo_dir / "img4.jpg", seed=9)])
    window.queue_model.items()[0].state = State.QUEUED
    log.clear()
    assert window.start_batch()
    _wait_finished(qtbot, window, log)
    assert window.queue_model.item(0).state is State.SKIPPED
    assert window.queue_model.item(3).state is State.DONE


def test_failed_item_shows_message(make_window, settings, tmp_path, qtbot):
    bad = tmp_path / "in" / "broken.jpg"
    bad.parent.mkdir()
    bad.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(200))  # a JPEG cut short
    settings.output_dir = tmp_path / "out"
    window = make_window()
    window.queue_model.add_paths([bad])
    log = _record(window.batch.worker)
    window.start_batch()
    _wait_finished(qtbot, window, log)
    item = window.queue_model.item(0)
    assert item.state is State.FAILED and "broken.jpg" in item.message
    assert "broken.jpg" in window.statusBar().currentMessage()
    assert window.queue_panel.retry_button.isEnabled()


@pytest.fixture
def big_photos(tmp_path) -> Path:
    folder = tmp_path / "big"
    for i in range(3):
        write_image(folder / f"p{i}.png", h=192, w=192, seed=i)
    return folder


def test_cancel_mid_batch_leaves_no_partial_output(
    make_window, settings, slow_model, big_photos, tmp_path, qtbot
):
    out = tmp_path / "out"
    settings.output_dir = out
    settings.tile = 256
    window = make_window(model=slow_model)
    window.queue_model.add_paths([big_photos])
    log = _record(window.batch.worker)
    window.start_batch()
    qtbot.waitUntil(lambda: _started(log), timeout=60000)
    window.queue_panel.cancel_button.click()
    _wait_finished(qtbot, window, log)
    finished = log[-1]
    assert finished.cancelled
    done = finished.done
    assert done < 3
    written = _files(out)
    assert len(written) == done  # no partial file, no temp file
    assert all(n.endswith("_enhanced.png") for n in written)
    # The interrupted photo is queued again; Start is offered again.
    assert window.queue_model.count(State.RUNNING) == 0
    assert window.queue_model.count(State.QUEUED) == 3 - done
    assert window.queue_panel.start_button.isEnabled()


def test_close_window_mid_batch_stops_cleanly(
    make_window, settings, slow_model, big_photos, tmp_path, qtbot
):
    out = tmp_path / "out"
    settings.output_dir = out
    window = make_window(model=slow_model)
    window.queue_model.add_paths([big_photos])
    log = _record(window.batch.worker)
    window.start_batch()
    qtbot.waitUntil(lambda: _started(log), timeout=60000)
    window.close()
    assert not window.batch.thread.isRunning()
    assert not window.preview.thread.isRunning()
    assert all(n.endswith("_enhanced.png") for n in _files(out))
    assert len(_files(out)) < 3


def test_conversion_notes_reach_the_queue(make_window, settings, tmp_path, qtbot):
    from PIL import Image

    folder = tmp_path / "in"
    write_image(folder / "plain.jpg")
    Image.new("CMYK", (64, 48), (200, 120, 40, 30)).save(folder / "print.jpg")
    settings.output_dir = tmp_path / "out"
    window = make_window()
    window.queue_model.add_paths([folder])
    log = _record(window.batch.worker)
    assert window.start_batch()
    _wait_finished(qtbot, window, log)
    done = {e.job.source: e.notes for e in log if isinstance(e, ImageDone)}  # source -> notes
    assert done[folder / "plain.jpg"] == []
    assert any("CMYK" in n for n in done[folder / "print.jpg"])
    plain, cmyk = window.queue_model.items()
    assert plain.notes == [] and cmyk.state is State.DONE and "CMYK" in cmyk.notes_text()
    tip = window.queue_model.index(1).data(Qt.ItemDataRole.ToolTipRole)
    assert "Note: converted from CMYK" in tip
    window.queue_panel.view.viewport().grab()  # the row paints its note


def test_start_refuses_an_impossible_output_before_any_work(
    make_window, settings, photo_dir, tmp_path, qtbot
):
    blocker = tmp_path / "taken"
    blocker.write_text("a file where the output folder should be")
    settings.output_dir = blocker
    window = make_window()
    window.queue_model.add_paths([photo_dir])
    log = _record(window.batch.worker)
    window.queue_panel.start_button.click()
    assert not window.batch.is_running() and not window.queue_panel.is_running()
    (title, text), = window.dialogs.alerts
    assert title == "Cannot start the batch"
    assert text == f"The output folder '{blocker}' is a file, not a folder."
    assert "is a file" in window.statusBar().currentMessage()
    qtbot.wait(100)
    assert log == []  # the worker never ran
    assert [i.state for i in window.queue_model.items()] == [State.QUEUED] * 3
    assert window.queue_panel.start_button.isEnabled()


def test_quitting_mid_batch_asks_first(
    make_window, settings, slow_model, big_photos, tmp_path, qtbot
):
    settings.output_dir = tmp_path / "out"
    window = make_window(model=slow_model)
    window.show()
    window.queue_model.add_paths([big_photos])
    log = _record(window.batch.worker)
    window.start_batch()
    qtbot.waitUntil(lambda: _started(log), timeout=60000)
    window.dialogs.answer = False  # "Keep enhancing"
    window.quit_action.trigger()
    (title, text), = window.dialogs.questions
    assert title == "Quit while enhancing?" and text.startswith("3 photos are not enhanced yet")
    assert window.isVisible() and window.batch.is_running()
    window.dialogs.answer = True  # "Quit"
    window.close()
    assert len(window.dialogs.questions) == 2 and not window.isVisible()
    assert not window.batch.thread.isRunning()
    # What was not finished is queued again at the next start.
    written = {n.replace("_enhanced", "") for n in _files(tmp_path / "out")}
    unfinished = {p.name for p in settings.unfinished_queue}
    assert unfinished >= {f"p{i}.png" for i in range(3)} - written and len(written) < 3


def test_preview_and_batch_share_one_engine_and_cancel_apart(
    make_window, settings, slow_model, tmp_path, qtbot
):
    """One ONNX Runtime session serves both workers; cancelling the preview (a new photo while
    the first is mid-run) leaves the batch running to the end, and cancelling the batch leaves
    the preview to finish."""
    settings.output_dir = tmp_path / "out"
    settings.tile = 256
    window = make_window(model=slow_model)
    window.queue_model.add_paths([write_image(tmp_path / "in" / f"p{i}.png", h=128, w=128)
                                  for i in range(2)])
    log = _record(window.batch.worker)
    progress: list[PreviewProgress] = []
    window.preview.worker.events.connect(
        lambda e: progress.append(e) if isinstance(e, PreviewProgress) else None
    )
    big = write_image(tmp_path / "view" / "big.png", h=384, w=384, seed=4)
    window.show_image(big)
    first = window.preview.generation
    assert window.start_batch()
    qtbot.waitUntil(lambda: bool(progress) and _started(log), timeout=60000)
    engine = window.engines.current()
    window.show_image(write_image(tmp_path / "view" / "small.png", h=40, w=40, seed=5))
    _wait_finished(qtbot, window, log)
    assert log[-1] == BatchFinished(2, 0, 0, False)  # not cancelled with the preview
    assert [i.state for i in window.queue_model.items()] == [State.DONE] * 2
    assert window.engines.current() is engine  # one engine all along
    first_tiles = [p for p in progress if p.generation == first]
    assert first_tiles[-1].done < first_tiles[-1].total  # the first preview stopped
    qtbot.waitUntil(lambda: window.save_action.isEnabled(), timeout=60000)

    # The other way round: cancelling the batch leaves a preview in flight to finish.
    window.queue_model.add_paths([write_image(tmp_path / "more" / "m.png", h=512, w=512)])
    log.clear()
    progress.clear()
    window.show_image(big)
    assert window.start_batch()
    qtbot.waitUntil(lambda: bool(progress) and _started(log), timeout=60000)
    window.cancel_batch()
    _wait_finished(qtbot, window, log)
    assert log[-1].cancelled
    qtbot.waitUntil(lambda: window.save_action.isEnabled(), timeout=60000)
    assert window.viewer.after_image().width() == 384
    assert window.engines.current() is engine
