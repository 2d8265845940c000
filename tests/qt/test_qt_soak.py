"""Soak: 34 photos through the real window with constant repaints, to the end (issue 10: the app
aborted ~25 s into every batch on PySide6 6.12.0). Runs in its own process so that an abort is a
test failure with its message, not the end of the test run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from PIL import Image

from tests.conftest import ROOT, write_image

PHOTOS = 34


def test_gui_batch_of_34_photos_runs_to_the_end(tmp_path: Path, tiny_model: Path):
    photos = tmp_path / "photos"
    for i in range(PHOTOS):
        suffix = ".png" if i % 3 == 0 else ".jpg"
        write_image(photos / f"night{i:02d}{suffix}", h=200, w=300, seed=i)
    out = tmp_path / "out"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
    args = [str(photos), str(out), str(tiny_model), str(tmp_path / "settings.ini")]
    proc = subprocess.run(
        [sys.executable, "-m", "tests.qt.soak_batch", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False,
    )
    if proc.returncode < 0:
        name = signal.Signals(-proc.returncode).name
        raise AssertionError(f"the app died with {name}:\n{proc.stderr[-3000:]}")
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])

    assert result["queued"] == PHOTOS and result["started"]
    assert result["states"] == ["done"] * PHOTOS, result["status"]
    assert all(s.startswith("Done in ") for s in result["status"])
    assert result["repaints"] > 10, result  # the window really was painted while it worked
    assert "Finished: 34 enhanced, 0 skipped, 0 failed" in result["status_bar"]
    outputs = sorted(out.iterdir())
    assert len(outputs) == PHOTOS and [str(p) for p in outputs] == sorted(result["outputs"])
    for path in outputs:
        with Image.open(path) as im:
            im.load()  # decodes completely
            assert im.size == (300, 200)
