"""Paired low/normal-light data: discovery, a scene-level split, in-memory random crops."""

from __future__ import annotations

import random
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image

from lowlight_gui.core.brightness import GainModel, mean_luma, thumbnail
from lowlight_gui.core.pairs import Pair
from lowlight_gui.core.pairs import find_pairs as core_find_pairs

if TYPE_CHECKING:
    from .synth import MottleMix


def find_pairs(root: Path) -> list[Pair]:
    """Pairs under ``root`` laid out as ``low/`` and ``high/``, with or without a ``pairs.tsv``."""
    root = Path(root)
    return core_find_pairs(root / "low", root / "high")


def split_by_reference(
    pairs: list[Pair], val_fraction: float = 0.1, seed: int = 0
) -> tuple[list[Pair], list[Pair]]:
    """Split so that all lows sharing one reference (one scene) land on the same side."""
    refs = sorted({p.high.name for p in pairs})
    rng = random.Random(seed)
    rng.shuffle(refs)
    # val_fraction 0: every pair trains (the final model, once the recipe is chosen on a split)
    n_val = max(1, round(len(refs) * val_fraction)) if val_fraction > 0 else 0
    val_refs = set(refs[:n_val])
    train = [p for p in pairs if p.high.name not in val_refs]
    val = [p for p in pairs if p.high.name in val_refs]
    return train, val


def load_rgb(path: Path) -> np.ndarray:
    """HxWx3 uint8."""
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"))


class PairBank:
    """All pairs decoded once into memory (LOL's 485 pairs take about 700 MB as uint8)."""

    def __init__(self, pairs: list[Pair]):
        self.pairs = pairs
        self.low = [load_rgb(p.low) for p in pairs]
        self.high = [load_rgb(p.high) for p in pairs]
        self.low_mean = np.array([mean_luma(x.astype(np.float32) / 255) for x in self.low])
        self.high_mean = np.array([mean_luma(x.astype(np.float32) / 255) for x in self.high])
        self.thumbs = [thumbnail(x) for x in self.low]  # (3,128,128): what the exposure head sees

    def __len__(self) -> int:
        return len(self.pairs)


def _augment(rng: np.random.Generator, *arrays: np.ndarray) -> list[np.ndarray]:
    k = int(rng.integers(4))
    flip = bool(rng.integers(2))
    out = []
    for a in arrays:
        a = np.rot90(a, k)
        if flip:
            a = a[:, ::-1]
        out.append(a)
    return out


def synthetic_darken(rng: np.random.Generator, high: np.ndarray) -> np.ndarray:
    """A believable low-light shot of a normal-light crop (float 0..1 in, float 0..1 out).

    Linearise, scale the exposure down, add Poisson-Gaussian sensor noise (with a little
    per-channel colour imbalance), re-encode and quantise to 8 bits as a camera JPEG would.
    """
    lin = np.power(high, 2.2)
    lin = lin * rng.uniform(0.02, 0.25) * rng.uniform(0.85, 1.15, size=3).astype(np.float32)
    shot = rng.uniform(1e-4, 3e-3)
    read = rng.uniform(1e-4, 2e-3)
    sigma = np.sqrt(np.maximum(lin, 0) * shot + read**2)
    lin = lin + rng.standard_normal(lin.shape).astype(np.float32) * sigma
    low = np.power(np.clip(lin, 0, 1), 1 / 2.2)
    return (np.round(low * 255) / 255).astype(np.float32)


class CropSampler:
    """Random crops with flips/rotations; a fraction replaced by synthetic darkening."""

    def __init__(
        self,
        bank: PairBank,
        gain_model: GainModel,
        crop: int = 192,
        synthetic: float = 0.2,
        seed: int = 0,
    ):
        self.bank = bank
        self.gain_model = gain_model
        self.crop = crop
        self.synthetic = synthetic
        self.rng = np.random.default_rng(seed)
        self.gains = np.array([gain_model.gain_for_mean(m) for m in bank.low_mean], np.float32)

    def pick(self) -> tuple[int, int, int]:
        """A random pair and the top-left corner of a crop in it."""
        i = int(self.rng.integers(len(self.bank)))
        h, w = self.bank.low[i].shape[:2]
        c = self.crop
        return i, int(self.rng.integers(h - c + 1)), int(self.rng.integers(w - c + 1))

    def batch(self, size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(low NCHW, high NCHW, gain N) float32."""
        lows, highs, gains = [], [], []
        c = self.crop
        for _ in range(size):
            i, y, x = self.pick()
            lo, hi = self.bank.low[i], self.bank.high[i]
            lo_c = lo[y : y + c, x : x + c].astype(np.float32) / 255
            hi_c = hi[y : y + c, x : x + c].astype(np.float32) / 255
            gain = self.gains[i]
            if self.rng.random() < self.synthetic:
                lo_c = synthetic_darken(self.rng, hi_c)
                gain = self.gain_model.gain_for_mean(mean_luma(lo_c))
            lo_c, hi_c = _augment(self.rng, lo_c, hi_c)
            lows.append(lo_c.transpose(2, 0, 1))
            highs.append(hi_c.transpose(2, 0, 1))
            gains.append(gain)
        return (
            np.ascontiguousarray(np.stack(lows)),
            np.ascontiguousarray(np.stack(highs)),
            np.asarray(gains, np.float32),
        )


class FrameSampler(CropSampler):
    """Crops for the U-Net plus the thumbnail of the whole frame each crop came from (model v2).

    ``exposure_aug``: the fraction of samples whose whole low frame is scaled by a random
    factor (0.5x..2x) while the target stays: the head must learn the scene's exposure from
    what it sees rather than memorise each training photo's brightness.
    """

    def __init__(self, bank: PairBank, gain_model: GainModel, crop: int = 192,
                 synthetic: float = 0.2, seed: int = 0, exposure_aug: float = 0.5):
        super().__init__(bank, gain_model, crop, synthetic, seed)
        self.exposure_aug = exposure_aug

    def _reexpose(self, lo_c: np.ndarray, th: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """A fraction ``exposure_aug`` of low crops, with their thumbnails, re-exposed 0.5x..2x."""
        if self.rng.random() < self.exposure_aug:
            k = np.float32(2.0 ** self.rng.uniform(-1.0, 1.0))
            return np.clip(lo_c * k, 0, 1), np.clip(th * k, 0, 1)
        return lo_c, th

    def batch(self, size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # type: ignore[override]
        """(low crops NCHW, high crops NCHW, thumbnails N,3,128,128) float32."""
        lows, highs, thumbs = [], [], []
        c = self.crop
        for _ in range(size):
            i, y, x = self.pick()
            lo, hi = self.bank.low[i], self.bank.high[i]
            hi_c = hi[y : y + c, x : x + c].astype(np.float32) / 255
            if self.rng.random() < self.synthetic:
                frame = synthetic_darken(self.rng, hi.astype(np.float32) / 255)
                lo_c = frame[y : y + c, x : x + c]
                th = thumbnail(frame)
            else:
                lo_c = lo[y : y + c, x : x + c].astype(np.float32) / 255
                th = self.bank.thumbs[i]
            lo_c, th = self._reexpose(lo_c, th)
            # One rotation/flip for the crops and the thumbnail (HWC for _augment).
            lo_c, hi_c, th = _augment(self.rng, lo_c, hi_c, th.transpose(1, 2, 0))
            th = th.transpose(2, 0, 1)
            lows.append(lo_c.transpose(2, 0, 1))
            highs.append(hi_c.transpose(2, 0, 1))
            thumbs.append(th)
        return (
            np.ascontiguousarray(np.stack(lows)),
            np.ascontiguousarray(np.stack(highs)),
            np.ascontiguousarray(np.stack(thumbs)),
        )


class CameraSampler(FrameSampler):
    """``FrameSampler`` plus shots synthesised the way a camera makes them (``training.synth``).

    A fraction ``camera`` of the samples is a camera shot of the clean reference: at LOL's own
    scale, or (``upscaled`` of those) a smaller region upscaled 1.3-3x, so that detail spans
    several pixels while the noise stays at one, as in a photo at camera resolution. The head's
    thumbnail is the same camera's shot of the whole reference frame at half size (same
    darkness, colour and noise level), so it judges the exposure from what it will see.
    """

    def __init__(self, bank: PairBank, gain_model: GainModel, crop: int = 192,
                 synthetic: float = 0.0, seed: int = 0, exposure_aug: float = 0.5,
                 camera: float = 0.5, upscaled: float = 0.6, mottle: MottleMix | None = None,
                 night: float = 0.0):
        super().__init__(bank, gain_model, crop, synthetic, seed, exposure_aug)
        self.camera = camera
        self.upscaled = upscaled
        self.mottle = mottle
        self.night = night  # share of camera shots with a night sky and lamps (model v4)
        self.sky = np.zeros((0, 1, crop, crop), np.float32)

    def camera_sample(self, i: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(low crop, high crop, thumbnail CHW) of a synthesised camera shot of pair ``i``.

        The thumbnail is returned for completeness; training conditions camera shots with the
        oracle gain instead (``batch``), so the head learns exposure from real pairs only."""
        from .synth import Camera, MottleMix, lamps, night_sky, synthesize, upscale

        hi = self.bank.high[i]
        h, w = hi.shape[:2]
        c = self.crop
        cam = Camera.draw(self.rng, mottle=self.mottle or MottleMix())
        if self.rng.random() < self.upscaled:
            s = float(self.rng.uniform(1.3, 3.0))
            r = int(np.ceil(c / s))
            y, x = int(self.rng.integers(h - r + 1)), int(self.rng.integers(w - r + 1))
            region = hi[y : y + r, x : x + r].astype(np.float32) / 255
            hi_c = upscale(region, (c, c))
        else:
            y, x = int(self.rng.integers(h - c + 1)), int(self.rng.integers(w - c + 1))
            hi_c = hi[y : y + c, x : x + c].astype(np.float32) / 255
        sky = np.zeros((c, c, 1), np.float32)
        night = self.night > 0 and self.rng.random() < self.night  # (no draw otherwise)
        if night:
            hi_c, sky = night_sky(self.rng, hi_c)
        lo_c = synthesize(self.rng, hi_c, cam)
        if night:  # lamps are clipped in the shot as in the photo, and have no halo in either
            colour, cover = lamps(self.rng, (c, c), int(self.rng.integers(0, 5)))
            lo_c = lo_c * (1 - cover) + colour * cover
            hi_c = hi_c * (1 - cover) + colour * cover
        half = hi[::2, ::2].astype(np.float32) / 255
        th = thumbnail(synthesize(self.rng, half, cam))
        self._last_sky = sky
        return lo_c, hi_c, th

    def batch(self, size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # type: ignore[override]
        """(low crops NCHW, high crops NCHW, thumbnails N,3,128,128) float32; ``self.oracle``
        then holds each sample's oracle log gain (camera shots) or NaN (real pairs)."""
        lows, highs, thumbs, oracle, skies = [], [], [], [], []
        c = self.crop
        for _ in range(size):
            sky = np.zeros((c, c, 1), np.float32)
            if self.rng.random() < self.camera:
                lo_c, hi_c, th = self.camera_sample(int(self.rng.integers(len(self.bank))))
                sky = self._last_sky
                # The gain that brings the shot to its reference's brightness: the camera's
                # darkening is arbitrary (not a photographer's choice), so it must not teach the
                # head what a scene's exposure should be; the U-Net learns to clean at that gain.
                oracle.append(np.log(max(mean_luma(hi_c), 1e-4) / max(mean_luma(lo_c), 1e-4)))
            else:
                oracle.append(np.nan)
                i, y, x = self.pick()
                lo_c = self.bank.low[i][y : y + c, x : x + c].astype(np.float32) / 255
                hi_c = self.bank.high[i][y : y + c, x : x + c].astype(np.float32) / 255
                lo_c, th = self._reexpose(lo_c, self.bank.thumbs[i])
            lo_c, hi_c, th, sky = _augment(self.rng, lo_c, hi_c, th.transpose(1, 2, 0), sky)
            lows.append(lo_c.transpose(2, 0, 1))
            highs.append(hi_c.transpose(2, 0, 1))
            thumbs.append(th.transpose(2, 0, 1))
            skies.append(sky.transpose(2, 0, 1))
        self.oracle = np.asarray(oracle, np.float32)
        self.sky = np.ascontiguousarray(np.stack(skies))  # (N,1,H,W): 1 in a synthesised sky
        return (
            np.ascontiguousarray(np.stack(lows)),
            np.ascontiguousarray(np.stack(highs)),
            np.ascontiguousarray(np.stack(thumbs)),
        )
