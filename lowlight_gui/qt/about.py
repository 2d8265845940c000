"""About dialog for users: what Lowlight does, its version, where the model runs, credits and
licences, and a button that shows the model card (the developers' figures) on request."""

from __future__ import annotations

from importlib import metadata
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from lowlight_gui import __version__
from lowlight_gui.core import formats
from lowlight_gui.core.modelcard import read_model_card

# (component, what it does here, licence): what the app is built with and ships.
CREDITS: tuple[tuple[str, str, str], ...] = (
    ("ONNX Runtime", "runs the model", "MIT"),
    ("Qt for Python (PySide6)", "the window", "LGPL v3"),
    ("LibRaw, through rawpy", "develops camera RAW files", "LGPL v2.1 or CDDL v1.0; rawpy: MIT"),
    ("Pillow and pillow-heif", "read and write photos, HEIC",
     "MIT-CMU; BSD 3-clause (libheif: LGPL v3)"),
    ("libvips, through pyvips", "16-bit PNG and TIFF; writes JPEG, PNG, TIFF, WebP",
     "LGPL v2.1+; pyvips: MIT"),
    ("NumPy", "pixels", "BSD 3-clause"),
)


def _onnxruntime_version() -> str:
    for dist in ("onnxruntime", "onnxruntime-gpu", "onnxruntime-directml"):
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            continue
    return "not installed"


def about_markdown(model_card: Path | None, providers: list[str], active: str, model: str) -> str:
    """The About text: for the person using the app, not the model's developers."""
    card = read_model_card(model_card) if model_card is not None and model_card.is_file() else None
    model_name = card.title if card and card.title else (Path(model).name if model else "")
    runs_on = active or "chosen when the first photo is enhanced"
    what = (
        "Makes dark, noisy photos look as if they were taken in good light: a small neural "
        "network brightens them and removes their noise, here on this computer (nothing is "
        "uploaded). Your originals are never changed: the enhanced photos are written beside "
        "them, in an *enhanced* folder."
    )
    how = (
        "**How to use it:** open a folder, click a photo to compare the original with the "
        "enhanced result (drag the line between them), then queue photos or whole folders "
        "and press **Start**."
    )
    runs = (
        f"**Runs on:** {runs_on}, with ONNX Runtime {_onnxruntime_version()} "
        f"(available here: {', '.join(providers) or 'none'})  "
    )
    shown_model = model_name or "not found"  # the card's title names the file already
    data = (
        "The model was trained on the LOL dataset (Wei et al., *Deep Retinex Decomposition "
        "for Low-Light Enhancement*, BMVC 2018)."
    )
    parts = [
        f"### Lowlight {__version__}", what, "",
        f"It reads {formats.read_names()}; camera RAW files are developed with LibRaw first.", "",
        how, "", runs, f"**Model:** {shown_model}", "",
        "#### Credits and licences",
        "Lowlight is free software under the MIT licence. It is built with:", "",
        *[f"- **{name}**: {what} ({licence})" for name, what, licence in CREDITS], "",
        data,
    ]
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
        self.resize(560, 560)
        self.model_card = model_card
        self.text = QTextBrowser(self)
        self.text.setOpenExternalLinks(True)
        self.text.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.text.setMarkdown(about_markdown(model_card, providers, active, model))
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Close, Qt.Orientation.Horizontal, self
        )
        self.card_button = QPushButton("Model card…")
        self.card_button.setToolTip("How the model was trained and measured (for developers)")
        self.card_button.setEnabled(model_card is not None and model_card.is_file())
        self.card_button.clicked.connect(self.show_model_card)
        buttons.addButton(self.card_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(buttons)
        self.card_dialog: QDialog | None = None

    def show_model_card(self) -> None:
        """The whole model card in a window of its own (read here: no other app needed)."""
        if self.model_card is None or not self.model_card.is_file():
            return
        dialog = QDialog(self)
        dialog.setWindowTitle("Model card")
        dialog.resize(760, 640)
        view = QTextBrowser(dialog)
        view.setOpenExternalLinks(True)
        view.setMarkdown(self.model_card.read_text(encoding="utf-8", errors="replace"))
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, parent=dialog)
        close.rejected.connect(dialog.reject)
        layout = QVBoxLayout(dialog)
        layout.addWidget(view)
        layout.addWidget(close)
        self.card_dialog = dialog
        dialog.open()
