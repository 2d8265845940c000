"""The camera-shot synthesis (training/synth.py) and model v3's head: the properties training
relies on, checked on small images."""

from __future__ import annotations

import os
from dataclasses import replace

import numpy as np
import pytest

if os.environ.get("CI"):
    import torch  # noqa: F401  (CI installs the train extra: a missing torch must fail, not skip)
else:
    pytest.importorskip("torch")


def _scene(size: int = 96) -> np.ndarray:
    """A clean test scene: smooth colour gradients and a few flat patches."""
    yy, xx = np.mgrid[0:size, 0:size] / size
    img = np.stack([0.2 + 0.6 * xx, 0.3 + 0.4 * yy, 0.5 - 0.3 * xx * yy], -1)
    img[20:50, 20:50] = (0.7, 0.5, 0.3)
    return img.astype(np.float32)


def test_curves_invert_exactly():
    from training.synth import linear_to_srgb, srgb_to_linear, tone, untone

    x = np.linspace(0, 1, 1001, dtype=np.float32)
    assert np.abs(tone(untone(x)) - x).max() < 1e-5
    assert np.abs(linear_to_srgb(srgb_to_linear(x)) - x).max() < 1e-5


def test_unprocess_process_round_trip_without_noise():
    from training.synth import Camera, demosaic_bilinear, mosaic, process, unprocess

    rng = np.random.default_rng(0)
    img = _scene()
    for _ in range(5):
        cam = Camera.draw(rng)
        assert np.allclose(cam.rgb2cam.sum(1), 1, atol=1e-5)
        back = process(unprocess(img, cam), cam)
        assert np.abs(back - img).max() < 2e-3
        # mosaic + demosaic keeps every sampled value and is exact on a flat colour
        flat = np.full((16, 16, 3), (0.3, 0.5, 0.2), np.float32)
        assert np.allclose(demosaic_bilinear(mosaic(flat, cam.phase), cam.phase), flat, atol=1e-6)


def _flat_noise(cam, rng) -> tuple[float, float]:
    """(noise std in a flat patch after brightening back, correlation with the right neighbour)."""
    from training.synth import synthesize

    img = np.full((96, 96, 3), 0.45, np.float32)
    low = synthesize(rng, img, cam)
    bright = low * (img.mean() / max(low.mean(), 1e-4))
    g = bright[..., 1] - bright[..., 1].mean()
    corr = float((g[:, :-1] * g[:, 1:]).mean() / max((g * g).mean(), 1e-12))
    return float(bright.std()), corr


def test_noise_grows_with_the_noise_level_and_is_correlated_by_demosaicing():
    from training.synth import Camera

    rng = np.random.default_rng(1)
    base = replace(Camera.draw(rng), darken=0.1, jpeg=0, chroma_nr=0.0, luma_nr=0.0,
                   use_tone=False, mottle=0.0)
    quiet, _ = _flat_noise(replace(base, shot=1e-4, read=1e-7), rng)
    loud, corr = _flat_noise(replace(base, shot=1e-2, read=1e-4), rng)
    assert loud > 3 * quiet
    # bilinear demosaicing spreads each raw sample's noise over its neighbours (white noise: ~0)
    assert corr > 0.2


def test_mottle_adds_noise_that_is_smooth_over_its_scale():
    """Colour mottle: the blotches real high-ISO frames keep after in-camera noise reduction,
    correlated over many pixels (white and demosaiced noise are not, beyond a pixel or two)."""
    from training.synth import Camera, smooth_noise, synthesize

    field = smooth_noise(np.random.default_rng(0), 96, 128, 8.0)
    assert field.shape == (96, 128, 3) and abs(field.std() - 1.0) < 1e-3
    assert abs(field.mean()) < 0.2
    far = float((field[:, :-4] * field[:, 4:]).mean())  # 4 pixels apart: still alike
    assert far > 0.5

    rng = np.random.default_rng(2)
    cam = replace(Camera.draw(rng), darken=0.1, shot=1e-3, read=1e-6, jpeg=0, chroma_nr=0.0,
                  luma_nr=0.0, use_tone=False, mottle=0.0)
    img = np.full((96, 128, 3), 0.4, np.float32)

    def lag4(shot: np.ndarray) -> float:
        g = shot[..., 0] - shot[..., 0].mean()
        return float((g[:, :-4] * g[:, 4:]).mean() / max((g * g).mean(), 1e-12))

    plain = synthesize(np.random.default_rng(3), img, cam)
    mottled = synthesize(np.random.default_rng(3), img, replace(cam, mottle=1.0, mottle_scale=12.0))
    assert lag4(plain) < 0.1
    assert lag4(mottled) > 0.3
    assert mottled.std() > plain.std()


def test_camera_nr_and_jpeg_change_the_shot():
    from training.synth import Camera, synthesize

    rng = np.random.default_rng(2)
    cam = replace(Camera.draw(rng), darken=0.1, shot=5e-3, read=1e-5, jpeg=0, chroma_nr=0.0,
                  luma_nr=0.0)
    img = _scene()
    plain = synthesize(np.random.default_rng(3), img, cam)
    nr = synthesize(np.random.default_rng(3), img, replace(cam, chroma_nr=2.0))
    jpg = synthesize(np.random.default_rng(3), img, replace(cam, jpeg=75))
    assert plain.shape == nr.shape == jpg.shape == img.shape and plain.dtype == np.float32
    assert not np.array_equal(plain, nr) and not np.array_equal(plain, jpg)
    # chroma NR lowers the colour noise (the spread of R-G) more than the brightness
    assert (nr[..., 0] - nr[..., 1]).std() < (plain[..., 0] - plain[..., 1]).std()


def test_camera_sampler_gives_crops_and_whole_frame_thumbnails(tmp_path):
    from PIL import Image

    from lowlight_gui.core.brightness import GainModel
    from training.data import CameraSampler, PairBank, find_pairs

    rng = np.random.default_rng(0)
    for d in ("low", "high"):
        (tmp_path / d).mkdir()
    for i in range(3):
        high = (rng.uniform(0.2, 0.9, (80, 96, 3)) * 255).astype(np.uint8)
        Image.fromarray(high).save(tmp_path / "high" / f"{i}.png")
        Image.fromarray(high // 10).save(tmp_path / "low" / f"{i}.png")
    bank = PairBank(find_pairs(tmp_path))
    sampler = CameraSampler(bank, GainModel(), crop=48, camera=1.0, upscaled=0.5)
    lo, hi, th = sampler.batch(6)
    assert lo.shape == hi.shape == (6, 3, 48, 48) and th.shape == (6, 3, 128, 128)
    assert lo.dtype == hi.dtype == th.dtype == np.float32
    assert 0 <= lo.min() and lo.max() <= 1 and lo.mean() < hi.mean()


def test_v3_loads_v2_weights_as_the_same_model_and_its_base_is_what_the_unet_starts_from():
    import torch

    from training.model import build
    from training.train import load_init

    torch.manual_seed(0)
    v2 = build("lowlight2", width=8).eval()
    # a trained-looking head: non-zero last layer
    torch.nn.init.normal_(v2.exposure_head.mlp[-1].weight, std=0.05)
    v3 = build("lowlight3", width=8).eval()
    assert "grown with zeros" in load_init(v3, v2.state_dict())
    x, th = torch.rand(1, 3, 32, 32) * 0.2, torch.rand(1, 3, 128, 128) * 0.2
    e = torch.zeros(1)
    with torch.no_grad():
        assert torch.equal(v2(x, th, e), v3(x, th, e))
        cond = v3.exposure_head(th, e)
        assert cond.shape == (1, 15)
        base = v3.unet.base(x, cond)
        assert torch.allclose(v3.unet.restore(base, x), v3(x, th, e))
        # one photo (the export's 1x1 convolution) and a batch (training's einsum) agree
        pair = v3.unet.base(torch.cat([x, x * 0.5]), torch.cat([cond, cond * 0.9]))
        assert torch.allclose(pair[:1], base, atol=1e-6)
    # the colour matrix keeps grey grey; the shoulder rolls highlights off below clipping
    cond = cond.clone()
    cond[0, 0] = np.log(4.0)
    cond[0, 1:5] = 0
    cond[0, 5:14] = torch.tensor([0.3, -0.1, -0.2, -0.1, 0.2, -0.1, 0.0, -0.3, 0.3])
    grey = torch.full((1, 3, 8, 8), 0.1)
    out = v3.unet.base(grey, cond)
    assert torch.allclose(out[:, 0], out[:, 1], atol=1e-6) and torch.allclose(out[:, 1], out[:, 2])
    cond[0, 5:14] = 0
    bright = torch.full((1, 3, 8, 8), 0.2)  # x4 = 0.8
    plain = v3.unet.base(bright, cond)
    cond[0, 14] = 1.0
    rolled = v3.unet.base(bright, cond)
    assert float(plain.mean()) == pytest.approx(0.8, abs=1e-5)
    # y (1 + h) / (1 + h y): 0.8 -> 0.889 (1 stays 1): the curve bends before clipping
    assert float(rolled.mean()) == pytest.approx(0.8 * 2 / 1.8, abs=1e-5)


def test_the_apps_base_match_is_the_exports():
    """The app matches a raw base to the output in numpy (engine.match_base); it must be the
    export's own arithmetic (training.export.matched_base), borders included."""
    import torch

    from lowlight_gui.core.engine import match_base
    from training.export import matched_base

    rng = np.random.default_rng(0)
    base = rng.uniform(0, 1, (1, 3, 37, 53)).astype(np.float32)
    out = np.clip(base * 1.3 + rng.normal(0, 0.05, base.shape), 0, 1).astype(np.float32)
    want = matched_base(torch.from_numpy(base), torch.from_numpy(out)).numpy()
    np.testing.assert_allclose(match_base(base, out), want, atol=2e-6)


def test_the_exports_lift_is_the_same_shoulder_in_fewer_passes():
    """``shoulder_from_zero`` (the export's form when only the app's lift feeds the shoulder)
    gives the general form's base, negative colour-matrix overshoot and values past white
    included."""
    import math

    import torch

    from training.model import ConditionedUNetV3

    unet = ConditionedUNetV3(8).eval()
    x = torch.rand(1, 3, 24, 24, generator=torch.Generator().manual_seed(0))
    cond = torch.zeros(1, 15)
    cond[0, 0] = math.log(3.0)  # gain 3: part of the photo goes past white
    cond[0, 4] = 0.2  # a gamma
    cond[0, 5:14] = torch.tensor([0.3, -0.4, 0.1, -0.5, 0.2, 0.3, 0.1, 0.2, -0.3])  # overshoots
    for colour in (False, True):
        unet.colour_lift = colour
        for h in (0.0, 0.4, 3.0):
            cond[0, 14] = h
            unet.shoulder_from_zero = False
            general = unet.base(x, cond)
            unet.shoulder_from_zero = True
            fast = unet.base(x, cond)
            torch.testing.assert_close(fast, general, atol=2e-6, rtol=0)
        assert (general == 1.0).any() and (general <= 1e-4 + 1e-7).any()  # both ends exercised


def test_the_colour_lift_keeps_hue_and_saturation_and_greys_as_before():
    """``colour_lift`` (v3.3): the shoulder scales a pixel's three channels alike, by the curve
    of their maximum: channel ratios (hue, saturation) are kept where the per-channel curve
    greys them, the maximum follows the curve (so nothing is pushed past white that the curve
    would not push), and a grey is lifted exactly as before."""
    import torch

    from training.model import shoulder_curve

    h = torch.tensor(2.0).view(1, 1, 1, 1)
    navy = torch.tensor([0.05, 0.10, 0.20]).view(1, 3, 1, 1)  # a night sky before the lift
    kept = shoulder_curve(navy, h, colour=True).flatten()
    greyed = shoulder_curve(navy, h).flatten()
    torch.testing.assert_close(kept / kept[2], torch.tensor([0.25, 0.5, 1.0]))
    assert float(kept[2]) == pytest.approx(0.2 * 3 / 1.4)  # the maximum on the curve
    assert float(greyed[0] / greyed[2]) > 0.3  # per channel: red raised most (0.25 -> 0.32)
    grey = torch.full((1, 3, 1, 1), 0.3)
    torch.testing.assert_close(shoulder_curve(grey, h, colour=True), shoulder_curve(grey, h))
    lamp = torch.tensor([1.0, 0.6, 0.1]).view(1, 3, 1, 1)  # a sodium lamp at white
    torch.testing.assert_close(shoulder_curve(lamp, h, colour=True), lamp)  # not bleached
    assert float(shoulder_curve(lamp, h)[0, 1]) > 0.8  # per channel it turns yellow-white


def test_the_mottle_mix_sets_how_often_how_strong_and_how_wide():
    """``MottleMix`` (train.py ``--mottle``): the default draws v3.1's cameras unchanged; a mix
    with share 1 gives every shot mottle within its ranges, share 0 none."""
    from training.synth import Camera, MottleMix

    a, b = np.random.default_rng(3), np.random.default_rng(3)
    for _ in range(20):
        x, y = Camera.draw(a), Camera.draw(b, mottle=MottleMix())
        assert x.mottle == y.mottle and x.shot == y.shot and x.mottle_scale == y.mottle_scale
    rng = np.random.default_rng(4)
    wide = [Camera.draw(rng, mottle=MottleMix(1.0, (1.2, 1.5), (20.0, 32.0))) for _ in range(30)]
    assert all(1.2 <= c.mottle <= 1.5 and 20.0 <= c.mottle_scale <= 32.0 for c in wide)
    assert all(Camera.draw(rng, mottle=MottleMix(share=0.0)).mottle == 0.0 for _ in range(30))


def test_train_takes_the_mottle_mix():
    from training.train import parse_args

    args = parse_args(["--data", "d", "--out", "o", "--mottle", "0.6,0.3,1.5,4,32"])
    assert args.mottle == (0.6, 0.3, 1.5, 4.0, 32.0)
    assert parse_args(["--data", "d", "--out", "o"]).mottle == (0.4, 0.3, 1.0, 4.0, 16.0)
    with pytest.raises(SystemExit):
        parse_args(["--data", "d", "--out", "o", "--mottle", "0.6,0.3"])
