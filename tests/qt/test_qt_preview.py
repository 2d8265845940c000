"""Preview: the strength slider re-blends without running the model; a new photo cancels."""

from __future__ import annotations

import numpy as np

from lowlight_gui.core.events import PreviewProgress, PreviewResult, PreviewSaved
from lowlight_gui.core.modelcard import summarize_model_card
from lowlight_gui.qt.about import about_markdown
from lowlight_gui.qt.preview import downscale
from tests.conftest import write_image


def _saved(event) -> bool:
    return isinstance(event, PreviewSaved)


def _pixel(window):
    image = window.viewer.after_image()
    c = image.pixelColor(image.width() // 2, image.height() // 2)
    return c.red(), c.green(), c.blue()


def test_strength_reblends_cached_result(make_window, bright_model, tmp_path, qtbot):
    photo = write_image(tmp_path / "dark.png", h=64, w=80)
    window = make_window(model=bright_model)
    window.show_image(photo)
    qtbot.waitUntil(lambda: window.save_action.isEnabled(), timeout=30000)
    generation = window.preview.generation
    full = _pixel(window)
    window.controls.strength.setValue(0)
    qtbot.waitUntil(lambda: _pixel(window) != full, timeout=5000)
    c = window.viewer.before_image().pixelColor(40, 32)
    assert _pixel(window) == (c.red(), c.green(), c.blue())  # strength 0: the original
    window.controls.strength.setValue(100)
    qtbot.waitUntil(lambda: _pixel(window) == full, timeout=5000)
    assert window.preview.generation == generation  # no new inference
    assert window.edits.settings_for(photo).strength == 1.0  # the photo's own setting


def test_new_photo_cancels_running_preview(make_window, settings, slow_model, tmp_path, qtbot):
    a = write_image(tmp_path / "a.png", h=384, w=384, seed=1)
    b = write_image(tmp_path / "b.png", h=40, w=40, seed=2)
    settings.tile = 256  # several tiles, so the first photo is caught between two of them
    window = make_window(model=slow_model)
    results, progress = [], []
    worker = window.preview.worker

    def record(event):  # on the worker thread, as emitted
        if isinstance(event, PreviewResult):
            results.append(event.generation)
        elif isinstance(event, PreviewProgress):
            progress.append((event.generation, event.done, event.total))

    worker.events.connect(record)
    window.show_image(a)
    first = window.preview.generation
    qtbot.waitUntil(lambda: bool(progress), timeout=60000)  # A is mid-run
    window.show_image(b)
    qtbot.waitUntil(lambda: window.save_action.isEnabled(), timeout=60000)
    assert window.viewer.before_image().width() == 40
    assert first not in results  # the first photo's preview never finished
    a_tiles = [p for p in progress if p[0] == first]
    assert a_tiles[-1][1] < a_tiles[-1][2]  # ...and stopped before its last tile


def test_downscale_keeps_aspect():
    rgb = np.zeros((300, 2000, 3), np.float32)
    small = downscale(rgb, 1024)
    assert small.shape == (154, 1024, 3)
    assert downscale(small, 1024) is small


def test_about_summarizes_model_card(tmp_path):
    card = tmp_path / "model_card.md"
    card.write_text(
        "# Lowlight U-Net\n\nA small U-Net trained on paired photos.\n\n"
        "## Training\nlots of detail\n\n"
        "## Evaluation results\n| set | PSNR |\n|---|---|\n| LOL | 21.3 dB |\n"
    )
    summary = summarize_model_card(card.read_text()).markdown()
    assert "Lowlight U-Net" in summary and "21.3 dB" in summary and "lots of detail" not in summary
    # About is for users: what the app does, where it runs, credits; the card is a button away
    text = about_markdown(card, ["CUDA", "CPU"], "CPU", "models/x.onnx")
    assert "CUDA, CPU" in text and "**Runs on:** CPU, with ONNX Runtime " in text
    assert "**Model:** Lowlight U-Net\n" in text
    assert "**Model:** x.onnx\n" in about_markdown(None, ["CPU"], "", "models/x.onnx")
    assert "Credits and licences" in text and "LibRaw" in text and "MIT licence" in text
    assert "21.3 dB" not in text and "PSNR" not in text


def test_save_enhanced_as_writes_full_resolution(make_window, bright_model, tmp_path, qtbot):
    photo = write_image(tmp_path / "dark.png", h=50, w=70)
    window = make_window(model=bright_model)
    window.show_image(photo)
    qtbot.waitUntil(lambda: window.save_action.isEnabled(), timeout=30000)
    target = tmp_path / "saved" / "dark_enhanced.png"
    with qtbot.waitSignal(
        window.preview.worker.events, timeout=30000, check_params_cb=_saved
    ) as blocker:
        window.preview.save(0.5, target, "", 95)
    assert blocker.args == [PreviewSaved(target)]
    from PIL import Image

    with Image.open(target) as im:
        assert im.size == (70, 50)


def test_about_dialog_opens(make_window, qtbot):
    from PySide6.QtWidgets import QTextBrowser

    from lowlight_gui.qt.about import AboutDialog

    window = make_window()
    window.show_about()
    dialog = window.findChild(AboutDialog)
    assert dialog is not None and dialog.isVisible()
    assert "Lowlight" in dialog.text.toPlainText() and "CPU" in dialog.text.toPlainText()
    assert dialog.text.horizontalScrollBar().maximum() == 0  # nothing to scroll sideways
    assert dialog.card_button.isEnabled()
    dialog.card_button.click()
    assert dialog.card_dialog is not None and dialog.card_dialog.isVisible()
    assert "PSNR" in dialog.card_dialog.findChild(QTextBrowser).toPlainText()
    dialog.close()


def test_save_as_refuses_the_original_before_any_overwrite_question(
    make_window, bright_model, tmp_path, qtbot, monkeypatch
):
    from PySide6.QtWidgets import QFileDialog

    from lowlight_gui.qt import dialogs as dialogs_module

    photo = write_image(tmp_path / "dark.png", h=50, w=70)
    original = photo.read_bytes()
    window = make_window(model=bright_model)
    window.show_image(photo)
    qtbot.waitUntil(lambda: window.save_action.isEnabled(), timeout=30000)
    chosen: list[str] = []
    calls: list[tuple] = []

    def dialog(*args):
        calls.append(args)
        return chosen.pop(0), ""

    monkeypatch.setattr(dialogs_module.QFileDialog, "getSaveFileName", dialog)
    saved: list[str] = []
    window.preview.worker.events.connect(
        lambda e: saved.append(str(e.path)) if isinstance(e, PreviewSaved) else None
    )

    chosen.append(str(photo))  # the original itself
    window.save_action.trigger()
    # Qt's own "replace?" question is off, so ours comes after the check for the original.
    assert calls[0][-1] == QFileDialog.Option.DontConfirmOverwrite
    (title, text), = window.dialogs.alerts
    assert title == "Cannot save over the original" and str(photo) in text
    assert window.dialogs.questions == []

    other = write_image(tmp_path / "other.png")
    window.dialogs.answer = False  # "Cancel" at the replace question
    chosen.append(str(other))
    window.save_action.trigger()
    assert window.dialogs.questions[-1][0] == "Replace file?"
    window.dialogs.answer = True
    chosen.append(str(other))
    with qtbot.waitSignal(window.preview.worker.events, timeout=30000, check_params_cb=_saved):
        window.save_action.trigger()
    assert saved == [str(other)] and len(window.dialogs.alerts) == 1
    assert photo.read_bytes() == original


def test_save_as_on_a_heic_photo_proposes_a_jpeg(make_window, bright_model, tmp_path, qtbot,
                                                 monkeypatch):
    """Issue 12: it proposed name_enhanced.heic, which the writer refuses."""
    import pytest
    from PIL import Image

    from lowlight_gui.qt import dialogs as dialogs_module

    pillow_heif = pytest.importorskip("pillow_heif")
    src = tmp_path / "phone.heic"
    with Image.open(write_image(tmp_path / "dark.png", h=50, w=70)) as im:
        pillow_heif.from_pillow(im.convert("RGB")).save(src, quality=90)
    out = tmp_path / "out"
    window = make_window(model=bright_model)
    window.settings.output_dir = out
    window.show_image(src)
    qtbot.waitUntil(lambda: window.save_action.isEnabled(), timeout=30000)
    proposed: list[str] = []

    def dialog(_parent, _title, suggested, *_rest):
        proposed.append(suggested)
        return suggested, ""  # the person accepts the proposed name

    monkeypatch.setattr(dialogs_module.QFileDialog, "getSaveFileName", dialog)
    with qtbot.waitSignal(window.preview.worker.events, timeout=30000, check_params_cb=_saved):
        window.save_action.trigger()
    assert proposed == [str(out / "phone_enhanced.jpg")]
    with Image.open(out / "phone_enhanced.jpg") as im:
        assert im.format == "JPEG" and im.size == (70, 50)
    assert window.dialogs.alerts == []


def test_a_raw_is_previewed_from_a_half_size_development_then_at_full_size(
    make_window, bright_model, tmp_path, qtbot, monkeypatch
):
    """Issue 13: the fast pass needs no full demosaic; the full pass and the "before" shown at
    the end are the full-size development, and "Save enhanced as…" proposes a 16-bit TIFF."""
    import pytest
    from PIL import Image

    pytest.importorskip("rawpy")
    from lowlight_gui.core.events import PreviewOriginal
    from lowlight_gui.qt import dialogs as dialogs_module
    from tests.rawfixtures import META, synthetic_image, write_dng

    dng = write_dng(tmp_path / "night.dng", synthetic_image(240, 320) * 0.3)
    window = make_window(model=bright_model)
    log: list[object] = []
    window.preview.worker.events.connect(log.append)
    window.show_image(dng)
    # The window and this log get each event separately: wait for both to have the full pass.
    qtbot.waitUntil(
        lambda: window.save_action.isEnabled()
        and any(isinstance(e, PreviewResult) and e.stage == "full" for e in log),
        timeout=30000,
    )

    shown = [e for e in log if isinstance(e, (PreviewOriginal, PreviewResult))]
    assert [type(e).__name__ for e in shown] == ["PreviewOriginal", "PreviewResult", "PreviewResult"]
    original, fast, full = shown
    assert original.pixels.shape == (120, 160, 3) and original.photo.format == "RAW"
    assert fast.stage == "preview" and fast.before.shape == (120, 160, 3)
    assert full.stage == "full" and full.before.shape == (240, 320, 3)
    before = window.viewer.before_image()
    assert (before.width(), before.height()) == (320, 240)  # the full-size development

    monkeypatch.setattr(dialogs_module.QFileDialog, "getSaveFileName",
                        lambda _p, _t, suggested, *_r: (suggested, ""))
    window.settings.output_dir = tmp_path / "out"
    with qtbot.waitSignal(window.preview.worker.events, timeout=30000, check_params_cb=_saved):
        window.save_action.trigger()
    with Image.open(tmp_path / "out" / "night_enhanced.tif") as im:
        assert im.size == (320, 240) and im.getexif().get(0x010F) == META["make"]
        assert tuple(im.tag_v2[258]) == (16, 16, 16)  # BitsPerSample
