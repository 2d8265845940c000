"""A model that cannot be right is refused once, when it is loaded (issue 28, item 4): an identity
graph, a NaN output, a classifier, a half-size output; the CLI exits 2 with the reason before any
photo. A model that gives NaN/Inf on one photo fails that photo, and nothing is written for it.
The honest tiny test models (they brighten) are accepted."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from lowlight_gui import cli
from lowlight_gui.core.batch import BatchOptions, collect_jobs, run_batch
from lowlight_gui.core.engine import Engine
from lowlight_gui.core.errors import LowlightError
from lowlight_gui.core.model_check import invalid_values, probe_image
from tests.conftest import write_image
from tests.models import IR_VERSION, OPSET

META = {"lowlight.factor": "2", "lowlight.overlap": "4", "lowlight.name": "bad"}


def _model(path: Path, nodes: list, out_shape: list, inits: list | None = None) -> Path:
    """A graph from ``input`` (N,3,H,W) to ``output`` with Lowlight's metadata."""
    graph = helper.make_graph(
        nodes,
        "bad",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 3, "H", "W"])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, out_shape)],
        inits or [],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = IR_VERSION
    for k, v in META.items():
        entry = model.metadata_props.add()
        entry.key, entry.value = k, v
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return path


def _const(name: str, value: float) -> onnx.TensorProto:
    return helper.make_tensor(name, TensorProto.FLOAT, [], [value])


def identity_model(path: Path) -> Path:
    return _model(path, [helper.make_node("Identity", ["input"], ["output"])], ["N", 3, "H", "W"])


def nan_model(path: Path) -> Path:
    """input * NaN: every value NaN (would be written as a black photo)."""
    return _model(
        path,
        [helper.make_node("Mul", ["input", "nan"], ["output"])],
        ["N", 3, "H", "W"],
        [_const("nan", float("nan"))],
    )


def bright_nan_model(path: Path) -> Path:
    """3 x input, but NaN wherever the input is above 0.6: fine on the dark probe, NaN on a
    bright photo (0 * log(0.6 - x) is 0 below 0.6, NaN above)."""
    nodes = [
        helper.make_node("Sub", ["limit", "input"], ["room"]),
        helper.make_node("Log", ["room"], ["log"]),
        helper.make_node("Mul", ["log", "zero"], ["poison"]),
        helper.make_node("Mul", ["input", "three"], ["lifted"]),
        helper.make_node("Add", ["lifted", "poison"], ["output"]),
    ]
    inits = [_const("limit", 0.6), _const("zero", 0.0), _const("three", 3.0)]
    return _model(path, nodes, ["N", 3, "H", "W"], inits)


def classifier_model(path: Path) -> Path:
    """Global average pool and a flatten: an (N, 3) "class score" output."""
    nodes = [
        helper.make_node("GlobalAveragePool", ["input"], ["pooled"]),
        helper.make_node("Flatten", ["pooled"], ["output"]),
    ]
    return _model(path, nodes, ["N", 3])


def half_size_model(path: Path) -> Path:
    """A 2x2 average pool brightened 4 times: an image, but half the size of its input."""
    nodes = [
        helper.make_node("AveragePool", ["input"], ["small"], kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Mul", ["small", "four"], ["output"]),
    ]
    return _model(path, nodes, ["N", 3, "H2", "W2"], [_const("four", 4.0)])


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (
            identity_model,
            "it does not brighten a dark test picture (its output is as dark as the input)",
        ),
        (nan_model, "it gave invalid values (NaN) for a test picture"),
        (classifier_model, "its output 'output' is tensor(float) of shape (N, 3), not an image"),
        (half_size_model, "its output for a 1x3x64x64 picture is 1x3x32x32, not the same size"),
    ],
)
def test_a_model_that_cannot_be_right_is_refused_when_loaded(tmp_path: Path, make, reason):
    path = make(tmp_path / "bad.onnx")
    with pytest.raises(LowlightError) as info:
        Engine(path, provider="CPU", threads=1)
    assert str(info.value).startswith("'bad.onnx' cannot be used as a Lowlight model: ")
    assert reason in str(info.value)
    assert "ONNXRuntimeError" not in str(info.value)


@pytest.mark.parametrize("make", [identity_model, nan_model, classifier_model, half_size_model])
def test_the_cli_refuses_it_with_exit_2_before_any_photo(tmp_path: Path, make, capsys):
    photo = write_image(tmp_path / "in" / "a.jpg", seed=1)
    code = cli.main(
        ["enhance", str(photo), "--model", str(make(tmp_path / "bad.onnx")), "--threads", "1"]
    )
    out, err = capsys.readouterr()
    assert code == 2
    assert "cannot be used as a Lowlight model" in err and "Traceback" not in err + out
    assert not (tmp_path / "in" / "enhanced").exists()  # no photo was tried


def test_honest_tiny_models_are_accepted_and_the_probe_is_cheap(
    tiny_model, tiny_model_f4, gain_model, bright_model, base_model
):
    from lowlight_gui.core import model_check

    for path in (tiny_model, tiny_model_f4, gain_model, bright_model, base_model):
        Engine(path, provider="CPU", threads=1)
    # cheap by construction (its time is not asserted: a busy machine decides that): one run on
    # a picture of PROBE_SIDE^2 pixels
    assert model_check.probe_image().shape[2:] == (model_check.PROBE_SIDE,) * 2
    assert model_check.PROBE_SIDE <= 64


def test_the_shipped_model_passes_the_probe():
    from lowlight_gui.resources import default_model_path

    if not default_model_path().is_file():
        pytest.skip("no shipped model in this checkout")
    Engine(default_model_path(), provider="CPU", threads=1)


def test_nan_for_one_photo_fails_that_photo_and_writes_nothing(tmp_path: Path):
    engine = Engine(bright_nan_model(tmp_path / "m.onnx"), provider="CPU", threads=1)
    from PIL import Image

    folder = tmp_path / "in"
    folder.mkdir()
    Image.fromarray(np.full((40, 48, 3), 20, np.uint8)).save(folder / "a_dark.png")
    Image.fromarray(np.full((40, 48, 3), 230, np.uint8)).save(folder / "b_bright.png")
    opts = BatchOptions()
    result = run_batch(collect_jobs([folder], opts), engine, opts)
    assert [d.job.source.name for d in result.done] == ["a_dark.png"]
    assert [f.message for f in result.failed] == [
        "the model gave invalid values (NaN) for this photo"
    ]
    assert not result.failed[0].job.output.exists()


def test_invalid_values_names_nan_and_inf():
    assert invalid_values(np.array([0.0, 1.0], np.float32)) == ""
    assert invalid_values(np.array([np.nan, 1.0], np.float32)) == "NaN"
    assert invalid_values(np.array([np.inf, np.nan], np.float32)) == "NaN and Inf"
    assert probe_image().shape == (1, 3, 64, 64) and 0.03 < probe_image().mean() < 0.1


def test_the_window_says_why_the_model_is_refused(tmp_path: Path):
    """The GUI's start-up check shows the engine's sentence (and turns enhancing off)."""
    pytest.importorskip("PySide6")
    from lowlight_gui.qt.startup import check_enhancement

    _, problem = check_enhancement(identity_model(tmp_path / "same.onnx"))
    assert problem is not None
    assert "'same.onnx' cannot be used as a Lowlight model: it does not brighten" in problem
    assert "Enhancing is turned off" in problem


def test_a_fixed_size_input_or_an_integer_input_is_refused_in_words(tmp_path: Path):
    def graph(name: str, elem: int, shape: list) -> Path:
        g = helper.make_graph(
            [helper.make_node("Identity", ["input"], ["output"])],
            "g",
            [helper.make_tensor_value_info("input", elem, shape)],
            [helper.make_tensor_value_info("output", elem, shape)],
        )
        model = helper.make_model(g, opset_imports=[helper.make_opsetid("", OPSET)])
        model.ir_version = IR_VERSION
        onnx.save(model, str(tmp_path / name))
        return tmp_path / name

    with pytest.raises(LowlightError, match=r"has a fixed size \(224x224\)"):
        Engine(graph("fixed.onnx", TensorProto.FLOAT, [1, 3, 224, 224]), threads=1)
    with pytest.raises(LowlightError, match=r"its input 'input' is tensor\(int64\), not float32"):
        Engine(graph("ints.onnx", TensorProto.INT64, ["N", 3, "H", "W"]), threads=1)
