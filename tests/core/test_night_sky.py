"""The night sky is kept out of the shadow lift (issue 31): where it is found, and how the lift is
taken back there."""

from __future__ import annotations

import numpy as np
import pytest

from lowlight_gui.core.night_sky import SkyHold, sky_map

H, W = 240, 320
SKY_ROWS = 96  # the top 40 %


def street(sky=(0.04, 0.05, 0.11), ground=0.3, lamp=True, seed=0) -> np.ndarray:
    """A night street as the model's result would show it: a flat navy sky over a textured,
    lamp-lit ground, a lamp in the sky with a soft glow."""
    rng = np.random.default_rng(seed)
    img = np.empty((H, W, 3), np.float32)
    img[:SKY_ROWS] = sky
    # the ground: facades, cars, a street: structure at many scales
    texture = rng.uniform(0.3, 1.7, (H - SKY_ROWS) // 8 + 1, ).astype(np.float32)
    rows = np.repeat(texture, 8)[: H - SKY_ROWS, None, None]
    cols = (1 + 0.5 * np.sign(np.sin(np.arange(W) / 3.0)))[None, :, None]
    fine = np.kron(rng.uniform(0.6, 1.4, ((H - SKY_ROWS) // 2, W // 2)), np.ones((2, 2)))
    img[SKY_ROWS:] = np.clip(ground * rows * cols * fine[:, :, None], 0, 1)
    if lamp:
        yy, xx = np.mgrid[:H, :W]
        r = np.hypot(yy - 50, xx - 220)
        glow = np.exp(-((r / 40.0) ** 2))[:, :, None].astype(np.float32)
        img = np.maximum(img, np.clip(1.4 * glow, 0, 1))
    return img


def as_result(img: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(img.transpose(2, 0, 1))


def test_a_flat_dark_sky_above_a_lit_street_is_found_with_its_lamps_glow():
    img = street()
    m = sky_map(img, as_result(img))
    assert m is not None and m.shape == (H, W) and m.dtype == np.float32
    assert m[5:70, :100].min() > 0.9  # the sky (softened over a few cells at its edge)
    assert m[SKY_ROWS + 30 :].max() < 0.05  # the ground keeps its lift
    assert m[50, 175] > 0.9  # the lamp's glow is part of the sky (no halo)
    assert 0.0 <= m.min() and m.max() <= 1.0


@pytest.mark.parametrize(
    "why, img",
    [
        # an underexposed day: the sky is the bright part of the photo
        ("day, bright sky", street(sky=(0.35, 0.45, 0.6), ground=0.2, lamp=False)),
        # an underexposed day whose sky is darker than the ground: its deep blue says day
        ("day, deep blue sky", street(sky=(0.04, 0.12, 0.32), ground=0.35, lamp=False)),
        # a lit ceiling above a dark room is not darker than the rest
        ("ceiling", street(sky=(0.1, 0.1, 0.1), ground=0.12, lamp=False)),
    ],
)
def test_no_night_sky_by_day_or_indoors(why, img):
    assert sky_map(img, as_result(img)) is None, why


def test_a_dark_band_standing_in_the_scene_is_no_sky():
    """A backlit tree, a dark wall: as wide at the bottom edge as at the top."""
    img = np.full((H, W, 3), 0.5, np.float32)
    img[:, :120] = 0.04
    assert sky_map(img, as_result(img)) is None


def test_too_small_a_dark_top_is_no_sky():
    img = street()
    img[:SKY_ROWS] = street()[SKY_ROWS:SKY_ROWS * 2]  # the ground up to the top...
    img[:12, :40] = (0.04, 0.05, 0.11)  # ...but for a dark awning in a corner
    assert sky_map(img, as_result(img)) is None


def shoulder(v: np.ndarray, h: float) -> np.ndarray:
    """The lift's curve on the largest channel (the model's shoulder, ``colour_lift``)."""
    return v * (1 + h) / (1 + h * v)


def test_the_hold_takes_the_lift_back_in_the_sky_only_and_keeps_white():
    h = 2.0
    sky = np.zeros((H, W), np.float32)
    sky[: H // 2] = 1.0
    v = np.linspace(0.0, 1.0, W, dtype=np.float32)[None, :, None]
    colour = np.array([0.5, 0.7, 1.0], np.float32)  # navy: blue the largest channel
    unlifted = np.broadcast_to(v * colour, (H, W, 3)).copy()
    lifted = unlifted * (shoulder(v, h) / np.maximum(v, 1e-6))
    rows = lifted.copy()
    SkyHold(sky, lift=h, keep=1.0, height=H, width=W).apply(rows, 0)
    np.testing.assert_allclose(rows[:100], unlifted[:100], atol=1e-5)  # the sky: as unlifted
    np.testing.assert_allclose(rows[140:], lifted[140:], atol=1e-6)  # the ground: lifted
    assert rows[0, -1] == pytest.approx(lifted[0, -1])  # white stays white
    half = lifted.copy()
    SkyHold(sky, lift=h, keep=0.5, height=H, width=W).apply(half, 0)
    expect = unlifted[:100] * (shoulder(v, h / 2) / np.maximum(v, 1e-6))
    np.testing.assert_allclose(half[:100, 1:], expect[:, 1:], atol=1e-5)  # half the lift


def test_the_hold_reads_the_same_place_for_a_band_or_a_region():
    rng = np.random.default_rng(1)
    sky = np.clip(rng.uniform(-0.5, 1.5, (40, 60)), 0, 1).astype(np.float32)
    image = rng.uniform(0, 1, (300, 500, 3)).astype(np.float32)
    hold = SkyHold(sky, lift=1.5, keep=1.0, height=300, width=500)
    whole = image.copy()
    hold.apply(whole, 0)
    part = image[120:200, 310:460].copy()
    hold.apply(part, 120, 310)
    np.testing.assert_array_equal(part, whole[120:200, 310:460])


@pytest.mark.parametrize("seed", range(6))
def test_any_photo_gives_no_map_or_one_in_range(seed):
    """Black, all sky, tiny, noise, stripes: no error, and a map is a float32 map in 0..1."""
    rng = np.random.default_rng(seed)
    h, w = [(8, 8), (40, 30), (97, 131), (240, 320), (12, 400), (300, 7)][seed]
    photos = [
        np.zeros((h, w, 3), np.float32),  # black: a sky that stands on the bottom edge
        np.full((h, w, 3), 0.05, np.float32),  # all dark sky, no scene below it
        rng.uniform(0, 1, (h, w, 3)).astype(np.float32),
        np.repeat(np.linspace(0, 1, w, dtype=np.float32)[None, :, None], h, 0).repeat(3, 2),
    ]
    for i, img in enumerate(photos):
        m = sky_map(img, as_result(img))
        if i < 2:
            assert m is None
        elif m is not None:
            assert m.shape == (h, w) and m.dtype == np.float32
            assert 0.0 <= m.min() and m.max() <= 1.0


@pytest.mark.parametrize("kind", ["rgb8", "rgb16", "grey8"])
def test_the_pipeline_keeps_the_sky_unlifted_and_lifts_the_ground(kind):
    """Through ``conditioning`` and ``develop`` with a model that lifts as the shipped one does:
    Auto lifts the street (its lamp holds the exposure), the sky comes out as it would unlifted,
    the ground as lifted; a grey or 16-bit photo alike."""
    from lowlight_gui.core.enhance import conditioning, enhance_pixels
    from tests.core.test_shadow_lift import LiftEngine

    img = street(sky=(0.06, 0.06, 0.06))
    scale = {"rgb8": 255, "rgb16": 65535, "grey8": 255}[kind]
    dtype = np.uint16 if kind == "rgb16" else np.uint8
    photo = (img * scale).round().astype(dtype)
    if kind == "grey8":
        photo = np.ascontiguousarray(photo[:, :, 1])
    engine = LiftEngine()
    c = conditioning(photo, engine)
    assert c.lift > 0.5 and c.sky is not None
    kept = enhance_pixels(photo, engine, tile=0).astype(np.float32) / scale
    unlifted = enhance_pixels(photo, engine, tile=0, shadows=0.0).astype(np.float32) / scale
    lifted = enhance_pixels(photo, engine, tile=0, night_sky=0.0).astype(np.float32) / scale
    sky, ground = np.s_[5:70, :100], np.s_[SKY_ROWS + 30 :]
    assert np.abs(kept[sky] - unlifted[sky]).max() <= 1.5 / 255
    assert (lifted[sky] > unlifted[sky] + 0.05).all()  # (what it would be without the hold)
    assert np.abs(kept[ground] - lifted[ground]).max() <= 1 / 255 + 1e-6  # (the map's soft edge)
    assert (kept[ground] == lifted[ground]).mean() > 0.99


def test_the_sky_level_is_the_photos_own_where_the_model_brightens_it():
    from lowlight_gui.core.night_sky import NIGHT_LEVEL, SKY_LIFT_MIN, sky_lift

    photo = np.full((64, 64, 3), 0.12, np.float32)

    def res(level: float) -> np.ndarray:
        return np.full((3, 64, 64), level, np.float32)

    h = sky_lift(photo, res(0.2), res(0.2))  # the model makes the sky 0.2 from 0.12
    assert h < 0 and shoulder(np.float32(0.2), h) == pytest.approx(0.12, abs=1e-6)
    assert sky_lift(photo, res(0.1), res(0.1)) == 0.0  # no brighter than photographed
    # an exposure offset (the result at the network's EV 0.3, at the photo's own 0.2) moves
    # the sky with the rest: the same share of it is taken back
    h = sky_lift(photo, res(0.2), res(0.3))
    assert shoulder(np.float32(0.3), h) == pytest.approx(0.3 * 0.12 / 0.2, abs=1e-6)
    # a black sky is not pushed blacker, and a bright one is darkened at most SKY_LIFT_MIN
    dark = np.full((64, 64, 3), 0.01, np.float32)
    assert shoulder(np.float32(0.15), sky_lift(dark, res(0.15), res(0.15))) == pytest.approx(
        NIGHT_LEVEL, abs=1e-6)
    assert sky_lift(dark, res(0.05), res(0.05)) == 0.0
    assert sky_lift(dark, res(0.9), res(0.9)) == SKY_LIFT_MIN
    # the level is read on the patch's centre: its edge lacks the network's context
    edged = res(0.2)
    edged[:, :8] = 0.9
    assert sky_lift(photo, edged, edged) == pytest.approx(sky_lift(photo, res(0.2), res(0.2)))


@pytest.mark.parametrize("size", [(240, 320), (3000, 4000), (150, 100)])
def test_the_sky_is_read_at_full_size_deep_inside_it(size):
    from lowlight_gui.core.night_sky import PATCH, sky_patch

    height, width = size
    m = sky_map(street(), as_result(street()))
    top, left, side = sky_patch(m, height, width, factor=4)
    assert side % 4 == 0 and side <= PATCH and 0 <= top <= height - side and 0 <= left <= width - side
    cy, cx = (top + side / 2) * H / height, (left + side / 2) * W / width
    assert m[int(cy), int(cx)] > 0.99  # in the sky (the map at the probe's size)


def test_the_hold_gives_the_sky_its_own_darker_curve_and_keeps_white():
    v = np.linspace(0.0, 1.0, W, dtype=np.float32)[None, :, None]
    sky = np.zeros((H, W), np.float32)
    sky[: H // 2] = 1.0
    result = np.broadcast_to(v * np.array([0.5, 0.7, 1.0], np.float32), (H, W, 3)).copy()
    for lift in (0.0, 1.5):  # brightened by the exposure alone, or lifted too
        lifted = result * (shoulder(v, lift) / np.maximum(v, 1e-6))
        rows = lifted.copy()
        SkyHold(sky, lift=lift, own=-0.4, keep=1.0, height=H, width=W).apply(rows, 0)
        expect = result * (shoulder(v, -0.4) / np.maximum(v, 1e-6))
        np.testing.assert_allclose(rows[:100], expect[:100], atol=1e-5)
        np.testing.assert_allclose(rows[140:], lifted[140:], atol=1e-6)  # the ground as it was
        assert rows[0, -1, 2] == pytest.approx(1.0)  # white stays white


def test_the_pipeline_brings_a_lifted_sky_the_exposure_brightens_back_to_its_own_level():
    """A lift by hand and a model whose exposure brightens the photo half a stop: the sky comes
    out as bright as photographed (the lift and the exposure's brightening both taken back), the
    ground lifted; an exposure offset moves the sky with the rest; Night sky at 0 % leaves it
    brightened. With no lift nothing is held: a photo the exposure alone brings up is most often
    a dim room."""
    from lowlight_gui.core.enhance import conditioning, enhance_pixels
    from tests.core.test_shadow_lift import LiftEngine

    img = street(sky=(0.1, 0.11, 0.2))
    photo = (img * 255).round().astype(np.uint8)
    engine = LiftEngine(stops=0.5)
    c = conditioning(photo, engine, shadows=0.5)
    assert c.lift > 0.0 and c.sky is not None and c.sky_lift < 0.0
    assert conditioning(photo, engine, shadows=0.0).sky is None
    luma = np.array([0.299, 0.587, 0.114], np.float32)
    sky, ground = np.s_[5:70, :100], np.s_[SKY_ROWS + 30 :]

    def out(**kw) -> np.ndarray:
        return enhance_pixels(photo, engine, tile=0, shadows=0.5, **kw).astype(np.float32) / 255

    kept, brightened = out(), out(night_sky=0.0)
    own = float(np.median(photo[sky].astype(np.float32) / 255 @ luma))
    assert np.median(kept[sky] @ luma) == pytest.approx(own, abs=0.01)
    assert np.median(brightened[sky] @ luma) > 1.35 * own
    assert np.abs(kept[ground] - brightened[ground]).max() <= 1 / 255 + 1e-6  # (the soft edge)
    assert (kept[ground] == brightened[ground]).mean() > 0.99
    brighter = out(exposure=0.5)
    assert np.median(brighter[sky] @ luma) == pytest.approx(own * 2**0.5, abs=0.015)


@pytest.mark.parametrize("ceiling", [0.004, 0.01])
def test_a_dim_room_whose_dark_ceiling_the_exposure_brings_up_evenly_has_no_sky(ceiling):
    """A photo nearly black all over (LOL's indoor pairs): its ceiling is flat, dark and on top,
    and darker than the rest by the photo's tiny levels, but the model's result shows it about as
    bright as the rest: no night sky."""
    img = street(sky=(ceiling,) * 3, ground=0.02, lamp=False)
    result = street(sky=(0.2, 0.2, 0.2), ground=0.28, lamp=False)
    assert sky_map(img, as_result(result)) is None
    assert sky_map(img, as_result(street(sky=(0.05, 0.05, 0.05), ground=0.3, lamp=False))) is not None
