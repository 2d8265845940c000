"""Highlight-priority exposure (``enhance.conditioning`` with ``GainModel.clip`` < 1): a model
that would blow a sky or a lit wall gets a lower exposure, a quarter stop at a time, at most one
stop; a photo it clips even at gain 1 is left as it is."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from lowlight_gui.core.brightness import GainModel
from lowlight_gui.core.enhance import conditioning, enhance_pixels, unchanged_reason


@dataclass
class HeadEngine:
    """An exposure-head engine in plain numpy: gain 2**(stops + EV) (at least 1), and a result
    that is the photo times the gain plus ``push`` (what a network adds to bright areas)."""

    stops: float = 1.0
    push: float = 0.0
    clip: float = 0.02
    factor: int = 4
    overlap: int = 4
    has_exposure_head: bool = True
    has_gain_input: bool = False
    thumb_side: int = 32

    @property
    def gain_model(self) -> GainModel:
        return GainModel(full=1.0, clip=self.clip)

    def condition(self, thumb, exposure=0.0, *, cancel=None):
        return np.array([max(0.0, (self.stops + exposure) * np.log(2.0))], np.float32)

    def run(self, batch, gain=None, *, thumb=None, exposure=0.0, cancel=None, denoise=1.0):
        g = np.exp(self.condition(thumb, exposure)[0])
        return np.clip(batch * g + self.push * (batch > 0.5), 0, 1).astype(np.float32)


def sky_photo(sky: float = 0.6, dark: float = 0.05) -> np.ndarray:
    img = np.full((64, 96, 3), dark, np.float32)
    img[:20] = sky  # a third of the frame: the sky
    return img


def test_a_sky_the_model_would_blow_lowers_the_exposure_until_it_holds():
    engine = HeadEngine(stops=1.0)  # x2: the 0.6 sky would go to 1.2
    c = conditioning(sky_photo(), engine)
    # 2**(1 - 0.25) * 0.6 = 1.01 still clips; 2**(1 - 0.5) * 0.6 = 0.85 does not
    assert c.exposure == pytest.approx(-0.5) and c.weight == 1.0
    assert c.gain == pytest.approx(2**0.5, rel=1e-5)
    out = enhance_pixels(sky_photo(), engine, tile=0)
    assert out[:20].max() < 0.9 and out[30:].mean() > 0.05  # sky kept, shadows still lifted


def test_off_by_default_and_for_photos_without_highlights():
    c = conditioning(sky_photo(), HeadEngine(stops=1.0, clip=1.0))  # the default: off
    assert c.exposure == 0.0 and c.gain == pytest.approx(2.0)
    dark = sky_photo(sky=0.2)  # x2 = 0.4: nothing to protect
    assert conditioning(dark, HeadEngine(stops=1.0)).exposure == 0.0
    # the person's own EV is the starting point
    assert conditioning(dark, HeadEngine(stops=1.0), exposure=1.0).exposure == 1.0


def test_never_more_than_one_stop_down():
    c = conditioning(sky_photo(sky=0.99), HeadEngine(stops=2.0))  # x4: clips at every step
    assert c.exposure == pytest.approx(-1.0) and c.weight == 1.0


def test_a_photo_the_model_clips_even_at_gain_1_is_left_as_it_is():
    wall = sky_photo(sky=0.96, dark=0.4)  # a bright wall the network pushes to white
    engine = HeadEngine(stops=0.0, push=0.06)
    c = conditioning(wall, engine)
    assert c.weight == 0.0
    assert unchanged_reason(wall, engine) == "already well exposed: left unchanged"
    np.testing.assert_array_equal(enhance_pixels(wall, engine, tile=0), wall)


def test_the_batch_decides_each_photo_once(tmp_path, monkeypatch):
    """The highlight check runs the model on a probe: the batch computes a photo's conditioning
    once and hands it to both the unchanged check and the enhancement."""
    from lowlight_gui.core import enhance as enhance_mod
    from lowlight_gui.core import pipeline as pipeline_mod
    from lowlight_gui.core.batch import BatchOptions, collect_jobs, run_batch
    from tests.conftest import write_image

    calls = {"batch": 0, "again": 0}
    real = enhance_mod.conditioning

    def counted(key):
        def wrapper(*args, **kwargs):
            calls[key] += 1
            return real(*args, **kwargs)
        return wrapper

    monkeypatch.setattr(pipeline_mod, "conditioning", counted("batch"))
    monkeypatch.setattr(enhance_mod, "conditioning", counted("again"))
    write_image(tmp_path / "a.png", h=40, w=48)
    opts = BatchOptions(tile=0)
    result = run_batch(collect_jobs([tmp_path / "a.png"], opts), HeadEngine(stops=1.0), opts)
    assert len(result.done) == 1 and not result.failed
    assert calls == {"batch": 1, "again": 0}
