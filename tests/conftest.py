"""Shared fixtures: tiny ONNX models (built once per session) and small test photos."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # so that `from tests.models import ...` works however pytest runs
    sys.path.insert(0, str(ROOT))

from tests.models import make_slow_model, make_tiny_model

#: What Qt's xcb platform plugin (the Linux desktop's) loads, as Debian/Ubuntu packages; the
#: README's set-up and .ci/run install the same list.
XCB_PACKAGES = (
    "libxcb-cursor0 libxkbcommon-x11-0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 "
    "libxcb-randr0 libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-xkb1"
)

_PLUGIN_PROBE = """
import sys
from pathlib import Path
from PySide6.QtCore import QLibraryInfo, QPluginLoader
folder = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath)) / "platforms"
found = sorted(folder.glob("*qxcb*"))
if not found:
    print("the plugin is not installed with PySide6")
    sys.exit(1)
loader = QPluginLoader(str(found[0]))
if not loader.load():
    print(loader.errorString())
    sys.exit(1)
"""


def xcb_plugin_problem(env: dict[str, str] | None = None) -> str | None:
    """Why Qt's xcb platform plugin does not load on this Linux machine (a sentence naming the
    packages to install), or None when it loads or the system is not Linux. Probed in a child
    process, so that this one never loads it."""
    if not sys.platform.startswith("linux"):
        return None
    import subprocess

    try:
        probe = subprocess.run([sys.executable, "-c", _PLUGIN_PROBE], capture_output=True,
                               text=True, timeout=60, check=False, env=env)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"Qt's xcb platform plugin could not be probed ({exc})"
    if probe.returncode == 0:
        return None
    why = (probe.stdout.strip() or probe.stderr.strip()).splitlines()
    return (f"Qt's xcb platform plugin does not load ({why[-1] if why else 'no reason given'});"
            f" install the X11 libraries it needs: apt-get install {XCB_PACKAGES}")


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="session")
def tiny_model(model_dir) -> Path:
    """Factor 2, overlap 8, no gain input."""
    return make_tiny_model(model_dir / "tiny_f2.onnx", levels=1)


@pytest.fixture(scope="session")
def tiny_model_f4(model_dir) -> Path:
    """Factor 4, overlap 16, no gain input."""
    return make_tiny_model(model_dir / "tiny_f4.onnx", levels=2, seed=3)


@pytest.fixture(scope="session")
def gain_model(model_dir) -> Path:
    """Factor 4 with a `gain` input and a lowlight.gain metadata entry."""
    return make_tiny_model(
        model_dir / "tiny_gain.onnx", levels=2, with_gain=True, seed=5,
        gain_json={"a": 0.4, "b": -1.0, "lo": 1.0, "hi": 8.0},
    )


@pytest.fixture(scope="session")
def bright_model(model_dir) -> Path:
    """Brightens by 1.8 with a small residual: a visible, predictable effect."""
    return make_tiny_model(model_dir / "tiny_bright.onnx", levels=1, scale=1.8, residual=0.02)


@pytest.fixture(scope="session")
def base_model(model_dir) -> Path:
    """Factor 4 with a `gain` input and a second output `base` (clip(input * gain)): the
    noise-reduction control's two outputs."""
    return make_tiny_model(
        model_dir / "tiny_base.onnx", levels=2, with_gain=True, seed=7, with_base=True,
        gain_json={"a": 0.4, "b": -1.0, "lo": 1.0, "hi": 8.0},
    )


@pytest.fixture(scope="session")
def slow_model(model_dir) -> Path:
    return make_slow_model(model_dir / "slow.onnx", layers=64)


@pytest.fixture(scope="session")
def engine(tiny_model):
    from lowlight_gui.core.engine import Engine

    return Engine(tiny_model, provider="CPU", threads=1)


def smooth_noisy(h: int, w: int, seed: int = 0, level: float = 0.25) -> np.ndarray:
    """A photo-like float32 HxWx3 image: smooth shading plus noise, dark-ish."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    base = level + 0.15 * np.sin(yy / 37.0) * np.cos(xx / 53.0) + 0.1 * (xx / max(w, 1))
    img = base[..., None] * np.array([1.0, 0.85, 0.7], np.float32)
    img = img + rng.normal(0.0, 0.04, (h, w, 3)).astype(np.float32)
    return np.clip(img, 0.0, 1.0).astype(np.float32)


def write_image(path: Path, h: int = 48, w: int = 64, seed: int = 0) -> Path:
    """A small dark photo written with Pillow (independent of our imageio)."""
    from PIL import Image

    arr = (smooth_noisy(h, w, seed) * 255).round().astype(np.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(arr).save(path)
    return path


def refuse_creates_in(monkeypatch: pytest.MonkeyPatch, folder: Path):
    """Make every file create in ``folder`` fail with "Permission denied", as a read-only folder
    does (chmod does not stop root, so the tests simulate it). Returns the real ``os.open``."""
    import errno
    import os

    real_open = os.open

    def refused(path, flags, *args, **kwargs):
        if Path(path).parent == folder and flags & os.O_CREAT:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", refused)
    return real_open
