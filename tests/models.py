"""Tiny ONNX models for tests and benchmarks, built with onnx.helper (no torch).

All follow the model contract in docs/ARCHITECTURE.md: input ``input`` (N,3,H,W), optional
``gain`` (N,1,1,1), output ``output`` (N,3,H,W), metadata_props ``lowlight.*``. Weights are
random but fixed by ``seed``.

- ``make_tiny_model``: conv -> (stride-2 conv)^k -> (ConvTranspose 2x2/2)^k -> conv, added as a
  small residual to ``input * scale`` (or ``input * gain``); factor 2**k. With ``scale`` > 1 it
  brightens, so PSNR-like checks see an effect.
- ``make_head_model``: a v2/v3-like model with an exposure head (``thumb``, ``exposure``,
  output ``cond``) and, optionally, a ``lift`` input; pixel by pixel, without a network.
- ``make_slow_model``: many full-resolution convs, for cancellation tests (about a second).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17
IR_VERSION = 8


class _Graph:
    def __init__(self, seed: int):
        self.rng = np.random.default_rng(seed)
        self.nodes: list = []
        self.inits: list = []
        self.n = 0

    def name(self, prefix: str) -> str:
        self.n += 1
        return f"{prefix}{self.n}"

    def param(self, shape: tuple[int, ...], scale: float) -> str:
        name = self.name("w")
        arr = (self.rng.standard_normal(shape) * scale).astype(np.float32)
        self.inits.append(numpy_helper.from_array(arr, name))
        return name

    def const(self, value: np.ndarray) -> str:
        name = self.name("c")
        self.inits.append(numpy_helper.from_array(np.asarray(value, np.float32), name))
        return name

    def const_int(self, value: list[int]) -> str:
        name = self.name("c")
        self.inits.append(numpy_helper.from_array(np.asarray(value, np.int64), name))
        return name

    def node(self, op: str, inputs: list[str], **attrs) -> str:
        out = self.name(op.lower())
        self.nodes.append(helper.make_node(op, inputs, [out], **attrs))
        return out

    def conv(self, x: str, cin: int, cout: int, stride: int = 1) -> str:
        w = self.param((cout, cin, 3, 3), (2.0 / (cin * 9)) ** 0.5)
        b = self.param((cout,), 0.05)
        return self.node("Conv", [x, w, b], kernel_shape=[3, 3], pads=[1, 1, 1, 1],
                         strides=[stride, stride])

    def up(self, x: str, cin: int, cout: int) -> str:
        w = self.param((cin, cout, 2, 2), (1.0 / cin) ** 0.5)
        b = self.param((cout,), 0.05)
        return self.node("ConvTranspose", [x, w, b], kernel_shape=[2, 2], strides=[2, 2])

    def relu(self, x: str) -> str:
        return self.node("Relu", [x])


def _finish(
    g: _Graph, inputs: list, out: str, path: Path, metadata: dict[str, str],
    base: str | None = None, extra_outputs: list | None = None,
) -> Path:
    """Name ``out`` "output" (and ``base``, if given, "base") and save the model; ``extra_outputs``:
    value infos of outputs the graph's nodes already name (e.g. "cond")."""
    named = [(out, "output")] + ([(base, "base")] if base else [])
    outputs = []
    for value, name in named:
        g.nodes.append(helper.make_node("Identity", [value], [name]))
        outputs.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, ["N", 3, "H", "W"]))
    outputs += extra_outputs or []
    graph = helper.make_graph(g.nodes, "lowlight_test", inputs, outputs, g.inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = IR_VERSION
    for k, v in metadata.items():
        entry = model.metadata_props.add()
        entry.key, entry.value = k, str(v)
    onnx.checker.check_model(model)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model, str(path))
    return path


def _image_input() -> onnx.ValueInfoProto:
    return helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 3, "H", "W"])


def make_tiny_model(
    path: Path,
    levels: int = 1,
    channels: int = 8,
    with_gain: bool = False,
    scale: float = 1.0,
    residual: float = 0.2,
    seed: int = 0,
    overlap: int | None = None,
    metadata: bool = True,
    gain_json: dict | None = None,
    with_base: bool = False,
) -> Path:
    """A tiny U-Net-ish model of factor ``2**levels``; output = clip(input*k + residual*tanh(net)),
    k = ``gain`` (if ``with_gain``) else ``scale``. Receptive-field radius < 4 * 2**levels, so the
    default overlap (``4 * 2**levels``, metadata ``lowlight.overlap``) covers it. ``with_base``:
    a second output ``base`` = clip(input*k), the photo before its "denoising" residual."""
    factor = 2**levels
    g = _Graph(seed)
    inputs = [_image_input()]
    x = "input"
    h = g.relu(g.conv(x, 3, channels))
    skips = []
    for _ in range(levels):
        skips.append(h)
        h = g.relu(g.conv(h, channels, channels, stride=2))
    for _ in range(levels):
        h = g.node("Add", [g.up(h, channels, channels), skips.pop()])
        h = g.relu(h)
    r = g.node("Tanh", [g.conv(h, channels, 3)])
    r = g.node("Mul", [r, g.const(np.array(residual))])
    if with_gain:
        inputs.append(helper.make_tensor_value_info("gain", TensorProto.FLOAT, ["N", 1, 1, 1]))
        base = g.node("Mul", ["input", "gain"])
    else:
        base = g.node("Mul", ["input", g.const(np.array(scale))])
    out = g.node("Add", [base, r])
    out = g.node("Clip", [out, g.const(np.array(0.0)), g.const(np.array(1.0))])
    clipped_base = None
    if with_base:
        clipped_base = g.node("Clip", [base, g.const(np.array(0.0)), g.const(np.array(1.0))])
    meta: dict[str, str] = {}
    if metadata:
        meta = {
            "lowlight.factor": str(factor),
            "lowlight.overlap": str(4 * factor if overlap is None else overlap),
            "lowlight.name": "tiny-test",
            "lowlight.version": "0",
        }
        if gain_json is not None:
            meta["lowlight.gain"] = json.dumps(gain_json)
    return _finish(g, inputs, out, path, meta, clipped_base)


def make_head_model(
    path: Path, stops: float = 1.0, with_lift: bool = True, thumb_side: int = 8
) -> Path:
    """An exposure-head model without a network: gain g = 2**max(0, ``stops`` + exposure)
    (``cond`` = [log g, 0, 0, 0, 0]; the thumbnail is read but adds nothing), y = clip(input * g),
    and with ``with_lift`` a ``lift`` input h and output y (1 + h) / (1 + h y), the v3 shoulder
    (``contract.LIFT``); without it, output y. Factor 2, no overlap (nothing spreads)."""
    g = _Graph(0)
    ln2 = float(np.log(2.0))
    inputs = [
        _image_input(),
        helper.make_tensor_value_info("thumb", TensorProto.FLOAT, [1, 3, thumb_side, thumb_side]),
        helper.make_tensor_value_info("exposure", TensorProto.FLOAT, [1]),
    ]
    thumb_mean = g.node("ReduceMean", ["thumb"], keepdims=0)  # () scalar
    log_gain = g.node("Mul", [g.node("Add", ["exposure", g.const(np.array(stops))]),
                              g.const(np.array(ln2))])
    log_gain = g.node("Max", [log_gain, g.const(np.array(0.0))])
    log_gain = g.node("Add", [log_gain, g.node("Mul", [thumb_mean, g.const(np.array(0.0))])])
    cond = g.node("Concat", [log_gain, g.const(np.zeros(4))], axis=0)
    g.nodes.append(helper.make_node("Reshape", [cond, g.const_int([1, 5])], ["cond"]))
    y = g.node("Mul", ["input", g.node("Exp", [log_gain])])
    out = g.node("Clip", [y, g.const(np.array(0.0)), g.const(np.array(1.0))])
    if with_lift:
        inputs.append(helper.make_tensor_value_info("lift", TensorProto.FLOAT, [1]))
        one = g.const(np.array(1.0))
        num = g.node("Mul", [out, g.node("Add", ["lift", one])])
        out = g.node("Div", [num, g.node("Add", [g.node("Mul", [out, "lift"]), one])])
    meta = {"lowlight.factor": "2", "lowlight.overlap": "0", "lowlight.name": "tiny-head",
            "lowlight.version": "0", "lowlight.gain": json.dumps({"full": 1.0})}
    cond_info = helper.make_tensor_value_info("cond", TensorProto.FLOAT, [1, 5])
    return _finish(g, inputs, out, path, meta, extra_outputs=[cond_info])


def make_slow_model(path: Path, layers: int = 48, channels: int = 16, seed: int = 1) -> Path:
    """Many full-resolution 3x3 convs: slow enough on a 256x256 input to cancel mid-run."""
    g = _Graph(seed)
    h = g.relu(g.conv("input", 3, channels))
    for _ in range(layers):
        h = g.relu(g.conv(h, channels, channels))
    out = g.node("Sigmoid", [g.conv(h, channels, 3)])
    meta = {"lowlight.factor": "1", "lowlight.overlap": str(layers + 2)}
    return _finish(g, [_image_input()], out, path, meta)


if __name__ == "__main__":  # python -m tests.models OUT.onnx: a tiny model for trying the tools
    import sys

    target = Path(sys.argv[1] if len(sys.argv) > 1 else "tiny.onnx")
    print(make_tiny_model(target, levels=3, channels=8, with_gain=True, scale=1.0))
