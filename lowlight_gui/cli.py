"""Command line: ``lowlight enhance | eval | info``.

A thin caller of the same core functions as the GUI (collect_jobs, run_batch, Engine).
Exit codes: 0 all good, 1 some file failed (or nothing to do), 2 usage error, 130 cancelled
(Ctrl+C, SIGTERM, SIGHUP). Everything printed goes through ``console.guarded``: a closed or
full terminal ends the report, never the work.
"""

from __future__ import annotations

import sys

try:  # Ctrl+C while the libraries load, before main() can catch it: no traceback (issue 28.10)
    import argparse
    import logging
    import signal
    import threading
    from pathlib import Path

    from . import __version__, console
    from .core import formats
    from .core.enhance import DEFAULT_TILE
    from .core.errors import LowlightError
    from .core.settings import DEFAULTS, SPECS, Settings, Spec
except KeyboardInterrupt:  # pragma: no cover - timing; tests/test_cli_signals.py sends it
    try:
        sys.stderr.write("lowlight: cancelled\n")
    except (AttributeError, OSError, ValueError):  # no stderr, or a closed one
        pass
    raise SystemExit(130) from None

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_CANCELLED = 0, 1, 2, 130

EPILOG = """\
examples:
  lowlight enhance IMG_0042.jpg                  writes enhanced/IMG_0042_enhanced.jpg beside it
  lowlight enhance ~/Photos/night -o ~/out       every photo in the folder into ~/out
  lowlight enhance ~/Photos -r --format png      subfolders too, mirrored under ~/Photos/enhanced
  lowlight enhance a.jpg --strength 0.6          a gentler result (0 = unchanged, 1 = full)
  lowlight enhance a.jpg --exposure 0.7          brighter than the model's own choice (EV);
                                                 every setting: lowlight enhance --help
  lowlight enhance a.jpg --preset Night          a saved preset (or a preset FILE.json);
                                                 settings given as flags override it
  lowlight enhance big.tif --tile 256            smaller tiles use less memory
  lowlight info                                  the model, its metadata and the providers
  lowlight eval data/low data/high --json r.json PSNR/SSIM of the model on photo pairs
"""

ENHANCE_EPILOG = """\
examples:
  lowlight enhance IMG_0042.jpg
  lowlight enhance ~/Photos/night -o ~/Photos/night-bright --format jpg --quality 92
  lowlight enhance ~/Photos -r                   re-running skips photos already done
  lowlight enhance a.png --overwrite --provider cpu --threads 4
  lowlight enhance a.jpg --tile 0                the whole photo in one piece
"""


def _parser_for(spec: Spec):
    """argparse's type for a setting: ``Spec.parse``, its refusal an argparse error, so that a
    bad value is refused before any photo is read (exit code 2)."""

    def parse(text: str) -> float | None:
        try:
            return spec.parse(text)
        except LowlightError as exc:  # argparse names the option itself
            raise argparse.ArgumentTypeError(
                str(exc).removeprefix(f"{spec.flag}: ")
            ) from None

    parse.__name__ = spec.key  # (argparse names a failed type by it)
    return parse


_METAVARS = {"ev": "EV", "stops": "STOPS", "percent": "AMOUNT"}


def _cli_value(value: float | None) -> str:
    """A setting's value as typed on the command line: ``auto`` or a number."""
    return "auto" if value is None else f"{value:g}"


def _setting_help(spec: Spec) -> str:
    """--help for a setting, from its declaration: what it does, its range, its default."""
    if spec.kind == "percent":
        span = f"{spec.lo:g}..{spec.hi:g} (0.5 = 50 %)"
    else:
        span = spec.bounds().replace(" and ", "..", 1)
    extra = f"; {spec.cli_only_help}" if spec.cli_only_help else ""
    text = f"{spec.help} Range {span}{extra}; default {_cli_value(spec.default)}."
    return text.replace("%", "%%")  # (argparse formats help with %)


def _add_settings(parser: argparse.ArgumentParser) -> None:
    """One option per setting (``SPECS``) and ``--preset``. An option not given leaves no
    attribute (SUPPRESS), so that a preset's value is only overridden by a flag given."""
    group = parser.add_argument_group("settings (as in the window; a preset's, then the flags')")
    group.add_argument("--preset", metavar="NAME|FILE.json", default=None,
                       help="start from a saved preset (its name, or a preset file); settings "
                       "given as flags override it, whatever their order")
    for spec in SPECS:
        group.add_argument(
            spec.flag, dest=spec.key, metavar=_METAVARS[spec.kind], type=_parser_for(spec),
            default=argparse.SUPPRESS, help=_setting_help(spec),
        )


def settings_from_args(args: argparse.Namespace) -> Settings:
    """The settings a command line asks for: the preset's (``--preset``) or the defaults, with
    each setting given as a flag on top. A bad preset is a ``LowlightError`` naming it."""
    base = DEFAULTS
    preset = getattr(args, "preset", None)
    if preset:
        from .core.presets import load_preset

        base = load_preset(preset).settings
    given = {spec.key: getattr(args, spec.key) for spec in SPECS if hasattr(args, spec.key)}
    return base.replace(**given)


def _int_range(lo: int, hi: int | None = None):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
        if value < lo or (hi is not None and value > hi):
            bound = f"between {lo} and {hi}" if hi is not None else f"at least {lo}"
            raise argparse.ArgumentTypeError(f"must be {bound}, got {value}")
        return value

    return parse


def _add_verbose(parser: argparse.ArgumentParser) -> None:
    """-v on a subcommand too; SUPPRESS keeps it from resetting one given before the command."""
    parser.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS,
                        help="log details to stderr; enhance also names the skipped files "
                        "and every file it did not take as a photo")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lowlight",
        description="Make dark, noisy photos look as if they were taken in good light.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"lowlight {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="log details to stderr; enhance also names the skipped files "
                        "and every file it did not take as a photo")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser(
        "enhance", help="enhance photos and folders of photos",
        description="Enhance photos. Outputs go to <input folder>/enhanced/ unless -o is given; "
        "originals are never modified and existing outputs are skipped unless --overwrite.",
        epilog=ENHANCE_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="photo files and/or folders")
    p.add_argument("-o", "--output", metavar="OUT", type=Path,
                   help="output folder (default: <input folder>/enhanced/)")
    p.add_argument("--provider", default="auto",
                   help="execution provider: auto, cpu, cuda, directml, coreml (default auto)")
    p.add_argument("--tile", type=_int_range(0), default=DEFAULT_TILE,
                   help=f"largest tile side in pixels (an even number of tiles along a long side, each as long as needed); 0 = the whole photo in one piece (default {DEFAULT_TILE})")
    p.add_argument("--format", dest="fmt", choices=formats.OUTPUT_CHOICES, default="same",
                   help="output format (default: same as the input; "
                   f"{formats.same_defaults()})")
    p.add_argument("--quality", type=_int_range(1, 100), default=95,
                   help="JPEG/WebP quality 1-100 (default 95)")
    p.add_argument("--pattern", default="{name}_enhanced.{ext}",
                   help="output file name pattern (default '{name}_enhanced.{ext}')")
    p.add_argument("-r", "--recursive", action="store_true",
                   help="include subfolders, mirrored in the output folder")
    p.add_argument("--overwrite", action="store_true", help="replace existing outputs")
    p.add_argument("--model", type=Path, help="ONNX model (default: the shipped model)")
    p.add_argument("--threads", type=_int_range(0), default=0,
                   help="CPU threads for the model; 0 = all cores (default)")
    _add_settings(p)
    _add_verbose(p)
    p.set_defaults(handler=cmd_enhance)

    p = sub.add_parser("info", help="show the version, the model and the execution providers")
    p.add_argument("--model", type=Path, help="ONNX model (default: the shipped model)")
    p.add_argument("--provider", default="auto", help="provider to try (default auto)")
    _add_verbose(p)
    p.set_defaults(handler=cmd_info)

    p = sub.add_parser(
        "eval", help="measure the model on pairs of dark and reference photos",
        description="PSNR/SSIM/MSE/MAE of the model on LOW_DIR/HIGH_DIR pairs (same file stems, "
        "or a pairs.tsv beside LOW_DIR).",
    )
    p.add_argument("low_dir", metavar="LOW_DIR", type=Path)
    p.add_argument("high_dir", metavar="HIGH_DIR", type=Path)
    p.add_argument("--model", type=Path, help="ONNX model (default: the shipped model)")
    p.add_argument("--json", metavar="FILE", type=Path, help="write the results as JSON")
    p.add_argument("--plots", metavar="DIR", type=Path, help="write plots into this folder")
    p.add_argument("--tile", type=_int_range(0), default=None, help=f"tile size (default {DEFAULT_TILE})")
    p.add_argument("--provider", default=None, help="execution provider (default auto)")
    p.add_argument("--threads", type=_int_range(0), default=0, help="CPU threads (0 = all)")
    p.add_argument("--pairs", type=Path, default=None, help="pairs.tsv (columns low, high)")
    p.add_argument("--only", type=Path, default=None, help="file of low names to keep (a split)")
    _add_settings(p)
    _add_verbose(p)
    p.set_defaults(handler=cmd_eval)
    return parser


def _err(message: str) -> None:
    print(f"lowlight: {message}", file=sys.stderr)


# -- enhance ----------------------------------------------------------------------------------


class _Progress:
    """tqdm bars: images (outer) and tiles of the current image (inner); one line per photo that
    failed, has conversion notes, or (verbose) was skipped, printed once, as it happens."""

    def __init__(self, total: int, verbose: bool = False):
        from tqdm import tqdm

        self._tqdm = tqdm
        self.verbose = verbose
        self.images = tqdm(total=total, unit="img", desc="photos", position=0, disable=None)
        self.tiles = None

    def __call__(self, event) -> None:
        from .core import batch as b

        if isinstance(event, b.ImageStarted):
            self._close_tiles()
            self.images.set_postfix_str(event.job.source.name, refresh=True)
        elif isinstance(event, b.TileDone):
            if self.tiles is None or self.tiles.total != event.total:
                self._close_tiles()
                self.tiles = self._tqdm(total=event.total, unit="tile", desc="tiles",
                                        position=1, leave=False, disable=None)
            self.tiles.n = event.done
            self.tiles.refresh()
        elif isinstance(event, (b.ImageDone, b.ImageSkipped, b.ImageFailed)):
            self._close_tiles()
            self.images.update(1)
            line = _event_line(event, self.verbose)
            if line:
                self._tqdm.write(line, file=sys.stdout)
        elif isinstance(event, b.BatchFinished):
            self.close()

    def _close_tiles(self) -> None:
        if self.tiles is not None:
            self.tiles.close()
            self.tiles = None

    def close(self) -> None:
        self._close_tiles()
        self.images.close()


def _event_line(event, verbose: bool) -> str | None:
    """The line printed for a finished photo, or None."""
    from .core import batch as b

    if isinstance(event, b.ImageFailed):
        return f"FAILED {event.job.source}: {event.message}"
    if isinstance(event, b.ImageDone) and verbose:  # what was decided for it, with any notes
        return f"done {event.job.source} -> {event.output} ({_decided(event)})" + "".join(
            f"; {n}" for n in event.notes
        )
    if isinstance(event, b.ImageDone) and event.notes:
        return f"note {event.job.source}: " + "; ".join(event.notes)
    if isinstance(event, b.ImageSkipped) and verbose:
        return f"skipped {event.job.source}: {event.reason}"
    return None


def _decided(event) -> str:
    """A finished photo's time, the exposure its network got (after highlight protection) and
    its shadow lift."""
    parts = [f"{event.seconds:.1f} s"]
    decided = event.decisions
    if decided is None or decided.unchanged is not None:
        parts.append("left unchanged")
    else:
        parts.append(f"exposure {decided.exposure:+.2f} EV")
        if decided.shadows > 0.0:
            parts.append(f"shadows +{decided.shadows:.2f} stops")
        if decided.night_sky > 0.0:
            parts.append(f"night sky kept dark ({round(decided.night_sky * 100)} % of the frame)")
    return ", ".join(parts)


def _tile_warning(requested: int, engine) -> str | None:
    """Say so when the model cannot use the tile size asked for (too small, or off its grid)."""
    from .core.tiling import effective_tile, min_tile

    if requested <= 0:
        return None
    used = effective_tile(requested, engine.overlap, engine.factor)
    if used == requested:
        return None
    if used == min_tile(engine.overlap, engine.factor):
        why = f"this model's smallest tile is {used} px (its context margins and blending need it)"
    else:
        why = f"tiles are a multiple of the model's factor, {engine.factor} px"
    return f"--tile {requested}: {why}; using {used} px tiles"


#: Signals that cancel a batch as Ctrl+C does (SIGHUP: the terminal closed; not on Windows).
CANCEL_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)


def _cancel_on_signals(handler) -> dict:
    """Install ``handler`` for ``CANCEL_SIGNALS`` (main thread only); returns what to restore."""
    previous: dict = {}
    if threading.current_thread() is not threading.main_thread():
        return previous
    for sig in CANCEL_SIGNALS:
        try:
            previous[sig] = signal.signal(sig, handler)
        except (OSError, ValueError):  # not settable here
            continue
    return previous


def _restore_signals(previous: dict) -> None:
    for sig, handler in previous.items():
        signal.signal(sig, handler if handler is not None else signal.SIG_DFL)


def cmd_enhance(args: argparse.Namespace) -> int:
    from .core.batch import BatchOptions, check_output, collect_jobs, run_batch
    from .core.cancel import CancelToken
    from .core.engine import Engine
    from .core.pipeline import ignored_settings
    from .core.settings import SPECS_BY_KEY

    try:  # a bad preset is refused before any photo is read
        settings = settings_from_args(args)
    except LowlightError as exc:
        _err(str(exc))
        return EXIT_USAGE
    options = BatchOptions(
        output_dir=args.output, pattern=args.pattern, fmt=args.fmt, quality=args.quality,
        recursive=args.recursive, overwrite=args.overwrite, tile=args.tile, settings=settings,
    )
    from .core.folders import LeftOut, summarize_left_out

    left_out: list[LeftOut] = []
    verbose = bool(getattr(args, "verbose", False))
    try:
        jobs = collect_jobs(args.inputs, options, left_out)
    except LowlightError as exc:
        _err(str(exc))
        return EXIT_USAGE
    if verbose:  # every file of the folders that is not enhanced, named once, up front
        for item in left_out:
            print(f"not a photo {item.path}: {item.reason}")
    if not jobs:
        n = len(left_out)
        others = f" ({n} other file{'s' if n != 1 else ''}: {summarize_left_out(left_out)})" if n else ""
        _err("no photos found in " + ", ".join(repr(str(i)) for i in args.inputs) + others)
        return EXIT_FAILED
    try:  # an output that cannot be written is refused before a single photo is computed
        check_output(jobs, options)
    except LowlightError as exc:
        _err(str(exc))
        return EXIT_USAGE
    try:
        engine = Engine(args.model, provider=args.provider, threads=args.threads)
    except LowlightError as exc:
        _err(str(exc))
        return EXIT_USAGE
    for warning in engine.warnings:
        _err(f"warning: {warning}")
    tile_warning = _tile_warning(args.tile, engine)
    if tile_warning:
        _err(f"warning: {tile_warning}")
    # said once here; the photos are developed without them (at full noise removal, ...)
    for key, why in ignored_settings(engine, settings).items():
        spec = SPECS_BY_KEY[key]
        _err(f"warning: {spec.flag} {_cli_value(getattr(settings, key))}: {why}")

    cancel = CancelToken()  # also stops the run in flight
    progress = _Progress(len(jobs), verbose)
    box: dict = {}
    finished = threading.Event()

    def work() -> None:
        try:
            box["result"] = run_batch(jobs, engine, options, on_event=progress, cancel=cancel)
        except BaseException as exc:  # noqa: BLE001 - re-raised on the main thread
            box["error"] = exc
        finally:
            finished.set()

    def interrupt(*_args) -> None:
        if not cancel.is_set():
            _err("cancelling...")
        cancel.set()

    # Ctrl+C, SIGTERM and SIGHUP cancel the batch cleanly (between tiles, and the run in
    # flight; a file being written is finished, so no temp file is left) instead of killing it;
    # the batch runs in a worker thread so that the main thread stays responsive.
    previous = _cancel_on_signals(interrupt)
    worker = threading.Thread(target=work, name="lowlight-batch", daemon=True)
    worker.start()
    try:
        while not finished.is_set():
            try:
                finished.wait(0.1)
            except KeyboardInterrupt:  # no handler installed (not the main thread)
                interrupt()
    finally:
        _restore_signals(previous)
    worker.join()
    progress.close()
    if "error" in box:
        raise box["error"]
    result = box["result"]

    summary = f"{len(result.done)} done, {len(result.skipped)} skipped, {len(result.failed)} failed"
    if left_out:
        summary += (f", {len(left_out)} other file{'s' if len(left_out) != 1 else ''} not photos"
                    + ("" if verbose else " (-v names them)"))
    if result.cancelled:
        left = len(jobs) - len(result.done) - len(result.skipped) - len(result.failed)
        summary += f", cancelled ({left} not done)"
    print(summary)
    if result.cancelled or cancel.is_set():
        return EXIT_CANCELLED
    return EXIT_FAILED if result.failed else EXIT_OK


# -- info -------------------------------------------------------------------------------------


def cmd_info(args: argparse.Namespace) -> int:
    from .core.engine import Engine, available_providers, choose_provider
    from .core.modelcard import read_model_card
    from .resources import default_model_path, model_card_path

    print(f"lowlight {__version__}")
    print(f"python {sys.version.split()[0]}")
    try:
        import onnxruntime

        print(f"onnxruntime {onnxruntime.__version__}")
    except ImportError:
        print("onnxruntime: not installed")
        return EXIT_FAILED
    model_path = args.model or default_model_path()
    print(f"model: {model_path}")
    engine = None
    status = EXIT_OK
    if model_path.is_file():
        print(f"  size: {model_path.stat().st_size / 1e6:.1f} MB")
        card = read_model_card(model_card_path(model_path))
        if card and card.text():
            print(f"  about: {card.text()}")
        try:
            engine = Engine(model_path, provider=args.provider)
        except LowlightError as exc:
            print(f"  error: {exc}")
            status = EXIT_FAILED
    else:
        print("  not found (train and export a model, or pass --model PATH)")
        status = EXIT_FAILED
    if engine is not None:
        print(f"  factor: {engine.factor}, overlap: {engine.overlap}, gain input: "
              f"{'yes' if engine.has_gain_input else 'no'}, noise-reduction control (base "
              f"output): {'yes' if engine.has_base else 'no'}, shadow lift (lift input): "
              f"{'yes' if engine.has_lift else 'no'}")
        for key in sorted(engine.metadata):
            value = engine.metadata[key]
            if len(value) > 200:
                value = value[:200] + "..."
            print(f"  {key}: {value}")
    print("providers available: " + ", ".join(available_providers()))
    if engine is not None:
        print(f"provider chosen: {engine.active_provider}")
        for warning in engine.warnings:
            print(f"  warning: {warning}")
    else:
        try:
            print(f"provider chosen: {choose_provider(args.provider)}")
        except LowlightError as exc:
            print(f"provider chosen: none ({exc})")
    return status


# -- eval -------------------------------------------------------------------------------------


EVAL_HEADER = f"{'image':<28} {'PSNR':>7} {'SSIM':>7} {'MSE':>8} {'MAE':>8} {'GT-mean':>8}"
EVAL_KEPT_FOR_PLOTS = 4


def _eval_row(name: str, m: dict[str, float]) -> str:
    return (
        f"{name[:28]:<28} {m['psnr']:7.2f} {m['ssim']:7.4f} {m['mse']:8.5f} {m['mae']:8.5f}"
        f" {m['gt_mean_psnr']:8.2f}"
    )


#: The evaluation's own libraries, installed with the ``eval`` extra (not with the app).
EVAL_LIBRARIES = ("skimage", "matplotlib")
EVAL_INSTALL = 'pip install "lowlight-gui[eval]"  (from a checkout: pip install -e ".[eval]")'


def _missing_eval_library(plots: bool) -> str | None:
    """The first evaluation library that does not import, or None."""
    import importlib

    for name in EVAL_LIBRARIES if plots else EVAL_LIBRARIES[:1]:
        try:
            importlib.import_module(name)
        except ImportError:
            return name
    return None


def cmd_eval(args: argparse.Namespace) -> int:
    """The table as each pair is scored, then the mean; the JSON and plots if asked."""
    import json

    missing = _missing_eval_library(bool(args.plots))
    if missing:
        _err(f"lowlight eval needs {missing}, which comes with the 'eval' extra: {EVAL_INSTALL}")
        return EXIT_USAGE
    from .core import evaluate
    from .core.engine import Engine
    from .core.pairs import find_pairs
    from .core.pipeline import develop

    try:
        settings = settings_from_args(args)
    except LowlightError as exc:
        _err(str(exc))
        return EXIT_USAGE
    pairs = find_pairs(args.low_dir, args.high_dir, args.pairs, evaluate.read_names(args.only))
    engine = Engine(args.model, provider=args.provider or "auto", threads=args.threads or 0)
    tile = args.tile if args.tile is not None else DEFAULT_TILE
    changed = ", ".join(
        f"{spec.label.lower()} {spec.format(getattr(settings, spec.key))}"
        for spec in SPECS if spec.key in settings.changed()
    )
    print(f"model {engine.model_path} on {engine.active_provider}, {len(pairs)} pairs, tile {tile}"
          + (f", {changed}" if changed else ""))
    print(EVAL_HEADER)
    result = evaluate.evaluate_pairs(
        pairs,
        lambda low: develop(low, engine, settings, tile=tile).pixels,
        keep=EVAL_KEPT_FOR_PLOTS if args.plots else 0,
        on_image=lambda score: print(_eval_row(score.name, score.metrics), flush=True),
    )
    print("-" * len(EVAL_HEADER))
    print(_eval_row("mean", result.mean))
    if args.json:
        Path(args.json).write_text(json.dumps(result.as_dict(), indent=1))
        print(f"wrote {args.json}")
    if args.plots:
        from . import plots

        out = Path(args.plots)
        written = [
            plots.scatter(result.samples, out / "scatter.png"),
            plots.grid(result.samples, out / "grid.png"),
        ]
        history = evaluate.training_history(engine.metadata)
        if history:
            written.append(plots.psnr_curve(history, out / "psnr_per_epoch.png"))
        print("wrote " + ", ".join(str(p) for p in written))
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    """Run a command; what it prints goes through ``console.guarded`` (a closed or full stdout
    ends the report, not the work), and Ctrl+C at any point ends quietly with 130."""
    try:
        with console.guarded():
            return _main(argv)
    except KeyboardInterrupt:
        _err("cancelled")
        return EXIT_CANCELLED


def _main(argv: list[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if getattr(args, "verbose", False) else logging.ERROR,
        format="%(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("pyvips").setLevel(logging.WARNING)  # "threadpool completed", per photo
    if not getattr(args, "command", None):
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    from .core.errors import Cancelled

    try:
        return args.handler(args)
    except Cancelled:
        _err("cancelled")
        return EXIT_CANCELLED
    except LowlightError as exc:
        _err(str(exc))
        return EXIT_FAILED
    except KeyboardInterrupt:
        _err("cancelled")
        return EXIT_CANCELLED


if __name__ == "__main__":
    sys.exit(main())
