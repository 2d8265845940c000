"""Histograms of a photo before and after enhancing, and what the enhancing clipped.

"Did I blow the lamps?" is the question after brightening: a pixel is *newly clipped* when the
enhanced photo has a channel at 255 where the original had none, and *newly crushed* when it has
a channel at 0 where the original had none. Pixels already clipped in the original are not the
model's doing and are not counted.

The arrays are the display's uint8 HxWx3 (or HxW grey) images; large ones are sampled on a
regular grid so that the numbers cost a few milliseconds whatever the photo's size. A before and
an after of different sizes (a fast preview of a RAW developed at half size) are sampled at the
same relative positions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MAX_SAMPLES = 200_000  # pixels looked at: about 5 ms for the histograms and the clip counts
LUMA = (0.2126, 0.7152, 0.0722)  # Rec. 709 weights on the sRGB values, as photo editors draw
BINS = 256


@dataclass(frozen=True)
class Histogram:
    """Counts per level (0..255) and what was newly clipped, over ``samples`` pixels."""

    luma_before: np.ndarray  # (256,) int64
    luma_after: np.ndarray
    rgb_before: np.ndarray  # (3, 256) int64
    rgb_after: np.ndarray
    samples: int
    clipped: int  # newly clipped highlights: a channel at 255 after, none before
    crushed: int  # newly crushed shadows: a channel at 0 after, none before

    @property
    def clipped_percent(self) -> float:
        return 100.0 * self.clipped / self.samples if self.samples else 0.0

    @property
    def crushed_percent(self) -> float:
        return 100.0 * self.crushed / self.samples if self.samples else 0.0


def as_rgb(image: np.ndarray) -> np.ndarray:
    """HxWx3 view of an HxW, HxWx1, HxWx3 or HxWx4 uint8 image (alpha dropped)."""
    if image.ndim == 2:
        image = image[..., None]
    if image.ndim != 3 or image.dtype != np.uint8:
        raise ValueError(f"expected a uint8 HxW or HxWxC image, got {image.dtype} {image.shape}")
    if image.shape[2] == 1:
        return np.broadcast_to(image, (*image.shape[:2], 3))
    return image[..., :3]


def sample(image: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """``rows`` x ``cols`` pixels of ``image`` on a regular grid (nearest, no averaging: a lone
    clipped pixel stays clipped)."""
    h, w = image.shape[:2]
    ys = (np.arange(rows) * h) // rows
    xs = (np.arange(cols) * w) // cols
    # Rows first, then columns: two takes are several times faster than one fancy index.
    return np.take(np.take(as_rgb(image), ys, axis=0), xs, axis=1)


def grid_for(shape: tuple[int, ...], max_samples: int = MAX_SAMPLES) -> tuple[int, int]:
    """Rows and columns of the sampling grid: the image's own size up to ``max_samples``."""
    h, w = int(shape[0]), int(shape[1])
    if h * w <= max_samples:
        return h, w
    f = (max_samples / (h * w)) ** 0.5
    return max(1, int(h * f)), max(1, int(w * f))


def _channels(rgb: np.ndarray) -> np.ndarray:
    flat = rgb.reshape(-1, 3)
    return np.stack([np.bincount(flat[:, c], minlength=BINS) for c in range(3)])


def _luma(rgb: np.ndarray) -> np.ndarray:
    r, g, b = (rgb[..., c].astype(np.float32) for c in range(3))
    y = LUMA[0] * r + LUMA[1] * g + LUMA[2] * b
    levels = np.clip(y + 0.5, 0, 255).astype(np.uint8)
    return np.bincount(levels.ravel(), minlength=BINS)


def clipping_masks(before: np.ndarray, after: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(newly clipped, newly crushed) boolean masks, the shape of ``after``'s two first axes.
    ``before`` of another size is compared at the same relative positions."""
    after = as_rgb(after)
    if before.shape[:2] != after.shape[:2]:
        before = sample(before, *after.shape[:2])
    before = as_rgb(before)
    clipped = _any_channel(after, 255) & ~_any_channel(before, 255)
    crushed = _any_channel(after, 0) & ~_any_channel(before, 0)
    return clipped, crushed


def _any_channel(rgb: np.ndarray, level: int) -> np.ndarray:
    """Pixels with a channel at ``level``; three comparisons, far faster than ``.any(axis=2)``
    over an axis of three."""
    return (rgb[..., 0] == level) | (rgb[..., 1] == level) | (rgb[..., 2] == level)


def compute_histogram(
    before: np.ndarray, after: np.ndarray | None = None, *, max_samples: int = MAX_SAMPLES
) -> Histogram:
    """Histograms of ``before`` and ``after`` (uint8) and the newly clipped counts; without an
    ``after`` (not enhanced yet) the after histograms are the before's and nothing is clipped."""
    rows, cols = grid_for((after if after is not None else before).shape, max_samples)
    b = np.ascontiguousarray(sample(before, rows, cols))
    a = np.ascontiguousarray(sample(after, rows, cols)) if after is not None else b
    luma_b, rgb_b = _luma(b), _channels(b)
    if after is None:
        return Histogram(luma_b, luma_b, rgb_b, rgb_b, rows * cols, 0, 0)
    clipped, crushed = clipping_masks(b, a)
    return Histogram(
        luma_b, _luma(a), rgb_b, _channels(a), rows * cols, int(clipped.sum()), int(crushed.sum())
    )


def overlay_rgba(before: np.ndarray, after: np.ndarray, *, max_pixels: int = 0) -> np.ndarray:
    """An HxWx4 uint8 image, transparent but where ``after`` is newly clipped (red) or crushed
    (blue), for painting over the photo. ``max_pixels`` > 0 computes it on a coarser grid."""
    if max_pixels and after.shape[0] * after.shape[1] > max_pixels:
        rows, cols = grid_for(after.shape, max_pixels)
        after = sample(after, rows, cols)
    clipped, crushed = clipping_masks(before, after)
    out = np.zeros((*clipped.shape, 4), np.uint8)
    # Channel by channel: boolean-mask assignment of a colour is several times slower.
    np.multiply(clipped, 255, out=out[..., 0], casting="unsafe")
    np.multiply(crushed, 90, out=out[..., 1], casting="unsafe")
    np.multiply(crushed, 255, out=out[..., 2], casting="unsafe")
    np.multiply(clipped | crushed, 255, out=out[..., 3], casting="unsafe")
    return out
