"""The one per-photo pipeline: a photo, an engine and a ``Settings`` in, pixels and what was
decided out. The batch (and so the CLI), the evaluation, the self-test and the window's preview
all develop photos here, so that the preview shows what the batch writes.

Two steps:

- ``plan``: what the whole photo decides at these settings, once (``enhance.conditioning``: the
  well-exposed rule, highlight protection, Auto shadows; which settings this model honours; why
  the photo is left as it is). A ``Plan`` is reused for every region of the photo.
- ``develop``: the network over the photo in tiles (the noise-reduction mix, the colour-noise
  filter, greyscale as three equal channels), blended and mixed with the original by the
  strength, in the photo's stored type; or only a ``region`` of it, whose pixels are the same
  pixels of the whole result.

Memory: the photo stays in its stored type (uint8/uint16) and the result is a new array of that
type (or the photo itself, ``out=data``); float32 exists only per tile and per band of rows
(``tiling``). Greyscale (one channel) goes through the RGB model as three equal channels and
comes back as their mean, so it stays grey.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from . import chroma
from .engine import DEFAULT_FACTOR, DEFAULT_OVERLAP, is_out_of_memory
from .enhance import (
    DEFAULT_TILE,
    Conditioning,
    SmallCopies,
    conditioning,
    stops_for_lift,
    unchanged_reason,
)
from .errors import Cancelled, LowlightError
from .night_sky import SkyHold
from .settings import DEFAULTS, SPECS_BY_KEY, Settings, unsupported
from .tiling import Box, Grid, OnTile, blend_tiled, min_tile, scale_for

if TYPE_CHECKING:
    from .engine import Engine

log = logging.getLogger(__name__)

FIRST_TILE_AFTER_WHOLE = 1024  # tile size tried when a whole-image run (tile=0) runs out of memory

GREY_MESSAGE = "a greyscale photo has no colour noise; the colour noise setting is ignored"


@dataclass(frozen=True)
class Decisions:
    """What the pipeline decided for one photo at its settings."""

    exposure: float  # EV the network got (asked EV less highlight protection)
    lift: float  # shadow lift h it ran with (Auto's choice when settings.shadows is None)
    shadows: float  # the same lift in stops
    # keys of the settings this model cannot apply at any value (``settings.unsupported``): its
    # controls are shown off, with why
    unsupported: tuple[str, ...]
    unchanged: str | None  # why the photo is left as it is ("already well exposed: ..."), or None
    ignored: tuple[str, ...] = ()  # keys of the settings asked for that cannot apply here
    # sentences about this photo for the person (why it is left as it is, a grey photo's colour
    # noise); what the model cannot do is said once per run (``ignored_settings``), not per photo
    notes: tuple[str, ...] = ()
    # the share of the frame whose night sky keeps its own brightness (``night_sky.sky_map``'s
    # mean; 0: no night sky found, no lift, or the setting at 0)
    night_sky: float = 0.0


@dataclass(frozen=True)
class Plan:
    """A photo's development at ``settings``, decided once (``plan``) for all its regions."""

    settings: Settings
    conditioning: Conditioning
    decisions: Decisions
    # how many pixels of the original photo one pixel of the planned data stands for (the
    # preview's fast pass), so that the colour-noise filter works at the photo's own scale
    downscaled: float = 1.0
    grey: bool = False  # one channel: no colour noise to remove


class Developed(NamedTuple):
    pixels: np.ndarray
    decisions: Decisions


def ignored_settings(engine: Any, settings: Settings, *, grey: bool = False) -> dict[str, str]:
    """The settings asked for that ``engine``'s model (or a grey photo) cannot apply, each with
    why: what the declaration says the model needs (``Spec.needs``: a ``base`` output for the
    noise-reduction amount, a ``lift`` input for a shadow lift set by hand), and grey has no
    colour noise. Settings at their defaults are never ignored."""
    ignored = {
        key: why
        for key, why in unsupported(engine).items()
        if getattr(settings, key) != SPECS_BY_KEY[key].default
    }
    if grey and settings.colour_noise > 0.0:
        ignored["colour_noise"] = GREY_MESSAGE
    return ignored


def plan(
    data: np.ndarray,
    engine: Engine,
    settings: Settings = DEFAULTS,
    *,
    downscaled: float = 1.0,
    copies: SmallCopies | None = None,
) -> Plan:
    """Decide ``data``'s development at ``settings`` (the whole photo, or a downscaled copy of it
    standing for ``downscaled`` of its pixels each): runs the model on a small probe of it
    (tens of milliseconds), so it is done once per photo and settings. ``copies``: ``data``'s
    small copies and the model's results on them, kept from the photo's earlier plans (the
    window's); the plan is the same without them."""
    if data.ndim == 2:  # HxW: grey
        data = data[:, :, None]
    grey = data.shape[2] == 1
    lift_available = bool(getattr(engine, "has_lift", False))
    ignored = ignored_settings(engine, settings, grey=grey)
    for why in ignored.values():
        log.warning(why)
    shadows = settings.shadows if lift_available else None
    cond = conditioning(data, engine, settings.exposure, shadows, copies=copies)
    unchanged = unchanged_reason(
        data, engine, settings.strength, settings.exposure, conditioned=cond, shadows=shadows
    )
    held = held_sky(cond, settings) if unchanged is None else None
    decisions = Decisions(
        exposure=cond.exposure,
        lift=cond.lift,
        shadows=stops_for_lift(cond.lift),
        unsupported=tuple(unsupported(engine)),
        unchanged=unchanged,
        ignored=tuple(ignored),
        notes=((unchanged,) if unchanged else ())
        + ((GREY_MESSAGE,) if "colour_noise" in ignored else ()),
        night_sky=0.0 if held is None else float(held.mean()),
    )
    return Plan(settings, cond, decisions, float(downscaled), grey)


def held_sky(cond: Conditioning, settings: Settings) -> np.ndarray | None:
    """The night sky's map when it keeps its own brightness (one was found in a lifted photo,
    and the night sky setting asks for it), or None."""
    return cond.sky if settings.night_sky > 0.0 else None


def develop(
    data: np.ndarray,
    engine: Engine,
    settings: Settings | Plan = DEFAULTS,
    *,
    tile: int = DEFAULT_TILE,
    on_tile: OnTile | None = None,
    cancel: Any = None,
    out: np.ndarray | None = None,
    region: Box | None = None,
) -> Developed:
    """Develop ``data`` with ``engine`` at ``settings`` (or a ``plan`` made from them for this
    data, to reuse its decisions): the pixels in their stored type and the decisions.

    ``data``: HxWx3 (RGB) or HxWx1 / HxW (grey), uint8, uint16 or float in 0..1 (float comes back
    as float32). ``tile``: tile size in pixels (0 = the whole image in one piece).
    ``on_tile(done, total)`` reports progress; ``cancel`` (threading.Event or callable) is
    checked between tiles and raises ``Cancelled``. When the provider runs out of memory the
    photo is redone with tiles half the size, down to the smallest tile the model allows. Peak
    extra memory: the output plus one band of rows.

    ``out=data`` (a writable array) develops in place: each band of rows is written over the
    rows that no later tile reads, so no second full-size array is needed. ``data`` is then
    garbage if this raises, and an out-of-memory error after the first band cannot be retried.

    ``region``: a box of ``data``; only its pixels are developed and returned (box height x box
    width), equal to the same pixels of the whole result: the tiles that reach it are run with
    the whole photo's conditioning and tile grid.
    """
    if not isinstance(settings, (Settings, Plan)):  # (e.g. a strength where settings go)
        raise TypeError(f"settings must be a Settings or a Plan, not {type(settings).__name__}")
    if data.ndim == 2:
        out3 = None if out is None else out[:, :, None]
        flat = develop(
            data[:, :, None],
            engine,
            settings,
            tile=tile,
            on_tile=on_tile,
            cancel=cancel,
            out=out3,
            region=region,
        )
        return Developed(flat.pixels[:, :, 0], flat.decisions)
    if data.ndim != 3 or data.shape[2] not in (1, 3):
        raise ValueError(f"expected an HxWx3 or HxWx1 image, got shape {data.shape}")
    if data.dtype.kind not in "fui":
        raise ValueError(f"unsupported pixel type {data.dtype}")
    the_plan = settings if isinstance(settings, Plan) else plan(data, engine, settings)
    box = None if region is None else region.check_inside(*data.shape[:2])
    pixels = TileRun(data, engine, the_plan, box).pixels(tile, on_tile, cancel, out)
    return Developed(pixels, the_plan.decisions)


class TileRun:
    """One development of ``data`` by ``plan`` (the network's arguments and tile function)."""

    def __init__(self, data: np.ndarray, engine: Engine, plan: Plan, box: Box | None) -> None:
        self.data, self.engine, self.plan, self.box = data, engine, plan, box
        self.factor = int(getattr(engine, "factor", DEFAULT_FACTOR))
        overlap = int(getattr(engine, "overlap", DEFAULT_OVERLAP))
        settings, cond = plan.settings, plan.conditioning
        ignored = plan.decisions.ignored
        # Only a model with a base output is asked for a mix, and only one with a lift input for
        # a lift (engines of other kinds take no such arguments).
        mix = settings.denoise < 1.0 and "denoise" not in ignored
        self.run_args: dict[str, Any] = {"denoise": settings.denoise} if mix else {}
        if not mix:  # the output alone: it may need less context than output and base together
            overlap = int(getattr(engine, "overlap_output", overlap))
        self.overlap = overlap
        if cond.lift > 0.0:
            self.run_args["lift"] = cond.lift
        self.colour_noise = 0.0 if plan.grey else settings.colour_noise
        # the night sky gets its own curve on the blended result (its map is the whole
        # photo's, so every tile, region and band reads the same place in it)
        self.hold: SkyHold | None = None
        sky = held_sky(cond, settings)
        if sky is not None:
            h, w = data.shape[:2]
            self.hold = SkyHold(sky, lift=cond.lift, own=cond.sky_lift, keep=settings.night_sky,
                                height=h, width=w)
        # A photo that needs little gain (already well exposed, or darkened on purpose with a
        # negative EV) is mostly left as it is (GainModel.full); highlights may lower the
        # exposure.
        self.strength = settings.strength * cond.weight

    def tile_fn(self, t: np.ndarray) -> np.ndarray:
        """The network (and the colour-noise filter) on one float32 HxWxC tile."""
        cond, grey = self.plan.conditioning, self.plan.grey
        batch = t.transpose(2, 0, 1)[None]
        if grey:  # the model wants RGB: three equal channels in, their mean out
            batch = np.repeat(batch, 3, axis=1)
        if cond.thumb is not None:
            result = self.engine.run(
                batch, thumb=cond.thumb, exposure=cond.exposure, **self.run_args
            )[0]
        else:
            result = self.engine.run(batch, cond.gain, **self.run_args)[0]
        if grey:
            result = result.mean(axis=0, keepdims=True, dtype=np.float32)
        elif self.colour_noise > 0.0:
            # The filter reads up to chroma.REACH (64) px around a pixel, into the tile's
            # margin; no extra overlap: what the network gives there differs from the whole
            # photo's too little to move a colour averaged over 8x8 blocks (tiled = whole to
            # 1/255 on a real ISO 51200 frame), and 64 px more overlap made a 24 MP photo 48
            # tiles instead of 35 (+4.9 s).
            result = chroma.reduce_colour_noise_planes(
                np.asarray(result, np.float32), self.colour_noise, self.plan.downscaled
            )
        return result.transpose(1, 2, 0)

    def pixels(
        self, tile: int, on_tile: OnTile | None, cancel: Any, out: np.ndarray | None
    ) -> np.ndarray:
        data, box = self.data, self.box
        out_dtype = data.dtype if data.dtype in (np.uint8, np.uint16) else np.dtype(np.float32)
        shape = data.shape if box is None else (box.height, box.width, data.shape[2])
        in_place = out is not None and np.shares_memory(out, data)
        if out is not None and (out.shape != shape or out.dtype != out_dtype):
            raise ValueError(f"out must be {shape} {out_dtype}, got {out.shape} {out.dtype}")
        if in_place and (box is not None or out is not data):
            raise ValueError(
                "out may be data itself (not with a region) or an array of its own, "
                "not a view of part of it"
            )
        original = data if box is None else data[box.y : box.bottom, box.x : box.right]
        if self.strength == 0.0:
            if in_place and out is not None:  # (in_place implies out; says so to mypy)
                return out
            if out is None:
                return np.array(original, dtype=out_dtype)
            out[...] = original
            return out
        if out is None:
            out = np.empty(shape, out_dtype)
        written = [False]  # set once a band has been flushed (in place: data is no longer intact)
        origin = (0, 0) if box is None else (box.y, box.x)
        flush = flusher(original, out, self.strength, written, hold=self.hold, origin=origin)
        h, w = data.shape[:2]
        smallest = min_tile(self.overlap, self.factor)
        current = int(tile)
        while True:
            try:
                grid = Grid(current, self.overlap, self.factor)
                blend_tiled(
                    data, self.tile_fn, grid, flush, region=box, on_tile=on_tile, cancel=cancel
                )
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
                        f"not enough memory to enhance a {w}x{h} photo, even in "
                        f"{current}-pixel tiles"
                    ) from exc
                log.warning(
                    "out of memory with %s; retrying with %d-pixel tiles",
                    "the whole image" if current <= 0 else f"{current}-pixel tiles",
                    nxt,
                )
                current = nxt


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


def flusher(
    original: np.ndarray,
    out: np.ndarray,
    strength: float,
    written: list[bool],
    *,
    hold: SkyHold | None = None,
    origin: tuple[int, int] = (0, 0),
) -> Callable[[int, int, np.ndarray], None]:
    """The tiling flush: clip a band of blended rows, give the night sky its own curve
    (``hold``; ``origin``: the photo's row and column of ``out``'s corner), mix in the original
    by ``strength`` and store it in ``out``'s type (rounded), so that no full-size float array is
    ever made."""
    scale = np.float32(scale_for(original.dtype))
    out_scale = np.float32(scale_for(out.dtype))
    s = np.float32(strength)

    def flush(y0: int, y1: int, rows: np.ndarray) -> None:
        written[0] = True
        np.clip(rows, 0.0, 1.0, out=rows)
        if hold is not None:
            hold.apply(rows, origin[0] + y0, origin[1])
        if strength < 1.0:
            before = np.divide(original[y0:y1], scale, dtype=np.float32)
            rows -= before
            rows *= s
            rows += before
        if out.dtype.kind == "f":
            out[y0:y1] = rows
            return
        rows *= out_scale
        np.rint(rows, out=rows)
        out[y0:y1] = rows

    return flush


def settings_from_keywords(base: Settings | Plan, changes: dict[str, Any]) -> Settings | Plan:
    """``base`` with ``changes`` (keys as in ``SPECS``: ``denoise=0.5``), for the keyword forms
    of ``enhance.enhance_pixels``; a Plan cannot be changed (it was decided for its settings)."""
    if not changes:
        return base
    if isinstance(base, Plan):
        raise TypeError("settings cannot be changed on a Plan: plan them again")
    unknown = sorted(set(changes) - set(SPECS_BY_KEY))
    if unknown:
        raise TypeError(f"unknown setting: {', '.join(unknown)}")
    return base.replace(**changes)
