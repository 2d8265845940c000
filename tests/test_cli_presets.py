"""``lowlight enhance --preset NAME|FILE.json``: the same pixels as the same flags, flags given
override it whatever their order, a bad preset refused before any photo is read."""

from __future__ import annotations

import json

import numpy as np
import pytest

from lowlight_gui import cli
from lowlight_gui.core import imageio
from lowlight_gui.core.imageio import read_photo
from lowlight_gui.core.presets import save_preset
from lowlight_gui.core.settings import Settings
from tests.conftest import write_image


@pytest.fixture
def photo(tmp_path):
    return write_image(tmp_path / "in" / "dark.png", h=60, w=90, seed=5)


@pytest.fixture(autouse=True)
def config(tmp_path, monkeypatch):
    monkeypatch.setenv("LOWLIGHT_CONFIG_DIR", str(tmp_path / "cfg"))
    return tmp_path / "cfg"


def enhance(capsys, photo, out, model, *flags) -> tuple[int, str]:
    argv = ["enhance", photo, "-o", out, "--model", model, "--threads", "1", "--format", "png"]
    code = cli.main([str(a) for a in [*argv, *flags]])
    return code, capsys.readouterr().err


def pixels(folder) -> np.ndarray:
    [path] = folder.glob("*_enhanced.png")
    return read_photo(path).data


def preset_file(path, **values) -> str:
    path.write_text(json.dumps({"format": "lowlight-preset", "version": 1, "settings": values}))
    return str(path)


def test_a_preset_file_gives_the_same_pixels_as_the_same_flags(photo, base_model, tmp_path, capsys):
    look = {"exposure": 0.6, "denoise": 0.3, "colour_noise": 0.5, "strength": 0.8}
    flags = ["--exposure", "0.6", "--denoise", "0.3", "--colour-noise", "0.5", "--strength", "0.8"]
    assert enhance(capsys, photo, tmp_path / "flags", base_model, *flags)[0] == 0
    file = preset_file(tmp_path / "look.json", **look)
    assert enhance(capsys, photo, tmp_path / "file", base_model, "--preset", file)[0] == 0
    save_preset("Look", Settings(**look))
    assert enhance(capsys, photo, tmp_path / "name", base_model, "--preset", "Look")[0] == 0
    assert enhance(capsys, photo, tmp_path / "plain", base_model)[0] == 0
    expected = pixels(tmp_path / "flags")
    np.testing.assert_array_equal(pixels(tmp_path / "file"), expected)
    np.testing.assert_array_equal(pixels(tmp_path / "name"), expected)
    assert not np.array_equal(pixels(tmp_path / "plain"), expected)


@pytest.mark.parametrize("flag_first", [True, False])
def test_a_flag_overrides_the_preset_whatever_its_place(
    photo, base_model, tmp_path, capsys, flag_first
):
    file = preset_file(tmp_path / "look.json", exposure=1.5, denoise=0.2)
    both = ["--exposure", "-0.5", "--preset", file]
    if not flag_first:
        both = both[2:] + both[:2]
    assert enhance(capsys, photo, tmp_path / "both", base_model, *both)[0] == 0
    flags = ["--exposure", "-0.5", "--denoise", "0.2"]
    assert enhance(capsys, photo, tmp_path / "flags", base_model, *flags)[0] == 0
    np.testing.assert_array_equal(pixels(tmp_path / "both"), pixels(tmp_path / "flags"))


def test_shadows_auto_on_the_command_line_overrides_a_presets_lift(tmp_path):
    file = preset_file(tmp_path / "lift.json", shadows=1.5)
    parser = cli.build_parser()
    args = parser.parse_args(["enhance", "x.jpg", "--shadows", "auto", "--preset", file])
    assert cli.settings_from_args(args).shadows is None
    args = parser.parse_args(["enhance", "x.jpg", "--preset", file])
    assert cli.settings_from_args(args).shadows == 1.5


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (
            '{"format": "lowlight-preset", "version": 1, "settings": {"brightnes": 1}}',
            "unknown setting 'brightnes'",
        ),
        (
            '{"format": "lowlight-preset", "version": 1, "settings": {"denoise": 3}}',
            "noise reduction (denoise) must be between 0 and 1, got 3",
        ),
        ("[1, 2", "not valid JSON"),
        (None, "does not exist"),
    ],
)
def test_a_bad_preset_is_refused_before_any_photo_is_read(
    photo, tiny_model, tmp_path, capsys, monkeypatch, content, expected
):
    def no_reading(*_args, **_kwargs):
        raise AssertionError("a photo was read")

    monkeypatch.setattr(imageio, "read_photo", no_reading)
    path = tmp_path / "bad.json"
    if content is not None:
        path.write_text(content)
    code, err = enhance(capsys, photo, tmp_path / "out", tiny_model, "--preset", path)
    assert code == 2
    assert err.count("lowlight: ") == 1 and expected in err and str(path) in err
    assert not (tmp_path / "out").exists()


def test_an_unknown_preset_name_is_refused_naming_the_saved_ones(
    photo, tiny_model, tmp_path, capsys
):
    save_preset("Dusk", Settings(exposure=0.5))
    code, err = enhance(capsys, photo, tmp_path / "out", tiny_model, "--preset", "Dawn")
    assert code == 2 and "no preset named 'Dawn'" in err and "presets: Dusk" in err
    assert not (tmp_path / "out").exists()


def test_eval_takes_a_preset_too(tmp_path):
    file = preset_file(tmp_path / "look.json", exposure=0.4, colour_noise=0.2)
    args = cli.build_parser().parse_args(
        ["eval", "low", "high", "--preset", file, "--colour-noise", "0"]
    )
    assert cli.settings_from_args(args) == Settings(exposure=0.4)
