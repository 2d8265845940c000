"""Export a trained checkpoint to ONNX and check it against PyTorch on a full 600x400 image.

    python -m training.export runs/main/last.pt models/lowlight_unet.onnx --check-image LOW.webp
"""

from __future__ import annotations

import argparse
import json
import warnings
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from PIL import Image

from lowlight_gui.core import contract as c
from lowlight_gui.core.brightness import GainModel, estimate_gain, thumbnail
from lowlight_gui.core.engine import BASE_MATCH_RADIUS  # the app matches base with the same blur

from .model import (
    build,
    checkpoint_weights,
    expand_convs,
    fold_pixel_unshuffle,
    reparameterize,
    v4s_blocks,
)
from .train import whole_run

TOLERANCE = 1e-3
HISTORY_KEYS = ("step", "epoch", "train_psnr", "val_psnr", "val_ssim")


class _Exportable(torch.nn.Module):
    """Adds the final clip, which training leaves out to keep gradients at the bounds."""

    def __init__(self, net: torch.nn.Module):
        super().__init__()
        self.net = net

    def forward(self, x: torch.Tensor, gain: torch.Tensor) -> torch.Tensor:
        return torch.clamp(self.net(x, gain), 0.0, 1.0)


def lowpass(t: torch.Tensor, radius: int = BASE_MATCH_RADIUS) -> torch.Tensor:
    """Three box blurs (about a Gaussian of sigma 1.4 * radius, reach 3 * radius); at the image
    border each averages the pixels it has, as a tile on the photo's border does too."""
    k = 2 * radius + 1
    for _ in range(3):
        t = F.avg_pool2d(t, k, stride=1, padding=radius, count_include_pad=False)
    return t


def matched_base(base: torch.Tensor, out: torch.Tensor) -> torch.Tensor:
    """``base`` with the low frequencies of ``out``: the output's brightness and colour with the
    base's fine grain and detail (``lowpass(out) + base - lowpass(base)``), clipped to 0..1.

    The U-Net does more than denoise: v2's output is 12-39 % brighter than the head's
    conditioning on LOL photos, with other colours. Without the match the noise-reduction
    amount would change brightness and colour too; with it the mix changes only the grain.
    The app does this itself (``lowlight_gui.core.engine.match_base``, the same arithmetic in
    numpy) on the raw base the graph returns; here it sizes the overlap and checks the app's.
    """
    return torch.clamp(base + lowpass(out - base), 0.0, 1.0)


class _ExportableV2(torch.nn.Module):
    """Model v2 as one graph: (input, thumb, exposure[, lift]) -> (output, cond[, base]).

    The exposure head reads only ``thumb`` and ``exposure``, which the app passes unchanged
    with every tile of a photo, so every tile gets the same conditioning; ``cond`` is returned
    too (the app reads the predicted gain from a tiny first run). A U-Net with a ``base``
    method also returns the photo it starts from (brightened and colour-corrected, not
    denoised), raw (metadata ``lowlight.base`` = "raw"): the app brings it to the output's
    brightness and colour (``matched_base``) and blends the two for its noise-reduction amount.
    A v3 model also takes ``lift`` (``contract.LIFT``), the app's shadow lift, added to the
    head's highlight shoulder.
    """

    def __init__(self, net: torch.nn.Module, lift: bool = True):
        super().__init__()
        self.net = net
        self.with_base = has_base(net)
        self.with_lift = lift and has_lift(net)
        if self.with_lift:
            net.unet.use_shoulder = True  # the lift acts through the shoulder

    def forward(
        self, x: torch.Tensor, thumb: torch.Tensor, exposure: torch.Tensor,
        lift: torch.Tensor | None = None,
    ):
        cond = self.net.exposure_head(thumb, exposure)
        if self.with_lift and lift is not None:  # the app's shadow lift adds to the shoulder
            cond = torch.cat([cond[:, :14], cond[:, 14:] + lift.clamp_min(0.0)[:, None]], 1)
        if not self.with_base:
            return torch.clamp(self.net.unet(x, cond), 0.0, 1.0), cond
        # base once (the U-Net's forward is restore(base)): the graph would compute it twice
        base = self.net.unet.base(x, cond)
        out = torch.clamp(self.net.unet.restore(base, x), 0.0, 1.0)
        # raw: the app matches it to the output only when it mixes the two (engine.match_base),
        # so runs at 100 % noise reduction do not pay for the low-pass on every tile
        return out, cond, torch.clamp(base, 0.0, 1.0)


def has_lift(net: torch.nn.Module) -> bool:
    """Whether the export gets the ``lift`` input: a v3 model (its conditioning carries the
    highlight shoulder that the lift adds to)."""
    head = getattr(net, "exposure_head", None)
    return getattr(head, "n_cond", 0) >= 15 and hasattr(net.unet, "use_shoulder")


def has_base(net: torch.nn.Module) -> bool:
    """Whether the export gets the ``base`` output: an exposure-head model whose U-Net has a
    ``base(x, cond)`` method (the not-yet-denoised photo)."""
    return hasattr(net, "exposure_head") and callable(getattr(net.unet, "base", None))


class _RadiusProbe(torch.nn.Module):
    """A v2 model with a fixed thumbnail, so receptive_radius can probe it like v1; with a base
    output, the sum of both, so that the overlap covers the farther reaching of the two."""

    def __init__(self, wrapped: _ExportableV2, base: bool = True):
        super().__init__()
        self.wrapped = wrapped
        self.base = base

    def forward(self, x: torch.Tensor, gain: torch.Tensor) -> torch.Tensor:
        thumb = torch.full((x.shape[0], 3, 128, 128), 0.1)
        lift = torch.ones(x.shape[0]) if self.wrapped.with_lift else None
        outputs = self.wrapped(x, thumb, torch.zeros(x.shape[0]), lift)
        if self.base and len(outputs) > 2:  # what the app mixes: base matched to the output
            return outputs[0] + matched_base(outputs[2], outputs[0])
        return outputs[0]


def fold_stem(net: torch.nn.Module) -> None:
    """Give the U-Net the folded stem (``model.fold_pixel_unshuffle``) if it has the unshuffled
    one, and its re-parameterisable layers folded into plain convolutions (v4)."""
    unet = getattr(net, "unet", net)
    reparameterize(unet)
    stem = getattr(unet, "stem", None)
    if isinstance(stem, torch.nn.Sequential) and isinstance(stem[0], torch.nn.PixelUnshuffle):
        unet.stem = fold_pixel_unshuffle(stem)


def receptive_radius(net: torch.nn.Module, factor: int, size: int = 256) -> int:
    """Pixels of context a tile needs on each side: how far a centre impulse's gradient reaches."""
    x = torch.full((1, 3, size, size), 0.1, requires_grad=True)
    g = torch.full((1, 1, 1, 1), 4.0)
    out = net(x, g)
    out[0, :, size // 2, size // 2].sum().backward()
    reach = (x.grad[0].abs().sum(0) > 0).nonzero()
    r = int(max((reach - size // 2).abs().max().item(), 1))
    return int(np.ceil(r / factor) * factor)


def load_checkpoint(
    path: Path, full: float | None = None, clip: float | None = None
) -> tuple[torch.nn.Module, GainModel, dict]:
    ck = torch.load(path, map_location="cpu", weights_only=False)
    args = ck["args"]
    gain = _gain_model(ck)
    if full is not None:
        gain = replace(gain, full=full)
    if clip is not None:
        gain = replace(gain, clip=clip)
    kwargs = {"width": int(args["width"])} if args["arch"] != "prototype" else {}
    if args["arch"] in ("lowlight2", "lowlight3", "lowlight4", "lowlight4s"):
        kwargs.update(a=gain.a, b=gain.b)
    if args.get("colour_lift"):  # trained with the colour-keeping shoulder (v3.3)
        kwargs.update(colour_lift=True)
    if args["arch"] == "lowlight4s":  # which of v3's blocks it kept
        kwargs.update(blocks=v4s_blocks(args.get("blocks")))
    net = build(args["arch"], **kwargs)
    if args.get("expand"):  # trained with parallel branches: folded by ``fold_stem``
        expand_convs(net.unet)
    net.load_state_dict(checkpoint_weights(ck))
    net.eval()
    return net, gain, ck


def _gain_model(ck: dict) -> GainModel:
    """The checkpoint's fitted formula with the app's current well-exposed rule (``full`` is a
    rule of the app, not something training learns, so an old checkpoint does not carry it)."""
    return GainModel(**{k: v for k, v in ck["gain_model"].items() if k != "full"})


def save_weights(ck: dict, path: Path) -> None:
    """The weights, gain fit and whole training curve without optimiser state (a few MB)."""
    steps, history = whole_run(ck)
    args = {**ck["args"], "init": None}  # the curve and steps above already include it
    # the EMA weights when the run kept them: what the export ships
    slim = {
        "model": checkpoint_weights(ck),
        "args": args,
        "gain_model": ck["gain_model"],
        "step": steps,
        "history": history,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(slim, path)


def export(
    ckpt: Path,
    out: Path,
    check_image: Path | None = None,
    opset: int = 17,
    weights: Path | None = None,
    formula_head: bool = False,
    full: float | None = None,
    clip: float | None = None,
    lift: bool = True,
) -> dict:
    """Write ``out`` (ONNX, checked against PyTorch) and, if asked, the slim ``weights`` file.
    ``full``: the well-exposed rule's threshold stamped into the model (None: the app's default);
    ``clip``: its highlight budget (``GainModel.clip``; None: the default, off); ``lift``: give
    a v3 model the shadow-lift input (``contract.LIFT``)."""
    net, gain_model, ck = load_checkpoint(ckpt, full, clip)
    steps, history = whole_run(ck)
    v2 = hasattr(net, "exposure_head")
    if formula_head:  # the ablation "v2 without its head": the head's correction zeroed
        torch.nn.init.zeros_(net.exposure_head.mlp[-1].weight)
        torch.nn.init.zeros_(net.exposure_head.mlp[-1].bias)
    last = net.exposure_head.mlp[-1] if v2 else None
    # a v3 head whose shoulder output is identically 0 (its row of the last layer is zero)
    zero_shoulder = last is not None and last.out_features > 14 and not (
        last.weight[14:15].any() or last.bias[14:15].any()
    )
    if zero_shoulder and not lift:
        net.unet.use_shoulder = False  # always 0 and no lift: leave it out of the graph
    wrapped = (_ExportableV2(net, lift) if v2 else _Exportable(net)).eval()
    if zero_shoulder and wrapped.with_lift:
        net.unet.shoulder_from_zero = True  # the shoulder is the app's lift alone: h >= 0
    factor = int(net.factor)
    overlap = receptive_radius(_RadiusProbe(wrapped) if v2 else net, factor)
    # The output alone reaches less far than output + base (base's low-pass adds a few pixels):
    # runs that do not ask for base (noise reduction at 100 %) tile with the smaller overlap.
    overlap_out = receptive_radius(_RadiusProbe(wrapped, base=False), factor) if v2 else overlap
    h, w = 400, 600
    if check_image is not None:
        rgb = np.asarray(Image.open(check_image).convert("RGB"), np.float32) / 255
        rgb = rgb[: rgb.shape[0] // factor * factor, : rgb.shape[1] // factor * factor]
    else:
        rgb = np.random.default_rng(0).random((h, w, 3), dtype=np.float32) * 0.15
    x = torch.from_numpy(np.ascontiguousarray(rgb.transpose(2, 0, 1)))[None]
    if v2:
        feeds = {
            c.INPUT: x,
            c.THUMB: torch.from_numpy(thumbnail(rgb))[None],
            c.EXPOSURE: torch.zeros(1),
        }
        if wrapped.with_lift:  # checked with a lift, so that the shoulder's arithmetic is too
            feeds[c.LIFT] = torch.full((1,), 0.5)
        names, outputs = list(feeds), [c.OUTPUT, c.COND]
        axes = {c.INPUT: {2: "h", 3: "w"}, c.OUTPUT: {2: "h", 3: "w"}}
        if wrapped.with_base:
            outputs.append(c.BASE)
            axes[c.BASE] = {2: "h", 3: "w"}
    else:
        feeds = {c.INPUT: x, c.GAIN: torch.full((1, 1, 1, 1), estimate_gain(rgb, gain_model))}
        names, outputs = list(feeds), [c.OUTPUT]
        axes = {
            c.INPUT: {0: "n", 2: "h", 3: "w"}, c.GAIN: {0: "n"}, c.OUTPUT: {0: "n", 2: "h", 3: "w"}
        }
    out.parent.mkdir(parents=True, exist_ok=True)
    with torch.no_grad(), warnings.catch_warnings():
        # The TorchScript exporter is deprecated in favour of dynamo, which needs onnxscript;
        # this plain conv net exports identically either way.
        warnings.simplefilter("ignore", DeprecationWarning)
        ref = wrapped(*feeds.values())
        refs = [t.numpy() for t in ref] if v2 else [ref.numpy()]
        # the graph gets the faster, equal stem; the check below compares it with the network
        # as trained (``refs``)
        fold_stem(net)
        torch.onnx.export(
            wrapped,
            tuple(feeds.values()),
            str(out),
            input_names=names,
            output_names=outputs,
            dynamic_axes=axes,
            opset_version=opset,
            dynamo=False,
        )
    model = onnx.load(str(out))
    meta = {
        c.META_NAME: "lowlight_unet",
        c.META_ARCH: str(ck["args"]["arch"]),
        c.META_FACTOR: str(factor),
        c.META_OVERLAP: str(overlap),
        c.META_OVERLAP_OUTPUT: str(overlap_out),
        **({c.META_BASE: "raw"} if v2 and wrapped.with_base else {}),
        c.META_GAIN: json.dumps(asdict(gain_model)),
        c.META_STEPS: str(steps),
        c.META_EXPOSURE_HEAD: "1" if v2 else "0",
        # The training curve travels with the model, so `lowlight eval --plots` can draw it.
        c.META_HISTORY: json.dumps(
            [{k: round(v, 4) for k, v in h.items() if k in HISTORY_KEYS} for h in history]
        ),
    }
    onnx.helper.set_model_props(model, meta)
    onnx.checker.check_model(model)
    onnx.save(model, str(out))

    import onnxruntime as ort

    sess = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    got = sess.run(outputs, {k: v.numpy() for k, v in feeds.items()})
    diffs = {
        name: float(np.abs(g - r).max()) for name, g, r in zip(outputs, got, refs, strict=True)
    }
    for name, diff in diffs.items():
        if diff >= TOLERANCE:
            raise SystemExit(f"ONNX {name} differs from PyTorch by {diff:.2e} (limit {TOLERANCE})")
    meta.pop(c.META_HISTORY)
    report = {
        "max_abs_diff": diffs[c.OUTPUT], "outputs": outputs, "shape": list(x.shape),
        "bytes": out.stat().st_size, **meta,
    }
    if c.BASE in diffs:
        report["base_max_abs_diff"] = diffs[c.BASE]
    if weights:
        save_weights(ck, weights)
        report["weights"] = str(weights)
    return report


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("checkpoint", type=Path)
    p.add_argument("out", type=Path)
    p.add_argument("--check-image", type=Path, help="a full-size photo for the PyTorch/ONNX check")
    p.add_argument("--opset", type=int, default=17)
    p.add_argument("--save-weights", type=Path, help="also write the slim weights file (for --init)")
    p.add_argument("--formula-head", action="store_true",
                   help="v2 ablation: zero the head's correction (the v1 gain formula conditions the U-Net)")
    p.add_argument("--full", type=float,
                   help="well-exposed threshold stamped into the model (GainModel.full; 1 = never "
                        "blend back; default: the app's rule)")
    p.add_argument("--clip", type=float,
                   help="highlight budget stamped into the model (GainModel.clip: the fraction of "
                        "a photo the result may newly clip before the exposure is lowered)")
    p.add_argument("--no-lift", dest="lift", action="store_false",
                   help="v3: export without the shadow-lift input (the graph of earlier releases)")
    a = p.parse_args(argv)
    report = export(a.checkpoint, a.out, a.check_image, a.opset, a.save_weights, a.formula_head,
                    a.full, a.clip, a.lift)
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
