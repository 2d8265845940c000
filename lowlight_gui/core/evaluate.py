"""`lowlight eval`: PSNR/SSIM/MSE/MAE of a model on low/reference pairs, through the app's own
engine at full resolution, tiled as the app tiles; a table, JSON and plots."""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from . import contract
from .imageio import read_photo
from .metrics import all_metrics
from .pairs import Pair, find_pairs

Enhancer = Callable[[np.ndarray], np.ndarray]
COLUMNS = ("psnr", "ssim", "mse", "mae", "gt_mean_psnr")


def evaluate_pairs(
    pairs: list[Pair],
    enhance: Enhancer,
    keep: int = 0,
    on_image: Callable[[dict], None] | None = None,
) -> dict:
    """Run ``enhance`` on every low image; ``keep`` first outputs are returned for the plots."""
    images, kept = [], []
    for pair in pairs:
        low = read_photo(pair.low).pixels
        ref = read_photo(pair.high).pixels
        t0 = time.perf_counter()
        out = np.clip(enhance(low), 0.0, 1.0)
        row = {"name": pair.low.name, **all_metrics(out, ref), "seconds": time.perf_counter() - t0}
        images.append(row)
        if len(kept) < keep:
            kept.append((pair.low.name, low, out, ref))
        if on_image:
            on_image(row)
    mean = {k: float(np.mean([r[k] for r in images])) for k in COLUMNS}
    return {"mean": mean, "images": images, "_kept": kept}


def format_row(name: str, m: dict) -> str:
    return (
        f"{name[:28]:<28} {m['psnr']:7.2f} {m['ssim']:7.4f} {m['mse']:8.5f} {m['mae']:8.5f}"
        f" {m['gt_mean_psnr']:8.2f}"
    )


HEADER = f"{'image':<28} {'PSNR':>7} {'SSIM':>7} {'MSE':>8} {'MAE':>8} {'GT-mean':>8}"


def read_names(path: Path | None) -> set[str] | None:
    if path is None:
        return None
    return {line.strip() for line in Path(path).read_text().splitlines() if line.strip()}


def main(args: argparse.Namespace) -> int:
    from .engine import Engine
    from .enhance import DEFAULT_TILE, enhance_array

    pairs = find_pairs(
        args.low_dir, args.high_dir, getattr(args, "pairs", None), read_names(getattr(args, "only", None))
    )
    engine = Engine(args.model, provider=args.provider or "auto", threads=getattr(args, "threads", 0) or 0)
    tile = args.tile if args.tile is not None else DEFAULT_TILE
    exposure = float(getattr(args, "exposure", 0.0))  # 0: the model's own estimate (the default)
    print(f"model {engine.model_path} on {engine.active_provider}, {len(pairs)} pairs, tile {tile}"
          + (f", exposure {exposure:+g} EV" if exposure else ""))
    print(HEADER)
    result = evaluate_pairs(
        pairs,
        lambda low: enhance_array(low, engine, tile=tile, exposure=exposure),
        keep=4 if args.plots else 0,
        on_image=lambda row: print(format_row(row["name"], row), flush=True),
    )
    kept = result.pop("_kept")
    print("-" * len(HEADER))
    print(format_row("mean", result["mean"]))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1))
        print(f"wrote {args.json}")
    if args.plots:
        from . import plots

        out = Path(args.plots)
        written = [
            plots.scatter(kept, out / "scatter.png"),
            plots.grid(kept, out / "grid.png"),
        ]
        history = engine.metadata.get(contract.META_HISTORY)
        if history:
            written.append(plots.psnr_curve(json.loads(history), out / "psnr_per_epoch.png"))
        print("wrote " + ", ".join(str(p) for p in written))
    return 0
