"""Time several ONNX models in one run on the same inputs (ms per megapixel, best of N).

    python benchmarks/compare_speed.py models/lowlight_unet.onnx runs/prototype/prototype.onnx

The first model is the reference for the "x faster" column.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from lowlight_gui.core.engine import Engine
from lowlight_gui.core.enhance import enhance_array

SIZES = {"600x400 whole": (400, 600, 0), "2 MP tiled": (1200, 1600, 512)}


def best_ms_per_mp(engine: Engine, h: int, w: int, tile: int, repeat: int) -> float:
    rgb = (np.random.default_rng(0).random((h, w, 3), dtype=np.float32) * 0.2).astype(np.float32)
    enhance_array(rgb, engine, tile=tile)  # warm-up: the session plans its shapes
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        enhance_array(rgb, engine, tile=tile)
        times.append(time.perf_counter() - t0)
    return min(times) * 1000 / (h * w / 1e6)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("models", type=Path, nargs="+")
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--repeat", type=int, default=3)
    a = p.parse_args()
    results: dict[str, dict[str, float]] = {}
    for path in a.models:
        engine = Engine(path, provider="CPU", threads=a.threads)
        results[path.name] = {
            case: best_ms_per_mp(engine, h, w, tile, a.repeat) for case, (h, w, tile) in SIZES.items()
        }
    ref = results[a.models[0].name]
    print(f"| model | {' | '.join(f'{c} (ms/MP)' for c in SIZES)} | slower than {a.models[0].name} |")
    print("|---" * (len(SIZES) + 2) + "|")
    for name, r in results.items():
        ratio = np.mean([r[c] / ref[c] for c in SIZES])
        print(f"| {name} | {' | '.join(f'{r[c]:.0f}' for c in SIZES)} | {ratio:.1f}x |")


if __name__ == "__main__":
    main()
