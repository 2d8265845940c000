"""Every setting declared in ``core/settings.py`` reaches the CLI (enhance and eval, with its
help), survives a preset round trip and is in the output's XMP record: a new setting is one
declaration, and this test walks them all. (The window's side is in tests/qt.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from lowlight_gui import cli
from lowlight_gui.core.imageio import read_photo
from lowlight_gui.core.presets import load_preset, save_preset
from lowlight_gui.core.settings import DEFAULTS, SPECS, Settings, Spec
from lowlight_gui.core.xmp_record import read_record
from tests.conftest import write_image


def other_value(spec: Spec) -> float | None:
    """A value of ``spec`` that is not its default (Auto's is a number), half way to an end
    (not an end: strength 0 or -2 EV would leave the test photo as it is)."""
    if spec.default is None:
        return (spec.lo + spec.hi) / 4
    if spec.default < spec.hi:
        return spec.default + (spec.hi - spec.default) / 2
    return (spec.lo + spec.default) / 2


CHANGED = Settings(**{spec.key: other_value(spec) for spec in SPECS})


def test_every_setting_differs_from_its_default_in_the_walk():
    assert set(CHANGED.changed()) == {spec.key for spec in SPECS}


@pytest.mark.parametrize("command", ["enhance", "eval"])
def test_every_setting_is_an_option_with_the_declared_help(command, capsys):
    parser = cli.build_parser()
    with pytest.raises(SystemExit):
        parser.parse_args([command, "--help"])
    text = " ".join(capsys.readouterr().out.split())
    for spec in SPECS:
        assert spec.flag in text, spec.flag
        assert " ".join(spec.help.split()) in text, spec.key


@pytest.mark.parametrize("command", [["enhance", "x.jpg"], ["eval", "low", "high"]])
def test_every_setting_given_on_the_command_line_is_taken(command):
    argv = list(command)
    for spec in SPECS:
        argv += [spec.flag, cli._cli_value(other_value(spec))]
    args = cli.build_parser().parse_args(argv)
    assert cli.settings_from_args(args) == CHANGED
    assert cli.settings_from_args(cli.build_parser().parse_args(command)) == DEFAULTS


def test_every_setting_survives_a_preset(tmp_path, monkeypatch):
    monkeypatch.setenv("LOWLIGHT_CONFIG_DIR", str(tmp_path))
    save_preset("walk", CHANGED)
    assert load_preset("walk").settings == CHANGED


def test_every_setting_given_to_the_cli_is_in_the_outputs_record(tmp_path, base_model, capsys):
    photo = write_image(tmp_path / "in" / "a.png", h=40, w=56)
    argv = ["enhance", photo, "-o", tmp_path / "out", "--model", base_model, "--threads", "1"]
    for spec in SPECS:
        argv += [spec.flag, cli._cli_value(other_value(spec))]
    assert cli.main([str(a) for a in argv]) == 0, capsys.readouterr().err
    record = read_record(read_photo(tmp_path / "out" / "a_enhanced.png").xmp)
    for spec in SPECS:
        assert record[spec.key] == cli._cli_value(getattr(CHANGED, spec.key)), spec.key


@pytest.mark.parametrize("key", ["denoise", "colour_noise"])
def test_a_setting_is_not_threaded_through_the_package_by_hand(key):
    """Settings flow as data (issue 29: ``denoise`` was named in 15 files): a setting's own name
    appears only where it is declared and where its effect is computed, not in every layer that
    passes it on. (The other keys are ordinary words, "exposure" and "strength" among them.)"""
    package = Path(cli.__file__).parent
    files = sorted(
        str(path.relative_to(package))
        for path in package.rglob("*.py")
        if key in path.read_text(encoding="utf-8")
    )
    assert len(files) <= 8, files
