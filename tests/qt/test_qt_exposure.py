"""The Exposure slider: its range, label and reset; the preview it re-runs (fast pass while held,
then full resolution); the batch and the queue rows that carry it; saving at the shown exposure."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt

from lowlight_gui.core.events import PreviewSaved
from lowlight_gui.qt import preview as preview_mod
from lowlight_gui.qt.controls import ControlsPanel, format_ev
from lowlight_gui.qt.queue import State
from tests.conftest import write_image
from tests.qt.conftest import full_shown_and_logged, record_previews


def _saved(event) -> bool:
    return isinstance(event, PreviewSaved)


def _mean_after(window) -> float:
    image = window.viewer.after_image()
    image = image.convertToFormat(image.Format.Format_RGB888)
    arr = np.frombuffer(image.constBits(), np.uint8, image.sizeInBytes())
    return float(arr.mean())


def test_format_ev():
    assert format_ev(0.7) == "+0.7 EV"
    assert format_ev(-1.3) == "−1.3 EV"
    assert format_ev(0) == format_ev(-0.0) == format_ev(0.04) == "0.0 EV"
    assert format_ev(2) == "+2.0 EV"


def test_slider_range_label_reset_and_setting(qtbot, settings):
    panel = ControlsPanel(settings)
    qtbot.addWidget(panel)
    slider = panel.exposure
    assert (slider.minimum(), slider.maximum(), slider.singleStep()) == (-20, 20, 1)
    assert panel.exposure_value() == 0.0 and panel.exposure_label.text() == "0.0 EV"
    assert "model's own" in slider.toolTip() and "denoised" in slider.toolTip()
    assert not panel.exposure_reset.isEnabled()  # nothing to reset at 0

    with qtbot.waitSignal(panel.edited) as blocker:
        slider.setValue(7)
    assert blocker.args == ["exposure", False]  # a click, not a drag: no gesture goes on
    assert panel.exposure_label.text() == "+0.7 EV" and panel.settings().exposure == 0.7
    assert panel.exposure_reset.isEnabled()
    panel.exposure_reset.click()
    assert panel.exposure_value() == 0.0 and panel.settings().exposure == 0.0

    slider.setValue(-13)
    assert panel.exposure_label.text() == "−1.3 EV" and panel.settings().exposure == -1.3
    panel.show()
    qtbot.waitExposed(panel)
    qtbot.mouseDClick(slider, Qt.MouseButton.LeftButton)
    assert slider.value() == 0 and not slider.isSliderDown()

    panel.set_value("exposure", 2.0)
    assert panel.exposure_value() == 2.0 and panel.exposure_label.text() == "+2.0 EV"
    panel.set_enhancement_enabled(False)
    assert not slider.isEnabled() and not panel.exposure_reset.isEnabled()
    panel.set_enhancement_enabled(True)
    assert slider.isEnabled() and panel.exposure_reset.isEnabled()


def test_dragging_reruns_the_fast_pass_then_release_runs_full_resolution(
    make_window, gain_model, tmp_path, qtbot, monkeypatch
):
    monkeypatch.setattr(preview_mod, "PREVIEW_LONG_SIDE", 40)  # a fast pass on a small photo
    photo = write_image(tmp_path / "dark.png", h=64, w=96)
    window = make_window(model=gain_model)
    log = record_previews(window, "exposure")
    window.show_image(photo)
    qtbot.waitUntil(lambda: full_shown_and_logged(window, log), timeout=30000)
    assert [(s, e) for _g, s, e in log] == [("preview", 0.0), ("full", 0.0)]
    at_zero = _mean_after(window)
    log.clear()

    slider = window.controls.exposure
    slider.setSliderDown(True)
    for value in range(1, 11):  # one drag movement: its ticks make one request, not ten
        slider.setValue(value)
    assert not window.save_action.isEnabled()  # the slider no longer says what is shown
    generation = window.preview.generation
    qtbot.waitUntil(lambda: any(e == 1.0 for _g, _s, e in log), timeout=30000)
    assert window.preview.generation == generation + 1
    qtbot.wait(100)
    assert log == [(generation + 1, "preview", 1.0)]  # the fast pass only, while held
    assert not window.save_action.isEnabled()  # the full result is for another exposure
    assert window.viewer.after_image().width() == 40
    assert _mean_after(window) > at_zero + 5  # +1 EV: brighter, before the network

    slider.setSliderDown(False)  # released: the fast pass, then full resolution, as for a photo
    qtbot.waitUntil(lambda: full_shown_and_logged(window, log), timeout=30000)
    assert log[1:] == [(generation + 2, "preview", 1.0), (generation + 2, "full", 1.0)]
    assert window.viewer.after_image().width() == 96
    assert window.viewer.before_image().width() == 96  # the original was not re-sent
    assert _mean_after(window) > at_zero + 5

    # Pressing and releasing without moving changes nothing: no new run.
    slider.setSliderDown(True)
    slider.setSliderDown(False)
    qtbot.wait(100)
    assert window.preview.generation == generation + 2


def test_a_new_value_waits_for_the_fast_pass_in_flight(
    make_window, slow_model, settings, tmp_path, qtbot, monkeypatch
):
    """While the slider is held, a fast pass in flight is not cancelled by the next value (so a
    steady drag still shows results); the latest value runs after it, once."""
    import threading

    monkeypatch.setattr(preview_mod, "PREVIEW_LONG_SIDE", 256)
    photo = write_image(tmp_path / "a.png", h=512, w=512)
    # The fast pass at +0.5 EV is held in flight until the later values have been set, so the
    # test does not depend on how fast this machine runs it.
    in_flight, release = threading.Event(), threading.Event()
    real = preview_mod.develop

    def gated(data, engine, plan, **kwargs):
        if plan.settings.exposure == 0.5:
            in_flight.set()
            release.wait(30)
        return real(data, engine, plan, **kwargs)

    monkeypatch.setattr(preview_mod, "develop", gated)
    window = make_window(model=slow_model)
    log = record_previews(window, "exposure")
    window.show_image(photo)
    # the recorder may log the first full pass a moment after the window shows it: cleared
    # before that, the log would start with it (the likely cause of this test's rare failures)
    qtbot.waitUntil(lambda: full_shown_and_logged(window, log), timeout=60000)
    log.clear()
    slider = window.controls.exposure
    slider.setSliderDown(True)
    slider.setValue(5)
    first = window.preview.generation + 1
    qtbot.waitUntil(lambda: window.preview.generation == first, timeout=5000)
    qtbot.waitUntil(in_flight.is_set, timeout=10000)
    for value in (6, 7, 8):
        slider.setValue(value)
        qtbot.wait(60)  # past the throttle: each would be a request of its own
    release.set()
    qtbot.waitUntil(lambda: any(e == 0.8 for _g, _s, e in log), timeout=60000)
    assert (first, "preview", 0.5) in log  # finished, not cancelled
    assert [e for _g, _s, e in log] == [0.5, 0.8]  # 0.6 and 0.7 were passed over
    assert all(s == "preview" for _g, s, _e in log)
    slider.setSliderDown(False)
    qtbot.waitUntil(lambda: full_shown_and_logged(window, log), timeout=60000)
    assert log[-1][1:] == ("full", 0.8)


def test_save_as_uses_the_exposure_shown(make_window, gain_model, tmp_path, qtbot):
    from lowlight_gui.core.engine import Engine
    from lowlight_gui.core.enhance import enhance_array
    from lowlight_gui.core.imageio import read_photo

    photo = write_image(tmp_path / "dark.png", h=50, w=70)
    window = make_window(model=gain_model)
    window.show_image(photo)
    qtbot.waitUntil(lambda: window.save_action.isEnabled(), timeout=30000)
    window.controls.exposure.setValue(-10)  # a click on the groove: no drag, full run at once
    assert not window.save_action.isEnabled()
    qtbot.waitUntil(lambda: window.save_action.isEnabled(), timeout=30000)
    target = tmp_path / "saved.png"
    with qtbot.waitSignal(window.preview.worker.events, timeout=30000, check_params_cb=_saved):
        window.preview.save(1.0, target, "", 95)

    engine = Engine(gain_model, provider="CPU", threads=1)
    pixels = read_photo(photo).pixels
    expected = enhance_array(pixels, engine, exposure=-1.0)
    at_zero = enhance_array(pixels, engine, exposure=0.0)
    saved = read_photo(target).pixels
    assert np.abs(saved - expected).max() <= 1 / 255 + 1e-6
    assert np.abs(saved - at_zero).max() > 0.02


def test_batch_runs_at_the_slider_exposure_and_rows_show_it(
    make_window, settings, photo_dir, tmp_path, qtbot, monkeypatch
):
    from lowlight_gui.core import batch as batch_mod

    seen: list[float] = []
    real = batch_mod.develop

    def recording(data, engine, plan, **kwargs):
        seen.append(plan.settings.exposure)
        return real(data, engine, plan, **kwargs)

    monkeypatch.setattr(batch_mod, "develop", recording)
    settings.output_dir = tmp_path / "out"
    window = make_window()
    photos = sorted(photo_dir.glob("*.jpg"))
    window.show_image(photos[0])
    window.controls.exposure.setValue(7)
    window.commands.copy()
    window.edits.paste(photos[1:])  # the same look for the other two
    window.queue_model.add_paths([photo_dir])
    options = window.batch_options()
    assert [options.settings_for(p).exposure for p in photos] == [0.7] * 3
    assert [i.settings_text() for i in window.queue_model.items()] == [""] * 3  # not started
    assert window.start_batch()
    window.controls.exposure.setValue(-3)  # during the batch: the batch keeps its own value
    qtbot.waitUntil(lambda: not window.queue_panel.is_running(), timeout=60000)
    assert seen == [0.7, 0.7, 0.7]
    items = window.queue_model.items()
    assert [i.state for i in items] == [State.DONE] * 3
    assert [i.settings_text() for i in items] == ["+0.7 EV"] * 3
    assert "Exposure: +0.7 EV" in window.queue_model.index(0).data(Qt.ItemDataRole.ToolTipRole)

    added = write_image(photo_dir / "img4.jpg", seed=9)
    window.show_image(added)
    assert window.controls.exposure_value() == 0.0  # a new photo: the defaults
    window.controls.exposure.setValue(-3)
    window.queue_model.add_paths([added])
    assert window.start_batch()
    qtbot.waitUntil(lambda: not window.queue_panel.is_running(), timeout=60000)
    assert seen[-1] == -0.3
    assert [i.settings_text() for i in window.queue_model.items()] == ["+0.7 EV"] * 3 + [
        "−0.3 EV"
    ]
    window.queue_panel.view.viewport().grab()  # the rows paint with their EV


def test_exposure_is_off_without_enhancement(make_window):
    window = make_window(problem="no model")
    assert not window.controls.exposure.isEnabled()
    window.controls.exposure.setValue(5)  # e.g. from a script: no preview run is attempted
    assert window.preview.generation == 0
