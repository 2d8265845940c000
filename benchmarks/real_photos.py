"""What the model does to real low-light photos, measured the way issue 17 defines it.

    python benchmarks/real_photos.py --model models/lowlight_unet.onnx [--model v2=OLD.onnx ...]
        [--dev ../shared/data/real-dev] [--highres ../shared/data/real-highres] [--crops DIR]
        [--shadows auto|STOPS] [--night-sky AMOUNT]

For every real photo (no references exist) and every model, through the app's own path
(``core.enhance.enhance_pixels``, default settings: the shadow lift chosen per photo unless
``--shadows`` says otherwise; each row also shows the EV after highlight protection and the lift):
- median luminance of the result (Rec. 601 luma, 0..1);
- noise: the high-pass residual (luma minus its 5x5 box mean) in *flat* 16x16 blocks, as a
  ratio to the same measure on a plain gain of the photo to the same mean brightness (1.0: the
  model removed no noise; 0: all of it). Flat blocks: the quarter of blocks with the least
  structure (standard deviation of the 9x9 box-smoothed plain-gain luma) among those whose
  plain-gain mean is between 0.05 and 0.9 (not black, not clipped);
- colour mottle (camera-resolution photos): the low-frequency colour noise real high-ISO frames
  keep, blotches tens of pixels wide: the colour differences R-Y and B-Y box-smoothed over 17x17
  pixels, their standard deviation about each flat 64x64 block's mean (flat blocks chosen as for the
  noise), as a ratio to the same on the plain gain (1.0: none removed);
- colour kept: the result's saturation as a ratio to the plain gain's (which keeps the photo's
  own): (max - min) / max of the three channels, each box-smoothed over 9x9 pixels (so that
  colour noise does not count as colour), its median over the pixels whose largest channel is
  between 0.15 and 0.92 in both (neither dark nor clipped); 1.0: colours as saturated as
  photographed, below 1: greyed (a curve applied channel by channel greys what it lifts);
- grey-world cast: how far the result's mean colour is from grey, as the largest distance of a
  channel's share of the three means from 1/3 (chromaticity; 0.07 is a clearly visible cast);
- darkest 30 %: the 30th percentile of the result's luma (a photo whose shadows stay black
  reads below 0.08);
- newly clipped: the fraction of pixels with a channel at 255 in the result but not in the photo.

The camera-resolution photo ``city_night_iso51200_single_vs_merged.jpg`` is scored on its
single-frame side only (above the diagonal), the real ISO 51200 noise, and its top-left quarter,
wholly that single frame, is also enhanced and scored as a photo of its own (a 3.2 MP ISO 51200
night photo: what the app decides from the whole photo sees that frame alone). Figures are printed as a
table; ``--crops`` writes 100 % crops (photo, plain gain, result) as PNGs to look at.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lowlight_gui.core import enhance
from lowlight_gui.core.engine import Engine
from lowlight_gui.core.enhance import stops_for_lift
from lowlight_gui.core.imageio import read_photo
from lowlight_gui.core.pipeline import develop, plan
from lowlight_gui.core.settings import Settings

LUMA = np.array([0.299, 0.587, 0.114], np.float32)
BLOCK = 16
DEV_MAX_MP = 1.0  # real-dev photos are at most this size; larger ones are camera-resolution
HIGHRES_SINGLE_SIDE = "city_night_iso51200"  # name prefix of the photo scored above its diagonal


def box(x: np.ndarray, r: int) -> np.ndarray:
    """Mean over each pixel's (2r+1)^2 neighbourhood (edge padding), via summed-area tables."""
    p = np.pad(x, r, mode="edge").astype(np.float64)
    s = np.pad(p.cumsum(0).cumsum(1), ((1, 0), (1, 0)))
    k = 2 * r + 1
    h, w = x.shape
    tot = s[k : k + h, k : k + w] - s[:h, k : k + w] - s[k : k + h, :w] + s[:h, :w]
    return (tot / (k * k)).astype(np.float32)


def luma(rgb: np.ndarray) -> np.ndarray:
    return rgb[..., :3] @ LUMA


def blocks(x: np.ndarray, size: int = BLOCK) -> np.ndarray:
    h, w = (x.shape[0] // size) * size, (x.shape[1] // size) * size
    return x[:h, :w].reshape(h // size, size, w // size, size).swapaxes(1, 2)


def flat_blocks(lp: np.ndarray, size: int, mask: np.ndarray | None) -> np.ndarray | None:
    """Which ``size`` px blocks of the plain gain's luma ``lp`` are flat: the quarter with the
    least structure (std of the 9x9 box-smoothed luma) among those neither black nor clipped
    (and wholly inside ``mask``); None when fewer than 8 blocks qualify."""
    structure = blocks(box(lp, 4), size).std(axis=(2, 3))
    mean = blocks(lp, size).mean(axis=(2, 3))
    ok = (mean > 0.05) & (mean < 0.9)
    if mask is not None:
        ok &= blocks(mask, size).all(axis=(2, 3))
    if ok.sum() < 8:
        return None
    return ok & (structure <= np.quantile(structure[ok], 0.25))


def plain_gain(photo: np.ndarray, result: np.ndarray) -> np.ndarray:
    """The photo brightened by one factor to the result's mean luma: what the model is measured
    against."""
    k = luma(result).mean() / max(float(luma(photo).mean()), 1e-4)
    return np.clip(photo * k, 0, 1)


def noise_ratio(photo: np.ndarray, result: np.ndarray, mask: np.ndarray | None = None) -> float:
    """Noise left in flat areas, relative to a plain gain to the same mean brightness."""
    plain = plain_gain(photo, result)
    lp, lr = luma(plain), luma(result)
    hp_p, hp_r = lp - box(lp, 2), lr - box(lr, 2)
    flat = flat_blocks(lp, BLOCK, mask)
    if flat is None:
        return float("nan")
    n_p = blocks(hp_p).std(axis=(2, 3))[flat]
    n_r = blocks(hp_r).std(axis=(2, 3))[flat]
    return float(np.median(n_r) / max(float(np.median(n_p)), 1e-6))


MOTTLE_BLOCK = 64


def mottle_ratio(photo: np.ndarray, result: np.ndarray, mask: np.ndarray | None = None) -> float:
    """Low-frequency colour noise left in flat areas, relative to a plain gain to the same mean
    brightness (the module docstring); NaN for photos with too few flat 64 px blocks."""
    plain = plain_gain(photo, result)
    flat = flat_blocks(luma(plain), MOTTLE_BLOCK, mask)
    if flat is None:
        return float("nan")

    def blotches(img: np.ndarray) -> np.ndarray:
        y = luma(img)
        var = sum(blocks(box(img[..., c] - y, 8), MOTTLE_BLOCK).var(axis=(2, 3)) for c in (0, 2))
        return np.sqrt(var)[flat]

    return float(np.median(blotches(result)) / max(float(np.median(blotches(plain))), 1e-6))


def saturation_ratio(photo: np.ndarray, result: np.ndarray, mask: np.ndarray | None = None) -> float:
    """The result's colour saturation relative to a plain gain's (the module docstring); NaN
    when under 1 % of the pixels are neither dark nor clipped in both."""
    plain = plain_gain(photo, result)

    def saturation(img: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        smooth = np.stack([box(img[..., c], 4) for c in range(3)], -1)
        hi, lo = smooth.max(-1), smooth.min(-1)
        return (hi - lo) / np.maximum(hi, 1e-3), hi

    s_r, v_r = saturation(result)
    s_p, v_p = saturation(plain)
    ok = (v_r > 0.15) & (v_r < 0.92) & (v_p > 0.15) & (v_p < 0.92)
    if mask is not None:
        ok &= mask
    if ok.mean() < 0.01:
        return float("nan")
    return float(np.median(s_r[ok]) / max(float(np.median(s_p[ok])), 1e-3))


def single_side_mask(h: int, w: int, margin: float = 0.04) -> np.ndarray:
    """Pixels above the diagonal from bottom-left to top-right (the single frame)."""
    yy, xx = np.mgrid[0:h, 0:w]
    return (yy / h + xx / w) < 1.0 - margin


def score(photo: np.ndarray, result: np.ndarray, mask: np.ndarray | None = None) -> dict:
    lr = luma(result)
    sel = lr if mask is None else lr[mask]
    means = (result if mask is None else result[mask]).reshape(-1, 3).mean(0)
    clipped_after = (result >= 254.5 / 255).any(-1)
    clipped_before = (photo >= 254.5 / 255).any(-1)
    newly = clipped_after & ~clipped_before
    camera_res = photo.shape[0] * photo.shape[1] > DEV_MAX_MP * 1e6  # mottle is measured there
    return {
        "median_luma": float(np.median(sel)),
        "noise": noise_ratio(photo, result, mask),
        "mottle": mottle_ratio(photo, result, mask) if camera_res else float("nan"),
        "saturation": saturation_ratio(photo, result, mask),
        "cast": float(np.abs(means / max(float(means.sum()), 1e-6) - 1 / 3).max()),
        "p30": float(np.quantile(sel, 0.3)),
        "newly_clipped": float(newly.mean() if mask is None else newly[mask].mean()),
        **band_medians(lr, mask),
    }


def band_medians(lr: np.ndarray, mask: np.ndarray | None) -> dict:
    """Median luma of the top fifth (a night photo's sky) and of the lower half (its ground),
    within ``mask``: issue 31's night bars (sky <= 0.20, lower half >= 0.20)."""
    h = lr.shape[0]
    rows = np.arange(h)[:, None]
    inside = np.ones(lr.shape, bool) if mask is None else mask
    top, low = inside & (rows < h // 5), inside & (rows >= h // 2)
    return {
        "sky_median": float(np.median(lr[top])) if top.any() else float("nan"),
        "lower_median": float(np.median(lr[low])) if low.any() else float("nan"),
    }


def run_model(
    name: str,
    path: Path,
    photos: list[Path],
    crops: Path | None,
    shadows: float | None = None,
    colour_noise: float = 0.0,
    night_sky: float = 1.0,
) -> list[dict]:
    engine = Engine(path, threads=0)
    rows = []
    for p, label, data in inputs(photos):
        t = time.perf_counter()
        how = plan(
            data, engine,
            Settings(shadows=shadows, colour_noise=colour_noise, night_sky=night_sky),
        )
        out, _ = develop(data, engine, how)
        cond = how.conditioning
        secs = time.perf_counter() - t
        scale = 255.0 if data.dtype == np.uint8 else 65535.0
        x = data[..., :3].astype(np.float32) / scale
        y = out[..., :3].astype(np.float32) / scale
        single = p.name.startswith(HIGHRES_SINGLE_SIDE) and label == p.name
        mask = single_side_mask(*x.shape[:2]) if single else None
        row = {"model": name, "photo": label, "megapixels": x.shape[0] * x.shape[1] / 1e6,
               "seconds": secs, "ev": cond.exposure, "lift_stops": stops_for_lift(cond.lift),
               "unchanged": cond.weight == 0.0,
               **score(x, y, mask)}
        rows.append(row)
        print(f"  {name:8s} {label:50s} {row['median_luma']:.3f} {row['noise']:.2f} "
              f"{row['cast']:.3f} {row['p30']:.3f} {row['newly_clipped']:.4f} "
              f"{cond.exposure:+.2f} {row['lift_stops']:.2f} {secs:.1f}s", flush=True)
        if crops is not None and row["megapixels"] > 2 and label == p.name:
            save_crops(crops, name, p, x, y)
    return rows


SINGLE_FRAME_CROP = "single-frame quarter"


def inputs(photos: list[Path]):
    """(path, label, pixels) of every photo; the single-versus-merged city photo also gives its
    top-left quarter (2072x1528, wholly the single ISO 51200 frame) as a photo of its own, so
    that what the app decides from the whole photo (exposure, lift) sees that frame alone."""
    for p in photos:
        data = read_photo(p).data
        yield p, p.name, data
        if p.name.startswith(HIGHRES_SINGLE_SIDE):
            h, w = data.shape[:2]
            yield p, f"{p.stem} {SINGLE_FRAME_CROP}", np.ascontiguousarray(data[: h // 2, : w // 2])


CROP_BOXES = {  # (left, top) of 600x400 crops at 100 % worth looking at
    "city_night_iso51200_single_vs_merged.jpg": [(300, 1850), (1000, 300), (1700, 800)],
    "phone_night_street_iso1200.jpg": [(0, 1000), (400, 2500), (1700, 2700)],
}


def save_crops(folder: Path, name: str, path: Path, x: np.ndarray, y: np.ndarray) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    plain = plain_gain(x, y)
    for i, (left, top) in enumerate(CROP_BOXES.get(path.name, [])):
        sl = np.s_[top : top + 400, left : left + 600]
        strip = np.concatenate([plain[sl], y[sl]], 1)
        Image.fromarray((strip * 255 + 0.5).astype(np.uint8)).save(
            folder / f"{path.stem}_{i}_{name}.png")


def summary(rows: list[dict]) -> dict:
    dev = [r for r in rows if r["megapixels"] <= DEV_MAX_MP]
    hi = [r for r in rows if r["megapixels"] > DEV_MAX_MP]
    changed = [r["noise"] for r in dev if not r.get("unchanged")]
    return {
        "dev_photos": len(dev),
        "dev_median_luma": float(np.median([r["median_luma"] for r in dev])) if dev else None,
        "dev_noise": float(np.nanmedian([r["noise"] for r in dev])) if dev else None,
        "dev_cast": float(np.median([r["cast"] for r in dev])) if dev else None,
        "dev_saturation": float(np.nanmedian([r["saturation"] for r in dev])) if dev else None,
        "dev_dark_shadows": sum(r["p30"] < 0.08 for r in dev),
        "dev_max_newly_clipped": max((r["newly_clipped"] for r in dev), default=None),
        # the photos the app changes (a well-exposed photo left as it is reads noise 1.0)
        "dev_unchanged": sum(bool(r.get("unchanged")) for r in dev),
        "dev_changed_noise": float(np.nanmedian(changed)) if changed else None,
        "highres": {r["photo"]: {"noise": r["noise"], "mottle": r["mottle"],
                                 "median_luma": r["median_luma"], "saturation": r["saturation"],
                                 "sky_median": r["sky_median"], "lower_median": r["lower_median"],
                                 "s_per_mp": r["seconds"] / r["megapixels"]} for r in hi},
    }


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--model", action="append", default=[],
                   help="NAME=PATH or PATH (repeat to compare); default: the shipped model")
    p.add_argument("--dev", type=Path, default=ROOT.parent / "shared/data/real-dev")
    p.add_argument("--highres", type=Path, default=ROOT.parent / "shared/data/real-highres")
    p.add_argument("--no-highres", action="store_true", help="skip the camera-resolution photos")
    p.add_argument("--crops", type=Path, help="write 100 %% crops of the camera-resolution photos")
    p.add_argument("--json", type=Path, help="write every row and the summaries")
    p.add_argument("--shadows", default="auto",
                   help="shadow lift for every photo: auto (the app's default) or stops 0..2")
    p.add_argument("--no-well-exposed", action="store_true",
                   help="turn off the well-exposed rule (enhance.well_exposed): the figures before "
                   "issue 31")
    p.add_argument("--colour-noise", type=float, default=0.0,
                   help="colour noise reduction for every photo, 0..1 (default 0: off, the app's)")
    p.add_argument("--night-sky", type=float, default=1.0,
                   help="how much of the lift a night sky is kept out of, 0..1 (default 1: the "
                   "app's; 0: lifted with the rest, as before issue 31's local tone)")
    a = p.parse_args(argv)
    shadows = None if a.shadows == "auto" else float(a.shadows)
    if a.no_well_exposed:
        enhance.well_exposed = lambda *args, **kwargs: False  # (conditioning reads it there)
    models = a.model or [f"shipped={ROOT / 'models/lowlight_unet.onnx'}"]
    photos = sorted(a.dev.glob("*.jpg"))
    if not a.no_highres:
        photos += sorted(a.highres.glob("*.jpg"))
    report = {}
    print("  model    photo                                              median noise cast  p30   "
          "clipped EV   lift (stops)")
    for m in models:
        name, _, path = m.rpartition("=")
        name = name or Path(path).stem
        rows = run_model(name, Path(path), photos, a.crops, shadows, a.colour_noise, a.night_sky)
        report[name] = {"summary": summary(rows), "rows": rows}
    print()
    for name, r in report.items():
        s = r["summary"]
        if not s["dev_photos"]:
            print(f"{name}: no real-dev photos")
        else:
            print(f"{name}: real-dev ({s['dev_photos']} photos) median luma "
                  f"{s['dev_median_luma']:.3f}, noise {s['dev_noise']:.2f}x plain gain, "
                  f"colour kept {s['dev_saturation']:.2f}x, cast {s['dev_cast']:.3f}, "
                  f"darkest 30 % below 0.08 in {s['dev_dark_shadows']}, "
                  f"most newly clipped {100 * s['dev_max_newly_clipped']:.1f} %; "
                  f"{s['dev_unchanged']} left unchanged, noise of the others "
                  f"{s['dev_changed_noise'] or float('nan'):.2f}x")
        for photo, h in s["highres"].items():
            print(f"    {photo}: noise {h['noise']:.2f}x plain gain, colour mottle "
                  f"{h['mottle']:.2f}x, colour kept {h['saturation']:.2f}x, median luma "
                  f"{h['median_luma']:.3f} (sky, top fifth {h['sky_median']:.3f}; lower half "
                  f"{h['lower_median']:.3f}), {h['s_per_mp']:.2f} s/MP")
    if a.json:
        a.json.write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
