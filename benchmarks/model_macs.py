"""Multiply-accumulates and parameters of exported models, for comparing compute with papers.

    python benchmarks/model_macs.py models/lowlight_unet.onnx [MORE.onnx ...] [--size 256]

Counts the convolutions (``Conv``, ``ConvTranspose``) of the graph for one ``--size`` x
``--size`` photo, with the graph's own shape inference: papers on LOL report "FLOPs" for a
256x256 input counted this way (fvcore / thop count one multiply-accumulate as one "FLOP").
The per-pixel arithmetic of the conditioning (gains, the colour matrix, the curves) is left
out: a few operations per pixel against the convolutions' thousands. Parameters are every
initialiser of the graph (the exposure head's included).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np


def conv_macs(path: Path, *, size: int = 256) -> tuple[int, int]:
    """(multiply-accumulates of the graph's convolutions for one ``size`` x ``size`` input,
    parameters). The first 4-D input with free height and width is set to ``size``."""
    import onnx
    from onnx import shape_inference

    model = onnx.load(str(path))
    for inp in model.graph.input:
        dims = inp.type.tensor_type.shape.dim
        if len(dims) == 4 and not (dims[2].dim_value or dims[3].dim_value):
            for d in (dims[2], dims[3]):
                d.ClearField("dim_param")
                d.dim_value = size
            break
    model = shape_inference.infer_shapes(model)
    shapes = {
        v.name: [d.dim_value for d in v.type.tensor_type.shape.dim]
        for v in [*model.graph.value_info, *model.graph.output, *model.graph.input]
    }
    inits = {t.name: list(t.dims) for t in model.graph.initializer}
    params = sum(int(np.prod(t.dims)) for t in model.graph.initializer)
    macs = 0
    for node in model.graph.node:
        if node.op_type not in ("Conv", "ConvTranspose"):
            continue
        # a weight computed in the graph (the folded stem's, from the head's conditioning)
        # has its shape from shape inference
        weight = inits.get(node.input[1]) or shapes.get(node.input[1])
        out = shapes.get(node.output[0])
        if not weight or not out or 0 in out or 0 in weight:
            raise ValueError(f"{path.name}: no shape for {node.name or node.op_type}")
        if node.op_type == "Conv":  # every output value sums cin / groups x kh x kw products
            macs += int(np.prod(weight[1:])) * int(np.prod(out))
        else:  # every input value is spread over cout / groups x kh x kw outputs
            inp = shapes[node.input[0]]
            macs += int(np.prod(weight)) * int(np.prod(inp[2:])) * inp[0]
    return macs, params


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("models", type=Path, nargs="+")
    ap.add_argument("--size", type=int, default=256, help="side of the square input (default 256)")
    a = ap.parse_args(argv)
    print(f"| model | multiply-accumulates at {a.size}x{a.size} | parameters |")
    print("|---|---|---|")
    for path in a.models:
        macs, params = conv_macs(path, size=a.size)
        print(f"| {path.name} | {macs / 1e9:.2f} G | {params / 1e6:.3f} M |")


if __name__ == "__main__":
    main()
