"""Edit > Preferences…: where the model runs and in what tile size (the app's, not a photo's).

Choices apply at once and are kept in the app's settings; ``engineChanged`` tells the window
to start the preview again on the new engine.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from lowlight_gui.qt.controls import provider_tooltip
from lowlight_gui.qt.settings import TILE_SIZES, Settings


class PreferencesDialog(QDialog):
    engineChanged = Signal()  # provider or tile size: the preview must be recomputed

    def __init__(self, settings: Settings, providers: list[str], parent: QWidget | None = None):
        super().__init__(parent)
        self.settings = settings
        self.setObjectName("preferencesDialog")
        self.setWindowTitle("Preferences")

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
        _select(self.provider, settings.provider)
        self.provider.currentIndexChanged.connect(self._on_provider)
        self.active_provider = QLabel("")
        self.active_provider.setObjectName("activeProvider")
        provider_row = QHBoxLayout()
        provider_row.addWidget(self.provider, 1)
        provider_row.addWidget(self.active_provider)

        self.tile = QComboBox()
        self.tile.setObjectName("tileCombo")
        for size in TILE_SIZES:
            self.tile.addItem(f"{size} px" if size else "Whole photo", size)
        _select(self.tile, settings.tile)
        self.tile.setToolTip("Smaller tiles use less memory; larger ones are a little faster.")
        self.tile.currentIndexChanged.connect(self._on_tile)

        form = QFormLayout()
        form.addRow("Run on", provider_row)
        form.addRow("Tile size", self.tile)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def set_active_provider(self, name: str) -> None:
        """Show which provider actually runs (after "Automatic" or a fallback)."""
        self.active_provider.setText(f"active: {name}" if name else "")

    def provider_value(self) -> str:
        return str(self.provider.currentData())

    def tile_value(self) -> int:
        return int(self.tile.currentData())

    def _on_provider(self, _index: int) -> None:
        self.settings.provider = self.provider_value()
        self.engineChanged.emit()

    def _on_tile(self, _index: int) -> None:
        self.settings.tile = self.tile_value()
        self.engineChanged.emit()


def _select(combo: QComboBox, value: object) -> None:
    i = combo.findData(value)
    combo.setCurrentIndex(max(i, 0))
