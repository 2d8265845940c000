"""Shadow lift (``enhance.auto_lift`` and ``conditioning(shadows=)``): a photo whose lamps or
sky are already near full scale, and whose result stays dark, gets its shadows and mid-tones
lifted through the model's shoulder (white kept white); a dark photo without such highlights,
the kind the exposure head brightens by itself, is left to the head."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from lowlight_gui.core.enhance import (
    LIFT_KEY,
    SHADOW_FLOOR,
    SHADOWS_MAX,
    auto_lift,
    check_shadows,
    conditioning,
    enhance_pixels,
    lift_for_stops,
    stops_for_lift,
)
from lowlight_gui.core.errors import LowlightError
from lowlight_gui.core.settings import Settings
from tests.core.test_highlights import HeadEngine

LUMA = np.array([0.299, 0.587, 0.114], np.float32)


@dataclass
class LiftEngine(HeadEngine):
    """``HeadEngine`` (gain 2**(stops + EV), ``push`` on bright areas, highlight budget ``clip``)
    with a lift input: the shoulder y (1 + h) / (1 + h y) before the push, as the exported v3
    graph lifts before its U-Net."""

    stops: float = 0.0
    clip: float = 1.0  # the highlight budget (1: off)
    has_lift: bool = True

    def condition(self, thumb, exposure=0.0, *, cancel=None, lift=0.0):
        return super().condition(thumb, exposure)

    def run(self, batch, gain=None, *, thumb=None, exposure=0.0, cancel=None, denoise=1.0,
            lift=0.0):
        assert self.has_lift or lift == 0.0
        y = np.clip(batch * np.exp(self.condition(thumb, exposure)[0]), 0, 1)
        y = y * (1 + lift) / (1 + lift * y) + self.push * (batch > 0.5)
        return np.clip(y, 0, 1).astype(np.float32)


def night_street(lamps: float = 0.03, dark: float = 0.2) -> np.ndarray:
    """A dark street with lamps at full scale covering ``lamps`` of the frame; its median is
    ``dark`` (the lamps and a darker shade take 40 % of it)."""
    img = np.full((80, 100, 3), dark, np.float32)
    img[:, :37] *= 0.6  # some structure: two shades of shadow
    img.reshape(-1, 3)[: round(lamps * 8000)] = 0.97
    return img


def median_luma(img: np.ndarray) -> float:
    return float(np.median(img @ LUMA))


def test_a_photo_with_lamps_and_dark_shadows_is_lifted_to_the_key_and_lamps_stay():
    photo = night_street()
    c = conditioning(photo, LiftEngine())
    assert 0.0 < c.lift <= lift_for_stops(SHADOWS_MAX)
    out = enhance_pixels(photo, LiftEngine(), tile=0)
    assert median_luma(out) == pytest.approx(LIFT_KEY, abs=0.01)
    assert out.max() <= 1.0 and (out >= 254.5 / 255).sum() == (photo >= 254.5 / 255).sum()
    # the lamps stay the brightest part, and the two shades keep their order
    assert out[0, 0, 0] > out[40, 80, 0] > out[40, 10, 0]
    assert (out >= photo - 1e-6).all()  # lifted, nowhere darkened


def test_no_lift_without_highlights_or_when_the_result_is_bright_enough():
    # dark all over, no light source: the exposure head's own job (LOL's kind of photo)
    assert conditioning(night_street(lamps=0.0), LiftEngine()).lift == 0.0
    # a few glints (0.4 % of the frame) do not make a high-contrast scene
    assert conditioning(night_street(lamps=0.004), LiftEngine()).lift == 0.0
    # lamps, but the head's own exposure already reaches the key
    assert conditioning(night_street(dark=0.6), LiftEngine()).lift == 0.0


def backlit(shadow: float = 0.04, share: float = 0.4) -> np.ndarray:
    """A backlit scene without light sources: a mid-grey sky, ``share`` of it in deep shadow."""
    img = np.full((80, 100, 3), 0.5, np.float32)
    img[:, : round(share * 100)] = shadow
    return img


def test_black_shadows_are_lifted_to_a_readable_grey_with_or_without_lamps():
    """A result whose darkest 30 % stays black (a backlit tree) is not well exposed, lamps or
    not: its 30th percentile comes up to SHADOW_FLOOR, the sky keeps its order above it."""
    photo = backlit()
    engine = LiftEngine(stops=0.0)  # the head leaves its brightness as it is
    c = conditioning(photo, engine)
    assert c.lift > 0.0
    out = enhance_pixels(photo, engine, tile=0)
    assert np.percentile(out @ LUMA, 30) == pytest.approx(SHADOW_FLOOR, abs=0.002)
    assert out[0, -1, 0] > out[0, 0, 0] and (out >= photo - 1e-6).all()
    # shadows already readable, or too few of them to make the darkest 30 %: no lift
    assert conditioning(backlit(shadow=SHADOW_FLOOR + 0.01), engine).lift == 0.0
    assert conditioning(backlit(share=0.25), engine).lift == 0.0
    # a black result gets the most the lift gives, not more
    assert conditioning(backlit(shadow=0.0), engine).lift == pytest.approx(
        lift_for_stops(SHADOWS_MAX)
    )


def test_the_lift_grows_with_the_bright_share_and_stops_at_two_stops():
    small = night_street(lamps=0.0125)  # halfway between BRIGHT_FROM and BRIGHT_FULL
    full = night_street(lamps=0.05)
    half, whole = conditioning(small, LiftEngine()).lift, conditioning(full, LiftEngine()).lift
    assert half == pytest.approx(whole / 2, rel=0.05)
    black = night_street(dark=0.03)  # would need far more than two stops
    assert conditioning(black, LiftEngine()).lift == pytest.approx(lift_for_stops(SHADOWS_MAX))


def test_an_exposure_offset_moves_the_photo_and_keeps_the_lift():
    photo, engine = night_street(dark=0.1), LiftEngine(stops=1.0)  # the head doubles it
    at0 = conditioning(photo, engine)
    assert at0.lift > 0.0
    brighter = conditioning(photo, engine, exposure=1.0)
    assert brighter.lift == at0.lift and brighter.exposure == 1.0
    darker = enhance_pixels(photo, engine, tile=0, exposure=-1.0)
    assert median_luma(darker) < median_luma(enhance_pixels(photo, engine, tile=0)) - 0.05


def test_the_person_sets_the_lift_in_stops_or_turns_it_off():
    photo = night_street()
    assert conditioning(photo, LiftEngine(), shadows=0.0).lift == 0.0
    assert conditioning(photo, LiftEngine(), shadows=1.0).lift == pytest.approx(1.0)
    np.testing.assert_allclose(
        enhance_pixels(photo, LiftEngine(), tile=0, shadows=0.0), np.clip(photo, 0, 1), atol=1e-6
    )
    assert stops_for_lift(lift_for_stops(1.5)) == pytest.approx(1.5)
    for bad in (-0.5, 2.5, float("nan")):
        with pytest.raises(LowlightError, match="shadows must be between"):
            check_shadows(bad)


def test_models_without_a_lift_input_are_never_handed_one():
    photo = night_street()
    engine = LiftEngine(has_lift=False)  # its run asserts lift == 0
    assert conditioning(photo, engine).lift == 0.0
    enhance_pixels(photo, engine, tile=0)


def test_auto_lift_reads_the_result_not_the_photo():
    small = night_street()
    bright_result = np.full((3, 80, 100), 0.5, np.float32)
    assert auto_lift(small, bright_result) == 0.0
    dark_result = np.full((3, 80, 100), 0.25, np.float32)
    h = auto_lift(small, dark_result)
    assert 0.25 * (1 + h) / (1 + h * 0.25) == pytest.approx(LIFT_KEY)


def test_the_lift_keeps_the_highlight_budget():
    """A bright sky the lift brings close to white (where the network's detail clips it) gets
    a smaller lift, a quarter stop at a time, until the result keeps the budget."""
    from lowlight_gui.core.enhance import newly_clipped, probe, probe_result

    photo = night_street(lamps=0.0)
    photo[:, :] = 0.2
    photo[:3] = 1.0  # lamps, clipped already: bright, and not newly clipped
    photo[3:20] = 0.85  # a sky: 0.85 + 0.1 stays below white unless lifted
    engine = LiftEngine(push=0.1, clip=0.02)
    free = conditioning(photo, LiftEngine(push=0.1, clip=1.0)).lift
    c = conditioning(photo, engine)
    assert 0.0 < c.lift < free
    small = probe(photo, engine.factor)
    assert newly_clipped(small, probe_result(engine, small, None, 0.0, c.lift)) <= 0.02
    # a quarter stop more would break it: the largest lift that keeps the budget
    more = lift_for_stops(stops_for_lift(c.lift) + 0.25)
    assert newly_clipped(small, probe_result(engine, small, None, 0.0, more)) > 0.02


def test_the_batch_reports_what_it_decided(tmp_path):
    """Each finished photo says the exposure its network got and its lift (`lowlight -v`)."""
    from PIL import Image

    from lowlight_gui.core.batch import BatchOptions, collect_jobs, run_batch

    Image.fromarray((night_street() * 255).astype(np.uint8)).save(tmp_path / "street.png")
    opts = BatchOptions(tile=0)
    result = run_batch(collect_jobs([tmp_path / "street.png"], opts), LiftEngine(), opts)
    (done,) = result.done
    assert done.decisions.exposure == 0.0 and done.decisions.shadows > 0.5
    opts = BatchOptions(tile=0, settings=Settings(shadows=0.0), overwrite=True)
    result = run_batch(collect_jobs([tmp_path / "street.png"], opts), LiftEngine(), opts)
    assert result.done[0].decisions.shadows == 0.0


def test_the_stops_highlight_protection_takes_off_go_back_to_the_shadows():
    """A sky the head would blow lowers the exposure half a stop; the shadows get that half stop
    back through the shoulder (the sky is not near white in the photo, so auto_lift alone would
    not lift it)."""
    from tests.core.test_highlights import sky_photo

    photo = sky_photo(sky=0.6, dark=0.1)  # x2 would put the sky at 1.2
    engine = LiftEngine(stops=1.0, clip=0.02)
    c = conditioning(photo, engine)
    assert c.exposure == pytest.approx(-0.5)
    assert stops_for_lift(c.lift) == pytest.approx(0.5)
    out = enhance_pixels(photo, engine, tile=0)
    assert out[:20].max() < 0.95  # the sky still held
    y = 0.1 * 2**0.5  # the shadows after the half stop down, then through the shoulder
    assert out[30:].mean() == pytest.approx(y * 2**0.5 / (1 + (2**0.5 - 1) * y), rel=1e-3)
    # an explicit setting is taken as it is
    assert conditioning(photo, engine, shadows=0.0).lift == 0.0
