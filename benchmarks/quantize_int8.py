"""Try int8 inference: quantise the shipped model statically, then score and time it against FP32.

    python benchmarks/quantize_int8.py --out runs/int8/lowlight_unet_int8.onnx

Calibration uses photos of the *training* split only (every 14th, whole 600x400 images with the
app's own conditioning); the validation split is only scored. The quantised model keeps the FP32
model's metadata, so the app's engine runs it unchanged (``lowlight eval --model ...``).

Only the U-Net's convolutions are quantised. ``--keep-ends`` (default) also keeps its first and
last convolution in FP32, and a v2 model's exposure head always stays FP32: one scalar error
there shifts the brightness of the whole photo.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from lowlight_gui.core import contract
from lowlight_gui.core.brightness import estimate_gain, thumbnail
from lowlight_gui.core.engine import Engine
from lowlight_gui.core.enhance import DEFAULT_TILE, enhance_array
from lowlight_gui.core.evaluate import evaluate_pairs, read_names
from lowlight_gui.core.imageio import read_photo
from lowlight_gui.core.pairs import find_pairs

ROOT = Path(__file__).resolve().parents[1]
LOL = ROOT.parent / "shared" / "data" / "lol" / "train"
SPLITS = ROOT / "training" / "splits"
sys.path.insert(0, str(Path(__file__).resolve().parent))
from compare_speed import SIZES, best_ms_per_mp


def fp32_nodes(src: Path, keep_ends: bool, keep: tuple[str, ...] = ()) -> list[str]:
    """Nodes left in FP32: the exposure head, a convolution whose weights the graph computes
    (v3's colour matrix: the head's decision applied to the photo), the U-Net's first and last
    convolution (``keep_ends``) and the layers whose names start with one of ``keep``."""
    import onnx

    graph = onnx.load(str(src)).graph
    weights = {t.name for t in graph.initializer}
    kept = [n.name for n in graph.node if n.name.startswith("/exposure_head")]
    kept += [n.name for n in graph.node if n.op_type == "Conv" and n.input[1] not in weights]
    convs = [
        n.name for n in graph.node if n.op_type in ("Conv", "ConvTranspose") and n.name not in kept
    ]
    ends = [convs[0], convs[-1]] if keep_ends and convs else []
    return kept + ends + [n for n in convs if n not in ends and n.startswith(keep)]


def quantize(
    src: Path, out: Path, data: Path, every: int, percentile: float, keep_ends: bool = True,
    keep: tuple[str, ...] = (),
) -> list[str]:
    from onnxruntime.quantization import (
        CalibrationDataReader,
        CalibrationMethod,
        QuantFormat,
        QuantType,
        quantize_static,
    )

    engine = Engine(src, provider="cpu")
    names = sorted((SPLITS / "train.txt").read_text().split())[::every]

    class Reader(CalibrationDataReader):
        def __init__(self) -> None:
            self._names = iter(names)

        def get_next(self) -> dict | None:
            name = next(self._names, None)
            if name is None:
                return None
            rgb = read_photo(data / "low" / name).pixels
            h, w = (s - s % engine.factor for s in rgb.shape[:2])
            rgb = rgb[:h, :w]
            feeds = {contract.INPUT: np.ascontiguousarray(rgb.transpose(2, 0, 1)[None])}
            if engine.has_exposure_head:
                feeds[contract.THUMB] = thumbnail(rgb)[None]
                feeds[contract.EXPOSURE] = np.zeros(1, np.float32)
            if engine.has_lift:
                feeds[contract.LIFT] = np.zeros(1, np.float32)
            else:
                gain = estimate_gain(rgb, engine.gain_model)
                feeds[contract.GAIN] = np.full((1, 1, 1, 1), gain, np.float32)
            return feeds

    out.parent.mkdir(parents=True, exist_ok=True)
    excluded = fp32_nodes(src, keep_ends, keep)
    quantize_static(
        str(src),
        str(out),
        Reader(),
        quant_format=QuantFormat.QDQ,
        per_channel=True,
        activation_type=QuantType.QUInt8,
        weight_type=QuantType.QInt8,
        calibrate_method=CalibrationMethod.Percentile,
        op_types_to_quantize=["Conv", "ConvTranspose"],
        nodes_to_exclude=excluded,
        extra_options={"CalibPercentile": percentile},
    )
    return excluded


def main() -> int:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--model", type=Path, default=ROOT / "models" / "lowlight_unet.onnx")
    p.add_argument("--out", type=Path, default=ROOT / "runs" / "int8" / "lowlight_unet_int8.onnx")
    p.add_argument("--data", type=Path, default=LOL)
    p.add_argument("--every", type=int, default=14, help="calibrate on every Nth training photo")
    p.add_argument("--percentile", type=float, default=99.99)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--keep", default="",
                   help="comma-separated node-name prefixes also left in FP32, e.g. /enc1/,/dec1/")
    p.add_argument("--no-keep-ends", dest="keep_ends", action="store_false",
                   help="quantise the U-Net's first and last convolution too")
    p.add_argument("--json", type=Path)
    args = p.parse_args()

    keep = tuple(k for k in args.keep.split(",") if k)
    kept = quantize(
        args.model, args.out, args.data, args.every, args.percentile, args.keep_ends, keep
    )
    print(f"kept in FP32: {len(kept)} nodes ({', '.join(k for k in kept if 'exposure_head' not in k)} "
          "and the exposure head)" if kept else "everything quantised", flush=True)
    pairs = find_pairs(args.data / "low", args.data / "high", only=read_names(SPLITS / "val.txt"))
    # compare_speed's cases, with the app's tile size for the tiled one
    cases = {name: (h, w, DEFAULT_TILE if tile else 0) for name, (h, w, tile) in SIZES.items()}
    rows = {}
    for label, path in (("fp32", args.model), ("int8", args.out)):
        engine = Engine(path, provider="cpu", threads=args.threads)
        scores = evaluate_pairs(pairs, lambda x, e=engine: enhance_array(x, e)).mean
        speed = {name: best_ms_per_mp(engine, h, w, tile, 3) for name, (h, w, tile) in cases.items()}
        rows[label] = {**scores, "ms_per_mp": speed, "mb": path.stat().st_size / 1e6}
        print(
            f"{label}: PSNR {scores['psnr']:.2f} dB  SSIM {scores['ssim']:.3f}  "
            + "  ".join(f"{k} {v:.0f} ms/MP" for k, v in speed.items())
            + f"  {rows[label]['mb']:.1f} MB",
            flush=True,
        )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
