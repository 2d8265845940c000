"""`lowlight eval --plots`: PSNR per epoch, predicted vs. true pixels, comparison grids.

Beside the CLI rather than in core: drawing is presentation (and matplotlib a development
dependency the app never imports).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from lowlight_gui.core.evaluate import Sample


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")  # files only: never pick a GUI backend (it would clash with Qt)
    import matplotlib.pyplot as plt

    return plt


def psnr_curve(history: list[dict], path: Path) -> Path:
    plt = _pyplot()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig, ax = plt.subplots(figsize=(6, 3.6), dpi=120)
    steps = [h["step"] for h in history]
    ax.plot(steps, [h["train_psnr"] for h in history], label="train (random crops)")
    ax.plot(steps, [h["val_psnr"] for h in history], label="validation (full images)")
    ax.set_xlabel("step")
    ax.set_ylabel("PSNR (dB)")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def scatter(kept: list[Sample], path: Path, samples: int = 200_000) -> Path:
    """Predicted vs. reference pixel values over the kept images, as a density plot."""
    plt = _pyplot()
    path.parent.mkdir(parents=True, exist_ok=True)
    pred = np.concatenate([k.enhanced.reshape(-1) for k in kept])
    true = np.concatenate([k.reference.reshape(-1) for k in kept])
    idx = np.random.default_rng(0).choice(pred.size, min(samples, pred.size), replace=False)
    fig, ax = plt.subplots(figsize=(4.6, 4.2), dpi=120)
    hb = ax.hexbin(true[idx], pred[idx], gridsize=60, bins="log", cmap="viridis", extent=(0, 1, 0, 1))
    ax.plot([0, 1], [0, 1], "w--", lw=1)
    ax.set_xlabel("reference pixel value")
    ax.set_ylabel("predicted pixel value")
    fig.colorbar(hb, ax=ax, label="pixels (log)")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def grid(kept: list[Sample], path: Path) -> Path:
    """One row per image: low | enhanced | reference."""
    plt = _pyplot()
    path.parent.mkdir(parents=True, exist_ok=True)
    n = len(kept)
    fig, axes = plt.subplots(n, 3, figsize=(10, 2.4 * n + 0.4), dpi=100, squeeze=False)
    for row, (name, low, out, ref) in zip(axes, kept, strict=False):
        for ax, img, title in zip(row, (low, out, ref), ("low", "enhanced", "reference"), strict=False):
            ax.imshow(np.clip(img, 0, 1))
            ax.set_title(f"{title}: {name}" if title == "low" else title, fontsize=9)
            ax.axis("off")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path
