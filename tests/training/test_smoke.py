"""Training smoke test: a few steps on tiny crops, resume, export, and the app's engine runs it."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest
from PIL import Image

if os.environ.get("CI"):
    import torch  # noqa: F401  (CI installs the train extra: a missing torch must fail, not skip)
else:
    pytest.importorskip("torch")


def _make_pairs(root, n: int = 6, size: int = 64) -> None:
    rng = np.random.default_rng(0)
    (root / "low").mkdir(parents=True)
    (root / "high").mkdir()
    for i in range(n):
        high = rng.uniform(0.2, 0.9, (size, size, 3))
        low = np.clip(high * 0.1 + rng.normal(0, 0.01, high.shape), 0, 1)
        Image.fromarray((high * 255).astype(np.uint8)).save(root / "high" / f"{i}.png")
        Image.fromarray((low * 255).astype(np.uint8)).save(root / "low" / f"{i}.png")


def test_train_resume_export(tmp_path):
    import torch

    from training import export, train

    data, run = tmp_path / "data", tmp_path / "run"
    _make_pairs(data)
    common = ["--data", str(data), "--out", str(run), "--batch", "2", "--crop", "32",
              "--width", "8", "--val-every", "2", "--threads", "1", "--warmup", "1"]
    train.main([*common, "--steps", "2"])
    history = json.loads((run / "history.json").read_text())
    assert [h["step"] for h in history] == [2]
    assert np.isfinite(history[0]["val_psnr"]) and np.isfinite(history[0]["train_psnr"])

    train.main([*common, "--steps", "4"])  # resumes from step 2, does not start over
    history = json.loads((run / "history.json").read_text())
    assert [h["step"] for h in history] == [2, 4]
    assert "resumed from step 2" in (run / "train.log").read_text()

    # A new run can start from trained weights (how the shipped 10k-step weights are continued).
    warm = [a if a != str(run) else str(tmp_path / "warm") for a in common]
    train.main([*warm, "--steps", "1", "--init", str(run / "last.pt")])
    assert "initialised from" in (tmp_path / "warm" / "train.log").read_text()
    # Its export counts the steps and curve of the run it started from.
    warm_report = export.export(tmp_path / "warm" / "last.pt", tmp_path / "warm.onnx")
    assert warm_report["lowlight.steps"] == "5"
    warm_ck = torch.load(tmp_path / "warm" / "last.pt", weights_only=False)
    export.save_weights(warm_ck, tmp_path / "warm.pt")
    slim = torch.load(tmp_path / "warm.pt", weights_only=False)
    assert slim["step"] == 5 and [h["step"] for h in slim["history"]] == [2, 4, 5]
    assert "opt" not in slim and slim["args"]["init"] is None

    onnx_path = tmp_path / "tiny.onnx"
    report = export.export(run / "last.pt", onnx_path)
    assert report["max_abs_diff"] < 1e-3
    assert report["lowlight.factor"] == "8"

    from lowlight_gui.core.engine import Engine
    from lowlight_gui.core.enhance import enhance_array

    engine = Engine(onnx_path, provider="CPU", threads=1)
    out = enhance_array(np.full((37, 53, 3), 0.05, np.float32), engine, tile=32)
    assert out.shape == (37, 53, 3)
    assert np.isfinite(out).all() and out.min() >= 0 and out.max() <= 1


def test_split_keeps_scenes_apart():
    from pathlib import Path

    from training.data import find_pairs, split_by_reference

    lol = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "lol" / "train"
    if not lol.exists():
        pytest.skip("LOL training pairs not beside the checkout")
    train, val = split_by_reference(find_pairs(lol), 0.1, seed=0)
    assert not {p.high.name for p in train} & {p.high.name for p in val}
    assert 0.07 < len(val) / (len(train) + len(val)) < 0.13
    committed = (Path(__file__).resolve().parents[2] / "training/splits/val.txt").read_text().split()
    assert sorted(committed) == sorted(p.low.name for p in val)


def test_another_sampling_seed_keeps_the_validation_split(tmp_path):
    """``--seed`` varies sampling; the split moves only with ``--split-seed`` (a run with
    another seed once trained on the validation pairs every model is judged on)."""
    from training import train

    data = tmp_path / "data"
    _make_pairs(data, n=20)
    common = ["--data", str(data), "--batch", "2", "--crop", "32", "--width", "8",
              "--val-every", "1", "--threads", "1", "--steps", "1", "--val-fraction", "0.3"]
    splits = {}
    for name, extra in (("a", []), ("b", ["--seed", "7"]), ("c", ["--split-seed", "7"])):
        train.main([*common, *extra, "--out", str(tmp_path / name)])
        splits[name] = json.loads((tmp_path / name / "split.json").read_text())["val"]
    assert splits["a"] == splits["b"]
    assert sorted(splits["a"]) != sorted(splits["c"])


def test_v2_head_trains_exports_and_takes_exposure(tmp_path):
    """Model v2: v1 weights initialise its U-Net, the head trains, the export runs in the app's
    engine, and +1 EV brightens the output before the network."""
    import torch

    from training import export, train
    from training.model import build

    data, v1run, run = tmp_path / "data", tmp_path / "v1", tmp_path / "v2"
    _make_pairs(data)
    common = ["--data", str(data), "--batch", "2", "--crop", "32", "--width", "8",
              "--val-every", "2", "--threads", "1", "--warmup", "1", "--steps", "2"]
    train.main([*common, "--out", str(v1run)])
    train.main([*common, "--out", str(run), "--arch", "lowlight2", "--init", str(v1run / "last.pt"), "--ema", "0.9", "--bf16"])
    assert "U-Net from a v1 model" in (run / "train.log").read_text()
    # The final model trains on every pair once the recipe is chosen: no validation split.
    train.main([*common, "--out", str(tmp_path / "all"), "--arch", "lowlight2", "--val-fraction", "0"])
    assert json.loads((tmp_path / "all" / "split.json").read_text())["val"] == []
    ck = torch.load(run / "last.pt", weights_only=False)
    assert ck["ema"] is not None and any(k.startswith("exposure_head.") for k in ck["ema"])
    # The later phase trains the U-Net alone: the head's weights stay exactly as they were.
    frozen = tmp_path / "frozen"
    train.main([*common, "--out", str(frozen), "--arch", "lowlight2", "--init", str(run / "last.pt"),
                "--freeze-head", "--lr", "1e-2"])
    after = torch.load(frozen / "last.pt", weights_only=False)["model"]
    head = [k for k in ck["ema"] if k.startswith("exposure_head.")]
    assert head and all(torch.equal(after[k], ck["ema"][k]) for k in head)
    assert any(not torch.equal(after[k], v) for k, v in ck["ema"].items() if k.startswith("unet."))
    # An untrained head is exactly the v1 formula: its last layer starts at zero.
    fresh = build("lowlight2", width=8)
    assert float(fresh.exposure_head.mlp[-1].weight.abs().sum()) == 0.0

    onnx_path = tmp_path / "v2.onnx"
    report = export.export(run / "last.pt", onnx_path)
    assert report["max_abs_diff"] < 1e-3 and report["lowlight.exposure_head"] == "1"
    # The photo before the U-Net's noise removal travels as a third output (the denoise control).
    assert report["outputs"] == ["output", "cond", "base"] and report["base_max_abs_diff"] < 1e-3

    from lowlight_gui.core.brightness import thumbnail
    from lowlight_gui.core.engine import Engine

    engine = Engine(onnx_path, provider="CPU", threads=1)
    assert engine.has_exposure_head and not engine.has_gain_input
    assert engine.has_base
    rgb = np.random.default_rng(1).uniform(0.02, 0.08, (48, 64, 3)).astype(np.float32)
    thumb = thumbnail(rgb)
    c0, c1 = engine.condition(thumb, 0.0), engine.condition(thumb, 1.0)
    assert c1[0] == pytest.approx(c0[0] + np.log(2.0), abs=1e-4)
    x = np.ascontiguousarray(rgb.transpose(2, 0, 1)[None])
    dark, bright = engine.run(x, thumb=thumb), engine.run(x, thumb=thumb, exposure=1.0)
    assert bright.mean() > dark.mean()
    # base (denoise 0) has the output's brightness and colour: the low frequencies match.
    raw = engine.run(x, thumb=thumb, denoise=0.0)
    assert not np.array_equal(raw, dark)
    np.testing.assert_allclose(raw.mean(axis=(2, 3)), dark.mean(axis=(2, 3)), atol=0.01)


def test_v3_trains_on_camera_shots_from_v2_weights_and_exports(tmp_path):
    """Model v3: v2's weights grow into its head, camera shots mix with the pairs, the export
    runs in the app's engine with a 15-value conditioning."""
    from training import export, train

    data, v2run, run = tmp_path / "data", tmp_path / "v2", tmp_path / "v3"
    _make_pairs(data)
    common = ["--data", str(data), "--batch", "2", "--crop", "32", "--width", "8",
              "--val-every", "2", "--threads", "1", "--warmup", "1", "--steps", "2"]
    train.main([*common, "--out", str(v2run), "--arch", "lowlight2"])
    train.main([*common, "--out", str(run), "--arch", "lowlight3", "--camera", "0.5",
                "--init", str(v2run / "last.pt"), "--ema", "0.9"])
    assert "grown with zeros" in (run / "train.log").read_text()
    onnx_path = tmp_path / "v3.onnx"
    report = export.export(run / "last.pt", onnx_path, full=1.0)
    assert report["max_abs_diff"] < 1e-3 and report["lowlight.arch"] == "lowlight3"
    import onnx  # the graph has the folded stem (no 6-D transpose), checked against the net above

    ops = {n.op_type for n in onnx.load(str(onnx_path)).graph.node}
    assert "Transpose" not in ops and "Conv" in ops
    assert json.loads(report["lowlight.gain"])["full"] == 1.0

    from lowlight_gui.core.brightness import thumbnail
    from lowlight_gui.core.engine import Engine
    from lowlight_gui.core.enhance import enhance_array

    engine = Engine(onnx_path, provider="CPU", threads=1)
    rgb = np.random.default_rng(1).uniform(0.02, 0.08, (48, 64, 3)).astype(np.float32)
    assert engine.condition(thumbnail(rgb)).shape == (15,)
    out = enhance_array(rgb, engine, tile=32)
    assert out.shape == rgb.shape and np.isfinite(out).all() and out.mean() > rgb.mean()

    # the shadow-lift input adds to the shoulder: the U-Net's starting photo comes up, black and
    # white stay where they are
    assert engine.has_lift
    feeds = {"input": rgb.transpose(2, 0, 1)[None].copy(), "thumb": thumbnail(rgb)[None],
             "exposure": np.zeros(1, np.float32)}
    cond0, base0 = engine.session.run(["cond", "base"], {**feeds, "lift": np.zeros(1, np.float32)})
    cond1, base1 = engine.session.run(["cond", "base"], {**feeds, "lift": np.ones(1, np.float32)})
    assert cond1[0, 14] == pytest.approx(cond0[0, 14] + 1.0)
    assert (base1 >= base0 - 1e-6).all() and base1.mean() > base0.mean() * 1.3
    lifted = engine.run(feeds["input"], thumb=feeds["thumb"], lift=1.0)
    assert lifted.mean() > engine.run(feeds["input"], thumb=feeds["thumb"]).mean()
    # --no-lift: the earlier graph, without the input
    plain = tmp_path / "v3_plain.onnx"
    export.export(run / "last.pt", plain, full=1.0, lift=False)
    assert not Engine(plain, provider="CPU", threads=1).has_lift


def test_lift_augmentation_lifts_input_conditioning_and_target_alike(tmp_path):
    """--lift-aug: the U-Net learns lifted shadows (the app's shadow lift) against targets
    lifted by the same shoulder."""
    import torch

    from training import train

    rng = np.random.default_rng(0)
    assert not train.random_lift(rng, 64, 0.0).any()
    lifts = train.random_lift(rng, 4000, 0.5)
    assert 0.4 < (lifts > 0).mean() < 0.6 and lifts.max() <= 3.0 and lifts.min() >= 0.0
    y = torch.tensor([0.0, 0.2, 1.0]).view(1, 3, 1, 1)
    lifted = train.shoulder(y, torch.tensor([3.0])).flatten()
    torch.testing.assert_close(lifted, torch.tensor([0.0, 0.2 * 4 / 1.6, 1.0]))
    # --colour-lift: the target's channels scaled alike (here by the curve at their maximum, 1)
    torch.testing.assert_close(train.shoulder(y, torch.tensor([3.0]), colour=True), y)

    data, run = tmp_path / "data", tmp_path / "lift"
    _make_pairs(data)
    train.main(["--data", str(data), "--batch", "2", "--crop", "32", "--width", "8",
                "--val-every", "2", "--threads", "1", "--warmup", "1", "--steps", "2",
                "--out", str(run), "--arch", "lowlight3", "--lift-aug", "1", "--freeze-head",
                "--colour-lift"])
    assert "done" in (run / "train.log").read_text()
    # the run's shoulder travels with its checkpoint: the export builds the same graph
    from training import export

    net, _, ck = export.load_checkpoint(run / "last.pt")
    assert ck["args"]["colour_lift"] and net.unet.colour_lift


def test_train_colour_moves_only_the_heads_colour_rows(tmp_path):
    """--train-colour: the head's colour gains and matrix learn; its gain, gamma and shoulder
    rows, the rest of the head and the U-Net stay exactly as they were."""
    import torch

    from training import train
    from training.model import checkpoint_weights

    data, start, run = tmp_path / "data", tmp_path / "start", tmp_path / "colour"
    _make_pairs(data)
    common = ["--data", str(data), "--batch", "2", "--crop", "32", "--width", "8",
              "--val-every", "2", "--threads", "1", "--warmup", "1", "--arch", "lowlight3"]
    train.main([*common, "--out", str(start), "--steps", "2"])
    # a colour cast the head can learn to undo: the dark photos are bluish, the references not
    for p in (data / "low").iterdir():
        img = np.asarray(Image.open(p)).astype(np.float32)
        Image.fromarray(np.clip(img * [0.6, 0.8, 1.4], 0, 255).astype(np.uint8)).save(p)
    train.main([*common, "--out", str(run), "--steps", "4", "--lr", "1e-2", "--train-colour",
                "--init", str(start / "last.pt")])
    before = checkpoint_weights(torch.load(start / "last.pt", weights_only=False))
    after = torch.load(run / "last.pt", weights_only=False)["model"]
    moved = {k for k in before if not torch.equal(before[k], after[k])}
    assert moved == {"exposure_head.mlp.2.weight", "exposure_head.mlp.2.bias"}
    for k in moved:
        changed = (before[k] != after[k]).reshape(before[k].shape[0], -1).any(1)
        assert set(changed.nonzero().flatten().tolist()) <= set(train.COLOUR_ROWS)
        assert changed.any()
