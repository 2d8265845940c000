"""The main window: browser | before/after viewer | controls and batch queue.

It wires widgets to the two workers (preview, batch) and keeps no image logic of its own.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from PySide6.QtCore import QByteArray, Qt, QTimer
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QKeySequence,
)
from PySide6.QtWidgets import (
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from lowlight_gui.core.batch import BatchOptions, check_output, collect_jobs
from lowlight_gui.core.engine_cache import EngineCache
from lowlight_gui.core.errors import LowlightError
from lowlight_gui.qt.about import AboutDialog
from lowlight_gui.qt.browser import FolderBrowser
from lowlight_gui.qt.controls import ControlsPanel
from lowlight_gui.qt.files import name_filters
from lowlight_gui.qt.preview import PreviewController, PreviewResult
from lowlight_gui.qt.qimage import array_to_qimage, blend_uint8
from lowlight_gui.qt.queue import QueueModel, QueuePanel, State, open_path
from lowlight_gui.qt.settings import Settings
from lowlight_gui.qt.viewer import CompareViewer
from lowlight_gui.qt.worker import BatchController, EngineSpec

APP_NAME = "Lowlight"
NOTICE_MS = 10000


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
        self.current_path: Path | None = None
        self.active_provider = ""
        # (before, after) display arrays per preview stage ("preview", "full").
        self._pairs: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._full_ready = False
        self._last_output: Path | None = None
        self._last_failure = ""
        self._warned: set[str] = set()
        self._closing = False
        self._original_shown = False  # the current photo's original reached the viewer
        # The exposure of the current preview request, and whether that request includes the
        # full-resolution pass (False for the fast pass alone, while the slider is held).
        self._preview_exposure = settings.exposure
        self._preview_final = True
        self._fast_pass_running = False  # a fast-pass-only request has not finished yet
        self._exposure_pending = False  # an exposure change waits for that pass to finish

        self.setObjectName("mainWindow")
        self.setWindowTitle(APP_NAME)
        self.setAcceptDrops(True)

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

        # -- status bar -----------------------------------------------------------------
        # The provider and the last timing, e.g. "CPU, 1.8 s for 12.0 MP".
        self.provider_label = QLabel("")
        self.provider_label.setObjectName("providerStatus")
        self._last_timing = ""
        self.zoom_label = QLabel("")
        for w in (self.zoom_label, self.provider_label):
            self.statusBar().addPermanentWidget(w)
        self.viewer.zoomChanged.connect(lambda s: self.zoom_label.setText(f"{s:.0%}"))

        # -- workers --------------------------------------------------------------------
        # One session of the model for the preview and the batch (each run cancels alone).
        self.engines = EngineCache()
        self.preview = PreviewController(self.engines, self)
        pw = self.preview.worker
        pw.originalReady.connect(self._on_original)
        pw.resultReady.connect(self._on_result)
        pw.progress.connect(self._on_preview_progress)
        pw.failed.connect(self._on_preview_failed)
        pw.saved.connect(lambda p: self.notify(f"Saved {p}"))
        pw.saveFailed.connect(self.notify)
        pw.requestDone.connect(self._on_preview_done)

        self.batch = BatchController(self.engines, self)
        bw = self.batch.worker
        bw.batchStarted.connect(self.queue_panel.on_batch_started)
        bw.itemStarted.connect(self._on_item_started)
        bw.tileProgress.connect(self._on_tile_progress)
        bw.itemDone.connect(self._on_item_done)
        bw.itemFailed.connect(self._on_item_failed)
        bw.itemSkipped.connect(self._on_item_skipped)
        bw.engineReady.connect(self._on_engine_ready)
        bw.finished.connect(self._on_batch_finished)
        bw.error.connect(self.notify)

        # Strength changes re-blend the cached result; coalesce slider ticks into one repaint.
        self._blend_timer = QTimer(self)
        self._blend_timer.setSingleShot(True)
        self._blend_timer.setInterval(15)
        self._blend_timer.timeout.connect(self._show_blend)
        # Exposure changes the network's input: each change re-runs the preview. The timer
        # gathers the ticks of one drag movement into one request (see _on_exposure_changed).
        self._exposure_timer = QTimer(self)
        self._exposure_timer.setSingleShot(True)
        self._exposure_timer.setInterval(40)
        self._exposure_timer.timeout.connect(self._refresh_exposure)

        # -- connections ----------------------------------------------------------------
        self.browser.imageSelected.connect(self.show_image)
        self.browser.folderSelected.connect(self._on_folder_selected)
        self.browser.addToQueue.connect(self.add_to_queue)
        self.queue_panel.startRequested.connect(self.start_batch)
        self.queue_panel.cancelRequested.connect(self.cancel_batch)
        self.queue_panel.imageActivated.connect(self.show_image)
        self.queue_panel.openFailed.connect(self._on_open_failed)
        self.controls.strengthChanged.connect(lambda _s: self._blend_timer.start())
        self.controls.strength.sliderReleased.connect(self._blend_timer.start)
        self.controls.engineChanged.connect(self._on_engine_settings)
        self.controls.exposureChanged.connect(self._on_exposure_changed)
        self.controls.exposure.sliderReleased.connect(self._on_exposure_released)

        self._build_actions()
        self._set_enhancement_enabled(problem is None)
        self._update_provider_label()
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
        if folder is not None and folder.is_dir():
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

    # -- notifications --------------------------------------------------------------------
    def notify(self, message: str) -> None:
        """Non-blocking message for the user (status bar)."""
        self.statusBar().showMessage(message, NOTICE_MS)

    # Tests replace these two with recorded answers (window.confirm = lambda *a: True).
    def confirm(self, title: str, text: str, yes: str = "OK", no: str = "Cancel") -> bool:
        """Ask a yes/no question; True when the person chose ``yes``."""
        box = QMessageBox(QMessageBox.Icon.Question, title, text, parent=self)
        yes_button = box.addButton(yes, QMessageBox.ButtonRole.AcceptRole)
        box.setDefaultButton(box.addButton(no, QMessageBox.ButtonRole.RejectRole))
        box.exec()
        return box.clickedButton() is yes_button

    def alert(self, title: str, text: str) -> None:
        """Tell the person something went wrong, and wait until they have read it."""
        QMessageBox.warning(self, title, text)

    def report_startup_problem(self) -> None:
        """Explain why enhancement is off; the window stays usable for browsing."""
        if self.problem:
            QMessageBox.critical(self, "Lowlight cannot enhance photos", self.problem)

    def _set_enhancement_enabled(self, enabled: bool) -> None:
        self.controls.set_enhancement_enabled(enabled)
        self.queue_panel.set_enhancement_enabled(enabled)
        self.start_action.setEnabled(enabled)
        if not enabled:
            self.viewer.set_placeholder_text(
                "Enhancement is unavailable (see Help ▸ About).\nYou can still browse photos."
            )

    def _update_provider_label(self) -> None:
        if self.problem:
            self.provider_label.setText("Enhancement unavailable")
            return
        wanted = self.controls.provider_value()
        name = self.active_provider or ("Automatic" if wanted == "auto" else wanted)
        self.provider_label.setText(f"{name}, {self._last_timing}" if self._last_timing else name)

    def _on_engine_ready(self, provider: str, warnings: list) -> None:
        self.active_provider = provider
        self.controls.set_active_provider(provider)
        self._update_provider_label()
        for w in warnings:
            if w not in self._warned:  # each engine warning once, not once per photo
                self._warned.add(w)
                self.notify(w)

    # -- engine ---------------------------------------------------------------------------
    def engine_spec(self) -> EngineSpec | None:
        if self.problem:
            return None
        return EngineSpec(self.model_path, self.controls.provider_value())

    # -- viewing --------------------------------------------------------------------------
    def show_image(self, path: Path) -> None:
        """Show ``path`` in the viewer and start its preview (cancelling the previous one)."""
        path = Path(path)
        if path == self.current_path and self._pairs:
            return
        self.current_path = path
        self._pairs = {}
        self._full_ready = False
        self._original_shown = False
        self.save_action.setEnabled(False)
        self.setWindowTitle(f"{path.name} — {APP_NAME}")
        self.viewer.clear_error()
        self.viewer.set_overlay_text("Loading…")
        self._request_preview(path, full=True, refresh=False)

    def _request_preview(self, path: Path, full: bool, refresh: bool) -> None:
        """Preview ``path`` at the slider's exposure (see PreviewRequest for full, refresh)."""
        exposure = self.controls.exposure_value()
        self._preview_exposure, self._preview_final = exposure, full
        self._fast_pass_running = not full
        self._exposure_pending = False
        self.preview.request(
            path, self.engine_spec(), self.controls.tile_value(), exposure, full, refresh
        )

    # -- exposure -------------------------------------------------------------------------
    def _on_exposure_changed(self, ev: float) -> None:
        # Saving follows the slider at once; the preview follows within the timer.
        self.save_action.setEnabled(self._full_ready and ev == self._preview_exposure)
        # Throttled rather than debounced: a steady drag still updates the preview.
        if not self._exposure_timer.isActive():
            self._exposure_timer.start()

    def _on_exposure_released(self) -> None:
        self._exposure_timer.stop()
        self._refresh_exposure()

    def _refresh_exposure(self) -> None:
        """Re-run the shown photo's preview at the slider's exposure: while the slider is held,
        only the fast downscaled pass, one at a time (the latest value follows the pass in
        flight rather than cancelling it, so that a steady drag still shows results); after,
        the fast pass then full resolution, as for a new photo."""
        if self.current_path is None or self.engine_spec() is None:
            return
        dragging = self.controls.exposure.isSliderDown()
        exposure = self.controls.exposure_value()
        if exposure == self._preview_exposure and (self._preview_final or dragging):
            self.save_action.setEnabled(self._full_ready)  # back where it was
            return  # already shown or on its way
        if dragging and self._fast_pass_running:
            self._exposure_pending = True
            return
        self._full_ready = False  # the full-resolution result is for another exposure now
        self.save_action.setEnabled(False)
        # Reuse the photo in memory only once the worker has it; else read it as usual.
        self._request_preview(self.current_path, full=not dragging, refresh=self._original_shown)

    def _on_preview_done(self, generation: int) -> None:
        if not self._is_current(generation):
            return
        self._fast_pass_running = False
        if self._exposure_pending:
            self._exposure_pending = False
            self._refresh_exposure()

    def _refresh_preview(self) -> None:
        if self.current_path is not None:
            path, self.current_path = self.current_path, None
            self.show_image(path)

    def _is_current(self, generation: int) -> bool:
        return generation == self.preview.generation

    def _on_original(self, generation: int, pixels: np.ndarray, _photo: object) -> None:
        if not self._is_current(generation):
            return
        self._original_shown = True
        self.viewer.set_images(array_to_qimage(pixels), None)
        enhancing = self.engine_spec() is not None
        self.viewer.set_overlay_text("Enhancing preview…" if enhancing else "")

    def _on_result(self, result: PreviewResult) -> None:
        if not self._is_current(result.generation):
            return
        if result.stage == "preview":
            self._pairs.pop("full", None)  # at another exposure, if any: no longer shown
        self._pairs[result.stage] = (result.before, result.after)
        self._show_blend()
        self._on_engine_ready(result.provider, list(result.warnings))
        if result.stage == "full":
            self._full_ready = True
            self._preview_final = True  # a small photo's only pass is its full one
            self.save_action.setEnabled(True)
            self.viewer.set_overlay_text("")
            self._last_timing = f"{result.seconds:.1f} s for {result.megapixels:.1f} MP"
            self._update_provider_label()
        elif not self._preview_final:
            self.viewer.set_overlay_text("Preview — full resolution when the slider is released")
        else:
            self.viewer.set_overlay_text("Preview — enhancing at full resolution…")

    def _on_preview_progress(self, generation: int, done: int, total: int) -> None:
        if self._is_current(generation) and not self._full_ready:
            self.viewer.set_overlay_text(f"Enhancing at full resolution… {done} / {total} tiles")

    def _on_preview_failed(self, generation: int, message: str) -> None:
        if not self._is_current(generation):
            return
        self.notify(message)
        if self._original_shown:  # the photo is there, only enhancing it failed
            self.viewer.set_overlay_text(f"Enhancing failed: {message}")
        else:  # nothing to show: say why, where the photo would be
            name = self.current_path.name if self.current_path else "this photo"
            self.viewer.show_error(f"Cannot show {name}", sentence(message))

    def _show_blend(self) -> None:
        if not self._pairs:
            return
        # While the slider moves, re-mix the small preview (instant even for a 40 MP photo);
        # the full-resolution mix follows when the slider is released.
        dragging = self.controls.strength.isSliderDown()
        stage = "preview" if dragging and "preview" in self._pairs else "full"
        before, after = self._pairs.get(stage) or next(iter(self._pairs.values()))
        blended = blend_uint8(before, after, self.controls.strength_value())
        self.viewer.set_after(array_to_qimage(blended))

    def _on_engine_settings(self) -> None:
        self.active_provider, self._last_timing = "", ""
        self._update_provider_label()
        self._refresh_preview()

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

    # -- files ----------------------------------------------------------------------------
    def open_file_dialog(self) -> None:
        start = str(self.browser.folder() or self.settings.last_folder or Path.home())
        pattern = " ".join(name_filters())
        name, _ = QFileDialog.getOpenFileName(self, "Open photo", start, f"Photos ({pattern})")
        if name:
            self.open_path(Path(name))

    def open_folder_dialog(self) -> None:
        start = str(self.browser.folder() or self.settings.last_folder or Path.home())
        folder = QFileDialog.getExistingDirectory(self, "Open folder", start)
        if folder:
            self.open_path(Path(folder))

    def open_path(self, path: Path) -> None:
        """Open a photo (shown in the viewer) or a folder (shown in the browser)."""
        if path.is_dir():
            self.browser.open_folder(path)
        else:
            self.browser.select_file(path)
            self.show_image(path)

    def save_as_dialog(self) -> None:
        if self.current_path is None or not self._full_ready:
            self.notify("Wait for the full-resolution result, then save.")
            return
        src = self.current_path
        folder = self.settings.output_dir or src.parent
        suggested = str(folder / f"{src.stem}_enhanced{src.suffix}")
        # The dialog's own overwrite question would come before our check for the original.
        name, _ = QFileDialog.getSaveFileName(
            self,
            "Save enhanced photo",
            suggested,
            "Photos (*.jpg *.jpeg *.png *.tif *.tiff)",
            "",
            QFileDialog.Option.DontConfirmOverwrite,
        )
        if not name:
            return
        target = Path(name)
        if is_same_file(target, src):
            self.alert(
                "Cannot save over the original",
                f"{target} is the original photo, and Lowlight never writes over originals. "
                "Choose another name or folder.",
            )
            return
        if target.exists() and not self.confirm(
            "Replace file?", f"{target.name} already exists in {target.parent}.", "Replace"
        ):
            return
        self.preview.save(self.controls.strength_value(), target, "", self.settings.quality)

    def open_output_folder(self) -> None:
        folder = self.settings.output_dir
        if folder is None and self._last_output is not None:
            folder = self._last_output.parent
        if folder is None and self.current_path is not None:
            folder = self.current_path.parent / "enhanced"
        if folder is None or not folder.is_dir():
            self.notify("No output folder yet: enhance a photo first, or choose one under Output.")
            return
        if not open_path(folder):
            self._on_open_failed(folder)

    def _on_open_failed(self, path: Path) -> None:
        kind = "folder" if path.is_dir() else "file"
        self.notify(f"Could not open {path}")
        self.alert(
            f"Cannot open the {kind}",
            f"No application could be started to open the {kind}:\n{path}\n\n"
            "Open it from your file manager instead.",
        )

    def show_about(self) -> None:
        from lowlight_gui.resources import model_card_path

        card = model_card_path(self.model_path)
        model = str(self.model_path) if self.model_path else ""
        dialog = AboutDialog(card, self.providers, self.active_provider, model, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    # -- queue ----------------------------------------------------------------------------
    def add_to_queue(self, paths: list[Path]) -> int:
        added = self.queue_model.add_paths([Path(p) for p in paths])
        if added:
            self.notify(f"Queued {added} photo{'s' if added != 1 else ''}.")
        else:
            self.notify("Nothing new to queue (already queued, or not a photo).")
        return added

    def _add_current(self) -> None:
        if self.current_path is not None:
            self.add_to_queue([self.current_path])

    def batch_options(self) -> BatchOptions:
        s = self.settings
        return BatchOptions(
            output_dir=s.output_dir,
            fmt=s.fmt,
            quality=s.quality,
            overwrite=s.overwrite == "overwrite",
            strength=self.controls.strength_value(),
            tile=self.controls.tile_value(),
            exposure=self.controls.exposure_value(),
        )

    def start_batch(self) -> bool:
        spec = self.engine_spec()
        sources = self.queue_model.paths(State.QUEUED)
        if spec is None or not sources or self.batch.is_running():
            return False
        options = self.batch_options()
        try:  # an impossible output is refused now, not once per photo after computing it
            check_output(collect_jobs(sources, options), options)
        except LowlightError as exc:
            self.notify(f"Not started: {exc}")
            self.alert("Cannot start the batch", sentence(str(exc)))
            return False
        started = self.batch.start(sources, options, spec)
        if started:
            self.queue_model.set_exposure(sources, options.exposure)
            self._last_failure = ""
            self.queue_panel.set_running(True)
            self.cancel_action.setEnabled(True)
            self.notify(f"Enhancing {len(sources)} photo{'s' if len(sources) != 1 else ''}…")
        return started

    def cancel_batch(self) -> None:
        if self.batch.is_running():
            self.batch.cancel()
            self.notify("Cancelling…")

    def _on_item_started(self, _index: int, source: str) -> None:
        self.queue_model.mark_running(source)

    def _on_tile_progress(self, _index: int, source: str, done: int, total: int) -> None:
        self.queue_model.set_progress(source, done, total)
        self.queue_panel.on_item_progress(done / total if total else 0.0)

    def _on_item_done(
        self, _index: int, source: str, output: str, seconds: float, notes: list
    ) -> None:
        self.queue_model.mark_done(source, Path(output), seconds, [str(n) for n in notes])
        self.queue_panel.on_item_finished()
        self._last_output = Path(output)
        self._last_timing = f"{seconds:.1f} s per photo"
        self._update_provider_label()

    def _on_item_failed(self, _index: int, source: str, message: str) -> None:
        self.queue_model.mark_failed(source, message)
        self.queue_panel.on_item_finished()
        self._last_failure = message
        self.notify(message)

    def _on_item_skipped(self, _index: int, source: str, reason: str) -> None:
        self.queue_model.mark_skipped(source, reason)
        self.queue_panel.on_item_finished()

    def _on_batch_finished(self, done: int, skipped: int, failed: int, cancelled: bool) -> None:
        self.queue_model.requeue_running()
        self.queue_model.forget_queued_exposure()
        self.queue_panel.set_running(False)
        if self._closing:
            return
        verb = "Cancelled" if cancelled else "Finished"
        summary = f"{verb}: {done} enhanced, {skipped} skipped, {failed} failed"
        # Keep the last error readable: the summary replaces it in the status bar.
        self.notify(f"{summary} (last: {self._last_failure})" if failed else summary + ".")

    # -- drag and drop --------------------------------------------------------------------
    @staticmethod
    def _local_paths(event: QDropEvent | QDragEnterEvent | QDragMoveEvent) -> list[Path]:
        mime = event.mimeData()
        if mime is None or not mime.hasUrls():
            return []
        return [Path(u.toLocalFile()) for u in mime.urls() if u.isLocalFile()]

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self._local_paths(event):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if self._local_paths(event):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = self._local_paths(event)
        if not paths:
            event.ignore()
            return
        event.acceptProposedAction()
        self.add_to_queue(paths)
        if self.current_path is None:
            first = self.queue_model.paths()
            if first:
                self.show_image(first[0])

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
        self._closing = True
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


def sentence(text: str) -> str:
    """A core message ("cannot read 'x': ...") as a sentence for a dialog."""
    text = text.strip()
    if not text:
        return text
    return text[0].upper() + text[1:] + ("" if text.endswith((".", "!", "?")) else ".")


def is_same_file(a: Path, b: Path) -> bool:
    """True when ``a`` names the file ``b`` (links and case-insensitive file systems too)."""
    try:
        return os.path.samefile(a, b)
    except OSError:  # ``a`` does not exist yet
        return a.absolute() == b.absolute()
