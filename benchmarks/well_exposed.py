"""How many photos the app leaves as they are, and how many it lifts (issue 31).

    python benchmarks/well_exposed.py [--model M.onnx] [--no-well-exposed]

For LOL's 399 references (normally exposed), its 485 dark photos, the real-dev photos and the
camera-resolution night photos of ``../shared``, through the app's own decision
(``core.enhance.conditioning`` and ``unchanged_reason``, default settings): the count left
unchanged ("already well exposed") and the count given a shadow lift; for the real photos, the
names of those enhanced. ``--no-well-exposed`` turns the whole-photo rule
(``enhance.well_exposed``) off: the figures before issue 31.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lowlight_gui.core import enhance
from lowlight_gui.core.engine import Engine
from lowlight_gui.core.imageio import read_photo

DATA = ROOT.parent / "shared" / "data"
GROUPS = {
    "LOL references": (DATA / "lol/train/high", "*.webp"),
    "LOL dark photos": (DATA / "lol/train/low", "*.webp"),
    "real-dev": (DATA / "real-dev", "*.jpg"),
    "real-highres": (DATA / "real-highres", "*.jpg"),
}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--model", type=Path, default=ROOT / "models/lowlight_unet.onnx")
    ap.add_argument("--no-well-exposed", action="store_true")
    ap.add_argument("--threads", type=int, default=0)
    a = ap.parse_args(argv)
    if a.no_well_exposed:
        enhance.well_exposed = lambda *args, **kwargs: False  # (conditioning reads it there)
    engine = Engine(a.model, provider="CPU", threads=a.threads)
    for name, (folder, pattern) in GROUPS.items():
        files = sorted(folder.glob(pattern))
        unchanged, lifted, changed = 0, 0, []
        for f in files:
            data = read_photo(f).data
            cond = enhance.conditioning(data, engine)
            if enhance.unchanged_reason(data, engine, conditioned=cond) is not None:
                unchanged += 1
            else:
                changed.append(f.name)
            lifted += cond.lift > 0.0
        print(f"{name} ({len(files)}): {unchanged} left unchanged, {lifted} lifted", flush=True)
        if name.startswith("real"):
            print(f"    enhanced: {', '.join(changed)}")


if __name__ == "__main__":
    main()
