"""Low/reference image pairs, for evaluation (and for training, which imports this)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from .errors import LowlightError
from .formats import WRITE_SUFFIXES

# The plain image formats (those we also write): what datasets use and Pillow opens without a
# plugin, as training does; not phone HEIC or camera RAW.
PAIR_SUFFIXES: frozenset[str] = WRITE_SUFFIXES


@dataclass(frozen=True)
class Pair:
    low: Path
    high: Path


def find_pairs(
    low_dir: Path, high_dir: Path, pairs_tsv: Path | None = None, only: set[str] | None = None
) -> list[Pair]:
    """Pairs through a ``pairs.tsv`` (columns low, high; also picked up beside ``low_dir``),
    else by matching file stems. ``only`` keeps the lows named in it (a split)."""
    low_dir, high_dir = Path(low_dir), Path(high_dir)
    if pairs_tsv is None and (low_dir.parent / "pairs.tsv").exists():
        pairs_tsv = low_dir.parent / "pairs.tsv"
    if pairs_tsv is not None:
        with Path(pairs_tsv).open(newline="") as f:
            rows = list(csv.DictReader(f, delimiter="\t"))
        pairs = [Pair(low_dir / r["low"], high_dir / r["high"]) for r in rows]
    else:
        if not low_dir.is_dir() or not high_dir.is_dir():
            raise LowlightError(f"'{low_dir}' and '{high_dir}' must both be folders of images")
        highs = {p.stem: p for p in high_dir.iterdir() if p.suffix.lower() in PAIR_SUFFIXES}
        pairs = [
            Pair(p, highs[p.stem])
            for p in sorted(low_dir.iterdir())
            if p.suffix.lower() in PAIR_SUFFIXES and p.stem in highs
        ]
    if only is not None:
        pairs = [p for p in pairs if p.low.name in only]
    missing = [p for p in pairs if not (p.low.is_file() and p.high.is_file())]
    if missing:
        raise LowlightError(f"{len(missing)} pairs have a missing file, e.g. '{missing[0].low}'")
    if not pairs:
        raise LowlightError(f"no low/reference pairs found in '{low_dir}' and '{high_dir}'")
    return pairs
