"""Which image library reads and writes Lowlight's files: decode + encode time and peak memory.

    python benchmarks/image_io.py                      # 24 MP: 8-bit JPEG, 16-bit PNG, 16-bit TIFF
    python benchmarks/image_io.py --libs vips --cases png16 --repeat 3

Each (library, file) pair runs in a fresh process: decode the file to a numpy array (as the app
holds a photo: uint8/uint16, RGB order), then encode that array to the same format (JPEG quality
95, PNG compression 6, TIFF with lossless compression). The process's peak RSS comes from
``os.wait4``; ``import`` is the same process doing nothing but importing the library, so peak
minus import is what the pixels cost. The photos are synthetic (dark shading plus noise, so the
codecs work as on a real night photo), 6000x4000, made once in --work by libvips in a process of
its own (Linux hands a parent's peak RSS on to the children it starts afterwards). The TIFF is
deflate-compressed, which every library here reads (tifffile reads no LZW without
``imagecodecs``); each library writes TIFF as the app would with it: libvips and OpenCV with LZW,
tifffile with zlib (deflate).

Libraries:
- ``opencv``: ``cv2.imread(IMREAD_UNCHANGED)`` / ``cv2.imwrite`` (what the app used before
  issue 20); BGR order, swapped to RGB and back as the app did.
- ``vips``: libvips through pyvips (the pyvips-binary wheel), decoding a band of rows at a time
  into one array as ``core/imageio.py`` does, encoding from the array.
- ``pillow``: Pillow, with ``tifffile`` for 16-bit TIFF (zlib: its LZW needs ``imagecodecs``).
  Pillow has no 16-bit RGB mode: its 16-bit PNG result is 8 bits (printed as ``lossy``).

The installed size of each library (its wheel files, from the environment's RECORDs) is printed
first: it is what the library adds to the frozen app, give or take what PyInstaller leaves out.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
H, W = 4000, 6000
CASES = {"jpg8": ".jpg", "png16": ".png", "tif16": ".tif"}
LIBS = {
    "opencv": ["opencv-python-headless"],
    "vips": ["pyvips", "pyvips-binary", "cffi"],
    "pillow": ["pillow", "tifffile"],
}

CHILD = r'''
import json, sys, time
import numpy as np
lib, case, path, out = sys.argv[1:5]
t0 = time.perf_counter()
if lib == "opencv":
    import cv2
elif lib == "vips":
    import pyvips
else:
    from PIL import Image
    import tifffile
t_import = time.perf_counter() - t0
if case == "import":
    print(json.dumps({"import_s": t_import})); sys.exit()
sixteen = case != "jpg8"
result = {}

t0 = time.perf_counter()
if lib == "opencv":
    a = cv2.imread(path, cv2.IMREAD_UNCHANGED)
    a[..., [0, 2]] = a[..., [2, 0]]  # BGR -> RGB, as the app held it
elif lib == "vips":
    im = pyvips.Image.new_from_file(path, access="sequential", fail=True)
    a = np.empty((im.height, im.width, im.bands), np.uint16 if im.format == "ushort" else np.uint8)
    region = pyvips.Region.new(im)
    step = max(1, (1 << 22) // im.width)
    for y in range(0, im.height, step):
        n = min(step, im.height - y)
        a[y:y + n] = np.frombuffer(region.fetch(0, y, im.width, n), a.dtype).reshape(n, im.width, -1)
else:
    if case == "tif16":
        a = tifffile.imread(path)
    else:
        with Image.open(path) as pim:
            a = np.asarray(pim.convert("RGB"))  # 16-bit RGB PNG: Pillow gives 8 bits
result["decode_s"] = time.perf_counter() - t0
result["dtype"] = str(a.dtype)

t0 = time.perf_counter()
if lib == "opencv":
    b = a[..., ::-1]
    params = [cv2.IMWRITE_JPEG_QUALITY, 95] if case == "jpg8" else []
    if case == "tif16":
        params = [cv2.IMWRITE_TIFF_COMPRESSION, 5]  # LZW
    ok = cv2.imwrite(out, b, params)
    assert ok
elif lib == "vips":
    im = pyvips.Image.new_from_array(a, interpretation="rgb16" if sixteen else "srgb")
    if case == "jpg8":
        im.jpegsave(out, Q=95)
    elif case == "png16":
        im.pngsave(out, compression=6)
    else:
        im.tiffsave(out, compression="lzw", predictor="horizontal")
else:
    if case == "tif16":
        tifffile.imwrite(out, a, photometric="rgb", compression="zlib")  # LZW needs imagecodecs
    elif case == "png16":
        Image.fromarray(a).save(out, compress_level=6)
    else:
        Image.fromarray(a).save(out, quality=95)
result["encode_s"] = time.perf_counter() - t0
result["lossy"] = sixteen and a.dtype != np.uint16
print(json.dumps(result))
'''


def installed_mb(distributions: list[str]) -> float:
    """Bytes of the installed files of these distributions (their RECORD), in MB."""
    total = 0
    for name in distributions:
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        for f in dist.files or []:
            p = Path(str(dist.locate_file(f)))
            if p.is_file() and "__pycache__" not in p.parts:
                total += p.stat().st_size
    return total / 1e6


def make_photos(work: Path) -> dict[str, Path]:
    """The three 24 MP test files, made once by libvips (dark shading plus noise)."""
    import numpy as np
    import pyvips

    paths = {case: work / f"night24{suffix}" for case, suffix in CASES.items()}
    if all(p.exists() for p in paths.values()):
        return paths
    rng = np.random.default_rng(0)
    xs = np.linspace(0.02, 0.2, W, dtype=np.float32)
    a16 = np.empty((H, W, 3), np.uint16)
    for y in range(0, H, 500):
        ys = np.linspace(y / H, (y + 500) / H, 500, dtype=np.float32)[:, None] * 0.1
        base = (xs[None, :] + ys)[..., None] * np.array([1.0, 0.85, 0.7], np.float32)
        noise = rng.normal(0.0, 0.03, (500, W, 3)).astype(np.float32)
        a16[y:y + 500] = np.clip((base + noise) * 65535, 0, 65535).round()
    im16 = pyvips.Image.new_from_array(a16, interpretation="rgb16")
    im16.pngsave(str(paths["png16"]), compression=6)
    im16.tiffsave(str(paths["tif16"]), compression="deflate", predictor="horizontal")
    a8 = (a16 >> 8).astype(np.uint8)
    pyvips.Image.new_from_array(a8, interpretation="srgb").jpegsave(str(paths["jpg8"]), Q=92)
    return paths


def run(lib: str, case: str, path: Path | str, out: Path | str) -> dict:
    proc = subprocess.Popen([sys.executable, "-c", CHILD, lib, case, str(path), str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(proc.pid, 0)
    stdout = proc.stdout.read() if proc.stdout else ""
    stderr = proc.stderr.read() if proc.stderr else ""
    scale = 1 if sys.platform == "darwin" else 1024  # ru_maxrss: bytes on macOS, KiB elsewhere
    if os.waitstatus_to_exitcode(status) != 0:
        return {"error": (stderr.strip().splitlines() or ["failed"])[-1]}
    result = json.loads(stdout)
    result["peak_mb"] = round(usage.ru_maxrss * scale / 1e6)
    return result


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--libs", nargs="+", choices=list(LIBS), default=list(LIBS))
    p.add_argument("--cases", nargs="+", choices=list(CASES), default=list(CASES))
    p.add_argument("--repeat", type=int, default=1, help="runs per pair; the fastest is shown")
    p.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "lowlight-image-io")
    p.add_argument("--make", action="store_true", help=argparse.SUPPRESS)  # the photos, and exit
    args = p.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    if args.make:
        make_photos(args.work)
        return
    for lib in args.libs:
        print(f"{lib}: installed {installed_mb(LIBS[lib]):.1f} MB ({', '.join(LIBS[lib])})")
    subprocess.run([sys.executable, __file__, "--make", "--work", str(args.work)], check=True)
    paths = {case: args.work / f"night24{suffix}" for case, suffix in CASES.items()}
    print(f"\n{'library':8} {'file':6} {'decode s':>9} {'encode s':>9} {'peak MB':>8} "
          f"{'import MB':>9}  note")
    for lib in args.libs:
        base = run(lib, "import", "", "")
        for case in args.cases:
            runs = [run(lib, case, paths[case], args.work / f"out_{lib}{CASES[case]}")
                    for _ in range(args.repeat)]
            ok = [r for r in runs if "error" not in r]
            if not ok:
                print(f"{lib:8} {case:6} {'-':>9} {'-':>9} {'-':>8} {base.get('peak_mb', 0):>9}  "
                      f"cannot: {runs[0]['error']}")
                continue
            best = min(ok, key=lambda r: r["decode_s"] + r["encode_s"])
            note = "lossy: 8 bits" if best["lossy"] else ""
            print(f"{lib:8} {case:6} {best['decode_s']:9.2f} {best['encode_s']:9.2f} "
                  f"{min(r['peak_mb'] for r in ok):8} {base.get('peak_mb', 0):>9}  {note}",
                  flush=True)


if __name__ == "__main__":
    main()
