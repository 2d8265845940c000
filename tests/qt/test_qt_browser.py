"""Folder browser: background thumbnails (cached, EXIF-upright) and selection -> viewer."""

from __future__ import annotations

import threading
import time

import numpy as np
from PIL import Image

from lowlight_gui.core.engine import available_providers
from lowlight_gui.qt.browser import FolderBrowser
from lowlight_gui.qt.thumbnails import ThumbnailCache, load_thumbnail
from tests.conftest import write_image


def test_thumbnail_is_small_and_upright(tmp_path):
    path = tmp_path / "rotated.jpg"
    arr = np.zeros((60, 200, 3), np.uint8)  # stored landscape...
    exif = Image.Exif()
    exif[0x0112] = 6  # ...shown rotated 90 degrees: portrait
    Image.fromarray(arr).save(path, exif=exif)
    image = load_thumbnail(path, 64)
    assert (image.width(), image.height()) == (19, 64)


def test_cache_loads_in_background_and_keys_by_mtime(qtbot, tmp_path):
    path = write_image(tmp_path / "a.jpg")
    cache = ThumbnailCache(capacity=2)
    assert cache.get(path, 32) is None  # queued, not decoded on the caller's thread
    with qtbot.waitSignal(cache.ready, timeout=10000):
        pass
    pixmap = cache.get(path, 32)
    assert pixmap is not None and not pixmap.isNull() and pixmap.width() == 32
    # A changed file (new mtime) is loaded again.
    write_image(path, seed=5)
    import os

    os.utime(path, ns=(time.time_ns(), time.time_ns() + 10**9))
    assert cache.get(path, 32) is None
    cache.wait()


def test_folder_of_many_photos_opens_without_blocking(qtbot, tmp_path, monkeypatch):
    folder = tmp_path / "many"
    write_image(folder / "img0.jpg", h=600, w=800)
    for i in range(1, 300):  # same bytes, many files: listing must not decode them
        (folder / f"img{i}.jpg").write_bytes((folder / "img0.jpg").read_bytes())
    browser = FolderBrowser()
    qtbot.addWidget(browser)
    browser.resize(400, 600)
    browser.show()
    # listing decodes nothing on the window's thread: thumbnails are made by the pool's workers
    # (what this asserts, not a time: a timed unit test fails on a busy machine)
    from lowlight_gui.qt import thumbnails

    decoded_on: list[bool] = []
    original = thumbnails.load_thumbnail

    def counting(path, size):
        decoded_on.append(threading.current_thread() is threading.main_thread())
        return original(path, size)

    monkeypatch.setattr(thumbnails, "load_thumbnail", counting)
    browser.open_folder(folder)
    assert browser.thumb_model.rowCount() == 300
    assert not any(decoded_on)
    assert [p.name for p in browser.thumb_model.files()[:3]] == ["img0.jpg", "img1.jpg", "img2.jpg"]
    qtbot.waitUntil(lambda: len(browser.cache) >= 1, timeout=10000)
    assert decoded_on and not any(decoded_on)  # made, off the window's thread
    browser.cache.cancel_pending()
    browser.cache.wait()


def test_selecting_a_thumbnail_previews_it(make_window, photo_dir, qtbot):
    window = make_window()
    window.show()
    window.browser.open_folder(photo_dir)
    assert window.browser.thumb_model.rowCount() == 3  # notes.txt is not listed
    window.browser.grid.setCurrentIndex(window.browser.thumb_model.index(1))
    assert window.current_path == photo_dir / "img2.jpg"
    assert "img2.jpg" in window.windowTitle()
    qtbot.waitUntil(
        lambda: window.viewer.after_image() is not None and window.save_action.isEnabled(),
        timeout=30000,
    )
    assert window.viewer.before_image().size() == window.viewer.after_image().size()
    # the provider the preview ran on (whatever "auto" starts on this machine), then its time
    assert window.provider_label.text().startswith(f"{window.active_provider}, ")
    assert window.active_provider in available_providers()
    assert " s for " in window.provider_label.text()
    assert window.settings.last_folder == photo_dir


def test_raw_files_are_listed_with_thumbnails_from_their_embedded_preview(qtbot, tmp_path,
                                                                          monkeypatch):
    """Issue 13: a camera RAW's thumbnail is its embedded preview (no demosaic)."""
    import pytest

    pytest.importorskip("rawpy")
    from lowlight_gui.core import raw as rawmod
    from tests.rawfixtures import synthetic_image, write_dng

    folder = tmp_path / "raws"
    scene = synthetic_image(120, 160)
    red = np.zeros_like(scene)
    red[..., 0] = 0.9  # the preview shows another picture: a thumbnail that is red came from it
    write_dng(folder / "IMG_2.DNG", scene, preview="jpeg", preview_side=160, preview_srgb=red,
              orientation=6)
    write_image(folder / "IMG_10.jpg")
    developed: list[object] = []
    real_develop = rawmod._develop
    monkeypatch.setattr(rawmod, "_develop", lambda *a: developed.append(a) or real_develop(*a))

    image = load_thumbnail(folder / "IMG_2.DNG", 64)
    assert (image.width(), image.height()) == (48, 64)  # upright: orientation 6 applied
    c = image.pixelColor(24, 32)
    assert c.red() > 200 and c.green() < 40 and c.blue() < 40
    assert developed == []  # no demosaic for a thumbnail

    browser = FolderBrowser()
    qtbot.addWidget(browser)
    browser.open_folder(folder)
    assert [p.name for p in browser.thumb_model.files()] == ["IMG_2.DNG", "IMG_10.jpg"]
    browser.cache.wait()
