"""Where the app's data lives: ``models/`` and ``resources/``.

Looked up, in order, under:
1. a PyInstaller bundle's root (``sys._MEIPASS``; the spec copies ``models/`` and ``resources/``
   there) and the folder of the frozen executable;
2. the package folder itself (an installed wheel that ships the data inside the package);
3. the source checkout's root (the parent of the ``lowlight_gui`` package).

``LOWLIGHT_MODEL`` in the environment overrides the default model path.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

MODEL_FILENAME = "lowlight_unet.onnx"
MODEL_CARD = "model_card.md"

_PACKAGE_DIR = Path(__file__).resolve().parent


def is_frozen() -> bool:
    return bool(getattr(sys, "frozen", False)) or hasattr(sys, "_MEIPASS")


def base_dirs() -> list[Path]:
    """Folders that may hold ``models/`` and ``resources/``, most specific first."""
    dirs: list[Path] = []
    if is_frozen():
        meipass = getattr(sys, "_MEIPASS", None)
        if meipass:
            dirs.append(Path(meipass))
        dirs.append(Path(sys.executable).resolve().parent)
    dirs.append(_PACKAGE_DIR)
    dirs.append(_PACKAGE_DIR.parent)
    return list(dict.fromkeys(dirs))  # without repeats, in order


def resource_path(*parts: str) -> Path:
    """The first existing ``<base>/<parts...>``; if none exists, the path in the primary location
    (the bundle root when frozen, else the checkout root), so that errors name a sensible path."""
    dirs = base_dirs()
    for d in dirs:
        candidate = d.joinpath(*parts)
        if candidate.exists():
            return candidate
    primary = dirs[0] if is_frozen() else _PACKAGE_DIR.parent
    return primary.joinpath(*parts)


def default_model_path() -> Path:
    """The shipped model: ``$LOWLIGHT_MODEL`` if set, else ``models/lowlight_unet.onnx``."""
    env = os.environ.get("LOWLIGHT_MODEL")
    if env:
        return Path(env).expanduser()
    return resource_path("models", MODEL_FILENAME)


def model_card_path(model_path: Path | None = None) -> Path:
    """``model_card.md`` beside the model (or in ``models/``)."""
    if model_path is not None:
        beside = Path(model_path).with_name(MODEL_CARD)
        if beside.exists():
            return beside
    return resource_path("models", MODEL_CARD)
