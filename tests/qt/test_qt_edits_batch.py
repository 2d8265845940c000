"""Issue 29's "done when", in the window: a photo's exposure set to +2 EV stays on that photo (the
next shows its own), Undo and Redo take it back and forth, and a batch of both writes the first
brighter than the default and the second exactly as the CLI's default."""

from __future__ import annotations

import numpy as np

from lowlight_gui import cli
from lowlight_gui.core.imageio import read_photo
from lowlight_gui.core.settings import DEFAULTS, Settings
from lowlight_gui.qt.queue import State
from tests.conftest import write_image


def pixels(path) -> np.ndarray:
    return read_photo(path).pixels


def test_exposure_stays_on_its_photo_undo_redo_and_the_batch_writes_each_own(
    make_window, settings, gain_model, tmp_path, qtbot, capsys
):
    folder = tmp_path / "night"
    a = write_image(folder / "a.png", h=40, w=56, seed=1)
    b = write_image(folder / "b.png", h=40, w=56, seed=2)
    settings.output_dir, settings.fmt = tmp_path / "gui", "png"
    window = make_window(model=gain_model)
    window.browser.open_folder(folder)
    window.show_image(a)
    slider = window.controls.exposure
    slider.setSliderDown(True)
    for v in (4, 11, 20):  # one drag to +2 EV
        slider.setValue(v)
    slider.setSliderDown(False)
    assert window.edits.settings_for(a) == Settings(exposure=2.0)

    assert window.step_photo(+1) == b  # the next photo shows its own settings
    assert window.controls.exposure_value() == 0.0 and window.controls.settings() == DEFAULTS
    assert window.step_photo(-1) == a
    assert window.controls.exposure_value() == 2.0
    window.commands.undo()
    assert window.controls.exposure_value() == 0.0 and window.edits.settings_for(a) == DEFAULTS
    window.commands.redo()
    assert window.controls.exposure_value() == 2.0
    qtbot.waitUntil(lambda: window.save_action.isEnabled(), timeout=30000)

    window.add_to_queue([a, b])
    assert window.start_batch()
    qtbot.waitUntil(lambda: not window.batch.is_running(), timeout=60000)
    items = {i.path.name: i for i in window.queue_model.items()}
    assert [i.state for i in items.values()] == [State.DONE, State.DONE]
    assert items["a.png"].settings_text() == "+2.0 EV" and items["b.png"].settings_text() == ""

    argv = ["enhance", str(a), str(b), "-o", str(tmp_path / "cli"), "--model", str(gain_model),
            "--format", "png"]
    assert cli.main(argv) == 0, capsys.readouterr().err
    gui_a, gui_b = pixels(items["a.png"].output), pixels(items["b.png"].output)
    cli_a = pixels(tmp_path / "cli" / "a_enhanced.png")
    cli_b = pixels(tmp_path / "cli" / "b_enhanced.png")
    assert np.array_equal(gui_b, cli_b)  # untouched: exactly the CLI's default
    assert gui_a.mean() > cli_a.mean() + 0.02  # +2 EV: brighter than the default
