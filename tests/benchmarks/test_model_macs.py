"""benchmarks/model_macs.py: the multiply-accumulates it reports are those of the graph."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.benchmark_scripts import load_benchmark

ROOT = Path(__file__).resolve().parents[2]
onnx = pytest.importorskip("onnx")


def test_a_conv_and_a_transposed_conv_are_counted_as_their_products(tmp_path):
    from onnx import TensorProto, helper, numpy_helper

    w1 = numpy_helper.from_array(np.zeros((4, 3, 3, 3), np.float32), "w1")
    b1 = numpy_helper.from_array(np.zeros(4, np.float32), "b1")
    w2 = numpy_helper.from_array(np.zeros((4, 2, 2, 2), np.float32), "w2")  # cin, cout, kh, kw
    graph = helper.make_graph(
        [helper.make_node("Conv", ["x", "w1", "b1"], ["h"], pads=[1, 1, 1, 1]),
         helper.make_node("ConvTranspose", ["h", "w2"], ["y"], strides=[2, 2])],
        "tiny",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, "h", "w"]),
         helper.make_tensor_value_info("thumb", TensorProto.FLOAT, [1, 3, 16, 16])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        [w1, b1, w2],
    )
    path = tmp_path / "tiny.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(path))
    macs, params = load_benchmark("model_macs").conv_macs(path, size=8)
    # Conv: 4 x 8 x 8 outputs, each 3 x 3 x 3 products; ConvTranspose: 4 x 8 x 8 inputs, each
    # spread over 2 x 2 x 2 outputs
    assert macs == 4 * 64 * 27 + 4 * 64 * 8
    assert params == 4 * 27 + 4 + 32


def test_the_shipped_model_is_counted_whole():
    macs, params = load_benchmark("model_macs").conv_macs(ROOT / "models/lowlight_unet.onnx", size=256)
    # v3.3: about 2.2 G multiply-accumulates at 256x256 and about a million parameters
    assert 1.5e9 < macs < 3e9 and 0.8e6 < params < 1.2e6
