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
