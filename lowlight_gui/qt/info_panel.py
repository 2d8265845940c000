"""Photo info (I): the shot's data and the model's decisions, over the photo's lower left corner.

The file's data (``core/photo_info.py``) is read when the panel is shown, or when another photo
comes while it is, on a pool thread (a RAW's header takes up to 0.1 s); the model's decisions
(the exposure it ran with, the shadow lift chosen) come with each preview result.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QRunnable, Qt, QThreadPool, Signal, Slot
from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout, QWidget

from lowlight_gui.core.events import PreviewResult
from lowlight_gui.core.photo_info import PhotoInfo, read_photo_info
from lowlight_gui.core.settings import SPECS
from lowlight_gui.qt.controls import as_run

_MARGIN = 12


def _night_sky(share: float, amount: float) -> str:
    """How the night sky was treated: kept at its own brightness (how much of the frame it is,
    and the setting when not the default), not found, or lifted on request."""
    if amount == 0.0:
        return "lifted with the rest (set to 0 %)"
    if share == 0.0:
        return "none found: all of the photo lifted"
    setting = "" if amount == 1.0 else f", {round(amount * 100)} % of the way back"
    return f"kept dark: {round(share * 100)} % of the frame{setting}"


def decisions_rows(result: PreviewResult) -> list[tuple[str, str]]:
    """What the model did with this photo, as (label, text) rows: the pipeline's decisions, and
    the settings the pass ran with (a setting the model lacks at its default)."""
    decided = result.decisions
    if decided is None:  # (the worker always sends them)
        return []
    ran = as_run(result.settings, decided)
    ev = decided.exposure
    exposure = "the model's own" if abs(ev) < 0.05 else f"{ev:+.1f} EV from the model's"
    rows = [("Exposure", exposure)]
    if "shadows" not in decided.unsupported:
        how = "Auto" if ran.shadows is None else "set by hand"
        stops = decided.shadows
        rows.append(("Shadow lift", f"{stops:+.1f} stops ({how})" if stops else f"none ({how})"))
        if stops and "night_sky" not in decided.unsupported:
            rows.append(("Night sky", _night_sky(decided.night_sky, ran.night_sky)))
    for spec in SPECS:  # the other settings, where they differ from the defaults
        value = getattr(ran, spec.key)
        if spec.key not in ("exposure", "shadows", "night_sky") and value != spec.default:
            rows.append((spec.label, spec.format(value)))
    if decided.unchanged:
        rows.append(("Left as it is", decided.unchanged))
    if result.stage == "full":
        rows.append(("Enhanced in", f"{result.seconds:.1f} s on {result.provider}"))
    return rows


def rows_html(sections: list[tuple[str, list[tuple[str, str]]]]) -> str:
    """The first section's title (the file name) as a heading, then one table for all sections
    (one column width), each later title in bold in the label column."""
    out = []
    head = f"<b>{html.escape(sections[0][0])}</b>" if sections else ""
    for n, (title, rows) in enumerate(sections):
        if n:  # a title in the label column only: a long one would stretch the others
            out.append(f"<tr><td><b>{html.escape(title)}</b></td><td></td><td></td></tr>")
        # QLabel's rich text ignores CSS padding: an empty column keeps label and text apart.
        out += [
            f"<tr><td style='color:#aaa'>{html.escape(label)}</td><td>&nbsp;&nbsp;&nbsp;</td>"
            f"<td>{html.escape(text).replace('  ', '&nbsp;&nbsp;')}</td></tr>"
            for label, text in rows
        ]
    return f"{head}<table cellspacing='0' cellpadding='1'>{''.join(out)}</table>"


class _Read(QObject):
    done = Signal(object, object)  # path, PhotoInfo


class _ReadJob(QRunnable):
    def __init__(self, path: Path, signals: _Read) -> None:
        super().__init__()
        self.path, self.signals = path, signals

    def run(self) -> None:
        self.signals.done.emit(self.path, read_photo_info(self.path))


class InfoPanel(QFrame):
    """A translucent card over the viewer; ``toggle`` shows or hides it."""

    shownChanged = Signal(bool)

    def __init__(
        self, viewer: QWidget, generation: Callable[[], int], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent or viewer)
        self.setObjectName("infoPanel")
        self.viewer = viewer
        self._generation = generation  # the preview request on show: older results are stale
        self.setStyleSheet(
            "#infoPanel { background: rgba(0, 0, 0, 175); border-radius: 8px; }"
            "#infoPanel QLabel { color: white; background: transparent; }"
        )
        self.label = QLabel(self)
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        layout.addWidget(self.label)
        self.path: Path | None = None
        self.info: PhotoInfo | None = None
        self.decisions: list[tuple[str, str]] = []
        self._reading: Path | None = None
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._read = _Read(self)
        self._read.done.connect(self._on_read)
        self.hide()
        viewer.installEventFilter(self)

    def set_path(self, path: Path | None) -> None:
        """Another photo is on show."""
        if path == self.path:
            return
        self.path, self.info, self.decisions = path, None, []
        if self.isVisible():
            self.refresh()

    def apply(self, event: object) -> None:
        """A preview worker event: a result of the photo on show carries the model's choices."""
        if isinstance(event, PreviewResult) and event.generation == self._generation():
            self.decisions = decisions_rows(event)
            if self.isVisible():
                self.refresh()

    def toggle(self) -> None:
        self.set_shown(not self.isVisible())

    def set_shown(self, shown: bool) -> None:
        if shown == self.isVisible():
            return
        self.setVisible(shown)
        if shown:
            self.refresh()
            self.raise_()
        self.shownChanged.emit(shown)

    def text(self) -> str:
        return self.label.text()

    def refresh(self) -> None:
        if self.path is None:
            self.label.setText("No photo on show.")
        elif self.info is None:
            self.label.setText(f"<b>{html.escape(self.path.name)}</b><br>Reading…")
            if self._reading != self.path:
                self._reading = self.path
                self._pool.start(_ReadJob(self.path, self._read))
        else:
            info = self.info
            rows = info.rows()
            if info.problem and not info.width:
                rows.append(("Note", info.problem))
            sections = [(info.name, rows)]
            if self.decisions:
                sections.append(("Lowlight", self.decisions))
            self.label.setText(rows_html(sections))
        self._place()

    @Slot(object, object)
    def _on_read(self, path: Path, info: PhotoInfo) -> None:
        self._reading = None
        if path == self.path:
            self.info = info
            if self.isVisible():
                self.refresh()
        elif self.isVisible() and self.info is None:
            self.refresh()  # another photo came meanwhile: read that one

    def wait(self, msecs: int = 3000) -> bool:
        return self._pool.waitForDone(msecs)

    def _place(self) -> None:
        self.adjustSize()
        room = self.viewer.height() - self.height() - _MARGIN
        self.move(_MARGIN, max(_MARGIN, room - 36))  # above the viewer's status pill

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.viewer and event.type() == QEvent.Type.Resize and self.isVisible():
            self._place()
        return False
