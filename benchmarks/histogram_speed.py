"""How long the window's histogram takes on large photos (the bar: 20 ms on a free core).

    python benchmarks/histogram_speed.py [--repeat 20]

Times ``core.histogram.compute_histogram`` (before and after, a tenth of the width newly
clipped) on 12 MP and 24 MP photos, best and median of ``--repeat`` runs after a warm-up, and
prints how many pixels it sampled.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from lowlight_gui.core.histogram import compute_histogram


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--repeat", type=int, default=20)
    args = p.parse_args(argv)
    rng = np.random.default_rng(0)
    for h, w in ((3000, 4000), (4000, 6000)):
        before = rng.integers(0, 200, (h, w, 3), dtype=np.uint8)
        after = before.copy()
        after[:, : w // 10] = 255
        compute_histogram(before, after)  # warm-up
        times = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            hist = compute_histogram(before, after)
            times.append(time.perf_counter() - t0)
        print(f"{h * w / 1e6:4.0f} MP: best {min(times) * 1000:5.1f} ms, median "
              f"{np.median(times) * 1000:5.1f} ms, {hist.samples:,} pixels sampled, "
              f"{hist.clipped_percent:.1f} % newly clipped")


if __name__ == "__main__":
    main()
