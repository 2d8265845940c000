"""The one per-photo pipeline (core/pipeline.py): a plan decided once, regions equal to the same
pixels of the whole result, what was ignored said, and the keyword forms kept."""

from __future__ import annotations

import numpy as np
import pytest

from lowlight_gui.core.engine import Engine
from lowlight_gui.core.enhance import SmallCopies, conditioning, enhance_pixels
from lowlight_gui.core.pipeline import (
    GREY_MESSAGE,
    Plan,
    develop,
    ignored_settings,
    plan,
)
from lowlight_gui.core.settings import DEFAULTS, SPECS_BY_KEY, Settings
from lowlight_gui.core.tiling import Box
from tests.conftest import smooth_noisy
from tests.models import make_head_model


def stored(h: int, w: int, dtype=np.uint8, seed: int = 0) -> np.ndarray:
    scale = np.iinfo(dtype).max
    return np.round(smooth_noisy(h, w, seed=seed, level=0.12) * scale).astype(dtype)


@pytest.fixture(scope="module")
def lift_engine(model_dir) -> Engine:
    return Engine(make_head_model(model_dir / "pipeline_lift.onnx"), provider="CPU", threads=1)


@pytest.fixture(scope="module")
def base_engine(base_model) -> Engine:
    return Engine(base_model, provider="CPU", threads=1)


BOXES = [
    Box(0, 0, 1, 1),  # a corner pixel
    Box(37, 51, 90, 70),  # inside, off the factor grid
    Box(100, 120, 310, 180),  # to the right and bottom borders
    Box(0, 0, 410, 300),  # the whole photo
]


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
@pytest.mark.parametrize("box", BOXES)
def test_a_region_is_the_same_pixels_of_the_whole_result(base_engine, box, dtype):
    data = stored(300, 410, dtype)
    settings = Settings(denoise=0.6, colour_noise=0.5, strength=0.7, exposure=0.4)
    how = plan(data, base_engine, settings)
    whole, decided = develop(data, base_engine, how, tile=128)
    part, same = develop(data, base_engine, how, tile=128, region=box)
    assert part.shape == (box.height, box.width, 3) and part.dtype == dtype
    np.testing.assert_array_equal(part, whole[box.y : box.bottom, box.x : box.right])
    assert same == decided


def test_a_region_runs_only_the_tiles_that_reach_it(lift_engine):
    data = stored(300, 410)
    how = plan(data, lift_engine)
    counts = []
    for region in (None, Box(5, 5, 20, 20)):
        seen: list[int] = []
        develop(
            data,
            lift_engine,
            how,
            tile=128,
            region=region,
            on_tile=lambda _done, total, seen=seen: seen.append(total),
        )
        counts.append(seen[-1])
    assert counts[1] == 1 < counts[0]


def test_a_region_uses_the_whole_photos_conditioning(lift_engine):
    """A dark corner of a photo with a bright sky is developed as part of that photo (its
    exposure and lift), not as a photo of its own."""
    data = stored(200, 240)
    data[:80] = 250  # a bright sky holds the exposure down
    box = Box(0, 150, 60, 50)
    how = plan(data, lift_engine)
    part = develop(data, lift_engine, how, tile=0, region=box).pixels
    alone = develop(np.ascontiguousarray(data[150:200, :60]), lift_engine, tile=0).pixels
    whole = develop(data, lift_engine, how, tile=0).pixels
    np.testing.assert_array_equal(part, whole[150:200, :60])
    assert not np.array_equal(part, alone)


def test_the_plan_is_decided_once_and_reused(lift_engine, monkeypatch):
    from lowlight_gui.core import pipeline

    data = stored(120, 160)
    settings = Settings(exposure=-0.5)
    calls = []
    real = pipeline.conditioning
    monkeypatch.setattr(pipeline, "conditioning", lambda *a, **k: calls.append(1) or real(*a, **k))
    how = plan(data, lift_engine, settings)
    assert isinstance(how, Plan) and len(calls) == 1
    a = develop(data, lift_engine, how, tile=64)
    b = develop(data, lift_engine, how, tile=64, region=Box(10, 10, 30, 30))
    assert len(calls) == 1 and a.decisions == b.decisions == how.decisions
    c = develop(data, lift_engine, settings, tile=64)  # settings alone: planned there
    assert len(calls) == 2
    np.testing.assert_array_equal(a.pixels, c.pixels)


def test_a_photos_small_copies_serve_its_plans_at_other_settings(lift_engine, monkeypatch):
    """The window keeps a photo's ``SmallCopies``: a plan at new settings reuses the resized
    copies and the model's results on them, and is the plan made without them."""
    from lowlight_gui.core import enhance

    data = stored(120, 160)
    data[:30] = 252  # (highlight protection runs the model at several exposures)
    runs = []
    real = enhance.probe_result
    monkeypatch.setattr(enhance, "probe_result", lambda *a, **k: runs.append(a[3]) or real(*a, **k))
    copies = SmallCopies(data)
    for settings in (DEFAULTS, Settings(exposure=0.5), DEFAULTS, Settings(exposure=0.5)):
        runs.clear()
        fresh = plan(data, lift_engine, settings)
        fresh_runs = len(runs)
        runs.clear()
        kept = plan(data, lift_engine, settings, copies=copies)
        assert kept.conditioning.exposure == fresh.conditioning.exposure
        assert kept.conditioning.lift == fresh.conditioning.lift
        np.testing.assert_array_equal(kept.conditioning.thumb, fresh.conditioning.thumb)
        assert kept.decisions == fresh.decisions
        assert len(runs) <= fresh_runs
    assert runs == []  # the second time round, every run was kept
    # a grey photo's HxW pixels and their HxWx1 view are the same photo; another is refused
    grey = stored(64, 80)
    assert SmallCopies(grey).matches(grey[:, :, None])
    with pytest.raises(ValueError, match="another photo"):
        conditioning(stored(120, 160, seed=1), lift_engine, 0.0, None, copies=copies)


def test_decisions_say_what_the_conditioning_chose(lift_engine):
    data = stored(120, 160)
    data[:30] = 252
    cond = conditioning(data, lift_engine, 0.5, None)
    d = plan(data, lift_engine, Settings(exposure=0.5)).decisions
    assert (d.exposure, d.lift) == (cond.exposure, cond.lift)
    assert d.shadows == pytest.approx(np.log2(1 + cond.lift))
    assert d.unsupported == ("denoise",) and d.unchanged is None
    assert d.ignored == () and d.notes == ()
    fixed = plan(data, lift_engine, Settings(shadows=1.0)).decisions
    assert fixed.shadows == pytest.approx(1.0)


def test_what_a_model_or_a_grey_photo_cannot_apply_is_said(engine, base_engine, lift_engine):
    asked = Settings(denoise=0.5, shadows=1.0, colour_noise=0.4)
    assert ignored_settings(engine, asked) == {
        "denoise": SPECS_BY_KEY["denoise"].needs.why,
        "shadows": SPECS_BY_KEY["shadows"].needs.why,
    }
    assert ignored_settings(base_engine, asked) == {"shadows": SPECS_BY_KEY["shadows"].needs.why}
    assert ignored_settings(lift_engine, asked, grey=True) == {
        "denoise": SPECS_BY_KEY["denoise"].needs.why,
        "colour_noise": GREY_MESSAGE,
    }
    assert ignored_settings(engine, DEFAULTS, grey=True) == {}  # defaults are never ignored


def test_a_grey_photo_keeps_its_colour_noise_setting_but_says_it_has_none(base_engine):
    grey = stored(64, 80)[:, :, :1]
    with_cn = develop(grey, base_engine, Settings(colour_noise=0.8), tile=0)
    without = develop(grey, base_engine, DEFAULTS, tile=0)
    np.testing.assert_array_equal(with_cn.pixels, without.pixels)
    assert with_cn.decisions.ignored == ("colour_noise",)
    assert with_cn.decisions.notes == (GREY_MESSAGE,)
    flat = develop(grey[:, :, 0], base_engine, Settings(colour_noise=0.8), tile=0)  # HxW too
    np.testing.assert_array_equal(flat.pixels, without.pixels[:, :, 0])


def test_an_unchanged_photo_says_why(base_engine):
    data = stored(40, 56)
    d = develop(data, base_engine, Settings(strength=0.0), tile=0)
    np.testing.assert_array_equal(d.pixels, data)
    assert d.decisions.unchanged == "strength 0: left unchanged"
    assert d.decisions.notes == ("strength 0: left unchanged",)


def test_bad_regions_and_outputs_are_refused(engine):
    data = stored(40, 56)
    for box in (Box(0, 0, 57, 10), Box(-1, 0, 5, 5), Box(3, 3, 0, 4)):
        with pytest.raises(ValueError, match="region"):
            develop(data, engine, region=box)
    with pytest.raises(ValueError, match="out must be"):
        develop(data, engine, region=Box(0, 0, 8, 8), out=data)


def test_the_keyword_forms_are_the_pipeline(base_engine):
    data = stored(50, 70)
    settings = Settings(denoise=0.3, strength=0.8)
    expected = develop(data, base_engine, settings, tile=64).pixels
    np.testing.assert_array_equal(
        enhance_pixels(data, base_engine, tile=64, denoise=0.3, strength=0.8), expected
    )
    np.testing.assert_array_equal(enhance_pixels(data, base_engine, settings, tile=64), expected)
    with pytest.raises(TypeError, match="brightness"):
        enhance_pixels(data, base_engine, brightness=1.0)
    with pytest.raises(TypeError, match="Plan"):
        enhance_pixels(data, base_engine, plan(data, base_engine), denoise=0.5)
    with pytest.raises(TypeError, match="Settings or a Plan, not float"):
        enhance_pixels(data, base_engine, 0.5)  # the old positional strength


def test_a_batch_develops_each_photo_with_its_own_settings(tmp_path, base_engine):
    """BatchOptions.edits: a photo with settings of its own is developed with them, the others
    with BatchOptions.settings, each exactly as a batch of that photo alone at those settings."""
    from PIL import Image

    from lowlight_gui.core.batch import BatchOptions, collect_jobs, run_batch
    from lowlight_gui.core.imageio import read_photo

    a, b = tmp_path / "a.png", tmp_path / "b.png"
    Image.fromarray(stored(40, 56, seed=1)).save(a)
    Image.fromarray(stored(40, 56, seed=2)).save(b)
    own = Settings(exposure=2.0, denoise=0.5)
    both = BatchOptions(output_dir=tmp_path / "both", tile=0, edits={a.resolve(): own})
    assert both.settings_for(a.resolve()) == own and both.settings_for(b.resolve()) == DEFAULTS
    done = run_batch(collect_jobs([a, b], both), base_engine, both).done
    assert [d.settings for d in done] == [own, DEFAULTS]
    for path, settings in ((a, own), (b, DEFAULTS)):
        alone = BatchOptions(output_dir=tmp_path / path.stem, tile=0, settings=settings)
        [single] = run_batch(collect_jobs([path], alone), base_engine, alone).done
        np.testing.assert_array_equal(
            read_photo(tmp_path / "both" / single.output.name).data, read_photo(single.output).data
        )
    brighter = read_photo(done[0].output).data.mean()
    at_default = run_batch(
        collect_jobs([a], BatchOptions(output_dir=tmp_path / "a0", tile=0)),
        base_engine,
        BatchOptions(output_dir=tmp_path / "a0", tile=0),
    ).done[0]
    assert brighter > read_photo(at_default.output).data.mean() + 5
