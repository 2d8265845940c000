"""The per-photo settings store: remembered across restarts, a replaced file forgets its edit, a
damaged or unwritable database never stops the app."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from lowlight_gui.core.photo_edits import FILE_NAME, PhotoEdits, default_data_dir
from lowlight_gui.core.settings import DEFAULTS, Settings


@pytest.fixture
def photos(tmp_path: Path) -> list[Path]:
    folder = tmp_path / "photos"
    folder.mkdir()
    paths = [folder / f"p{i}.jpg" for i in range(3)]
    for i, p in enumerate(paths):
        p.write_bytes(bytes([i]) * (100 + i))
    return paths


def test_edits_are_remembered_across_restarts(tmp_path, photos):
    db = tmp_path / "data" / FILE_NAME
    store = PhotoEdits(db)
    bright = Settings(exposure=2.0, shadows=1.0)
    store.put(photos[0], bright)
    store.put(photos[1], DEFAULTS)  # the defaults are not an edit
    assert store.get(photos[0]) == bright and store.get(photos[1]) is None and len(store) == 1
    store.close()

    again = PhotoEdits(db)
    assert again.notice is None
    assert again.get(photos[0]) == bright
    # keyed by resolved path: another spelling of the same file finds it
    assert again.get(photos[0].parent / ".." / "photos" / photos[0].name) == bright
    assert again.edits_for(photos) == {photos[0].resolve(): bright}
    assert again.settings_for(photos[2], DEFAULTS) == DEFAULTS
    again.put(photos[0], DEFAULTS)  # reset: forgotten, also on disk
    again.close()
    assert PhotoEdits(db).get(photos[0]) is None


def test_a_replaced_file_drops_its_old_edit(tmp_path, photos):
    db = tmp_path / FILE_NAME
    store = PhotoEdits(db)
    store.put(photos[0], Settings(exposure=1.0))
    store.put(photos[1], Settings(exposure=-1.0))
    store.close()
    photos[0].write_bytes(b"another photo, another size")
    st = photos[1].stat()  # same size, newer time: replaced too
    os.utime(photos[1], ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))
    again = PhotoEdits(db)
    assert again.get(photos[0]) is None and again.get(photos[1]) is None
    again.close()
    assert len(PhotoEdits(db)) == 0  # dropped from the file too


def test_a_damaged_database_is_moved_aside_with_a_notice(tmp_path, photos):
    db = tmp_path / FILE_NAME
    db.write_bytes(b"SQLite format 3\x00" + b"\xff" * 5000)  # a header, then garbage
    store = PhotoEdits(db)
    assert store.notice and "damaged" in store.notice and "moved aside" in store.notice
    aside = [p for p in tmp_path.iterdir() if p.name.startswith(FILE_NAME + ".damaged-")]
    assert len(aside) == 1
    store.put(photos[0], Settings(denoise=0.5))  # and it works afresh
    store.close()
    assert PhotoEdits(db).get(photos[0]) == Settings(denoise=0.5)


def test_a_locked_database_keeps_edits_for_the_session(tmp_path, photos):
    db = tmp_path / FILE_NAME
    PhotoEdits(db).close()
    holder = sqlite3.connect(str(db), isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # another copy of the app writing
    try:
        store = PhotoEdits(db)
        store.put(photos[0], Settings(exposure=0.5))
        assert store.get(photos[0]) == Settings(exposure=0.5)
        assert store.notice and "this session only" in store.notice
        assert db.exists()  # a locked file is not moved aside
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_an_unwritable_data_folder_is_a_notice_not_a_crash(tmp_path, photos):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    store = PhotoEdits(blocker / "sub" / FILE_NAME)  # its parent cannot be made
    assert store.notice and "this session only" in store.notice
    store.put(photos[2], Settings(strength=0.5))
    assert store.get(photos[2]) == Settings(strength=0.5)


def test_rows_of_other_versions_are_skipped(tmp_path, photos):
    db = tmp_path / FILE_NAME
    store = PhotoEdits(db)
    store.put(photos[0], Settings(exposure=1.0))
    store.close()
    raw = sqlite3.connect(str(db))
    st = photos[1].stat()
    raw.execute(
        "INSERT INTO edits VALUES (?, ?, ?, ?, 0)",
        (str(photos[1].resolve()), st.st_size, st.st_mtime_ns, '{"sharpen": 3}'),
    )
    raw.commit()
    raw.close()
    again = PhotoEdits(db)
    assert again.get(photos[0]) == Settings(exposure=1.0) and again.get(photos[1]) is None


def test_the_data_folder_can_be_chosen(monkeypatch, tmp_path):
    monkeypatch.setenv("LOWLIGHT_DATA_DIR", str(tmp_path / "d"))
    assert default_data_dir() == tmp_path / "d"
    monkeypatch.delenv("LOWLIGHT_DATA_DIR")
    assert default_data_dir().name == "Lowlight"
