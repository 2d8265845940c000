"""Fixtures for the Qt tests: offscreen platform, isolated settings, small photos, a window.

The tiny ONNX models come from tests/conftest.py (tests/models.py builds them with onnx.helper).
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before anything imports Qt

from pathlib import Path

import numpy as np
import pytest

from tests.conftest import write_image


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


@pytest.fixture
def make_window(qtbot, settings, tiny_model):
    """Build MainWindows that are closed (threads stopped) at teardown."""
    from lowlight_gui.qt.main_window import MainWindow

    windows = []

    def make(model: Path | None = None, problem: str | None = None, s=None):
        s = s or settings
        w = MainWindow(s, model or tiny_model, ["CPU"], problem)
        qtbot.addWidget(w)
        if s.window_geometry is None:  # keep a restored geometry
            w.resize(1200, 800)
        windows.append(w)
        return w

    yield make
    for w in windows:
        w.close()
        assert not w.batch.thread.isRunning()
        assert not w.preview.thread.isRunning()


def gradient_image(w: int = 400, h: int = 300) -> np.ndarray:
    yy, xx = np.mgrid[0:h, 0:w]
    return np.stack([xx / w, yy / h, np.full_like(xx, 0.3, dtype=float)], -1).astype(np.float32)
