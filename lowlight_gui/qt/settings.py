"""Typed, persistent user settings over QSettings.

Everything the user can set in the window lives here, so that the window, the tests and a
restart all read the same values. Tests pass a path to get an isolated IniFormat file.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QSettings

from lowlight_gui.core import formats
from lowlight_gui.core.chroma import COLOUR_NOISE_RANGE
from lowlight_gui.core.enhance import DEFAULT_TILE, DENOISE_RANGE, EXPOSURE_RANGE, SHADOWS_MAX

# The output choices ("same", "jpg", "png", "tif") and their labels, from core/formats.py.
FORMATS: tuple[str, ...] = formats.OUTPUT_CHOICES
FORMAT_LABELS: dict[str, str] = {key: formats.choice_label(key) for key in FORMATS}
OVERWRITE_POLICIES: tuple[str, ...] = ("skip", "overwrite")
OVERWRITE_LABELS: dict[str, str] = {
    "skip": "Skip existing files",
    "overwrite": "Overwrite existing files",
}
TILE_SIZES: tuple[int, ...] = (256, 512, 768, 1024, 0)  # 0: the whole image in one piece


def clamp_exposure(value: float) -> float:
    """``value`` within EXPOSURE_RANGE, rounded to the slider's 0.1 EV; 0 for nan/inf (a hand-
    edited or corrupt settings file must not reach the core, which refuses out-of-range EV)."""
    if not math.isfinite(value):
        return 0.0
    lo, hi = EXPOSURE_RANGE
    return round(min(hi, max(lo, value)), 1) + 0.0  # + 0.0: no "-0.0"


def clamp_denoise(value: float) -> float:
    """``value`` within DENOISE_RANGE, rounded to the slider's 1 %; 1 (full) for nan/inf."""
    if not math.isfinite(value):
        return 1.0
    lo, hi = DENOISE_RANGE
    return round(min(hi, max(lo, value)), 2)


def clamp_colour_noise(value: float) -> float:
    """``value`` within COLOUR_NOISE_RANGE, rounded to the slider's 1 %; 0 (off) for nan/inf."""
    if not math.isfinite(value):
        return 0.0
    lo, hi = COLOUR_NOISE_RANGE
    return round(min(hi, max(lo, value)), 2) + 0.0


def clamp_shadows(value: float) -> float:
    """``value`` within 0..SHADOWS_MAX stops, rounded to the slider's 0.1; 0 (no lift) for
    nan/inf."""
    if not math.isfinite(value):
        return 0.0
    return round(min(SHADOWS_MAX, max(0.0, value)), 1) + 0.0


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
    def strength(self) -> float:
        return min(1.0, max(0.0, self._get("enhance/strength", 1.0, float)))

    @strength.setter
    def strength(self, value: float) -> None:
        self._set("enhance/strength", float(min(1.0, max(0.0, value))))

    @property
    def exposure(self) -> float:
        """EV offset of the model's exposure estimate; 0 = the model's own."""
        return clamp_exposure(self._get("enhance/exposure", 0.0, float))

    @exposure.setter
    def exposure(self, value: float) -> None:
        self._set("enhance/exposure", clamp_exposure(float(value)))

    @property
    def denoise(self) -> float:
        """How much of the model's noise removal is kept, 0..1; 1 = all of it."""
        return clamp_denoise(self._get("enhance/denoise", 1.0, float))

    @denoise.setter
    def denoise(self, value: float) -> None:
        self._set("enhance/denoise", clamp_denoise(float(value)))

    @property
    def colour_noise(self) -> float:
        """How much of the colour blotches to remove after the model, 0..1; 0 = off."""
        return clamp_colour_noise(self._get("enhance/colour_noise", 0.0, float))

    @colour_noise.setter
    def colour_noise(self, value: float) -> None:
        self._set("enhance/colour_noise", clamp_colour_noise(float(value)))

    @property
    def shadows_auto(self) -> bool:
        """The shadow lift is chosen per photo (``shadows`` is then not used)."""
        return bool(self._get("enhance/shadows_auto", True, bool))

    @shadows_auto.setter
    def shadows_auto(self, value: bool) -> None:
        self._set("enhance/shadows_auto", bool(value))

    @property
    def shadows(self) -> float:
        """The shadow lift in stops when it is not Auto; 0 = none."""
        return clamp_shadows(self._get("enhance/shadows", 0.0, float))

    @shadows.setter
    def shadows(self, value: float) -> None:
        self._set("enhance/shadows", clamp_shadows(float(value)))

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
