"""The main window: browser | before/after viewer | controls and batch queue.

Layout, window state and wiring only: the menus and keys (menus.py), each photo's settings
(PhotoEditor, EditCommands), the preview (PreviewState), the histogram and photo info panels,
the batch (BatchRunner), the status bar (StatusLine), drops (PathDrops), layout rules
(window_layout.py), dialogs (dialogs.py) and Preferences live in their own modules; the two
workers share one engine (EngineCache).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QStandardPaths, Qt
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QLabel, QMainWindow, QSplitter, QVBoxLayout, QWidget

from lowlight_gui.core.batch import BatchOptions
from lowlight_gui.core.engine_cache import EngineCache, EngineSpec
from lowlight_gui.core.photo_edits import PhotoEdits
from lowlight_gui.core.settings import DEFAULTS
from lowlight_gui.qt import dialogs
from lowlight_gui.qt.about import AboutDialog
from lowlight_gui.qt.batch_runner import BatchRunner
from lowlight_gui.qt.browser import FolderBrowser
from lowlight_gui.qt.controls import ControlsPanel
from lowlight_gui.qt.drops import PathDrops
from lowlight_gui.qt.edit_commands import EditCommands
from lowlight_gui.qt.edits import PhotoEditor
from lowlight_gui.qt.histogram import HistogramPanel
from lowlight_gui.qt.info_panel import InfoPanel
from lowlight_gui.qt.menus import build_menus
from lowlight_gui.qt.preferences import PreferencesDialog
from lowlight_gui.qt.presets_menu import PresetsMenu
from lowlight_gui.qt.preview import PreviewController
from lowlight_gui.qt.preview_state import PreviewState
from lowlight_gui.qt.queue import (
    QueueModel,
    QueuePanel,
    State,
    added_text,
    open_path,
    restore_unfinished,
    save_unfinished,
)
from lowlight_gui.qt.settings import Settings
from lowlight_gui.qt.status import StatusLine
from lowlight_gui.qt.viewer import CompareViewer
from lowlight_gui.qt.viewport_render import ViewportRender
from lowlight_gui.qt.window_layout import MIN_SIZE, SaveFolder, SidePanels, scrolling
from lowlight_gui.qt.worker import BatchController

APP_NAME = "Lowlight"


def default_folder() -> Path:
    """Where the first start browses: the user's Pictures folder, or else the home folder."""
    pictures = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.PicturesLocation)
    if pictures and Path(pictures).is_dir():
        return Path(pictures)
    return Path.home()


class MainWindow(QMainWindow):
    def __init__(
        self,
        settings: Settings,
        model_path: Path | None,
        providers: list[str],
        problem: str | None = None,
        parent: QWidget | None = None,
        *,
        store: PhotoEdits | None = None,
    ) -> None:
        """``problem``: why enhancement cannot run (missing model, no provider); None if it can.
        ``store``: where each photo's own settings are kept (default: the app's data folder)."""
        super().__init__(parent)
        self.settings = settings
        self.model_path = model_path
        self.providers = providers
        self.problem = problem
        self.setObjectName("mainWindow")
        self.setWindowTitle(APP_NAME)

        # -- widgets --------------------------------------------------------------------
        self.browser = FolderBrowser(self)
        self.viewer = CompareViewer(self)
        self.viewer.setObjectName("viewer")
        self.controls = ControlsPanel(settings, self)
        self.preferences = PreferencesDialog(settings, providers, self)
        self.edits = PhotoEditor(self.controls, PhotoEdits() if store is None else store, self)
        # through the window: tests replace window.confirm and window.alert
        self.presets_menu = PresetsMenu(
            self.edits, self, lambda *a: self.confirm(*a), lambda *a: self.alert(*a),
            lambda m: self.notify(m),
        )
        self.queue_model = QueueModel(self)
        self.queue_panel = QueuePanel(self.queue_model, self)

        side = QWidget(self)
        side.setObjectName("sidePanel")
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(6, 6, 6, 6)
        self.histogram = HistogramPanel(self.viewer, side)
        side_layout.addWidget(self.histogram)
        side_layout.addWidget(self.controls)
        queue_title = QLabel("Batch queue")
        queue_title.setObjectName("sectionTitle")
        side_layout.addWidget(queue_title)
        side_layout.addWidget(self.queue_panel, 1)

        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setObjectName("mainSplitter")
        self.splitter.addWidget(self.browser)
        self.splitter.addWidget(self.viewer)
        self.splitter.addWidget(scrolling(side))
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setStretchFactor(2, 0)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setSizes([260, 900, 360])
        self.setCentralWidget(self.splitter)
        self.setMinimumSize(*MIN_SIZE)
        self.side_panels = SidePanels(self.splitter, self.browser, self.splitter.widget(2),
                                      self.viewer)

        self.status = StatusLine(self.statusBar(), self.controls, problem)
        self.provider_label = self.status.provider_label
        self.zoom_label = self.status.zoom_label

        # -- workers: one session of the model for both (each run cancels alone) -----------
        # Quarter turns clockwise asked for photos (resolved path): shown, and applied to
        # their outputs (batch and "Save enhanced as"). For this session only.
        self.turns: dict[Path, int] = {}
        self.engines = EngineCache()
        self.preview = PreviewController(self.engines, self)
        self.preview_state = PreviewState(
            self.preview, self.viewer, self.controls, self.status, self.engine_spec, self
        )
        self.batch = BatchController(self.engines, self)
        # ``alert`` through the window: tests replace window.alert
        self.batch_runner = BatchRunner(
            self.batch, self.queue_model, self.queue_panel, self.status,
            lambda title, text: self.alert(title, text), self,
        )
        self.drops = PathDrops(self)
        self.info_panel = InfoPanel(self.viewer, lambda: self.preview.generation)
        self.queue_panel.start_folder = self._start_folder  # its dialogs open where we browse

        # -- connections ----------------------------------------------------------------
        self.preview.worker.events.connect(self.preview_state.apply)
        self.preview.worker.events.connect(self.info_panel.apply)
        self.viewport_render = ViewportRender(self.preview, self.viewer, self.controls, self)
        self.batch.worker.events.connect(self.batch_runner.apply)
        self.preview_state.saveReadyChanged.connect(self._on_save_ready)
        self.viewer.zoomChanged.connect(lambda s: self.zoom_label.setText(f"{s:.0%}"))
        self.browser.imageSelected.connect(self.show_image)
        self.browser.folderSelected.connect(self._on_folder_selected)
        self.browser.addToQueue.connect(self.add_to_queue)
        self.queue_panel.startRequested.connect(self.start_batch)
        self.queue_panel.cancelRequested.connect(self.cancel_batch)
        self.queue_panel.imageActivated.connect(self.show_image)
        self.queue_panel.openFailed.connect(self._on_open_failed)
        self.commands = EditCommands(self.edits, self.browser, self.preview_state, self.notify)
        self.controls.activeProviderChanged.connect(self.preferences.set_active_provider)
        self.preferences.engineChanged.connect(self._on_engine_settings)
        self.drops.dropped.connect(self._on_dropped)

        build_menus(self)
        self._set_enhancement_enabled(problem is None)
        self._restore_state()
        if self.edits.store.notice:
            self.notify(self.edits.store.notice)

    # -- state persistence ----------------------------------------------------------------
    def _restore_state(self) -> None:
        geometry = self.settings.window_geometry
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(1480, 900)
        state = self.settings.window_state
        if state is not None:
            self.restoreState(state)
        for name, splitter in self._splitters().items():
            saved = self.settings.splitter_state(name)
            if saved is not None:
                splitter.restoreState(saved)
        folder = self.settings.last_folder
        if folder is None or not folder.is_dir():  # the first start: the user's photos
            folder = default_folder()
        self.browser.open_folder(folder)
        self._restore_queue()

    def _restore_queue(self) -> None:
        """Queue again what was left unfinished at the last close (failed ones with their
        errors), minus files now gone."""
        message = restore_unfinished(self.settings, self.queue_model)
        if message:
            self.notify(message)

    def _splitters(self) -> dict[str, QSplitter]:
        return {"main": self.splitter, "browser": self.browser.splitter}

    def save_state(self) -> None:
        if self.side_panels.hidden():  # saved as they were before Tab hid them
            self.toggle_side_panels()
        self.settings.window_geometry = QByteArray(self.saveGeometry())
        self.settings.window_state = QByteArray(self.saveState())
        for name, splitter in self._splitters().items():
            self.settings.set_splitter_state(name, QByteArray(splitter.saveState()))
        save_unfinished(self.settings, self.queue_model)
        self.settings.sync()

    # -- notifications and questions -------------------------------------------------------
    def notify(self, message: str) -> None:
        """Non-blocking message for the user (status bar)."""
        self.status.notify(message)

    # Tests replace these two with recorded answers (window.confirm = lambda *a: True).
    def confirm(self, title: str, text: str, yes: str = "OK", no: str = "Cancel") -> bool:
        """Ask a yes/no question; True when the person chose ``yes``."""
        return dialogs.ask(self, title, text, yes, no)

    def alert(self, title: str, text: str) -> None:
        """Tell the person something went wrong, and wait until they have read it."""
        dialogs.warn(self, title, text)

    def report_startup_problem(self) -> None:
        """Explain why enhancement is off; the window stays usable for browsing."""
        if self.problem:
            dialogs.critical(self, "Lowlight cannot enhance photos", self.problem)

    def _set_enhancement_enabled(self, enabled: bool) -> None:
        self.controls.set_enhancement_enabled(enabled)
        self.queue_panel.set_enhancement_enabled(enabled)
        self.start_action.setEnabled(enabled)
        if not enabled:
            self.viewer.set_placeholder_text(
                "Enhancement is unavailable (see Help ▸ About).\nYou can still browse photos."
            )

    # -- engine ---------------------------------------------------------------------------
    def engine_spec(self) -> EngineSpec | None:
        if self.problem:
            return None
        return EngineSpec(self.model_path, self.controls.provider_value())

    def _on_engine_settings(self) -> None:
        self.status.forget_engine()
        self.preview_state.reload()

    @property
    def active_provider(self) -> str:
        return self.status.active_provider

    # -- viewing --------------------------------------------------------------------------
    @property
    def current_path(self) -> Path | None:
        return self.preview_state.current_path

    def show_image(self, path: Path) -> None:
        """Show ``path`` in the viewer and start its preview (cancelling the previous one)."""
        path = Path(path)
        if path.resolve() != self.edits.current:
            self.edits.show(path)  # its own settings into the controls, before its preview
        if self.preview_state.show(path):
            self.viewer.set_turns(self.turns.get(path.resolve(), 0))
            self.setWindowTitle(f"{path.name} — {APP_NAME}")
            self.info_panel.set_path(path)

    def rotate(self, delta: int) -> int:
        """Turn the photo shown by ``delta`` quarter turns (clockwise +1); its outputs are
        turned the same way. Returns its quarter turns now (0..3)."""
        path = self.current_path
        if path is None:
            self.notify("Open a photo first, then rotate it.")
            return 0
        key = path.resolve()
        turns = (self.turns.get(key, 0) + delta) % 4
        if turns:
            self.turns[key] = turns
        else:
            self.turns.pop(key, None)
        self.viewer.set_turns(turns)
        self.notify(f"{path.name} turned {turns * 90}°: enhanced copies are saved this way up."
                    if turns else f"{path.name} back as stored.")
        return turns

    def show_preferences(self) -> None:
        self.preferences.show()
        self.preferences.raise_()

    def _on_save_ready(self, ready: bool) -> None:
        self.save_action.setEnabled(ready)

    def step_photo(self, delta: int) -> Path | None:
        """Show the next (+1) or previous (-1) photo of the folder; None at either end."""
        path = self.browser.step(delta, self.current_path)
        if path is None:
            self.notify("No more photos in this folder." if delta > 0 else "This is the first photo.")
        elif path != self.current_path:
            self.show_image(path)
        return path

    def toggle_side_panels(self) -> None:
        """Tab: the photo gets the whole width, or the panels come back."""
        self.side_panels.toggle()
        self.panels_action.setText(
            "Show side panels" if self.side_panels.hidden() else "Hide side panels"
        )

    def show_shortcuts(self) -> None:
        from lowlight_gui.qt.shortcuts import ShortcutsDialog

        dialog = ShortcutsDialog(self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def _on_folder_selected(self, folder: Path) -> None:
        self.settings.last_folder = folder
        current = self.current_path
        if current is not None and current.parent != folder:  # not the old folder's photo
            self.preview_state.clear()  # (the events already on their way are dropped)
            self.edits.show(None)
            self.info_panel.set_path(None)
            self.setWindowTitle(APP_NAME)
        if not self.problem:  # else the placeholder says why enhancing is off
            self.viewer.set_placeholder_text(self.browser.viewer_hint())

    # -- files ----------------------------------------------------------------------------
    def _start_folder(self) -> Path:
        return self.browser.folder() or self.settings.last_folder or Path.home()

    def open_file_dialog(self) -> None:
        path = dialogs.choose_photo(self, self._start_folder())
        if path is not None:
            self.open_path(path)

    def open_folder_dialog(self) -> None:
        folder = dialogs.choose_folder(self, self._start_folder())
        if folder is not None:
            self.open_path(folder)

    def open_path(self, path: Path) -> None:
        """Open a photo (shown in the viewer) or a folder (shown in the browser)."""
        if path.is_dir():
            self.browser.open_folder(path)
        else:
            self.browser.select_file(path)
            self.show_image(path)

    def save_as_dialog(self) -> None:
        src = self.current_path
        if src is None or not self.preview_state.full_ready:
            self.notify("Wait for the full-resolution result, then save.")
            return
        start = SaveFolder(self.settings.output_dir, src)
        target = dialogs.choose_save_target(self, src, start.folder, self.confirm, self.alert)
        start.done(target)
        if target is not None:
            self.preview.save(self.controls.strength_value(), target, "", self.settings.quality,
                              self.turns.get(src.resolve(), 0))

    def open_output_folder(self) -> None:
        folder = self.settings.output_dir
        if folder is None and self.batch_runner.last_output is not None:
            folder = self.batch_runner.last_output.parent
        if folder is None and self.current_path is not None:
            folder = self.current_path.parent / "enhanced"
        if folder is None or not folder.is_dir():
            self.notify("No output folder yet: enhance a photo first, or choose one under Output.")
            return
        if not open_path(folder):
            self._on_open_failed(folder)

    def _on_open_failed(self, path: Path) -> None:
        self.notify(f"Could not open {path}")
        self.alert(*dialogs.open_failed_text(path))

    def show_about(self) -> None:
        from lowlight_gui.resources import model_card_path

        card = model_card_path(self.model_path)
        model = str(self.model_path) if self.model_path else ""
        dialog = AboutDialog(card, self.providers, self.active_provider, model, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    # -- queue ----------------------------------------------------------------------------
    def add_to_queue(self, paths: list[Path]) -> int:
        before = list(self.queue_model.left_out)
        added = self.queue_model.add_paths([Path(p) for p in paths])
        left = [i for p, i in self.queue_model.left_out.items() if p not in before]
        self.notify(added_text(added, left, self.queue_model.refused))
        return added

    def add_current(self) -> None:
        if self.current_path is not None:
            self.add_to_queue([self.current_path])

    def _on_dropped(self, paths: list[Path]) -> None:
        self.add_to_queue(paths)
        if self.current_path is None:
            first = self.queue_model.paths()
            if first:
                self.show_image(first[0])

    def batch_options(self) -> BatchOptions:
        """The batch of the queued photos: each with its own settings, the rest the defaults."""
        s = self.settings
        return BatchOptions(
            output_dir=s.output_dir,
            fmt=s.fmt,
            quality=s.quality,
            overwrite=s.overwrite == "overwrite",
            tile=self.controls.tile_value(),
            turns=dict(self.turns),
            settings=DEFAULTS,
            edits=self.edits.store.edits_for(self.queue_model.paths(State.QUEUED)),
        )

    def start_batch(self) -> bool:
        started = self.batch_runner.start(self.batch_options(), self.engine_spec())
        if started:
            self.cancel_action.setEnabled(True)
        return started

    def cancel_batch(self) -> None:
        self.batch_runner.cancel()

    # -- closing --------------------------------------------------------------------------
    def _confirm_quit(self) -> bool:
        left = self.queue_model.count(State.QUEUED) + self.queue_model.count(State.RUNNING)
        return self.confirm(
            "Quit while enhancing?",
            f"{left} photo{'s are' if left != 1 else ' is'} not enhanced yet. Quitting stops the "
            "batch: the photo being enhanced is not written, and the rest stay queued for the "
            "next start.",
            "Quit",
            "Keep enhancing",
        )

    def shutdown(self) -> None:
        """Stop both workers and wait for their threads (no orphan thread, no partial file)."""
        self.batch_runner.closing = True
        self.batch.shutdown()
        self.preview.shutdown()
        self.browser.cache.cancel_pending()
        self.browser.cache.wait(3000)
        self.info_panel.wait()
        self.edits.store.close()  # (every edit is written as it is made)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.batch.is_running() and not self._confirm_quit():
            event.ignore()
            return
        self.save_state()
        self.shutdown()
        event.accept()
