"""Render the main window with a photo loaded and a batch in the queue, and save a screenshot.

Needs a real display; on a headless machine run it under Xvfb:

    apt-get install -y xvfb libxcb-cursor0 libxkbcommon-x11-0
    QT_QPA_PLATFORM=xcb xvfb-run -s "-screen 0 1600x1000x24" \
        .venv/bin/python docs/make_screenshot.py [--model models/lowlight_unet.onnx] [--dark]

The first start (docs/screenshot_first_start.png) and a folder of camera RAWs
(docs/screenshot_raw_folder.png: the samples of ../shared/data/raw-samples copied with a sidecar
.xmp each and a notes.txt into $HOME/Pictures/Camera_RAW, HOME a scratch folder):

    ... docs/make_screenshot.py --first-start --out docs/screenshot_first_start.png
    HOME=/tmp/rawhome ... docs/make_screenshot.py --folder /tmp/rawhome/Pictures/Camera_RAW \
        --photo kodak_dc120.kdc --queue 2 --out docs/screenshot_raw_folder.png

The Colour noise slider at 100 % on the real ISO 51200 photo, at actual pixels on its sky
(docs/screenshot_colour_noise.png; the photo of ../shared/data/real-highres copied alone into a
folder):

    HOME=/tmp/shothome ... docs/make_screenshot.py --folder /tmp/shothome/Pictures/ISO51200 --photo city_night_iso51200_single_vs_merged.jpg \
        --queue 0 --colour-noise 1 --actual-pixels 1300,520 --out docs/screenshot_colour_noise.png

The histogram with the clipping overlay (J) and the photo info panel (I), on the real phone
photo (docs/screenshot_histogram.png, docs/screenshot_info.png; the photo copied alone into a
folder):

    ... docs/make_screenshot.py --folder /tmp/shothome/Pictures/Street \
        --photo phone_night_street_iso1200.jpg --queue 0 --clipping --out docs/screenshot_histogram.png
    ... docs/make_screenshot.py --folder /tmp/shothome/Pictures/Street \
        --photo phone_night_street_iso1200.jpg --queue 0 --info --out docs/screenshot_info.png

Per-photo settings (docs/screenshot_edits.png): the photo shown at +1 EV, its settings pasted
onto two more photos (the thumbnails' edited mark), the Edit menu open:

    ... docs/make_screenshot.py --folder /tmp/shothome/Pictures/Night --exposure 1 --paste 2 \
        --edit-menu --queue 0 --out docs/screenshot_edits.png

Re-run it whenever the model or the window changes. The user's own settings are not touched
(a temporary settings file is used). The folder tree starts at $HOME when --folder lies in it:
run every shot with HOME a scratch folder whose Pictures holds copies of the photos (Night: the
real-dev photos, for docs/screenshot.png and docs/screenshot_edits.png; Street: the phone
photo), so that no developer's folders show.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DATA = Path("/work/shared/data/real-dev")


def scan_folder(folder: Path) -> list[Path]:
    from lowlight_gui.core.folders import scan_folder as scan

    return scan(folder)


def wait(app, predicate, timeout: float = 300.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        app.processEvents()
        if predicate():
            return True
        time.sleep(0.02)
    return False


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=None, help="ONNX model (default: shipped)")
    parser.add_argument("--folder", type=Path, default=DATA, help="folder of photos to browse")
    parser.add_argument("--photo", default="13.jpg", help="photo (in --folder) to show")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshot.png")
    parser.add_argument("--size", default="1600x1000",
                        help="window size, WxH, or min: the window's minimum size")
    parser.add_argument("--dark", action="store_true", help="ask Qt for the dark colour scheme")
    parser.add_argument("--first-start", action="store_true",
                        help="the window as a new user first sees it: a home folder whose "
                        "Pictures holds --folder's photos, no photo chosen, an empty queue")
    parser.add_argument("--queue", type=int, default=3,
                        help="photos enhanced in the queue before the shot (default 3)")
    parser.add_argument("--denoise", type=float, default=1.0,
                        help="the Noise reduction slider's amount, 0..1 (default 1)")
    parser.add_argument("--colour-noise", type=float, default=0.0,
                        help="the Colour noise slider's amount, 0..1 (default 0: off)")
    parser.add_argument("--actual-pixels", metavar="X,Y", default=None,
                        help="show the photo at 100 %% centred on this pixel (default: fit)")
    parser.add_argument("--shadows", default="auto",
                        help="the Shadows control: auto, or a lift in stops 0..2 (default auto)")
    parser.add_argument("--clipping", action="store_true",
                        help="paint what enhancing clipped on the photo (J)")
    parser.add_argument("--info", action="store_true", help="show the photo info panel (I)")
    parser.add_argument("--mode", default="split", help="viewer mode: split, side, after, before")
    parser.add_argument("--exposure", type=float, default=0.0,
                        help="the photo's Exposure, EV -2..2 (default 0)")
    parser.add_argument("--paste", type=int, default=0,
                        help="paste the photo's settings onto the next N photos (edited marks)")
    parser.add_argument("--edit-menu", action="store_true", help="the Edit menu open")
    args = parser.parse_args()

    from PySide6.QtCore import Qt

    from lowlight_gui.app import create_app, create_window
    from lowlight_gui.qt.settings import Settings
    from lowlight_gui.qt.theme import apply_palette

    app = create_app(sys.argv[:1])
    if args.dark:
        # Ask for dark as a user would; platforms without a theme (Xvfb) ignore the request,
        # so apply the dark palette directly as well.
        app.styleHints().setColorScheme(Qt.ColorScheme.Dark)
        apply_palette(app, dark=True)
    tmp = Path(tempfile.mkdtemp(prefix="lowlight-shot-"))
    import os

    # the photos' own settings and the presets of this run only, never the user's
    os.environ["LOWLIGHT_DATA_DIR"] = str(tmp / "data")
    os.environ["LOWLIGHT_CONFIG_DIR"] = str(tmp / "config")
    try:
        if args.first_start:
            return first_start(app, args, tmp)
        settings = Settings(tmp / "settings.ini")
        settings.output_dir = tmp / "enhanced"
        window = create_window(sys.argv[:1], settings=settings, model_path=args.model)
        if args.size == "min":  # the smallest window, laid out as the window itself does
            from lowlight_gui.qt.window_layout import MIN_SIZE

            w, h = MIN_SIZE
            window.setGeometry(0, 0, w, h)
        else:
            w, h = (int(v) for v in args.size.split("x"))
            window.setGeometry(0, 0, w, h)
            window.splitter.setSizes([300, w - 300 - 400, 400])
        window.browser.open_folder(args.folder)
        photos = scan_folder(args.folder)

        # A finished batch, then two more waiting: the queue shows both states.
        window.queue_model.add_paths(photos[: args.queue])
        if window.start_batch():
            wait(app, lambda: not window.queue_panel.is_running())
        window.queue_model.add_paths(photos[args.queue : args.queue + 2])

        window.browser.select_file(args.folder / args.photo)
        window.show_image(args.folder / args.photo)
        look = {"exposure": args.exposure, "denoise": args.denoise,
                "colour_noise": args.colour_noise,
                "shadows": None if args.shadows == "auto" else float(args.shadows)}
        for key, value in look.items():  # the photo's own settings, as a person sets them
            window.controls.set_value(key, value)
        if args.paste:
            window.commands.copy()
            at = photos.index(args.folder / args.photo)
            window.edits.paste(photos[at + 1 : at + 1 + args.paste])
        if window.problem is None and not wait(app, lambda: window.save_action.isEnabled()):
            print("the preview at the photo's settings did not finish in time", file=sys.stderr)
        if window.problem is None and not wait(app, lambda: window.save_action.isEnabled()):
            print("the preview did not finish in time", file=sys.stderr)
        window.viewer.set_split(0.5)
        window.viewer.set_mode(args.mode)
        window.viewer.set_clipping_overlay(args.clipping)
        if args.info:
            window.info_panel.set_shown(True)
        if args.actual_pixels:
            x, y = (float(v) for v in args.actual_pixels.split(","))
            window.viewer.zoom_100()
            c, scale = window.viewer.center(), window.viewer.scale()
            window.viewer.pan_by((c.x() - x) * scale, (c.y() - y) * scale)
        window.raise_()
        window.activateWindow()
        wait(app, lambda: False, timeout=1.5)  # let thumbnails land and everything repaint
        return save_shot(window, args.out, w, h, menu="Edit" if args.edit_menu else None)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def first_start(app, args: argparse.Namespace, tmp: Path) -> int:
    """A fresh home whose Pictures folder holds --folder's photos, fresh settings: what the
    window shows the first time it starts."""
    import os

    from lowlight_gui.app import create_window
    from lowlight_gui.qt.settings import Settings

    home = tmp / "home"
    pictures = home / "Pictures"
    pictures.mkdir(parents=True)
    for photo in scan_folder(args.folder)[:12]:
        shutil.copy2(photo, pictures / photo.name)
    os.environ["HOME"] = str(home)
    window = create_window(sys.argv[:1], settings=Settings(tmp / "settings.ini"),
                           model_path=args.model)
    w, h = (int(v) for v in args.size.split("x"))
    window.setGeometry(0, 0, w, h)
    window.splitter.setSizes([300, w - 300 - 400, 400])
    window.raise_()
    window.activateWindow()
    wait(app, lambda: False, timeout=2.0)  # thumbnails
    return save_shot(window, args.out, w, h)


def save_shot(window, out: Path, w: int, h: int, menu: str | None = None) -> int:
    screen = window.screen()
    shot = screen.grabWindow(0, 0, 0, w, h)
    if shot.isNull() or shot.toImage().allGray() or menu:
        shot = window.grab()  # no screen to grab from (offscreen platform), or a menu to add
    if menu:
        draw_menu(window, shot, menu)
    out.parent.mkdir(parents=True, exist_ok=True)
    if not shot.save(str(out)):
        print(f"cannot write {out}", file=sys.stderr)
        return 1
    print(f"saved {out} ({shot.width()}x{shot.height()})")
    window.close()
    return 0


def draw_menu(window, shot, title: str) -> None:
    """Open the menu bar's ``title`` menu and paint it onto ``shot`` where it opens (a popup is
    a window of its own: grabbing the main window leaves it out)."""
    from PySide6.QtCore import QPoint
    from PySide6.QtGui import QPainter
    from PySide6.QtWidgets import QApplication

    bar = window.menuBar()
    action = next(a for a in bar.actions() if a.text().replace("&", "") == title)
    corner = bar.actionGeometry(action).bottomLeft()
    menu = action.menu()
    menu.popup(bar.mapToGlobal(corner))
    for _ in range(20):
        QApplication.processEvents()
    pixmap = menu.grab()
    menu.close()
    at = window.mapFromGlobal(bar.mapToGlobal(corner)) + QPoint(0, 0)
    painter = QPainter(shot)
    painter.drawPixmap(at, pixmap)
    painter.end()


if __name__ == "__main__":
    sys.exit(main())
