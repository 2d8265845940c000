"""Undo/redo per photo: one gesture is one step, edits of one photo never undo another's."""

from __future__ import annotations

from pathlib import Path

from lowlight_gui.core.edit_history import EditHistory
from lowlight_gui.core.settings import DEFAULTS, Settings

A, B = Path("/photos/a.jpg"), Path("/photos/b.jpg")


def ev(x: float) -> Settings:
    return Settings(exposure=x)


def test_a_drag_is_one_step_and_undo_redo_walk_it():
    h = EditHistory()
    for x in (0.1, 0.5, 1.2, 2.0):  # a drag: the step stays open
        h.record(A, DEFAULTS, ev(x), label="Exposure", key="exposure", open=True)
    h.close(A)  # released
    assert h.undo_label(A) == "Exposure" and h.redo_label(A) is None
    step = h.undo(A)
    assert step is not None and (step.before, step.after) == (DEFAULTS, ev(2.0))
    assert h.undo(A) is None and h.redo_label(A) == "Exposure"
    assert h.redo(A).after == ev(2.0)
    assert h.redo(A) is None


def test_closed_steps_do_not_merge_and_other_keys_start_a_step():
    h = EditHistory()
    h.record(A, DEFAULTS, ev(1.0), label="Exposure", key="exposure")
    h.record(A, ev(1.0), ev(1.5), label="Exposure", key="exposure")  # a second click
    h.record(A, ev(1.5), ev(1.5).replace(denoise=0.5), label="Noise", key="denoise", open=True)
    h.record(
        A,
        ev(1.5).replace(denoise=0.5),
        ev(1.5).replace(denoise=0.2),
        label="Noise",
        key="denoise",
        open=True,
    )
    assert [h.undo(A).after for _ in range(3)] == [ev(1.5).replace(denoise=0.2), ev(1.5), ev(1.0)]


def test_histories_are_per_photo_and_a_new_edit_clears_redo():
    h = EditHistory()
    h.record(A, DEFAULTS, ev(2.0), label="Exposure", key="exposure")
    h.record(B, DEFAULTS, Settings(strength=0.5), label="Paste settings", key="paste")
    assert h.undo(B).before == DEFAULTS
    assert h.undo_label(A) == "Exposure"  # A's history untouched
    h.record(B, DEFAULTS, ev(-1.0), label="Exposure", key="exposure")
    assert h.redo(B) is None  # the undone paste is gone once B is edited anew
    assert h.undo(Path("/photos/../photos/a.jpg")).after == ev(2.0)  # resolved paths


def test_nothing_changed_is_no_step_and_a_gesture_back_to_start_vanishes():
    h = EditHistory()
    assert not h.record(A, DEFAULTS, DEFAULTS, label="Reset photo", key="reset")
    h.record(A, DEFAULTS, ev(0.3), label="Exposure", key="exposure", open=True)
    h.record(A, DEFAULTS, DEFAULTS, label="Exposure", key="exposure", open=False)
    assert h.undo(A) is None


def test_depth_is_bounded():
    h = EditHistory(depth=3)
    for i in range(1, 6):
        h.record(A, ev((i - 1) / 10), ev(i / 10), label="Exposure", key="exposure")
    steps = [h.undo(A) for _ in range(4)]
    assert steps[3] is None and steps[2].before == ev(0.2)
