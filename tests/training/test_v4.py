"""Model v4 (issue 31): re-parameterisable layers fold exactly into plain convolutions, the
exported graph has only plain convolutions (no batch norm, no branches, no transposed
convolutions), the local tone map keeps clipped lamps clipped, and v3 weights give v4 its head."""

from __future__ import annotations

import os

import numpy as np
import pytest

if os.environ.get("CI"):
    import torch  # noqa: F401  (CI installs the train extra: a missing torch must fail, not skip)
else:
    pytest.importorskip("torch")


def _randomise_bn(module) -> None:
    """Batch norms with statistics and affine parameters far from their defaults, so that a
    fold that forgot one of them fails."""
    import torch

    g = torch.Generator().manual_seed(0)
    for m in module.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            with torch.no_grad():
                m.running_mean.copy_(torch.randn(m.num_features, generator=g) * 0.3)
                m.running_var.copy_(torch.rand(m.num_features, generator=g) + 0.5)
                m.weight.copy_(torch.randn(m.num_features, generator=g))
                m.bias.copy_(torch.randn(m.num_features, generator=g) * 0.2)


def _tiny_v3(tmp_path) -> list[str]:
    """A tiny v3.3-like run (width 8, 2 steps, the colour-keeping shoulder) at ``tmp_path/v3``
    on the smoke tests' tiny LOL folder; returns the training arguments the runs share."""
    from tests.training.test_smoke import _make_pairs
    from training import train

    data = tmp_path / "data"
    _make_pairs(data)
    base = ["--data", str(data), "--batch", "2", "--crop", "32", "--val-every", "2",
            "--threads", "1", "--synthetic", "0", "--no-channels-last"]
    train.main([*base, "--arch", "lowlight3", "--width", "8", "--steps", "2",
                "--colour-lift", "--out", str(tmp_path / "v3")])
    return base


@pytest.mark.parametrize(("cin", "cout", "stride"), [(8, 8, 1), (8, 12, 1), (8, 16, 2), (24, 16, 1)])
def test_a_repconv_folds_into_one_3x3_convolution_exactly(cin, cout, stride):
    import torch

    from training.model import RepConv

    torch.manual_seed(cin + cout + stride)
    rep = RepConv(cin, cout, stride)
    _randomise_bn(rep)
    rep.eval()
    x = torch.randn(2, cin, 20, 28)
    conv = rep.fuse()
    assert isinstance(conv, torch.nn.Conv2d) and conv.kernel_size == (3, 3)
    assert conv.stride == (stride, stride)
    with torch.no_grad():
        torch.testing.assert_close(conv(x), rep(x), rtol=0, atol=1e-5)
    assert (rep.bn_id is not None) == (cin == cout and stride == 1)


def test_the_whole_v4_unet_is_unchanged_by_reparameterisation():
    import torch

    from training.model import LowlightV4, RepConv, reparameterize

    torch.manual_seed(2)
    net = LowlightV4(width=8)
    for p in net.unet.parameters():  # the zero-initialised output and tone layers count too
        torch.nn.init.normal_(p, std=0.1)
    _randomise_bn(net)
    net.eval()
    x, thumb = torch.rand(1, 3, 64, 48) * 0.3, torch.rand(1, 3, 128, 128) * 0.3
    with torch.no_grad():
        before = net(x, thumb, torch.zeros(1))
        reparameterize(net.unet)
        after = net(x, thumb, torch.zeros(1))
    assert not any(isinstance(m, (RepConv, torch.nn.BatchNorm2d)) for m in net.unet.modules())
    torch.testing.assert_close(after, before, rtol=0, atol=1e-5)


def test_the_local_tone_keeps_white_and_moves_the_dark():
    import torch

    from training.model import ConditionedUNetV4

    unet = ConditionedUNetV4(width=8).eval()
    with torch.no_grad():
        unet.tone.bias.fill_(-3.0)  # h < 0 everywhere: the map darkens
        xb = torch.full((1, 3, 32, 32), 0.2)
        xb[:, :, 10:14, 10:14] = 1.0  # a clipped lamp
        out = unet.restore(xb, xb)  # (the residual head starts at zero)
    assert torch.allclose(out[:, :, 10:14, 10:14], torch.ones(1, 3, 4, 4), atol=1e-6)
    assert (out[:, :, 20:, 20:] < 0.2 - 0.03).all()  # the dark part goes down


def test_v4_trains_from_v3_weights_with_a_teacher_and_night_skies_and_exports_plain_convs(
    tmp_path,
):
    import onnx
    import onnxruntime as ort
    import torch

    from training import export, train

    base = _tiny_v3(tmp_path)
    train.main([*base, "--arch", "lowlight4", "--width", "8", "--steps", "2", "--freeze-head",
                "--camera", "1", "--night", "1", "--lift-aug", "1", "--colour-lift",
                "--init", str(tmp_path / "v3/last.pt"), "--teacher", str(tmp_path / "v3/last.pt"),
                "--out", str(tmp_path / "v4")])
    v3 = torch.load(tmp_path / "v3/last.pt", weights_only=False)["model"]
    v4 = torch.load(tmp_path / "v4/last.pt", weights_only=False)["model"]
    for k, v in v3.items():  # the frozen head is v3's
        if k.startswith("exposure_head."):
            torch.testing.assert_close(v4[k], v)
    out = tmp_path / "v4.onnx"
    report = export.export(tmp_path / "v4/last.pt", out, full=1.0, clip=0.03)
    assert report["max_abs_diff"] < 1e-4 and report["lowlight.arch"] == "lowlight4"
    assert report["lowlight.steps"] == "2"  # its own steps: only the head came from v3
    ops = {n.op_type for n in onnx.load(str(out)).graph.node}
    assert "Conv" in ops
    assert not ops & {"BatchNormalization", "ConvTranspose"}
    sess = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    feeds = {"input": np.random.default_rng(0).random((1, 3, 48, 64), np.float32) * 0.2,
             "thumb": np.full((1, 3, 128, 128), 0.1, np.float32),
             "exposure": np.zeros(1, np.float32), "lift": np.zeros(1, np.float32)}
    got = sess.run(["output"], feeds)[0]
    assert got.shape == (1, 3, 48, 64) and np.isfinite(got).all()


def test_night_sky_is_dark_above_a_skyline_and_lamps_are_clipped_discs():
    from training.synth import lamps, night_sky

    rng = np.random.default_rng(0)
    clean = np.full((64, 80, 3), 0.5, np.float32)
    for _ in range(5):
        out, mask = night_sky(rng, clean)
        assert mask.shape == (64, 80, 1) and 0 < mask.mean() < 1
        assert mask[0].all() and not mask[-1].any()  # sky on top, ground below
        luma = out @ np.float32([0.299, 0.587, 0.114])
        assert np.median(luma[mask[..., 0] > 0]) <= 0.16  # finished night skies: 0.05-0.13
        assert np.array_equal(out[mask[..., 0] == 0], clean[mask[..., 0] == 0])
    colour, cover = lamps(rng, (64, 80), 3)
    assert cover.max() == 1.0 and colour[cover[..., 0] == 1.0].max(axis=1).min() == 1.0
    assert (cover > 0).mean() < 0.2  # small discs, no halo


def test_v4s_starts_as_v3_with_blocks_cut_and_trains_and_exports_without_transposed_convs(
    tmp_path,
):
    """v4s (v3.3's U-Net cut where its time goes) takes v3's head and every layer it kept as
    they are, its bilinear upsampling starts as the mean of v3's ConvTranspose phases, and it
    trains and exports with plain convolutions only."""
    import onnx
    import torch

    from training import export, train

    base = _tiny_v3(tmp_path)
    v3_path = tmp_path / "v3/last.pt"
    v3 = torch.load(v3_path, weights_only=False)["model"]
    from training.model import LowlightV4S

    model = LowlightV4S(width=8)
    what = train.load_init(model, v3)
    assert "enc1.0" in what and "mid.1" in what and "dec1.0" not in what
    own = model.state_dict()
    for k in ("unet.stem.1.weight", "unet.mid.0.body.0.weight", "unet.dec1.0.body.2.bias",
              "unet.head.0.weight", "exposure_head.mlp.2.weight"):
        torch.testing.assert_close(own[k], v3[k])
    torch.testing.assert_close(
        own["unet.up1.weight"][:, :, 0, 0], v3["unet.up1.weight"].mean(dim=(2, 3)).t()
    )
    assert not own["unet.tone.weight"].any()
    train.main([*base, "--arch", "lowlight4s", "--width", "8", "--steps", "2", "--freeze-head",
                "--camera", "1", "--night", "1", "--colour-lift", "--init", str(v3_path),
                "--teacher", str(v3_path), "--blocks", "0,1,1,0,1", "--out", str(tmp_path / "v4s")])
    kept = torch.load(tmp_path / "v4s/last.pt", weights_only=False)["model"]
    assert "unet.enc2.0.body.0.weight" in kept and "unet.enc1.0.body.0.weight" not in kept
    out = tmp_path / "v4s.onnx"
    report = export.export(tmp_path / "v4s/last.pt", out, full=1.0, clip=0.03)
    assert report["max_abs_diff"] < 1e-4 and report["lowlight.arch"] == "lowlight4s"
    ops = {n.op_type for n in onnx.load(str(out)).graph.node}
    assert "Conv" in ops and not ops & {"BatchNormalization", "ConvTranspose"}


@pytest.mark.parametrize(("cin", "cout", "stride"), [(8, 8, 1), (8, 16, 2), (24, 12, 1)])
def test_an_expanded_conv_starts_as_its_convolution_and_folds_back_exactly(cin, cout, stride):
    import torch

    from training.model import ExpandedConv

    torch.manual_seed(cin * cout + stride)
    conv = torch.nn.Conv2d(cin, cout, 3, stride, 1)
    x = torch.randn(2, cin, 19, 26)
    with torch.no_grad():
        plain = conv(x)
        grown = ExpandedConv(conv)
        torch.testing.assert_close(grown(x), plain, rtol=0, atol=0)  # training mode too
        for branch in (grown.one, grown.squeeze, grown.spread):
            torch.nn.init.normal_(branch.weight, std=0.2)
        _randomise_bn(grown)
        grown.eval()
        folded = grown.fuse()
        assert isinstance(folded, torch.nn.Conv2d) and folded.stride == (stride, stride)
        assert not torch.allclose(grown(x), plain, atol=1e-2)  # the branches do something
        torch.testing.assert_close(folded(x), grown(x), rtol=0, atol=1e-5)
    assert (grown.bn_id is not None) == (cin == cout and stride == 1)


def test_a_v4s_run_continues_with_expanded_convs_and_a_colour_term_and_exports_plain_convs(
    tmp_path,
):
    """``--expand`` on a v4s run's weights: it starts from them as they are, trains with the
    branches (and ``--w-chroma`` against the teacher) and the export folds them away."""
    import onnx
    import torch

    from training import export, train

    base = _tiny_v3(tmp_path)
    v3_path = tmp_path / "v3/last.pt"
    v4s = [*base, "--arch", "lowlight4s", "--width", "8", "--freeze-head", "--camera", "1",
           "--colour-lift", "--teacher", str(v3_path), "--blocks", "0,1,1,0,1"]
    train.main([*v4s, "--steps", "2", "--init", str(v3_path), "--out", str(tmp_path / "v4s")])
    train.main([*v4s, "--steps", "2", "--init", str(tmp_path / "v4s/last.pt"), "--expand",
                "--w-chroma", "1", "--out", str(tmp_path / "x")])
    assert "all weights" in (tmp_path / "x/train.log").read_text()
    kept = torch.load(tmp_path / "x/last.pt", weights_only=False)["model"]
    assert "unet.stem.1.spread.weight" in kept and "unet.head.0.bn_one.running_var" in kept
    out = tmp_path / "x.onnx"
    report = export.export(tmp_path / "x/last.pt", out, full=1.0, clip=0.03)
    assert report["max_abs_diff"] < 1e-4
    ops = {n.op_type for n in onnx.load(str(out)).graph.node}
    assert "Conv" in ops and not ops & {"BatchNormalization", "ConvTranspose"}
    # an --expand run's own weights continue as they are (branches and all)
    train.main([*v4s, "--steps", "2", "--init", str(tmp_path / "x/last.pt"), "--expand",
                "--out", str(tmp_path / "x2")])
    assert "all weights" in (tmp_path / "x2/train.log").read_text()
    size = {i.name: i.dims for i in onnx.load(str(out)).graph.initializer}
    plain = tmp_path / "plain.onnx"
    export.export(tmp_path / "v4s/last.pt", plain, full=1.0, clip=0.03)
    assert sorted(map(tuple, size.values())) == sorted(
        tuple(i.dims) for i in onnx.load(str(plain)).graph.initializer)  # the same graph's cost
