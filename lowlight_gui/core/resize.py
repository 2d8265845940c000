"""Area-averaged downscaling (what OpenCV's INTER_AREA did), in numpy.

Each output pixel is the exact mean of the input area it covers, partial pixels at its edges
weighted by how much of them it covers: no aliasing however far a photo is shrunk, and the result
of a rotated photo is the rotated result (the exposure head's training relies on that; Pillow's
box filter rounds its windows and is not mirror-symmetric). Per axis, the area integral is a
prefix sum read at fractional positions.
"""

from __future__ import annotations

import numpy as np

_BAND = 1 << 22  # values per band of rows in the first pass: bounds the temporaries


def area_resize(image: np.ndarray, width: int, height: int) -> np.ndarray:
    """``image`` (HxW or HxWxC, any numeric type) resized to ``height`` x ``width`` by area
    averaging, as float32 in the input's own scale (uint8 stays 0..255)."""
    if width < 1 or height < 1:
        raise ValueError(f"cannot resize to {width} x {height}")
    h = image.shape[0]
    step = max(1, _BAND // max(1, image[0].size))
    rows = np.empty((h, width, *image.shape[2:]), np.float32)
    for y in range(0, h, step):  # along the width, a band of rows at a time
        rows[y:y + step] = _area_axis(image[y:y + step], width, axis=1)
    return _area_axis(rows, height, axis=0).astype(np.float32, copy=False)


def _area_axis(a: np.ndarray, out_n: int, axis: int) -> np.ndarray:
    n = a.shape[axis]
    edges = np.arange(out_n + 1, dtype=np.float64) * (n / out_n)
    first = np.minimum(np.floor(edges).astype(np.intp), n - 1)  # the pixel each edge falls in
    frac = edges - first  # how far into it (1.0 at the far end)
    shape = [1] * a.ndim
    shape[axis] = out_n + 1
    frac = frac.reshape(shape).astype(np.float32)
    edge_values = np.take(a, first, axis=axis) * frac  # the part of an edge pixel before the edge
    if out_n <= n:  # whole pixels between two edges, summed in one pass
        whole = np.add.reduceat(a, first[:-1], axis=axis, dtype=np.float32)  # a few terms each
        # the last edge is the far end: its pixel is inside the last sum already
        np.put_along_axis(edge_values, np.full(shape, out_n), 0.0, axis=axis)
        out: np.ndarray = whole + np.diff(edge_values, axis=axis)
    else:  # enlarging: a prefix sum read at each edge
        sums = np.cumsum(a, axis=axis, dtype=np.float64)
        sums = np.concatenate([np.zeros_like(np.take(sums, [0], axis=axis)), sums], axis=axis)
        out = np.diff(np.take(sums, first, axis=axis) + edge_values, axis=axis)
    out *= np.float32(out_n / n)
    return out.astype(np.float32, copy=False)
