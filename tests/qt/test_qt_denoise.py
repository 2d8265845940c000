"""The Noise reduction slider: range, label, reset and setting; the preview it re-runs (fast pass
while held, then full resolution); off, with the reason, for a model without a base output; the
batch and the queue rows that carry it; saving and batch output at the amount shown."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt

from lowlight_gui.core.settings import SPECS_BY_KEY
from lowlight_gui.core.settings import Settings as PhotoSettings
from lowlight_gui.qt import preview as preview_mod
from lowlight_gui.qt.controls import unavailable_tip
from lowlight_gui.qt.queue import State
from tests.conftest import write_image
from tests.qt.conftest import (
    after_pixels,
    drag_then_release,
    full_shown_and_logged,
    record_engine_ready,
    record_previews,
    save_shown,
)


def test_a_model_without_base_turns_the_slider_off_and_says_why(
    make_window, settings, tiny_model, tmp_path, qtbot
):
    settings.denoise = 0.4
    photo = write_image(tmp_path / "dark.png", h=40, w=56)
    window = make_window(model=tiny_model)
    assert window.controls.denoise.isEnabled()  # nothing known about the model yet
    window.show_image(photo)
    qtbot.waitUntil(lambda: window.save_action.isEnabled(), timeout=30000)
    slider = window.controls.denoise
    assert not slider.isEnabled() and slider.toolTip() == unavailable_tip(SPECS_BY_KEY["denoise"])
    assert "no separate noise reduction" in slider.toolTip()
    assert window.controls.effective_settings().denoise == 1.0 and window.batch_options().settings.denoise == 1.0
    assert settings.denoise == 0.4  # kept for a model that has the control
    generation = window.preview.generation
    window.controls.exposure.setValue(0)  # nothing changed: no re-run for the ignored amount
    qtbot.wait(100)
    assert window.preview.generation == generation and window.save_action.isEnabled()


def test_dragging_reruns_the_fast_pass_then_release_runs_full_resolution(
    make_window, base_model, tmp_path, qtbot, monkeypatch
):
    monkeypatch.setattr(preview_mod, "PREVIEW_LONG_SIDE", 40)
    photo = write_image(tmp_path / "dark.png", h=64, w=96)
    window = make_window(model=base_model)
    log = record_previews(window, "denoise")
    window.show_image(photo)
    qtbot.waitUntil(lambda: full_shown_and_logged(window, log), timeout=30000)
    assert [(s, d) for _g, s, d in log] == [("preview", 1.0), ("full", 1.0)]
    assert window.controls.denoise.isEnabled()
    full = after_pixels(window)
    drag_then_release(qtbot, window, window.controls.denoise, range(95, -1, -5), log, 0.0)
    none = after_pixels(window)
    assert none.shape == full.shape and np.abs(none.astype(int) - full).max() > 5


def test_save_as_and_a_batch_at_50_percent_write_what_the_preview_showed(
    make_window, base_model, settings, tmp_path, qtbot
):
    from lowlight_gui.core.imageio import read_photo

    photo = write_image(tmp_path / "in" / "dark.png", h=50, w=70)
    settings.output_dir = tmp_path / "out"
    window = make_window(model=base_model)
    window.show_image(photo)
    window.controls.denoise.setValue(50)  # the photo's own noise reduction
    qtbot.waitUntil(lambda: window.save_action.isEnabled(), timeout=30000)
    shown = after_pixels(window)

    target = tmp_path / "saved.png"
    saved = save_shown(qtbot, window, target)
    assert np.abs(saved - shown).max() <= 1

    window.queue_model.add_paths([photo])
    assert window.batch_options().settings_for(photo).denoise == 0.5
    assert window.start_batch()
    assert window.queue_model.item(0).settings_text() == "NR 50 %"
    qtbot.waitUntil(lambda: not window.queue_panel.is_running(), timeout=60000)
    item = window.queue_model.item(0)
    assert item.state is State.DONE and item.settings_text() == "NR 50 %"
    assert "Noise reduction: 50 %" in window.queue_model.index(0).data(
        Qt.ItemDataRole.ToolTipRole
    )
    written = np.round(read_photo(item.output).pixels * 255)
    assert np.abs(written - shown).max() <= 1
    window.queue_panel.view.viewport().grab()  # the row paints with its amount


def test_a_batch_on_a_model_without_base_shows_full_noise_removal(
    make_window, settings, photo_dir, tmp_path, qtbot
):
    settings.output_dir = tmp_path / "out"
    window = make_window()  # the tiny model: no base output, not yet known to the window
    for photo in photo_dir.glob("*.jpg"):  # each photo's own amount
        window.edits.store.put(photo, PhotoSettings(denoise=0.5))
    window.queue_model.add_paths([photo_dir])
    options = window.batch_options()
    assert [options.settings_for(p).denoise for p in window.queue_model.paths()] == [0.5] * 3
    events = record_engine_ready(window)
    assert window.start_batch()
    qtbot.waitUntil(lambda: not window.queue_panel.is_running(), timeout=60000)
    assert events and "denoise" in events[0].unsupported
    assert [i.settings_text() for i in window.queue_model.items()] == [""] * 3  # as it ran
    assert not window.controls.denoise.isEnabled()
