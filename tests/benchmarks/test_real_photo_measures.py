"""The measures of benchmarks/real_photos.py, on photos whose answer is known: a measure that
cannot tell a cleaned photo from a noisy one would let a model's figures say anything."""

from __future__ import annotations

import numpy as np

from tests.benchmark_scripts import load_benchmark


def _blotches(rng: np.random.Generator, h: int, w: int, scale: int) -> np.ndarray:
    """Zero-mean colour blotches about ``scale`` pixels wide, unit standard deviation."""
    small = rng.standard_normal((h // scale + 2, w // scale + 2, 3))
    field = np.kron(small, np.ones((scale, scale, 1)))[:h, :w]
    return (field - field.mean()) / field.std()


def test_colour_mottle_is_measured_against_a_plain_gain():
    m = load_benchmark("real_photos")
    rng = np.random.default_rng(0)
    h, w = 1024, 1536  # 1.6 MP: 384 blocks of 64 px
    clean = np.full((h, w, 3), 0.3, np.float32) * np.array([0.8, 1.0, 1.3], np.float32)
    photo = np.clip((clean + 0.04 * _blotches(rng, h, w, 24)) / 4, 0, 1).astype(np.float32)
    # left alone (a plain gain): all the mottle is left
    assert abs(m.mottle_ratio(photo, np.clip(photo * 4, 0, 1)) - 1.0) < 0.02
    # cleaned to the flat colour: none of it; half of it: about half
    assert m.mottle_ratio(photo, clean) < 0.05
    half = np.clip((clean + np.clip(photo * 4, 0, 1)) / 2, 0, 1)
    assert 0.4 < m.mottle_ratio(photo, half) < 0.6
    # fine grain only (no blotches) barely counts: the measure is for low frequencies
    grain = np.clip(clean + 0.04 * rng.standard_normal(clean.shape), 0, 1).astype(np.float32)
    assert m.mottle_ratio(photo, grain) < 0.15


def test_colour_kept_is_the_results_saturation_against_a_plain_gains():
    """A plain gain keeps the photo's colours (1.0); a result mixed halfway to its own grey
    reads about 0.5; colour noise that box smoothing removes does not count as colour; a
    per-channel lifting curve greys the colours it lifts (below 1), scaling all three channels
    alike does not."""
    m = load_benchmark("real_photos")
    rng = np.random.default_rng(1)
    h, w = 240, 320
    colours = rng.uniform(0.2, 1.0, (h // 40, w // 40, 3))
    scene = np.kron(colours, np.ones((40, 40, 1))).astype(np.float32) * 0.8  # flat patches
    photo = scene / 5
    assert abs(m.saturation_ratio(photo, scene) - 1.0) < 0.01
    grey = scene @ m.LUMA
    half = (scene + grey[..., None]) / 2
    assert 0.4 < m.saturation_ratio(photo, half) < 0.65
    noisy = np.clip(scene + 0.05 * rng.standard_normal(scene.shape), 0, 1).astype(np.float32)
    assert abs(m.saturation_ratio(photo, noisy) - 1.0) < 0.05
    lift = 2.0
    per_channel = scene * (1 + lift) / (1 + lift * scene) * 0.7
    alike = scene * (1 + lift) / (1 + lift * scene.max(-1, keepdims=True)) * 0.7
    assert m.saturation_ratio(photo, per_channel) < 0.85
    assert abs(m.saturation_ratio(photo, alike) - 1.0) < 0.01
