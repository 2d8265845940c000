"""The full-resolution preview is the batch's output: the preview worker and the batch develop a
photo through the same pipeline, so "Save enhanced as" writes what a batch writes."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from lowlight_gui.core.batch import BatchOptions, collect_jobs, run_batch
from lowlight_gui.core.cancel import CancelToken
from lowlight_gui.core.engine import Engine
from lowlight_gui.core.engine_cache import EngineCache, EngineSpec
from lowlight_gui.core.events import PreviewFailed, PreviewResult, PreviewSaved
from lowlight_gui.core.imageio import read_photo
from lowlight_gui.core.settings import Settings
from lowlight_gui.core.xmp_record import read_record
from lowlight_gui.qt.preview import PreviewRequest, PreviewWorker
from lowlight_gui.resources import default_model_path
from tests.conftest import write_image

REAL_DEV = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "real-dev"


def preview_and_save(model: Path, photo: Path, settings: Settings, target: Path, tile: int):
    """The preview worker's full pass of ``photo`` at ``settings`` (run on this thread) and the
    file its "Save enhanced as" writes at the settings' strength: (full result, saved path)."""
    worker = PreviewWorker(EngineCache())
    events: list = []
    worker.events.connect(events.append)  # (same thread: delivered at once)
    worker.latest = 1
    spec = EngineSpec(model, "CPU", 1)
    worker.run(PreviewRequest(1, photo, spec, tile, CancelToken(), settings))
    assert not [e for e in events if isinstance(e, PreviewFailed)], events
    [full] = [e for e in events if isinstance(e, PreviewResult) and e.stage == "full"]
    worker.save(1, settings.strength, target, "png", 95)
    [saved] = [e for e in events if isinstance(e, PreviewSaved)]
    return full, saved.path


def batch_output(model: Path, photo: Path, settings: Settings, folder: Path, tile: int) -> Path:
    options = BatchOptions(output_dir=folder, fmt="png", tile=tile, settings=settings)
    result = run_batch(collect_jobs([photo], options), Engine(model, "CPU", threads=1), options)
    assert not result.failed, result.failed
    [done] = result.done
    assert done.settings == settings
    return done.output


def check_same(model: Path, photo: Path, settings: Settings, tmp_path: Path, tile: int) -> None:
    full, saved = preview_and_save(model, photo, settings, tmp_path / "saved.png", tile)
    written = batch_output(model, photo, settings, tmp_path / "batch", tile)
    np.testing.assert_array_equal(read_photo(saved).data, read_photo(written).data)
    # both say how they were made, the same way (the app, the model, the settings, decisions)
    assert read_record(read_photo(saved).xmp) == read_record(read_photo(written).xmp)
    assert full.settings == settings and full.decisions is not None
    assert full.after.shape[:2] == read_photo(photo).data.shape[:2]


@pytest.mark.parametrize(
    "settings",
    [
        Settings(),
        Settings(exposure=0.8, denoise=0.4, colour_noise=0.5),
        Settings(exposure=-0.3, denoise=0.7, strength=1.0),
    ],
)
def test_the_full_preview_saves_what_the_batch_writes(qapp, base_model, tmp_path, settings):
    photo = write_image(tmp_path / "dark.png", h=150, w=230, seed=4)
    check_same(base_model, photo, settings, tmp_path, tile=128)


def test_with_a_lift_and_a_grey_photo(qapp, lift_model, tmp_path):
    from PIL import Image

    grey = tmp_path / "grey.png"
    Image.fromarray(np.linspace(0, 70, 90 * 120).reshape(90, 120).astype(np.uint8)).save(grey)
    check_same(lift_model, grey, Settings(colour_noise=0.6), tmp_path / "g", tile=64)
    colour = write_image(tmp_path / "night.png", h=96, w=140, seed=9)
    check_same(lift_model, colour, Settings(shadows=1.2), tmp_path / "c", tile=64)


def test_a_16_bit_photo_and_a_camera_raw(qapp, base_model, tmp_path):
    """16-bit pixels are developed as stored (not through the preview's 8-bit display); a RAW,
    shown at half size first, is saved from its full-size development, as the batch's."""
    pytest.importorskip("rawpy")
    from PIL import Image

    from tests.rawfixtures import synthetic_image, write_dng

    deep = tmp_path / "deep.png"
    values = np.round(synthetic_image(70, 90, seed=1) * 0.3 * 65535).astype(np.uint16)
    Image.fromarray(values[:, :, 0]).save(deep)  # (Pillow writes 16-bit grey, not RGB)
    assert read_photo(deep).data.dtype == np.uint16
    check_same(base_model, deep, Settings(exposure=0.5, denoise=0.6), tmp_path / "d", tile=64)
    raw = tmp_path / "IMG_1.DNG"
    write_dng(raw, synthetic_image(64, 96, seed=2) * 0.3, preview="jpeg", preview_side=48)
    check_same(base_model, raw, Settings(colour_noise=0.4), tmp_path / "r", tile=64)


def test_at_a_lower_strength_the_saved_file_is_within_one_level(qapp, base_model, tmp_path):
    """The batch mixes the strength before rounding, the preview mixes its rounded result."""
    photo = write_image(tmp_path / "dark.png", h=80, w=100, seed=2)
    settings = Settings(strength=0.6, denoise=0.5)
    _, saved = preview_and_save(base_model, photo, settings, tmp_path / "s.png", tile=64)
    written = batch_output(base_model, photo, settings, tmp_path / "batch", tile=64)
    diff = read_photo(saved).data.astype(int) - read_photo(written).data.astype(int)
    assert np.abs(diff).max() <= 1
    assert read_record(read_photo(saved).xmp)["strength"] == "0.6"


@pytest.mark.skipif(not REAL_DEV.exists() and not os.environ.get("CI"), reason="needs ../shared")
def test_the_shipped_model_on_a_real_photo(qapp, tmp_path):
    model = default_model_path()
    assert model.exists()
    photo = REAL_DEV / "29.jpg"  # a classroom whose windows hold the exposure: Auto lifts it
    check_same(model, photo, Settings(exposure=0.3, denoise=0.8), tmp_path, tile=512)
