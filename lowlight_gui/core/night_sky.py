"""A night sky keeps its own brightness while the ground is brought up (issue 31).

The shadow lift (``enhance.auto_lift``) and the exposure are one number each for the whole
photo: in a street at night with lamps they lift the ground, and with it the sky above, which
turns from night into grey dusk. This module finds the night sky on the photo's small copy
(``enhance.probe``) and the model's unlifted result on it, as a smooth map at the probe's size,
and sets the sky's own curve on the full-size result, pixel by pixel, through the lift's curve
y (1 + h) / (1 + h y): in the sky the lift is taken back, and where the model would still make the
sky brighter than it was photographed, a darkening curve (``sky_lift``, h < 0) brings it back to
the photo's own level (the model's denoising and colour are kept); lamps and lit windows (near
white: fixed points of the curve) keep theirs, and the ground keeps the lift.

What is a night sky, read on the small copy in cells of ``CELL`` pixels:
- flat: the unlifted result's mean gradient (over 3x3 smoothed) in a cell is under ``FLAT`` of its
  brightness (a denoised ISO 51200 sky reads 0.02-0.07, a street, a facade or trees 0.1 and up);
- dark in the photo: a cell's luma under ``DARK``; once the sky is found, smooth cells
  (``GLOW_FLAT``) under ``GLOW`` that it reaches join it (the glow of a lamp in the sky: the lift
  there is what makes a halo; a lamp itself, near white, keeps its result whatever the map);
- reached from the top edge through such cells, and much narrower at the bottom edge than at
  the top (``GROUNDED``): above the scene, not a dark wall or a backlit tree standing in it;
- a night, not an underexposed day: the region is at most ``DARKER`` as bright as the rest, in
  the photo and in the model's result (at night the lamps and the lit ground are the bright
  part; by day the sky is; a dim room comes up evenly), at least ``MIN_SHARE``
  of the frame, and not the blue of a day sky (``DAY_CHROMA``: a sky at night is dark navy,
  purple, grey or orange, with little chroma for all its hue).
The map is the region softened by a guided filter on the result's luma: soft where sky meets sky
(no edge of it shows), sharp along the skyline (the facades below keep their lift).
"""

from __future__ import annotations

import numpy as np

from .engine import box_blur

CELL = 6  # probe pixels per cell (a 384 px probe: 64 cells on the long side)
FLAT = 0.07  # mean |gradient| / brightness of the unlifted result below which a cell is flat
DARK = 0.25  # a cell of the photo darker than this can be a night sky
GLOW = 0.6  # a smooth cell up to this bright joins the sky it touches (a lamp's glow)...
GLOW_FLAT = 0.15  # ...smooth: a glow falls off steeply but evenly (a facade's edges read 0.2 and up)
MIN_SHARE = 0.10  # of the frame, at least; less is an awning, a tree or a dark corner
GROUNDED = 0.5  # its share of the bottom row at most this times its share of the top row
DARKER = 0.6  # the region's median luma at most this share of the rest's (night: lamps, lit ground)
# chroma (largest less smallest channel) of the region's median colour from which it is a day's
# blue sky: an underexposed day's reads 0.18, the ISO 51200 night skies 0.09-0.10
DAY_CHROMA = 0.15
GUIDE_RADIUS = 2 * CELL  # probe pixels: the map's edge is soft over about this much...
GUIDE_EPS = 1e-3  # ...where the result's luma varies less than this (a std of 0.03)
NEGLIGIBLE = 0.01  # less of the map than this is none (a change under 1/255 of the lift)
# the sky's own level: a sky the unlifted result leaves darker than this is dark enough as it is
# (a black sky is not pushed blacker); above it, no brighter than photographed...
NIGHT_LEVEL = 0.10
PATCH = 192  # full-size pixels on a side of the patch of sky its level is read on (a few ms)
SKY_LIFT_MIN = -0.6  # ...and at most this darkening (h) of the sky's curve: a map's soft edge
# over a facade darkens the facade by no more than this share
_LUMA = np.array([0.299, 0.587, 0.114], np.float32)


def _cells(a: np.ndarray) -> np.ndarray:
    """Means over CELLxCELL blocks of an HxW(xC) array (the edge pixels that fill no whole
    cell are left out)."""
    hc, wc = a.shape[0] // CELL, a.shape[1] // CELL
    a = a[: hc * CELL, : wc * CELL]
    return a.reshape(hc, CELL, wc, CELL, *a.shape[2:]).mean(axis=(1, 3))


def _from_top(candidate: np.ndarray) -> np.ndarray:
    """The cells of ``candidate`` reached from its top row through 4-neighbours."""
    region = np.zeros_like(candidate)
    region[0] = candidate[0]
    return _grow(region, candidate)


def _grow(region: np.ndarray, candidate: np.ndarray) -> np.ndarray:
    """``region`` with the cells of ``candidate`` reached from it through 4-neighbours."""
    region = region.copy()
    while True:
        grown = region.copy()
        grown[1:] |= region[:-1]
        grown[:-1] |= region[1:]
        grown[:, 1:] |= region[:, :-1]
        grown[:, :-1] |= region[:, 1:]
        grown &= candidate
        if (grown == region).all():
            return region
        region = grown


def _too_bright(levels: np.ndarray, region: np.ndarray) -> bool:
    """The region's median level above ``DARKER`` times the rest's: not the dark part."""
    return bool(np.median(levels[region]) > DARKER * np.median(levels[~region]))


def sky_map(small: np.ndarray, result: np.ndarray) -> np.ndarray | None:
    """Where the photo's night sky is: a float32 map (the probe's HxW) in 0..1, 1 in the sky;
    None when the photo has none (by day, indoors, or too little of it).

    ``small``: the photo's small copy (``enhance.probe``, HxWx3 in 0..1); ``result``: the model's
    result on it without a lift (3xHxW), whose gradients are the scene's and not the noise's."""
    h, w = small.shape[:2]
    if h < 2 * CELL or w < 2 * CELL:
        return None
    lum = np.transpose(result, (1, 2, 0)) @ _LUMA
    # the gradients of the result smoothed over 3x3: what noise the network leaves in an ISO
    # 51200 sky (and its stars) is not structure; facades, branches and clouds are
    smooth = box_blur(lum, 1)
    grad = np.zeros_like(lum)
    grad[:-1] += np.abs(np.diff(smooth, axis=0))
    grad[:, :-1] += np.abs(np.diff(smooth, axis=1))
    shown = _cells(lum)  # the result's level per cell
    flat = _cells(grad) / np.maximum(shown, 0.02)
    # the top row of cells is read one cell lower too: the network's result is least sure at the
    # photo's edge, and a sky that is flat just below it is flat
    flat[0] = np.minimum(flat[0], flat[1])
    colours = _cells(small[:, :, :3])
    photo = colours @ _LUMA
    region = _from_top((flat < FLAT) & (photo < DARK))
    share = float(region.mean())
    if share < MIN_SHARE or region[-1].mean() > GROUNDED * region[0].mean():
        return None  # too little of it, or as wide at the bottom edge: standing in the scene
    if _too_bright(photo, region):
        return None  # not the dark part of the photo: a day's sky, a lit ceiling or wall
    if _too_bright(shown, region):
        # nor of the result: in a photo nearly black all over (a dim room) every ratio of the
        # photo's levels is noise; the model's exposure shows a ceiling as bright as the rest
        return None
    colour = np.median(colours[region], axis=0)
    if float(colour.max() - colour.min()) >= DAY_CHROMA:
        return None  # the blue of a day sky
    region = _grow(region, (flat < GLOW_FLAT) & (photo < GLOW))
    # to the probe's pixels, then edge-aware: a guided filter (He et al.) steered by the result's
    # luma, so that the map follows the skyline instead of spilling over the facades below it
    hc, wc = region.shape
    pixels = np.repeat(np.repeat(region.astype(np.float32), CELL, 0), CELL, 1)
    pixels = np.pad(pixels, ((0, h - hc * CELL), (0, w - wc * CELL)), mode="edge")
    sky = np.clip(guided_filter(lum, pixels, radius=GUIDE_RADIUS, eps=GUIDE_EPS), 0.0, 1.0)
    sky[sky < NEGLIGIBLE] = 0.0  # the filter's faint spread over the ground: bands to skip
    return sky


def sky_patch(sky: np.ndarray, height: int, width: int, *, factor: int = 1) -> tuple[int, int, int]:
    """Where to read the sky's level at full size: (top, left, side) of a square of the photo
    (``PATCH`` px, a multiple of ``factor``, within the photo) centred where the map is deepest in
    the sky, away from the photo's edges (where a network is least sure of itself)."""
    # a small photo gets a smaller patch, so that it fits in its sky
    side = max(factor, min(PATCH, height // 4, width // 4) // factor * factor)
    inner = box_blur(sky, CELL)
    margin = 2 * CELL
    if inner.shape[0] > 2 * margin and inner.shape[1] > 2 * margin:
        inner[:margin] = inner[-margin:] = -1.0
        inner[:, :margin] = inner[:, -margin:] = -1.0
    # of the places deepest in the sky, the middle one (not a corner of the frame)
    deepest = np.argwhere(inner >= inner.max() - 1e-3)
    py, px = deepest[len(deepest) // 2]
    cy = round((py + 0.5) * height / sky.shape[0])
    cx = round((px + 0.5) * width / sky.shape[1])
    top = min(max(cy - side // 2, 0), height - side)
    left = min(max(cx - side // 2, 0), width - side)
    return top, left, side


def sky_lift(photo: np.ndarray, own: np.ndarray, result: np.ndarray) -> float:
    """The curve's h (``SKY_LIFT_MIN``..0) that brings the night sky of ``result`` back to the
    photo's own brightness: 0 when the model leaves the sky no brighter than photographed, or
    darker than ``NIGHT_LEVEL``.

    All three are the same patch of sky at full size (``sky_patch``: the level a network gives a
    noisy sky depends on the noise, so a small copy would not tell): ``photo`` HxWx3 in 0..1;
    ``own`` the model's unlifted result at the photo's own exposure (3xHxW), which says how much
    brighter the model makes this sky; ``result`` the unlifted result at the exposure the
    network gets (an exposure offset moves the sky with the rest: the same share of it is taken
    back). Means over the patch's centre (its edge lacks the network's context)."""
    e = photo.shape[0] // 4, photo.shape[1] // 4
    centre = np.s_[e[0] : photo.shape[0] - e[0], e[1] : photo.shape[1] - e[1]]
    pixels = np.transpose(result, (1, 2, 0))[centre].reshape(-1, 3)
    level = float((pixels @ _LUMA).mean())
    made = float((np.transpose(own, (1, 2, 0))[centre].reshape(-1, 3) @ _LUMA).mean())
    shot = float((photo[centre][..., :3].reshape(-1, 3) @ _LUMA).mean())
    # the share of the sky's brightness to keep: back to the photo's, not below NIGHT_LEVEL
    keep = min(max(shot / max(made, 1e-6), NIGHT_LEVEL / max(level, 1e-6)), 1.0)
    # the curve reads each pixel's largest channel (a navy sky's blue): solved there, it scales
    # the sky's luma by ``keep`` too
    m = float(pixels.max(axis=1).mean())
    t = m * keep
    if keep >= 1.0 or m >= 1.0:
        return 0.0
    return max((t - m) / (m * (1.0 - t)), SKY_LIFT_MIN)  # m (1 + h) / (1 + h m) = t


def guided_filter(guide: np.ndarray, src: np.ndarray, *, radius: int, eps: float) -> np.ndarray:
    """``src`` smoothed over (2 radius + 1)^2 windows where ``guide`` is flat, its edges kept
    where ``guide`` has edges (He, Sun and Tang's guided filter; ``eps``: the variance of the
    guide below which it counts as flat)."""
    mean_g, mean_s = box_blur(guide, radius), box_blur(src, radius)
    cov = box_blur(guide * src, radius) - mean_g * mean_s
    var = box_blur(guide * guide, radius) - mean_g * mean_g
    a = cov / (var + np.float32(eps))
    b = mean_s - a * mean_g
    return (box_blur(a, radius) * guide + box_blur(b, radius)).astype(np.float32)


def _positions(start: int, n: int, total: int, size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Where pixels ``start``..``start + n`` of a side ``total`` long fall on a map side ``size``
    long (pixel centres aligned, edges held): for each, the map's index below, the one above and
    the weight of the one above."""
    at = (np.arange(start, start + n, dtype=np.float32) + 0.5) * size / total - 0.5
    at = np.clip(at, 0, size - 1)
    below = np.floor(at).astype(np.intp)
    return below, np.minimum(below + 1, size - 1), (at - below).astype(np.float32)


class SkyHold:
    """Gives the night sky of a full-size result its own curve, band by band.

    ``sky``: ``sky_map``'s map; ``lift``: the shadow lift h the network ran with; ``own``: the
    sky's own h (``sky_lift``, 0 or below); ``keep``: how far the sky goes from the lift to its
    own curve (the ``night_sky`` setting, 0..1); ``height``, ``width``: the photo's size (the
    whole photo's, also when only a region is developed)."""

    def __init__(
        self, sky: np.ndarray, *, lift: float, keep: float, height: int, width: int,
        own: float = 0.0,
    ) -> None:
        self.sky = sky
        self.lift = float(lift)
        self.own = float(own)
        self.keep = float(keep)
        self.height = int(height)
        # columns first, once: the map at every column of the photo, a row per probe row
        left, right, f = _positions(0, int(width), int(width), sky.shape[1])
        self._columns = sky[:, left] * (1 - f) + sky[:, right] * f

    def weights(self, y0: int, n: int, x0: int = 0, w: int | None = None) -> np.ndarray:
        """The map at the photo's rows ``y0``.. (``n`` of them) and columns ``x0``.. (``w``; to
        the right edge when None): float32 (n, w), 1 in the sky."""
        above, below, f = _positions(y0, n, self.height, self.sky.shape[0])
        cols = self._columns[:, x0 : None if w is None else x0 + w]
        return cols[above] * (1 - f[:, None]) + cols[below] * f[:, None]

    def apply(self, rows: np.ndarray, y0: int, x0: int = 0) -> None:
        """Hold the sky in ``rows`` (float32 (n, w, C) of the result in 0..1, rows ``y0``.. and
        columns ``x0``.. of the photo), in place."""
        m = self.weights(y0, rows.shape[0], x0, rows.shape[1])
        if not m.any():
            return  # a band of ground: nothing to take back
        h = np.float32(self.lift)
        m *= np.float32(self.keep) * (np.float32(self.own) - h)
        m += h  # the curve h_l of each pixel: h + keep m (own - h)
        # the lift's curve reads the largest channel (rows are in 0..1); pairwise maxima are ten
        # times faster than a reduction over the short last axis
        u = rows[:, :, 0].copy()
        for c in range(1, rows.shape[2]):
            np.maximum(u, rows[:, :, c], out=u)
        # from the lifted curve to this pixel's own at its unlifted level v: with
        # u = v (1 + h) / (1 + h v), the factor v (1 + h_l) / (1 + h_l v) / u reduces to
        # (1 + h_l) / (1 + h + (h_l - h) u)
        u *= m - h
        u += 1 + h
        m += 1
        m /= u
        rows *= m[:, :, None]
