"""Queue rows say the settings each photo is (being) enhanced with, as the declaration words
them (Settings.row_labels), and only for the batch that took it."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from lowlight_gui.core.settings import DEFAULTS, SPECS, Settings
from lowlight_gui.qt.controls import value_text
from lowlight_gui.qt.queue import QueueModel, QueuePanel, State


def test_rows_show_each_photos_own_settings_for_the_batch_that_took_it(qtbot, photo_dir):
    model = QueueModel()
    model.add_paths([photo_dir])
    a, b, c = model.paths()
    assert [i.settings_text() for i in model.items()] == [""] * 3  # not taken by a batch yet
    model.set_settings({a: Settings(exposure=0.7, denoise=0.3), b: DEFAULTS,
                        c: Settings(shadows=1.2, colour_noise=0.25)})
    assert model.item(0).settings_text() == "+0.7 EV, NR 30 %"
    assert model.item(1).settings_text() == ""  # the defaults: nothing to say
    assert model.item(2).settings_text() == "Shadows 1.2 stops, Colour NR 25 %"
    tip = model.index(0).data(Qt.ItemDataRole.ToolTipRole)
    assert "Exposure: +0.7 EV" in tip and "Noise reduction: 30 %" in tip
    assert "Exposure" not in model.item(1).tooltip()
    model.mark_running(a)
    model.mark_done(a, photo_dir / "out.jpg", 0.2)
    model.mark_failed(b, "broken")
    model.forget_queued_settings()  # the batch ended (cancelled): c waits for the next Start
    assert [i.settings for i in model.items()] == [Settings(exposure=0.7, denoise=0.3),
                                                   DEFAULTS, None]
    assert model.item(0).state is State.DONE
    model.requeue(a)  # a retry runs with the next Start's settings
    assert model.item(0).settings is None and model.item(0).settings_text() == ""
    panel = QueuePanel(model)
    qtbot.addWidget(panel)
    panel.resize(420, 300)
    panel.view.viewport().grab()  # the rows paint with their settings


@pytest.mark.parametrize("spec", SPECS, ids=[s.key for s in SPECS])
def test_every_setting_off_its_default_is_on_the_row(spec, photo_dir):
    model = QueueModel()
    model.add_paths([photo_dir / "img1.jpg"])
    value = spec.hi if spec.default != spec.hi else spec.lo
    model.set_settings({model.paths()[0]: DEFAULTS.replace(**{spec.key: value})})
    item = model.item(0)
    assert item.settings_text() == spec.row_label(value)
    assert f"{spec.label}: {value_text(spec, value)}" in item.tooltip()
