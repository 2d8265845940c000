"""Batch queue: the list model of photos to enhance, its view and the panel around it."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    QRect,
    QSize,
    Qt,
    QUrl,
    Signal,
)
from PySide6.QtGui import (
    QAction,
    QColor,
    QDesktopServices,
    QFont,
    QFontMetrics,
    QPainter,
    QPalette,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListView,
    QMenu,
    QProgressBar,
    QPushButton,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionProgressBar,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from lowlight_gui.core.events import (
    BatchFinished,
    BatchStarted,
    ImageDone,
    ImageFailed,
    ImageSkipped,
    ImageStarted,
    TileDone,
)
from lowlight_gui.core.folders import LeftOut, summarize_left_out
from lowlight_gui.core.photo_info import megapixels
from lowlight_gui.core.settings import SPECS_BY_KEY
from lowlight_gui.core.settings import Settings as PhotoSettings
from lowlight_gui.qt.controls import as_run, value_text
from lowlight_gui.qt.files import content_problem, expand_inputs, name_filters
from lowlight_gui.qt.settings import Settings


class State(str, Enum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    SKIPPED = "skipped"


_STATE_COLORS = {
    State.QUEUED: QColor(140, 140, 140),
    State.RUNNING: QColor(52, 152, 219),
    State.DONE: QColor(46, 174, 96),
    State.FAILED: QColor(220, 68, 55),
    State.SKIPPED: QColor(230, 160, 40),
}

NOTE_COLOR = QColor(200, 140, 30)  # amber: worth a look, not an error
NOTE_MARK = "· "  # before the notes on a row's status line


@dataclass
class QueueItem:
    path: Path
    state: State = State.QUEUED
    progress: float = 0.0  # 0..1 while running (tiles done / total)
    message: str = ""  # failure message or skip reason
    output: Path | None = None
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)  # conversions and losses (core ImageDone)
    # The settings the batch that took this photo runs it with (its own, else the defaults;
    # then what the model honours); None until a batch takes it.
    settings: PhotoSettings | None = None

    def status_text(self) -> str:
        if self.state is State.QUEUED:
            return "Queued"
        if self.state is State.RUNNING:
            return f"Enhancing… {self.progress:.0%}"
        if self.state is State.DONE:
            name = self.output.name if self.output else ""
            return f"Done in {self.seconds:.1f} s → {name}"
        if self.state is State.FAILED:
            return f"Failed: {self.message}"
        return f"Skipped: {self.message}"

    def settings_text(self) -> str:
        """What the row shows right of the name: the settings that are not the defaults
        ("+0.7 EV, NR 50 %")."""
        return ", ".join(self.settings.row_labels()) if self.settings else ""

    def notes_text(self) -> str:
        """The conversion notes as one line, e.g. "converted from CMYK to RGB"."""
        return "; ".join(self.notes)

    def tooltip(self) -> str:
        lines = [str(self.path), self.status_text()]
        for key in self.settings.changed() if self.settings else ():
            spec = SPECS_BY_KEY[key]
            lines.append(f"{spec.label}: {value_text(spec, getattr(self.settings, key))}")
        if self.output:
            lines.append(f"Output: {self.output}")
        lines += [f"Note: {note}" for note in self.notes]
        return "\n".join(lines)


ItemRole = Qt.ItemDataRole.UserRole + 1


class QueueModel(QAbstractListModel):
    """Photos in the queue, each at most once (by resolved path)."""

    changed = Signal()  # anything about the counts changed

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._items: list[QueueItem] = []
        self._keys: dict[Path, int] = {}  # resolved path -> row
        # Files that were dropped or added (or were in added folders) but are not photos.
        self.left_out: dict[Path, LeftOut] = {}
        # The files of the last add_paths that are plainly not photos (a text file named
        # broken.jpg, an empty file): queued failed, with why, as the CLI reports them.
        self.refused: list[QueueItem] = []

    # -- reading --------------------------------------------------------------------------
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._items)

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if not index.isValid() or index.row() >= len(self._items):
            return None
        item = self._items[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return item.path.name
        if role == Qt.ItemDataRole.ToolTipRole:
            return item.tooltip()
        if role == ItemRole:
            return item
        return None

    def items(self) -> list[QueueItem]:
        return list(self._items)

    def item(self, row: int) -> QueueItem:
        return self._items[row]

    def paths(self, state: State | None = None) -> list[Path]:
        return [i.path for i in self._items if state is None or i.state is state]

    def keys(self, state: State) -> list[Path]:
        """The resolved paths (what a batch job's source is) of the items in ``state``."""
        return [k for k, row in self._keys.items() if self._items[row].state is state]

    def count(self, state: State) -> int:
        return sum(1 for i in self._items if i.state is state)

    def find(self, path: Path | str) -> int:
        """Row of ``path`` or -1."""
        path = Path(path)
        row = self._keys.get(path)  # a resolved path already (a batch job's): no file system call
        return row if row is not None else self._keys.get(_key(path), -1)

    # -- changing -------------------------------------------------------------------------
    def add_paths(self, paths: list[Path]) -> int:
        """Queue files and the photos in folders; returns how many new items were added."""
        left: list[LeftOut] = []
        found = expand_inputs([Path(p) for p in paths], left_out=left)
        new = [p for p in found if _key(p) not in self._keys]
        self.refused = []
        if left:
            self.left_out.update((item.path, item) for item in left)
            self.changed.emit()
        if not new:
            return 0
        first = len(self._items)
        self.beginInsertRows(QModelIndex(), first, first + len(new) - 1)
        for p in new:
            self._keys[_key(p)] = len(self._items)
            item = QueueItem(p)
            problem = content_problem(p)
            if problem is not None:
                item.state, item.message = State.FAILED, f"cannot read '{p.name}': {problem}"
                self.refused.append(item)
            self._items.append(item)
        self.endInsertRows()
        self.changed.emit()
        return len(new)

    def _update(self, path: Path | str, **fields: object) -> QueueItem | None:
        row = self.find(path)
        if row < 0:
            return None
        item = self._items[row]
        for name, value in fields.items():
            setattr(item, name, value)
        idx = self.index(row)
        self.dataChanged.emit(idx, idx)
        self.changed.emit()
        return item

    # -- batch events (core/events.py, from the batch worker) ------------------------------
    def apply(self, event: object) -> None:
        """Show a batch event on its photo's row; other events are ignored. A job's source is
        the resolved path the row is keyed by, so even a tile event is one dict lookup."""
        if isinstance(event, ImageStarted):
            self.mark_running(event.job.source)
        elif isinstance(event, TileDone):
            self.set_progress(event.job.source, event.done, event.total)
        elif isinstance(event, ImageDone):
            self.mark_done(event.job.source, event.output, event.seconds, event.notes)
            self._update(event.job.source, settings=as_run(event.settings, event.decisions))
        elif isinstance(event, ImageFailed):
            self.mark_failed(event.job.source, event.message)
        elif isinstance(event, ImageSkipped):
            self.mark_skipped(event.job.source, event.reason)
        elif isinstance(event, BatchFinished):
            self.requeue_running()  # after a cancel: the photo that was running
            self.forget_queued_settings()

    # -- changing by path -----------------------------------------------------------------
    def mark_running(self, path: Path | str) -> None:
        self._update(path, state=State.RUNNING, progress=0.0, message="", notes=[])

    def set_progress(self, path: Path | str, done: int, total: int) -> None:
        self._update(path, progress=done / total if total else 0.0)

    def mark_done(
        self, path: Path | str, output: Path, seconds: float, notes: list[str] | None = None
    ) -> None:
        self._update(
            path,
            state=State.DONE,
            progress=1.0,
            output=Path(output),
            seconds=seconds,
            notes=list(notes or []),
        )

    def mark_failed(self, path: Path | str, message: str) -> None:
        self._update(path, state=State.FAILED, message=message)

    def mark_skipped(self, path: Path | str, reason: str) -> None:
        self._update(path, state=State.SKIPPED, message=reason)

    def set_settings(self, settings: dict[Path, PhotoSettings]) -> None:
        """The settings a starting batch runs these photos with (shown on their rows)."""
        for path, photo_settings in settings.items():
            self._update(path, settings=photo_settings)

    def forget_queued_settings(self) -> None:
        """After a batch: photos still queued get the settings of the next Start, not this
        one's (their own may change meanwhile)."""
        for item in self._items:
            if item.state is State.QUEUED and item.settings is not None:
                self._update(item.path, settings=None)

    def requeue_running(self) -> None:
        """After a cancel: the photo that was running goes back to the queue."""
        for item in self._items:
            if item.state is State.RUNNING:
                self._update(item.path, state=State.QUEUED, progress=0.0)

    def requeue(self, path: Path | str) -> None:
        """Queue one photo again (e.g. retry a single failed item)."""
        self._update(
            path, state=State.QUEUED, message="", progress=0.0, settings=None
        )

    def retry_failed(self) -> int:
        failed = [i.path for i in self._items if i.state is State.FAILED]
        for path in failed:
            self.requeue(path)
        return len(failed)

    def clear_done(self) -> int:
        """Remove finished items (done and skipped)."""
        return self._remove_where(lambda i: i.state in (State.DONE, State.SKIPPED))

    def remove_rows(self, rows: list[int]) -> int:
        doomed = {self._items[r].path for r in rows if 0 <= r < len(self._items)}
        return self._remove_where(lambda i: i.path in doomed and i.state is not State.RUNNING)

    def left_out_text(self) -> str:
        """ "3 other files were left out: 2 not a photo format ... (.txt), 1 a hidden file" """
        n = len(self.left_out)
        if not n:
            return ""
        what = "file was" if n == 1 else "files were"
        return f"{n} other {what} left out: {summarize_left_out(list(self.left_out.values()))}"

    def _remove_where(self, predicate: object) -> int:
        removed = 0
        for row in range(len(self._items) - 1, -1, -1):
            if predicate(self._items[row]):  # type: ignore[operator]
                self.beginRemoveRows(QModelIndex(), row, row)
                del self._items[row]
                self.endRemoveRows()
                removed += 1
        if removed:
            self._keys = {_key(i.path): n for n, i in enumerate(self._items)}
            if not self._items:  # an empty queue starts afresh
                self.left_out.clear()
            self.changed.emit()
        return removed


def _key(path: Path) -> Path:
    try:
        return path.resolve()
    except OSError:
        return path.absolute()


class QueueDelegate(QStyledItemDelegate):
    """Two lines per item: the file name, then its state (with a progress bar while running)."""

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        fm = option.fontMetrics
        return QSize(200, fm.height() * 2 + 14)

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        item: QueueItem = index.data(ItemRole)
        if item is None:
            return
        painter.save()
        style = option.widget.style() if option.widget else QApplication.style()
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, option.widget)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        pal = option.palette
        text_color = pal.color(
            QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        )
        r = option.rect.adjusted(8, 5, -8, -5)
        fm = option.fontMetrics
        line_h = fm.height()
        # State dot
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(_STATE_COLORS[item.state])
        painter.drawEllipse(QRect(r.left(), r.top() + (line_h - 8) // 2, 8, 8))
        text_left = r.left() + 16
        name_rect = QRect(text_left, r.top(), r.right() - text_left, line_h)
        muted = QColor(text_color)
        if not selected:
            muted.setAlpha(170)
        ev_text = item.settings_text()
        if ev_text:  # right of the name, never elided: the name gives way
            ev_w = fm.horizontalAdvance(ev_text)
            painter.setPen(muted)
            painter.drawText(
                name_rect, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, ev_text
            )
            name_rect.setRight(name_rect.right() - ev_w - 8)
        painter.setPen(text_color)
        painter.drawText(
            name_rect,
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            fm.elidedText(item.path.name, Qt.TextElideMode.ElideMiddle, name_rect.width()),
        )
        second = QRect(text_left, r.top() + line_h + 2, r.right() - text_left, line_h)
        if item.state is State.RUNNING:
            bar = QStyleOptionProgressBar()
            bar.rect = QRect(
                second.left(), second.top() + 2, min(160, second.width() // 2), line_h - 4
            )
            bar.minimum, bar.maximum = 0, 1000
            bar.progress = int(item.progress * 1000)
            bar.state = QStyle.StateFlag.State_Enabled | QStyle.StateFlag.State_Horizontal
            bar.palette = pal
            style.drawControl(QStyle.ControlElement.CE_ProgressBar, bar, painter, option.widget)
            second.setLeft(bar.rect.right() + 8)
        if item.state is State.FAILED and not selected:
            muted = _STATE_COLORS[State.FAILED]
        notes_rect = self._notes_rect(item, option, second)
        if notes_rect is not None:
            second.setRight(notes_rect.left() - 6)
        painter.setPen(muted)
        painter.setFont(option.font)
        painter.drawText(
            second,
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            fm.elidedText(item.status_text(), Qt.TextElideMode.ElideRight, second.width()),
        )
        if notes_rect is not None:
            self._draw_notes(painter, item, option, notes_rect, selected, text_color)
        painter.restore()

    @staticmethod
    def _notes_font(option: QStyleOptionViewItem) -> QFont:
        font = QFont(option.font)
        font.setItalic(True)
        return font

    def _notes_rect(
        self, item: QueueItem, option: QStyleOptionViewItem, line: QRect
    ) -> QRect | None:
        """Where the notes go on the status line: its right part, at most 45 % of it, so the
        status stays readable; the full text is in the tooltip."""
        if not item.notes:
            return None
        fm = QFontMetrics(self._notes_font(option))
        width = min(fm.horizontalAdvance(NOTE_MARK + item.notes_text()), int(line.width() * 0.45))
        status_w = option.fontMetrics.horizontalAdvance(item.status_text())
        left = min(line.left() + status_w + 6, line.right() - width)
        return QRect(left, line.top(), line.right() - left, line.height())

    def _draw_notes(
        self,
        painter: QPainter,
        item: QueueItem,
        option: QStyleOptionViewItem,
        rect: QRect,
        selected: bool,
        text_color: QColor,
    ) -> None:
        font = self._notes_font(option)
        painter.setFont(font)
        painter.setPen(text_color if selected else NOTE_COLOR)
        text = QFontMetrics(font).elidedText(
            NOTE_MARK + item.notes_text(), Qt.TextElideMode.ElideRight, rect.width()
        )
        painter.drawText(rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, text)


class BatchProgress:
    """Overall progress, and the time left from the pace so far in megapixels, not photos: a
    12.7 MP photo takes about as long as ten 1.3 MP ones. A photo whose size cannot be read
    counts as the batch's average."""

    def __init__(self) -> None:
        self.total = 0
        self.finished = 0
        self.current = 0.0  # fraction of the running photo
        self._t0 = 0.0
        self._sizes: dict[Path, float] = {}  # megapixels of each photo of the batch
        self._total_mp = 0.0
        self._done_mp = 0.0
        self._current_mp = 0.0
        self._average = 1.0

    def start(self, total: int, sources: list[Path] | None = None) -> None:
        self.total, self.finished, self.current = total, 0, 0.0
        known = {p: megapixels(p) for p in sources or []}
        sizes = [mp for mp in known.values() if mp]
        average = sum(sizes) / len(sizes) if sizes else 1.0
        self._sizes = {p: mp or average for p, mp in known.items()}
        # Photos the batch found that were not given (none, as the window starts it): average.
        self._total_mp = sum(self._sizes.values()) + max(0, total - len(self._sizes)) * average
        self._average = average
        self._done_mp = self._current_mp = 0.0
        self._t0 = time.monotonic()

    def started(self, source: Path) -> None:
        """The batch took ``source``: its size weighs the progress until it is finished."""
        self._current_mp = self._sizes.get(Path(source), self._average)
        self.current = 0.0

    def finished_one(self) -> None:
        self.finished += 1
        self._done_mp += self._current_mp or self._average
        self._current_mp = 0.0
        self.current = 0.0

    def fraction(self) -> float:
        if self._total_mp <= 0:
            return 0.0
        return min(1.0, (self._done_mp + self.current * self._current_mp) / self._total_mp)

    def seconds_left(self) -> float | None:
        done = self._done_mp + self.current * self._current_mp
        if self._total_mp <= 0 or done <= 0.001 * self._total_mp:
            return None
        elapsed = time.monotonic() - self._t0
        return max(0.0, elapsed / done * (self._total_mp - done))


def format_duration(seconds: float) -> str:
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


class QueuePanel(QWidget):
    """The queue list with its buttons and the overall progress bar."""

    startRequested = Signal()
    cancelRequested = Signal()
    imageActivated = Signal(Path)  # show this photo in the viewer
    openFailed = Signal(Path)  # no application could open this file or folder

    def __init__(self, model: QueueModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.progress = BatchProgress()
        self._running = False

        self.add_files_button = QPushButton("Add photos…")
        self.add_folder_button = QPushButton("Add folder…")
        self.add_files_button.clicked.connect(self.add_files_dialog)
        self.add_folder_button.clicked.connect(self.add_folder_dialog)

        self.view = QListView(self)
        self.view.setObjectName("queueList")
        self.view.setModel(model)
        self.view.setItemDelegate(QueueDelegate(self.view))
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setUniformItemSizes(True)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._context_menu)
        self.view.doubleClicked.connect(self._on_double_clicked)
        self.view.setMinimumHeight(64)  # two rows: the column fits a 768-pixel-high screen

        self.empty_hint = QLabel(
            "The queue is empty. Drop photos or folders anywhere on the window, use Add "
            "folder…, or double-click a thumbnail to queue it; then press Start."
        )
        self.empty_hint.setObjectName("hint")
        self.empty_hint.setWordWrap(True)
        self.left_out_label = QLabel("")  # what was dropped or added but is not a photo
        self.left_out_label.setObjectName("hint")
        self.left_out_label.setWordWrap(True)
        # Where the add dialogs start: the window sets it to the folder being browsed.
        self.start_folder: Callable[[], Path] = Path.home

        self.bar = QProgressBar()
        self.bar.setTextVisible(True)
        self.bar.setFormat("")
        self.bar.setRange(0, 1000)
        self.bar.setValue(0)
        self.summary = QLabel("")
        self.summary.setObjectName("summary")

        self.start_button = QPushButton("Start")
        self.start_button.setObjectName("primary")
        self.start_button.setDefault(True)
        self.cancel_button = QPushButton("Cancel")
        self.retry_button = QPushButton("Retry failed")
        self.clear_button = QPushButton("Clear done")
        self.start_button.clicked.connect(self.startRequested)
        self.cancel_button.clicked.connect(self.cancelRequested)
        self.retry_button.clicked.connect(self.model.retry_failed)
        self.clear_button.clicked.connect(self.model.clear_done)

        top = QHBoxLayout()
        top.addWidget(self.add_files_button)
        top.addWidget(self.add_folder_button)
        top.addStretch(1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.cancel_button)
        buttons.addStretch(1)
        buttons.addWidget(self.retry_button)
        buttons.addWidget(self.clear_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.empty_hint)
        layout.addWidget(self.left_out_label)
        layout.addWidget(self.bar)
        layout.addWidget(self.summary)
        layout.addLayout(buttons)

        self.enhancement_enabled = True
        model.changed.connect(self.refresh)
        self.refresh()

    def hasHeightForWidth(self) -> bool:
        """No: its wrapped hints would make the window's side column lay out by height for
        width, where Qt squeezes the controls above below their minimum (rows over rows)."""
        return False

    # -- state ----------------------------------------------------------------------------
    def is_running(self) -> bool:
        return self._running

    def set_running(self, running: bool) -> None:
        self._running = running
        self.refresh()

    def set_enhancement_enabled(self, enabled: bool) -> None:
        self.enhancement_enabled = enabled
        self.refresh()

    def refresh(self) -> None:
        queued = self.model.count(State.QUEUED)
        failed = self.model.count(State.FAILED)
        finished = self.model.count(State.DONE) + self.model.count(State.SKIPPED)
        self.start_button.setEnabled(not self._running and queued > 0 and self.enhancement_enabled)
        self.cancel_button.setEnabled(self._running)
        self.retry_button.setEnabled(not self._running and failed > 0)
        self.clear_button.setEnabled(finished > 0)
        self.empty_hint.setVisible(self.model.rowCount() == 0)
        left_out = self.model.left_out_text()
        self.left_out_label.setText(left_out)
        self.left_out_label.setToolTip("\n".join(
            f"{item.path.name}: {item.reason}" for item in list(self.model.left_out.values())[:40]
        ))
        self.left_out_label.setVisible(bool(left_out))
        self.bar.setVisible(self._running)  # an idle bar looks like an empty text field
        self._update_bar()

    def _update_bar(self) -> None:
        p = self.progress
        if self._running and p.total:
            self.bar.setValue(int(p.fraction() * 1000))
            self.bar.setFormat(f"{p.finished} / {p.total} photos")
            left = p.seconds_left()
            eta = (
                f"about {format_duration(left)} left"
                if left is not None
                else "estimating time left…"
            )
            self.summary.setText(eta)
        elif not self._running:
            total = self.model.rowCount()
            done = self.model.count(State.DONE)
            self.bar.setValue(int(done / total * 1000) if total else 0)
            self.bar.setFormat(f"{done} / {total} photos done" if total else "")
            parts = []
            for state in (State.QUEUED, State.FAILED, State.SKIPPED):
                n = self.model.count(state)
                if n:
                    parts.append(f"{n} {state.value}")
            self.summary.setText(", ".join(parts))

    # -- batch events (core/events.py, forwarded by the window) ---------------------------
    def apply(self, event: object) -> None:
        """Overall progress from a batch event (the rows follow the model's ``apply``)."""
        if isinstance(event, BatchStarted):
            self.on_batch_started(event.total)
        elif isinstance(event, ImageStarted):
            self.progress.started(event.job.source)
        elif isinstance(event, TileDone):
            self.on_item_progress(event.done / event.total if event.total else 0.0)
        elif isinstance(event, (ImageDone, ImageFailed, ImageSkipped)):
            self.on_item_finished()
        elif isinstance(event, BatchFinished):
            self.set_running(False)

    def on_batch_started(self, total: int) -> None:
        # The queued rows are the batch's photos (keyed by resolved path, as its jobs' sources).
        sources = self.model.keys(State.QUEUED)
        self.progress.start(total, sources)
        self.set_running(True)

    def on_item_progress(self, fraction: float) -> None:
        self.progress.current = fraction
        self._update_bar()

    def on_item_finished(self) -> None:
        self.progress.finished_one()
        self._update_bar()

    # -- adding ---------------------------------------------------------------------------
    def add_files_dialog(self) -> None:
        pattern = " ".join(name_filters())
        files, _ = QFileDialog.getOpenFileNames(
            self, "Add photos to the queue", str(self.start_folder()), f"Photos ({pattern})"
        )
        if files:
            self.model.add_paths([Path(f) for f in files])

    def add_folder_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, "Add a folder of photos to the queue", str(self.start_folder())
        )
        if folder:
            self.model.add_paths([Path(folder)])

    # -- opening outputs ------------------------------------------------------------------
    def _on_double_clicked(self, index: QModelIndex) -> None:
        item: QueueItem = index.data(ItemRole)
        if item is None:
            return
        if item.state is State.DONE and item.output:
            self.open(item.output)
        else:
            self.imageActivated.emit(item.path)

    def open(self, path: Path) -> bool:
        """Open with the system's application; a failure is signalled, not silent."""
        opened = open_path(path)
        if not opened:
            self.openFailed.emit(Path(path))
        return opened

    def _context_menu(self, pos: QPoint) -> None:
        index = self.view.indexAt(pos)
        rows = sorted({i.row() for i in self.view.selectionModel().selectedIndexes()})
        menu = QMenu(self)
        if index.isValid():
            item: QueueItem = index.data(ItemRole)
            if item.state is State.DONE and item.output:
                out = item.output
                menu.addAction("Open enhanced photo", lambda: self.open(out))
                menu.addAction("Show in folder", lambda: self.open(out.parent))
            menu.addAction("Show in viewer", lambda: self.imageActivated.emit(item.path))
            if item.state is State.FAILED:
                retry = QAction("Retry", menu)
                retry.triggered.connect(lambda: self.model.requeue(item.path))
                menu.addAction(retry)
            menu.addSeparator()
        if rows:
            menu.addAction("Remove from queue", lambda: self.model.remove_rows(rows))
        if not menu.isEmpty():
            menu.exec(self.view.viewport().mapToGlobal(pos))


# -- the queue across sessions ----------------------------------------------------------------
def save_unfinished(settings: Settings, model: QueueModel) -> None:
    """Remember the photos not enhanced yet (queued, running, failed) for the next start, and
    the failed ones' errors, so they come back failed, not as plain "Queued"."""
    unfinished = (State.QUEUED, State.RUNNING, State.FAILED)
    settings.unfinished_queue = [
        i.path for i in model.items() if i.state in unfinished
    ]
    settings.failed_queue = {i.path: i.message for i in model.items() if i.state is State.FAILED}


def restore_unfinished(settings: Settings, model: QueueModel) -> str:
    """Queue again what ``save_unfinished`` kept, minus files now gone; returns what to tell
    the person ("" when nothing came back)."""
    saved = settings.unfinished_queue
    present = [p for p in saved if p.is_file()]
    before = set(model.left_out)
    added = model.add_paths(present) if present else 0
    refailed = 0
    for path, message in settings.failed_queue.items():
        if model.find(path) >= 0:
            model.mark_failed(path, message)
            refailed += 1
    left = [item for p, item in model.left_out.items() if p not in before]
    gone = len(saved) - len(present)
    if not added and not left:
        return ""
    parts = []
    if added:
        queued = added - refailed
        text = f"Queued {queued} unfinished photo{'s' if queued != 1 else ''} from the last session"
        if refailed:
            text += (f"; {refailed} that failed {'are' if refailed != 1 else 'is'} back with "
                     "the error (Retry failed to try again)")
        parts.append(text)
    if gone:
        parts.append(f"{gone} no longer exist{'s' if gone == 1 else ''}")
    if left:
        parts.append(_left_text(left))
    return "; ".join(parts) + "."


def _left_text(left: list[LeftOut]) -> str:
    if len(left) == 1:
        return f"{left[0].path.name} was not queued: {left[0].reason}"
    return f"{len(left)} files were not queued: {summarize_left_out(left)}"


def added_text(added: int, left: list[LeftOut], refused: list[QueueItem] | None = None) -> str:
    """What adding did: "Queued 3 photos.", what was refused at once and why ("broken.jpg
    failed: cannot read 'broken.jpg': it is a text file, not a photo") and what was not
    queued."""
    refused = refused or []
    queued = added - len(refused)
    if queued:
        text = f"Queued {queued} photo{'s' if queued != 1 else ''}."
    elif not left and not refused:
        return "Nothing new to queue (already queued)."
    else:
        text = "Nothing queued."
    if len(refused) == 1:
        text += f" {refused[0].message[0].upper()}{refused[0].message[1:]}."
    elif refused:
        text += f" {len(refused)} files are not photos (see the queue)."
    return f"{text} {_left_text(left)}." if left else text


def open_path(path: Path) -> bool:
    """Open a file or folder with the system's default application."""
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))
