"""About dialog: version, a summary of the model card with its measured figures, providers."""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout, QWidget

from lowlight_gui import __version__

_FIGURE_HEADINGS = re.compile(
    r"result|metric|evaluat|measur|performance|speed|benchmark|figure|quality|limitation",
    re.IGNORECASE,
)


def summarize_model_card(text: str) -> str:
    """Markdown: the card's title and opening paragraph, plus its sections with measured figures."""
    lines = text.splitlines()
    out: list[str] = []
    # Title and the first paragraph.
    i = 0
    while i < len(lines) and not lines[i].strip():
        i += 1
    if i < len(lines) and lines[i].startswith("#"):
        out.append("#### " + lines[i].lstrip("#").strip())
        i += 1
    para: list[str] = []
    while i < len(lines) and not lines[i].startswith("#"):
        if lines[i].strip():
            para.append(lines[i])
        elif para:
            break
        i += 1
    out.extend(para)
    # Sections whose heading says they hold numbers.
    keep = False
    for line in lines[i:]:
        if line.startswith("#"):
            keep = bool(_FIGURE_HEADINGS.search(line))
            if keep:
                out.append("")
                out.append("##### " + line.lstrip("#").strip())
            continue
        if keep:
            out.append(line)
    return "\n".join(out).strip()


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
        try:
            summary = summarize_model_card(model_card.read_text(encoding="utf-8"))
        except OSError:
            summary = ""
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
