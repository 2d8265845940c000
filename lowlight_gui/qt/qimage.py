"""numpy <-> QImage conversion: the only pixel work the Qt layer does."""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QImage


def to_uint8(rgb: np.ndarray) -> np.ndarray:
    """HxWx3 float (0..1) or uint8 -> contiguous HxWx3 uint8 for display."""
    if rgb.dtype == np.uint8:
        return np.ascontiguousarray(rgb[..., :3])
    out = np.clip(rgb[..., :3], 0.0, 1.0) * 255.0 + 0.5
    return out.astype(np.uint8)


def array_to_qimage(rgb: np.ndarray) -> QImage:
    """Wrap an HxWx3 array as an RGB888 QImage.

    QImage does not copy the buffer, so the returned image keeps a reference to the array
    (``image._buffer``) for as long as the image lives.
    """
    data = to_uint8(rgb)
    h, w = data.shape[:2]
    image = QImage(data.data, w, h, data.strides[0], QImage.Format.Format_RGB888)
    image._buffer = data  # type: ignore[attr-defined]  # keep the pixels alive
    return image


def blend_uint8(before: np.ndarray, after: np.ndarray, strength: float) -> np.ndarray:
    """Display-only mix of two uint8 images: before + (after - before) * strength.

    The core's strength is the same linear blend, so the slider can re-mix the cached result
    without running the network again. int16 math with a 7-bit weight keeps a 12 MP re-mix near
    interactive speed without overflowing (255 * 128 < 2**15).
    """
    if strength >= 1.0:
        return after
    if strength <= 0.0:
        return before
    s = round(strength * 128)
    diff = after.astype(np.int16) - before.astype(np.int16)
    diff *= s
    diff >>= 7
    diff += before
    return diff.astype(np.uint8)
