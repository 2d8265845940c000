"""Execution providers: what "Automatic" picks, and each accelerated provider against the CPU.

The policy (docs/PACKAGING.md, "Execution providers"): "auto" tries CUDA, then DirectML, then the
CPU. CoreML is never picked by "auto": nobody has compared its output with the CPU's, and it runs
fp16 on the Neural Engine and compiles the model at each start. The comparison below runs on
every machine where a provider besides the CPU is present (the macOS job: CoreML is in the
onnxruntime wheel there); elsewhere it is skipped. It prints both times, so the CI log carries the
figures a change of policy needs (`pytest -s tests/test_providers.py`).
"""

from __future__ import annotations

import time

import numpy as np
import onnxruntime as ort
import pytest

from lowlight_gui.core import engine as engine_mod
from lowlight_gui.core.engine import Engine, available_providers, choose_provider
from lowlight_gui.core.enhance import enhance_pixels
from lowlight_gui.core.imageio import read_photo
from lowlight_gui.resources import default_model_path, resource_path

# Mean absolute difference from the CPU's result, on 0..1, that a provider may show: about
# 1/255, the step of an 8-bit output (fp16 keeps ~3 decimal digits; a systematic error such as a
# wrong colour or a lost tile edge is far above it). And no pixel further than 16/255.
MEAN_TOLERANCE = 1 / 255
MAX_TOLERANCE = 16 / 255


def _pretend_present(monkeypatch, *names: str) -> None:
    monkeypatch.setattr(
        ort, "get_available_providers", lambda: [engine_mod.PROVIDERS[n] for n in names]
    )


@pytest.mark.parametrize(
    ("present", "auto"),
    [
        (["CoreML", "CPU"], "CPU"),  # every Mac: CoreML present, not chosen
        (["CUDA", "CoreML", "CPU"], "CUDA"),
        (["DirectML", "CPU"], "DirectML"),
        (["CPU"], "CPU"),
        ([], "CPU"),
    ],
)
def test_automatic_never_picks_coreml(monkeypatch, present, auto) -> None:
    _pretend_present(monkeypatch, *present)
    assert choose_provider("auto") == auto


def test_coreml_runs_when_asked_by_name(monkeypatch) -> None:
    _pretend_present(monkeypatch, "CoreML", "CPU")
    assert choose_provider("coreml") == "CoreML"
    assert choose_provider("CoreMLExecutionProvider") == "CoreML"


def _takes_whole_graph(model, provider: str) -> bool:
    """Whether ``provider`` runs every node itself: with the CPU fallback off, ONNX Runtime
    refuses a session it would have to split. (Otherwise the figures may be mostly the CPU's.)"""
    options = ort.SessionOptions()
    options.add_session_config_entry("session.disable_cpu_ep_fallback", "1")
    try:
        ort.InferenceSession(str(model), options, providers=[engine_mod.PROVIDERS[provider]])
    except Exception:  # noqa: BLE001 - any refusal means: not all of it
        return False
    return True


def compare(provider: str, reference: str = "CPU", *, scale: int = 4) -> dict[str, float]:
    """Enhance the bundled sample (400 x 300) on both providers: the difference, and the times
    of a load and of the sample blown up ``scale`` times (4: 1600 x 1200)."""
    model = default_model_path()
    photo = read_photo(resource_path("resources", "sample", "night.jpg")).pixels
    big = np.repeat(np.repeat(photo, scale, axis=0), scale, axis=1)
    mp = big.shape[0] * big.shape[1] / 1e6
    figures: dict[str, float] = {}
    results = []
    for name in (reference, provider):
        start = time.perf_counter()
        engine = Engine(model, provider=name)
        figures[f"{name} load s"] = time.perf_counter() - start
        assert engine.active_provider == name, f"{name} did not start: {engine.warnings}"
        results.append(np.asarray(enhance_pixels(photo, engine), np.float32))
        start = time.perf_counter()
        enhance_pixels(big, engine)
        figures[f"{name} {mp:.2f} MP s"] = time.perf_counter() - start
    if provider != reference:
        figures[f"whole graph on {provider}"] = float(_takes_whole_graph(model, provider))
    diff = np.abs(results[0] - results[1])
    scale = 255.0 if photo.dtype == np.uint8 else 65535.0 if photo.dtype == np.uint16 else 1.0
    figures["mean abs diff"] = float(diff.mean()) / scale
    figures["max abs diff"] = float(diff.max()) / scale
    return figures


@pytest.mark.parametrize("provider", [p for p in engine_mod.PROVIDERS if p != "CPU"])
def test_accelerated_provider_matches_the_cpu(provider) -> None:
    if provider not in available_providers():
        pytest.skip(f"{provider} is not in this ONNX Runtime build")
    figures = compare(provider)
    print(f"\n{provider} against CPU: " + ", ".join(f"{k} {v:.4f}" for k, v in figures.items()))
    assert figures["mean abs diff"] <= MEAN_TOLERANCE, figures
    assert figures["max abs diff"] <= MAX_TOLERANCE, figures


def test_the_comparison_itself_runs_here() -> None:
    """The same comparison, CPU against CPU: what the macOS job runs works, and is exact."""
    figures = compare("CPU", scale=1)
    assert figures["mean abs diff"] == 0 and figures["max abs diff"] == 0
    assert figures["CPU 0.12 MP s"] > 0
