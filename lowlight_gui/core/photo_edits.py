"""Each photo's own settings, remembered across restarts in a small SQLite file.

Keyed by the photo's resolved path, with its size and modification time (ns): a file replaced
by another one of the same name (a new export, a re-import) does not inherit the old photo's
edit, which is then dropped. Only photos whose settings differ from the defaults are stored.

The database is a convenience, never a reason to stop: a damaged file is moved aside (the edits
start afresh, and ``notice`` says so); a file that cannot be opened or written (locked by
another copy of the app, a read-only folder) leaves the edits in memory for this session,
with a ``notice`` too. The in-memory copy is what the window reads; the file follows it.
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
import time
from collections.abc import Iterable
from pathlib import Path

from .errors import LowlightError
from .settings import Settings

FILE_NAME = "photo_edits.sqlite3"
SCHEMA = """
CREATE TABLE IF NOT EXISTS edits (
    path TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    settings TEXT NOT NULL,
    saved REAL NOT NULL
)
"""


def default_data_dir() -> Path:
    """The app's data folder: ``$LOWLIGHT_DATA_DIR`` if set, else the platform's place for
    application data (``~/.local/share/Lowlight``, ``~/Library/Application Support/Lowlight``,
    ``%LOCALAPPDATA%\\Lowlight``)."""
    override = os.environ.get("LOWLIGHT_DATA_DIR")
    if override:
        return Path(override).expanduser()
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / "Lowlight"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "Lowlight"
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "Lowlight"


def _signature(photo: Path) -> tuple[int, int] | None:
    """(size, mtime_ns) of the file now, or None when it cannot be read."""
    try:
        st = photo.stat()
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns


def _key(photo: Path | str) -> Path:
    return Path(photo).expanduser().resolve()


class PhotoEdits:
    """The settings of every edited photo. ``path``: the database file (default: in
    ``default_data_dir()``); ``":memory:"`` keeps nothing across runs (tests, a fallback)."""

    def __init__(self, path: Path | str | None = None) -> None:
        self.path = Path(path) if path not in (None, ":memory:") else None
        if path is None:
            self.path = default_data_dir() / FILE_NAME
        self.notice: str | None = None  # what went wrong with the file, for the person
        self._memory: dict[Path, tuple[tuple[int, int], Settings]] = {}
        self._db: sqlite3.Connection | None = None
        if self.path is not None:
            self._open(self.path)

    # -- the file -------------------------------------------------------------------------
    def _open(self, path: Path) -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = self._connect(path)
        except sqlite3.DatabaseError as exc:
            if _is_locked(exc) or not path.exists():
                self._fallback(f"cannot open {path} ({exc})")
                return
            aside = _move_aside(path)
            self.notice = (
                f"The saved photo edits ({path.name}) were damaged and have been moved aside "
                f"to {aside.name}; edits start afresh."
            )
            try:
                self._db = self._connect(path)
            except sqlite3.DatabaseError as again:
                self._fallback(f"cannot create {path} ({again})")
                return
        except OSError as exc:
            self._fallback(f"cannot create {path.parent} ({exc.strerror or exc})")
            return
        self._load()

    @staticmethod
    def _connect(path: Path) -> sqlite3.Connection:
        db = sqlite3.connect(str(path), timeout=2.0, isolation_level=None)
        try:
            # quick_check reads every page: a damaged file is found now, not at the first write
            ok = db.execute("PRAGMA quick_check").fetchone()
            if not ok or ok[0] != "ok":
                raise sqlite3.DatabaseError(f"integrity check: {ok[0] if ok else 'no answer'}")
            db.execute("PRAGMA journal_mode=WAL")
            # WAL with NORMAL sync stays consistent on a crash and commits without an fsync
            # each: a slider drag writes its photo's settings many times a second
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute(SCHEMA)
        except sqlite3.DatabaseError:
            db.close()
            raise
        return db

    def _fallback(self, why: str) -> None:
        self._db = None
        self.notice = f"Photo edits are kept for this session only: {why}."

    def _load(self) -> None:
        assert self._db is not None
        try:
            rows = self._db.execute("SELECT path, size, mtime_ns, settings FROM edits").fetchall()
        except sqlite3.DatabaseError as exc:
            self._fallback(f"cannot read {self.path} ({exc})")
            return
        for path, size, mtime_ns, text in rows:
            try:
                settings = Settings.from_dict(json.loads(text))
            except (ValueError, TypeError, LowlightError):
                continue  # a row written by another version with other settings: skip it
            self._memory[Path(path)] = ((int(size), int(mtime_ns)), settings)

    def _write(self, sql: str, args: tuple[object, ...]) -> None:
        if self._db is None:
            return
        try:
            self._db.execute(sql, args)
        except sqlite3.DatabaseError as exc:
            self._db.close()
            self._fallback(f"cannot write {self.path} ({exc})")

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    # -- edits ----------------------------------------------------------------------------
    def get(self, photo: Path | str) -> Settings | None:
        """The photo's own settings, or None when it has none (never edited, reset, or the file
        was replaced since: that old edit is dropped)."""
        key = _key(photo)
        entry = self._memory.get(key)
        if entry is None:
            return None
        signature, settings = entry
        now = _signature(key)
        if now is None:  # gone or unreadable for now: keep the edit, it may come back
            return settings
        if now != signature:
            self.forget(key)
            return None
        return settings

    def settings_for(self, photo: Path | str, default: Settings) -> Settings:
        """The photo's own settings, or ``default``."""
        return self.get(photo) or default

    def put(self, photo: Path | str, settings: Settings) -> None:
        """Remember ``settings`` for the photo; the defaults forget it (nothing to remember)."""
        key = _key(photo)
        signature = _signature(key)
        if settings.is_default or signature is None:
            self.forget(key)
            return
        self._memory[key] = (signature, settings)
        self._write(
            "INSERT OR REPLACE INTO edits (path, size, mtime_ns, settings, saved) "
            "VALUES (?, ?, ?, ?, ?)",
            (str(key), signature[0], signature[1], json.dumps(settings.to_dict()), time.time()),
        )

    def forget(self, photo: Path | str) -> None:
        key = _key(photo)
        if self._memory.pop(key, None) is not None:
            self._write("DELETE FROM edits WHERE path = ?", (str(key),))

    def is_edited(self, photo: Path | str) -> bool:
        return self.get(photo) is not None

    def edits_for(self, photos: Iterable[Path | str]) -> dict[Path, Settings]:
        """The own settings of those ``photos`` that have some, keyed by resolved path (what
        ``BatchOptions.edits`` takes)."""
        found = {}
        for photo in photos:
            settings = self.get(photo)
            if settings is not None:
                found[_key(photo)] = settings
        return found

    def __len__(self) -> int:
        return len(self._memory)


def _is_locked(exc: sqlite3.DatabaseError) -> bool:
    return "locked" in str(exc).lower() or "busy" in str(exc).lower()


def _move_aside(path: Path) -> Path:
    """Rename a damaged database (and its WAL files) out of the way; returns the new name."""
    aside = path.with_name(f"{path.name}.damaged-{time.strftime('%Y%m%d-%H%M%S')}")
    for suffix in ("", "-wal", "-shm"):
        src = Path(str(path) + suffix)
        if src.exists():
            try:
                src.replace(Path(str(aside) + suffix))
            except OSError:
                src.unlink(missing_ok=True)
    return aside
