"""Look and feel: Fusion style, light or dark palette following the system, app icon, QSS."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPalette
from PySide6.QtWidgets import QApplication, QStyleFactory

from lowlight_gui.resources import resource_path

ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def dark_palette() -> QPalette:
    """A neutral dark palette for Fusion (Fusion's own palette is light-only on some platforms)."""
    p = QPalette()
    window, base, text = QColor(45, 45, 48), QColor(30, 30, 32), QColor(230, 230, 230)
    disabled = QColor(125, 125, 125)
    roles = {
        QPalette.ColorRole.Window: window,
        QPalette.ColorRole.WindowText: text,
        QPalette.ColorRole.Base: base,
        QPalette.ColorRole.AlternateBase: QColor(40, 40, 43),
        QPalette.ColorRole.ToolTipBase: QColor(60, 60, 64),
        QPalette.ColorRole.ToolTipText: text,
        QPalette.ColorRole.PlaceholderText: QColor(150, 150, 150),
        QPalette.ColorRole.Text: text,
        QPalette.ColorRole.Button: QColor(55, 55, 59),
        QPalette.ColorRole.ButtonText: text,
        QPalette.ColorRole.BrightText: QColor(255, 90, 90),
        QPalette.ColorRole.Highlight: QColor(58, 130, 220),
        QPalette.ColorRole.HighlightedText: QColor(255, 255, 255),
        QPalette.ColorRole.Link: QColor(100, 170, 255),
        QPalette.ColorRole.Light: QColor(75, 75, 80),
        QPalette.ColorRole.Midlight: QColor(62, 62, 66),
        QPalette.ColorRole.Mid: QColor(40, 40, 43),
        QPalette.ColorRole.Dark: QColor(25, 25, 27),
        QPalette.ColorRole.Shadow: QColor(10, 10, 10),
    }
    for role, color in roles.items():
        p.setColor(role, color)
    for role in (
        QPalette.ColorRole.Text,
        QPalette.ColorRole.ButtonText,
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.HighlightedText,
    ):
        p.setColor(QPalette.ColorGroup.Disabled, role, disabled)
    # A disabled slider's fill in grey, as in the light palette: the Shadows slider only shows
    # Auto's choice, and an off slider must not look like one that can be moved.
    p.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Highlight, QColor(95, 95, 100))
    return p


def is_dark_scheme() -> bool:
    return QGuiApplication.styleHints().colorScheme() == Qt.ColorScheme.Dark


def apply_palette(app: QApplication, dark: bool | None = None) -> None:
    """The system's scheme unless ``dark`` says otherwise (screenshots, tests)."""
    dark = is_dark_scheme() if dark is None else dark
    app.setPalette(dark_palette() if dark else app.style().standardPalette())


def apply_theme(app: QApplication) -> None:
    """Fusion everywhere (same look on all platforms), palette from the system's colour scheme,
    re-applied when the user switches the system between light and dark."""
    style = QStyleFactory.create("Fusion")
    if style is not None:
        app.setStyle(style)
    apply_palette(app)
    app.styleHints().colorSchemeChanged.connect(lambda _scheme: apply_palette(app))
    qss = resource_path("resources", "style.qss")
    if qss.is_file():
        app.setStyleSheet(qss.read_text(encoding="utf-8"))


def app_icon() -> QIcon:
    icon = QIcon()
    folder = resource_path("resources", "icons")
    for size in ICON_SIZES:
        png = folder / f"lowlight-{size}.png"
        if png.is_file():
            icon.addFile(str(png))
    svg = folder / "lowlight.svg"
    if icon.isNull() and svg.is_file():
        icon.addFile(str(svg))
    return icon
