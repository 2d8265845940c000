from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from lowlight_gui import __version__, cli
from tests.conftest import ROOT, refuse_creates_in, write_image


@pytest.fixture
def folder(tmp_path):
    write_image(tmp_path / "in" / "a.jpg", seed=1)
    write_image(tmp_path / "in" / "b.png", seed=2)
    write_image(tmp_path / "in" / "sub" / "c.jpg", seed=3)
    return tmp_path / "in"


def run(capsys, *argv):
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_enhance_folder(folder, tiny_model, capsys):
    code, out, err = run(capsys, "enhance", folder, "--model", tiny_model, "--threads", "1",
                         "--tile", "128", "-r")
    assert code == 0, err
    assert "3 done, 0 skipped, 0 failed" in out
    assert (folder / "enhanced" / "a_enhanced.jpg").is_file()
    assert (folder / "enhanced" / "b_enhanced.png").is_file()
    assert (folder / "enhanced" / "sub" / "c_enhanced.jpg").is_file()
    # a re-run resumes: everything is skipped
    code, out, _ = run(capsys, "enhance", folder, "--model", tiny_model, "--threads", "1", "-r")
    assert code == 0 and "0 done, 3 skipped, 0 failed" in out


def test_enhance_options(folder, tiny_model, tmp_path, capsys):
    out_dir = tmp_path / "out"
    code, _, err = run(capsys, "enhance", folder / "a.jpg", "-o", out_dir, "--model", tiny_model,
                         "--format", "png", "--strength", "0.5", "--tile", "0", "--provider", "cpu",
                         "--threads", "1")
    assert code == 0, err
    assert (out_dir / "a_enhanced.png").is_file()


def test_enhance_exposure_reaches_the_core(folder, tiny_model, monkeypatch, capsys):
    from lowlight_gui.core import batch as batch_mod

    seen: list[float] = []
    real = batch_mod.develop

    def recording(data, engine, plan, **kwargs):
        seen.append(plan.settings.exposure)
        return real(data, engine, plan, **kwargs)

    monkeypatch.setattr(batch_mod, "develop", recording)
    code, out, err = run(capsys, "enhance", folder / "a.jpg", "--model", tiny_model,
                         "--threads", "1", "--exposure", "1")
    assert code == 0, err
    assert seen == [1.0] and "1 done" in out


@pytest.mark.parametrize("value", ["5", "-2.5", "nan", "bright"])
def test_enhance_exposure_out_of_range_is_a_usage_error(value, folder, capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["enhance", str(folder), f"--exposure={value}"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "--exposure" in err
    assert ("not a number" if value == "bright" else "between -2 and +2 EV") in err
    assert not (folder / "enhanced").exists()


@pytest.mark.parametrize("flag", ["--denoise", "--colour-noise"])
@pytest.mark.parametrize("value", ["1.5", "-0.1", "nan", "lots"])
def test_enhance_amount_out_of_range_is_a_usage_error(flag, value, folder, capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["enhance", str(folder), f"{flag}={value}"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert flag in err
    assert ("not a number" if value == "lots" else "between 0 and 1") in err
    assert not (folder / "enhanced").exists()


def test_enhance_colour_noise_writes_what_the_core_gives(folder, tiny_model, tmp_path, capsys):
    from lowlight_gui.core.engine import Engine
    from lowlight_gui.core.enhance import enhance_array
    from lowlight_gui.core.imageio import read_photo

    outputs = {}
    for amount in ("0", "1"):
        out_dir = tmp_path / f"c{amount}"
        code, _, err = run(capsys, "enhance", folder / "b.png", "-o", out_dir, "--model",
                           tiny_model, "--threads", "1", "--colour-noise", amount)
        assert code == 0 and "warning" not in err, err
        outputs[amount] = read_photo(out_dir / "b_enhanced.png").pixels
    engine = Engine(tiny_model, provider="CPU", threads=1)
    original = read_photo(folder / "b.png").pixels
    for amount, got in outputs.items():
        expected = enhance_array(original, engine, colour_noise=float(amount))
        assert np.abs(got - expected).max() <= 0.5 / 255 + 1e-6
    assert np.abs(outputs["0"] - outputs["1"]).max() > 1 / 255


def test_verbose_says_what_was_decided_for_each_photo(folder, tiny_model, capsys):
    code, out, err = run(capsys, "enhance", folder / "a.jpg", "--model", tiny_model,
                         "--threads", "1", "-v")
    assert code == 0, err
    line = next(ln for ln in out.splitlines() if ln.startswith("done "))
    assert str(folder / "a.jpg") in line and "a_enhanced.jpg" in line and " s, " in line
    assert "exposure +0.00 EV" in line and "shadows" not in line  # a model without the lift


@pytest.mark.parametrize("value", ["2.5", "-1", "nan", "lots"])
def test_enhance_shadows_out_of_range_is_a_usage_error(value, folder, capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["enhance", str(folder), f"--shadows={value}"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "--shadows" in err
    assert ("not a number" if value == "lots" else "between 0 and 2 stops, or auto") in err
    assert not (folder / "enhanced").exists()


@pytest.mark.parametrize(("flag", "expected"), [(None, None), ("auto", None), ("0", 0.0),
                                                ("1.5", 1.5)])
def test_enhance_shadows_reaches_the_batch(flag, expected, folder, tiny_model, monkeypatch,
                                           capsys):
    from lowlight_gui.core import batch as batch_mod

    seen: list = []
    real = batch_mod.plan

    def recording(data, engine, settings, **kwargs):
        seen.append(settings.shadows)
        return real(data, engine, settings, **kwargs)

    monkeypatch.setattr(batch_mod, "plan", recording)
    extra = [] if flag is None else ["--shadows", flag]
    code, out, err = run(capsys, "enhance", folder / "a.jpg", "--model", tiny_model,
                         "--threads", "1", *extra)
    assert code == 0, err
    assert seen == [expected] and "1 done" in out


def test_enhance_denoise_writes_the_mix(folder, base_model, tmp_path, capsys):
    from lowlight_gui.core.engine import Engine
    from lowlight_gui.core.enhance import enhance_array
    from lowlight_gui.core.imageio import read_photo

    outputs = {}
    for amount in ("0", "0.5", "1"):
        out_dir = tmp_path / f"d{amount}"
        code, _, err = run(capsys, "enhance", folder / "b.png", "-o", out_dir, "--model",
                           base_model, "--threads", "1", "--denoise", amount)
        assert code == 0 and "warning" not in err, err
        outputs[amount] = read_photo(out_dir / "b_enhanced.png").pixels
    engine = Engine(base_model, provider="CPU", threads=1)
    original = read_photo(folder / "b.png").pixels
    for amount, got in outputs.items():
        expected = enhance_array(original, engine, denoise=float(amount))
        assert np.abs(got - expected).max() <= 0.5 / 255 + 1e-6
    assert np.abs(outputs["0"] - outputs["1"]).max() > 0.01


def test_enhance_denoise_with_a_model_without_base_warns_once(folder, tiny_model, capsys):
    code, out, err = run(capsys, "enhance", folder, "-r", "--model", tiny_model, "--threads",
                         "1", "--denoise", "0.4")
    assert code == 0 and "3 done" in out
    assert err.count("warning: --denoise 0.4: this model has no separate noise reduction") == 1


def test_enhance_with_a_bad_file(folder, tiny_model, capsys):
    (folder / "broken.jpg").write_bytes(b"")
    code, out, _ = run(capsys, "enhance", folder, "--model", tiny_model, "--threads", "1")
    assert code == 1
    assert "2 done, 0 skipped, 1 failed" in out
    assert f"FAILED {(folder / 'broken.jpg').resolve()}: " in out
    assert "empty" in out


def test_enhance_missing_model_is_a_usage_error(folder, tmp_path, capsys):
    code, _, err = run(capsys, "enhance", folder, "--model", tmp_path / "none.onnx")
    assert code == 2 and "none.onnx" in err and "not found" in err


def test_usage_errors(capsys):
    for argv in (["enhance"], ["enhance", "x.jpg", "--strength", "2"], ["enhance", "x", "--tile",
                 "-1"], ["enhance", "x", "--format", "gif"], ["frobnicate"]):
        with pytest.raises(SystemExit) as info:
            cli.main(argv)
        assert info.value.code == 2
    capsys.readouterr()
    assert cli.main([]) == 2


def test_help_has_examples(capsys):
    for argv in (["--help"], ["enhance", "--help"]):
        with pytest.raises(SystemExit) as info:
            cli.main(argv)
        assert info.value.code == 0
        out = capsys.readouterr().out
        assert "examples:" in out and "lowlight enhance" in out


def test_info(tiny_model, tmp_path, capsys):
    card = tiny_model.with_name("model_card.md")
    card.write_text("# Tiny model\n\nA tiny test network that\nbrightens a little.\n\n## More\n")
    try:
        code, out, _ = run(capsys, "info", "--model", tiny_model)
    finally:
        card.unlink()
    assert code == 0
    assert f"lowlight {__version__}" in out
    assert str(tiny_model) in out and " MB" in out
    assert "A tiny test network that brightens a little." in out
    assert "lowlight.factor: 2" in out and "lowlight.overlap: 8" in out
    assert "noise-reduction control (base output): no" in out
    assert "shadow lift (lift input): no" in out
    assert "providers available:" in out and "CPU" in out
    # what the engine reports, on whatever provider this machine has (not "CPU" everywhere)
    from lowlight_gui.core.engine import Engine

    assert f"provider chosen: {Engine(tiny_model).active_provider}\n" in out


def test_info_without_model(tmp_path, capsys):
    code, out, _ = run(capsys, "info", "--model", tmp_path / "missing.onnx")
    assert code == 1
    assert "not found" in out and "provider chosen:" in out


def test_eval_arguments():
    args = cli.build_parser().parse_args(["eval", "low", "high", "--json", "r.json", "--tile",
                                          "256"])
    assert args.handler is cli.cmd_eval
    assert str(args.low_dir) == "low" and args.tile == 256 and args.plots is None
    assert args.provider is None and args.model is None
    # eval measures the model's own exposure unless asked
    assert cli.settings_from_args(args).exposure == 0.0


def test_eval_prints_the_table_and_writes_the_report(tmp_path, tiny_model, capsys, monkeypatch):
    import json

    from lowlight_gui.core import evaluate

    for i in range(2):
        write_image(tmp_path / "low" / f"p{i}.png", seed=i)
        write_image(tmp_path / "high" / f"p{i}.png", seed=10 + i)
    seen = []
    real = evaluate.evaluate_pairs
    monkeypatch.setattr(
        evaluate, "evaluate_pairs", lambda *a, **k: seen.append(k["keep"]) or real(*a, **k)
    )
    report = tmp_path / "r.json"
    code, out, _ = run(capsys, "eval", tmp_path / "low", tmp_path / "high", "--model", tiny_model,
                       "--json", report, "--tile", "256", "--exposure", "0.5")
    assert code == 0 and seen == [0]  # no plots: no image kept
    lines = out.splitlines()
    from lowlight_gui.core.engine import Engine

    active = Engine(tiny_model).active_provider  # the provider "auto" gives on this machine
    assert lines[0] == f"model {tiny_model} on {active}, 2 pairs, tile 256, exposure +0.5 EV"
    assert lines[1].split() == ["image", "PSNR", "SSIM", "MSE", "MAE", "GT-mean"]
    assert [line.split()[0] for line in lines[2:4]] == ["p0.png", "p1.png"]
    assert lines[4] == "-" * len(lines[1]) and lines[5].startswith("mean ")
    assert lines[6] == f"wrote {report}"
    data = json.loads(report.read_text())
    assert list(data) == ["mean", "images"]
    assert list(data["images"][0]) == ["name", "psnr", "ssim", "mse", "mae", "gt_mean_psnr",
                                       "seconds"]
    assert lines[5].split()[1:] == [
        f"{data['mean']['psnr']:.2f}", f"{data['mean']['ssim']:.4f}",
        f"{data['mean']['mse']:.5f}", f"{data['mean']['mae']:.5f}",
        f"{data['mean']['gt_mean_psnr']:.2f}",
    ]


def test_console_entry_runs(tiny_model):
    proc = subprocess.run(
        [sys.executable, "-m", "lowlight_gui.cli", "info", "--model", str(tiny_model)],
        check=False, capture_output=True, text=True, cwd=ROOT, timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert "provider chosen" in proc.stdout


# -- resources (lowlight_gui/resources.py) --------------------------------------------------------


def test_resource_paths_from_a_checkout(monkeypatch):
    from lowlight_gui import resources

    monkeypatch.delenv("LOWLIGHT_MODEL", raising=False)
    monkeypatch.delattr(sys, "_MEIPASS", raising=False)
    monkeypatch.setattr(sys, "frozen", False, raising=False)
    assert resources.default_model_path() == ROOT / "models" / "lowlight_unet.onnx"
    assert resources.resource_path("resources") == ROOT / "resources"


def test_resource_paths_when_frozen(monkeypatch, tmp_path):
    from lowlight_gui import resources

    bundle = tmp_path / "bundle"
    (bundle / "models").mkdir(parents=True)
    (bundle / "models" / "lowlight_unet.onnx").write_bytes(b"x")
    (bundle / "resources" / "icons").mkdir(parents=True)
    monkeypatch.delenv("LOWLIGHT_MODEL", raising=False)
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(bundle), raising=False)
    assert resources.default_model_path() == bundle / "models" / "lowlight_unet.onnx"
    assert resources.resource_path("resources", "icons") == bundle / "resources" / "icons"
    # a missing resource is named in the bundle, not in some unrelated folder
    assert resources.resource_path("resources", "nope.svg") == bundle / "resources" / "nope.svg"


def test_model_path_from_environment(monkeypatch, tmp_path):
    from lowlight_gui import resources

    monkeypatch.setenv("LOWLIGHT_MODEL", str(tmp_path / "m.onnx"))
    assert resources.default_model_path() == tmp_path / "m.onnx"


# -- issue 10: fail fast, tell the user ------------------------------------------------------------


class _NoEngine:
    """Stands in for Engine where a usage error must stop the run before any photo is computed."""

    def __init__(self, *args, **kwargs):
        raise AssertionError("the engine was started: the output was not checked first")


@pytest.mark.parametrize("case", ["output_is_a_file", "read_only_folder", "pattern_without_suffix",
                                  "pattern_contradicts_format"])
def test_impossible_output_fails_once_before_any_work(case, folder, tmp_path, monkeypatch, capsys):

    from lowlight_gui.core import engine as engine_mod

    monkeypatch.setattr(engine_mod, "Engine", _NoEngine)
    argv = ["enhance", folder, "-r"]
    if case == "output_is_a_file":
        target = tmp_path / "out.jpg"
        target.write_bytes(b"x")
        argv += ["-o", target]
        expected = "is a file, not a folder"
    elif case == "read_only_folder":
        locked = (tmp_path / "locked").resolve()
        locked.mkdir()
        refuse_creates_in(monkeypatch, locked)  # chmod does not stop root: a create says no
        argv += ["-o", locked / "new"]
        expected = "permission denied"
    elif case == "pattern_without_suffix":
        argv += ["--pattern", "{name}_enhanced"]
        expected = "no known image suffix"
    else:
        argv += ["--pattern", "{name}.jpg", "--format", "png"]
        expected = "format asked for is png"
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert err.count("lowlight: ") == 1 and expected in err
    assert "done" not in out
    assert not (folder / "enhanced").exists()


def test_failed_lines_once_notes_and_skipped_with_verbose(folder, tiny_model, capsys):
    from PIL import Image

    (folder / "broken.jpg").write_bytes(b"")
    Image.new("CMYK", (40, 30), (0, 200, 200, 20)).save(folder / "cmyk.jpg")
    code, out, err = run(capsys, "enhance", folder, "--model", tiny_model, "--threads", "1")
    assert code == 1 and "3 done, 0 skipped, 1 failed" in out
    assert (out + err).count("FAILED") == 1 and "broken.jpg" in out
    assert f"note {(folder / 'cmyk.jpg').resolve()}: converted from CMYK" in out
    assert "skipped" not in out.replace("0 skipped", "")
    # -v after the subcommand is accepted and names what was skipped
    code, out, _ = run(capsys, "enhance", folder, "--model", tiny_model, "--threads", "1", "-v")
    assert "0 done, 3 skipped, 1 failed" in out
    assert f"skipped {(folder / 'a.jpg').resolve()}: " in out and "already exists" in out
    assert out.count("FAILED") == 1


def test_verbose_before_or_after_the_subcommand():
    parser = cli.build_parser()
    assert parser.parse_args(["-v", "enhance", "x"]).verbose is True
    assert parser.parse_args(["enhance", "x", "-v"]).verbose is True
    assert parser.parse_args(["enhance", "x"]).verbose is False
    assert parser.parse_args(["info", "--verbose"]).verbose is True


def test_tile_below_the_models_minimum_is_said(folder, tiny_model, capsys):
    from lowlight_gui.core.engine import Engine
    from lowlight_gui.core.tiling import min_tile

    engine = Engine(tiny_model, threads=1)
    smallest = min_tile(engine.overlap, engine.factor)
    code, out, err = run(capsys, "enhance", folder / "a.jpg", "--model", tiny_model,
                         "--threads", "1", "--tile", "1")
    assert code == 0 and "1 done" in out
    assert f"warning: --tile 1: this model's smallest tile is {smallest} px" in err
    assert f"using {smallest} px tiles" in err
    # a tile the model can use as it is: no warning
    code, _, err = run(capsys, "enhance", folder / "b.png", "--model", tiny_model,
                       "--threads", "1", "--tile", "256")
    assert code == 0 and "warning" not in err


@pytest.mark.parametrize(("missing", "plots"), [("skimage", False), ("matplotlib", True)])
def test_eval_names_the_extra_when_its_libraries_are_missing(
    tmp_path, tiny_model, capsys, monkeypatch, missing, plots
):
    """The app installs without the evaluation's libraries; `lowlight eval` says what to install."""
    monkeypatch.setitem(sys.modules, missing, None)  # `import missing` raises ImportError
    for i in range(2):
        write_image(tmp_path / "low" / f"p{i}.png", seed=i)
        write_image(tmp_path / "high" / f"p{i}.png", seed=10 + i)
    extra = ["--plots", tmp_path / "plots"] if plots else []
    code, out, err = run(capsys, "eval", tmp_path / "low", tmp_path / "high", "--model", tiny_model,
                         *extra)
    assert code == 2 and out == ""
    assert f"lowlight eval needs {missing}" in err
    assert 'pip install "lowlight-gui[eval]"' in err and 'pip install -e ".[eval]"' in err
    assert not (tmp_path / "plots").exists()


def test_the_app_depends_on_no_evaluation_library():
    """Issue 20: scikit-image, SciPy, matplotlib (and OpenCV) are the `eval` extra's, not the app's."""
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = {dep.split(">")[0].split("=")[0].split("!")[0].split("[")[0].strip().lower()
             for dep in project["dependencies"]}
    assert not names & {"scikit-image", "scipy", "matplotlib", "opencv-python-headless",
                        "opencv-python", "torch"}
    extras = project["optional-dependencies"]
    assert any(d.startswith("scikit-image") for d in extras["eval"])
    assert any(d.startswith("matplotlib") for d in extras["eval"])
    assert any("eval" in d for d in extras["dev"])  # developers get it


def test_verbose_names_every_file_it_did_not_take_as_a_photo(folder, tiny_model, capsys):
    (folder / "notes.txt").write_text("x")
    (folder / "sub" / "IMG_1.xmp").write_text("<x/>")
    (folder / ".DS_Store").write_bytes(b"x")
    code, out, err = run(capsys, "enhance", folder, "--model", tiny_model, "--threads", "1", "-r")
    assert code == 0, err
    assert "3 done, 0 skipped, 0 failed, 3 other files not photos (-v names them)" in out
    assert "notes.txt" not in out
    code, out, _ = run(capsys, "enhance", folder, "--model", tiny_model, "--threads", "1", "-r",
                       "-v")
    assert code == 0 and "0 done, 3 skipped, 0 failed, 3 other files not photos\n" in out
    for name, reason in (("notes.txt", "not a photo format Lowlight reads (.txt)"),
                         ("sub/IMG_1.xmp", "not a photo format Lowlight reads (.xmp)"),
                         (".DS_Store", "a hidden file")):
        assert f"not a photo {(folder / name).resolve()}: {reason}\n" in out
    # a folder without photos says what it holds instead
    only = folder / "sub" / "deeper"
    only.mkdir()
    (only / "a.pdf").write_bytes(b"%PDF")
    code, _, err = run(capsys, "enhance", only, "--model", tiny_model)
    assert code == 1
    assert "no photos found in" in err and "(1 other file: 1 not a photo format" in err


def test_a_well_exposed_photo_is_said_to_be_left_unchanged(tmp_path, gain_model, capsys):
    from PIL import Image

    rng = np.random.default_rng(0)
    day = tmp_path / "day.jpg"
    Image.fromarray(np.clip(rng.normal(150, 30, (40, 56, 3)), 0, 255).astype(np.uint8)).save(day)
    code, out, err = run(capsys, "enhance", day, "--model", gain_model, "--threads", "1")
    assert code == 0, err
    assert f"note {day.resolve()}: already well exposed: left unchanged" in out
    assert (tmp_path / "enhanced" / "day_enhanced.jpg").read_bytes() == day.read_bytes()


@pytest.mark.parametrize("flag", ["--help", "--version"])
def test_gui_help_and_version_print_without_a_display(flag):
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    proc = subprocess.run([sys.executable, "-m", "lowlight_gui", flag], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    assert ("usage: lowlight-gui" if flag == "--help" else f"lowlight-gui {__version__}") in proc.stdout
    assert "xcb" not in proc.stdout + proc.stderr


def test_gui_without_a_display_says_so_in_words():
    if not sys.platform.startswith("linux"):
        pytest.skip("DISPLAY and WAYLAND_DISPLAY: Linux only")
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    proc = subprocess.run([sys.executable, "-m", "lowlight_gui"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 1
    assert "no display to show the window on" in proc.stderr and "xcb" not in proc.stderr
