"""Fixtures for the Qt tests: offscreen platform, isolated settings, small photos, a window.

The tiny ONNX models come from tests/conftest.py (tests/models.py builds them with onnx.helper),
the two with an exposure head (with and without a shadow-lift input) from here.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before anything imports Qt

from pathlib import Path

import numpy as np
import pytest

from tests.conftest import write_image


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch) -> Path:
    """A home folder of the test's own: the window's first start browses it (or its Pictures
    folder), never the real one."""
    folder = tmp_path / "home"
    folder.mkdir()
    monkeypatch.setenv("HOME", str(folder))
    for var in ("XDG_CONFIG_HOME", "XDG_PICTURES_DIR", "XDG_DATA_HOME"):
        monkeypatch.delenv(var, raising=False)
    # the photos' own settings and the presets of the test's own (core/photo_edits, presets)
    monkeypatch.setenv("LOWLIGHT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("LOWLIGHT_CONFIG_DIR", str(tmp_path / "config"))
    return folder


@pytest.fixture
def settings(tmp_path: Path):
    from lowlight_gui.qt.settings import Settings

    return Settings(tmp_path / "settings" / "lowlight.ini")


@pytest.fixture
def photo_dir(tmp_path: Path) -> Path:
    """Three small dark photos and a text file that must be ignored."""
    folder = tmp_path / "photos"
    for i in range(3):
        write_image(folder / f"img{i + 1}.jpg", h=48, w=64, seed=i)
    (folder / "notes.txt").write_text("not a photo")
    return folder


class Dialogs:
    """Stands in for a window's confirm() and alert(): records each and answers ``answer``,
    so no modal box ever waits for a click in a test."""

    def __init__(self, answer: bool = True) -> None:
        self.answer = answer
        self.questions: list[tuple[str, str]] = []
        self.alerts: list[tuple[str, str]] = []

    def confirm(self, title: str, text: str, *_buttons: str) -> bool:
        self.questions.append((title, text))
        return self.answer

    def alert(self, title: str, text: str) -> None:
        self.alerts.append((title, text))


@pytest.fixture
def make_window(qtbot, settings, tiny_model):
    """Build MainWindows that are closed (threads stopped) at teardown; ``window.dialogs``
    records the questions and warnings it would have shown."""
    from lowlight_gui.qt.main_window import MainWindow

    windows = []

    def make(model: Path | None = None, problem: str | None = None, s=None):
        s = s or settings
        w = MainWindow(s, model or tiny_model, ["CPU"], problem)
        w.dialogs = Dialogs()
        w.confirm, w.alert = w.dialogs.confirm, w.dialogs.alert
        qtbot.addWidget(w)
        if s.window_geometry is None:  # keep a restored geometry
            w.resize(1200, 800)
        windows.append(w)
        return w

    yield make
    for w in windows:
        w.dialogs.answer = True  # "Quit" if a batch still runs
        w.close()
        assert not w.batch.thread.isRunning()
        assert not w.preview.thread.isRunning()


def gradient_image(w: int = 400, h: int = 300) -> np.ndarray:
    yy, xx = np.mgrid[0:h, 0:w]
    return np.stack([xx / w, yy / h, np.full_like(xx, 0.3, dtype=float)], -1).astype(np.float32)


def record_previews(window, field: str) -> list[tuple[int, str, float | None]]:
    """(generation, stage, the result's ``field``: "exposure", "denoise" or "shadows") of every
    preview pass, recorded on the worker thread as it reports them."""
    from lowlight_gui.core.events import PreviewResult

    log: list[tuple[int, str, float | None]] = []
    window.preview.worker.events.connect(
        lambda r: log.append((r.generation, r.stage, _ran(r, field)))
        if isinstance(r, PreviewResult)
        else None
    )
    return log


def _ran(result, field: str) -> float | None:
    """The setting ``field`` a preview pass ran with: the one asked for, except full noise
    removal for a model without a base output and no lift for one without a lift input."""
    decided = result.decisions
    if field == "denoise" and "denoise" in decided.unsupported:
        return 1.0
    if field == "shadows" and "shadows" in decided.unsupported:
        return None
    return getattr(result.settings, field)


@pytest.fixture(scope="session")
def lift_model(model_dir) -> Path:
    """An exposure-head model with a shadow-lift input: gain 2, then the v3 shoulder."""
    from tests.models import make_head_model

    return make_head_model(model_dir / "tiny_lift.onnx", stops=1.0)


@pytest.fixture(scope="session")
def head_model(model_dir) -> Path:
    """The same without the lift input (a v2 or v3 model exported before it had one)."""
    from tests.models import make_head_model

    return make_head_model(model_dir / "tiny_head.onnx", stops=1.0, with_lift=False)


def after_pixels(window) -> np.ndarray:
    """The enhanced image on show, as uint8 RGB."""
    image = window.viewer.after_image().convertToFormat(
        window.viewer.after_image().Format.Format_RGB888
    )
    w, h = image.width(), image.height()
    rows = np.frombuffer(image.constBits(), np.uint8, image.sizeInBytes()).reshape(h, -1)
    return rows[:, : w * 3].reshape(h, w, 3).copy()


def full_shown_and_logged(window, log) -> bool:
    """The window shows a full-resolution result and the recorder (``record_previews``) has it
    too: the recorder is a second receiver of the worker's events and may see one a moment after
    the window (that race made these tests flaky)."""
    return window.save_action.isEnabled() and bool(log) and log[-1][1] == "full"


def drag_then_release(qtbot, window, slider, values, log, last: float) -> None:
    """Hold ``slider`` and move it through ``values`` (one drag movement: one request): only
    the fast pass runs while it is held, at the value ``last`` it ends on (as ``log`` records
    it, ``record_previews``); released, the fast pass and the full one at that value follow."""
    from lowlight_gui.qt import preview as preview_mod

    log.clear()
    slider.setSliderDown(True)
    for value in values:
        slider.setValue(value)
    assert not window.save_action.isEnabled()  # the slider no longer says what is shown
    generation = window.preview.generation
    qtbot.waitUntil(lambda: any(v == last for _g, _s, v in log), timeout=30000)
    qtbot.wait(100)
    assert log == [(generation + 1, "preview", last)]  # the fast pass only, while held
    assert window.viewer.after_image().width() == preview_mod.PREVIEW_LONG_SIDE

    slider.setSliderDown(False)
    qtbot.waitUntil(
        lambda: window.save_action.isEnabled() and log[-1][1] == "full", timeout=30000
    )
    assert log[1:] == [(generation + 2, "preview", last), (generation + 2, "full", last)]


def save_shown(qtbot, window, target: Path) -> np.ndarray:
    """"Save enhanced as" ``target`` at the strength shown; its pixels read back, 0..255."""
    from lowlight_gui.core.events import PreviewSaved
    from lowlight_gui.core.imageio import read_photo

    with qtbot.waitSignal(
        window.preview.worker.events, timeout=30000,
        check_params_cb=lambda e: isinstance(e, PreviewSaved),
    ):
        window.preview.save(window.controls.strength_value(), target, "", 95)
    return np.round(read_photo(target).pixels * 255)


def record_engine_ready(window) -> list:
    """The EngineReady events of the window's batches, as the batch worker sends them."""
    from lowlight_gui.core.events import EngineReady

    events: list[EngineReady] = []
    window.batch.worker.events.connect(
        lambda e: events.append(e) if isinstance(e, EngineReady) else None
    )
    return events
