"""Checking a model once, when it is loaded, so that one that cannot be right is refused before
any photo instead of failing (or "succeeding") photo by photo.

Two steps, both cheap:

* **The contract** (``contract.py``): float inputs, one 4-D three-channel image input, and an
  image output of the same layout. A classifier's (N, 1000) output is refused here.
* **A probe run** on a small dark picture made in code (``probe_image``: 64 x 64, a gradient
  with some texture, about 6 % grey): the output must be finite (no NaN or Inf), the size of
  the input (a half-size output is refused), and clearly brighter (``MIN_BRIGHTENING``). An
  identity graph returns the photo as dark as it came; a Lowlight model lifts it several times.
  One run on 64 x 64 pixels: a few milliseconds for a tiny model, under 50 ms for the shipped one.

Everything refused is a :class:`LowlightError` naming the model and the reason.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

import numpy as np

from . import contract
from .errors import LowlightError

PROBE_SIDE = 64
#: The probe's output must be at least this many times as bright (mean) as its input: an
#: identity graph gives 1.0, the shipped model about 8, the tests' tiny random models 1.1-1.3.
MIN_BRIGHTENING = 1.05


class _Checked(Protocol):
    model_path: Path
    factor: int
    input_name: str
    output_name: str
    session: Any

    def _feeds(
        self,
        x: np.ndarray,
        gain: float | None,
        thumb: np.ndarray | None,
        exposure: float,
        lift: float = 0.0,
    ) -> dict[str, np.ndarray]: ...


def probe_image(side: int = PROBE_SIDE) -> np.ndarray:
    """A dark 1x3xSxS float32 picture (mean about 0.06): a diagonal gradient, a brighter patch
    and a fixed fine texture, so a model sees edges and tones as in a photo."""
    y, x = np.mgrid[0:side, 0:side].astype(np.float32) / max(1, side - 1)
    grey = 0.02 + 0.06 * (x + y) / 2 + 0.01 * np.sin(17 * x) * np.cos(13 * y)
    grey[side // 4 : side // 2, side // 4 : side // 2] += 0.05
    rgb = np.stack([grey * 1.05, grey, grey * 0.9])
    return np.clip(rgb, 0.0, 1.0)[None].astype(np.float32)


def check_model(engine: _Checked) -> None:
    """Refuse (``LowlightError``) a model that breaks the contract or whose probe run is not
    finite, not the input's size, or not clearly brighter than the input."""
    _check_contract(engine)
    side = -(-PROBE_SIDE // engine.factor) * engine.factor  # a multiple of the model's factor
    x = probe_image(side)
    feeds = engine._feeds(x, None, None, 0.0)
    try:
        out = engine.session.run([engine.output_name], feeds)[0]
    except Exception as exc:  # ONNX Runtime raises its own types: its first line is kept
        raise _refuse(
            engine, f"it failed on a {side}x{side} test picture ({_first_line(exc)})"
        ) from exc
    out = np.asarray(out)
    if out.shape != x.shape:
        got = "x".join(str(d) for d in out.shape)
        raise _refuse(
            engine, f"its output for a 1x3x{side}x{side} picture is {got}, not the same size"
        )
    bad = invalid_values(out)
    if bad:
        raise _refuse(engine, f"it gave invalid values ({bad}) for a test picture")
    gain = float(np.clip(out, 0.0, 1.0).mean()) / float(x.mean())
    if gain < MIN_BRIGHTENING:
        how = "darker than" if gain < 1 / MIN_BRIGHTENING else "as dark as"
        raise _refuse(
            engine, f"it does not brighten a dark test picture (its output is {how} the input)"
        )


def invalid_values(a: np.ndarray) -> str:
    """The words "NaN", "Inf" or "NaN and Inf" when ``a`` has such values, "" when all are finite."""
    if a.dtype.kind != "f" or bool(np.isfinite(a).all()):
        return ""
    nan, inf = bool(np.isnan(a).any()), bool(np.isinf(a).any())
    return " and ".join(name for name, found in (("NaN", nan), ("Inf", inf)) if found)


def _check_contract(engine: _Checked) -> None:
    inputs = {i.name: i for i in engine.session.get_inputs()}
    outputs = {o.name: o for o in engine.session.get_outputs()}
    for name, arg in inputs.items():
        if arg.type != "tensor(float)":
            raise _refuse(engine, f"its input '{name}' is {arg.type}, not float32")
    image = inputs[engine.input_name]
    if not _is_image(image.shape):
        raise _refuse(
            engine, f"its input '{image.name}' has shape {_shape(image.shape)}, not (N, 3, H, W)"
        )
    if isinstance(image.shape[2], int) and isinstance(image.shape[3], int):
        raise _refuse(
            engine,
            f"its input '{image.name}' has a fixed size ({image.shape[3]}x{image.shape[2]}); a "
            "Lowlight model takes pictures of any size",
        )
    out = outputs[engine.output_name]
    if out.type != "tensor(float)" or not _is_image(out.shape):
        raise _refuse(
            engine,
            f"its output '{out.name}' is {out.type} of shape "
            f"{_shape(out.shape)}, not an image (N, 3, H, W) of float32",
        )
    base = outputs.get(contract.BASE)
    if base is not None and not _is_image(base.shape):
        raise _refuse(
            engine, f"its output '{contract.BASE}' has shape {_shape(base.shape)}, not (N, 3, H, W)"
        )


def _is_image(shape: Any) -> bool:
    """A 4-D shape whose channel axis is 3 or symbolic (checked by the probe run)."""
    if not isinstance(shape, (list, tuple)) or len(shape) != 4:
        return False
    return not isinstance(shape[1], int) or shape[1] == 3


def _shape(shape: Any) -> str:
    if not isinstance(shape, (list, tuple)):
        return "unknown"
    return "(" + ", ".join(str(d) for d in shape) + ")"


def _refuse(engine: _Checked, reason: str) -> LowlightError:
    return LowlightError(f"'{engine.model_path.name}' cannot be used as a Lowlight model: {reason}")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]
