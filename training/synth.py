"""Low-light shots synthesised the way a camera makes them, from clean sRGB photos.

After Brooks et al., "Unprocessing Images for Learned Raw Denoising" (CVPR 2019), with the
noise range of the extreme-low-light line of work (ELD, SID) and the camera's own finishing:

1. unprocess: sRGB -> linear (inverse sRGB curve, inverse global tone curve), linear sRGB ->
   camera RGB (the inverse of a random colour matrix: real sensors' colour filters overlap, so
   the camera-to-sRGB matrix has negative off-diagonals that amplify and colour the noise),
   inverse white balance (the raw green channel is the strongest);
2. expose: scale the light down by the darkening factor (the photo the person took);
3. sensor: mosaic to a Bayer pattern (random phase), add shot (Poisson-like, signal dependent)
   and read (Gaussian) noise per raw pixel;
4. develop: bilinear demosaicing (which correlates the noise across neighbouring pixels and
   colours, as in real photos), white balance, colour matrix, tone curve, sRGB curve;
5. finish: sometimes a light in-camera noise reduction (chroma more than luma), then 8 bits and
   usually JPEG at a realistic quality.

The noise level is drawn relative to the *output* brightness (what the person sees once the photo
is brightened), log-uniformly from clean to ISO 100k-like, independently of how dark the shot is:
a phone's night JPEG is dark and noisy, a full-frame camera at ISO 51200 is bright and very noisy.
Everything is numpy on HxWx3 float32 in 0..1.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
from PIL import Image

# --- the two curves ---------------------------------------------------------------------------


def srgb_to_linear(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 0.0, 1.0)
    return np.where(x <= 0.04045, x / 12.92, ((x + 0.055) / 1.055) ** 2.4).astype(np.float32)


def linear_to_srgb(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 0.0, 1.0)
    return np.where(x <= 0.0031308, x * 12.92, 1.055 * np.power(x, 1 / 2.4) - 0.055).astype(
        np.float32
    )


def tone(x: np.ndarray) -> np.ndarray:
    """The global S-curve (smoothstep) Brooks et al. fit to camera JPEGs."""
    x = np.clip(x, 0.0, 1.0)
    return (3 * x**2 - 2 * x**3).astype(np.float32)


def untone(y: np.ndarray) -> np.ndarray:
    """The exact inverse of ``tone`` on 0..1."""
    y = np.clip(y, 0.0, 1.0)
    return (0.5 - np.sin(np.arcsin(1.0 - 2.0 * y) / 3.0)).astype(np.float32)


# --- the camera ------------------------------------------------------------------------------


@dataclass(frozen=True)
class MottleMix:
    """How often camera shots carry colour mottle, and how strong and wide it is (uniform
    draws within the ranges). The default is v3.1's mix."""

    share: float = 0.4
    amp: tuple[float, float] = (0.3, 1.0)  # times the per-pixel noise's standard deviation
    scale: tuple[float, float] = (4.0, 16.0)  # pixels


@dataclass(frozen=True)
class Camera:
    """One synthetic shot's settings (drawn by ``Camera.draw``)."""

    rgb2cam: np.ndarray  # 3x3, rows sum to 1 (grey stays grey)
    wb: np.ndarray  # (3,) white-balance gains, green 1
    darken: float  # light reaching the sensor, relative to the clean photo's exposure
    shot: float  # output-referred shot-noise variance per unit of signal
    read: float  # output-referred read-noise variance
    phase: tuple[int, int]  # Bayer pattern offset (RGGB shifted)
    chroma_nr: float  # sigma (pixels) of the in-camera chroma blur, 0 = none
    luma_nr: float  # sigma of the in-camera luma blur, 0 = none
    jpeg: int  # JPEG quality, 0 = saved losslessly
    use_tone: bool  # the camera applied the S-curve (most JPEG engines do)
    # Colour mottle: noise that is smooth over ``mottle_scale`` pixels (row/column and fixed-
    # pattern noise, and what a camera's noise reduction leaves of high ISO: the blotches of
    # real ISO 51200 frames), ``mottle`` times the per-pixel noise's standard deviation.
    mottle: float = 0.0
    mottle_scale: float = 8.0

    @staticmethod
    def draw(
        rng: np.random.Generator, max_shot: float = 1.5e-2, mottle: MottleMix = MottleMix()
    ) -> Camera:
        mix = rng.uniform(0.0, 1.0, (3, 3)) * rng.uniform(0.15, 0.6)
        m = np.eye(3) + mix
        m /= m.sum(1, keepdims=True)
        wb = np.array([rng.uniform(1.6, 2.6), 1.0, rng.uniform(1.3, 2.1)], np.float32)
        # Output-referred noise, log-uniform from clean to extreme; read noise follows the
        # shot noise as in the SIDD/ELD fits (log read ~ 2 log shot + c), with scatter.
        log_shot = rng.uniform(np.log(5e-5), np.log(max_shot))
        shot = float(np.exp(log_shot))
        read = float(np.exp(2.0 * log_shot + rng.uniform(0.5, 3.5)))
        read = min(read, 4e-3)
        return Camera(
            rgb2cam=m.astype(np.float32),
            wb=wb,
            darken=float(2.0 ** rng.uniform(-5.5, 0.0)),
            shot=shot,
            read=read,
            phase=(int(rng.integers(2)), int(rng.integers(2))),
            chroma_nr=float(rng.uniform(0.8, 2.5)) if rng.random() < 0.35 else 0.0,
            luma_nr=float(rng.uniform(0.4, 0.9)) if rng.random() < 0.2 else 0.0,
            jpeg=int(rng.integers(70, 97)) if rng.random() < 0.75 else 0,
            use_tone=bool(rng.random() < 0.5),
            # drawn last, so that the draws above stay what they were before mottle
            **_draw_mottle(rng, mottle),
        )


def _draw_mottle(rng: np.random.Generator, mix: MottleMix) -> dict[str, float]:
    if rng.random() >= mix.share:
        return {"mottle": 0.0, "mottle_scale": 8.0}
    return {"mottle": float(rng.uniform(*mix.amp)), "mottle_scale": float(rng.uniform(*mix.scale))}


def smooth_noise(rng: np.random.Generator, h: int, w: int, scale: float) -> np.ndarray:
    """HxWx3 zero-mean noise of about unit standard deviation that is smooth over ``scale``
    pixels: white noise at 1/scale of the size, enlarged bicubically (fast, unlike a wide blur)."""
    sh, sw = max(2, round(h / scale)), max(2, round(w / scale))
    small = rng.standard_normal((sh, sw, 3)).astype(np.float32)
    chans = [
        np.asarray(Image.fromarray(small[..., c], "F").resize((w, h), Image.BICUBIC))
        for c in range(3)
    ]
    field = np.stack(chans, -1)
    return (field / max(float(field.std()), 1e-6)).astype(np.float32)


def mosaic(cam_rgb: np.ndarray, phase: tuple[int, int]) -> np.ndarray:
    """HxWx3 camera RGB -> HxW Bayer (RGGB shifted by ``phase``)."""
    h, w, _ = cam_rgb.shape
    yy, xx = np.mgrid[0:h, 0:w]
    py, px = (yy + phase[0]) % 2, (xx + phase[1]) % 2
    chan = np.where((py == 0) & (px == 0), 0, np.where((py == 1) & (px == 1), 2, 1))
    return np.take_along_axis(cam_rgb, chan[..., None], axis=2)[..., 0]


def _box3(x: np.ndarray) -> np.ndarray:
    """Sum over each pixel's 3x3 neighbourhood (reflect padding)."""
    p = np.pad(x, 1, mode="reflect")
    return (
        p[:-2, :-2] + p[:-2, 1:-1] + p[:-2, 2:]
        + p[1:-1, :-2] + p[1:-1, 1:-1] + p[1:-1, 2:]
        + p[2:, :-2] + p[2:, 1:-1] + p[2:, 2:]
    )


def demosaic_bilinear(bayer: np.ndarray, phase: tuple[int, int]) -> np.ndarray:
    """HxW Bayer -> HxWx3: each channel's samples averaged over the 3x3 neighbourhood
    (bilinear interpolation written as normalised box sums; known samples are kept)."""
    h, w = bayer.shape
    yy, xx = np.mgrid[0:h, 0:w]
    py, px = (yy + phase[0]) % 2, (xx + phase[1]) % 2
    masks = [
        ((py == 0) & (px == 0)),
        ((py + px) % 2 == 1),
        ((py == 1) & (px == 1)),
    ]
    out = np.empty((h, w, 3), np.float32)
    for c, m in enumerate(masks):
        mf = m.astype(np.float32)
        est = _box3(bayer * mf) / np.maximum(_box3(mf), 1e-6)
        out[..., c] = np.where(m, bayer, est)
    return out


def _gauss_blur(x: np.ndarray, sigma: float) -> np.ndarray:
    """Separable Gaussian blur of an HxW or HxWxC array (reflect padding)."""
    r = max(1, int(np.ceil(3 * sigma)))
    k = np.exp(-0.5 * (np.arange(-r, r + 1) / sigma) ** 2).astype(np.float32)
    k /= k.sum()
    pad = [(r, r), (0, 0)] + [(0, 0)] * (x.ndim - 2)
    p = np.pad(x, pad, mode="reflect")
    x = sum(k[i] * p[i : i + x.shape[0]] for i in range(2 * r + 1))
    pad = [(0, 0), (r, r)] + [(0, 0)] * (x.ndim - 2)
    p = np.pad(x, pad, mode="reflect")
    return sum(k[i] * p[:, i : i + x.shape[1]] for i in range(2 * r + 1)).astype(np.float32)


_RGB2YCC = np.array(
    [[0.299, 0.587, 0.114], [-0.168736, -0.331264, 0.5], [0.5, -0.418688, -0.081312]], np.float32
)
_YCC2RGB = np.linalg.inv(_RGB2YCC).astype(np.float32)


def camera_nr(rgb: np.ndarray, chroma: float, luma: float) -> np.ndarray:
    """A camera's light noise reduction: blur the colour (and a little of the luma)."""
    ycc = rgb @ _RGB2YCC.T
    if chroma > 0:
        ycc[..., 1:] = _gauss_blur(ycc[..., 1:], chroma)
    if luma > 0:
        ycc[..., 0] = _gauss_blur(ycc[..., 0], luma)
    return ycc @ _YCC2RGB.T


def jpeg_roundtrip(rgb8: np.ndarray, quality: int) -> np.ndarray:
    buf = io.BytesIO()
    Image.fromarray(rgb8).save(buf, "JPEG", quality=quality)
    buf.seek(0)
    with Image.open(buf) as im:
        return np.asarray(im.convert("RGB"))


def unprocess(srgb: np.ndarray, cam: Camera) -> np.ndarray:
    """Clean sRGB (HxWx3, 0..1) -> linear camera RGB before white balance."""
    lin = srgb_to_linear(srgb)
    if cam.use_tone:
        # our sRGB curve stands in for the camera's gamma; the S-curve is undone in that space
        lin = srgb_to_linear(untone(linear_to_srgb(lin)))
    cam_rgb = lin @ cam.rgb2cam.T
    return cam_rgb / cam.wb


def process(cam_rgb: np.ndarray, cam: Camera) -> np.ndarray:
    """Linear camera RGB before white balance -> sRGB 0..1 (float, not yet quantised)."""
    lin = np.clip(cam_rgb * cam.wb, 0.0, 1.0) @ np.linalg.inv(cam.rgb2cam).T.astype(np.float32)
    out = linear_to_srgb(np.clip(lin, 0.0, 1.0))
    if cam.use_tone:
        out = tone(out)
    return out


def synthesize(rng: np.random.Generator, srgb: np.ndarray, cam: Camera | None = None) -> np.ndarray:
    """A dark, noisy camera shot of the clean sRGB photo ``srgb`` (HxWx3 float 0..1, H, W even
    or odd), as the 8-bit photo a camera would save (returned as float32 0..1)."""
    cam = cam or Camera.draw(rng)
    raw = unprocess(srgb.astype(np.float32), cam) * cam.darken
    bayer = mosaic(raw, cam.phase)
    # Noise on the dark raw, referred to the output: var_out = shot * s_out + read with
    # s_out = s_raw / darken, so var_raw = shot * darken * s_raw + read * darken**2.
    var = cam.shot * cam.darken * np.maximum(bayer, 0.0) + cam.read * cam.darken**2
    bayer = bayer + rng.standard_normal(bayer.shape).astype(np.float32) * np.sqrt(var)
    if cam.mottle:
        field = mosaic(smooth_noise(rng, *bayer.shape, cam.mottle_scale), cam.phase)
        bayer = bayer + field * (cam.mottle * np.sqrt(var))
    rgb = process(demosaic_bilinear(bayer.astype(np.float32), cam.phase), cam)
    if cam.chroma_nr or cam.luma_nr:
        rgb = camera_nr(rgb, cam.chroma_nr, cam.luma_nr)
    rgb8 = np.clip(np.rint(rgb * 255), 0, 255).astype(np.uint8)
    if cam.jpeg:
        rgb8 = jpeg_roundtrip(rgb8, cam.jpeg)
    return rgb8.astype(np.float32) / 255


def upscale(rgb: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Bicubic resize of an HxWx3 float image to (width, height): a LOL crop seen at camera
    resolution, where detail spans several pixels and noise stays at one."""
    chans = [
        np.asarray(Image.fromarray(rgb[..., c].astype(np.float32), "F").resize(size, Image.BICUBIC))
        for c in range(3)
    ]
    return np.clip(np.stack(chans, -1), 0.0, 1.0).astype(np.float32)


# Night skies and lamps for the local tone (model v4): what a camera's clean night photo holds
# that LOL does not. A photographer keeps a night sky dark (burst-merged, finished night shots
# keep their skies at a median luma of 0.05-0.13) and a lamp a clipped disc without a halo.
SKY_HUES = (
    (0.55, 0.75, 1.45),  # navy
    (0.95, 0.60, 1.35),  # purple
    (0.55, 0.95, 1.15),  # teal dusk
    (1.15, 0.95, 0.75),  # city glow, orange-brown
)
LAMP_COLOURS = ((1.0, 1.0, 1.0), (1.0, 0.78, 0.42), (0.92, 0.97, 1.0))  # white, sodium, LED


def night_sky(rng: np.random.Generator, clean: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``clean`` (HxWx3, 0..1) with a dark night sky over its top part above a skyline of
    blocks, and the sky's mask (HxWx1, 1 in the sky): luma 0.02-0.12 halfway up, one of
    ``SKY_HUES``, brighter towards the horizon, sometimes with stars."""
    h, w = clean.shape[:2]
    horizon = rng.uniform(0.2, 0.6) * h
    edges = np.sort(rng.integers(0, w, int(rng.integers(2, 8))))
    heights = horizon + rng.uniform(-0.15, 0.15, len(edges) + 1) * h
    line = heights[np.searchsorted(edges, np.arange(w), side="right")]
    rows = np.arange(h, dtype=np.float32)[:, None]
    mask = (rows < line[None, :]).astype(np.float32)[..., None]
    level = float(np.exp(rng.uniform(np.log(0.02), np.log(0.12))))
    hue = np.asarray(SKY_HUES[int(rng.integers(len(SKY_HUES)))], np.float32)
    hue = hue / float(hue @ np.float32([0.299, 0.587, 0.114]))
    rise = rng.uniform(0.0, 1.2)  # brighter toward the horizon, ``level`` halfway up the sky
    glow = (1.0 + rise * (rows / max(horizon, 1.0))[..., None]) / (1.0 + 0.5 * rise)
    sky = np.clip(np.broadcast_to(level * glow * hue, (h, w, 3)), 0.0, 1.0).astype(np.float32)
    if rng.random() < 0.3:  # stars: single pixels
        n = int(rng.integers(3, 30))
        ys, xs = rng.integers(0, h, n), rng.integers(0, w, n)
        sky[ys, xs] = np.float32(rng.uniform(0.3, 0.9, (n, 1)))
    return (clean * (1.0 - mask) + sky * mask).astype(np.float32), mask


def lamps(rng: np.random.Generator, shape: tuple[int, int], count: int) -> tuple[np.ndarray, np.ndarray]:
    """``count`` lamps as (colour HxWx3, coverage HxWx1): discs of radius 1-8 px, clipped
    (each channel of the brightest at 1), their edge anti-aliased over one pixel, no halo."""
    h, w = shape
    colour = np.zeros((h, w, 3), np.float32)
    cover = np.zeros((h, w, 1), np.float32)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    for _ in range(count):
        cy, cx, r = rng.uniform(0, h), rng.uniform(0, w), rng.uniform(1.0, 8.0)
        a = np.clip(r + 0.5 - np.hypot(yy - cy, xx - cx), 0.0, 1.0)[..., None]
        rgb = np.asarray(LAMP_COLOURS[int(rng.integers(len(LAMP_COLOURS)))], np.float32)
        colour = colour * (1 - a) + rgb * a
        cover = np.maximum(cover, a)
    return colour, cover
