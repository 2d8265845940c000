"""The measures issue 31 added to the benchmarks: the periodic-pattern ratio of
benchmarks/grid_texture.py and the sky / lower-half medians of benchmarks/real_photos.py."""

from __future__ import annotations

import numpy as np

from tests.benchmark_scripts import load_benchmark


def test_a_pattern_repeating_every_4_rows_stands_out_and_noise_does_not():
    grid = load_benchmark("grid_texture")
    rng = np.random.default_rng(0)
    noise = rng.normal(0.1, 0.02, (512, 768)).astype(np.float32)
    plain = grid.peak_ratios(noise)
    assert all(0.2 < v < 5 for v in plain.values()), plain
    rows = np.arange(512)[:, None]
    patterned = noise + 0.004 * np.cos(2 * np.pi * rows / 4)  # a fifth of the noise
    r = grid.peak_ratios(patterned)
    assert r["4y"] > 20 * max(plain["4y"], 1.0)
    assert r["4x"] < 5 and r["8y"] < 5 and r["2y"] < 5
    blocks = noise + 0.004 * (np.arange(768)[None, :] % 2)  # a 2-px column pattern
    assert grid.peak_ratios(blocks)["2x"] > 20


def test_band_medians_read_the_top_fifth_and_the_lower_half_inside_the_mask():
    rp = load_benchmark("real_photos")
    lr = np.zeros((100, 50), np.float32)
    lr[:20] = 0.1  # the sky
    lr[20:50] = 0.5
    lr[50:] = 0.3  # the ground
    got = rp.band_medians(lr, None)
    assert np.isclose(got["sky_median"], 0.1) and np.isclose(got["lower_median"], 0.3)
    mask = np.zeros((100, 50), bool)
    mask[:, :10] = True
    lr[:20, 10:] = 0.9  # outside the mask: not counted
    assert np.isclose(rp.band_medians(lr, mask)["sky_median"], 0.1)
