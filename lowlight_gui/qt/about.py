"""About dialog: version, a summary of the model card with its measured figures, providers."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout, QWidget

from lowlight_gui import __version__
from lowlight_gui.core.modelcard import read_model_card


def about_markdown(model_card: Path | None, providers: list[str], active: str, model: str) -> str:
    parts = [
        f"### Lowlight {__version__}",
        (
            "Makes dark, noisy photos look as if they were taken in good light, "
            "with a U-Net run through ONNX Runtime."
        ),
        "",
        f"**Model:** {model or 'not found'}  ",
        f"**Execution providers available:** {', '.join(providers) or 'none'}  ",
        f"**Active:** {active or 'not started yet'}",
    ]
    if model_card is not None and model_card.is_file():
        card = read_model_card(model_card)
        summary = card.markdown() if card else ""
        if summary:
            parts += ["", "---", "", summary]
    else:
        parts += ["", "_No model card found (models/model_card.md)._"]
    return "\n".join(parts)


class AboutDialog(QDialog):
    def __init__(
        self,
        model_card: Path | None,
        providers: list[str],
        active: str,
        model: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("About Lowlight")
        self.resize(560, 520)
        self.text = QTextBrowser(self)
        self.text.setOpenExternalLinks(True)
        self.text.setMarkdown(about_markdown(model_card, providers, active, model))
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Close, Qt.Orientation.Horizontal, self
        )
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(buttons)
