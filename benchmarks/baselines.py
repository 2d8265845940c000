"""The baseline table: identity, classical curves tuned on the training split, and ONNX models,
all scored by the same code as `lowlight eval` on the validation split.

    python benchmarks/baselines.py --model models/lowlight_unet.onnx \
        --model prototype=runs/prototype/prototype.onnx --json docs/baselines.json

The classical curves are tuned on a subsample of the *training* split only (the split files are
in training/splits/); the validation split is only ever scored.
"""

from __future__ import annotations

import argparse
import itertools
import json
from pathlib import Path

import cv2
import numpy as np

from lowlight_gui.core.evaluate import evaluate_pairs, read_names
from lowlight_gui.core.imageio import read_photo
from lowlight_gui.core.metrics import psnr
from lowlight_gui.core.pairs import find_pairs

ROOT = Path(__file__).resolve().parents[1]
LOL = ROOT.parent / "shared" / "data" / "lol" / "train"


def gamma_curve(x: np.ndarray, gamma: float, k: float) -> np.ndarray:
    return np.clip(k * np.power(x, gamma), 0, 1)


def clahe(x: np.ndarray, clip: float) -> np.ndarray:
    """CLAHE on the lightness of LAB, as photo tools apply local contrast."""
    lab = cv2.cvtColor((x * 255).round().astype(np.uint8), cv2.COLOR_RGB2LAB)
    lab[..., 0] = cv2.createCLAHE(clipLimit=clip, tileGridSize=(8, 8)).apply(lab[..., 0])
    return cv2.cvtColor(lab, cv2.COLOR_LAB2RGB).astype(np.float32) / 255


def tune(train_pairs, n: int = 120) -> dict:
    """Grid-search the curves for mean PSNR on (half-size) training pairs."""
    rng = np.random.default_rng(0)
    chosen = [train_pairs[i] for i in rng.choice(len(train_pairs), min(n, len(train_pairs)), replace=False)]
    data = []
    for p in chosen:
        lo, hi = (read_photo(q).pixels[::2, ::2] for q in (p.low, p.high))
        data.append((lo, hi))
    best_g = max(
        itertools.product(np.linspace(0.15, 1.0, 35), (1.0, 1.2, 1.4, 1.7, 2.0)),
        key=lambda gk: np.mean([psnr(gamma_curve(lo, *gk), hi) for lo, hi in data]),
    )
    best_c = max(
        itertools.product(np.linspace(0.15, 1.0, 18), (1.0, 1.5, 2.0, 3.0)),
        key=lambda gc: np.mean([psnr(clahe(gamma_curve(lo, gc[0], 1.0), gc[1]), hi) for lo, hi in data]),
    )
    return {"gamma": {"gamma": float(best_g[0]), "k": float(best_g[1])},
            "gamma_clahe": {"gamma": float(best_c[0]), "clip": float(best_c[1])}}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--data", type=Path, default=LOL)
    p.add_argument("--model", action="append", default=[], help="[NAME=]PATH of an ONNX model")
    p.add_argument("--tile", type=int, default=512)
    p.add_argument("--json", type=Path)
    p.add_argument("--tuned", type=Path, help="reuse the curves tuned by an earlier run (its --json)")
    p.add_argument("--threads", type=int, default=0, help="CPU threads per model (0 = all)")
    a = p.parse_args()

    splits = ROOT / "training" / "splits"
    val = find_pairs(a.data / "low", a.data / "high", only=read_names(splits / "val.txt"))
    train = find_pairs(a.data / "low", a.data / "high", only=read_names(splits / "train.txt"))
    params = json.loads(a.tuned.read_text())["tuned"] if a.tuned else tune(train)
    print("tuned on training pairs:", json.dumps(params))
    g, c = params["gamma"], params["gamma_clahe"]
    methods = {
        "identity (input unchanged)": lambda x: x,
        f"gamma {g['gamma']:.2f}, gain {g['k']:.1f}": lambda x: gamma_curve(x, g["gamma"], g["k"]),
        f"gamma {c['gamma']:.2f} + CLAHE {c['clip']:.1f}": lambda x: clahe(gamma_curve(x, c["gamma"], 1.0), c["clip"]),
    }
    if a.model:
        from lowlight_gui.core.engine import Engine
        from lowlight_gui.core.enhance import enhance_array

        for spec in a.model:
            name, _, path = spec.rpartition("=")
            engine = Engine(Path(path), threads=a.threads)
            methods[name or Path(path).stem] = (
                lambda x, e=engine: enhance_array(x, e, tile=a.tile)
            )
    rows = {}
    print(f"\n| method ({len(val)} validation pairs, full resolution) | PSNR | SSIM | MSE | MAE | GT-mean PSNR |")
    print("|---|---|---|---|---|---|")
    for name, fn in methods.items():
        m = evaluate_pairs(val, fn).mean
        rows[name] = m
        print(f"| {name} | {m['psnr']:.2f} | {m['ssim']:.3f} | {m['mse']:.4f} | {m['mae']:.4f} | {m['gt_mean_psnr']:.2f} |", flush=True)
    if a.json:
        a.json.write_text(json.dumps({"tuned": params, "mean": rows}, indent=1))


if __name__ == "__main__":
    main()
