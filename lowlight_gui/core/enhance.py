"""Enhance a whole photo: global gain, tiles through the engine, feathered blend, strength.

The one path used by the batch runner, the evaluation and the GUI preview.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import numpy as np

from .brightness import estimate_gain, thumbnail
from .engine import DEFAULT_FACTOR, DEFAULT_OVERLAP, is_out_of_memory
from .errors import Cancelled, LowlightError
from .tiling import OnTile, min_tile, run_tiled

if TYPE_CHECKING:
    from .engine import Engine
    from .imageio import Photo

log = logging.getLogger(__name__)

DEFAULT_TILE = 768  # measured fastest for 2-24 MP photos with the shipped model (README)
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


def enhance_array(
    rgb: np.ndarray,
    engine: Engine,
    strength: float = 1.0,
    tile: int = DEFAULT_TILE,
    on_tile: OnTile | None = None,
    cancel: Any = None,
    exposure: float = 0.0,
) -> np.ndarray:
    """Enhance an HxWx3 float32 image in 0..1 and return a new HxWx3 float32 array.

    ``exposure`` (EV, -2..+2; 0 = the model's own estimate) offsets the brightness the model
    aims for before the network runs, so a brighter choice is denoised accordingly. Models
    without an exposure head (v1) get it as a factor of 2**EV on their gain.

    ``strength`` blends the input (0) with the enhanced result (1). ``tile``: tile size in
    pixels (0 = the whole image in one piece). ``on_tile(done, total)`` reports progress;
    ``cancel`` (threading.Event or callable) is checked between tiles and raises ``Cancelled``.
    When the provider runs out of memory the image is redone with tiles half the size, down to
    the smallest tile the model allows.
    """
    if rgb.ndim != 3 or rgb.shape[2] < 3:
        raise ValueError(f"expected an HxWx3 image, got shape {rgb.shape}")
    strength = float(strength)
    if not 0.0 <= strength <= 1.0:
        raise LowlightError(f"strength must be between 0 and 1, got {strength:g}")
    if rgb.shape[2] > 3:
        rgb = rgb[:, :, :3]

    factor = int(getattr(engine, "factor", DEFAULT_FACTOR))
    overlap = int(getattr(engine, "overlap", DEFAULT_OVERLAP))
    exposure = check_exposure(exposure)
    gain, thumb = None, None
    if getattr(engine, "has_exposure_head", False):
        # The head reads the whole photo once; every tile gets the same thumbnail, hence the
        # same conditioning, so tiles stay seamless.
        thumb = thumbnail(rgb, engine.thumb_side)
        gain = float(np.exp(engine.condition(thumb, exposure)[0]))
    elif getattr(engine, "has_gain_input", False):
        gain = estimate_gain(rgb, engine.gain_model) * 2.0**exposure
    if gain is not None:
        # A photo that needs little gain (already well exposed, or darkened on purpose with a
        # negative EV) is mostly left as it is (see GainModel.full).
        strength *= engine.gain_model.model_weight(gain)
    if strength == 0.0:
        return np.array(rgb, dtype=np.float32)

    def fn(t: np.ndarray) -> np.ndarray:
        batch = t.transpose(2, 0, 1)[None]
        if thumb is not None:
            return engine.run(batch, thumb=thumb, exposure=exposure)[0].transpose(1, 2, 0)
        return engine.run(batch, gain)[0].transpose(1, 2, 0)

    h, w = rgb.shape[:2]
    smallest = min_tile(overlap, factor)
    current = int(tile)
    while True:
        try:
            out = run_tiled(rgb, fn, current, overlap, factor, on_tile=on_tile, cancel=cancel)
            break
        except Cancelled:
            raise
        except Exception as exc:
            if not is_out_of_memory(exc):
                raise
            nxt = _next_tile(current, h, w, smallest)
            if nxt is None:
                raise LowlightError(
                    f"not enough memory to enhance a {w}x{h} photo, even in {current}-pixel tiles"
                ) from exc
            log.warning(
                "out of memory with %s; retrying with %d-pixel tiles",
                "the whole image" if current <= 0 else f"{current}-pixel tiles", nxt,
            )
            current = nxt

    np.clip(out, 0.0, 1.0, out=out)
    return apply_strength(rgb, out, strength)


EXPOSURE_RANGE = (-2.0, 2.0)  # EV offered to the person (GUI slider, CLI --exposure)


def check_exposure(exposure: float) -> float:
    """``exposure`` as a float within EXPOSURE_RANGE, or a LowlightError that says so."""
    ev = float(exposure)
    lo, hi = EXPOSURE_RANGE
    if not lo <= ev <= hi:
        raise LowlightError(f"exposure must be between {lo:+g} and {hi:+g} EV, got {ev:+g}")
    return ev


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
) -> np.ndarray:
    """``enhance_array`` on a Photo's pixels; returns HxWx3 float32 for ``imageio.write_photo``."""
    return enhance_array(
        photo.pixels, engine, strength=strength, tile=tile, on_tile=on_tile, cancel=cancel,
        exposure=exposure,
    )
