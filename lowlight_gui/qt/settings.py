"""Typed, persistent app settings over QSettings: engine, output, browsing, window state.

A photo's own settings (exposure, noise reduction, ...) are not here: each photo keeps its own
in the settings store (core/photo_edits.py), and a photo never edited gets the declared
defaults (core/settings.py). Tests pass a path to get an isolated IniFormat file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QSettings

from lowlight_gui.core import formats
from lowlight_gui.core.enhance import DEFAULT_TILE

# The output choices ("same", "jpg", "png", "tif") and their labels, from core/formats.py.
FORMATS: tuple[str, ...] = formats.OUTPUT_CHOICES
FORMAT_LABELS: dict[str, str] = {key: formats.choice_label(key) for key in FORMATS}
OVERWRITE_POLICIES: tuple[str, ...] = ("skip", "overwrite")
OVERWRITE_LABELS: dict[str, str] = {
    "skip": "Skip existing files",
    "overwrite": "Overwrite existing files",
}
TILE_SIZES: tuple[int, ...] = (256, 512, 768, 1024, 0)  # 0: the whole image in one piece


class Settings:
    """User settings with defaults; every setter writes through to QSettings."""

    def __init__(self, path: Path | str | None = None) -> None:
        if path is None:
            self._qs = QSettings("Lowlight", "Lowlight")
        else:
            self._qs = QSettings(str(path), QSettings.Format.IniFormat)

    # -- plumbing -------------------------------------------------------------------------
    def _get(self, key: str, default: Any, kind: type) -> Any:
        value = self._qs.value(key, default)
        if value is None:
            return default
        try:
            if kind is bool:
                # IniFormat gives back "true"/"false" strings.
                return value if isinstance(value, bool) else str(value).lower() in ("1", "true")
            return kind(value)
        except (TypeError, ValueError):
            return default

    def _set(self, key: str, value: Any) -> None:
        self._qs.setValue(key, value)

    def sync(self) -> None:
        """Flush to disk (QSettings also does this on its own, lazily)."""
        self._qs.sync()

    @property
    def file_name(self) -> str:
        return self._qs.fileName()

    # -- enhancement ----------------------------------------------------------------------
    @property
    def provider(self) -> str:
        """ "auto" or a short provider name ("CPU", "CUDA", ...)."""
        return self._get("enhance/provider", "auto", str)

    @provider.setter
    def provider(self, value: str) -> None:
        self._set("enhance/provider", str(value))

    @property
    def tile(self) -> int:
        value = self._get("enhance/tile", DEFAULT_TILE, int)
        return value if value in TILE_SIZES else DEFAULT_TILE

    @tile.setter
    def tile(self, value: int) -> None:
        self._set("enhance/tile", int(value))

    # -- output ---------------------------------------------------------------------------
    @property
    def output_dir(self) -> Path | None:
        """None means the default: an "enhanced" folder next to each input."""
        value = self._get("output/dir", "", str)
        return Path(value) if value else None

    @output_dir.setter
    def output_dir(self, value: Path | str | None) -> None:
        self._set("output/dir", str(value) if value else "")

    @property
    def fmt(self) -> str:
        value = self._get("output/format", "same", str)
        return value if value in FORMATS else "same"

    @fmt.setter
    def fmt(self, value: str) -> None:
        if value not in FORMATS:
            raise ValueError(f"unknown output format {value!r}")
        self._set("output/format", value)

    @property
    def quality(self) -> int:
        return min(100, max(1, self._get("output/quality", 95, int)))

    @quality.setter
    def quality(self, value: int) -> None:
        self._set("output/quality", int(min(100, max(1, value))))

    @property
    def overwrite(self) -> str:
        value = self._get("output/overwrite", "skip", str)
        return value if value in OVERWRITE_POLICIES else "skip"

    @overwrite.setter
    def overwrite(self, value: str) -> None:
        if value not in OVERWRITE_POLICIES:
            raise ValueError(f"unknown overwrite policy {value!r}")
        self._set("output/overwrite", value)

    # -- browsing -------------------------------------------------------------------------
    @property
    def last_folder(self) -> Path | None:
        value = self._get("browse/last_folder", "", str)
        return Path(value) if value else None

    @last_folder.setter
    def last_folder(self, value: Path | str | None) -> None:
        self._set("browse/last_folder", str(value) if value else "")

    # -- queue ----------------------------------------------------------------------------
    @property
    def unfinished_queue(self) -> list[Path]:
        """Photos still to enhance when the app was last closed (queued, running or failed)."""
        # JSON, not a QSettings list: IniFormat gives a one-item list back as a plain string.
        try:
            paths = json.loads(self._get("queue/unfinished", "[]", str))
        except ValueError:
            return []
        return [Path(p) for p in paths if isinstance(p, str)] if isinstance(paths, list) else []

    @unfinished_queue.setter
    def unfinished_queue(self, paths: list[Path]) -> None:
        self._set("queue/unfinished", json.dumps([str(p) for p in paths]))

    @property
    def failed_queue(self) -> dict[Path, str]:
        """The unfinished photos that had failed, with their errors: they come back failed."""
        try:
            failed = json.loads(self._get("queue/failed", "{}", str))
        except ValueError:
            return {}
        if not isinstance(failed, dict):
            return {}
        return {Path(p): m for p, m in failed.items() if isinstance(m, str)}

    @failed_queue.setter
    def failed_queue(self, failed: dict[Path, str]) -> None:
        self._set("queue/failed", json.dumps({str(p): m for p, m in failed.items()}))

    # -- window state ---------------------------------------------------------------------
    def _bytes(self, key: str) -> QByteArray | None:
        value = self._qs.value(key)
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None

    @property
    def window_geometry(self) -> QByteArray | None:
        return self._bytes("window/geometry")

    @window_geometry.setter
    def window_geometry(self, value: QByteArray) -> None:
        self._set("window/geometry", value)

    @property
    def window_state(self) -> QByteArray | None:
        return self._bytes("window/state")

    @window_state.setter
    def window_state(self, value: QByteArray) -> None:
        self._set("window/state", value)

    def splitter_state(self, name: str) -> QByteArray | None:
        return self._bytes(f"window/splitter_{name}")

    def set_splitter_state(self, name: str, value: QByteArray) -> None:
        self._set(f"window/splitter_{name}", value)
