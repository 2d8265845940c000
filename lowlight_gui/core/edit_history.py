"""Undo and redo of edits, one history per photo.

A step is a photo's settings before and after one edit (a slider drag, a paste, a reset, a
preset). A step may stay *open* while the same control keeps changing (a drag, a key held
down): the changes then merge into it, so that one gesture is one undo. Undo gives the settings
to go back to; the caller applies them (which is not itself an edit).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .settings import Settings

DEPTH = 100  # steps kept per photo


@dataclass
class Step:
    before: Settings
    after: Settings
    label: str  # what the Edit menu says: "Undo Exposure"
    key: str = ""  # what changed ("exposure", "paste"): an open step merges only the same key
    open: bool = False  # later changes of the same key merge into this step


@dataclass
class _Photo:
    undo: list[Step] = field(default_factory=list)
    redo: list[Step] = field(default_factory=list)


class EditHistory:
    """Undo/redo stacks by photo (resolved path)."""

    def __init__(self, depth: int = DEPTH) -> None:
        self.depth = depth
        self._photos: dict[Path, _Photo] = {}

    def _of(self, photo: Path) -> _Photo:
        return self._photos.setdefault(Path(photo).resolve(), _Photo())

    def record(
        self,
        photo: Path,
        before: Settings,
        after: Settings,
        *,
        label: str,
        key: str = "",
        open: bool = False,
    ) -> bool:
        """Record an edit of ``photo`` from ``before`` to ``after``; it merges into the last step
        when that one is open and for the same ``key`` (a gesture going on). ``open``: more
        changes of the same gesture may follow. False when nothing changed (no step)."""
        h = self._of(photo)
        top = h.undo[-1] if h.undo else None
        if top is not None and top.open and top.key == key and key:
            top.after, top.open = after, open
            if top.after == top.before:  # the gesture came back where it started
                h.undo.pop()
            return True
        if top is not None:
            top.open = False
        if before == after:
            return False
        h.undo.append(Step(before, after, label, key, open))
        del h.undo[: -self.depth]
        h.redo.clear()
        return True

    def close(self, photo: Path) -> None:
        """The gesture is over: the next change is a step of its own."""
        h = self._of(photo)
        if h.undo:
            h.undo[-1].open = False

    def undo(self, photo: Path) -> Step | None:
        """The step undone (apply its ``before``), or None when there is nothing to undo."""
        h = self._of(photo)
        if not h.undo:
            return None
        step = h.undo.pop()
        step.open = False
        h.redo.append(step)
        return step

    def redo(self, photo: Path) -> Step | None:
        """The step redone (apply its ``after``), or None when there is nothing to redo."""
        h = self._of(photo)
        if not h.redo:
            return None
        step = h.redo.pop()
        h.undo.append(step)
        return step

    def undo_label(self, photo: Path) -> str | None:
        h = self._of(photo)
        return h.undo[-1].label if h.undo else None

    def redo_label(self, photo: Path) -> str | None:
        h = self._of(photo)
        return h.redo[-1].label if h.redo else None
