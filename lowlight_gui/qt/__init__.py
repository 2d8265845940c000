"""The Qt 6 (PySide6) window: it shows and forwards; the work happens in lowlight_gui.core."""
