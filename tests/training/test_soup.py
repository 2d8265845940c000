"""training/soup.py: two models' weights mixed parameter by parameter, refused when the two
are not the same architecture."""

from __future__ import annotations

import os

import pytest

if os.environ.get("CI"):
    import torch  # (CI installs the train extra: a missing torch must fail, not skip)
else:
    torch = pytest.importorskip("torch")


def _ckpt(value: float, ema: bool = False) -> dict:
    w = {"conv.weight": torch.full((2, 2), value), "bn.num_batches_tracked": torch.tensor(3)}
    ck = {"model": {k: v * 0 for k, v in w.items()} if ema else w, "step": int(value), "args": {}}
    if ema:
        ck["ema"] = w
    return ck


def test_the_soup_mixes_float_weights_and_keeps_b_s_bookkeeping(tmp_path):
    from training.soup import main, soup

    out = soup(_ckpt(1.0), _ckpt(3.0, ema=True), 0.75)  # b's EMA weights are the ones used
    assert torch.allclose(out["model"]["conv.weight"], torch.full((2, 2), 2.5))
    assert out["model"]["bn.num_batches_tracked"].item() == 3 and out["step"] == 3
    torch.save(_ckpt(0.0), tmp_path / "a.pt")
    torch.save(_ckpt(4.0), tmp_path / "b.pt")
    main([str(tmp_path / "a.pt"), str(tmp_path / "b.pt"), str(tmp_path / "o.pt"), "--weight", "0.5"])
    mixed = torch.load(tmp_path / "o.pt", weights_only=False)["model"]["conv.weight"]
    assert torch.allclose(mixed, torch.full((2, 2), 2.0))


def test_the_soup_refuses_different_architectures_and_weights_out_of_range(tmp_path):
    from training.soup import main, soup

    other = {"model": {"conv.weight": torch.zeros(3, 3), "bn.num_batches_tracked": torch.tensor(1)}}
    with pytest.raises(ValueError, match="shapes differ"):
        soup(_ckpt(1.0), other, 0.5)
    with pytest.raises(ValueError, match="different parameters"):
        soup(_ckpt(1.0), {"model": {"fc.weight": torch.zeros(1)}}, 0.5)
    with pytest.raises(SystemExit):
        main(["a.pt", "b.pt", "o.pt", "--weight", "1.5"])
