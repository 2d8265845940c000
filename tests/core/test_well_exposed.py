"""Well exposed means untouched (issue 31): the whole photo decides (``enhance.well_exposed``:
the head's gain, the median, light sources, where the dark pixels are), not its darkest 30 %,
so a normally exposed photo is reported "left unchanged" and copied, while night scenes are
still lifted."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from lowlight_gui.core.enhance import (
    WELL_GAIN,
    WELL_MEDIAN,
    WELL_P30,
    conditioning,
    enhance_pixels,
    unchanged_reason,
    well_exposed,
)
from tests.core.test_shadow_lift import LiftEngine

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "data"
LOL = SHARED / "lol" / "train"
needs_shared = pytest.mark.skipif(
    not LOL.exists() and not os.environ.get("CI"), reason="needs ../shared"
)


def room(median: float = 0.45, black: float = 0.2, top_dark: bool = False) -> np.ndarray:
    """An indoor photo: walls at ``median``, a dark sofa (0.09) over ``black`` of the frame at
    the bottom, or the dark part across the top instead (``top_dark``: a night sky)."""
    img = np.full((90, 120, 3), median, np.float32)
    img[:, :40] *= 1.3  # a lit wall beside a shaded one
    rows = round(black * 90)
    if top_dark:
        img[:rows] = 0.09
    else:
        img[90 - rows :] = 0.09
    return img


def test_a_well_exposed_room_with_a_dark_sofa_is_left_unchanged():
    photo = room(black=0.35)  # its darkest 30 % is below SHADOW_FLOOR: the old rule lifted it
    engine = LiftEngine(stops=0.0)  # the head asks for no brightening
    assert np.percentile(photo @ np.float32([0.299, 0.587, 0.114]), 30) < 0.10
    c = conditioning(photo, engine)
    assert c.weight == 0.0 and c.lift == 0.0
    assert unchanged_reason(photo, engine) == "already well exposed: left unchanged"
    assert np.array_equal(enhance_pixels(photo, engine, tile=0), photo)


def test_a_dark_top_third_a_low_median_or_lamps_make_it_a_photo_to_enhance():
    engine = LiftEngine(stops=0.0)
    # the same dark share across the top: a night sky above a lit street
    assert conditioning(room(black=0.4, top_dark=True), engine).weight > 0.0
    # a mid-dark median without light sources
    assert conditioning(room(median=WELL_MEDIAN - 0.05, black=0.1), engine).weight > 0.0
    # the same median is well exposed without lamps, not with lamps filling 3 % of the frame
    lit = room(median=0.3, black=0.1)
    assert conditioning(lit, engine).weight == 0.0
    lit.reshape(-1, 3)[: round(0.03 * lit.shape[0] * lit.shape[1])] = 0.97
    assert conditioning(lit, engine).weight > 0.0


def test_the_head_or_the_person_asking_for_more_changes_the_photo():
    photo = room(black=0.1)
    assert conditioning(photo, LiftEngine(stops=np.log2(WELL_GAIN) + 0.1)).weight > 0.0
    engine = LiftEngine(stops=0.0)
    assert conditioning(photo, engine, exposure=1.0).weight > 0.0  # +1 EV asked for
    assert conditioning(photo, engine, shadows=1.0).weight > 0.0  # a lift asked for
    assert conditioning(photo, engine, shadows=0.0).weight == 0.0  # no lift: still nothing
    # a darker exposure makes it a photo to darken, not one to leave as it is
    assert unchanged_reason(photo, engine, exposure=-1.0) is None


def test_well_exposed_reads_the_whole_photo():
    photo = room(black=0.1)
    assert well_exposed(photo, 1.0)
    assert not well_exposed(photo, WELL_GAIN + 0.01)
    assert not well_exposed(photo, 1.0, exposure=-1.5)  # half the median and less
    assert not well_exposed(room(black=0.4, top_dark=True), 1.0)
    assert not well_exposed(np.full((30, 40, 3), 0.02, np.float32), 1.0)
    near_black = room(black=0.35)
    near_black[near_black < 0.1] = WELL_P30 - 0.01  # its darkest 30 %: issue 17's near black
    assert not well_exposed(near_black, 1.0)


def _shipped_engine():
    from lowlight_gui.core.engine import Engine
    from lowlight_gui.resources import default_model_path

    return Engine(default_model_path(), provider="CPU")


def _training_references(every: int) -> list[Path]:
    from lowlight_gui.core.pairs import find_pairs

    names = set((ROOT / "training/splits/train.txt").read_text().split())
    highs = sorted({p.high for p in find_pairs(LOL / "low", LOL / "high", only=names)})
    return highs[::every]


@needs_shared
def test_lol_references_are_left_unchanged_by_the_shipped_model():
    """LOL's references are normally exposed indoor photos: 373 of all 399 are left unchanged
    (none before issue 31); a sample of the training split's must be too, nearly all of them."""
    from lowlight_gui.core.imageio import read_photo

    engine = _shipped_engine()
    refs = _training_references(every=12)
    assert len(refs) >= 25
    unchanged = [unchanged_reason(read_photo(p).data, engine) is not None for p in refs]
    assert sum(unchanged) >= 0.85 * len(refs), f"{sum(unchanged)} of {len(refs)} unchanged"


@needs_shared
def test_a_well_exposed_reference_is_copied_byte_for_byte(tmp_path):
    from lowlight_gui.core.batch import BatchOptions, collect_jobs, run_batch

    ref = LOL / "high" / "10.webp"  # (2.webp is one of the 25 still lifted: 0.74 stops)
    opts = BatchOptions(output_dir=tmp_path)
    result = run_batch(collect_jobs([ref], opts), _shipped_engine(), opts)
    assert len(result.done) == 1 and not result.failed
    assert "already well exposed: left unchanged" in result.done[0].notes
    (out,) = [p for p in tmp_path.iterdir() if p.is_file()]
    assert out.read_bytes() == ref.read_bytes()


@needs_shared
@pytest.mark.parametrize(
    "name",
    [
        "real-dev/01.jpg",  # median luma 0.01, its top third 93 % dark
        "real-dev/21.jpg",  # median 0.06, 11 % of the frame near full scale
        "real-dev/27.jpg",  # the darkest: the Washington Monument at night (head gain 6.8)
        "real-dev/29.jpg",  # median 0.06 beside windows at full scale
        "real-dev/61.jpg",  # median 0.13, 13 % near full scale
        "real-highres/city_night_iso51200_single_vs_merged.jpg",
        "real-highres/phone_night_street_iso1200.jpg",
    ],
)
def test_night_photos_are_still_enhanced(name):
    from lowlight_gui.core.imageio import read_photo

    engine = _shipped_engine()
    c = conditioning(read_photo(SHARED / name).data, engine)
    assert c.weight > 0.0
    assert c.lift > 0.0 or (c.gain is not None and c.gain > WELL_GAIN)
