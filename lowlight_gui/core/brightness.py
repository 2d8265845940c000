"""Global brightness estimate shared by the engine and the training code.

The network is tile-friendly: it never looks at statistics of its whole input. The one global
quantity it needs, how much to brighten the photo, is computed here from a downscaled copy of the
whole photo and fed to every tile as the same scalar ``gain``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .resize import area_resize

# Rec. 601 luma weights, as in most camera pipelines' "brightness".
_LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)
_STAT_SIDE = 256  # the statistic is taken on a copy at most this many pixels on its long side


@dataclass(frozen=True)
class GainModel:
    """gain = clip(a * mean_luma ** b, lo, hi), fitted on training pairs (log-linear).

    ``full``: the gain from which the model's result is used in full. Almost all training
    photos need more: 428 of LOL's 440 training pairs need a gain of 2 or more and 432 at least
    1.75 (high/low mean luma). A photo that needs less is already fairly well exposed, outside
    most of what the model learned, and it tends to over-brighten it (washed-out skies on
    daylight shots). Below ``full`` the result is blended back towards the photo, down to the
    photo unchanged at gain 1. ``full`` = 1: the result is always used in full (a model that
    also cleans photos needing no brightening, v3).

    ``clip``: highlight protection (exposure-head models; 1 = off). When the result would clip
    more than this fraction of the photo that was not clipped before (a blue sky, a lit wall),
    the exposure is lowered in quarter stops, at most one stop, until it does not; a photo the
    model would clip even at gain 1 is left as it is (``enhance.conditioning``).
    """

    a: float = 0.45
    b: float = -1.0
    lo: float = 1.0
    hi: float = 25.0
    full: float = 1.75
    clip: float = 1.0

    def gain_for_mean(self, mean_luma: float) -> float:
        m = max(float(mean_luma), 1e-4)
        return float(np.clip(self.a * m**self.b, self.lo, self.hi))

    def model_weight(self, gain: float) -> float:
        """How much of the model's result to use for a photo needing ``gain`` (0..1)."""
        if self.full <= 1.0:
            return 1.0
        return float(np.clip((gain - 1.0) / (self.full - 1.0), 0.0, 1.0))


def mean_luma(rgb: np.ndarray) -> float:
    """Mean luma of an HxWx3 (or grey HxWx1 / HxW) image, taken on a strided copy (cheap,
    tile-independent). Floats are in 0..1; uint8/uint16 are scaled by their type's maximum, so
    a photo gives the same value whichever way it is stored."""
    h, w = rgb.shape[:2]
    step = max(1, int(np.ceil(max(h, w) / _STAT_SIDE)))
    small = np.asarray(rgb[::step, ::step], dtype=np.float32)
    if rgb.dtype.kind in "ui":
        small /= np.float32(np.iinfo(rgb.dtype).max)
    if small.ndim == 2 or small.shape[2] < 3:  # grey: luma is the value itself
        return float(small[..., :1].mean() if small.ndim == 3 else small.mean())
    return float((small[..., :3] @ _LUMA).mean())


def estimate_gain(rgb: np.ndarray, model: GainModel | None = None) -> float:
    """The brightening gain for a whole photo (see ``mean_luma`` for what ``rgb`` may be)."""
    return (model or GainModel()).gain_for_mean(mean_luma(rgb))


def fit_gain_model(low_means: np.ndarray, high_means: np.ndarray, hi: float = 25.0) -> GainModel:
    """Least-squares fit of log(high/low) = log a' + b' log(low) over training pairs.

    With gain = high/low this gives gain = a * low**b; b < 0 means darker photos get more gain,
    but less than a constant target brightness would give them.
    """
    lm = np.log(np.maximum(low_means, 1e-4))
    lg = np.log(np.maximum(high_means, 1e-4)) - lm
    b, log_a = np.polyfit(lm, lg, 1)
    return GainModel(a=float(np.exp(log_a)), b=float(b), lo=1.0, hi=hi)


THUMB_SIDE = 128  # the exposure head's input: the whole photo squeezed to 128x128


def thumbnail(rgb: np.ndarray, side: int = THUMB_SIDE) -> np.ndarray:
    """The whole photo as a (3, side, side) float32 thumbnail in 0..1 for the exposure head.

    Squeezing to a square (instead of keeping the aspect) makes a rotated photo's thumbnail the
    rotated thumbnail, which training relies on. Area averaging; a very large photo is first
    strided down to about 4x the thumbnail, which costs little accuracy and no full-size copy.
    """
    h, w = rgb.shape[:2]
    step = max(1, min(h, w) // (4 * side))
    small = rgb[::step, ::step, :3]
    scale = 255.0 if small.dtype == np.uint8 else 65535.0 if small.dtype == np.uint16 else 1.0
    thumb = area_resize(small, side, side)
    if thumb.shape[2] == 1:  # a grey photo: the head reads RGB
        thumb = np.repeat(thumb, 3, axis=2)
    if scale != 1.0:
        thumb /= scale
    return np.ascontiguousarray(np.clip(thumb, 0, 1).transpose(2, 0, 1))
