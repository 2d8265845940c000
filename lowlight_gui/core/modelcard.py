"""The model card (``models/model_card.md``) in brief: `lowlight info` prints its opening
paragraph, the About dialog shows that with the sections that hold measured figures."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

# A heading whose section holds numbers worth showing in the About dialog.
_FIGURE_HEADINGS = re.compile(
    r"result|metric|evaluat|measur|performance|speed|benchmark|figure|quality|limitation",
    re.IGNORECASE,
)
# Lines that do not start a paragraph of prose: headings, tables, code, rules, comments, lists,
# images.
_NOT_PROSE = ("#", "|", "```", "---", "<!--", "- ", "* ", "![")


@dataclass(frozen=True)
class ModelCardSummary:
    title: str  # the card's first line, when it is a heading
    intro: tuple[str, ...]  # the lines of the first paragraph of prose
    figures: tuple[tuple[str, tuple[str, ...]], ...] = field(default=())  # (heading, lines)

    def text(self) -> str:
        """The opening paragraph on one line (`lowlight info`)."""
        return " ".join(self.intro)

    def markdown(self) -> str:
        """Title, opening paragraph and the figures' sections, as Markdown."""
        out = [f"#### {self.title}"] if self.title else []
        out.extend(self.intro)
        for heading, lines in self.figures:
            out += ["", f"##### {heading}", *lines]
        return "\n".join(out).strip()


def summarize_model_card(text: str) -> ModelCardSummary:
    lines = text.splitlines()
    i = 0
    while i < len(lines) and not lines[i].strip():
        i += 1
    title = ""
    if i < len(lines) and lines[i].startswith("#"):
        title = lines[i].lstrip("#").strip()
        i += 1
    while i < len(lines) and (not lines[i].strip() or lines[i].strip().startswith(_NOT_PROSE)):
        i += 1
    intro: list[str] = []
    while i < len(lines) and lines[i].strip() and not lines[i].startswith("#"):
        intro.append(lines[i].strip())
        i += 1
    sections: list[tuple[str, list[str]]] = []
    keep = False  # in a section whose heading says it holds numbers
    for line in lines[i:]:
        if line.startswith("#"):
            keep = bool(_FIGURE_HEADINGS.search(line))
            if keep:
                sections.append((line.lstrip("#").strip(), []))
        elif keep:
            sections[-1][1].append(line)
    figures = tuple((heading, tuple(body)) for heading, body in sections)
    return ModelCardSummary(title, tuple(intro), figures)


def read_model_card(path: Path) -> ModelCardSummary | None:
    """The summary of the card at ``path``; None when there is no readable card."""
    try:
        return summarize_model_card(path.read_text(encoding="utf-8"))
    except OSError:
        return None
