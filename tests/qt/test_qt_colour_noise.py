"""The Colour noise slider: off by default, range, label, reset and setting; the preview it
re-runs (fast pass while held, then full resolution), the fast pass told how much smaller its
copy is (``downscaled``) so that it shows the full pass's effect; the batch and the queue rows
that carry it; saving and batch output at the amount shown; grey photos."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt

from lowlight_gui.core.settings import Settings as PhotoSettings
from lowlight_gui.qt import preview as preview_mod
from lowlight_gui.qt.queue import State
from tests.conftest import write_image
from tests.qt.conftest import (
    after_pixels,
    drag_then_release,
    full_shown_and_logged,
    record_previews,
    save_shown,
)


def write_blotchy(path: Path, h: int, w: int, seed: int = 0) -> Path:
    """A dark, flat photo with smooth blotches of colour about 16 px wide (what the control is
    for) and no fine noise."""
    from PIL import Image

    rng = np.random.default_rng(seed)
    coarse = rng.normal(0.0, 0.03, (-(-h // 16) + 1, -(-w // 16) + 1, 3)).astype(np.float32)
    chroma = np.stack(
        [
            np.asarray(Image.fromarray(coarse[..., c], mode="F").resize((w, h), Image.BILINEAR))
            for c in range(3)
        ],
        -1,
    )
    chroma -= chroma.mean(2, keepdims=True)  # colour only, no brightness
    rgb = np.clip(0.3 + chroma, 0.0, 1.0)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray((rgb * 255).round().astype(np.uint8)).save(path)
    return path


def record_colour_noise(monkeypatch) -> list[tuple[tuple[int, ...], float, float]]:
    """(input shape, colour_noise applied, downscaled) of every pass the preview worker plans
    (on its thread), which still runs the real pipeline."""
    calls: list[tuple[tuple[int, ...], float, float]] = []
    real = preview_mod.plan

    def recording(data, engine, settings, **kwargs):
        how = real(data, engine, settings, **kwargs)
        applied = 0.0 if "colour_noise" in how.decisions.ignored else settings.colour_noise
        calls.append((data.shape, applied, kwargs.get("downscaled", 1.0)))
        return how

    monkeypatch.setattr(preview_mod, "plan", recording)
    return calls


def test_the_slider_reaches_the_preview_and_the_fast_pass_is_told_its_scale(
    make_window, base_model, tmp_path, qtbot, monkeypatch
):
    monkeypatch.setattr(preview_mod, "PREVIEW_LONG_SIDE", 40)
    calls = record_colour_noise(monkeypatch)
    photo = write_blotchy(tmp_path / "dark.png", h=64, w=96)
    window = make_window(model=base_model)
    log = record_previews(window, "colour_noise")
    window.show_image(photo)
    qtbot.waitUntil(lambda: full_shown_and_logged(window, log), timeout=30000)
    assert [(s, c) for _g, s, c in log] == [("preview", 0.0), ("full", 0.0)]
    calls.sort(key=lambda call: -call[2])  # (the full pass is planned alongside the fast one)
    (fast_shape, fast_amount, fast_scale), (full_shape, full_amount, full_scale) = calls
    assert fast_shape[:2] == (27, 40) and full_shape[:2] == (64, 96)
    assert fast_amount == full_amount == 0.0
    assert fast_scale == 96 / 40 and full_scale == 1.0
    off = after_pixels(window)

    calls.clear()
    log.clear()
    window.controls.colour_noise.setValue(100)  # a click on the groove: a full run at once
    assert not window.save_action.isEnabled()  # what is shown is no longer what it says
    qtbot.waitUntil(lambda: full_shown_and_logged(window, log), timeout=30000)
    assert [(s, c) for _g, s, c in log] == [("preview", 1.0), ("full", 1.0)]
    assert sorted((c, d) for _s, c, d in calls) == [(1.0, 1.0), (1.0, 96 / 40)]
    on = after_pixels(window)
    assert on.shape == off.shape and np.abs(on.astype(int) - off).max() > 2

    log.clear()
    window.controls.colour_noise.setValue(100)  # the same value: nothing to re-run
    qtbot.wait(100)
    assert log == [] and window.save_action.isEnabled()


def test_dragging_reruns_the_fast_pass_then_release_runs_full_resolution(
    make_window, base_model, tmp_path, qtbot, monkeypatch
):
    monkeypatch.setattr(preview_mod, "PREVIEW_LONG_SIDE", 40)
    photo = write_image(tmp_path / "dark.png", h=64, w=96)
    window = make_window(model=base_model)
    log = record_previews(window, "colour_noise")
    window.show_image(photo)
    qtbot.waitUntil(lambda: full_shown_and_logged(window, log), timeout=30000)
    drag_then_release(qtbot, window, window.controls.colour_noise, range(5, 51, 5), log, 0.5)


def test_a_half_size_raw_counts_its_full_size_for_the_fast_pass(qtbot):
    from lowlight_gui.core.engine_cache import EngineCache
    from lowlight_gui.core.imageio import Photo

    worker = preview_mod.PreviewWorker(EngineCache())
    photo = Photo(data=np.zeros((500, 800, 3), np.uint8))
    small = np.zeros((40, 64, 3), np.float32)
    assert worker._scale_of(photo, small) == 800 / 64
    worker._half = True  # a RAW developed at half size: the photo is twice as large
    assert worker._scale_of(photo, small) == 1600 / 64


def test_save_as_and_a_batch_at_40_percent_write_what_the_preview_showed(
    make_window, base_model, settings, tmp_path, qtbot
):
    from lowlight_gui.core.imageio import read_photo

    photo = write_blotchy(tmp_path / "in" / "dark.png", h=50, w=70)
    settings.output_dir = tmp_path / "out"
    window = make_window(model=base_model)
    window.show_image(photo)
    qtbot.waitUntil(lambda: window.save_action.isEnabled(), timeout=30000)
    off = after_pixels(window)
    window.controls.colour_noise.setValue(40)
    assert not window.save_action.isEnabled()  # Save would write the 0 % result: not yet
    qtbot.waitUntil(lambda: window.save_action.isEnabled(), timeout=30000)
    shown = after_pixels(window)
    assert np.abs(shown.astype(int) - off).max() > 2  # the amount is seen

    target = tmp_path / "saved.png"
    saved = save_shown(qtbot, window, target)
    assert np.abs(saved - shown).max() <= 1

    window.queue_model.add_paths([photo])
    assert window.batch_options().settings_for(photo).colour_noise == 0.4  # the photo's own
    assert window.start_batch()
    assert window.queue_model.item(0).settings_text() == "Colour NR 40 %"
    window.controls.colour_noise.setValue(0)  # during the batch: the batch keeps its own value
    qtbot.waitUntil(lambda: not window.queue_panel.is_running(), timeout=60000)
    item = window.queue_model.item(0)
    assert item.state is State.DONE and item.settings_text() == "Colour NR 40 %"
    assert "Colour noise: 40 %" in window.queue_model.index(0).data(
        Qt.ItemDataRole.ToolTipRole
    )
    written = np.round(read_photo(item.output).pixels * 255)
    assert np.abs(written - shown).max() <= 1
    window.queue_panel.view.viewport().grab()  # the row paints with its amount


def test_a_grey_photo_is_shown_and_saved_without_colour_work(
    make_window, base_model, settings, tmp_path, qtbot, monkeypatch
):
    from PIL import Image

    calls = record_colour_noise(monkeypatch)
    path = tmp_path / "grey.png"
    Image.fromarray(np.linspace(0, 90, 40 * 56).reshape(40, 56).astype(np.uint8)).save(path)
    window = make_window(model=base_model)
    window.edits.store.put(path, PhotoSettings(colour_noise=0.6))  # the photo's own amount
    log = record_previews(window, "colour_noise")
    window.show_image(path)
    qtbot.waitUntil(lambda: full_shown_and_logged(window, log), timeout=30000)
    assert [c for _shape, c, _d in calls] == [0.0]  # no colour to correct: not applied
    assert log[-1][1:] == ("full", 0.6)  # what was asked: the slider agrees, Save is on
    assert window.save_action.isEnabled()


def test_a_batch_carries_each_photos_own_amount(
    make_window, settings, photo_dir, tmp_path, qtbot
):
    settings.output_dir = tmp_path / "out"
    window = make_window()  # the tiny model: every model takes colour noise
    first = photo_dir / "img1.jpg"
    window.show_image(first)
    window.controls.colour_noise.setValue(30)
    window.show_image(photo_dir / "img2.jpg")
    assert window.controls.colour_noise_value() == 0.0  # another photo: its own (the default)
    window.queue_model.add_paths([photo_dir])
    options = window.batch_options()
    assert [options.settings_for(p).colour_noise for p in window.queue_model.paths()] == [
        0.3, 0.0, 0.0
    ]
    assert window.start_batch()
    qtbot.waitUntil(lambda: not window.queue_panel.is_running(), timeout=60000)
    items = window.queue_model.items()
    assert [i.state for i in items] == [State.DONE] * 3
    assert [i.settings_text() for i in items] == ["Colour NR 30 %", "", ""]
    assert window.controls.colour_noise.isEnabled()  # no model turns it off
