"""The photo's conditioning (the exposure, highlight protection, the shadow lift) and the
forms of the development kept for scripts and tests.

The pipeline itself, used by the batch, the CLI, the evaluation and the GUI preview, is
``core/pipeline.py``: ``enhance_pixels``, ``enhance_array`` and ``enhance_photo`` here are its
pixels, with the settings also given as keywords (``denoise=0.5``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from .brightness import GainModel, estimate_gain, thumbnail
from .engine import DEFAULT_FACTOR
from .night_sky import sky_lift, sky_map, sky_patch
from .resize import area_resize
from .settings import DEFAULTS, SPECS_BY_KEY, Settings
from .tiling import OnTile, Tile, extract_tile, scale_for

if TYPE_CHECKING:
    from .engine import Engine
    from .imageio import Photo
    from .pipeline import Plan

log = logging.getLogger(__name__)

DEFAULT_TILE = 1024  # fastest for 2-24 MP photos with the shipped model (README)


@dataclass(frozen=True)
class Conditioning:
    """What the whole photo decides for every tile (``conditioning``)."""

    gain: float | None  # the brightening the model applies (None: a model that takes none)
    thumb: np.ndarray | None  # the exposure head's input (v2 and later), the same for every tile
    exposure: float  # EV handed to the network: the one asked for, less highlight protection
    weight: float  # how much of the model's result to use (well-exposed rule, highlights)
    lift: float = 0.0  # the shadow lift h handed to a model with that input (auto_lift)
    # where the photo's night sky is (``night_sky.sky_map``, the probe's size, 0..1), kept out
    # of the lift; None: no sky, or no lift
    sky: np.ndarray | None = field(default=None, compare=False)
    # the sky's own curve (``night_sky.sky_lift``, h <= 0): back to the photo's own brightness
    sky_lift: float = field(default=0.0, compare=False)


CLIP_LEVEL = 254.5 / 255  # a channel at or above this is clipped (255 once stored in 8 bits)
PROTECT_STEP = 0.25  # EV per step of highlight protection
PROTECT_STEPS = 4  # at most one stop down


class SmallCopies:
    """What ``conditioning`` looks at in one photo, made once per photo: the exposure head's
    thumbnail, the probe, and the model's results on the probe (per engine, EV and lift).

    A plan at new settings for the same photo (an Exposure change in the window) reuses them
    instead of resizing the photo and running the model again; the batch makes one per photo.
    The results are the engine's own, so a plan is the same with or without this cache. Not
    thread-safe: one photo's plans are made one after another."""

    def __init__(self, data: np.ndarray) -> None:
        self.data = data[:, :, None] if data.ndim == 2 else data
        self._thumbs: dict[int, np.ndarray] = {}
        self._probes: dict[int, np.ndarray] = {}
        # underlying engine's id -> (that engine, kept alive so the id stays its own; results)
        self._runs: dict[int, tuple[Any, dict[tuple[int, float, float], np.ndarray]]] = {}

    def matches(self, data: np.ndarray) -> bool:
        """``data`` is this photo's pixels (the same array, or a view of the same buffer with
        the same size: a grey HxW photo's HxWx1 view)."""
        mine = self.data
        return data is mine or (
            data.shape[:2] == mine.shape[:2]
            and data.dtype == mine.dtype
            and data.__array_interface__["data"][0] == mine.__array_interface__["data"][0]
            and data.strides[:2] == mine.strides[:2]
        )

    def thumbnail(self, side: int) -> np.ndarray:
        if side not in self._thumbs:
            self._thumbs[side] = thumbnail(self.data, side)
        return self._thumbs[side]

    def probe(self, factor: int) -> np.ndarray:
        if factor not in self._probes:
            self._probes[factor] = probe(self.data, factor)
        return self._probes[factor]

    def probe_result(
        self, engine: Engine, factor: int, exposure: float, lift: float = 0.0
    ) -> np.ndarray:
        """``probe_result`` on ``probe(factor)`` with ``engine``'s thumbnail, kept."""
        base = getattr(engine, "_engine", engine)  # (with_cancel's wrapper runs the same model)
        _, runs = self._runs.setdefault(id(base), (base, {}))
        key = (int(factor), float(exposure), float(lift))
        if key not in runs:
            thumb = self.thumbnail(engine.thumb_side)
            runs[key] = probe_result(engine, self.probe(factor), thumb, exposure, lift)
        return runs[key]


def conditioning(
    data: np.ndarray,
    engine: Engine,
    exposure: float = 0.0,
    shadows: float | None = None,
    *,
    copies: SmallCopies | None = None,
) -> Conditioning:
    """The photo's conditioning at ``exposure`` EV: gain, thumbnail, the EV the network gets,
    the weight of its result and its shadow lift.

    The weight is the well-exposed rule (``GainModel.model_weight``), and 0 for an
    exposure-head model's photo that needs nothing (``well_exposed``; unless ``shadows`` asks
    for a lift). Models that stamp a
    highlight budget (``GainModel.clip`` < 1) also get highlight-priority exposure, as a camera
    meters for its highlights: the model runs on a small copy of the photo (``probe``, 384 px:
    tens of milliseconds), and while its result newly clips more than the budget of the photo,
    the exposure goes down a quarter stop, at most one stop. A photo the model clips even at
    gain 1 (a white wall it would push to 255) is left as it is (weight 0). The small copy
    stands in for the photo: large bright areas (skies, walls) are what this is for.

    ``shadows``: the shadow lift in stops (0..``SHADOWS_MAX``) for a model with a lift input
    (``engine.has_lift``); None chooses it from the small copy at the photo's own exposure (0 EV,
    after highlight protection), so that an exposure offset moves the whole photo and is not
    taken back by the lift: the larger of ``auto_lift`` and the stops highlight protection took
    off (given back to the shadows and mid-tones, not to the highlights), a quarter stop less
    while the lifted result newly clips more than the highlight budget.

    ``copies``: ``data``'s ``SmallCopies`` kept from an earlier plan of the same photo.
    """
    gm: GainModel = getattr(engine, "gain_model", None) or GainModel()
    if getattr(engine, "has_exposure_head", False):
        if copies is None:
            copies = SmallCopies(data)
        elif not copies.matches(data):
            raise ValueError("the small copies are another photo's")
        thumb = copies.thumbnail(engine.thumb_side)
        budget = gm.clip
        has_lift = bool(getattr(engine, "has_lift", False))
        # (a lift, Auto's or set by hand, needs it, and so does the night sky's own level)
        need_probe = budget < 1 or has_lift
        factor = int(getattr(engine, "factor", DEFAULT_FACTOR))
        small = copies.probe(factor) if need_probe else None

        def result(e: float, lift: float = 0.0) -> np.ndarray:
            """The model's result on the small copy at ``e`` EV and ``lift``."""
            assert small is not None  # (only called when there is a probe)
            return copies.probe_result(engine, factor, e, lift)

        def protect(start: float) -> tuple[float, float, float]:
            """Highlight priority from ``start`` EV: (the EV, its gain, its weight)."""
            ev = start
            gain = float(np.exp(engine.condition(thumb, ev)[0]))
            weight = gm.model_weight(gain)
            for _ in range(PROTECT_STEPS + 1):
                if small is None or budget >= 1 or weight == 0.0:
                    break
                if newly_clipped(small, result(ev)) <= budget:
                    break
                if gain <= 1.0 + 1e-3:  # no brightening left to take back: the model only clips
                    weight = 0.0
                    break
                if ev <= start - PROTECT_STEP * PROTECT_STEPS + 1e-6:
                    break  # one stop down is the most it takes back
                ev -= PROTECT_STEP
                gain = float(np.exp(engine.condition(thumb, ev)[0]))
                weight = gm.model_weight(gain)
            return ev, gain, weight

        ev, gain, weight = protect(exposure)
        asks_lift = shadows is not None and shadows > 0.0
        if not asks_lift and well_exposed(
            small if small is not None else thumb.transpose(1, 2, 0),
            float(np.exp(engine.condition(thumb, exposure)[0])),
            exposure,
        ):
            weight = 0.0  # needs nothing: the photo is copied as it is
        lift = 0.0
        if has_lift and weight > 0.0:
            if shadows is not None:
                lift = lift_for_stops(check_shadows(shadows))
            elif small is not None:
                # chosen at the photo's own exposure (0 EV), and kept by an offset; the same
                # thumbnail, probe and probe results serve both
                ev0, _gain0, weight0 = (ev, gain, weight) if exposure == 0.0 else protect(0.0)
                if weight0 > 0.0:
                    # the stops highlight protection took off are given back to the shadows (a
                    # camera's highlight priority with shadow compensation), or more if
                    # auto_lift asks for it
                    lift = max(auto_lift(small, result(ev0)), lift_for_stops(-ev0))
                # the lift keeps the highlight budget too: near-white skies and walls come
                # closer to white, and the U-Net's detail on top can clip them
                while lift > 0.0 and newly_clipped(small, result(ev0, lift)) > budget:
                    stops = stops_for_lift(lift) - PROTECT_STEP
                    lift = lift_for_stops(stops) if stops > 1e-6 else 0.0
        # a night sky keeps its own brightness where the ground is brought up: found on the
        # unlifted result at the exposure the network gets, its level set against the result at
        # the photo's own exposure (an exposure offset moves it with the rest)
        sky, own = None, 0.0
        # only where there is a lift: a photo the exposure alone brings up is most often a dim
        # room, whose dark ceiling can pass for a sky (LOL's indoor pairs)
        if small is not None and weight > 0.0 and lift > 0.0:
            sky = sky_map(small, result(ev))
            if sky is not None:
                ev0 = ev if exposure == 0.0 else protect(0.0)[0]
                top, left, side = sky_patch(sky, *copies.data.shape[:2], factor=factor)
                # the photo's pixels there as the tiles read them (float 0..1)
                patch = extract_tile(copies.data, Tile(top, left, side, side))
                patch = np.repeat(patch, 3, axis=2) if patch.shape[2] == 1 else patch[:, :, :3]
                at0 = probe_result(engine, patch, thumb, ev0)
                at = at0 if ev == ev0 else probe_result(engine, patch, thumb, ev)
                own = sky_lift(patch, at0, at)
        return Conditioning(gain, thumb, ev, weight, lift, sky, own)
    if getattr(engine, "has_gain_input", False):
        gain = estimate_gain(data, engine.gain_model) * 2.0**exposure
        return Conditioning(gain, None, exposure, engine.gain_model.model_weight(gain))
    return Conditioning(None, None, exposure, 1.0)


# Shadow lift (a camera's "dynamic range optimisation"): a photo whose lamps, lit windows or sky
# already reach full scale cannot be brightened as a whole (highlight protection holds its
# exposure), so its shadows and mid-tones stay dark. The model's highlight shoulder then lifts
# them: it starts the U-Net from y (1 + h) / (1 + h v), up to (1 + h) times brighter in the
# shadows, white kept at white, so the lifted shadows are denoised like the rest (v: the pixel's
# largest channel since v3.3, so that a lifted colour keeps its hue and saturation; y itself
# before). The rules below read the result's luma, for which the two forms agree on greys.
LIFT_KEY = 0.45  # median luma a lifted photo aims for: sRGB middle grey (18 % grey is 0.46)
SHADOWS_MAX = SPECS_BY_KEY["shadows"].hi  # stops (the declared range): at most four times (h = 3)
BRIGHT_LEVEL = 0.9  # a channel at or above this in the photo: a light source or a sky
# Bright share of the photo from which the lift starts and at which it is in full: a few glints
# do not make a photo high-contrast (LOL's dark indoor shots have at most 0.8 %), lamps do.
BRIGHT_FROM, BRIGHT_FULL = 0.005, 0.02
# A result whose darkest 30 % stays black (a backlit tree, an unlit street beside a lit one) is
# not well exposed, lamps or not: its 30th percentile is lifted to SHADOW_FLOOR, a dark but
# readable grey (the "near black" is below 0.08).
SHADOW_FLOOR = 0.10
_LUMA = np.array([0.299, 0.587, 0.114], np.float32)


# Well exposed means untouched: a photo the head asks no brightening for (gain at most
# WELL_GAIN; LOL's 399 references: at most 1.45, its dark photos 3 or more) whose median is
# mid-grey is left as it is, even if a black object or a dark corner keeps its darkest 30 %
# below SHADOW_FLOOR, unless that 30 % is near black (WELL_P30: issue 17's measure of black
# shadows, 0.08; its backlit tree, 0.04, is lifted; LOL's references: 0.06 and up, 5 % below 0.16). With light sources in the frame (the bright share of ``auto_lift``) the
# median must be higher, as a street at night with lamps and a mid-dark median is what the
# lift is for; a frame whose top third is mostly dark (a night sky) is never "well exposed".
WELL_GAIN = 1.5
WELL_MEDIAN, WELL_MEDIAN_LIT = 0.25, 0.35  # without / with light sources in the frame
WELL_P30 = 0.08  # the photo's darkest 30 % at least this bright
DARK_LEVEL = 0.10  # luma below this is dark (as SHADOW_FLOOR)
WELL_TOP_DARK = 0.5  # at most this share of the top third of the frame dark


def well_exposed(small: np.ndarray, gain: float, exposure: float = 0.0) -> bool:
    """Whether a photo needs nothing at ``exposure`` EV: from its small HxWx3 copy ``small``
    (``probe``, or the thumbnail) and the gain the exposure head predicts at that EV.

    The whole photo decides, not its darkest 30 %: no brightening asked for (``WELL_GAIN``),
    a median (scaled by the exposure) at or above ``WELL_MEDIAN``, up to ``WELL_MEDIAN_LIT``
    as light sources fill ``BRIGHT_FROM``..``BRIGHT_FULL`` of the frame, and no dark top
    third (``WELL_TOP_DARK``) and no near-black 30 % (``WELL_P30``): dark pixels in a
    well-exposed photo are objects and corners, not a night sky or unlit shadows."""
    if gain > WELL_GAIN:
        return False
    luma = small[:, :, :3] @ _LUMA
    bright = float((small[:, :, :3].max(axis=2) >= BRIGHT_LEVEL).mean())
    share = float(np.clip((bright - BRIGHT_FROM) / (BRIGHT_FULL - BRIGHT_FROM), 0.0, 1.0))
    needed = WELL_MEDIAN + share * (WELL_MEDIAN_LIT - WELL_MEDIAN)
    p30, median = (float(v) * 2.0 ** float(exposure) for v in np.percentile(luma, (30, 50)))
    if median < needed or p30 < WELL_P30:
        return False
    top = luma[: max(1, luma.shape[0] // 3)]
    return float((top < DARK_LEVEL).mean()) <= WELL_TOP_DARK


def lift_for_stops(stops: float) -> float:
    """The shoulder's h for a lift of the shadows by ``stops`` (slope 1 + h at black)."""
    return float(2.0 ** float(stops) - 1.0)


def stops_for_lift(lift: float) -> float:
    return float(np.log2(1.0 + max(0.0, float(lift))))


def check_shadows(stops: float) -> float:
    """``stops`` as a float within its declared range, or a LowlightError that says so."""
    return _check("shadows", stops)


def auto_lift(small: np.ndarray, result: np.ndarray) -> float:
    """The shadow lift h for a photo from its small copy ``small`` (``probe``) and the model's
    ``result`` on it without a lift, the larger of two:

    - when part of the photo is already near full scale (a light source or a sky:
      ``BRIGHT_LEVEL``) and the result's median is darker than ``LIFT_KEY``: the h that maps
      that median to the key, in proportion to how much of the photo is bright
      (``BRIGHT_FROM``..``BRIGHT_FULL``);
    - when the result's darkest 30 % stays black (30th percentile of its luma below
      ``SHADOW_FLOOR``): the h that maps that percentile to the floor;

    each at most ``SHADOWS_MAX`` stops; 0 when neither holds."""
    bright = float((small.max(axis=2) >= BRIGHT_LEVEL).mean())
    share = float(np.clip((bright - BRIGHT_FROM) / (BRIGHT_FULL - BRIGHT_FROM), 0.0, 1.0))
    luma = result.transpose(1, 2, 0) @ _LUMA
    median, p30 = (float(v) for v in np.percentile(luma, (50, 30)))
    h = 0.0
    if share > 0.0 and median < LIFT_KEY:
        h = share * lift_to_key(median, LIFT_KEY)
    if p30 < SHADOW_FLOOR:
        h = max(h, lift_to_key(p30, SHADOW_FLOOR))
    return h


def lift_to_key(y: float, key: float) -> float:
    """The h whose shoulder y (1 + h) / (1 + h y) maps ``y`` to ``key`` (on a grey, as both
    forms of the shoulder do), at most ``SHADOWS_MAX`` stops (a black result, y = 0, gets the
    most)."""
    h = (key - y) / (max(y, 1e-3) * (1.0 - key))
    return float(min(max(h, 0.0), lift_for_stops(SHADOWS_MAX)))


PROBE_SIDE = 384  # long side of the small copy of the photo the highlight check runs on


def probe(data: np.ndarray, factor: int) -> np.ndarray:
    """The photo as a small HxWx3 float32 copy for the highlight check: area-averaged to at most
    PROBE_SIDE pixels on its long side (a network's look at a thumbnail squeezed to a square is
    not its look at the photo), sides a multiple of the model's factor."""
    # a large photo is strided to about twice the probe first (as ``thumbnail`` does): a 24 MP
    # photo costs milliseconds, not an area average over every pixel
    step = max(1, max(data.shape[:2]) // (2 * PROBE_SIDE))
    data = data[::step, ::step]
    h, w = data.shape[:2]
    s = min(1.0, PROBE_SIDE / max(h, w))
    ph = max(factor, int(h * s) // factor * factor)
    pw = max(factor, int(w * s) // factor * factor)
    small = area_resize(data[:, :, :3] if data.shape[2] >= 3 else data[:, :, :1], pw, ph)
    if small.ndim == 2:
        small = small[:, :, None]
    if small.shape[2] == 1:
        small = np.repeat(small, 3, axis=2)
    small /= np.float32(scale_for(data.dtype))
    return np.clip(small, 0.0, 1.0)


def probe_result(
    engine: Engine, small: np.ndarray, thumb: np.ndarray, exposure: float, lift: float = 0.0
) -> np.ndarray:
    """The model's result (3xHxW) on ``small`` (``probe``) at ``exposure`` EV and ``lift``."""
    x = np.ascontiguousarray(small.transpose(2, 0, 1)[None])
    if lift > 0.0:  # (engines without the input are never handed one)
        return engine.run(x, thumb=thumb, exposure=exposure, lift=lift)[0]
    return engine.run(x, thumb=thumb, exposure=exposure)[0]


def newly_clipped(small: np.ndarray, out: np.ndarray) -> float:
    """The fraction of ``small`` (``probe``) the model's result ``out`` (``probe_result``)
    clips (a channel at 255) that was not clipped before."""
    before = small.max(axis=2) >= CLIP_LEVEL
    after = out.max(axis=0) >= CLIP_LEVEL
    return float((after & ~before).mean())


def photo_conditioning(
    data: np.ndarray, engine: Engine, exposure: float = 0.0
) -> tuple[float | None, np.ndarray | None]:
    """``(gain, thumb)`` of ``conditioning``: the brightening the model applies (after highlight
    protection) and the exposure head's thumbnail (None for models without one)."""
    c = conditioning(data, engine, exposure)
    return c.gain, c.thumb


def unchanged_reason(
    data: np.ndarray,
    engine: Engine,
    strength: float = 1.0,
    exposure: float = 0.0,
    *,
    conditioned: Conditioning | None = None,
    shadows: float | None = None,
) -> str | None:
    """Why ``enhance_pixels(data, engine, strength, exposure=exposure)`` would return ``data``
    as it is, or None when it changes the photo.

    That happens when the strength, after the well-exposed rule (``GainModel.model_weight``:
    no brightening needed at this exposure, so none of the model's result is used), is 0. An
    exposure offset counts: a photo left unchanged at 0 EV is brightened at +1 EV, and one the
    model would brighten may need nothing at -2 EV. ``conditioned``: the photo's
    ``conditioning`` at ``exposure`` when the caller has it (the batch hands the same one to
    ``enhance_pixels``: it runs the model on the probe, work not to do twice).
    """
    if float(strength) == 0.0:
        return "strength 0: left unchanged"
    ev = check_exposure(exposure)
    if (conditioned or conditioning(data, engine, ev, shadows)).weight > 0.0:
        return None
    if ev < 0.0:
        return f"needs no brightening at {ev:+g} EV: left unchanged"
    return "already well exposed: left unchanged"


def enhance_pixels(
    data: np.ndarray,
    engine: Engine,
    settings: Settings | Plan = DEFAULTS,
    *,
    tile: int = DEFAULT_TILE,
    on_tile: OnTile | None = None,
    cancel: Any = None,
    out: np.ndarray | None = None,
    **changes: Any,
) -> np.ndarray:
    """``pipeline.develop``'s pixels: ``data`` (HxWx3 / HxWx1 / HxW, uint8, uint16 or float in
    0..1) developed at ``settings`` with ``changes`` (keys as in ``SPECS``: ``strength=0.5``,
    ``denoise=0.3``), in its stored type (float comes back as float32). See ``develop`` for
    ``tile``, ``on_tile``, ``cancel`` and ``out``."""
    from .pipeline import develop, settings_from_keywords  # (the pipeline imports this module)

    how = settings_from_keywords(settings, changes)
    return develop(
        data, engine, how, tile=tile, on_tile=on_tile, cancel=cancel, out=out
    ).pixels


def enhance_array(
    rgb: np.ndarray,
    engine: Engine,
    settings: Settings = DEFAULTS,
    *,
    tile: int = DEFAULT_TILE,
    on_tile: OnTile | None = None,
    cancel: Any = None,
    **changes: Any,
) -> np.ndarray:
    """Enhance an HxWx3 float image in 0..1 and return a new HxWx3 float32 array (the float form
    of ``enhance_pixels``); channels past the third are ignored."""
    if rgb.ndim != 3 or rgb.shape[2] < 3:
        raise ValueError(f"expected an HxWx3 image, got shape {rgb.shape}")
    if rgb.shape[2] > 3:
        rgb = rgb[:, :, :3]
    if rgb.dtype.kind != "f":
        raise ValueError(f"expected a float image in 0..1, got {rgb.dtype}")
    return enhance_pixels(
        rgb, engine, settings, tile=tile, on_tile=on_tile, cancel=cancel, **changes
    )


def check_exposure(exposure: float) -> float:
    """``exposure`` as a float within its declared range, or a LowlightError that says so."""
    return _check("exposure", exposure)


def check_denoise(amount: float) -> float:
    """``amount`` as a float within its declared range, or a LowlightError that says so."""
    return _check("denoise", amount)


def _check(key: str, value: float) -> float:
    checked = SPECS_BY_KEY[key].check(value)
    assert checked is not None  # (only Auto settings take None, and these are not)
    return checked


def denoise_ignored(engine: Any, amount: float) -> str | None:
    """Why ``amount`` (below 1) cannot be applied with ``engine``'s model, or None when it can
    (or need not be): ``pipeline.ignored_settings`` for the noise reduction alone."""
    from .pipeline import ignored_settings

    return ignored_settings(engine, DEFAULTS.replace(denoise=check_denoise(amount))).get(
        "denoise"
    )


def apply_strength(original: np.ndarray, enhanced: np.ndarray, strength: float) -> np.ndarray:
    """original + strength * (enhanced - original), computed in place in ``enhanced`` (no copy of
    a full-size photo); strength is linear, so a cached strength-1 result can be re-mixed."""
    if strength < 1.0:
        enhanced -= original
        enhanced *= np.float32(strength)
        enhanced += original
    return enhanced


def enhance_photo(
    photo: Photo,
    engine: Engine,
    settings: Settings = DEFAULTS,
    *,
    tile: int = DEFAULT_TILE,
    on_tile: OnTile | None = None,
    cancel: Any = None,
    **changes: Any,
) -> np.ndarray:
    """``enhance_pixels`` on a Photo, returned as HxWx3 float32 in 0..1 (a full-size float copy,
    for code that wants floats; the batch develops ``photo.data`` and writes that). Anything
    with float ``pixels`` (HxWx3) works too."""
    data = getattr(photo, "data", None)
    if data is None:
        return enhance_array(
            photo.pixels, engine, settings, tile=tile, on_tile=on_tile, cancel=cancel, **changes
        )
    out = enhance_pixels(
        data, engine, settings, tile=tile, on_tile=on_tile, cancel=cancel, **changes
    )
    return to_float_rgb(out)


def to_float_rgb(data: np.ndarray) -> np.ndarray:
    """HxWx3 / HxWx1 / HxW pixels of any stored type as a new HxWx3 float32 array in 0..1."""
    if data.ndim == 2:
        data = data[:, :, None]
    rgb = np.empty((*data.shape[:2], 3), np.float32)
    np.divide(data[:, :, :3], np.float32(scale_for(data.dtype)), out=rgb)  # grey broadcasts
    return rgb
