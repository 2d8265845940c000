"""The GUI application: ``create_app``, ``create_window`` and ``main`` (started from
``lowlight_gui.__main__``, which also dispatches ``--self-test``)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

    from lowlight_gui.qt.main_window import MainWindow
    from lowlight_gui.qt.settings import Settings


def create_app(argv: list[str]) -> QApplication:
    """The QApplication with name, icon, Fusion style and a palette that follows the system."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QApplication

    from lowlight_gui import __version__
    from lowlight_gui.qt.pyside_guard import guard_pyside
    from lowlight_gui.qt.theme import app_icon, apply_theme

    # First, before Qt calls can use up references to None (issue 10).
    warning = guard_pyside()
    if warning and sys.stderr is not None:
        print(f"Lowlight: {warning}", file=sys.stderr)
    existing = QApplication.instance()
    if existing is None:
        # Qt 6 scales for high-DPI screens on its own; pass fractional factors (125 %, 150 %)
        # through instead of rounding them, so the UI is neither blurry nor oversized.
        QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
            Qt.HighDpiScaleFactorRoundingPolicy.PassThrough
        )
    app = existing if isinstance(existing, QApplication) else QApplication(argv)
    app.setApplicationName("Lowlight")
    app.setOrganizationName("Lowlight")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("lowlight")
    app.setWindowIcon(app_icon())
    apply_theme(app)
    return app


def create_window(
    argv: list[str], settings: Settings | None = None, model_path: Path | None = None
) -> MainWindow:
    """Check the model and providers, build and show the window; a problem gets a dialog once
    the event loop runs, and the window stays open (browsing works, enhancing is off)."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from lowlight_gui.qt.main_window import MainWindow
    from lowlight_gui.qt.settings import Settings
    from lowlight_gui.qt.startup import check_enhancement
    from lowlight_gui.resources import default_model_path

    model_path = model_path or default_model_path()
    providers, problem = check_enhancement(model_path)
    window = MainWindow(settings or Settings(), model_path, providers, problem)
    QApplication.instance().aboutToQuit.connect(window.shutdown)
    window.show()
    for arg in argv[1:]:  # a photo or folder given on the command line
        if not arg.startswith("-") and Path(arg).exists():
            window.open_path(Path(arg))
            break
    if problem:
        QTimer.singleShot(0, window.report_startup_problem)
    return window


def main(argv: list[str] | None = None) -> int:
    """The GUI (``--self-test`` is dispatched before this, in ``lowlight_gui.__main__``)."""
    argv = list(sys.argv if argv is None else argv)
    app = create_app(argv)
    window = create_window(argv)  # noqa: F841 - keep a reference while the loop runs
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
