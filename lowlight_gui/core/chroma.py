"""Colour noise reduction: the low-frequency colour blotches of very high-ISO photos.

The network removes fine colour speckle, but single frames at ISO 25,600 and above keep blotches
of colour tens of pixels wide (purple, green and brown patches in a night sky), which a
photographer sees at 100 % and which no per-pixel denoiser reaches. Lightroom and cameras offer
a separate "colour" noise reduction for them; this is ours, off unless asked for.

How: the photo's colour (each channel minus luma) is averaged at 1/8 of its resolution by a
bilateral filter that only mixes neighbours of *similar colour and similar luma* (twice, 7x7
neighbours each time), and the change, brought back to full resolution bilinearly, is added to the
photo. So:
- luma is untouched (the change has zero luma: detail and grain stay as the network left them);
- a blotch, a small colour difference in a flat area, is averaged away, while a real colour edge
  (a green bowl beside a blue one) or a luma edge (a lamp against the sky) is far outside the
  filter's range and kept. A plain averaging of colour (a guided filter on luma) removed the
  blotches as well but bled the colours of neighbouring objects into each other;
- ``amount`` is how much of that change is applied (0.5: half of it). Scaling the filter's colour
  range instead barely changed anything between 0.5 and 1 on real photos (the blotches are
  within range either way): a slider should do what it says.
- what a pixel becomes depends on its neighbours within ``REACH`` pixels (``core.enhance`` runs
  it on each tile of the network's output, margins included).
"""

from __future__ import annotations

import numpy as np

from .settings import SPECS_BY_KEY

SCALE = 8  # px of the photo per filter pixel: blotches are 10-40 px
RADIUS = 3  # filter pixels each side (7x7 neighbours)
PASSES = 2
# how far apart (in 0..1 colour-difference units) two colours may be and still be mixed; and two
# lumas: small, so that the faint edge of a lamp's coloured glow (a luma slope) is not taken for
# a blotch on a flat sky (at 0.08 a synthetic orange glow's fading ring turned the sky's blue; at
# 0.02 it keeps 3/4 of its warmth, and the ISO 51200 sky's blotches still halve: 0.24x -> 0.12x
# a plain gain's)
COLOUR_RANGE = 0.06
LUMA_RANGE = 0.02
# context a pixel's result depends on, in pixels of the photo: the filter's reach, the 8-px
# block it is averaged in and the bilinear step back
REACH = (PASSES * RADIUS + 2) * SCALE
_LUMA = np.array([0.299, 0.587, 0.114], np.float32)


def check_colour_noise(amount: float) -> float:
    """``amount`` as a float within its declared range (``settings.Settings.colour_noise``), or
    a LowlightError that says so."""
    checked = SPECS_BY_KEY["colour_noise"].check(amount)
    assert checked is not None  # (only Auto settings take None, and this is not one)
    return checked


def filter_scale(downscaled: float = 1.0) -> int:
    """Filter pixel size for a photo ``downscaled`` times smaller than the original (the GUI's
    fast preview): the same blotches are that many times smaller there."""
    return max(1, round(SCALE / max(float(downscaled), 1.0)))


def reduce_colour_noise(rgb: np.ndarray, amount: float, downscaled: float = 1.0) -> np.ndarray:
    """``rgb`` (HxWx3 float, 0..1) with its colour blotches reduced; ``amount`` 0..1 (0: the
    array itself, unchanged). ``downscaled``: how many pixels of the original photo one pixel of
    ``rgb`` stands for. Returns a new float32 array clipped to 0..1."""
    if check_colour_noise(amount) == 0.0:
        return rgb
    planes = np.ascontiguousarray(np.moveaxis(np.asarray(rgb, np.float32), -1, 0))
    if np.shares_memory(planes, rgb):  # (a 1-px-wide photo: no copy was made)
        planes = planes.copy()
    return np.moveaxis(reduce_colour_noise_planes(planes, amount, downscaled), 0, -1)


def reduce_colour_noise_planes(
    planes: np.ndarray, amount: float, downscaled: float = 1.0
) -> np.ndarray:
    """The same on a 3xHxW float32 array (the engine's layout), **in place**; returns it."""
    amount = check_colour_noise(amount)
    if amount == 0.0:
        return planes
    s = filter_scale(downscaled)
    _, h, w = planes.shape
    ph, pw = -h % s, -w % s
    # whole blocks: the last row and column repeated
    x = np.pad(planes, ((0, 0), (0, ph), (0, pw)), mode="edge") if ph or pw else planes
    hh, ww = x.shape[1] // s, x.shape[2] // s
    small = x.reshape(3 * hh, s, x.shape[2]).sum(1).reshape(3 * hh, ww, s).sum(2)
    small = small.reshape(3, hh, ww) * np.float32(1.0 / (s * s))
    luma = np.tensordot(_LUMA, small, 1)
    colour = small - luma
    smoothed = colour
    inv_c = np.float32(1.0 / (2.0 * COLOUR_RANGE**2))
    inv_y = np.float32(1.0 / (2.0 * LUMA_RANGE**2))
    for _ in range(PASSES):
        smoothed = _bilateral(smoothed, luma, inv_c, inv_y)
    change = _upsample((smoothed - colour) * np.float32(amount), s)[:, :h, :w]
    planes += change
    np.clip(planes, 0.0, 1.0, out=planes)
    return planes


def _bilateral(
    colour: np.ndarray, luma: np.ndarray, inv_c: np.float32, inv_y: np.float32
) -> np.ndarray:
    """One pass: each pixel's colour (3 x h x w) becomes the mean of its 7x7 neighbours'
    colours, weighted by how close their colour and luma are to its own (edges replicated)."""
    r = RADIUS
    _, h, w = colour.shape
    pc = np.pad(colour, ((0, 0), (r, r), (r, r)), mode="edge")
    py = np.pad(luma, r, mode="edge")
    total = np.zeros_like(colour)
    weight = np.zeros_like(luma)
    for dy in range(2 * r + 1):
        for dx in range(2 * r + 1):
            c = pc[:, dy : dy + h, dx : dx + w]
            d = c - colour
            e = np.einsum("chw,chw->hw", d, d) * inv_c
            dl = py[dy : dy + h, dx : dx + w] - luma
            e += dl * dl * inv_y
            wgt = np.exp(-e)
            total += wgt * c
            weight += wgt
    return total / weight


def _upsample(a: np.ndarray, s: int) -> np.ndarray:
    """C x hh x ww -> C x (hh s) x (ww s), bilinear with pixel centres aligned and edges held.
    Output pixel k of block i lies (k + 0.5) / s - 0.5 filter pixels from centre i: between
    centres i - 1 and i for the first half of the block, i and i + 1 for the second. Written
    one phase k at a time (strided slices): numpy is slowest at broadcasting into a full-size
    array, and this is the one full-size step of the filter."""
    # phase k: (offset of its earlier centre in the edge-padded array, weight of the later one)
    phases = []
    for t in (np.arange(s) + 0.5) / s - 0.5:
        phases.append((0, np.float32(t + 1.0)) if t < 0 else (1, np.float32(t)))
    c, hh, ww = a.shape
    p = np.pad(a, ((0, 0), (1, 1), (1, 1)), mode="edge")
    rows = np.empty((c, hh * s, ww + 2), np.float32)
    for k, (lo, tk) in enumerate(phases):
        top = p[:, lo : lo + hh]
        rows[:, k::s] = top + (p[:, lo + 1 : lo + 1 + hh] - top) * tk
    out = np.empty((c, hh * s, ww * s), np.float32)
    for k, (lo, tk) in enumerate(phases):
        left = rows[:, :, lo : lo + ww]
        out[:, :, k::s] = left + (rows[:, :, lo + 1 : lo + 1 + ww] - left) * tk
    return out
