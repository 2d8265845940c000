"""PySide6 must not lose references to None or True (issue 10: the app aborted mid-batch with
``Fatal Python error: none_dealloc`` on PySide6 6.12.0 and Python 3.11).

Each check calls something many times and asserts ``sys.getrefcount(None)`` (or True) did not
fall. On Python >= 3.12 None and True are immortal: their counts never change, so these checks
pass trivially there (as does the denylist check, since the defect is harmless there). Repeat
counts stay small so that a defective build fails these tests instead of aborting the process.
Measured on Python 3.11: 6.12.0 loses one reference per call in every check, 6.11.3 none.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path

import PySide6
import pytest
from PySide6.QtCore import Qt

from lowlight_gui.qt import pyside_guard
from lowlight_gui.qt.browser import PathRole, ThumbnailModel
from lowlight_gui.qt.queue import ItemRole, QueueModel, QueuePanel
from lowlight_gui.qt.thumbnails import ThumbnailCache
from tests.conftest import ROOT

REPEAT = 40
# Every role Qt's views and delegates ask, and the app's own.
ROLES: tuple[int, ...] = (
    *(int(r.value) for r in Qt.ItemDataRole),
    int(ItemRole),
    int(PathRole),
    int(Qt.ItemDataRole.UserRole) + 7,  # a role nobody answers
)


def lost(obj: object, fn: Callable[[], object], repeat: int = REPEAT) -> int:
    """References to ``obj`` lost over ``repeat`` calls of ``fn`` (a few either way are noise)."""
    before = sys.getrefcount(obj)
    for _ in range(repeat):
        fn()
    return before - sys.getrefcount(obj)


def test_installed_pyside6_is_not_a_known_defective_release():
    assert not pyside_guard.is_known_defective(), (
        f"PySide6 {PySide6.__version__} loses references to None on Python "
        f"{sys.version.split()[0]}; install PySide6-Essentials=={pyside_guard.KNOWN_GOOD_PYSIDE6}"
    )


def test_dependency_range_excludes_every_defective_release():
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    spec = re.search(r'"PySide6-Essentials([^"]*)"', text)
    assert spec, "PySide6-Essentials is not a dependency any more: update this test"
    for version in pyside_guard.DEFECTIVE_PYSIDE6:
        assert f"!={version}" in spec.group(1), f"pyproject.toml allows PySide6 {version}"
    assert pyside_guard.is_known_defective("6.12.0") == (sys.version_info < (3, 12))
    assert not pyside_guard.is_known_defective(pyside_guard.KNOWN_GOOD_PYSIDE6)


def test_wrapped_calls_and_signals_keep_their_references():
    assert pyside_guard.lost_references() == {}


@pytest.fixture
def queue_model(photo_dir: Path, tmp_path: Path) -> QueueModel:
    """One item in every state the delegate paints."""
    model = QueueModel()
    model.add_paths([photo_dir, *_more_photos(tmp_path, 2)])
    a, b, c, d, _e = model.paths()
    model.mark_running(a)
    model.set_progress(a, 1, 3)
    model.mark_done(b, tmp_path / "b_enhanced.jpg", 0.4)
    model.mark_failed(c, "cannot read 'c.jpg': the file is empty")
    model.mark_skipped(d, "already exists")
    return model


def _more_photos(tmp_path: Path, n: int) -> list[Path]:
    from tests.conftest import write_image

    return [write_image(tmp_path / "more" / f"m{i}.png", seed=20 + i) for i in range(n)]


@pytest.fixture
def thumb_model(photo_dir: Path, qtbot) -> ThumbnailModel:
    cache = ThumbnailCache()
    model = ThumbnailModel(cache)
    model.set_folder(photo_dir)
    model.data(model.index(0), Qt.ItemDataRole.DecorationRole)  # one cached thumbnail, one not
    qtbot.waitUntil(lambda: len(cache) == 1, timeout=5000)
    yield model
    cache.wait(3000)


def test_models_keep_none_alive_for_every_role(queue_model, thumb_model):
    bad = []
    for name, model in (("queue", queue_model), ("thumbnails", thumb_model)):
        for row in range(model.rowCount()):
            index = model.index(row)
            for role in ROLES:
                n = lost(None, lambda index=index, role=role: index.data(role))
                if n >= REPEAT // 2:
                    bad.append(f"{name} row {row} role {role}: {n}")
            # Qt's own side: itemData() asks data() for every standard role from C++.
            n = lost(None, lambda index=index, model=model: model.itemData(index))
            if n >= REPEAT // 2:
                bad.append(f"{name} row {row} itemData: {n}")
    assert not bad, f"PySide6 {PySide6.__version__} lost None in {len(bad)} cases: {bad[:4]}"


def test_painting_the_queue_and_the_grid_keeps_none_alive(queue_model, photo_dir, qtbot):
    panel = QueuePanel(queue_model)
    qtbot.addWidget(panel)
    panel.resize(360, 480)
    panel.show()
    qtbot.waitExposed(panel)
    assert lost(None, panel.view.viewport().grab, 10) < 5

    from lowlight_gui.qt.browser import FolderBrowser

    browser = FolderBrowser()
    qtbot.addWidget(browser)
    browser.resize(300, 600)
    browser.show()
    browser.open_folder(photo_dir)
    qtbot.waitUntil(lambda: len(browser.cache) == 3, timeout=5000)
    assert lost(None, browser.grid.viewport().grab, 10) < 5
    browser.cache.wait(3000)


def test_guard_pins_an_object_and_leaves_a_sound_pyside_alone():
    if sys.version_info < (3, 12):  # where pinning is ever used
        thing = object()
        assert pyside_guard._pin(thing)
        assert sys.getrefcount(thing) > 1 << 39
    if pyside_guard.singletons_are_immortal() or not pyside_guard.lost_references():
        assert pyside_guard.guard_pyside() is None
    else:
        warning = pyside_guard.guard_pyside()
        assert warning and PySide6.__version__ in warning and "works around" in warning
