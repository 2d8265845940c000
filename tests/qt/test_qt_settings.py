"""Settings persist through a restart (QSettings in an IniFormat file on a temporary path)."""

from __future__ import annotations

import pytest

from lowlight_gui.qt.settings import Settings


def test_settings_round_trip_and_defaults(tmp_path):
    path = tmp_path / "s.ini"
    s = Settings(path)
    assert (s.strength, s.provider, s.tile, s.output_dir, s.fmt, s.quality, s.overwrite) == (
        1.0,
        "auto",
        1024,  # core.enhance.DEFAULT_TILE
        None,
        "same",
        95,
        "skip",
    )
    s.strength, s.provider, s.tile = 0.35, "CPU", 0
    s.output_dir, s.fmt, s.quality, s.overwrite = tmp_path / "o", "png", 80, "overwrite"
    s.sync()
    r = Settings(path)
    assert (r.strength, r.provider, r.tile, r.output_dir, r.fmt, r.quality, r.overwrite) == (
        0.35,
        "CPU",
        0,
        tmp_path / "o",
        "png",
        80,
        "overwrite",
    )
    with pytest.raises(ValueError):
        r.fmt = "gif"


def test_controls_and_window_state_persist_through_restart(make_window, tmp_path, qtbot):
    path = tmp_path / "restart.ini"
    first = make_window(s=Settings(path))
    first.show()
    qtbot.waitExposed(first)
    c = first.controls
    c.strength.setValue(40)
    c.exposure.setValue(-7)
    c.tile.setCurrentIndex(c.tile.findData(256))
    c.fmt.setCurrentIndex(c.fmt.findData("tif"))
    c.quality.setValue(77)
    c.overwrite.setCurrentIndex(c.overwrite.findData("overwrite"))
    c.set_output_dir(tmp_path / "exports")
    first.resize(760, 560)  # fits the offscreen screen (restoreGeometry clamps)
    first.splitter.setSizes([150, 300, 300])
    sizes, size = first.splitter.sizes(), first.size()
    first.close()

    second = make_window(s=Settings(path))
    second.show()
    qtbot.waitExposed(second)
    c = second.controls
    assert c.strength.value() == 40 and c.strength_label.text() == "40 %"
    assert c.exposure_value() == -0.7 and c.exposure_label.text() == "−0.7 EV"
    assert c.tile_value() == 256
    assert c.fmt.currentData() == "tif"
    assert c.quality.value() == 77
    assert c.overwrite.currentData() == "overwrite"
    assert c.output_dir.text() == str(tmp_path / "exports")
    assert second.size() == size
    assert second.splitter.sizes() == sizes
    options = second.batch_options()
    assert (options.settings.strength, options.tile, options.fmt, options.quality, options.overwrite) == (
        0.4,
        256,
        "tif",
        77,
        True,
    )
    assert options.output_dir == tmp_path / "exports"
    assert options.settings.exposure == -0.7


@pytest.mark.parametrize(
    ("stored", "read"),
    [(0.7, 0.7), (-1.25, -1.2), (5, 2.0), (-9.5, -2.0), ("nan", 0.0), ("inf", 0.0), ("x", 0.0)],
)
def test_exposure_is_clamped_on_read(tmp_path, stored, read):
    """A hand-edited file never hands the core an EV it would refuse."""
    path = tmp_path / "s.ini"
    s = Settings(path)
    assert s.exposure == 0.0
    s._set("enhance/exposure", stored)
    s.sync()
    assert Settings(path).exposure == read
    s.exposure = 3.3  # the setter clamps as well
    assert s.exposure == 2.0


def test_unfinished_queue_round_trip(tmp_path):
    path = tmp_path / "q.ini"
    s = Settings(path)
    assert s.unfinished_queue == []
    s.unfinished_queue = [tmp_path / "only one.jpg"]  # one item: IniFormat would flatten a list
    s.sync()
    assert Settings(path).unfinished_queue == [tmp_path / "only one.jpg"]
    s._set("queue/unfinished", "not json")
    assert s.unfinished_queue == []
