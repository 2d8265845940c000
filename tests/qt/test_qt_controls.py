"""The photo's controls are made from the declaration (core/settings.py SPECS): one row per
setting with its range, label, tooltip and reset, an Auto box where the setting may be chosen per
photo; the panel's settings() / set_settings() round-trip every value; an edit says whether the
gesture goes on (drag, key held) so that one gesture is one undo step."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QCheckBox, QFormLayout, QGroupBox, QSlider

from lowlight_gui.core.settings import DEFAULTS, SPECS, SPECS_BY_KEY, Settings
from lowlight_gui.qt.controls import (
    ControlsPanel,
    camel,
    tooltip,
    unavailable_tip,
    value_text,
)


@pytest.fixture
def panel(qtbot, settings):
    p = ControlsPanel(settings)
    qtbot.addWidget(p)
    return p


def test_every_declared_setting_has_its_row(panel):
    form = panel.findChild(QGroupBox).layout()
    assert isinstance(form, QFormLayout)
    labels = [
        form.itemAt(row, QFormLayout.ItemRole.LabelRole).widget().text()
        for row in range(form.rowCount())
    ]
    assert labels == [spec.label for spec in SPECS]  # in the declaration's order
    for spec in SPECS:
        slider = panel.findChild(QSlider, f"{camel(spec.key)}Slider")
        steps = 100 if spec.kind == "percent" else 10
        assert (slider.minimum(), slider.maximum()) == (round(spec.lo * steps),
                                                        round(spec.hi * steps))
        assert slider.toolTip() == tooltip(spec) and spec.help in slider.toolTip()
        assert panel.findChild(QCheckBox, f"{camel(spec.key)}Auto") is not None or not spec.auto
    # the names outside tests and accessibility tools use
    for name in ("exposureSlider", "denoiseSlider", "colourNoiseSlider", "shadowsSlider",
                 "strengthSlider"):
        assert panel.findChild(QSlider, name) is not None
    assert panel.findChild(QCheckBox, "shadowsAuto") is panel.shadows_auto


@pytest.mark.parametrize("spec", SPECS, ids=[s.key for s in SPECS])
def test_each_value_round_trips_through_settings(panel, qtbot, spec):
    """set_settings shows a value without it being an edit; settings() gives it back."""
    edits: list[tuple[str, bool]] = []
    panel.edited.connect(lambda k, ongoing: edits.append((k, ongoing)))
    for value in (spec.lo, spec.hi, (spec.lo + spec.hi) / 2, spec.default):
        if value is None:
            continue
        value = round(value, 2)
        s = DEFAULTS.replace(**{spec.key: value})
        panel.set_settings(s)
        assert panel.settings() == s
        assert getattr(panel, f"{spec.key}_label").text() == value_text(spec, value)
    assert edits == []  # showing is not editing
    if spec.auto:
        panel.set_settings(DEFAULTS.replace(**{spec.key: None}))
        assert getattr(panel.settings(), spec.key) is None
    panel.set_settings(DEFAULTS)
    assert panel.settings() == DEFAULTS


@pytest.mark.parametrize("spec", SPECS, ids=[s.key for s in SPECS])
def test_a_change_is_an_edit_and_reset_goes_back_to_the_default(panel, qtbot, spec):
    slider = getattr(panel, spec.key)
    reset = getattr(panel, f"{spec.key}_reset")
    if spec.auto:
        panel.shadows_auto.setChecked(False)
    target = slider.maximum() if slider.value() != slider.maximum() else slider.minimum()
    with qtbot.waitSignal(panel.edited) as blocker:
        slider.setValue(target)
    assert blocker.args == [spec.key, False]
    assert getattr(panel.settings(), spec.key) == pytest.approx(target / (
        100 if spec.kind == "percent" else 10))
    assert reset.isEnabled()
    with qtbot.waitSignal(panel.edited):
        reset.click()
    assert getattr(panel.settings(), spec.key) == spec.default
    assert not reset.isEnabled()
    panel.set_enhancement_enabled(False)
    assert not slider.isEnabled() and not reset.isEnabled()


def test_a_drag_and_a_held_key_are_gestures(panel, qtbot):
    seen: list[tuple[str, bool]] = []
    finished: list[str] = []
    panel.edited.connect(lambda k, ongoing: seen.append((k, ongoing)))
    panel.gestureFinished.connect(finished.append)
    slider = panel.exposure
    slider.setSliderDown(True)
    for v in (1, 4, 9):
        slider.setValue(v)
    slider.setSliderDown(False)
    assert seen == [("exposure", True)] * 3 and finished == ["exposure"]

    seen.clear()
    finished.clear()
    panel.show()
    qtbot.waitExposed(panel)
    slider.setFocus()
    press = QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_Right, Qt.KeyboardModifier.NoModifier)
    repeat = QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_Right, Qt.KeyboardModifier.NoModifier,
                       "", True)
    release = QKeyEvent(QEvent.Type.KeyRelease, Qt.Key.Key_Right, Qt.KeyboardModifier.NoModifier)
    for event in (press, repeat, repeat):
        QApplication.sendEvent(slider, event)
    assert finished == [] and seen == [("exposure", True)] * 3
    QApplication.sendEvent(slider, release)
    assert finished == ["exposure"] and panel.exposure_value() == 1.2


def test_auto_shows_its_choice_and_unticking_starts_from_it(panel):
    changes: list[object] = []
    panel.edited.connect(lambda k, _o: changes.append(panel.settings().shadows))
    panel.show_auto_shadows(1.44)  # what a preview reported for the photo on show
    assert panel.shadows.value() == 14 and panel.shadows_label.text() == "1.44 stops"
    assert "1.44 stops" in panel.shadows_label.toolTip()
    assert not panel.shadows.isEnabled() and panel.shadows_value() is None
    assert changes == []  # shown, not set
    panel.shadows_auto.setChecked(False)
    assert panel.shadows_value() == 1.44 and changes == [1.44]
    assert panel.shadows.isEnabled() and panel.shadows_reset.isEnabled()
    panel.shadows_auto.setChecked(True)
    panel.show_auto_shadows(None)  # another photo, not previewed yet
    assert panel.shadows_label.text() == "auto" and panel.shadows.value() == 0
    panel.shadows_auto.setChecked(False)  # nothing to start from: the lift set before
    assert panel.shadows_value() == 1.44
    panel.set_shadows(None)
    assert panel.shadows_auto.isChecked() and panel.settings().shadows is None


def test_a_control_the_model_lacks_is_off_and_says_why(panel):
    panel.set_settings(Settings(denoise=0.3, shadows=1.0))
    panel.set_unsupported(("denoise", "shadows"))
    assert not panel.denoise.isEnabled() and panel.denoise.toolTip() == unavailable_tip(SPECS_BY_KEY["denoise"])
    assert not panel.shadows_auto.isEnabled() and panel.shadows.toolTip() == unavailable_tip(SPECS_BY_KEY["shadows"])
    # kept for a model that has them; what runs is the default
    assert panel.settings() == Settings(denoise=0.3, shadows=1.0)
    assert panel.effective_settings() == DEFAULTS
    assert panel.effective_settings().denoise == 1.0 and panel.shadows_value() is None
    panel.set_unsupported(("shadows",))
    assert panel.denoise.isEnabled() and panel.denoise.toolTip() == tooltip(
        SPECS_BY_KEY["denoise"])


def test_colour_noise_reads_off_at_zero(panel):
    assert panel.colour_noise_label.text() == "Off"
    panel.colour_noise.setValue(40)
    assert panel.colour_noise_label.text() == "40 %"
