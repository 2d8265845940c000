"""The Shadows control (Auto, or a lift of 0..2 stops): label, reset to Auto and setting; the
preview it re-runs (fast pass while held, then full resolution) and Auto's choice shown for the
photo on show; off, with the reason, for a model without a lift input; the batch and the queue
rows that carry it; saving and batch output at the lift shown."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt

from lowlight_gui.core.engine import Engine
from lowlight_gui.core.enhance import conditioning, stops_for_lift
from lowlight_gui.core.imageio import read_photo
from lowlight_gui.core.settings import SPECS_BY_KEY
from lowlight_gui.core.settings import Settings as PhotoSettings
from lowlight_gui.qt import preview as preview_mod
from lowlight_gui.qt.controls import unavailable_tip
from lowlight_gui.qt.queue import State
from tests.qt.conftest import (
    after_pixels,
    drag_then_release,
    full_shown_and_logged,
    record_engine_ready,
    record_previews,
    save_shown,
)


def night_photo(path: Path, h: int = 48, w: int = 64) -> Path:
    """A dark photo (0.1, two shades) with a lamp at full scale on 3 % of it: Auto lifts it."""
    from PIL import Image

    img = np.full((h, w, 3), 0.1, np.float32)
    img[:, : w // 3] *= 0.6
    img[: h // 8, : w // 4] = 0.97
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray((img * 255).round().astype(np.uint8)).save(path)
    return path


def auto_stops(model: Path, photo: Path) -> float:
    """The lift Auto chooses for ``photo``, in stops, as the core computes it."""
    return stops_for_lift(conditioning(read_photo(photo).pixels, Engine(model, "CPU")).lift)


def test_a_model_without_lift_turns_the_control_off_and_says_why(
    make_window, settings, head_model, tmp_path, qtbot
):
    photo = night_photo(tmp_path / "night.png")
    window = make_window(model=head_model)
    window.edits.store.put(photo, PhotoSettings(shadows=1.0))  # the photo's own lift
    window.show_image(photo)
    assert window.controls.shadows.isEnabled()  # nothing known about the model yet
    qtbot.waitUntil(lambda: window.save_action.isEnabled(), timeout=30000)
    c = window.controls
    assert not c.shadows.isEnabled() and not c.shadows_auto.isEnabled()
    assert c.shadows.toolTip() == unavailable_tip(SPECS_BY_KEY["shadows"]) == c.shadows_auto.toolTip()
    assert "no shadow lift" in unavailable_tip(SPECS_BY_KEY["shadows"])
    assert c.shadows_value() is None and c.effective_settings().shadows is None
    assert window.edits.settings_for(photo).shadows == 1.0  # kept for another model
    generation = window.preview.generation
    c.exposure.setValue(0)  # nothing changed: no re-run for the ignored lift
    qtbot.wait(100)
    assert window.preview.generation == generation and window.save_action.isEnabled()


def test_auto_shows_the_lift_it_chose_for_the_photo(make_window, lift_model, tmp_path, qtbot):
    photo = night_photo(tmp_path / "night.png")
    expected = auto_stops(lift_model, photo)
    assert 1.0 < expected < 2.0
    window = make_window(model=lift_model)
    log = record_previews(window, "shadows")
    window.show_image(photo)
    qtbot.waitUntil(lambda: full_shown_and_logged(window, log), timeout=30000)
    c = window.controls
    assert [(s, v) for _g, s, v in log] == [("full", None)]  # Auto asked
    assert c.shadows_auto.isEnabled() and not c.shadows.isEnabled()
    assert c.shadows_label.text() == f"{round(expected, 2):g} stops"
    assert c.shadows.value() == round(expected * 10)


def test_dragging_reruns_the_fast_pass_then_release_runs_full_resolution(
    make_window, lift_model, tmp_path, qtbot, monkeypatch
):
    monkeypatch.setattr(preview_mod, "PREVIEW_LONG_SIDE", 40)
    photo = night_photo(tmp_path / "night.png", h=64, w=96)
    window = make_window(model=lift_model)
    log = record_previews(window, "shadows")
    window.show_image(photo)
    qtbot.waitUntil(lambda: window.save_action.isEnabled(), timeout=30000)
    lifted = after_pixels(window)
    window.controls.shadows_auto.setChecked(False)  # from Auto's choice: about the same photo
    qtbot.waitUntil(lambda: log[-1][1:] == ("full", window.controls.shadows_value()),
                    timeout=30000)
    qtbot.waitUntil(lambda: window.save_action.isEnabled(), timeout=30000)
    assert np.abs(after_pixels(window).astype(int) - lifted).max() <= 3
    slider = window.controls.shadows
    drag_then_release(qtbot, window, slider, range(slider.value() - 1, -1, -1), log, 0.0)
    flat = after_pixels(window)
    assert flat.shape == lifted.shape and (flat.astype(int) - lifted).mean() < -20


def test_save_as_and_a_batch_at_a_set_lift_write_what_the_preview_showed(
    make_window, lift_model, settings, tmp_path, qtbot
):
    photo = night_photo(tmp_path / "in" / "night.png")
    settings.output_dir = tmp_path / "out"
    window = make_window(model=lift_model)
    window.show_image(photo)
    window.controls.set_shadows(2.0)  # the photo's own lift
    qtbot.waitUntil(lambda: window.save_action.isEnabled(), timeout=30000)
    shown = after_pixels(window)

    target = tmp_path / "saved.png"
    saved = save_shown(qtbot, window, target)
    assert np.abs(saved - shown).max() <= 1

    events = record_engine_ready(window)
    window.queue_model.add_paths([photo])
    assert window.batch_options().settings_for(photo).shadows == 2.0
    assert window.start_batch()
    assert window.queue_model.item(0).settings_text() == "Shadows 2 stops"
    qtbot.waitUntil(lambda: not window.queue_panel.is_running(), timeout=60000)
    item = window.queue_model.item(0)
    assert events and "shadows" not in events[0].unsupported
    assert item.state is State.DONE and item.settings_text() == "Shadows 2 stops"
    assert "Shadows: 2 stops" in window.queue_model.index(0).data(
        Qt.ItemDataRole.ToolTipRole
    )
    written = np.round(read_photo(item.output).pixels * 255)
    assert np.abs(written - shown).max() <= 1
    window.queue_panel.view.viewport().grab()  # the row paints with its lift


def test_a_batch_on_auto_lifts_each_photo_as_the_preview_did(
    make_window, lift_model, settings, tmp_path, qtbot
):
    photo = night_photo(tmp_path / "in" / "night.png")
    settings.output_dir = tmp_path / "out"
    window = make_window(model=lift_model)
    window.show_image(photo)
    qtbot.waitUntil(lambda: window.save_action.isEnabled(), timeout=30000)
    shown = after_pixels(window)
    window.queue_model.add_paths([photo])
    assert window.batch_options().settings_for(photo).shadows is None
    assert window.start_batch()
    qtbot.waitUntil(lambda: not window.queue_panel.is_running(), timeout=60000)
    item = window.queue_model.item(0)
    assert item.state is State.DONE and item.settings_text() == ""  # Auto: nothing to say
    written = np.round(read_photo(item.output).pixels * 255)
    assert np.abs(written - shown).max() <= 1


def test_a_batch_on_a_model_without_lift_shows_no_lift(
    make_window, settings, photo_dir, tmp_path, qtbot
):
    settings.output_dir = tmp_path / "out"
    window = make_window()  # the tiny model: no lift input, not yet known to the window
    for photo in photo_dir.glob("*.jpg"):  # each photo's own lift
        window.edits.store.put(photo, PhotoSettings(shadows=1.0))
    window.queue_model.add_paths([photo_dir])
    options = window.batch_options()
    assert [options.settings_for(p).shadows for p in window.queue_model.paths()] == [1.0] * 3
    events = record_engine_ready(window)
    assert window.start_batch()
    qtbot.waitUntil(lambda: not window.queue_panel.is_running(), timeout=60000)
    assert events and "shadows" in events[0].unsupported
    assert [i.settings_text() for i in window.queue_model.items()] == [""] * 3  # as it ran
    assert not window.controls.shadows.isEnabled()
    assert not window.controls.shadows_auto.isEnabled()


def test_the_night_sky_slider_lifts_the_sky_again_and_leaves_the_ground(
    make_window, lift_model, tmp_path, qtbot
):
    """A night street (a flat dark sky over a textured, lamp-lit ground): Auto lifts it and keeps
    the sky at its own exposure; Night sky at 0 % lifts the sky with the rest, the ground as it
    was, and the info panel says which."""
    from PIL import Image

    from lowlight_gui.qt.info_panel import decisions_rows
    from tests.core.test_night_sky import SKY_ROWS, street

    path = tmp_path / "street.png"
    Image.fromarray((street(sky=(0.05, 0.05, 0.08)) * 255).round().astype(np.uint8)).save(path)
    window = make_window(model=lift_model)
    results = []
    window.preview.worker.events.connect(
        lambda r: results.append(r) if getattr(r, "stage", None) == "full" else None
    )
    window.show_image(path)
    qtbot.waitUntil(lambda: window.save_action.isEnabled() and bool(results), timeout=30000)
    kept = after_pixels(window).astype(int)
    assert "kept dark" in dict(decisions_rows(results[-1]))["Night sky"]
    count = len(results)
    window.controls.set_value("night_sky", 0.0)
    qtbot.waitUntil(lambda: len(results) > count and window.save_action.isEnabled(),
                    timeout=30000)
    lifted = after_pixels(window).astype(int)
    sky, ground = np.s_[5:70, :100], np.s_[SKY_ROWS + 30 :]
    assert (lifted[sky] - kept[sky]).mean() > 10  # the sky comes up with the rest
    assert np.abs(lifted[ground] - kept[ground]).max() <= 1
    assert dict(decisions_rows(results[-1]))["Night sky"] == "lifted with the rest (set to 0 %)"
