"""Camera RAW through the window (issue 13): a folder of DNGs dropped on it is queued, previewed
and enhanced to 16-bit TIFFs with the camera's metadata; a bad RAW fails on its own row."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from lowlight_gui.core.events import BatchFinished, ImageDone, ImageFailed
from lowlight_gui.qt.queue import State
from tests.qt.test_qt_queue import _drop
from tests.rawfixtures import META, synthetic_image, write_dng

pytest.importorskip("rawpy")


@pytest.fixture
def raw_dir(tmp_path: Path) -> Path:
    """Three small dark DNGs (one portrait), a truncated one and a text file."""
    folder = tmp_path / "card"
    for i, (h, w, orientation) in enumerate(((64, 96, 1), (64, 96, 6), (80, 64, 1))):
        write_dng(folder / f"IMG_{i + 1}.DNG", synthetic_image(h, w, seed=i) * 0.3,
                  orientation=orientation, preview="jpeg", preview_side=48)
    data = (folder / "IMG_1.DNG").read_bytes()
    (folder / "IMG_4.dng").write_bytes(data[: len(data) // 2])
    (folder / "notes.txt").write_text("not a photo")
    return folder


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # QDragEnterEvent's QPoint (see _drop)
def test_a_dropped_folder_of_raws_is_queued_and_enhanced(make_window, settings, raw_dir, tmp_path,
                                                         qtbot):
    out = tmp_path / "out"
    settings.output_dir = out
    settings.tile = 256
    window = make_window()
    log: list[object] = []
    window.batch.worker.events.connect(log.append)

    assert _drop(window, [raw_dir]).isAccepted()
    names = ["IMG_1.DNG", "IMG_2.DNG", "IMG_3.DNG", "IMG_4.dng"]
    assert [p.name for p in window.queue_model.paths()] == names
    assert window.current_path == raw_dir / "IMG_1.DNG"  # the first is previewed
    qtbot.waitUntil(lambda: window.save_action.isEnabled(), timeout=30000)

    assert window.start_batch()
    qtbot.waitUntil(
        lambda: bool(log) and isinstance(log[-1], BatchFinished)
        and not window.queue_panel.is_running(),
        timeout=60000,
    )
    assert log[-1] == BatchFinished(3, 0, 1, False)
    states = [i.state for i in window.queue_model.items()]
    assert states == [State.DONE, State.DONE, State.DONE, State.FAILED]
    (failed,) = [e for e in log if isinstance(e, ImageFailed)]
    assert failed.message == "cannot read 'IMG_4.dng': the RAW file is truncated or damaged"
    written = [e.output.name for e in log if isinstance(e, ImageDone)]
    assert written == ["IMG_1_enhanced.tif", "IMG_2_enhanced.tif", "IMG_3_enhanced.tif"]
    sizes = {}
    for name in written:
        with Image.open(out / name) as im:
            assert tuple(im.tag_v2[258]) == (16, 16, 16)
            assert im.getexif().get(0x0110) == META["model"]
            sizes[name] = im.size
    assert sizes["IMG_2_enhanced.tif"] == (64, 96)  # upright (orientation 6)
    assert sorted(p.name for p in raw_dir.iterdir()) == [*names, "notes.txt"]  # nothing written
