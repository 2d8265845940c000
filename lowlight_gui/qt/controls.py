"""The photo's settings, one row per declared setting (core/settings.py ``SPECS``), and the
output choices (bound to the app's QSettings).

Each row is a slider with its value, a reset button and, for a setting that may be chosen per
photo (``Spec.auto``), an Auto box. The panel shows one ``Settings`` at a time (the photo on
show: ``set_settings``) and says on ``edited`` when the person changed it, with whether the
gesture goes on (a drag, a key held down), so that the window makes one undo step of it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent, QMouseEvent
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
from lowlight_gui.core.pipeline import Decisions
from lowlight_gui.core.settings import DEFAULTS, SPECS, SPECS_BY_KEY, Spec
from lowlight_gui.core.settings import Settings as PhotoSettings
from lowlight_gui.qt.settings import (
    FORMAT_LABELS,
    FORMATS,
    OVERWRITE_LABELS,
    OVERWRITE_POLICIES,
    Settings,
)

DEFAULT_OUTPUT_HINT = "Next to each photo, in “enhanced”"
EV_STEPS = 10  # slider steps per EV or stop: 0.1 each
STEPS = {"percent": 100, "ev": EV_STEPS, "stops": EV_STEPS}  # slider steps per unit of value

def unavailable_tip(spec: Spec) -> str:
    """What a control says when the model cannot apply its setting (``Spec.needs``)."""
    why = spec.needs.why if spec.needs else f"this model cannot apply {spec.label.lower()}"
    return (
        f"{why[0].upper()}{why[1:]}. A model exported by this version's training/export.py "
        "has it."
    )


def format_ev(ev: float) -> str:
    """ "+0.7 EV", "−1.3 EV", "0.0 EV" (a real minus sign; no "−0.0")."""
    ev = round(float(ev), 1)
    if ev == 0.0:
        return "0.0 EV"
    return f"{ev:+.1f} EV".replace("-", "−")


def value_text(spec: Spec, value: float | None) -> str:
    """The value as its row shows it: "+0.7 EV", "0.0 EV", "35 %", "Off", "1.2 stops"."""
    if value is None:
        return "Auto"
    if spec.kind == "ev":
        return format_ev(value)
    if spec.kind == "percent" and value == 0 and spec.default == 0:
        return "Off"  # an amount that is off by default (Colour noise)
    return spec.format(value)


def as_run(settings: PhotoSettings, decisions: Decisions | None) -> PhotoSettings:
    """What a photo was developed with: a setting its model lacks at its default (a model
    without a base output removes noise in full, one without a lift input lifts nothing)."""
    if decisions is None:
        return settings
    off = {k: SPECS_BY_KEY[k].default for k in decisions.unsupported}
    return settings.replace(**off) if off else settings


def tooltip(spec: Spec) -> str:
    default = "Auto" if spec.default is None else value_text(spec, spec.default)
    return f"{spec.help}\nDouble-click the slider or press ↺ to go back to {default}."


def camel(key: str) -> str:
    """The object-name stem of a setting: ``colour_noise`` -> ``colourNoise``."""
    head, *rest = key.split("_")
    return head + "".join(w.capitalize() for w in rest)


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


class ResetSlider(QSlider):
    """A horizontal slider that a double-click hands to ``on_reset`` (back to the default)."""

    def __init__(
        self, parent: QWidget | None = None, on_reset: Callable[[], None] | None = None
    ) -> None:
        super().__init__(Qt.Orientation.Horizontal, parent)
        self.on_reset = on_reset

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        # Not passed on: QSlider would treat it as a second press and start a drag.
        if self.on_reset is not None:
            self.on_reset()
        event.accept()


@dataclass
class Row:
    """One setting's widgets."""

    spec: Spec
    slider: ResetSlider
    label: QLabel
    reset: QToolButton
    auto: QCheckBox | None
    steps: int  # slider steps per unit
    available: bool = True  # the model honours it (else it is shown off, with why)
    auto_value: float | None = None  # what Auto chose for the photo on show, once known
    manual: float = 0.0  # the value set by hand under an Auto box (kept while Auto is on)

    def to_slider(self, value: float) -> int:
        return round(value * self.steps)

    def from_slider(self) -> float:
        return self.spec.check(round(self.slider.value() / self.steps, 2) + 0.0) or 0.0


class ControlsPanel(QWidget):
    # A setting changed by the person (key), and whether the gesture goes on (slider held, key
    # down): its changes merge into one undo step until ``gestureFinished``.
    edited = Signal(str, bool)
    gestureFinished = Signal(str)
    outputChanged = Signal()
    activeProviderChanged = Signal(str)  # the provider that runs (for Preferences)

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.app_settings = settings  # the app's (output, engine); settings() is the photo's
        self.rows: dict[str, Row] = {}
        self._held: str | None = None  # the setting whose slider a held key is moving
        self._active_provider = ""
        self._enabled = True  # enhancement is possible (a model and a provider)

        enhance_box = QGroupBox("Photo")
        form = QFormLayout(enhance_box)
        for spec in SPECS:
            row, layout = self._make_row(spec)
            self.rows[spec.key] = row
            form.addRow(spec.label, layout)
        # The same label width on every row, so the sliders line up and end together.
        probe = next(iter(self.rows.values())).label.fontMetrics()
        width = max(
            probe.horizontalAdvance(value_text(r.spec, v))
            for r in self.rows.values()
            for v in (r.spec.lo, r.spec.hi)
        )
        for r in self.rows.values():
            r.label.setMinimumWidth(max(40, width + 4))

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(enhance_box)
        layout.addWidget(self._output_box(settings))
        self.set_settings(DEFAULTS)

    # -- rows -----------------------------------------------------------------------------
    def _make_row(self, spec: Spec) -> tuple[Row, QHBoxLayout]:
        name = camel(spec.key)
        slider = ResetSlider(on_reset=lambda k=spec.key: self.reset(k))
        slider.setObjectName(f"{name}Slider")
        steps = STEPS[spec.kind]
        slider.setRange(round(spec.lo * steps), round(spec.hi * steps))
        slider.setPageStep(steps // 10 if spec.kind == "percent" else steps // 2)
        slider.setToolTip(tooltip(spec))
        label = QLabel()
        label.setObjectName(f"{name}Label")
        label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        reset = QToolButton()
        reset.setObjectName(f"{name}Reset")
        reset.setText("↺")
        default = "Auto" if spec.default is None else value_text(spec, spec.default)
        reset.setToolTip(f"Back to {default}")
        reset.setAutoRaise(True)
        reset.clicked.connect(lambda _=False, k=spec.key: self.reset(k))
        auto = None
        if spec.auto:
            auto = QCheckBox("Auto")
            auto.setObjectName(f"{name}Auto")
            auto.setToolTip(tooltip(spec))
            auto.toggled.connect(lambda on, k=spec.key: self._on_auto(k, on))
        row = Row(spec, slider, label, reset, auto, steps)
        layout = QHBoxLayout()
        if auto is not None:
            layout.addWidget(auto)
        layout.addWidget(slider, 1)
        layout.addWidget(label)
        layout.addWidget(reset)
        slider.valueChanged.connect(lambda _v, k=spec.key: self._on_slider(k))
        slider.sliderReleased.connect(lambda k=spec.key: self._finish(k))
        slider.installEventFilter(self)
        # The old attribute names (window.controls.exposure, .exposure_label, ...) stay.
        setattr(self, spec.key, slider)
        setattr(self, f"{spec.key}_label", label)
        setattr(self, f"{spec.key}_reset", reset)
        if auto is not None:
            setattr(self, f"{spec.key}_auto", auto)
        return row, layout

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """A key held on a slider is one gesture (one undo step), as a drag is."""
        if event.type() in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            key = next((k for k, r in self.rows.items() if r.slider is watched), None)
            assert isinstance(event, QKeyEvent)
            if key is not None and not event.isAutoRepeat():
                if event.type() == QEvent.Type.KeyPress:
                    self._held = key
                elif self._held == key:
                    self._held = None
                    self.gestureFinished.emit(key)
        return False

    def _ongoing(self, key: str) -> bool:
        return self.rows[key].slider.isSliderDown() or self._held == key

    def _on_slider(self, key: str) -> None:
        row = self.rows[key]
        if row.auto is not None and row.auto.isChecked():
            return  # the slider shows Auto's choice: nothing was set
        row.manual = row.from_slider()
        self._show(row)
        self.edited.emit(key, self._ongoing(key))

    def _finish(self, key: str) -> None:
        if self._held != key:
            self.gestureFinished.emit(key)

    def _on_auto(self, key: str, on: bool) -> None:
        row = self.rows[key]
        if not on and row.auto_value is not None:  # take over from Auto's choice
            row.manual = row.auto_value
        self._show(row)
        self.edited.emit(key, False)

    def reset(self, key: str) -> None:
        """The setting back to its default (a person's edit)."""
        self.set_value(key, self.rows[key].spec.default)

    def set_value(self, key: str, value: float | None) -> None:
        """Set one setting as the person would (an edit, when it changes anything)."""
        row = self.rows[key]
        before = self.value(key)
        self._put(row, row.spec.check(value))
        if self.value(key) != before:
            self.edited.emit(key, False)

    def _put(self, row: Row, value: float | None) -> None:
        """Show ``value`` in the row without telling anyone (not an edit)."""
        blockers = [row.slider] + ([row.auto] if row.auto is not None else [])
        for w in blockers:
            w.blockSignals(True)
        try:
            if row.auto is not None:
                row.auto.setChecked(value is None)
                if value is None:
                    row.manual = 0.0  # Auto again: a lift set by hand starts from none
            if value is not None:
                row.manual = value
        finally:
            for w in blockers:
                w.blockSignals(False)
        self._show(row)

    def _show(self, row: Row) -> None:
        """The row as its state says: under Auto, the slider (off) and the label show Auto's
        choice for the photo on show ("auto" until it is known); else the value set."""
        auto = row.auto is not None and row.auto.isChecked()
        shown = (row.auto_value or 0.0) if auto else row.manual
        row.slider.blockSignals(True)  # showing a value is not setting one
        row.slider.setValue(row.to_slider(shown))
        row.slider.blockSignals(False)
        known = not auto or (row.auto_value is not None and row.available)
        row.label.setText(value_text(row.spec, shown) if known else "auto")
        row.label.setToolTip(
            f"Auto chose {value_text(row.spec, shown)} for this photo" if auto and known else ""
        )
        on = self._enabled and row.available
        if row.auto is not None:
            row.auto.setEnabled(on)
        row.slider.setEnabled(on and not auto)
        row.reset.setEnabled(on and self.value(row.spec.key) != row.spec.default)

    # -- the settings shown ---------------------------------------------------------------
    def value(self, key: str) -> float | None:
        """The value the person set (None: Auto)."""
        row = self.rows[key]
        if row.auto is not None and row.auto.isChecked():
            return None
        return row.manual

    def settings(self) -> PhotoSettings:
        """The settings on show, as the person set them (kept even where the model cannot
        honour one, for a model that can)."""
        return PhotoSettings.from_dict({k: self.value(k) for k in self.rows})

    def effective_settings(self) -> PhotoSettings:
        """The settings as the model runs them: a setting it lacks at its default."""
        s = self.settings()
        off = {k: r.spec.default for k, r in self.rows.items() if not r.available}
        return s.replace(**off) if off else s

    def set_settings(self, settings: PhotoSettings) -> None:
        """Show ``settings`` (another photo's, an undo): not an edit, nothing is emitted."""
        for key, row in self.rows.items():
            self._put(row, getattr(settings, key))

    def show_auto(self, key: str, value: float | None) -> None:
        """What Auto chose for the photo on show (None: not known yet, or no photo)."""
        row = self.rows[key]
        row.auto_value = None if value is None else row.spec.check(min(row.spec.hi, value))
        self._show(row)

    def set_available(self, key: str, available: bool) -> None:
        """Whether the model honours the setting; without it the row is off and its tooltip
        says why (the setting is kept for a model that has it)."""
        row = self.rows[key]
        row.available = available
        tip = tooltip(row.spec) if available else unavailable_tip(row.spec)
        for w in (row.slider, row.auto):
            if w is not None:
                w.setToolTip(tip)
        self._show(row)

    def set_enhancement_enabled(self, enabled: bool) -> None:
        self._enabled = enabled
        for row in self.rows.values():
            self._show(row)

    # -- the old names, for callers that ask for one setting --------------------------------
    def strength_value(self) -> float:
        return self.rows["strength"].manual

    def exposure_value(self) -> float:
        return self.rows["exposure"].manual

    def colour_noise_value(self) -> float:
        return self.rows["colour_noise"].manual

    def shadows_value(self) -> float | None:
        return self.effective_settings().shadows

    def set_shadows(self, stops: float | None) -> None:
        """Auto (None) or a lift of ``stops``, as a person's edit."""
        self.set_value("shadows", stops)

    def show_auto_shadows(self, stops: float | None) -> None:
        self.show_auto("shadows", stops)

    def set_unsupported(self, keys: Iterable[str]) -> None:
        """The settings the model cannot apply (off, with why); every other one on."""
        off = set(keys)
        for key in self.rows:
            self.set_available(key, key not in off)

    # -- engine choices (shown in Preferences; kept in the app's settings) -----------------
    def provider_value(self) -> str:
        return self.app_settings.provider

    def tile_value(self) -> int:
        return self.app_settings.tile

    @property
    def active_provider(self) -> str:
        return self._active_provider

    def set_active_provider(self, name: str) -> None:
        """Which provider actually runs (after "Automatic" or a fallback)."""
        self._active_provider = name
        self.activeProviderChanged.emit(name)

    # -- output ---------------------------------------------------------------------------
    def _output_box(self, settings: Settings) -> QGroupBox:
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

        box = QGroupBox("Output")
        oform = QFormLayout(box)
        oform.addRow("Folder", folder_row)
        oform.addRow("Format", self.fmt)
        oform.addRow("JPEG quality", self.quality)
        oform.addRow("Existing files", self.overwrite)
        # Photos dropped anywhere go to the queue: text fields must not swallow them as text.
        for w in (self.output_dir, self.quality.lineEdit()):
            w.setAcceptDrops(False)
        self._update_quality_enabled()
        return box

    @staticmethod
    def _select(combo: QComboBox, value: object) -> None:
        i = combo.findData(value)
        combo.setCurrentIndex(max(i, 0))

    def _on_output_dir(self) -> None:
        text = self.output_dir.text().strip()
        self.app_settings.output_dir = Path(text).expanduser() if text else None
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
        self.app_settings.fmt = str(self.fmt.currentData())
        self._update_quality_enabled()
        self.outputChanged.emit()

    def _update_quality_enabled(self) -> None:
        self.quality.setEnabled(self.app_settings.fmt in ("same", "jpg"))

    def _on_quality(self, value: int) -> None:
        self.app_settings.quality = value
        self.outputChanged.emit()

    def _on_overwrite(self, _index: int) -> None:
        self.app_settings.overwrite = str(self.overwrite.currentData())
        self.outputChanged.emit()

