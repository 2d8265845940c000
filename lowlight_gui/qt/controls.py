"""Enhancement and output controls, bound to Settings (every change persists at once)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSlider,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from lowlight_gui.core import formats
from lowlight_gui.core.enhance import EXPOSURE_RANGE, SHADOWS_MAX
from lowlight_gui.qt.settings import (
    FORMAT_LABELS,
    FORMATS,
    OVERWRITE_LABELS,
    OVERWRITE_POLICIES,
    TILE_SIZES,
    Settings,
    clamp_colour_noise,
    clamp_denoise,
    clamp_exposure,
    clamp_shadows,
)

DEFAULT_OUTPUT_HINT = "Next to each photo, in “enhanced”"
EV_STEPS = 10  # slider steps per EV: 0.1 EV each
EXPOSURE_TIP = (
    "Brighter (+) or darker (−) than the model's own choice, in EV (stops); 0 EV is the model's "
    "own estimate. The model takes the exposure into account before it runs, so a brighter "
    "choice is denoised accordingly instead of amplifying the noise.\n"
    "Double-click the slider or press ↺ to go back to 0 EV."
)
DENOISE_TIP = (
    "How much of the model's noise removal to keep: 100 % is its full result, 0 % the same "
    "photo, as bright and with the same colours, with its grain. Take it back on fine textures "
    "or to keep some grain; Strength then blends with the original.\n"
    "Double-click the slider or press ↺ to go back to 100 %."
)
NO_DENOISE_TIP = (
    "This model removes noise together with brightening: it has no separate noise reduction "
    "(its file was made before Lowlight had this control), so noise is always removed in "
    "full. A model exported by this version's training/export.py has it."
)
COLOUR_NOISE_TIP = (
    "Removes the blotches of colour, purple, green or brown patches, that very high-ISO night "
    "photos keep after noise reduction (look at 100 %). It evens out the colour only: detail "
    "and brightness stay as they are. Raise it until the patches are gone; much more can also "
    "wash out small coloured details.\n"
    "It adds time to every photo, so it is off (0 %) unless you set it. Black-and-white "
    "photos have no colour to correct.\n"
    "Double-click the slider or press ↺ to turn it off again."
)

SHADOWS_TIP = (
    "Lifts the shadows and mid-tones by up to this many stops while white stays white, before "
    "the model removes the noise, so the lifted shadows are denoised too.\n"
    "Auto lifts only photos whose lamps, lit windows or sky hold the exposure down, or whose "
    "darkest shadows would stay black, each as much as it needs; the slider then shows its "
    "choice for the photo on show. Untick Auto to "
    "set the lift yourself, starting from that choice.\n"
    "Double-click the slider or press ↺ to go back to Auto."
)
NO_SHADOWS_TIP = (
    "This model has no shadow lift: its file was made before Lowlight had this control, so "
    "shadows are brightened only with the rest of the photo (Exposure). A model exported by "
    "this version's training/export.py has it."
)


def format_ev(ev: float) -> str:
    """ "+0.7 EV", "−1.3 EV", "0.0 EV" (a real minus sign; no "−0.0")."""
    ev = round(float(ev), 1)
    if ev == 0.0:
        return "0.0 EV"
    return f"{ev:+.1f} EV".replace("-", "−")


class ResetSlider(QSlider):
    """A horizontal slider that a double-click returns to ``reset_to`` (its default), or hands
    to ``on_reset`` when the default is more than a value (Shadows: Auto)."""

    def __init__(
        self,
        reset_to: int = 0,
        parent: QWidget | None = None,
        on_reset: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(Qt.Orientation.Horizontal, parent)
        self.reset_to = reset_to
        self.on_reset = on_reset

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        # Not passed on: QSlider would treat it as a second press and start a drag.
        if self.on_reset is not None:
            self.on_reset()
        else:
            self.setValue(self.reset_to)
        event.accept()


# What each choice of "Run on" means, for its tooltip (short names: core.engine).
PROVIDER_TIPS = {
    "auto": "Automatic: the fastest this computer offers (an NVIDIA GPU with CUDA, DirectML on "
            "Windows), else the CPU; if it fails to start, the CPU is used and the status bar "
            "says so. Core ML on a Mac runs only when chosen by name.",
    "CPU": "CPU: works everywhere; the slowest for large photos.",
    "CUDA": "CUDA: an NVIDIA graphics card (needs its driver and ONNX Runtime's GPU build).",
    "DirectML": "DirectML: the graphics card on Windows (any vendor).",
    "CoreML": "Core ML: Apple's Neural Engine and GPU on a Mac (not yet checked against the "
              "CPU's results, so Automatic does not pick it).",
}


def provider_tooltip(name: str) -> str:
    """The tooltip of a "Run on" choice ("auto" or a short provider name)."""
    return PROVIDER_TIPS.get(name, f"{name}: an ONNX Runtime execution provider.")


def _reset_button(name: str, tip: str) -> QToolButton:
    button = QToolButton()
    button.setObjectName(name)
    button.setText("↺")
    button.setToolTip(tip)
    button.setAutoRaise(True)
    return button


def _percent_slider(name: str, reset_to: int, amount: float, tip: str) -> ResetSlider:
    """A 0-100 % slider for an amount 0..1 (Noise reduction, Colour noise), at ``amount``; a
    double-click returns it to ``reset_to`` %."""
    slider = ResetSlider(reset_to)
    slider.setObjectName(name)
    slider.setRange(0, 100)
    slider.setPageStep(10)
    slider.setValue(round(amount * 100))
    slider.setToolTip(tip)
    return slider


def _slider_row(
    slider: QSlider, name: str, reset_tip: str
) -> tuple[QLabel, QToolButton, QHBoxLayout]:
    """A slider's row: the slider, its value label (``NAMELabel``) and a reset button
    (``NAMEReset``)."""
    label = QLabel()
    label.setObjectName(f"{name}Label")
    label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    reset = _reset_button(f"{name}Reset", reset_tip)
    row = QHBoxLayout()
    row.addWidget(slider, 1)
    row.addWidget(label)
    row.addWidget(reset)
    return label, reset, row


class ControlsPanel(QWidget):
    strengthChanged = Signal(float)  # live, while dragging: re-blend only
    exposureChanged = Signal(float)  # EV, live while dragging: the network's input changes
    denoiseChanged = Signal(float)  # 0..1, live while dragging: the model's outputs mix anew
    colourNoiseChanged = Signal(float)  # 0..1 (0: off), live while dragging: a new result
    shadowsChanged = Signal(object)  # stops, live while dragging, or None for Auto
    engineChanged = Signal()  # provider or tile size: the preview must be recomputed
    outputChanged = Signal()

    def __init__(
        self, settings: Settings, providers: list[str], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.settings = settings

        # -- enhancement ----------------------------------------------------------------
        self.strength = QSlider(Qt.Orientation.Horizontal)
        self.strength.setObjectName("strengthSlider")
        self.strength.setRange(0, 100)
        self.strength.setPageStep(10)
        self.strength.setValue(round(settings.strength * 100))
        self.strength.setToolTip("0 % is the original, 100 % the full enhancement.")
        self.strength_label = QLabel()
        self.strength_label.setMinimumWidth(40)
        self.strength_label.setAlignment(
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        )
        self.strength.valueChanged.connect(self._on_strength)
        strength_row = QHBoxLayout()
        strength_row.addWidget(self.strength, 1)
        strength_row.addWidget(self.strength_label)

        lo, hi = EXPOSURE_RANGE
        self.exposure = ResetSlider(0)
        self.exposure.setObjectName("exposureSlider")
        self.exposure.setRange(round(lo * EV_STEPS), round(hi * EV_STEPS))
        self.exposure.setPageStep(EV_STEPS // 2)
        self.exposure.setValue(round(settings.exposure * EV_STEPS))
        self.exposure.setToolTip(EXPOSURE_TIP)
        self.exposure_label, self.exposure_reset, exposure_row = _slider_row(
            self.exposure, "exposure", "Back to 0 EV, the model's own exposure"
        )
        self.exposure_reset.clicked.connect(self.reset_exposure)
        self.exposure.valueChanged.connect(self._on_exposure)
        self._denoise_available = True  # until an engine says its model has no base output
        self.denoise = _percent_slider("denoiseSlider", 100, settings.denoise, DENOISE_TIP)
        self.denoise_label, self.denoise_reset, denoise_row = _slider_row(
            self.denoise, "denoise", "Back to 100 %, the model's full noise removal"
        )
        self.denoise_reset.clicked.connect(self.reset_denoise)
        self.denoise.valueChanged.connect(self._on_denoise)
        self.colour_noise = _percent_slider(
            "colourNoiseSlider", 0, settings.colour_noise, COLOUR_NOISE_TIP
        )
        self.colour_noise_label, self.colour_noise_reset, colour_noise_row = _slider_row(
            self.colour_noise, "colourNoise", "Back to 0 %: colour noise reduction off"
        )
        self.colour_noise_reset.clicked.connect(self.reset_colour_noise)
        self.colour_noise.valueChanged.connect(self._on_colour_noise)
        self._lift_available = True  # until an engine says its model has no lift input
        self._auto_stops: float | None = None  # Auto's lift for the photo on show, once known
        self.shadows_auto = QCheckBox("Auto")
        self.shadows_auto.setObjectName("shadowsAuto")
        self.shadows_auto.setChecked(settings.shadows_auto)
        self.shadows = ResetSlider(0, on_reset=self.reset_shadows)
        self.shadows.setObjectName("shadowsSlider")
        self.shadows.setRange(0, round(SHADOWS_MAX * EV_STEPS))
        self.shadows.setPageStep(EV_STEPS // 2)
        self.shadows.setValue(round(settings.shadows * EV_STEPS))
        for w in (self.shadows_auto, self.shadows):
            w.setToolTip(SHADOWS_TIP)
        self.shadows_label, self.shadows_reset, shadows_row = _slider_row(
            self.shadows, "shadows", "Back to Auto: each photo gets the lift it needs"
        )
        shadows_row.insertWidget(0, self.shadows_auto)
        self.shadows_reset.clicked.connect(self.reset_shadows)
        self.shadows.valueChanged.connect(self._on_shadows)
        self.shadows_auto.toggled.connect(self._on_shadows_auto)
        # The same label width on every row, so the sliders line up and end together.
        width = self.exposure_label.fontMetrics().horizontalAdvance(format_ev(lo)) + 4
        for label in (
            self.strength_label, self.exposure_label, self.denoise_label,
            self.colour_noise_label, self.shadows_label,
        ):
            label.setMinimumWidth(max(40, width))
        # An empty stand-in for the reset button keeps the Strength slider as long.
        stand_in = QWidget()
        stand_in.setFixedSize(self.exposure_reset.sizeHint())
        strength_row.addWidget(stand_in)

        self.provider = QComboBox()
        self.provider.setObjectName("providerCombo")
        self.provider.addItem("Automatic", "auto")
        for name in providers:
            self.provider.addItem(name, name)
        for i in range(self.provider.count()):
            tip = provider_tooltip(str(self.provider.itemData(i)))
            self.provider.setItemData(i, tip, Qt.ItemDataRole.ToolTipRole)
        self.provider.setToolTip(
            "Where the model runs. Automatic picks the fastest this computer has and falls "
            "back to the CPU if it fails."
        )
        self._select(self.provider, settings.provider)
        self.provider.currentIndexChanged.connect(self._on_provider)
        self.active_provider = QLabel("")
        self.active_provider.setObjectName("activeProvider")
        provider_row = QHBoxLayout()
        provider_row.addWidget(self.provider, 1)
        provider_row.addWidget(self.active_provider)

        self.tile = QComboBox()
        for size in TILE_SIZES:
            self.tile.addItem(f"{size} px" if size else "Whole photo", size)
        self._select(self.tile, settings.tile)
        self.tile.setToolTip("Smaller tiles use less memory; larger ones are a little faster.")
        self.tile.currentIndexChanged.connect(self._on_tile)

        enhance_box = QGroupBox("Enhancement")
        form = QFormLayout(enhance_box)
        form.addRow("Strength", strength_row)
        form.addRow("Exposure", exposure_row)
        form.addRow("Noise reduction", denoise_row)
        form.addRow("Colour noise", colour_noise_row)
        form.addRow("Shadows", shadows_row)
        form.addRow("Run on", provider_row)
        form.addRow("Tile size", self.tile)

        # -- output ---------------------------------------------------------------------
        self.output_dir = QLineEdit()
        self.output_dir.setObjectName("outputDir")
        self.output_dir.setPlaceholderText(DEFAULT_OUTPUT_HINT)
        self.output_dir.setText(str(settings.output_dir) if settings.output_dir else "")
        self.output_dir.editingFinished.connect(self._on_output_dir)
        browse = QToolButton()
        browse.setText("…")
        browse.setToolTip("Choose the output folder")
        browse.clicked.connect(self.choose_output_dir)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.output_dir, 1)
        folder_row.addWidget(browse)

        self.fmt = QComboBox()
        for key in FORMATS:
            self.fmt.addItem(FORMAT_LABELS[key], key)
        self._select(self.fmt, settings.fmt)
        self.fmt.setToolTip(f"Same as input writes {formats.same_defaults()}.")
        self.fmt.currentIndexChanged.connect(self._on_fmt)

        self.quality = QSpinBox()
        self.quality.setRange(1, 100)
        self.quality.setValue(settings.quality)
        self.quality.setSuffix(" %")
        self.quality.valueChanged.connect(self._on_quality)

        self.overwrite = QComboBox()
        for key in OVERWRITE_POLICIES:
            self.overwrite.addItem(OVERWRITE_LABELS[key], key)
        self._select(self.overwrite, settings.overwrite)
        self.overwrite.currentIndexChanged.connect(self._on_overwrite)

        output_box = QGroupBox("Output")
        oform = QFormLayout(output_box)
        oform.addRow("Folder", folder_row)
        oform.addRow("Format", self.fmt)
        oform.addRow("JPEG quality", self.quality)
        oform.addRow("Existing files", self.overwrite)

        # Photos dropped anywhere go to the queue: text fields must not swallow them as text.
        for w in (self.output_dir, self.quality.lineEdit()):
            w.setAcceptDrops(False)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(enhance_box)
        layout.addWidget(output_box)
        self._on_strength(self.strength.value(), persist=False)
        self._on_exposure(self.exposure.value(), persist=False)
        self._on_denoise(self.denoise.value(), persist=False)
        self._on_colour_noise(self.colour_noise.value(), persist=False)
        self._update_shadows()
        self._update_quality_enabled()

    # -- values ---------------------------------------------------------------------------
    def strength_value(self) -> float:
        return self.strength.value() / 100.0

    def exposure_value(self) -> float:
        """EV; 0 = the model's own estimate."""
        return clamp_exposure(self.exposure.value() / EV_STEPS)

    def set_exposure(self, ev: float) -> None:
        self.exposure.setValue(round(clamp_exposure(ev) * EV_STEPS))

    def reset_exposure(self) -> None:
        self.set_exposure(0.0)

    def denoise_value(self) -> float:
        """How much of the model's noise removal to keep, 0..1; 1 when the model cannot take it
        back (no base output), so that what is asked is what is done."""
        if not self._denoise_available:
            return 1.0
        return clamp_denoise(self.denoise.value() / 100)

    def set_denoise(self, amount: float) -> None:
        self.denoise.setValue(round(clamp_denoise(amount) * 100))

    def reset_denoise(self) -> None:
        self.set_denoise(1.0)

    def set_denoise_available(self, available: bool) -> None:
        """Whether the model has a separate noise reduction; without it the slider is off and
        its tooltip says why (the setting is kept for a model that has it)."""
        self._denoise_available = available
        self.denoise.setToolTip(DENOISE_TIP if available else NO_DENOISE_TIP)
        self.denoise.setEnabled(available and self.strength.isEnabled())
        self._update_denoise_reset()

    def colour_noise_value(self) -> float:
        """How much of the colour blotches to remove after the model, 0..1; 0 = off."""
        return clamp_colour_noise(self.colour_noise.value() / 100)

    def set_colour_noise(self, amount: float) -> None:
        self.colour_noise.setValue(round(clamp_colour_noise(amount) * 100))

    def reset_colour_noise(self) -> None:
        self.set_colour_noise(0.0)

    def shadows_value(self) -> float | None:
        """The shadow lift in stops, or None for Auto (chosen per photo); None also when the
        model has no lift input, so that what is asked is what is done."""
        if not self._lift_available or self.shadows_auto.isChecked():
            return None
        return clamp_shadows(self.shadows.value() / EV_STEPS)

    def set_shadows(self, stops: float | None) -> None:
        """Auto (None) or a lift of ``stops``."""
        if stops is not None:
            self.shadows_auto.setChecked(False)
            self.shadows.setValue(round(clamp_shadows(stops) * EV_STEPS))
        else:
            self.shadows_auto.setChecked(True)

    def reset_shadows(self) -> None:
        """Back to Auto; the lift set by hand goes back to none (0)."""
        self.settings.shadows = 0.0
        self.set_shadows(None)

    def show_auto_shadows(self, stops: float | None) -> None:
        """The lift Auto chose for the photo on show (None: not known yet, or none on show);
        the slider shows it while Auto is on."""
        self._auto_stops = None if stops is None else clamp_shadows(stops)
        self._update_shadows()

    def set_lift_available(self, available: bool) -> None:
        """Whether the model has a shadow-lift input; without it the control is off and its
        tooltip says why (the setting is kept for a model that has it)."""
        self._lift_available = available
        for w in (self.shadows_auto, self.shadows):
            w.setToolTip(SHADOWS_TIP if available else NO_SHADOWS_TIP)
        self._update_shadows()

    def provider_value(self) -> str:
        return str(self.provider.currentData())

    def tile_value(self) -> int:
        return int(self.tile.currentData())

    def set_active_provider(self, name: str) -> None:
        """Show which provider actually runs (after "Automatic" or a fallback)."""
        self.active_provider.setText(f"active: {name}" if name else "")

    def set_enhancement_enabled(self, enabled: bool) -> None:
        for w in (self.strength, self.exposure, self.colour_noise, self.provider, self.tile):
            w.setEnabled(enabled)
        self.denoise.setEnabled(enabled and self._denoise_available)
        self._update_exposure_reset()
        self._update_denoise_reset()
        self._update_colour_noise_reset()
        self._update_shadows()

    # -- handlers -------------------------------------------------------------------------
    @staticmethod
    def _select(combo: QComboBox, value: object) -> None:
        i = combo.findData(value)
        combo.setCurrentIndex(max(i, 0))

    def _on_strength(self, value: int, persist: bool = True) -> None:
        self.strength_label.setText(f"{value} %")
        if persist:
            self.settings.strength = value / 100.0
            self.strengthChanged.emit(value / 100.0)

    def _on_exposure(self, value: int, persist: bool = True) -> None:
        ev = clamp_exposure(value / EV_STEPS)
        self.exposure_label.setText(format_ev(ev))
        self._update_exposure_reset()
        if persist:
            self.settings.exposure = ev
            self.exposureChanged.emit(ev)

    def _update_exposure_reset(self) -> None:
        self.exposure_reset.setEnabled(self.exposure.isEnabled() and self.exposure.value() != 0)

    def _on_denoise(self, value: int, persist: bool = True) -> None:
        self.denoise_label.setText(f"{value} %")
        self._update_denoise_reset()
        if persist:
            self.settings.denoise = value / 100
            self.denoiseChanged.emit(self.denoise_value())

    def _update_denoise_reset(self) -> None:
        self.denoise_reset.setEnabled(self.denoise.isEnabled() and self.denoise.value() != 100)

    def _on_colour_noise(self, value: int, persist: bool = True) -> None:
        self.colour_noise_label.setText(f"{value} %" if value else "Off")
        self._update_colour_noise_reset()
        if persist:
            self.settings.colour_noise = value / 100
            self.colourNoiseChanged.emit(self.colour_noise_value())

    def _update_colour_noise_reset(self) -> None:
        self.colour_noise_reset.setEnabled(
            self.colour_noise.isEnabled() and self.colour_noise.value() != 0
        )

    def _on_shadows(self, value: int) -> None:
        if self.shadows_auto.isChecked():  # (the slider shows Auto's choice: nothing to keep)
            return
        stops = clamp_shadows(value / EV_STEPS)
        self.shadows_label.setText(format_ev(stops))
        self.settings.shadows = stops
        self.shadowsChanged.emit(self.shadows_value())

    def _on_shadows_auto(self, auto: bool) -> None:
        self.settings.shadows_auto = auto
        if not auto and self._auto_stops is not None:  # take over from Auto's choice
            self.settings.shadows = self._auto_stops
        self._update_shadows()
        self.shadowsChanged.emit(self.shadows_value())

    def _update_shadows(self) -> None:
        """The row as the state says: while Auto is on, the slider (off) and the label show
        Auto's choice for the photo on show ("auto" until it is known); else the lift set."""
        auto = self.shadows_auto.isChecked()
        stops = self.settings.shadows
        if auto:
            stops = self._auto_stops if self._auto_stops is not None else 0.0
        self.shadows.blockSignals(True)  # showing a value is not setting one
        self.shadows.setValue(round(stops * EV_STEPS))
        self.shadows.blockSignals(False)
        known = not auto or (self._auto_stops is not None and self._lift_available)
        self.shadows_label.setText(format_ev(stops) if known else "auto")
        self.shadows_label.setToolTip(
            f"Auto lifts this photo's shadows by {stops:.1f} stops" if auto and known else ""
        )
        on = self.strength.isEnabled() and self._lift_available
        self.shadows_auto.setEnabled(on)
        self.shadows.setEnabled(on and not auto)
        self.shadows_reset.setEnabled(on and not auto)

    def _on_provider(self, _index: int) -> None:
        self.settings.provider = self.provider_value()
        self.engineChanged.emit()

    def _on_tile(self, _index: int) -> None:
        self.settings.tile = self.tile_value()
        self.engineChanged.emit()

    def _on_output_dir(self) -> None:
        text = self.output_dir.text().strip()
        self.settings.output_dir = Path(text).expanduser() if text else None
        self.outputChanged.emit()

    def set_output_dir(self, folder: Path | None) -> None:
        self.output_dir.setText(str(folder) if folder else "")
        self._on_output_dir()

    def choose_output_dir(self) -> None:
        start = self.output_dir.text() or str(Path.home())
        folder = QFileDialog.getExistingDirectory(self, "Output folder", start)
        if folder:
            self.set_output_dir(Path(folder))

    def _on_fmt(self, _index: int) -> None:
        self.settings.fmt = str(self.fmt.currentData())
        self._update_quality_enabled()
        self.outputChanged.emit()

    def _update_quality_enabled(self) -> None:
        self.quality.setEnabled(self.settings.fmt in ("same", "jpg"))

    def _on_quality(self, value: int) -> None:
        self.settings.quality = value
        self.outputChanged.emit()

    def _on_overwrite(self, _index: int) -> None:
        self.settings.overwrite = str(self.overwrite.currentData())
        self.outputChanged.emit()
