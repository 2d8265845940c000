"""Train a low-light U-Net on paired data.

    python -m training.train --data ../shared/data/lol/train --out runs/main --steps 6000

Resumes automatically from ``OUT/last.pt``; ``--minutes`` stops a run cleanly (checkpoint saved)
so that a long run can be spread over several sessions.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from lowlight_gui.core.brightness import GainModel, fit_gain_model

from .data import CameraSampler, CropSampler, FrameSampler, PairBank, find_pairs, split_by_reference
from .losses import LowlightLoss, psnr, ssim
from .model import (
    V4S_BLOCKS,
    build,
    checkpoint_weights,
    count_parameters,
    expand_convs,
    shoulder_curve,
    v4s_blocks,
)
from .synth import MottleMix


def _floats(text: str) -> tuple[float, ...]:
    """``--mottle``'s five comma-separated numbers."""
    values = tuple(float(v) for v in text.split(","))
    if len(values) != 5:
        raise argparse.ArgumentTypeError(f"expected five numbers, got {text!r}")
    return values


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument(
        "--data", type=Path, required=True, help="folder with low/ and high/ (+ pairs.tsv)"
    )
    p.add_argument("--out", type=Path, required=True, help="run folder: checkpoints, history, logs")
    p.add_argument("--arch", default="lowlight", choices=["lowlight", "lowlight2", "lowlight3", "lowlight4", "lowlight4s", "prototype"])
    p.add_argument("--width", type=int, default=32)
    p.add_argument("--steps", type=int, default=6000)
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--crop", type=int, default=192)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--weight-decay", type=float, default=1e-4)
    p.add_argument("--warmup", type=int, default=200)
    p.add_argument("--synthetic", type=float, default=0.2, help="fraction of synthetic darkening")
    p.add_argument("--w-ssim", type=float, default=0.2)
    p.add_argument("--ssim-window", default="gauss11", choices=["gauss11", "box7"],
                   help="the SSIM loss's window: 11x11 Gaussian, or scikit-image's 7x7 uniform "
                        "(the SSIM `lowlight eval` reports)")
    p.add_argument("--w-grad", type=float, default=0.5)
    p.add_argument("--val-fraction", type=float, default=0.1, help="0: train on every pair (no validation)")
    p.add_argument("--val-every", type=int, default=250, help="steps per 'epoch' (validation)")
    p.add_argument("--seed", type=int, default=0, help="initialisation and sampling (not the split)")
    p.add_argument("--split-seed", type=int, default=0,
                   help="the validation split's shuffle; 0 is training/splits/ (every model's figures)")
    p.add_argument("--device", default="cpu")
    p.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: all cores)")
    p.add_argument(
        "--channels-last",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="NHWC tensors: about 1.4x faster convolutions on CPU (oneDNN)",
    )
    p.add_argument("--ema", type=float, default=0.0, help="EMA decay of the weights (0: off); validation and export use the EMA")
    p.add_argument("--bf16", action="store_true", help="bfloat16 autocast (fast on CPUs with AMX/AVX-512 BF16)")
    p.add_argument("--exposure-aug", type=float, default=0.5, help="lowlight2: fraction of frames re-exposed 0.5x..2x")
    p.add_argument("--head-lr-mult", type=float, default=3.0, help="lowlight2: the exposure head's lr multiple")
    p.add_argument("--freeze-head", action="store_true",
                   help="lowlight2: train the U-Net only (a later phase: the head stops memorising scenes' brightness)")
    p.add_argument("--train-colour", action="store_true",
                   help="lowlight3: train only the head's colour outputs (its last layer's rows "
                        "for the three colour gains and the 3x3 matrix; everything else frozen, "
                        "so brightness, gamma and the U-Net stay exactly as they were)")
    p.add_argument("--camera", type=float, default=0.0,
                   help="lowlight3: fraction of camera shots synthesised from references (training.synth)")
    p.add_argument("--camera-oracle", action="store_true",
                   help="lowlight3: condition camera shots by their oracle gain instead of the head "
                        "(tried: 0.35 dB worse on the validation split at 2,000 steps)")
    p.add_argument("--lift-aug", type=float, default=0.0,
                   help="lowlight3: fraction of each batch given a random shadow lift (0..2 stops "
                        "through the shoulder, the app's auto_lift) with the target lifted alike, "
                        "so the U-Net learns to denoise lifted shadows")
    p.add_argument("--colour-lift", action="store_true",
                   help="lowlight3: the shoulder (and so the shadow lift) scales the three channels "
                        "alike by the curve of their maximum, keeping hue and saturation (v3.3); "
                        "default: channel by channel (v3 to v3.2)")
    p.add_argument("--mottle", type=_floats, default=(0.4, 0.3, 1.0, 4.0, 16.0),
                   metavar="SHARE,AMP_LO,AMP_HI,SCALE_LO,SCALE_HI",
                   help="lowlight3: colour mottle in camera shots (training.synth.MottleMix): the "
                        "share of shots with it, its strength range (times the per-pixel noise) "
                        "and its width range in pixels (default 0.4,0.3,1,4,16: v3.1's)")
    p.add_argument("--night", type=float, default=0.0,
                   help="share of camera shots given a dark night sky and lamps "
                        "(training.synth.night_sky, lamps): the sky's target stays dark, lifted "
                        "or not, and the teacher is not asked there (model v4's local tone)")
    p.add_argument("--teacher", type=Path,
                   help="distillation: weights of a trained model (e.g. v3.3's slim weights) whose "
                        "output on the same input and conditioning is a second target")
    p.add_argument("--w-teacher", type=float, default=1.0,
                   help="weight of the L1 distance to the teacher's output (with --teacher)")
    p.add_argument("--minutes", type=float, default=0, help="stop (and checkpoint) after this long")
    p.add_argument("--blocks", default=",".join(map(str, V4S_BLOCKS)),
                   help="lowlight4s: v3's residual blocks kept at enc1, enc2, mid, dec2, dec1")
    p.add_argument("--expand", action="store_true",
                   help="train every 3x3 convolution of the U-Net with parallel branches (ExpandedConv), folded at export")
    p.add_argument("--w-chroma", type=float, default=0.0,
                   help="with --teacher: L1 of the result's chroma (RGB minus its mean) against the teacher's")
    p.add_argument("--init", type=Path, help="start from these weights (last.pt or `training.export --save-weights`)")
    return p.parse_args(argv)


def model_kwargs(args: argparse.Namespace, gain_model: GainModel | None = None) -> dict:
    if args.arch == "lowlight":
        return {"width": args.width}
    if args.arch in ("lowlight2", "lowlight3", "lowlight4", "lowlight4s"):
        g = gain_model or GainModel()
        kwargs = {"width": args.width, "a": g.a, "b": g.b}
        if args.arch == "lowlight3" and args.colour_lift:
            kwargs["colour_lift"] = True
        if args.arch == "lowlight4s":
            kwargs["blocks"] = v4s_blocks(args.blocks)
        return kwargs
    return {}


def forward(model, x: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
    """One call for both families: v1 takes a gain (N,1,1,1), v2 a thumbnail (N,3,128,128)."""
    if cond.dim() == 4 and cond.shape[1] == 3:
        return model(x, cond, torch.zeros(x.shape[0], device=x.device))
    return model(x, cond)


def forward_with_oracle(model, x: torch.Tensor, thumb: torch.Tensor, oracle: torch.Tensor):
    """v3 with camera shots in the batch: real pairs are conditioned by the head as usual; a
    camera shot (finite ``oracle``) by its oracle log gain alone (colour, gamma, matrix and
    shoulder neutral), so its arbitrary darkening trains the U-Net, not the head."""
    cond = model.exposure_head(thumb, torch.zeros(x.shape[0], device=x.device))
    fixed = torch.zeros_like(cond)
    fixed[:, 0] = torch.nan_to_num(oracle, nan=0.0)
    cond = torch.where(torch.isfinite(oracle)[:, None], fixed, cond)
    return model.unet(x, cond)


def shoulder(y: torch.Tensor, h: torch.Tensor, colour: bool = False) -> torch.Tensor:
    """The shoulder curve with h per sample (N,): what a lift of h does (``shoulder_curve``)."""
    return shoulder_curve(y, h.view(-1, 1, 1, 1), colour)


def random_lift(rng: np.random.Generator, n: int, fraction: float) -> np.ndarray:
    """Shadow lifts for a batch: ``fraction`` of the samples get 2**U(0, 2) - 1 (0..2 stops,
    the app's range), the others 0."""
    stops = rng.uniform(0.0, 2.0, n) * (rng.random(n) < fraction)
    return (2.0**stops - 1.0).astype(np.float32)


def forward_lifted(model, x: torch.Tensor, thumb: torch.Tensor, lift: torch.Tensor) -> torch.Tensor:
    """v3 with a shadow lift added to the head's shoulder (as the exported graph's ``lift``)."""
    cond = model.exposure_head(thumb, torch.zeros(x.shape[0], device=x.device))
    cond = torch.cat([cond[:, :14], cond[:, 14:] + lift[:, None]], 1)
    return model.unet(x, cond)


# The rows of ExposureHeadV3's last layer that are colour: the three log colour gains (1..3) and
# the 3x3 matrix's residual (5..13); 0 is the log gain, 4 the log gamma, 14 the shoulder.
COLOUR_ROWS = (1, 2, 3, *range(5, 14))


def colour_only(model) -> list[torch.nn.Parameter]:
    """Freeze everything but the head's colour rows (``--train-colour``); the other rows of that
    layer get zero gradients (with no weight decay, Adam then leaves them exactly as they are)."""
    model.requires_grad_(False)
    last = model.exposure_head.mlp[-1]
    mask = torch.zeros(last.out_features, 1)
    mask[list(COLOUR_ROWS)] = 1.0
    params = [last.weight, last.bias]
    for prm in params:
        prm.requires_grad_(True)
        prm.register_hook(lambda g, m=mask: g * m.view(-1, *([1] * (g.dim() - 1))).to(g))
    return params


def load_teacher(path: Path, device: str) -> torch.nn.Module:
    """A trained model (``--teacher``: a last.pt or slim weights file), frozen, in eval mode."""
    ck = torch.load(path, map_location=device, weights_only=False)
    args, gm = ck["args"], ck["gain_model"]
    kwargs = {"width": int(args["width"]), "a": gm["a"], "b": gm["b"]}
    if args.get("colour_lift"):
        kwargs["colour_lift"] = True
    if args["arch"] == "lowlight4s":
        kwargs["blocks"] = v4s_blocks(args.get("blocks"))
    teacher = build(args["arch"], **kwargs).to(device)
    if args.get("expand"):
        expand_convs(teacher.unet)
    teacher.load_state_dict(checkpoint_weights(ck))
    return teacher.eval().requires_grad_(False)


HEAD_ONLY = "the exposure head only (another U-Net); U-Net new"


def load_init(model, state: dict) -> str:
    """Load --init weights; v1 U-Net weights go into a v2 model's U-Net (its head starts as the
    formula); a v3 model's weights give a v4 model its exposure head (the U-Nets differ)."""
    own = model.state_dict()
    if set(state) == set(own) and all(v.shape == own[k].shape for k, v in state.items()):
        model.load_state_dict(state)  # the same architecture: a run continued with a new recipe
        return "all weights"
    own_unet = {k for k in own if k.startswith("unet.")}
    if hasattr(getattr(model, "unet", None), "adopt_v3") and any(k.startswith("unet.") for k in state):
        # v3 -> v4s: the head as it is, the U-Net's kept layers (``adopt_v3``)
        head = {k[len("exposure_head."):]: v for k, v in state.items()
                if k.startswith("exposure_head.")}
        model.exposure_head.load_state_dict(head)
        cut = model.unet.adopt_v3({k[len("unet."):]: v for k, v in state.items()
                                   if k.startswith("unet.")})
        blocks = sorted({".".join(k.split(".")[:2]) for k in cut})
        return f"v3's head and U-Net without {', '.join(blocks)}"
    if own_unet and any(k.startswith("unet.") for k in state) and not own_unet <= set(state):
        head = {k[len("exposure_head."):]: v for k, v in state.items()
                if k.startswith("exposure_head.")}
        model.exposure_head.load_state_dict(head)
        return HEAD_ONLY
    if hasattr(model, "unet") and not any(k.startswith("unet.") for k in state):
        model.unet.load_state_dict(state)
        return "U-Net from a v1 model; exposure head new"
    if hasattr(model, "unet") and any(v.shape != own[k].shape for k, v in state.items() if k in own):
        # v2 -> v3: the head's last layer grew; its first rows are v2's outputs, the rest start at 0
        grown = []
        for k, v in state.items():
            if v.shape != own[k].shape:
                part = own[k].clone().zero_()
                part[: v.shape[0]] = v
                state = {**state, k: part}
                grown.append(k)
        model.load_state_dict(state)
        return f"all weights; {', '.join(grown)} grown with zeros"
    model.load_state_dict(state)
    return "all weights"


def pad_to(x: torch.Tensor, factor: int) -> tuple[torch.Tensor, int, int]:
    h, w = x.shape[-2:]
    ph, pw = (-h) % factor, (-w) % factor
    if ph or pw:
        x = F.pad(x, (0, pw, 0, ph), mode="reflect")
    return x, h, w


@torch.no_grad()
def validate(model, bank: PairBank, gain_model: GainModel, device: str) -> dict:
    was_training = model.training
    model.eval()
    psnrs, ssims = [], []
    v2 = hasattr(model, "exposure_head")
    for lo, hi, m, th in zip(bank.low, bank.high, bank.low_mean, bank.thumbs, strict=False):
        x = torch.tensor(lo).permute(2, 0, 1)[None].float().div(255).to(device)
        y = torch.tensor(hi).permute(2, 0, 1)[None].float().div(255).to(device)
        if v2:
            cond = torch.from_numpy(th)[None].to(device)
        else:
            cond = torch.full((1, 1, 1, 1), gain_model.gain_for_mean(m), device=device)
        xp, h, w = pad_to(x, model.factor)
        pred = forward(model, xp, cond)[..., :h, :w].clamp(0, 1)
        psnrs.append(psnr(pred, y))
        ssims.append(ssim(pred, y).item())
    model.train(was_training)
    return {"val_psnr": float(np.mean(psnrs)), "val_ssim": float(np.mean(ssims))}


def whole_run(ck: dict) -> tuple[int, list[dict]]:
    """Steps and validation curve of a checkpoint, counting the run it was initialised from.

    A run started with ``--init`` keeps its starting point's steps and curve in its own
    checkpoint (``base_step``, ``base_history``), so a fine-tuned model reports its whole
    training even when the ``--init`` file is gone.
    """
    base_step, base = int(ck.get("base_step", 0)), list(ck.get("base_history", []))
    own = [
        {**h, "step": h["step"] + base_step, "epoch": h.get("epoch", 0) + len(base)}
        for h in ck["history"]
    ]
    return base_step + int(ck["step"]), base + own


class Ema:
    """Exponential moving average of the weights (what validation and export use when on)."""

    def __init__(self, model: torch.nn.Module, decay: float):
        import copy

        self.decay = decay
        self.model = copy.deepcopy(model).eval()
        for p in self.model.parameters():
            p.requires_grad_(False)

    @torch.no_grad()
    def update(self, model: torch.nn.Module) -> None:
        for e, p in zip(self.model.state_dict().values(), model.state_dict().values(), strict=True):
            if e.dtype.is_floating_point:
                e.lerp_(p, 1.0 - self.decay)
            else:
                e.copy_(p)


def lr_at(step: int, args: argparse.Namespace) -> float:
    if step < args.warmup:
        return args.lr * (step + 1) / args.warmup
    t = (step - args.warmup) / max(1, args.steps - args.warmup)
    return 1e-6 + 0.5 * (args.lr - 1e-6) * (1 + math.cos(math.pi * min(t, 1.0)))


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    args.out.mkdir(parents=True, exist_ok=True)
    log = (args.out / "train.log").open("a")

    def say(msg: str) -> None:
        line = f"{time.strftime('%H:%M:%S')} {msg}"
        print(line, flush=True)
        log.write(line + "\n")
        log.flush()

    pairs = find_pairs(args.data)
    # the split has its own seed: another --seed for sampling must not move validation pairs
    # into training (every model is judged on the committed split)
    train_pairs, val_pairs = split_by_reference(pairs, args.val_fraction, args.split_seed)
    (args.out / "split.json").write_text(
        json.dumps(
            {"train": [p.low.name for p in train_pairs], "val": [p.low.name for p in val_pairs]}
        )
    )
    t0 = time.time()
    train_bank, val_bank = PairBank(train_pairs), PairBank(val_pairs)
    gain_model = fit_gain_model(train_bank.low_mean, train_bank.high_mean)
    (args.out / "gain.json").write_text(json.dumps(asdict(gain_model)))
    say(
        f"{len(train_pairs)} train / {len(val_pairs)} val pairs "
        f"({len({p.high.name for p in val_pairs})} val scenes), loaded in {time.time() - t0:.0f}s; "
        f"gain model {gain_model}"
    )

    model = build(args.arch, **model_kwargs(args, gain_model)).to(args.device)
    base_step, base_history = 0, []  # the --init run's steps and curve, kept for the export
    ckpt_path = args.out / "last.pt"
    expanded = False
    if args.init and not ckpt_path.exists():
        init = torch.load(args.init, map_location=args.device, weights_only=False)
        state = checkpoint_weights(init)
        if args.expand and any(".spread." in k for k in state):  # an --expand run's own weights
            expand_convs(model.unet).to(args.device)
            expanded = True
        what = load_init(model, state)
        # a new U-Net under a trained head: the steps and curve counted are the new run's own
        base_step, base_history = whole_run(init) if what != HEAD_ONLY else (0, [])
        say(f"initialised from {args.init} (trained {base_step} steps): {what}")
    if args.expand and not expanded:  # after --init: the branches start at zero on the trained convs
        expand_convs(model.unet).to(args.device)
    teacher = load_teacher(args.teacher, args.device) if args.teacher else None
    fmt = torch.channels_last if args.channels_last else torch.contiguous_format
    model = model.to(memory_format=fmt)
    if hasattr(model, "exposure_head"):
        if args.train_colour:
            groups = [{"params": colour_only(model), "mult": 1.0, "weight_decay": 0.0}]
        else:
            groups = [{"params": list(model.unet.parameters()), "mult": 1.0}]
            if args.freeze_head:
                model.exposure_head.requires_grad_(False)
            else:
                groups.append({"params": list(model.exposure_head.parameters()), "mult": args.head_lr_mult})
        if args.camera:
            share, a0, a1, s0, s1 = args.mottle
            sampler = CameraSampler(train_bank, gain_model, args.crop, args.synthetic, args.seed,
                                    args.exposure_aug, args.camera,
                                    mottle=MottleMix(share, (a0, a1), (s0, s1)), night=args.night)
        else:
            sampler = FrameSampler(train_bank, gain_model, args.crop, args.synthetic, args.seed,
                                   args.exposure_aug)
    else:
        groups = [{"params": list(model.parameters()), "mult": 1.0}]
        sampler = CropSampler(train_bank, gain_model, args.crop, args.synthetic, args.seed)
    opt = torch.optim.AdamW(groups, lr=args.lr, weight_decay=args.weight_decay)
    loss_fn = LowlightLoss(args.w_ssim, args.w_grad, args.ssim_window).to(args.device)
    ema: Ema | None = None
    step, history = 0, []
    if args.ema:
        ema = Ema(model, args.ema)
    if ckpt_path.exists():
        ck = torch.load(ckpt_path, map_location=args.device, weights_only=False)
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["opt"])
        if ema is not None:
            ema.model.load_state_dict(checkpoint_weights(ck))
        step, history = ck["step"], ck["history"]
        base_step, base_history = ck.get("base_step", 0), ck.get("base_history", [])
        sampler.rng = np.random.default_rng(args.seed + step)
        torch.manual_seed(args.seed + step)
        say(f"resumed from step {step}")
    say(
        f"{args.arch}: {count_parameters(model):,} parameters, {args.steps} steps of {args.batch}x{args.crop}px"
    )

    def save() -> None:
        ck = {
            "model": model.state_dict(),
            "ema": ema.model.state_dict() if ema is not None else None,
            "opt": opt.state_dict(),
            "step": step,
            "history": history,
            "base_step": base_step,
            "base_history": base_history,
            "args": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
            "gain_model": asdict(gain_model),
        }
        tmp = ckpt_path.with_suffix(".tmp")
        torch.save(ck, tmp)
        os.replace(tmp, ckpt_path)
        (args.out / "history.json").write_text(json.dumps(history, indent=1))

    start = time.time()
    run_psnr, run_n, t_epoch = 0.0, 0, time.time()
    model.train()
    while step < args.steps:
        lo, hi, g = sampler.batch(args.batch)
        x = torch.from_numpy(lo).to(args.device).contiguous(memory_format=fmt)
        y = torch.from_numpy(hi).to(args.device).contiguous(memory_format=fmt)
        cond = torch.from_numpy(g).to(args.device)
        if cond.dim() == 1:
            cond = cond.view(-1, 1, 1, 1)
        for group in opt.param_groups:
            group["lr"] = lr_at(step, args) * group.get("mult", 1.0)
        oracle = getattr(sampler, "oracle", None) if args.camera_oracle else None
        lift = None
        # 1 in a synthesised night sky (--night): its target stays dark, lifted or not
        sky = getattr(sampler, "sky", None)
        sky = torch.from_numpy(sky).to(args.device) if sky is not None and len(sky) else None
        if args.lift_aug:
            lift = torch.from_numpy(random_lift(sampler.rng, x.shape[0], args.lift_aug)).to(args.device)
            lifted = shoulder(y, lift, args.colour_lift)
            y = lifted if sky is None else torch.lerp(lifted, y, sky)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=args.bf16 and args.device == "cpu"):
            if lift is not None:
                pred = forward_lifted(model, x, cond, lift)
            elif oracle is not None and np.isfinite(oracle).any():
                pred = forward_with_oracle(model, x, cond, torch.from_numpy(oracle).to(args.device))
            else:
                pred = forward(model, x, cond)
        loss = loss_fn(pred.float(), y)
        if teacher is not None:  # distillation: the teacher on the same input and conditioning
            with torch.no_grad(), torch.autocast(
                "cpu", dtype=torch.bfloat16, enabled=args.bf16 and args.device == "cpu"
            ):
                target = forward_lifted(teacher, x, cond, lift) if lift is not None else (
                    forward(teacher, x, cond))
            gap = (pred.float() - target.float().clamp(0, 1)).abs()
            if args.w_chroma:  # colour against the teacher's: L1 alone lets a student grey dark colours
                tc = target.float().clamp(0, 1)
                gap = gap + args.w_chroma * ((pred.float() - pred.float().mean(1, keepdim=True))
                                             - (tc - tc.mean(1, keepdim=True))).abs()
            if sky is not None:  # the teacher lifts night skies: not a target there
                gap = gap * (1.0 - sky)
            loss = loss + args.w_teacher * gap.mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        if ema is not None:
            ema.update(model)
        step += 1
        run_psnr += psnr(pred.detach(), y)
        run_n += 1
        if step % args.val_every == 0 or step == args.steps:
            entry = {
                "step": step,
                "epoch": len(history) + 1,
                "train_psnr": run_psnr / run_n,
                "loss": float(loss.item()),
                "lr": lr_at(step, args),
                "sec_per_step": (time.time() - t_epoch) / run_n,
            }
            if len(val_bank):
                entry.update(validate(ema.model if ema else model, val_bank, gain_model, args.device))
            history.append(entry)
            save()
            say(
                f"step {step}/{args.steps} train {entry['train_psnr']:.2f} dB  "
                f"val {entry.get('val_psnr', float('nan')):.2f} dB / "
                f"SSIM {entry.get('val_ssim', float('nan')):.3f}  "
                f"lr {entry['lr']:.2e}  {entry['sec_per_step']:.2f} s/step"
            )
            run_psnr, run_n, t_epoch = 0.0, 0, time.time()
        if args.minutes and time.time() - start > args.minutes * 60:
            save()
            say(f"time limit reached at step {step}; resume with the same command")
            break
    save()
    say("done" if step >= args.steps else "paused")


if __name__ == "__main__":
    main()
