"""Presets: named settings saved as small JSON files in the user's config folder.

Keys are the settings' keys (``colour_noise`` for ``--colour-noise``); ``LOWLIGHT_CONFIG_DIR``
overrides the folder.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

from .errors import LowlightError
from .settings import Settings

SUFFIX = ".json"


def presets_dir() -> Path:
    override = os.environ.get("LOWLIGHT_CONFIG_DIR")
    if override:
        base = Path(override).expanduser()
    elif sys.platform == "win32":
        base = Path(os.environ.get("APPDATA") or Path.home() / "AppData" / "Roaming") / "Lowlight"
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support" / "Lowlight"
    else:
        base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "Lowlight"
    return base / "presets"


def _file(name: str) -> Path:
    name = name.strip()
    if not name or re.search(r'[/\\:*?"<>|]', name) or name.startswith("."):
        raise LowlightError(f"not a usable preset name: {name!r}")
    return presets_dir() / f"{name}{SUFFIX}"


def list_presets() -> list[str]:
    folder = presets_dir()
    if not folder.is_dir():
        return []
    return sorted((p.stem for p in folder.glob(f"*{SUFFIX}")), key=str.casefold)


def load_preset(name_or_path: str | Path) -> Settings:
    path = Path(name_or_path)
    if path.suffix.lower() != SUFFIX or not path.is_file():
        path = _file(str(name_or_path))
    try:
        values = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise LowlightError(f"no preset named {name_or_path!s}") from None
    except (OSError, ValueError) as exc:
        raise LowlightError(f"cannot read preset {path}: {exc}") from None
    if not isinstance(values, dict):
        raise LowlightError(f"preset {path} does not hold settings")
    return Settings.from_dict(values)


def save_preset(name: str, settings: Settings) -> Path:
    path = _file(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(settings.to_dict(), indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return path


def rename_preset(old: str, new: str) -> Path:
    src, dst = _file(old), _file(new)
    if not src.is_file():
        raise LowlightError(f"no preset named {old}")
    if dst.exists():
        raise LowlightError(f"a preset named {new} exists already")
    src.rename(dst)
    return dst


def delete_preset(name: str) -> None:
    path = _file(name)
    if not path.is_file():
        raise LowlightError(f"no preset named {name}")
    path.unlink()
