"""Folder browser: a folder tree (images only) above a thumbnail grid of the selected folder."""

from __future__ import annotations

import html
import sys
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import (
    QAbstractListModel,
    QDir,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import (
    QAction,
    QColor,
    QFontMetrics,
    QIcon,
    QPainter,
    QPalette,
    QPixmap,
    QResizeEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileSystemModel,
    QLabel,
    QListView,
    QMenu,
    QSplitter,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from lowlight_gui.core.folders import LeftOut, summarize_left_out
from lowlight_gui.qt.files import is_image, name_filters, photos_below, scan
from lowlight_gui.qt.thumbnails import EDITED_ROLE, ThumbnailCache, paint_edited_badge

THUMB_SIZE = 128  # thumbnails are made at this size and shown at most at it
MIN_CELL = 104  # the narrowest grid cell: columns are as many as fit, then share the width
PathRole = Qt.ItemDataRole.UserRole + 1


def elide_name(name: str, fm: QFontMetrics, width: int) -> str:
    """``name`` cut to ``width`` pixels at its end, its suffix kept ("hdrplus_2019….jpg"), so
    that photos whose names differ only in the middle or at the end stay apart."""
    if fm.horizontalAdvance(name) <= width:
        return name
    stem, dot, suffix = name.rpartition(".")
    if not dot or not stem or len(suffix) > 5:
        return fm.elidedText(name, Qt.TextElideMode.ElideRight, width)
    tail = "." + suffix
    head = fm.elidedText(stem, Qt.TextElideMode.ElideRight, width - fm.horizontalAdvance(tail))
    return head + tail


_PAD = 4  # around the thumbnail and the name, inside a cell


def label_height(fm: QFontMetrics) -> int:
    """The name's line: the font's whole line (descenders of "jpg" included) and a margin, so
    the selection's highlight never cuts the letters."""
    return fm.lineSpacing() + 2 * _PAD


def cell_height(icon: int, fm: QFontMetrics) -> int:
    return _PAD + icon + _PAD + label_height(fm)


class NameDelegate(QStyledItemDelegate):
    """Paints a cell: the thumbnail at the top, then the name end-elided with its extension kept
    (``elide_name``) on a line of its own, the selection as a highlight around the name that
    fits the text, never over it."""

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        view = option.widget
        if isinstance(view, QListView) and view.gridSize().isValid():
            return view.gridSize()
        icon = option.decorationSize.height()
        return QSize(icon + 2 * _PAD, cell_height(icon, option.fontMetrics))

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        painter.save()
        rect = option.rect
        view = option.widget
        icon = view.iconSize().width() if isinstance(view, QListView) else THUMB_SIZE
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        pal = option.palette
        target = QRect(rect.left() + (rect.width() - icon) // 2, rect.top() + _PAD, icon, icon)
        pix = index.data(Qt.ItemDataRole.DecorationRole)
        if isinstance(pix, QPixmap) and not pix.isNull():
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
            painter.drawPixmap(target, pix)
        if index.data(EDITED_ROLE):  # the photo has its own settings: a mark on its picture
            paint_edited_badge(painter, target)
        fm = option.fontMetrics
        line = QRect(rect.left() + 1, target.bottom() + 1 + _PAD, rect.width() - 2,
                     label_height(fm))
        text = elide_name(str(index.data(Qt.ItemDataRole.DisplayRole) or ""), fm,
                          line.width() - 2 * _PAD)
        if selected:
            w = min(line.width(), fm.horizontalAdvance(text) + 2 * _PAD)
            box = QRect(line.left() + (line.width() - w) // 2, line.top(), w, line.height())
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(pal.color(QPalette.ColorRole.Highlight))
            painter.drawRoundedRect(box, 4, 4)
            painter.setPen(pal.color(QPalette.ColorRole.HighlightedText))
        else:
            painter.setPen(pal.color(QPalette.ColorRole.Text))
        painter.setFont(option.font)
        painter.drawText(line, Qt.AlignmentFlag.AlignCenter, text)
        painter.restore()


class ThumbnailGrid(QListView):
    """An icon grid whose columns share the whole width (no ragged empty strip on the right).

    The vertical scroll bar is always there: a bar that comes and goes changes the width, and
    so the columns, and so whether the bar is needed: with four RAW thumbnails that was a
    re-layout a few milliseconds apart, forever (issue 28).
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

    def resizeEvent(self, event: QResizeEvent) -> None:
        self.fit_columns()
        super().resizeEvent(event)

    def fit_columns(self) -> None:
        width = max(MIN_CELL, self.viewport().width() - 2 * self.spacing() - 1)
        columns = max(1, width // MIN_CELL)
        cell = width // columns
        icon = min(THUMB_SIZE, cell - 2 * _PAD)
        grid = QSize(cell, cell_height(icon, self.fontMetrics()))
        if grid != self.gridSize() or self.iconSize() != QSize(icon, icon):  # no needless pass
            self.setIconSize(QSize(icon, icon))
            self.setGridSize(grid)


class ThumbnailModel(QAbstractListModel):
    """The photos of one folder; decorations come from the background ThumbnailCache."""

    def __init__(
        self, cache: ThumbnailCache, dpr: float = 1.0, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._cache = cache
        self._dpr = dpr
        self._files: list[Path] = []
        self.left_out: list[LeftOut] = []  # the folder's files that are not photos, with why
        self._row_of: dict[str, int] = {}
        self._placeholder = _placeholder_icon(THUMB_SIZE, dpr)
        self.is_edited: Callable[[Path], bool] = lambda _path: False  # set by the window
        cache.ready.connect(self._on_ready)

    def set_folder(self, folder: Path | None) -> None:
        self._cache.cancel_pending()
        self.beginResetModel()
        found = scan(folder) if folder else None
        self._files = found.photos if found else []
        self.left_out = found.left_out if found else []
        self._row_of = {str(p): i for i, p in enumerate(self._files)}
        self.endResetModel()

    def set_device_pixel_ratio(self, dpr: float) -> None:
        if dpr != self._dpr:
            self._dpr = dpr
            self._placeholder = _placeholder_icon(THUMB_SIZE, dpr)
            if self._files:
                self.dataChanged.emit(self.index(0), self.index(len(self._files) - 1))

    def files(self) -> list[Path]:
        return list(self._files)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._files)

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if not index.isValid() or index.row() >= len(self._files):
            return None
        path = self._files[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return path.name
        if role == Qt.ItemDataRole.DecorationRole:
            pix = self._cache.get(path, THUMB_SIZE, self._dpr)
            if pix is None or pix.isNull():
                return self._placeholder
            pix.setDevicePixelRatio(self._dpr)
            return pix
        if role == Qt.ItemDataRole.ToolTipRole:
            return str(path)
        if role == PathRole:
            return str(path)
        if role == EDITED_ROLE:
            return self.is_edited(path)
        return None

    def refresh_edited(self, path: Path) -> None:
        """The photo's edited mark may have changed."""
        row = self._row_of.get(str(path))
        if row is None:
            row = next((i for i, p in enumerate(self._files) if p.resolve() == path), None)
        if row is not None:
            self.dataChanged.emit(self.index(row), self.index(row), [EDITED_ROLE])

    def _on_ready(self, path: str) -> None:
        row = self._row_of.get(path)
        if row is not None:
            idx = self.index(row)
            self.dataChanged.emit(idx, idx, [Qt.ItemDataRole.DecorationRole])


def _placeholder_icon(size: int, dpr: float) -> QPixmap:
    side = round(size * dpr)
    pix = QPixmap(side, side)
    pix.fill(QColor(0, 0, 0, 0))
    p = QPainter(pix)
    p.setPen(QColor(128, 128, 128, 120))
    p.setBrush(QColor(128, 128, 128, 40))
    inset = side // 8  # a 4:3 frame in the middle of the square cell
    p.drawRect(0, inset, side - 1, side - 2 * inset - 1)
    p.end()
    pix.setDevicePixelRatio(dpr)
    return pix


class FolderBrowser(QWidget):
    """Tree of folders and photos; the grid shows the selected folder's photos."""

    imageSelected = Signal(Path)
    folderSelected = Signal(Path)
    addToQueue = Signal(list)  # list[Path]

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.fs_model = QFileSystemModel(self)
        self.fs_model.setFilter(
            QDir.Filter.AllDirs | QDir.Filter.Files | QDir.Filter.NoDotAndDotDot
        )
        self.fs_model.setNameFilters(name_filters())
        self.fs_model.setNameFilterDisables(False)  # hide, don't grey out, non-images
        self.fs_model.setRootPath(QDir.rootPath())

        self.tree = QTreeView(self)
        self.tree.setObjectName("folderTree")
        self.tree.setModel(self.fs_model)
        self._tree_root: Path | None = None
        self._set_tree_root(Path.home())
        for column in (1, 2, 3):  # size, type, date: noise in a narrow side panel
            self.tree.hideColumn(column)
        self.tree.setHeaderHidden(True)
        self.tree.setAnimated(False)
        self.tree.setUniformRowHeights(True)
        self.tree.selectionModel().currentChanged.connect(self._on_tree_current)
        self._scroll_timer = QTimer(self)
        self._scroll_timer.setSingleShot(True)
        self._scroll_timer.setInterval(150)
        self._scroll_timer.timeout.connect(self._scroll_now)
        self.fs_model.directoryLoaded.connect(self._scroll_tree_to_current)

        self.cache = ThumbnailCache(parent=self)
        self.thumb_model = ThumbnailModel(self.cache, self.devicePixelRatioF(), self)
        self.grid = ThumbnailGrid(self)
        self.grid.setObjectName("thumbnailGrid")
        self.grid.setModel(self.thumb_model)
        self.grid.setViewMode(QListView.ViewMode.IconMode)
        self.grid.setItemDelegate(NameDelegate(self.grid))
        self.grid.setSpacing(4)
        self.grid.fit_columns()
        self.grid.setResizeMode(QListView.ResizeMode.Adjust)
        self.grid.setMovement(QListView.Movement.Static)
        self.grid.setUniformItemSizes(
            True
        )  # lets Qt lay out hundreds of items without asking data()
        self.grid.setWordWrap(False)
        self.grid.setTextElideMode(Qt.TextElideMode.ElideNone)  # NameDelegate elides
        self.grid.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.grid.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.grid.customContextMenuRequested.connect(self._grid_menu)
        self.grid.selectionModel().currentChanged.connect(self._on_grid_current)
        self.grid.doubleClicked.connect(self._on_grid_double_clicked)

        # How many photos the folder holds and what else is in it: nothing hidden in silence.
        self.info = QLabel("")
        self.info.setObjectName("hint")
        self.info.setWordWrap(True)
        self.info.setContentsMargins(4, 2, 4, 2)
        self.info.setTextFormat(Qt.TextFormat.RichText)
        self.info.linkActivated.connect(lambda href: self.open_folder(Path(href)))
        self._below: list[tuple[Path, int]] = []  # photos in subfolders of an empty folder
        grid_box = QWidget(self)
        grid_layout = QVBoxLayout(grid_box)
        grid_layout.setContentsMargins(0, 0, 0, 0)
        grid_layout.setSpacing(2)
        grid_layout.addWidget(self.grid, 1)
        grid_layout.addWidget(self.info)

        self.splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.splitter.addWidget(self.tree)
        self.splitter.addWidget(grid_box)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.splitter)
        self._folder: Path | None = None

    def folder(self) -> Path | None:
        return self._folder

    def _set_tree_root(self, folder: Path) -> None:
        """Root the tree at the home folder for folders inside it (not at "/", whose bin, boot
        and dev mean nothing to a photographer), at the file system's root for others."""
        if sys.platform == "win32":  # the drives at the top level
            return
        home = Path.home()
        root = home if folder == home or home in folder.parents else Path(QDir.rootPath())
        if root != self._tree_root:
            self._tree_root = root
            self.tree.setRootIndex(self.fs_model.index(str(root)))

    def left_out_text(self) -> str:
        """ "3 other files not shown: 2 not a photo format Lowlight reads (.txt), 1 a hidden
        file"; "" when the folder holds nothing else."""
        left = self.thumb_model.left_out
        if not left:
            return ""
        n = len(left)
        return f"{n} other file{'s' if n != 1 else ''} not shown: {summarize_left_out(left)}"

    def photos_below_text(self, *, links: bool = False) -> str:
        """ "No photos here — 38 in 3 subfolders: Night, Street, Snow" for a folder without
        photos whose subfolders hold some ("" otherwise); ``links``: each name a link there."""
        if not self._below or self.thumb_model.rowCount():
            return ""
        total = sum(n for _, n in self._below)
        shown = self._below[:4]
        names = [
            f"<a href='{html.escape(str(p))}'>{html.escape(p.name)}</a>" if links else p.name
            for p, _ in shown
        ]
        more = ", …" if len(self._below) > len(shown) else ""
        n = len(self._below)
        return (f"No photos here — {total} in {n} subfolder{'s' if n != 1 else ''}: "
                + ", ".join(names) + more)

    def viewer_hint(self) -> str:
        """What the viewer says while no photo of this folder is on show."""
        photos = self.thumb_model.rowCount()
        below = self.photos_below_text()
        if below:
            return f"{below}\nChoose one in the folder tree."
        if photos:
            return (
                f"Choose one of the {photos} photo{'s' if photos != 1 else ''} on the left to "
                "see it enhanced beside the original.\nDouble-click a thumbnail (or drop files "
                "here) to queue it for the batch."
            )
        folder = self._folder
        name = (folder.name or str(folder)) if folder else "this folder"
        return (
            f"No photos in {name}.\nChoose another folder on the left, or open one with "
            "Ctrl+Shift+O."
        )

    def _update_info(self) -> None:
        photos = self.thumb_model.rowCount()
        others = html.escape(self.left_out_text())
        self._below = photos_below(self._folder) if self._folder and not photos else []
        if self._folder is None:
            text = ""
        elif photos:
            text = f"{photos} photo{'s' if photos != 1 else ''}" + (f"; {others}" if others else "")
        elif self._below:
            text = self.photos_below_text(links=True) + "."
        else:
            text = ("No photos in this folder" + (f" ({others})" if others else "")
                    + ". Choose another folder above, or File ▸ Open folder.")
        self.info.setText(text)
        self.info.setToolTip("\n".join(f"{i.path.name}: {i.reason}"
                                       for i in self.thumb_model.left_out[:40]))

    def open_folder(self, folder: Path) -> None:
        """Show ``folder`` in the grid and reveal it in the tree."""
        folder = Path(folder)
        self._set_tree_root(folder)
        idx = self.fs_model.index(str(folder))
        if idx.isValid():
            self.tree.setCurrentIndex(idx)  # calls _on_tree_current
            self.tree.expand(idx)  # its subfolders in view: where the photos often are
            self._scroll_tree_to_current()
        if self._folder != folder:
            self._set_grid_folder(folder)

    def _scroll_tree_to_current(self, _loaded: str = "") -> None:
        # Deferred: QFileSystemModel inserts and sorts the loaded rows a little after this
        # signal, and scrolling before that lands on a stale position.
        self._scroll_timer.start()

    def _scroll_now(self) -> None:
        current = self.tree.currentIndex()
        if current.isValid():
            self.tree.scrollTo(current, QAbstractItemView.ScrollHint.PositionAtCenter)

    def select_file(self, path: Path) -> None:
        """Reveal a file: its folder in the grid, the file selected."""
        path = Path(path)
        if self._folder != path.parent:
            self.open_folder(path.parent)
        files = self.thumb_model.files()
        if path in files:
            self.grid.setCurrentIndex(self.thumb_model.index(files.index(path)))

    def step(self, delta: int, current: Path | None = None) -> Path | None:
        """Select the photo ``delta`` places from ``current`` (or the grid's current one) in
        this folder; returns it, or None at either end. Selecting shows it (imageSelected)."""
        if current is not None and current.parent != self._folder:
            self.select_file(current)
        files = self.thumb_model.files()
        if current is not None and current in files:
            row = files.index(current)
        else:
            row = self.grid.currentIndex().row()
        target = row + delta if row >= 0 else (0 if delta > 0 else len(files) - 1)
        if not 0 <= target < len(files):
            return None
        self.grid.setCurrentIndex(self.thumb_model.index(target))
        return files[target]

    def selected_files(self) -> list[Path]:
        rows = sorted(i.row() for i in self.grid.selectionModel().selectedIndexes())
        files = self.thumb_model.files()
        return [files[r] for r in rows if r < len(files)]

    def _set_grid_folder(self, folder: Path) -> None:
        self._folder = folder
        self.thumb_model.set_device_pixel_ratio(self.devicePixelRatioF())
        self.thumb_model.set_folder(folder)
        self._update_info()
        self.folderSelected.emit(folder)

    def _on_tree_current(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid():
            return
        path = Path(self.fs_model.filePath(current))
        if self.fs_model.isDir(current):
            if path != self._folder:
                self._set_grid_folder(path)
        elif is_image(path):
            if path.parent != self._folder:
                self._set_grid_folder(path.parent)
            self.imageSelected.emit(path)

    def _on_grid_current(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid():
            self.imageSelected.emit(Path(current.data(PathRole)))

    def _on_grid_double_clicked(self, index: QModelIndex) -> None:
        if index.isValid():
            self.addToQueue.emit([Path(index.data(PathRole))])

    def _grid_menu(self, pos: object) -> None:
        files = self.selected_files()
        if not files:
            return
        menu = QMenu(self)
        label = "Add to queue" if len(files) == 1 else f"Add {len(files)} photos to queue"
        add = QAction(QIcon.fromTheme("list-add"), label, menu)
        add.triggered.connect(lambda: self.addToQueue.emit(files))
        menu.addAction(add)
        if self._folder is not None:
            folder = self._folder
            add_all = QAction("Add whole folder to queue", menu)
            add_all.triggered.connect(lambda: self.addToQueue.emit([folder]))
            menu.addAction(add_all)
        menu.exec(self.grid.viewport().mapToGlobal(pos))
