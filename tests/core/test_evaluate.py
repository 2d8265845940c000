"""evaluate returns results (a typed Evaluation); printing and plotting are the CLI's."""

from __future__ import annotations

import json

import pytest

from lowlight_gui.core.evaluate import COLUMNS, Evaluation, evaluate_pairs, training_history
from lowlight_gui.core.pairs import Pair
from tests.conftest import write_image


def test_scores_each_pair_and_keeps_the_first_for_plots(tmp_path):
    pairs = []
    for i in range(3):
        low = write_image(tmp_path / "low" / f"p{i}.png", seed=i)
        pairs.append(Pair(low, low))  # the reference is the low image itself
    seen = []
    result = evaluate_pairs(pairs, lambda x: x, keep=2, on_image=seen.append)
    assert isinstance(result, Evaluation)
    assert [s.name for s in result.images] == ["p0.png", "p1.png", "p2.png"] == [
        s.name for s in seen
    ]
    assert result.mean["mse"] == 0.0 and result.mean["ssim"] == pytest.approx(1.0)
    assert set(result.mean) == set(COLUMNS)
    assert [s.name for s in result.samples] == ["p0.png", "p1.png"]
    assert result.samples[0].enhanced.shape == result.samples[0].reference.shape == (48, 64, 3)
    report = json.loads(json.dumps(result.as_dict()))  # what --json writes
    assert list(report) == ["mean", "images"]
    assert list(report["images"][0]) == ["name", *COLUMNS, "seconds"]


def test_training_history_from_metadata():
    assert training_history({}) is None
    curve = [{"step": 1, "train_psnr": 10.0, "val_psnr": 9.0}]
    assert training_history({"lowlight.history": json.dumps(curve)}) == curve
