"""ONNX Runtime engine: one session per model, reused for every tile of every photo.

The engine picks an execution provider (CUDA, DirectML where present, else CPU; CoreML only
when asked by name), falls back to CPU with a warning when the chosen one fails to start, reads
the model's metadata (factor, overlap, gain model; names and keys in ``contract.py``) and runs
NCHW batches.

One engine may serve several threads at once (the GUI's preview and batch share it: ONNX
Runtime's ``InferenceSession.run`` is thread-safe). Each run gets its own RunOptions, registered
with the run's ``CancelToken`` when it has one, so cancelling one run never stops another.
"""

from __future__ import annotations

import json
import logging
import os
from contextlib import nullcontext
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from . import contract
from .brightness import THUMB_SIDE, GainModel, estimate_gain, thumbnail
from .cancel import CancelToken
from .errors import Cancelled, LowlightError
from .model_check import check_model, invalid_values

log = logging.getLogger(__name__)

# Short name -> ONNX Runtime provider name, in order of preference for provider="auto".
PROVIDERS: dict[str, str] = {
    "CUDA": "CUDAExecutionProvider",
    "DirectML": "DmlExecutionProvider",
    "CoreML": "CoreMLExecutionProvider",
    "CPU": "CPUExecutionProvider",
}
_SHORT = {v: k for k, v in PROVIDERS.items()}
# What "auto" tries, best first. Not CoreML: its output (fp16 on the Neural Engine, a model
# compile at each start) has not been checked against the CPU's on a Mac yet, so it runs only
# when asked for by name (docs/PACKAGING.md, issue 32, "Execution providers"; the comparison:
# tests/test_providers.py).
AUTO_ORDER = ("CUDA", "DirectML", "CPU")

DEFAULT_FACTOR = 8
DEFAULT_OVERLAP = 32

_OOM_MARKERS = ("failed to allocate memory", "out of memory", "bad_alloc", "cudnn_status_alloc")


class OutOfMemory(LowlightError):
    """The execution provider ran out of memory for this input size (smaller tiles may work)."""


def is_out_of_memory(exc: BaseException) -> bool:
    """True for an out-of-memory error from ONNX Runtime or numpy."""
    if isinstance(exc, (OutOfMemory, MemoryError)):
        return True
    text = str(exc).lower()
    return any(marker in text for marker in _OOM_MARKERS)


def _ort():
    import onnxruntime

    return onnxruntime


def available_providers() -> list[str]:
    """Short names of the providers this ONNX Runtime build offers, best first (CPU last)."""
    present = set(_ort().get_available_providers())
    return [short for short, full in PROVIDERS.items() if full in present]


def normalize_provider(name: str | None) -> str:
    """'auto', or the short name for 'cuda', 'CUDAExecutionProvider', 'dml', ... (case-insensitive)."""
    if not name or name.strip().lower() == "auto":
        return "auto"
    key = name.strip().lower()
    aliases = {"dml": "DirectML", "gpu": "CUDA"}
    if key in aliases:
        return aliases[key]
    for short, full in PROVIDERS.items():
        if key in (short.lower(), full.lower()):
            return short
    choices = ", ".join(["auto", *PROVIDERS])
    raise LowlightError(f"unknown execution provider '{name}' (choose one of: {choices})")


def choose_provider(requested: str = "auto") -> str:
    """The provider an Engine would try first for ``requested`` (short name)."""
    requested = normalize_provider(requested)
    available = available_providers()
    if requested == "auto":
        return next((short for short in AUTO_ORDER if short in available), "CPU")
    return requested if requested in available else "CPU"


def _provider_options(short: str) -> list:
    full = PROVIDERS[short]
    if short == "CUDA":
        # Grow the arena only as needed, so that an out-of-memory retry with smaller tiles can succeed.
        return [(full, {"arena_extend_strategy": "kSameAsRequested"}), "CPUExecutionProvider"]
    if short == "CPU":
        return ["CPUExecutionProvider"]
    return [full, "CPUExecutionProvider"]


class Engine:
    """An ONNX model ready to run (see the model contract in docs/ARCHITECTURE.md).

    ``provider``: "auto" (best available) or a short/full provider name; ``threads``: intra-op
    threads, 0 = all cores.
    """

    def __init__(self, model_path: Path | str | None = None, provider: str = "auto", threads: int = 0):
        if model_path is None:
            from ..resources import default_model_path

            model_path = default_model_path()
        self.model_path = Path(model_path)
        self.requested_provider = normalize_provider(provider)
        self.threads = int(threads) if threads and threads > 0 else (os.cpu_count() or 1)
        self.warnings: list[str] = []

        self._check_file()
        self.session, self.active_provider = self._create_session()

        meta = self.session.get_modelmeta()
        self.metadata: dict[str, str] = dict(meta.custom_metadata_map or {})
        self.factor = self._int_meta(contract.META_FACTOR, DEFAULT_FACTOR, minimum=1)
        self.overlap = self._int_meta(contract.META_OVERLAP, DEFAULT_OVERLAP, minimum=0)
        # what a run asking for the output alone needs (noise reduction at 100 %)
        self.overlap_output = min(
            self.overlap, self._int_meta(contract.META_OVERLAP_OUTPUT, self.overlap, minimum=0)
        )
        self.gain_model = self._gain_meta()
        self.name = self.metadata.get(contract.META_NAME, self.model_path.stem)
        self.version = self.metadata.get(contract.META_VERSION, "")

        inputs = self.session.get_inputs()
        names = [i.name for i in inputs]
        self.has_gain_input = contract.GAIN in names
        # Model v2: an exposure head reads a thumbnail of the whole photo and an EV offset.
        self.has_exposure_head = contract.EXPOSURE_HEAD_INPUTS <= set(names)
        # v3 exported with a shadow-lift input (contract.LIFT): ``run(lift=)`` feeds it
        self.has_lift = self.has_exposure_head and contract.LIFT in names
        image_inputs = [n for n in names if n not in contract.CONDITION_INPUTS]
        if len(image_inputs) != 1:
            raise LowlightError(
                f"'{self.model_path}' is not a Lowlight model: expected an image input and an "
                f"optional 'gain' input, found {names}"
            )
        self.input_name = contract.INPUT if contract.INPUT in names else image_inputs[0]
        outputs = [o.name for o in self.session.get_outputs()]
        self.output_name = outputs[0]
        # The photo before the U-Net's noise removal: lets ``run`` take the denoising back alone.
        self.has_base = contract.BASE in outputs
        # a raw base is matched to the output here, only when a mix asks for it (match_base)
        self.raw_base = self.has_base and self.metadata.get(contract.META_BASE) == "raw"
        self.thumb_side = THUMB_SIDE
        if self.has_exposure_head:
            shape = next(i.shape for i in inputs if i.name == contract.THUMB)
            if isinstance(shape[-1], int):
                self.thumb_side = shape[-1]
        check_model(self)  # once, before any photo: a model that cannot be right is refused

    # -- loading -----------------------------------------------------------------------------

    def _check_file(self) -> None:
        p = self.model_path
        if not p.exists():
            raise LowlightError(f"model file not found: '{p}'")
        if not p.is_file():
            raise LowlightError(f"model path is not a file: '{p}'")
        if p.stat().st_size == 0:
            raise LowlightError(f"cannot load the model '{p}': the file is empty")

    def _session_options(self, short: str = "CPU"):
        ort = _ort()
        so = ort.SessionOptions()
        if short == "DirectML":  # DirectML supports neither memory patterns nor parallel execution
            so.enable_mem_pattern = False
        so.intra_op_num_threads = self.threads
        so.inter_op_num_threads = 1
        so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        so.log_severity_level = 3  # errors only; our own warnings say what matters
        return so

    def _warn(self, message: str) -> None:
        self.warnings.append(message)
        log.warning(message)

    def _create_session(self):
        ort = _ort()
        requested = self.requested_provider
        first = choose_provider(requested)
        if requested not in ("auto", "CPU") and first != requested:
            self._warn(f"{requested} is not available in this ONNX Runtime build; using CPU instead")
        attempts = [first] if first == "CPU" else [first, "CPU"]
        last_error: Exception | None = None
        for short in attempts:
            try:
                session = ort.InferenceSession(
                    str(self.model_path), sess_options=self._session_options(short),
                    providers=_provider_options(short),
                )
            except Exception as exc:  # noqa: BLE001 - any failure to start: try the next one
                last_error = exc
                if short != "CPU":
                    self._warn(f"{short} failed to start ({_first_line(exc)}); falling back to CPU")
                continue
            active = _SHORT.get(session.get_providers()[0], "CPU")
            if active != short:
                self._warn(f"{short} failed to start; falling back to {active}")
            return session, active
        raise LowlightError(
            f"cannot load the model '{self.model_path}': {_first_line(last_error)}"
        ) from last_error

    def _int_meta(self, key: str, default: int, minimum: int) -> int:
        raw = self.metadata.get(key)
        if raw is None or str(raw).strip() == "":
            return default
        try:
            value = int(str(raw).strip())
        except ValueError:
            self._warn(f"model metadata {key}={raw!r} is not a whole number; using {default}")
            return default
        if value < minimum:
            self._warn(f"model metadata {key}={value} is below {minimum}; using {default}")
            return default
        return value

    def _gain_meta(self) -> GainModel:
        raw = self.metadata.get(contract.META_GAIN)
        if not raw:
            return GainModel()
        try:
            data = json.loads(raw)
            fields = GainModel.__dataclass_fields__
            return GainModel(**{k: float(v) for k, v in data.items() if k in fields})
        except (ValueError, TypeError, AttributeError):
            self._warn(
                f"model metadata {contract.META_GAIN}={raw!r} is not valid JSON; using the default"
            )
            return GainModel()

    # -- running -----------------------------------------------------------------------------

    def condition(
        self,
        thumb: np.ndarray,
        exposure: float = 0.0,
        *,
        cancel: CancelToken | None = None,
        lift: float = 0.0,
    ) -> np.ndarray:
        """The exposure head's output for a photo: float32, [log gain, 3 log colour gains,
        log gamma] (v2: 5 values; v3 adds a colour matrix and a highlight shoulder: 15).
        Only for models with an exposure head; ``thumb`` is
        ``brightness.thumbnail(photo)``. Runs the graph on one factor-sized tile (microseconds)."""
        if not self.has_exposure_head:
            raise LowlightError(f"'{self.model_path.name}' has no exposure head")
        tiny = np.zeros((1, 3, self.factor, self.factor), np.float32)
        out = self._run([contract.COND], self._feeds(tiny, None, thumb, exposure, lift), cancel)
        return np.asarray(out[0][0], np.float32)

    def _feeds(
        self,
        x: np.ndarray,
        gain: float | None,
        thumb: np.ndarray | None,
        exposure: float,
        lift: float = 0.0,
    ) -> dict[str, np.ndarray]:
        feeds = {self.input_name: x}
        if self.has_gain_input:
            if gain is None:
                gain = estimate_gain(x[0].transpose(1, 2, 0), self.gain_model)
            feeds[contract.GAIN] = np.full((x.shape[0], 1, 1, 1), gain, np.float32)
        if self.has_exposure_head:
            if thumb is None:  # a lone tile: its own thumbnail
                thumb = thumbnail(x[0].transpose(1, 2, 0), self.thumb_side)
            feeds[contract.THUMB] = np.ascontiguousarray(thumb, np.float32).reshape(
                1, 3, self.thumb_side, self.thumb_side
            )
            feeds[contract.EXPOSURE] = np.array([exposure], np.float32)
        if self.has_lift:
            feeds[contract.LIFT] = np.array([max(0.0, float(lift))], np.float32)
        return feeds

    def run(
        self,
        batch: np.ndarray,
        gain: float | None = None,
        *,
        thumb: np.ndarray | None = None,
        exposure: float = 0.0,
        cancel: CancelToken | None = None,
        denoise: float = 1.0,
        lift: float = 0.0,
    ) -> np.ndarray:
        """Run the model on ``batch`` (N,3,H,W float32 0..1; H, W multiples of ``factor``).

        ``gain`` is the photo's global gain (only used by models with a ``gain`` input; None:
        estimated from the batch itself). Models with an exposure head take instead ``thumb``,
        the whole photo's thumbnail (the same for every tile; None: the batch's own), and
        ``exposure`` in EV (0: the model's own estimate); they run one image at a time.
        ``denoise`` (0..1) below 1 on a model with a ``base`` output returns
        ``base + denoise * (output - base)``: brightened and colour-corrected alike, with that
        much of the noise removal (``mix_denoise``); other models ignore it (``has_base``).
        ``lift`` (>= 0): the shadow lift a model with that input applies (``has_lift``; the
        same for every tile of a photo); others ignore it.
        Returns N,3,H,W float32 clipped to 0..1.
        Raises ``Cancelled`` when ``cancel`` is set (before or during the run), ``OutOfMemory``
        when the provider runs out of memory, ``LowlightError`` for any other failure.
        """
        x = np.ascontiguousarray(batch, dtype=np.float32)
        if x.ndim != 4 or x.shape[1] != 3:
            raise ValueError(f"expected an N,3,H,W batch, got shape {x.shape}")
        if self.has_exposure_head and x.shape[0] != 1:
            return np.concatenate([
                self.run(
                    x[i : i + 1], gain, thumb=thumb, exposure=exposure, cancel=cancel,
                    denoise=denoise, lift=lift,
                )
                for i in range(len(x))
            ])
        feeds = self._feeds(x, gain, thumb, exposure, lift)
        if self.has_base and denoise < 1.0:
            out, base = self._run([self.output_name, contract.BASE], feeds, cancel)
            out, base = np.asarray(out, np.float32), np.asarray(base, np.float32)
            if self.raw_base:
                base = match_base(base, out)
            return mix_denoise(out, base, denoise)
        out = np.asarray(self._run([self.output_name], feeds, cancel)[0], dtype=np.float32)
        np.clip(out, 0.0, 1.0, out=out)
        return out

    def _run(
        self, outputs: list[str], feeds: dict[str, np.ndarray], cancel: CancelToken | None
    ) -> list[np.ndarray]:
        """session.run, stopped by ``cancel``, with clear errors."""
        if cancel is not None and cancel.is_set():
            raise Cancelled("cancelled")
        x = feeds[self.input_name]
        options = _ort().RunOptions()  # this run's own: terminating it stops no other run

        def terminate() -> None:
            options.terminate = True

        with nullcontext() if cancel is None else cancel.registered(terminate):
            try:
                out = self.session.run(outputs, feeds, options)
            except Exception as exc:
                if options.terminate:
                    raise Cancelled("cancelled") from exc
                if is_out_of_memory(exc):
                    raise OutOfMemory(
                        f"{self.active_provider} ran out of memory on a "
                        f"{x.shape[3]}x{x.shape[2]} tile"
                    ) from exc
                raise LowlightError(f"the model failed to run: {_first_line(exc)}") from exc
        if options.terminate:  # cancelled as the run finished
            raise Cancelled("cancelled")
        for values in out:  # NaN would be written as black, Inf as white: never written
            bad = invalid_values(np.asarray(values))
            if bad:
                raise LowlightError(f"the model gave invalid values ({bad}) for this photo")
        return out

    def __repr__(self) -> str:
        return f"Engine({str(self.model_path)!r}, provider={self.active_provider!r})"


BASE_MATCH_RADIUS = 2  # box radius of match_base's low-pass (three blurs: reach 6 px)


def box_blur(a: np.ndarray, radius: int) -> np.ndarray:
    """Mean over each pixel's (2r+1)^2 window of the last two axes, of the pixels that exist
    (at a border fewer are averaged: PyTorch's ``avg_pool2d`` with ``count_include_pad=False``)."""
    for axis in (-2, -1):
        n = a.shape[axis]
        pad = [(0, 0)] * a.ndim
        pad[axis] = (radius + 1, radius)
        c = np.cumsum(np.pad(a, pad), axis=axis, dtype=np.float64)
        hi = np.take(c, np.arange(2 * radius + 1, n + 2 * radius + 1), axis=axis)
        lo = np.take(c, np.arange(0, n), axis=axis)
        idx = np.arange(n)
        count = np.minimum(idx + radius, n - 1) - np.maximum(idx - radius, 0) + 1
        shape = [1] * a.ndim
        shape[axis] = n
        a = ((hi - lo) / count.reshape(shape)).astype(np.float32)
    return a


def match_base(base: np.ndarray, output: np.ndarray, radius: int = BASE_MATCH_RADIUS) -> np.ndarray:
    """``base`` with the low frequencies of ``output`` (three box blurs of ``output - base``):
    the output's brightness and colour with the base's grain, clipped to 0..1. The U-Net does
    more than denoise (v2's output is 12-39 % brighter than its starting photo on LOL), so
    without this the noise-reduction amount would change brightness and colour too."""
    d = output - base
    for _ in range(3):
        d = box_blur(d, radius)
    return np.clip(base + d, 0.0, 1.0)


def mix_denoise(output: np.ndarray, base: np.ndarray, amount: float) -> np.ndarray:
    """``base + amount * (output - base)`` (both clipped to 0..1 first), computed in ``output``:
    0 is the photo brightened and colour-corrected but not denoised, 1 the model's output. Linear,
    so mixing each tile and then blending the tiles equals mixing the blended photo."""
    np.clip(output, 0.0, 1.0, out=output)
    np.clip(base, 0.0, 1.0, out=base)
    if amount < 1.0:
        output -= base
        output *= np.float32(amount)
        output += base
    return output


EngineLike = TypeVar("EngineLike")


class _CancellableEngine:
    """An engine as one run sees it: its inferences are registered with that run's token.

    ``enhance_array`` and the tiling code call ``engine.run(batch, gain)`` and know nothing of
    tokens; handing them this view makes every inference they start stoppable by the token.
    Everything else (factor, overlap, gain_model, ...) is the engine's own.
    """

    def __init__(self, engine: Any, cancel: CancelToken) -> None:
        self._engine = engine
        self._cancel = cancel

    def __getattr__(self, name: str) -> Any:
        return getattr(self._engine, name)

    def run(self, batch: np.ndarray, gain: float | None = None, **kwargs: Any) -> np.ndarray:
        return self._engine.run(batch, gain, cancel=self._cancel, **kwargs)

    def condition(self, thumb: np.ndarray, exposure: float = 0.0, **kwargs: Any) -> np.ndarray:
        return self._engine.condition(thumb, exposure, cancel=self._cancel, **kwargs)

    def __repr__(self) -> str:
        return f"{self._engine!r} with {self._cancel!r}"


def with_cancel(engine: EngineLike, cancel: CancelToken | None) -> EngineLike:
    """``engine`` whose every run is stopped when ``cancel`` is set (``engine`` itself when
    ``cancel`` is None). The engine must accept ``cancel=`` in ``run`` (and ``condition``)."""
    if cancel is None:
        return engine
    if not isinstance(cancel, CancelToken):  # a threading.Event could not stop a run in flight
        raise TypeError(f"cancel must be a CancelToken, not {type(cancel).__name__}")
    if isinstance(engine, _CancellableEngine):  # one token per run: the newer one
        engine = engine._engine
    return _CancellableEngine(engine, cancel)  # type: ignore[return-value]


def _first_line(exc: BaseException | None) -> str:
    if exc is None:
        return "unknown error"
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]
