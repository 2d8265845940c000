"""Peak memory (RSS) of `lowlight enhance` on big photos, one fresh process per case.

    python benchmarks/peak_memory.py                       # every case, the shipped model
    python benchmarks/peak_memory.py --cases 24jpg 48png16 --threads 2
    python benchmarks/peak_memory.py --cases small 24dng         # a 24 MP camera RAW (DNG)
    python benchmarks/peak_memory.py --photo shot.nef            # any photo of yours

The photos are synthetic (dark shading plus noise, so the encoders work as on a real photo) and
are made once in --work (default: a folder in the system temp folder); the DNG is a synthesised
night shot (``tests/rawfixtures.make_large_dng``), written as a 16-bit TIFF as "same" does. Each case runs the real
command line in a subprocess; its peak RSS comes from ``os.wait4``. The small case gives the
fixed part; the README's formula (bytes per pixel plus a fixed part) is checked against the rest.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# name -> (height, width, suffix, bits)
CASES = {
    "small": (400, 600, ".jpg", 8),
    "24jpg": (4000, 6000, ".jpg", 8),
    "48jpg": (6000, 8000, ".jpg", 8),
    "48png16": (6000, 8000, ".png", 16),
    "24grey": (4000, 6000, ".jpg", 1),  # greyscale JPEG (bits=1 means one 8-bit channel)
    "196black": (14000, 14000, ".png", 0),  # an all-black 8-bit RGB PNG of 0.6 MB (bits=0)
    "24dng": (4000, 6000, ".dng", 16),  # camera RAW: developed to 16-bit, written as TIFF
}
DEFAULT_CASES = ["small", "24jpg", "48jpg", "48png16", "24grey"]  # 196black takes minutes


def make_photo(path: Path, h: int, w: int, bits: int) -> None:
    """A dark, noisy photo, built in row bands so that making it needs little memory."""
    import cv2
    import numpy as np

    if path.suffix == ".dng":  # a night shot, 3.3 stops under
        # In a process of its own: it takes GBs, and Linux hands this process's peak RSS on to
        # the children it starts afterwards (ru_maxrss survives the exec), inflating them.
        code = ("import sys; from pathlib import Path; from tests.rawfixtures import "
                f"make_large_dng; make_large_dng(Path(sys.argv[1]), {w}, {h}, exposure=0.1)")
        subprocess.run([sys.executable, "-c", code, str(path)], cwd=ROOT, check=True)
        return

    if bits == 0:
        if not cv2.imwrite(str(path), np.zeros((h, w, 3), np.uint8)):
            raise SystemExit(f"could not write {path}")
        return
    rng = np.random.default_rng(0)
    grey = bits == 1
    maxval = 65535 if bits == 16 else 255
    out = np.empty((h, w) if grey else (h, w, 3), np.uint16 if bits == 16 else np.uint8)
    xs = np.linspace(0.02, 0.2, w, dtype=np.float32)
    tint = np.array([0.7, 0.85, 1.0], np.float32)  # BGR for OpenCV
    for y in range(0, h, 500):
        rows = min(500, h - y)
        ys = np.linspace(y / h, (y + rows) / h, rows, dtype=np.float32)[:, None] * 0.1
        base = xs[None, :] + ys + 0.05 * np.sin(np.arange(w, dtype=np.float32) / 40.0)[None, :]
        noise = rng.normal(0.0, 0.03, (rows, w) if grey else (rows, w, 3)).astype(np.float32)
        band = base if grey else base[..., None] * tint
        out[y:y + rows] = np.clip((band + noise) * maxval, 0, maxval).round()
    params = [cv2.IMWRITE_JPEG_QUALITY, 92] if path.suffix == ".jpg" else []
    if not cv2.imwrite(str(path), out, params):
        raise SystemExit(f"could not write {path}")


def run_case(photo: Path, out_dir: Path, args: argparse.Namespace) -> dict:
    cmd = [sys.executable, "-m", "lowlight_gui.cli", "enhance", str(photo), "-o", str(out_dir),
           "--overwrite", "--threads", str(args.threads)]
    if args.model:
        cmd += ["--model", str(args.model)]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    _, status, usage = os.wait4(proc.pid, 0)
    output = proc.stdout.read().decode(errors="replace") if proc.stdout else ""
    seconds = time.perf_counter() - t0
    code = os.waitstatus_to_exitcode(status)
    scale = 1 if sys.platform == "darwin" else 1024  # ru_maxrss: bytes on macOS, KiB elsewhere
    return {"peak_mb": usage.ru_maxrss * scale / 1e6, "seconds": round(seconds, 1),
            "exit": code, "output": output.strip().splitlines()[-1:]}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--cases", nargs="+", choices=list(CASES), default=None,
                   help=f"default: {' '.join(DEFAULT_CASES)} (none with --photo)")
    p.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "lowlight-peak-memory")
    p.add_argument("--model", type=Path, default=None)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--photo", type=Path, nargs="*", default=[],
                   help="photos of your own, measured after the cases (or instead: --cases)")
    args = p.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    results = []
    for photo in args.photo:
        r = run_case(photo.resolve(), args.work / "out", args)
        r.update(case=photo.name)
        print(json.dumps(r), flush=True)
    if args.cases is None:
        args.cases = [] if args.photo else DEFAULT_CASES
    for name in args.cases:
        h, w, suffix, bits = CASES[name]
        photo = args.work / f"{name}{suffix}"
        if not photo.exists():
            make_photo(photo, h, w, bits)
        r = run_case(photo, args.work / "out", args)
        r.update(case=name, megapixels=round(h * w / 1e6, 1))
        results.append(r)
        print(json.dumps(r), flush=True)
    small = next((r for r in results if r["case"] == "small"), None)
    if small:
        for r in results:
            if r is not small:
                per_px = (r["peak_mb"] - small["peak_mb"]) / r["megapixels"]
                print(f"{r['case']}: {r['peak_mb']:.0f} MB peak, "
                      f"{per_px:.1f} bytes per pixel above the small case ({small['peak_mb']:.0f} MB)")


if __name__ == "__main__":
    main()
