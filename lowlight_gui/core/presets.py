"""Presets: a look saved under a name, as a small JSON file in the user's config folder.

A preset file is ``{"format": "lowlight-preset", "version": 1, "name": ..., "settings": {key:
value}}`` with the keys of ``SPECS`` (the CLI's long option names with underscores:
``colour_noise`` for ``--colour-noise``); a key left out takes its default, ``null`` or
``"auto"`` is Auto. Presets live in ``<config folder>/presets/NAME.json``: the config folder is
``$LOWLIGHT_CONFIG_DIR`` when set (tests), else ``%APPDATA%\\Lowlight`` on Windows,
``~/Library/Application Support/Lowlight`` on macOS and ``$XDG_CONFIG_HOME/Lowlight`` (default
``~/.config/Lowlight``) elsewhere. A preset's name is its file's name without ``.json``, so it is
checked to be a safe file name on every platform. Files are written atomically (a temp file
renamed over the old one). Qt-free: the CLI (``--preset``) and the window's Presets menu use it.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import LowlightError
from .settings import Settings

log = logging.getLogger(__name__)

FORMAT = "lowlight-preset"
VERSION = 1
SUFFIX = ".json"
MAX_NAME = 80  # characters: a menu entry, and well inside every file system's limit
_FORBIDDEN = set('<>:"/\\|?*')  # not in a file name on Windows (and / nowhere)
_RESERVED = {"CON", "PRN", "AUX", "NUL"} | {f"{d}{i}" for d in ("COM", "LPT") for i in range(1, 10)}


@dataclass(frozen=True)
class Preset:
    name: str
    settings: Settings
    path: Path


def config_dir() -> Path:
    """The user's config folder for Lowlight (not created here)."""
    override = os.environ.get("LOWLIGHT_CONFIG_DIR")
    if override:
        return Path(override).expanduser()
    if sys.platform == "win32":
        appdata = os.environ.get("APPDATA")
        return (Path(appdata) if appdata else Path.home() / "AppData" / "Roaming") / "Lowlight"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "Lowlight"
    xdg = os.environ.get("XDG_CONFIG_HOME")
    return (Path(xdg) if xdg else Path.home() / ".config") / "Lowlight"


def presets_dir() -> Path:
    """Where presets are stored (not created until one is saved)."""
    return config_dir() / "presets"


def check_name(name: str) -> str:
    """``name`` without surrounding spaces, or a ``LowlightError`` that says why it cannot name a
    preset (it becomes a file name on Windows, macOS and Linux alike)."""
    clean = str(name).strip()
    if not clean:
        raise LowlightError("a preset needs a name")
    if len(clean) > MAX_NAME:
        raise LowlightError(f"a preset's name can be at most {MAX_NAME} characters long")
    bad = sorted({c for c in clean if c in _FORBIDDEN or ord(c) < 32})
    if bad:
        shown = " ".join(repr(c) for c in bad)
        raise LowlightError(f"a preset's name cannot contain {shown}: {clean!r}")
    if clean.startswith(".") or clean.endswith("."):
        raise LowlightError(f"a preset's name cannot start or end with a dot: {clean!r}")
    if clean.split(".")[0].upper() in _RESERVED:
        raise LowlightError(f"{clean!r} is a name Windows keeps for devices; choose another")
    return clean


def path_for(name: str) -> Path:
    """The file of the preset named ``name`` (checked)."""
    return presets_dir() / (check_name(name) + SUFFIX)


def read_preset_file(path: Path) -> Preset:
    """The preset in ``path``; a ``LowlightError`` naming the file and what is wrong with it (not
    JSON, not a preset, a newer version, an unknown setting or a bad value)."""
    path = Path(path)
    where = f"preset '{path}'"
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise LowlightError(f"{where} does not exist") from None
    except OSError as exc:
        raise LowlightError(f"cannot read {where}: {exc.strerror or exc}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise LowlightError(f"{where} is not valid JSON: {exc}") from None
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise LowlightError(f'{where} is not a Lowlight preset (no "format": "{FORMAT}")')
    version = raw.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise LowlightError(f"{where} has no valid version")
    if version > VERSION:
        raise LowlightError(
            f"{where} was saved by a newer Lowlight (preset version {version}); update Lowlight"
        )
    values = raw.get("settings", {})
    if not isinstance(values, dict):
        raise LowlightError(f'{where}: "settings" must be an object of setting: value')
    try:
        settings = Settings.from_dict(values)
    except LowlightError as exc:
        raise LowlightError(f"{where}: {exc}") from None
    return Preset(path.stem, settings, path)


def _is_path(name_or_path: str | os.PathLike[str]) -> bool:
    text = os.fspath(name_or_path)
    return text.lower().endswith(SUFFIX) or any(sep in text for sep in ("/", "\\", os.sep))


def load_preset(name_or_path: str | os.PathLike[str]) -> Preset:
    """The preset of that name (in ``presets_dir``) or in that file (a path, or a name ending
    in ``.json``); a ``LowlightError`` that names it when it is missing or bad."""
    if isinstance(name_or_path, Path) or _is_path(name_or_path):
        return read_preset_file(Path(name_or_path).expanduser())
    path = path_for(str(name_or_path))
    if not path.is_file():
        known = ", ".join(p.name for p in list_presets()) or "none saved yet"
        raise LowlightError(f"no preset named '{path.stem}' in {presets_dir()} (presets: {known})")
    return read_preset_file(path)


def list_presets() -> list[Preset]:
    """The saved presets, by name (case-insensitive); a broken file is left out (and logged), so
    that one bad file does not hide the others."""
    folder = presets_dir()
    try:
        files = [p for p in folder.iterdir() if p.suffix.lower() == SUFFIX and p.is_file()]
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise LowlightError(f"cannot read the presets folder '{folder}': {exc.strerror}") from None
    presets = []
    for path in files:
        try:
            presets.append(read_preset_file(path))
        except LowlightError as exc:
            log.warning("%s", exc)
    return sorted(presets, key=lambda p: (p.name.casefold(), p.name))


def preset_json(name: str, settings: Settings) -> str:
    """The text of a preset file."""
    body: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "name": name,
        "settings": settings.to_dict(),
    }
    return json.dumps(body, indent=2) + "\n"


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".~", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save_preset(name: str, settings: Settings, *, replace: bool = True) -> Path:
    """Save ``settings`` as the preset ``name`` (atomically) and return its file. An existing
    preset of that name is replaced, unless ``replace`` is False (then a ``LowlightError``)."""
    path = path_for(name)
    if not replace and path.exists():
        raise LowlightError(f"a preset named '{path.stem}' exists already")
    try:
        _write_atomically(path, preset_json(path.stem, settings))
    except OSError as exc:
        raise LowlightError(
            f"cannot save the preset '{path.stem}': {exc.strerror or exc}"
        ) from None
    return path


def rename_preset(old: str, new: str) -> Path:
    """Give the preset ``old`` the name ``new`` (refused when ``new`` is taken by another)."""
    source = path_for(old)
    preset = load_preset(source.stem)
    target = path_for(new)
    if target.exists() and not _same(source, target):
        raise LowlightError(f"a preset named '{target.stem}' exists already")
    try:
        if _same(source, target):  # only the case changes (a case-blind file system)
            step = source.with_name(f".~rename-{source.name}")
            os.replace(source, step)
            os.replace(step, target)
            _write_atomically(target, preset_json(target.stem, preset.settings))
        else:
            _write_atomically(target, preset_json(target.stem, preset.settings))
            source.unlink()
    except OSError as exc:
        raise LowlightError(f"cannot rename the preset '{source.stem}': {exc.strerror}") from None
    return target


def _same(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def delete_preset(name: str) -> None:
    """Delete the preset ``name`` (a ``LowlightError`` when there is none)."""
    path = path_for(name)
    try:
        path.unlink()
    except FileNotFoundError:
        raise LowlightError(f"no preset named '{path.stem}'") from None
    except OSError as exc:
        raise LowlightError(f"cannot delete the preset '{path.stem}': {exc.strerror}") from None
