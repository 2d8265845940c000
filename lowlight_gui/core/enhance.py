"""Enhance a whole photo: global gain, tiles through the engine, feathered blend, strength.

The one path used by the batch runner, the evaluation and the GUI preview.

Memory: ``enhance_pixels`` keeps the photo in its stored type (uint8/uint16) and writes the result
into a new array of that type; float32 exists only per tile and per band of rows (``tiling``).
Greyscale (one channel) goes through the RGB model as three equal channels and comes back as
their mean, so it stays grey.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from . import chroma
from .brightness import GainModel, estimate_gain, thumbnail
from .chroma import check_colour_noise
from .engine import DEFAULT_FACTOR, DEFAULT_OVERLAP, is_out_of_memory
from .errors import Cancelled, LowlightError
from .resize import area_resize
from .tiling import OnTile, blend_tiled, min_tile, scale_for

if TYPE_CHECKING:
    from .engine import Engine
    from .imageio import Photo

log = logging.getLogger(__name__)

DEFAULT_TILE = 1024  # fastest for 2-24 MP photos with the shipped model (README)
FIRST_TILE_AFTER_WHOLE = 1024  # tile size tried when a whole-image run (tile=0) runs out of memory


def _next_tile(tile: int, h: int, w: int, smallest: int) -> int | None:
    """The tile size to retry with after an out-of-memory error, or None when there is none."""
    if tile <= 0:
        nxt = min(FIRST_TILE_AFTER_WHOLE, max(h, w) // 2)
    else:
        nxt = tile // 2
    nxt = max(nxt, smallest)
    if tile > 0 and nxt >= tile:
        return None
    return nxt


@dataclass(frozen=True)
class Conditioning:
    """What the whole photo decides for every tile (``conditioning``)."""

    gain: float | None  # the brightening the model applies (None: a model that takes none)
    thumb: np.ndarray | None  # the exposure head's input (v2 and later), the same for every tile
    exposure: float  # EV handed to the network: the one asked for, less highlight protection
    weight: float  # how much of the model's result to use (well-exposed rule, highlights)
    lift: float = 0.0  # the shadow lift h handed to a model with that input (auto_lift)


CLIP_LEVEL = 254.5 / 255  # a channel at or above this is clipped (255 once stored in 8 bits)
PROTECT_STEP = 0.25  # EV per step of highlight protection
PROTECT_STEPS = 4  # at most one stop down


def conditioning(
    data: np.ndarray, engine: Engine, exposure: float = 0.0, shadows: float | None = None
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
    """
    gm: GainModel = getattr(engine, "gain_model", None) or GainModel()
    if getattr(engine, "has_exposure_head", False):
        thumb = thumbnail(data, engine.thumb_side)
        budget = gm.clip
        has_lift = bool(getattr(engine, "has_lift", False))
        need_probe = budget < 1 or (has_lift and shadows is None)
        small = probe(data, int(getattr(engine, "factor", DEFAULT_FACTOR))) if need_probe else None
        runs: dict[float, np.ndarray] = {}  # the model's result on the small copy, by EV

        def result(e: float) -> np.ndarray:
            assert small is not None  # (only called when there is a probe)
            if e not in runs:
                runs[e] = probe_result(engine, small, thumb, e)
            return runs[e]

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
                while lift > 0.0 and newly_clipped(
                    small, probe_result(engine, small, thumb, ev0, lift)
                ) > budget:
                    stops = stops_for_lift(lift) - PROTECT_STEP
                    lift = lift_for_stops(stops) if stops > 1e-6 else 0.0
        return Conditioning(gain, thumb, ev, weight, lift)
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
SHADOWS_MAX = 2.0  # stops: the shadows come up at most four times (h = 3)
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
    """``stops`` as a float within 0..SHADOWS_MAX, or a LowlightError that says so."""
    value = float(stops)
    if not 0.0 <= value <= SHADOWS_MAX:  # also refuses nan
        raise LowlightError(
            f"shadow lift must be between 0 and {SHADOWS_MAX:g} stops (or auto), got {value:g}"
        )
    return value


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
    strength: float = 1.0,
    tile: int = DEFAULT_TILE,
    on_tile: OnTile | None = None,
    cancel: Any = None,
    out: np.ndarray | None = None,
    exposure: float = 0.0,
    denoise: float = 1.0,
    *,
    conditioned: Conditioning | None = None,
    shadows: float | None = None,
    colour_noise: float = 0.0,
    downscaled: float = 1.0,
) -> np.ndarray:
    """Enhance pixels in their stored type and return a new array of the same shape and type.

    ``data``: HxWx3 (RGB) or HxWx1 / HxW (grey), uint8, uint16 or float in 0..1 (float comes back
    as float32). ``strength`` blends the input (0) with the enhanced result (1). ``tile``: tile
    size in pixels (0 = the whole image in one piece). ``on_tile(done, total)`` reports progress;
    ``cancel`` (threading.Event or callable) is checked between tiles and raises ``Cancelled``.
    When the provider runs out of memory the image is redone with tiles half the size, down to
    the smallest tile the model allows. Peak extra memory: the output plus one band of rows.

    ``out=data`` (a writable array) enhances in place: each band of rows is written over the
    rows that no later tile reads, so no second full-size array is needed. ``data`` is then
    garbage if this raises, and an out-of-memory error after the first band cannot be retried.

    ``exposure`` (EV, -2..+2; 0 = the model's own estimate) offsets the brightness the model
    aims for before the network runs, so a brighter choice is denoised accordingly. Models
    without an exposure head (v1) get it as a factor of 2**EV on their gain.

    ``denoise`` (0..1) is how much of the model's noise removal to keep: each tile is
    ``base + denoise * (output - base)`` (``engine.mix_denoise``), blended before the tiles are,
    so memory stays bounded; ``strength`` applies after it. A model without a ``base`` output
    runs at full noise removal (``denoise_ignored`` says so).

    ``shadows``: the shadow lift in stops (None: chosen per photo, ``auto_lift``) for models
    with a lift input; others ignore it.

    ``colour_noise`` (0..1, 0 = off): how much of the colour blotches of very high-ISO photos is
    removed after the network (``core.chroma``, on each tile; grey photos have none).
    ``downscaled``: how many pixels of the original photo one pixel of ``data`` stands for (the
    GUI's fast preview), so that the same blotches are reduced.
    """
    strength = float(strength)
    if not 0.0 <= strength <= 1.0:
        raise LowlightError(f"strength must be between 0 and 1, got {strength:g}")
    colour_noise = check_colour_noise(colour_noise)
    if data.ndim == 2:
        out3 = None if out is None else out[:, :, None]
        return enhance_pixels(
            data[:, :, None], engine, strength, tile, on_tile, cancel, out3, exposure, denoise,
            conditioned=conditioned, shadows=shadows,
        )[:, :, 0]
    if data.ndim != 3 or data.shape[2] not in (1, 3):
        raise ValueError(f"expected an HxWx3 or HxWx1 image, got shape {data.shape}")
    out_dtype = data.dtype if data.dtype in (np.uint8, np.uint16) else np.dtype(np.float32)
    if data.dtype.kind not in "fui":
        raise ValueError(f"unsupported pixel type {data.dtype}")

    factor = int(getattr(engine, "factor", DEFAULT_FACTOR))
    overlap = int(getattr(engine, "overlap", DEFAULT_OVERLAP))
    exposure = check_exposure(exposure)
    denoise = check_denoise(denoise)
    ignored = denoise_ignored(engine, denoise)
    if ignored:
        log.warning(ignored)
    # Only a model with a base output is asked for a mix, and only one with a lift input for a
    # lift (engines of other kinds take no such arguments).
    run_args: dict[str, Any] = {"denoise": denoise} if denoise < 1.0 and not ignored else {}
    if not run_args:  # the output alone: it may need less context than output and base together
        overlap = int(getattr(engine, "overlap_output", overlap))
    # ``conditioned``: the caller's conditioning of this photo at this exposure (the batch's)
    cond = conditioned or conditioning(data, engine, exposure, shadows)
    gain, thumb, exposure = cond.gain, cond.thumb, cond.exposure
    if cond.lift > 0.0:  # (engines without a lift input are never handed one)
        run_args["lift"] = cond.lift
    # A photo that needs little gain (already well exposed, or darkened on purpose with a
    # negative EV) is mostly left as it is (GainModel.full); highlights may lower the exposure.
    strength *= cond.weight
    in_place = out is not None and np.shares_memory(out, data)
    if out is not None and (out.shape != data.shape or out.dtype != out_dtype):
        raise ValueError(f"out must be {data.shape} {out_dtype}, got {out.shape} {out.dtype}")
    if strength == 0.0:
        if in_place and out is not None:  # (in_place implies out; says so to the type checker)
            return out
        if out is None:
            return np.array(data, dtype=out_dtype)
        out[...] = data
        return out

    grey = data.shape[2] == 1
    if grey:
        colour_noise = 0.0
    # The colour-noise filter reads up to chroma.REACH (64) px around a pixel, into the tile's
    # margin; no extra overlap: what the network gives there differs from the whole photo's too
    # little to move a colour averaged over 8x8 blocks (tiled = whole to 1/255 on a real ISO
    # 51200 frame), and 64 px more overlap made a 24 MP photo 48 tiles instead of 35 (+4.9 s).

    def fn(t: np.ndarray) -> np.ndarray:
        batch = t.transpose(2, 0, 1)[None]
        if grey:  # the model wants RGB: three equal channels in, their mean out
            batch = np.repeat(batch, 3, axis=1)
        if thumb is not None:
            result = engine.run(batch, thumb=thumb, exposure=exposure, **run_args)[0]
        else:
            result = engine.run(batch, gain, **run_args)[0]
        if grey:
            result = result.mean(axis=0, keepdims=True, dtype=np.float32)
        elif colour_noise > 0.0:
            result = chroma.reduce_colour_noise_planes(
                np.asarray(result, np.float32), colour_noise, downscaled
            )
        return result.transpose(1, 2, 0)

    if out is None:
        out = np.empty(data.shape, out_dtype)
    if in_place and out is not data:
        raise ValueError("out may be data itself or an array of its own, not a view of part of it")
    written = [False]  # set once a band has been flushed (in place: data is no longer intact)
    flush = _flusher(data, out, strength, written)
    h, w = data.shape[:2]
    smallest = min_tile(overlap, factor)
    current = int(tile)
    while True:
        try:
            blend_tiled(data, fn, current, overlap, factor, flush, on_tile=on_tile, cancel=cancel)
            return out
        except Cancelled:
            raise
        except Exception as exc:
            if not is_out_of_memory(exc):
                raise
            nxt = _next_tile(current, h, w, smallest)
            if in_place and written[0]:
                nxt = None  # part of the photo is already overwritten: no second try
            if nxt is None:
                raise LowlightError(
                    f"not enough memory to enhance a {w}x{h} photo, even in {current}-pixel tiles"
                ) from exc
            log.warning(
                "out of memory with %s; retrying with %d-pixel tiles",
                "the whole image" if current <= 0 else f"{current}-pixel tiles", nxt,
            )
            current = nxt


def _flusher(
    data: np.ndarray, out: np.ndarray, strength: float, written: list[bool]
) -> Callable[[int, int, np.ndarray], None]:
    """The tiling flush: clip a band of blended rows, mix in the original by ``strength`` and
    store it in ``out``'s type (rounded), so that no full-size float array is ever made."""
    scale = np.float32(scale_for(data.dtype))
    out_scale = np.float32(scale_for(out.dtype))
    s = np.float32(strength)

    def flush(y0: int, y1: int, rows: np.ndarray) -> None:
        written[0] = True
        np.clip(rows, 0.0, 1.0, out=rows)
        if strength < 1.0:
            original = np.divide(data[y0:y1], scale, dtype=np.float32)
            rows -= original
            rows *= s
            rows += original
        if out.dtype.kind == "f":
            out[y0:y1] = rows
            return
        rows *= out_scale
        np.rint(rows, out=rows)
        out[y0:y1] = rows

    return flush


def enhance_array(
    rgb: np.ndarray,
    engine: Engine,
    strength: float = 1.0,
    tile: int = DEFAULT_TILE,
    on_tile: OnTile | None = None,
    cancel: Any = None,
    exposure: float = 0.0,
    denoise: float = 1.0,
    shadows: float | None = None,
    colour_noise: float = 0.0,
    downscaled: float = 1.0,
) -> np.ndarray:
    """Enhance an HxWx3 float image in 0..1 and return a new HxWx3 float32 array.

    The float form of ``enhance_pixels`` (for the evaluation and the GUI preview); channels past
    the third are ignored.
    """
    if rgb.ndim != 3 or rgb.shape[2] < 3:
        raise ValueError(f"expected an HxWx3 image, got shape {rgb.shape}")
    if rgb.shape[2] > 3:
        rgb = rgb[:, :, :3]
    if rgb.dtype.kind != "f":
        raise ValueError(f"expected a float image in 0..1, got {rgb.dtype}")
    return enhance_pixels(
        rgb, engine, strength, tile, on_tile, cancel, exposure=exposure, denoise=denoise,
        shadows=shadows, colour_noise=colour_noise, downscaled=downscaled,
    )


EXPOSURE_RANGE = (-2.0, 2.0)  # EV offered to the person (GUI slider, CLI --exposure)


def check_exposure(exposure: float) -> float:
    """``exposure`` as a float within EXPOSURE_RANGE, or a LowlightError that says so."""
    ev = float(exposure)
    lo, hi = EXPOSURE_RANGE
    if not lo <= ev <= hi:
        raise LowlightError(f"exposure must be between {lo:+g} and {hi:+g} EV, got {ev:+g}")
    return ev


DENOISE_RANGE = (0.0, 1.0)  # how much of the model's noise removal is kept (GUI, CLI --denoise)
NO_BASE_MESSAGE = (
    "this model has no separate noise reduction (no 'base' output: it was exported before "
    "Lowlight had the control), so it always removes noise in full; the noise reduction "
    "amount is ignored"
)


def check_denoise(amount: float) -> float:
    """``amount`` as a float within DENOISE_RANGE, or a LowlightError that says so."""
    value = float(amount)
    lo, hi = DENOISE_RANGE
    if not lo <= value <= hi:  # also refuses nan
        raise LowlightError(f"noise reduction must be between {lo:g} and {hi:g}, got {value:g}")
    return value


def denoise_ignored(engine: Any, amount: float) -> str | None:
    """Why ``amount`` (below 1) cannot be applied with ``engine``'s model, or None when it can
    (or need not be): only models with a ``base`` output (contract.BASE) separate the noise
    removal from the brightening."""
    if amount >= 1.0 or getattr(engine, "has_base", False):
        return None
    return NO_BASE_MESSAGE


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
    strength: float = 1.0,
    tile: int = DEFAULT_TILE,
    on_tile: OnTile | None = None,
    cancel: Any = None,
    exposure: float = 0.0,
    denoise: float = 1.0,
    shadows: float | None = None,
) -> np.ndarray:
    """``enhance_pixels`` on a Photo, returned as HxWx3 float32 in 0..1 (a full-size float copy,
    for code that wants floats; the batch uses ``enhance_pixels(photo.data)`` and writes that)."""
    data = getattr(photo, "data", None)
    if data is None:  # anything with float ``pixels`` (HxWx3) works too
        return enhance_array(
            photo.pixels, engine, strength, tile, on_tile, cancel, exposure, denoise, shadows
        )
    out = enhance_pixels(
        data, engine, strength, tile, on_tile, cancel, exposure=exposure, denoise=denoise,
        shadows=shadows,
    )
    return to_float_rgb(out)


def to_float_rgb(data: np.ndarray) -> np.ndarray:
    """HxWx3 / HxWx1 / HxW pixels of any stored type as a new HxWx3 float32 array in 0..1."""
    if data.ndim == 2:
        data = data[:, :, None]
    rgb = np.empty((*data.shape[:2], 3), np.float32)
    np.divide(data[:, :, :3], np.float32(scale_for(data.dtype)), out=rgb)  # grey broadcasts
    return rgb
