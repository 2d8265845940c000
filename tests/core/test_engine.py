from __future__ import annotations

import logging
import threading
import time

import numpy as np
import onnxruntime as ort
import pytest

from lowlight_gui.core import engine as engine_mod
from lowlight_gui.core.brightness import GainModel
from lowlight_gui.core.cancel import CancelToken
from lowlight_gui.core.engine import (
    Engine,
    OutOfMemory,
    available_providers,
    is_out_of_memory,
    normalize_provider,
    with_cancel,
)
from lowlight_gui.core.errors import Cancelled, LowlightError
from tests.models import make_tiny_model


def test_loads_metadata_and_runs(engine):
    assert engine.factor == 2 and engine.overlap == 8
    assert engine.active_provider == "CPU"
    assert not engine.has_gain_input
    assert engine.metadata["lowlight.name"] == "tiny-test"
    x = np.random.default_rng(0).random((1, 3, 32, 48), dtype=np.float32)
    y = engine.run(x, None)
    assert y.shape == x.shape and y.dtype == np.float32
    assert 0.0 <= y.min() and y.max() <= 1.0


def test_gain_input_and_gain_metadata(gain_model):
    e = Engine(gain_model, provider="cpu", threads=1)
    assert e.has_gain_input and e.factor == 4
    assert e.gain_model == GainModel(a=0.4, b=-1.0, lo=1.0, hi=8.0)
    x = np.full((1, 3, 16, 16), 0.1, np.float32)
    dim, bright = e.run(x, 1.0), e.run(x, 3.0)
    assert bright.mean() > dim.mean() + 0.1
    e.run(x, None)  # gain estimated from the batch


def test_defaults_without_metadata(tmp_path):
    p = make_tiny_model(tmp_path / "bare.onnx", metadata=False)
    e = Engine(p, threads=1)
    assert (e.factor, e.overlap, e.gain_model) == (8, 32, GainModel())


def test_bad_metadata_warns(tmp_path):
    p = make_tiny_model(tmp_path / "m.onnx", overlap="lots", gain_json=None)
    e = Engine(p, threads=1)
    assert e.overlap == 32 and any("lowlight.overlap" in w for w in e.warnings)


def test_missing_model_names_the_path(tmp_path):
    missing = tmp_path / "nope" / "lowlight_unet.onnx"
    with pytest.raises(LowlightError, match="not found") as info:
        Engine(missing)
    assert str(missing) in str(info.value)


@pytest.mark.parametrize("content", [b"", b"this is not an onnx model" * 10])
def test_corrupt_model_names_the_path(tmp_path, content):
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(content)
    with pytest.raises(LowlightError) as info:
        Engine(bad)
    assert str(bad) in str(info.value)
    assert "\n" not in str(info.value)


def test_default_model_path_is_used(monkeypatch, tmp_path):
    monkeypatch.setenv("LOWLIGHT_MODEL", str(tmp_path / "absent.onnx"))
    with pytest.raises(LowlightError, match=r"absent\.onnx"):
        Engine()


def test_threads(tiny_model):
    assert Engine(tiny_model, threads=3).threads == 3
    assert Engine(tiny_model, threads=0).threads >= 1


def test_providers():
    names = available_providers()
    assert names[-1] == "CPU"
    assert normalize_provider("cuda") == "CUDA"
    assert normalize_provider("DmlExecutionProvider") == "DirectML"
    assert normalize_provider(None) == "auto"
    with pytest.raises(LowlightError, match="unknown execution provider"):
        normalize_provider("tpu")


def _pretend_cuda_exists(monkeypatch):
    real = ort.get_available_providers
    monkeypatch.setattr(
        ort, "get_available_providers", lambda: ["CUDAExecutionProvider", *real()]
    )


def test_provider_that_fails_falls_back_to_cpu(monkeypatch, tiny_model, caplog):
    _pretend_cuda_exists(monkeypatch)
    real_session = ort.InferenceSession
    tried = []

    def session(path, sess_options=None, providers=None, **kw):
        names = [p[0] if isinstance(p, tuple) else p for p in providers]
        tried.append(names[0])
        if names[0] != "CPUExecutionProvider":
            raise RuntimeError("CUDA driver version is insufficient")
        return real_session(path, sess_options=sess_options, providers=providers, **kw)

    monkeypatch.setattr(ort, "InferenceSession", session)
    with caplog.at_level(logging.WARNING, logger="lowlight_gui.core.engine"):
        e = Engine(tiny_model, threads=1)  # auto picks CUDA first
    assert tried == ["CUDAExecutionProvider", "CPUExecutionProvider"]
    assert e.active_provider == "CPU"
    assert any("CUDA" in w and "CPU" in w for w in e.warnings)
    assert "falling back to CPU" in caplog.text


def test_explicit_provider_is_honoured(monkeypatch, tiny_model):
    _pretend_cuda_exists(monkeypatch)
    seen = []
    real_session = ort.InferenceSession

    def session(path, sess_options=None, providers=None, **kw):
        seen.append(providers)
        return real_session(path, sess_options=sess_options, providers=["CPUExecutionProvider"])

    monkeypatch.setattr(ort, "InferenceSession", session)
    Engine(tiny_model, provider="CPU", threads=1)
    assert seen[-1] == ["CPUExecutionProvider"]  # explicit CPU even though "CUDA" exists
    Engine(tiny_model, provider="cuda", threads=1)
    first = seen[-1][0]
    assert (first[0] if isinstance(first, tuple) else first) == "CUDAExecutionProvider"


def test_unavailable_explicit_provider_warns(tiny_model):
    e = Engine(tiny_model, provider="CoreML", threads=1)
    if "CoreML" not in available_providers():
        assert e.active_provider == "CPU"
        assert any("CoreML" in w for w in e.warnings)


def test_oom_detection_and_translation(engine, monkeypatch):
    assert is_out_of_memory(RuntimeError("[ONNXRuntimeError] : 6 : Failed to allocate memory"))
    assert is_out_of_memory(RuntimeError("std::bad_alloc"))
    assert not is_out_of_memory(RuntimeError("shape mismatch"))

    class FakeSession:
        def run(self, *a, **k):
            raise RuntimeError("CUDA failure 2: out of memory")

    monkeypatch.setattr(engine, "session", FakeSession())
    with pytest.raises(OutOfMemory):
        engine.run(np.zeros((1, 3, 8, 8), np.float32))


def test_other_run_errors_are_lowlight_errors(engine):
    with pytest.raises(LowlightError, match="the model failed to run"):
        engine.run(np.zeros((1, 3, 7, 7), np.float32))  # odd size for a factor-2 model
    with pytest.raises(ValueError):
        engine.run(np.zeros((1, 1, 8, 8), np.float32))


class _StartedToken(CancelToken):
    """A token that says when a run has registered with it (the run is in flight)."""

    def __init__(self):
        super().__init__()
        self.registered_run = threading.Event()

    def on_set(self, callback):
        remove = super().on_set(callback)
        self.registered_run.set()
        return remove


def _run_in_thread(engine, x, cancel) -> tuple[threading.Thread, dict]:
    box = {}

    def work():
        try:
            box["shape"] = engine.run(x, cancel=cancel).shape
            box["result"] = "finished"
        except Cancelled:
            box["result"] = "cancelled"

    th = threading.Thread(target=work)
    th.start()
    return th, box


def test_cancel_token_stops_the_run_in_flight_from_another_thread(slow_model):
    e = Engine(slow_model, threads=1)
    x = np.random.default_rng(0).random((1, 3, 512, 512), dtype=np.float32)
    token = _StartedToken()
    th, box = _run_in_thread(e, x, token)
    assert token.registered_run.wait(5)  # the run is in flight
    time.sleep(0.05)
    token.set()
    th.join(30)
    assert box["result"] == "cancelled"
    # the engine stays usable afterwards
    assert e.run(x[:, :, :64, :64]).shape == (1, 3, 64, 64)


def test_a_token_stops_only_its_own_run(slow_model):
    """Two runs share one engine (the GUI's preview and batch): cancelling one leaves the other
    to finish, because each run has its own RunOptions."""
    e = Engine(slow_model, threads=1)
    x = np.random.default_rng(0).random((1, 3, 256, 256), dtype=np.float32)
    keep, stop = _StartedToken(), _StartedToken()
    kept_thread, kept = _run_in_thread(e, x, keep)
    stopped_thread, stopped = _run_in_thread(e, x, stop)
    assert keep.registered_run.wait(5) and stop.registered_run.wait(5)
    stop.set()
    stopped_thread.join(30)
    kept_thread.join(60)
    assert stopped["result"] == "cancelled"
    assert kept["result"] == "finished" and kept["shape"] == (1, 3, 256, 256)


def test_a_token_set_before_the_run_cancels_it_and_no_other(engine):
    token = CancelToken()
    token.set()
    with pytest.raises(Cancelled):
        engine.run(np.zeros((1, 3, 8, 8), np.float32), cancel=token)
    assert engine.run(np.zeros((1, 3, 8, 8), np.float32)).shape == (1, 3, 8, 8)
    assert engine.run(np.zeros((1, 3, 8, 8), np.float32), cancel=CancelToken()).shape == (
        1, 3, 8, 8
    )


def test_with_cancel_hands_every_run_its_token(engine):
    token = CancelToken()
    view = with_cancel(engine, token)
    assert with_cancel(engine, None) is engine
    assert (view.factor, view.overlap, view.gain_model) == (
        engine.factor, engine.overlap, engine.gain_model
    )
    x = np.zeros((1, 3, 8, 8), np.float32)
    assert view.run(x).shape == (1, 3, 8, 8)
    token.set()
    with pytest.raises(Cancelled):
        view.run(x)
    again = with_cancel(view, CancelToken())  # a later run's token replaces the earlier one
    assert again.run(x).shape == (1, 3, 8, 8)
    with pytest.raises(TypeError, match="CancelToken"):
        with_cancel(engine, threading.Event())  # it could not stop the run in flight


def test_engine_module_has_no_torch():
    assert "torch" not in engine_mod.__dict__
