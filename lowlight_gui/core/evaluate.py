"""PSNR/SSIM/MSE/MAE of a model on low/reference pairs, through the app's own engine at full
resolution, tiled as the app tiles. Results only: `lowlight eval` (cli.py) prints the table,
writes the JSON and draws the plots."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from . import contract
from .imageio import read_photo
from .metrics import all_metrics
from .pairs import Pair

Enhancer = Callable[[np.ndarray], np.ndarray]
COLUMNS = ("psnr", "ssim", "mse", "mae", "gt_mean_psnr")


@dataclass(frozen=True)
class ImageScore:
    """One pair's figures (keys as in COLUMNS) and the seconds its enhancement took."""

    name: str  # the low image's file name
    metrics: dict[str, float]
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        """{"name", *COLUMNS, "seconds"}: one row of the JSON report."""
        return {"name": self.name, **self.metrics, "seconds": self.seconds}


class Sample(NamedTuple):
    """A pair kept whole, for the plots (HxWx3 float32 in 0..1)."""

    name: str
    low: np.ndarray
    enhanced: np.ndarray
    reference: np.ndarray


@dataclass
class Evaluation:
    images: list[ImageScore]
    mean: dict[str, float]  # over the images, per column
    samples: list[Sample] = field(default_factory=list)  # the first ``keep`` pairs

    def as_dict(self) -> dict[str, Any]:
        """The JSON report: {"mean": {...}, "images": [{...}, ...]}."""
        return {"mean": self.mean, "images": [s.as_dict() for s in self.images]}


def evaluate_pairs(
    pairs: list[Pair],
    enhance: Enhancer,
    keep: int = 0,
    on_image: Callable[[ImageScore], None] | None = None,
) -> Evaluation:
    """Run ``enhance`` on every low image and score it against its reference; the first
    ``keep`` pairs are kept whole for the plots. ``on_image`` sees each score as it is made."""
    images: list[ImageScore] = []
    samples: list[Sample] = []
    for pair in pairs:
        low = read_photo(pair.low).pixels
        ref = read_photo(pair.high).pixels
        t0 = time.perf_counter()
        out = np.clip(enhance(low), 0.0, 1.0)
        score = ImageScore(pair.low.name, all_metrics(out, ref), time.perf_counter() - t0)
        images.append(score)
        if len(samples) < keep:
            samples.append(Sample(pair.low.name, low, out, ref))
        if on_image:
            on_image(score)
    mean = {k: float(np.mean([s.metrics[k] for s in images])) for k in COLUMNS}
    return Evaluation(images, mean, samples)


def training_history(metadata: dict[str, str]) -> list[dict[str, float]] | None:
    """The training curve a model carries in its metadata (training/export.py), if any."""
    raw = metadata.get(contract.META_HISTORY)
    return json.loads(raw) if raw else None


def read_names(path: Path | None) -> set[str] | None:
    if path is None:
        return None
    return {line.strip() for line in Path(path).read_text().splitlines() if line.strip()}
