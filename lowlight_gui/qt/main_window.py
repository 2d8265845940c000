"""The main window: browser | before/after viewer | controls and batch queue.

Layout, menus, window state and wiring only: the preview (PreviewState), the batch
(BatchRunner), the status bar (StatusLine), drops (PathDrops) and dialogs (dialogs.py) live in
their own modules; the two workers share one engine (EngineCache).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QStandardPaths, Qt
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QSplitter, QToolBar, QVBoxLayout, QWidget

from lowlight_gui.core.batch import BatchOptions
from lowlight_gui.core.engine_cache import EngineCache, EngineSpec
from lowlight_gui.core.settings import Settings as EditSettings
from lowlight_gui.qt import dialogs
from lowlight_gui.qt.about import AboutDialog
from lowlight_gui.qt.batch_runner import BatchRunner
from lowlight_gui.qt.browser import FolderBrowser
from lowlight_gui.qt.controls import ControlsPanel
from lowlight_gui.qt.drops import PathDrops
from lowlight_gui.qt.preview import PreviewController
from lowlight_gui.qt.preview_state import PreviewState
from lowlight_gui.qt.queue import QueueModel, QueuePanel, State, open_path
from lowlight_gui.qt.settings import Settings
from lowlight_gui.qt.status import StatusLine
from lowlight_gui.qt.viewer import CompareViewer
from lowlight_gui.qt.viewport_render import ViewportRender
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
    ) -> None:
        """``problem``: why enhancement cannot run (missing model, no provider); None if it can."""
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
        self.controls = ControlsPanel(settings, providers, self)
        self.queue_model = QueueModel(self)
        self.queue_panel = QueuePanel(self.queue_model, self)

        side = QWidget(self)
        side.setObjectName("sidePanel")
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(6, 6, 6, 6)
        side_layout.addWidget(self.controls)
        queue_title = QLabel("Batch queue")
        queue_title.setObjectName("sectionTitle")
        side_layout.addWidget(queue_title)
        side_layout.addWidget(self.queue_panel, 1)

        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setObjectName("mainSplitter")
        self.splitter.addWidget(self.browser)
        self.splitter.addWidget(self.viewer)
        self.splitter.addWidget(side)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setStretchFactor(2, 0)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setSizes([260, 900, 360])
        self.setCentralWidget(self.splitter)

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
        self.queue_panel.start_folder = self._start_folder  # its dialogs open where we browse

        # -- connections ----------------------------------------------------------------
        self.preview.worker.events.connect(self.preview_state.apply)
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
        self.controls.strengthChanged.connect(lambda _s: self.preview_state.strength_changed())
        self.controls.strength.sliderReleased.connect(self.preview_state.strength_changed)
        self.controls.engineChanged.connect(self._on_engine_settings)
        for changed, slider in (
            (self.controls.exposureChanged, self.controls.exposure),
            (self.controls.denoiseChanged, self.controls.denoise),
            (self.controls.colourNoiseChanged, self.controls.colour_noise),
            (self.controls.shadowsChanged, self.controls.shadows),
        ):
            changed.connect(self.preview_state.network_changed)
            slider.sliderReleased.connect(self.preview_state.slider_released)
        self.drops.dropped.connect(self._on_dropped)

        self._build_actions()
        self._set_enhancement_enabled(problem is None)
        self._restore_state()

    # -- menus ----------------------------------------------------------------------------
    def _action(
        self, text: str, slot: object, shortcut: QKeySequence | str | None = None
    ) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        return action

    def _photo_step_action(self, text: str, delta: int, *keys: str) -> QAction:
        """Next/previous photo of the folder, from the keyboard while the viewer or the
        browser has focus (elsewhere Page Up/Down keep their usual meaning, e.g. sliders)."""
        action = QAction(text, self)
        action.setShortcuts([QKeySequence(k) for k in keys])
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        action.triggered.connect(lambda: self.step_photo(delta))
        self.viewer.addAction(action)
        self.browser.addAction(action)
        return action

    def _build_actions(self) -> None:
        std = QKeySequence.StandardKey
        self.open_action = self._action("&Open photo…", self.open_file_dialog, std.Open)
        self.open_folder_action = self._action(
            "Open &folder…", self.open_folder_dialog, "Ctrl+Shift+O"
        )
        self.save_action = self._action("&Save enhanced as…", self.save_as_dialog, std.Save)
        self.save_action.setEnabled(False)
        self.open_output_action = self._action("Open o&utput folder", self.open_output_folder)
        self.quit_action = self._action("&Quit", self.close, std.Quit)
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)

        file_menu = self.menuBar().addMenu("&File")
        for a in (
            self.open_action,
            self.open_folder_action,
            None,
            self.save_action,
            self.open_output_action,
            None,
            self.quit_action,
        ):
            file_menu.addSeparator() if a is None else file_menu.addAction(a)

        # Single keys (S, B, F, arrows) belong to the viewer when it has focus; the text after
        # the tab only shows them in the menu without stealing them from text fields.
        v = self.viewer
        self.fit_action = self._action("Fit to window\tF", v.zoom_fit, "Ctrl+0")
        self.actual_action = self._action("Actual pixels (100 %)\t1", v.zoom_100, "Ctrl+1")
        self.zoom_in_action = self._action("Zoom in", lambda: v.zoom_by(1.25), std.ZoomIn)
        self.zoom_out_action = self._action("Zoom out", lambda: v.zoom_by(0.8), std.ZoomOut)
        self.split_action = self._action("Split view", lambda: v.set_mode("split"))
        self.side_action = self._action("Side by side\tS", v.toggle_side_by_side)
        self.before_action = self._action("Show original\tB / Space", v.toggle_before)
        self.rotate_left_action = self._action("Rotate left", lambda: self.rotate(-1), "Ctrl+L")
        self.rotate_right_action = self._action("Rotate right", lambda: self.rotate(+1), "Ctrl+R")
        for a in (self.rotate_left_action, self.rotate_right_action):
            a.setToolTip(f"{a.text()}: for a photo shown sideways; the enhanced photo is saved "
                         "turned too (batch and Save enhanced as)")
        self.next_action = self._photo_step_action("Next photo", +1, "PgDown", "Alt+Right")
        self.previous_action = self._photo_step_action("Previous photo", -1, "PgUp", "Alt+Left")
        view_menu = self.menuBar().addMenu("&View")
        for a in (
            self.fit_action,
            self.actual_action,
            self.zoom_in_action,
            self.zoom_out_action,
            None,
            self.split_action,
            self.side_action,
            self.before_action,
            None,
            self.rotate_left_action,
            self.rotate_right_action,
            None,
            self.next_action,
            self.previous_action,
        ):
            view_menu.addSeparator() if a is None else view_menu.addAction(a)

        self.add_files_action = self._action("Add photos…", self.queue_panel.add_files_dialog)
        self.add_folder_action = self._action("Add folder…", self.queue_panel.add_folder_dialog)
        self.add_current_action = self._action("Add current photo", self._add_current, "Ctrl+E")
        self.start_action = self._action("Start", self.start_batch, "Ctrl+Return")
        self.cancel_action = self._action("Cancel", self.cancel_batch)
        self.retry_action = self._action("Retry failed", self.queue_model.retry_failed)
        self.clear_action = self._action("Clear done", self.queue_model.clear_done)
        batch_menu = self.menuBar().addMenu("&Batch")
        for a in (
            self.add_files_action,
            self.add_folder_action,
            self.add_current_action,
            None,
            self.start_action,
            self.cancel_action,
            self.retry_action,
            self.clear_action,
        ):
            batch_menu.addSeparator() if a is None else batch_menu.addAction(a)

        self.about_action = self._action("&About Lowlight", self.show_about)
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)
        self.menuBar().addMenu("&Help").addAction(self.about_action)

        tb = QToolBar("Main", self)
        tb.setObjectName("mainToolbar")
        tb.setMovable(False)
        tb.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        for a in (
            self.open_action,
            self.open_folder_action,
            self.save_action,
            None,
            self.fit_action,
            self.actual_action,
            None,
            self.split_action,
            self.side_action,
            self.before_action,
            None,
            self.rotate_left_action,
            self.rotate_right_action,
        ):
            if a is None:
                tb.addSeparator()
            else:
                tb.addAction(a)
        self.addToolBar(tb)
        # Toolbar buttons show the bare names (no shortcut hints, no mnemonics).
        for a in tb.actions():
            if not a.isSeparator():
                tb.widgetForAction(a).setText(a.text().split("\t")[0].replace("&", "").rstrip("…"))

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
        """Queue again what was left unfinished at the last close, minus files now gone."""
        saved = self.settings.unfinished_queue
        present = [p for p in saved if p.is_file()]
        added = self.queue_model.add_paths(present) if present else 0
        gone = len(saved) - len(present)
        if added:
            note = f" ({gone} no longer exist{'s' if gone == 1 else ''})" if gone else ""
            plural = "s" if added != 1 else ""
            self.notify(f"Queued {added} unfinished photo{plural} from the last session{note}.")

    def _splitters(self) -> dict[str, QSplitter]:
        return {"main": self.splitter, "browser": self.browser.splitter}

    def save_state(self) -> None:
        self.settings.window_geometry = QByteArray(self.saveGeometry())
        self.settings.window_state = QByteArray(self.saveState())
        for name, splitter in self._splitters().items():
            self.settings.set_splitter_state(name, QByteArray(splitter.saveState()))
        unfinished = (State.QUEUED, State.RUNNING, State.FAILED)
        self.settings.unfinished_queue = [
            i.path for i in self.queue_model.items() if i.state in unfinished
        ]
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
        if self.preview_state.show(path):
            self.viewer.set_turns(self.turns.get(path.resolve(), 0))
            self.setWindowTitle(f"{path.name} — {APP_NAME}")

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

    def _on_folder_selected(self, folder: Path) -> None:
        self.settings.last_folder = folder
        if self.problem:  # the placeholder says why enhancing is off
            return
        photos = self.browser.thumb_model.rowCount()
        if photos:
            self.viewer.set_placeholder_text(
                f"Choose one of the {photos} photo{'s' if photos != 1 else ''} on the left to "
                "see it enhanced beside the original.\nDouble-click a thumbnail (or drop files "
                "here) to queue it for the batch."
            )
        else:
            self.viewer.set_placeholder_text(
                f"No photos in {folder.name or folder}.\nChoose another folder on the left, or "
                "open one with Ctrl+Shift+O."
            )

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
        folder = self.settings.output_dir or src.parent
        target = dialogs.choose_save_target(self, src, folder, self.confirm, self.alert)
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
        before = len(self.queue_model.left_out)
        added = self.queue_model.add_paths([Path(p) for p in paths])
        skipped = len(self.queue_model.left_out) - before
        others = f" {skipped} other file{'s' if skipped != 1 else ''} left out (not photos)." \
            if skipped > 0 else ""
        if added:
            self.notify(f"Queued {added} photo{'s' if added != 1 else ''}.{others}")
        else:
            self.notify(f"Nothing new to queue (already queued, or not a photo).{others}")
        return added

    def _add_current(self) -> None:
        if self.current_path is not None:
            self.add_to_queue([self.current_path])

    def _on_dropped(self, paths: list[Path]) -> None:
        self.add_to_queue(paths)
        if self.current_path is None:
            first = self.queue_model.paths()
            if first:
                self.show_image(first[0])

    def batch_options(self) -> BatchOptions:
        s = self.settings
        return BatchOptions(
            output_dir=s.output_dir,
            fmt=s.fmt,
            quality=s.quality,
            overwrite=s.overwrite == "overwrite",
            tile=self.controls.tile_value(),
            turns=dict(self.turns),
            settings=EditSettings(
                strength=self.controls.strength_value(),
                exposure=self.controls.exposure_value(),
                denoise=self.controls.denoise_value(),
                shadows=self.controls.shadows_value(),
                colour_noise=self.controls.colour_noise_value(),
            ),
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

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.batch.is_running() and not self._confirm_quit():
            event.ignore()
            return
        self.save_state()
        self.shutdown()
        event.accept()
