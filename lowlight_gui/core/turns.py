"""Quarter turns asked for by the person (the viewer's Rotate left / Rotate right): for a photo
whose orientation tag is wrong, so that it is shown and saved sideways. Applied to the output
only (the batch, "Save enhanced as"): the model sees the photo as stored, which changes nothing
for it, and the original is never written."""

from __future__ import annotations

import numpy as np

from .imageio import Photo


def normalize(quarter_turns: int) -> int:
    """``quarter_turns`` clockwise as 0..3 (-1, a turn to the left, is 3)."""
    return int(quarter_turns) % 4


def turn(photo: Photo, pixels: np.ndarray, quarter_turns: int) -> tuple[Photo, np.ndarray]:
    """``photo`` (its alpha too) and ``pixels`` (HxWxC) turned clockwise by ``quarter_turns``;
    the same objects when there is nothing to turn. The EXIF orientation is 1 already (read
    upright), so the turned pixels are written as they are."""
    k = normalize(quarter_turns)
    if k == 0:
        return photo, pixels
    turned_pixels = np.ascontiguousarray(np.rot90(pixels, -k, axes=(0, 1)))
    turned = photo.with_data(turned_pixels)
    if photo.alpha is not None:
        turned.alpha = np.ascontiguousarray(np.rot90(photo.alpha, -k, axes=(0, 1)))
    return turned, turned_pixels
