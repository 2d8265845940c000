"""Presets (core/presets.py): JSON files in the config folder, checked names, atomic writes, bad
files refused by name."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from lowlight_gui.core import presets
from lowlight_gui.core.errors import LowlightError
from lowlight_gui.core.presets import (
    delete_preset,
    list_presets,
    load_preset,
    rename_preset,
    save_preset,
)
from lowlight_gui.core.settings import DEFAULTS, SPECS, Settings

LOOK = Settings(exposure=0.7, shadows=None, denoise=0.4, colour_noise=0.3, strength=0.9)


@pytest.fixture(autouse=True)
def config(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("LOWLIGHT_CONFIG_DIR", str(tmp_path / "cfg"))
    return tmp_path / "cfg"


def test_save_list_load_round_trip(config):
    assert list_presets() == []
    path = save_preset(" Night street ", LOOK)
    assert path == config / "presets" / "Night street.json"
    body = json.loads(path.read_text(encoding="utf-8"))
    assert body == {
        "format": "lowlight-preset",
        "version": 1,
        "name": "Night street",
        "settings": {spec.key: getattr(LOOK, spec.key) for spec in SPECS},
    }
    save_preset("flat", Settings(shadows=0.0))
    assert [(p.name, p.settings) for p in list_presets()] == [
        ("flat", Settings(shadows=0.0)),
        ("Night street", LOOK),
    ]
    assert load_preset("Night street").settings == LOOK
    assert load_preset(path).settings == LOOK  # a file too
    assert load_preset(str(path)).settings == LOOK
    assert sorted(os.listdir(config / "presets")) == ["Night street.json", "flat.json"]  # no temps


def test_every_setting_survives_a_preset(config):
    for spec in SPECS:
        value = None if spec.default is None else (spec.lo + spec.hi) / 2
        if value == spec.default:
            value = spec.lo
        settings = DEFAULTS.replace(**{spec.key: value})
        save_preset(spec.key, settings)
        assert load_preset(spec.key).settings == settings, spec.key


def test_a_hand_written_file_may_leave_keys_out_and_say_auto(tmp_path):
    path = tmp_path / "mine.json"
    path.write_text(
        '{"format": "lowlight-preset", "version": 1, "settings": '
        '{"exposure": "1.5", "shadows": "auto", "denoise": 0.25}}'
    )
    assert load_preset(path).settings == Settings(exposure=1.5, denoise=0.25)
    assert load_preset(path).name == "mine"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{not json", "not valid JSON"),
        ('{"version": 1, "settings": {}}', "not a Lowlight preset"),
        ('{"format": "lowlight-preset", "version": 7, "settings": {}}', "newer Lowlight"),
        ('{"format": "lowlight-preset", "settings": {}}', "no valid version"),
        ('{"format": "lowlight-preset", "version": 1, "settings": [1]}', '"settings" must'),
        (
            '{"format": "lowlight-preset", "version": 1, "settings": {"brightness": 1}}',
            "unknown setting 'brightness'",
        ),
        (
            '{"format": "lowlight-preset", "version": 1, "settings": {"exposure": 9}}',
            "exposure must be between -2 and +2 EV, got 9",
        ),
        (
            '{"format": "lowlight-preset", "version": 1, "settings": {"denoise": "lots"}}',
            "--denoise: not a number",
        ),
    ],
)
def test_bad_files_are_refused_naming_the_file_and_the_problem(tmp_path, text, expected):
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(LowlightError) as info:
        load_preset(path)
    assert expected in str(info.value) and str(path) in str(info.value)


def test_a_broken_file_does_not_hide_the_others(config):
    save_preset("good", LOOK)
    (config / "presets" / "broken.json").write_text("{")
    assert [p.name for p in list_presets()] == ["good"]


def test_missing_presets_are_named(config):
    save_preset("good", LOOK)
    with pytest.raises(LowlightError, match=r"no preset named 'gone'.*presets: good"):
        load_preset("gone")
    with pytest.raises(LowlightError, match="does not exist"):
        load_preset(config / "elsewhere.json")


@pytest.mark.parametrize(
    "name",
    [
        "",
        "   ",
        "a/b",
        "a\\b",
        "a:b",
        "what?",
        "..",
        ".hidden",
        "end.",
        "CON",
        "lpt1.x",
        "tab\there",
        "x" * 81,
    ],
)
def test_names_that_are_not_safe_file_names_are_refused(name):
    with pytest.raises(LowlightError, match="name"):
        save_preset(name, LOOK)
    assert list_presets() == []


def test_rename_and_delete(config):
    save_preset("a", LOOK)
    save_preset("b", DEFAULTS)
    with pytest.raises(LowlightError, match="'b' exists already"):
        rename_preset("a", "b")
    path = rename_preset("a", "Dusk")
    assert path.name == "Dusk.json" and not (config / "presets" / "a.json").exists()
    assert load_preset("Dusk").settings == LOOK
    assert json.loads(path.read_text())["name"] == "Dusk"
    assert rename_preset("Dusk", "DUSK").name == "DUSK.json"  # only the case
    assert [p.name for p in list_presets()] == ["b", "DUSK"]
    delete_preset("DUSK")
    assert [p.name for p in list_presets()] == ["b"]
    with pytest.raises(LowlightError, match="no preset named 'DUSK'"):
        delete_preset("DUSK")
    with pytest.raises(LowlightError, match="no preset named 'nope'"):
        rename_preset("nope", "x")
    with pytest.raises(LowlightError, match="exists already"):
        save_preset("b", LOOK, replace=False)


def test_a_failed_write_keeps_the_old_preset_and_leaves_no_temp(config, monkeypatch):
    save_preset("keep", LOOK)

    def fail(*_args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(presets.os, "replace", fail)
    with pytest.raises(LowlightError, match="cannot save the preset 'keep': No space left"):
        save_preset("keep", DEFAULTS)
    assert load_preset("keep").settings == LOOK
    assert os.listdir(config / "presets") == ["keep.json"]


@pytest.mark.parametrize(
    ("platform", "env", "expected"),
    [
        ("linux", {"XDG_CONFIG_HOME": "/x/cfg"}, "/x/cfg/Lowlight/presets"),
        ("linux", {}, "~/.config/Lowlight/presets"),
        ("darwin", {}, "~/Library/Application Support/Lowlight/presets"),
        ("win32", {"APPDATA": "/w/Roaming"}, "/w/Roaming/Lowlight/presets"),
    ],
)
def test_the_config_folder_of_each_platform(monkeypatch, platform, env, expected):
    monkeypatch.delenv("LOWLIGHT_CONFIG_DIR")
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    monkeypatch.delenv("APPDATA", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr(presets.sys, "platform", platform)
    assert presets.presets_dir() == Path(expected).expanduser()
