"""The status bar: passing notices, the zoom, and the provider with the last timing."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtWidgets import QLabel, QStatusBar

from lowlight_gui.qt.controls import ControlsPanel, provider_tooltip

NOTICE_MS = 10000


class StatusLine:
    """What the preview and the batch report to the person, outside the viewer and the queue.

    The permanent label reads e.g. "CPU, 1.8 s for 12.0 MP": the active provider (or the one
    asked for, until an engine has started) and the last timing, from either worker.
    """

    def __init__(self, bar: QStatusBar, controls: ControlsPanel, problem: str | None) -> None:
        self.bar = bar
        self.controls = controls
        self.problem = problem
        self.active_provider = ""
        self._timing = ""
        self._warned: set[str] = set()
        self.provider_label = QLabel("")
        self.provider_label.setObjectName("providerStatus")
        self.zoom_label = QLabel("")
        for w in (self.zoom_label, self.provider_label):
            bar.addPermanentWidget(w)
        self.update_label()

    def notify(self, message: str) -> None:
        """Non-blocking message for the person."""
        self.bar.showMessage(message, NOTICE_MS)

    def set_timing(self, text: str) -> None:
        self._timing = text
        self.update_label()

    def forget_engine(self) -> None:
        """The provider or tile size changed: what was measured no longer applies."""
        self.active_provider, self._timing = "", ""
        self.update_label()

    def engine_ready(
        self,
        provider: str,
        warnings: Iterable[str],
        unsupported: Iterable[str] = (),
    ) -> None:
        self.active_provider = provider
        self.controls.set_active_provider(provider)
        self.controls.set_unsupported(unsupported)
        self.update_label()
        for w in warnings:
            if w not in self._warned:  # each engine warning once, not once per photo
                self._warned.add(w)
                self.notify(w)

    def update_label(self) -> None:
        if self.problem:
            self.provider_label.setText("Enhancement unavailable")
            return
        wanted = self.controls.provider_value()
        name = self.active_provider or ("Automatic" if wanted == "auto" else wanted)
        self.provider_label.setText(f"{name}, {self._timing}" if self._timing else name)
        shown = self.active_provider or wanted
        self.provider_label.setToolTip(
            provider_tooltip(shown) + ("" if not self._timing else
                                       f"\nLast: {self._timing}.")
            if self.active_provider or wanted != "auto" else
            provider_tooltip("auto") + "\nIt is chosen when the first photo is enhanced."
        )
