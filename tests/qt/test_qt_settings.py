"""Settings persist through a restart: the app's in QSettings (an IniFormat file on a temporary
path), each photo's own in the settings store (core/photo_edits.py, LOWLIGHT_DATA_DIR)."""

from __future__ import annotations

from pathlib import Path

import pytest

from lowlight_gui.core.settings import DEFAULTS
from lowlight_gui.core.settings import Settings as PhotoSettings
from lowlight_gui.qt.settings import Settings


def test_settings_round_trip_and_defaults(tmp_path):
    path = tmp_path / "s.ini"
    s = Settings(path)
    assert (s.provider, s.tile, s.output_dir, s.fmt, s.quality, s.overwrite) == (
        "auto",
        1024,  # core.enhance.DEFAULT_TILE
        None,
        "same",
        95,
        "skip",
    )
    s.provider, s.tile = "CPU", 0
    s.output_dir, s.fmt, s.quality, s.overwrite = tmp_path / "o", "png", 80, "overwrite"
    s.sync()
    r = Settings(path)
    assert (r.provider, r.tile, r.output_dir, r.fmt, r.quality, r.overwrite) == (
        "CPU",
        0,
        tmp_path / "o",
        "png",
        80,
        "overwrite",
    )
    with pytest.raises(ValueError):
        r.fmt = "gif"


def test_controls_and_window_state_persist_through_restart(
    make_window, photo_dir, tmp_path, qtbot
):
    path = tmp_path / "restart.ini"
    photo = photo_dir / "img2.jpg"
    first = make_window(s=Settings(path))
    first.show()
    qtbot.waitExposed(first)
    first.show_image(photo)
    c = first.controls
    c.strength.setValue(40)  # the photo's own settings: kept in the store
    c.exposure.setValue(-7)
    first.preferences.tile.setCurrentIndex(first.preferences.tile.findData(256))
    c.fmt.setCurrentIndex(c.fmt.findData("tif"))
    c.quality.setValue(77)
    c.overwrite.setCurrentIndex(c.overwrite.findData("overwrite"))
    c.set_output_dir(tmp_path / "exports")
    first.resize(760, 560)  # fits the offscreen screen (restoreGeometry clamps)
    first.splitter.setSizes([150, 300, 300])
    sizes, size = first.splitter.sizes(), first.size()
    first.close()
    first.edits.store.close()

    second = make_window(s=Settings(path))
    second.show()
    qtbot.waitExposed(second)
    c = second.controls
    assert c.strength.value() == 100 and c.exposure_value() == 0.0  # no photo: the defaults
    second.show_image(photo)
    assert c.strength.value() == 40 and c.strength_label.text() == "40 %"
    assert c.exposure_value() == -0.7 and c.exposure_label.text() == "−0.7 EV"
    assert c.tile_value() == 256 and second.preferences.tile_value() == 256
    assert c.fmt.currentData() == "tif"
    assert c.quality.value() == 77
    assert c.overwrite.currentData() == "overwrite"
    assert c.output_dir.text() == str(tmp_path / "exports")
    assert second.size() == size
    assert second.splitter.sizes() == sizes
    second.add_to_queue([photo_dir])
    options = second.batch_options()
    assert (options.tile, options.fmt, options.quality, options.overwrite) == (
        256,
        "tif",
        77,
        True,
    )
    assert options.output_dir == tmp_path / "exports"
    assert options.settings_for(photo) == PhotoSettings(strength=0.4, exposure=-0.7)
    assert options.settings_for(photo_dir / "img1.jpg") == DEFAULTS


def test_unfinished_queue_round_trip(tmp_path):
    path = tmp_path / "q.ini"
    s = Settings(path)
    assert s.unfinished_queue == []
    s.unfinished_queue = [tmp_path / "only one.jpg"]  # one item: IniFormat would flatten a list
    s.sync()
    assert Settings(path).unfinished_queue == [tmp_path / "only one.jpg"]
    s._set("queue/unfinished", "not json")
    assert s.unfinished_queue == []


def test_failed_queue_round_trip(tmp_path):
    path = tmp_path / "q.ini"
    s = Settings(path)
    assert s.failed_queue == {}
    s.failed_queue = {tmp_path / "broken.jpg": "cannot read 'broken.jpg': the file is empty"}
    s.sync()
    assert Settings(path).failed_queue == {
        tmp_path / "broken.jpg": "cannot read 'broken.jpg': the file is empty"
    }
    for bad in ("not json", "[1, 2]"):
        s._set("queue/failed", bad)
        assert s.failed_queue == {}
    s._set("queue/failed", '{"a.jpg": 3, "b.jpg": "why"}')  # a message that is no text is dropped
    assert s.failed_queue == {Path("b.jpg"): "why"}
