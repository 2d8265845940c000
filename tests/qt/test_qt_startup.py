"""Start-up: a missing or broken model gives a clear dialog, and the window still opens."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox

from lowlight_gui import app as app_module
from lowlight_gui.qt import dialogs as dialogs_module
from lowlight_gui.qt.startup import check_enhancement


class _Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    def __call__(self, parent, title, text, *args, **kwargs):
        self.calls.append((title, text))
        return QMessageBox.StandardButton.Ok


def test_missing_model_shows_dialog_and_disables_enhancing(qtbot, monkeypatch, settings, tmp_path):
    recorder = _Recorder()
    monkeypatch.setattr(dialogs_module.QMessageBox, "critical", recorder)
    missing = tmp_path / "models" / "lowlight_unet.onnx"
    window = app_module.create_window(["lowlight-gui"], settings=settings, model_path=missing)
    qtbot.addWidget(window)
    assert window.isVisible()  # the app opens so the user can read the message
    qtbot.waitUntil(lambda: bool(recorder.calls), timeout=5000)
    title, text = recorder.calls[0]
    assert "cannot enhance" in title
    assert str(missing) in text and "LOWLIGHT_MODEL" in text
    assert not window.queue_panel.start_button.isEnabled()
    assert not window.controls.strength.isEnabled()
    assert window.provider_label.text() == "Enhancement unavailable"
    window.close()


def test_startup_check_reports_each_problem(tmp_path, tiny_model):
    providers, problem = check_enhancement(tiny_model)
    assert problem is None and "CPU" in providers
    empty = tmp_path / "empty.onnx"
    empty.write_bytes(b"")
    _, problem = check_enhancement(empty)
    assert problem and "empty" in problem
    junk = tmp_path / "junk.onnx"
    junk.write_bytes(b"not an onnx model at all")
    _, problem = check_enhancement(junk)
    assert problem and "cannot" in problem


def test_no_provider_is_reported(monkeypatch, tiny_model):
    from lowlight_gui.core import engine

    monkeypatch.setattr(engine, "available_providers", list)
    providers, problem = check_enhancement(tiny_model)
    assert providers == [] and "no execution provider" in problem
