"""Average two trained models' weights (a "model soup", Wortsman et al. 2022): two runs of the
same architecture from the same starting point, mixed parameter by parameter, often keep most of
what each is better at. v3.2 is 0.3 of v3.1 and 0.7 of the colour-mottle phase.

    python -m training.soup A.pt B.pt --weight 0.7 OUT.pt   # OUT = 0.3 A + 0.7 B

A and B: slim weights (``training.export --save-weights``) or ``last.pt`` checkpoints (their EMA
weights are taken). OUT is slim weights with B's arguments, gain model and step count, ready for
``training.export``.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import torch

from .model import checkpoint_weights


def soup(a: dict[str, Any], b: dict[str, Any], weight: float) -> dict[str, Any]:
    """Slim weights ``(1 - weight) * a + weight * b`` (float tensors; others taken from ``b``)."""
    wa, wb = checkpoint_weights(a), checkpoint_weights(b)
    if wa.keys() != wb.keys():
        raise ValueError("the two models have different parameters: not the same architecture")
    mixed = {}
    for k, tb in wb.items():
        ta = wa[k]
        if ta.shape != tb.shape:
            raise ValueError(f"{k}: shapes differ ({tuple(ta.shape)} vs {tuple(tb.shape)})")
        if tb.is_floating_point():
            mixed[k] = (ta.float() * (1.0 - weight) + tb.float() * weight).to(tb.dtype)
        else:
            mixed[k] = tb.clone()
    keep = ("args", "gain_model", "step", "history")
    return {"model": mixed, **{k: b[k] for k in keep if k in b}}


def _load(path: Path) -> dict[str, Any]:
    return torch.load(path, map_location="cpu", weights_only=False)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("a", type=Path)
    p.add_argument("b", type=Path)
    p.add_argument("out", type=Path)
    p.add_argument("--weight", type=float, default=0.5, help="B's share, 0..1 (default 0.5)")
    args = p.parse_args(argv)
    if not 0.0 <= args.weight <= 1.0:
        p.error("--weight must be between 0 and 1")
    torch.save(soup(_load(args.a), _load(args.b), args.weight), args.out)
    print(f"{args.out}: {1 - args.weight:g} x {args.a} + {args.weight:g} x {args.b}")


if __name__ == "__main__":
    main()
