"""The settings declaration: one entry per setting, checked values, round trips."""

from __future__ import annotations

import math

import pytest

from lowlight_gui.core.errors import LowlightError
from lowlight_gui.core.settings import DEFAULTS, SPECS, SPECS_BY_KEY, Settings


def test_every_field_is_declared_once_with_a_flag_and_a_default_in_range():
    keys = [spec.key for spec in SPECS]
    assert len(keys) == len(set(keys)) >= 5
    for spec in SPECS:
        assert spec.flag == "--" + spec.key.replace("_", "-")
        assert spec.label and spec.help
        assert spec.check(spec.default) == spec.default
        assert getattr(DEFAULTS, spec.key) == spec.default


@pytest.mark.parametrize(
    "values",
    [{"exposure": 2.5}, {"denoise": -0.1}, {"colour_noise": math.nan}, {"strength": math.inf},
     {"exposure": None}, {"exposure": "bright"}, {"denoise": True}, {"shadows": 2.01}],
)
def test_bad_values_are_refused_naming_the_setting(values):
    key = next(iter(values))
    with pytest.raises(LowlightError, match=key):
        Settings.from_dict(values)
    with pytest.raises(LowlightError):
        Settings(**values)


def test_unknown_keys_are_refused_by_name():
    with pytest.raises(LowlightError, match="'brightness'"):
        Settings.from_dict({"brightness": 1})
    with pytest.raises(LowlightError, match="brightness"):
        DEFAULTS.replace(brightness=1)


def test_round_trip_and_strings_parse_as_the_cli_does():
    s = Settings(exposure=1.1, shadows=0.5, denoise=0.5, colour_noise=0.4, strength=0.8)
    assert Settings.from_dict(s.to_dict()) == s
    assert Settings.from_dict({"shadows": "auto", "exposure": "-1.5"}) == Settings(exposure=-1.5)
    assert s.changed() == ("exposure", "shadows", "denoise", "colour_noise", "strength")
    assert DEFAULTS.is_default and not s.is_default


def test_row_labels_name_what_differs_from_the_defaults():
    assert DEFAULTS.row_labels() == ()
    labels = Settings(exposure=1.0, denoise=0.5, colour_noise=0.4).row_labels()
    assert labels == ("+1.0 EV", "NR 50 %", "Colour NR 40 %")
    assert SPECS_BY_KEY["shadows"].format(None) == "Auto"
