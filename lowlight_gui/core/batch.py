"""Batch runner: many photos through one engine, with events for progress, skip and failure.

Rules: never write to an original; never overwrite an existing output unless asked (so a re-run
resumes an interrupted batch; an empty or undecodable file there does not count and is redone);
write atomically (``imageio.write_photo``), never replacing an output that another run wrote
meanwhile; one bad file never stops the batch; cancelling (a ``cancel.CancelToken``) stops between
tiles and also terminates the run in flight, leaving no partial file behind. Temp files that a
killed run left in the output folders are removed when a batch starts. The events are defined in
``core/events.py``.

Any OSError on one photo's paths (a name too long, a vanished folder) fails that photo, never the
batch; an output name too long for the disk is shortened with a note; outputs are unique ignoring
case (``core/names.py``); running out of memory anywhere in a photo is retried once with smaller
tiles and fewer codec threads, then that photo fails with "not enough memory".
"""

from __future__ import annotations

import gc
import logging
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from . import failures, formats, imageio, names
from .cancel import CancelToken
from .engine import with_cancel
from .enhance import DEFAULT_TILE
from .errors import Cancelled, LowlightError, OutputExists
from .events import (  # re-exported: the events were defined here before core/events.py
    BatchEvent,
    BatchFinished,
    BatchStarted,
    ImageDone,
    ImageFailed,
    ImageSkipped,
    ImageStarted,
    TileDone,
)
from .folders import FolderScan, LeftOut, scan_folder_report
from .pipeline import develop, plan
from .settings import DEFAULTS, Settings
from .turns import normalize, turn
from .xmp_record import record_for

log = logging.getLogger(__name__)

DEFAULT_OUTPUT_DIRNAME = "enhanced"
DEFAULT_PATTERN = "{name}_enhanced.{ext}"


@dataclass
class BatchOptions:
    output_dir: Path | None = None  # None: "<input folder>/enhanced/"
    pattern: str = DEFAULT_PATTERN  # placeholders: {name} (file name without suffix), {ext}
    fmt: str = "same"  # "same" or a key of formats.FORMATS: "jpg", "png", "tif"
    quality: int = 95
    recursive: bool = False
    overwrite: bool = False
    tile: int = DEFAULT_TILE
    # Quarter turns clockwise for some sources (resolved paths), asked for in the viewer;
    # applied to their outputs (core/turns.py).
    turns: dict[Path, int] = field(default_factory=dict)
    settings: Settings = DEFAULTS  # how photos without settings of their own are developed
    # each photo's own settings, by resolved source path (the window's per-photo edits)
    edits: dict[Path, Settings] = field(default_factory=dict)

    def settings_for(self, source: Path) -> Settings:
        """The settings ``source`` (a resolved path, as in ``Job.source``) is developed with."""
        return self.edits.get(source, self.settings)


@dataclass(frozen=True)
class Job:
    source: Path
    output: Path
    # Said with the result (ImageDone.notes), e.g. that the output name had to be shortened.
    notes: tuple[str, ...] = ()


@dataclass
class BatchResult:
    done: list[ImageDone] = field(default_factory=list)
    skipped: list[ImageSkipped] = field(default_factory=list)
    failed: list[ImageFailed] = field(default_factory=list)
    cancelled: bool = False


# -- collecting jobs --------------------------------------------------------------------------


def output_name(source: Path, options: BatchOptions) -> str:
    """The output file name for ``source`` under ``options.pattern`` and ``options.fmt``."""
    # Named before the file is read, from its suffix ("same": HEIC -> .jpg, RAW -> .tif).
    ext = formats.output_suffix_for(source, options.fmt).lstrip(".")
    try:
        name = options.pattern.format(name=source.stem, ext=ext)
    except (KeyError, IndexError, ValueError) as exc:
        raise LowlightError(
            f"invalid naming pattern '{options.pattern}': use {{name}} and {{ext}} ({exc})"
        ) from None
    if not name or "/" in name or "\\" in name or name in (".", ".."):
        raise LowlightError(f"invalid naming pattern '{options.pattern}': it must give a file name")
    names.check_pattern(options.pattern)
    return name


def _scan(folder: Path, recursive: bool, skip_dirs: set[Path]) -> FolderScan:
    """``folders.scan_folder_report``, leaving out our output folders (``enhanced/``, ``-o``)."""

    def skip(path: Path) -> bool:
        return path.name == DEFAULT_OUTPUT_DIRNAME or path.resolve() in skip_dirs

    return scan_folder_report(folder, recursive, skip)


def _claim_output(
    folder: Path, name: str, claimed: set[str], limit: int
) -> tuple[Path, tuple[str, ...]]:
    """The output ``folder / name``, its name cut to ``limit`` when longer (keeping the suffix),
    and made unique ignoring case against ``claimed`` (``-2``, ``-3``... before the suffix);
    claims it. Returns it and the notes to say with its result."""
    stem, suffix = Path(name).stem, Path(name).suffix
    candidate = names.fit_name(stem, suffix, limit)
    k = 1
    while names.case_key(folder / candidate) in claimed:
        k += 1
        candidate = names.fit_name(stem, f"-{k}{suffix}", limit)
    claimed.add(names.case_key(folder / candidate))
    notes = (names.shortened_note(name, candidate, limit),) if candidate != name and (
        names.name_length(name) > limit) else ()
    return folder / candidate, notes


def _is_dir(path: Path) -> bool:
    try:
        return path.is_dir()
    except OSError:  # a name too long, a loop: a file job, which fails with the reason
        return False


def collect_jobs(
    inputs: Iterable[str | Path], options: BatchOptions, left_out: list[LeftOut] | None = None
) -> list[Job]:
    """Jobs for files and folders (folders: their photos, in ``folders.scan_folder``'s natural
    order; ``options.recursive``: subfolders too, mirrored under the output folder, skipping
    ``enhanced/`` and the output folder itself).

    A file given twice is listed once; a path that does not exist is kept, so that it is
    reported as a failure. Outputs that would collide, also only in case (one file on APFS and
    NTFS), get ``-2``, ``-3``... appended; an output name too long for its disk is shortened
    (``Job.notes`` says so). ``left_out`` receives every file of the folders that is not taken
    as a photo, with why.
    """
    out_root = Path(options.output_dir).expanduser().resolve() if options.output_dir else None
    skip_dirs = {out_root} if out_root else set()
    jobs: list[Job] = []
    seen: set[Path] = set()
    claimed: set[str] = set()  # names.case_key of every output
    outputs: set[Path] = set()
    limits: dict[Path, int] = {}

    def add(source: Path, out_dir: Path) -> None:
        if source in seen:
            return
        seen.add(source)
        if out_dir not in limits:
            limits[out_dir] = names.name_max(out_dir)
        output, notes = _claim_output(out_dir, output_name(source, options), claimed,
                                      limits[out_dir])
        outputs.add(output)
        jobs.append(Job(source, output, notes))

    for item in inputs:
        path = Path(item).expanduser().resolve()
        if _is_dir(path):
            try:
                scan = _scan(path, options.recursive, skip_dirs)
            except OSError as exc:
                raise LowlightError(
                    f"cannot read the folder '{path}': {failures.os_reason(exc)}"
                ) from exc
            if left_out is not None:
                left_out += scan.left_out
            for source in scan.photos:
                rel = source.parent.relative_to(path)
                add(source, (out_root or path / DEFAULT_OUTPUT_DIRNAME) / rel)
        else:
            add(path, out_root or path.parent / DEFAULT_OUTPUT_DIRNAME)
    # A photo that is another job's output (e.g. from an earlier run into the same folder) is
    # not itself a source. A job whose output is its own source stays: run_batch refuses it.
    kept = [j for j in jobs if j.source not in outputs or j.output == j.source]
    if left_out is not None:
        left_out += [LeftOut(j.source, "the output of another photo of this batch")
                     for j in jobs if j not in kept]
    return kept


def check_output(jobs: list[Job], options: BatchOptions) -> None:
    """Refuse, before any work, an output that cannot be written.

    Raises ``LowlightError`` once (not once per photo after computing it) when the naming pattern
    does not give a suffix of a format this app writes (or gives one that contradicts
    ``options.fmt``), when an output folder (or a folder above it that would be created) is a
    file, or when it cannot be written to: found by creating a file there and removing it
    (``os.access`` says yes to every folder on Windows). Folders that do not exist yet are not
    created.
    """
    writable = set(formats.WRITE_SUFFIXES)
    wanted = None if options.fmt == "same" else imageio.output_format("PNG", options.fmt)
    for job in jobs:
        suffix = job.output.suffix.lower()
        if suffix not in writable:
            raise LowlightError(
                f"the naming pattern '{options.pattern}' gives '{job.output.name}', which has "
                f"no known image suffix: end it with '.{{ext}}' or one of "
                f"{', '.join(sorted(writable))}"
            )
        if wanted is not None and imageio.output_format("PNG", suffix) != wanted:
            raise LowlightError(
                f"the naming pattern '{options.pattern}' gives '{job.output.name}', but the "
                f"format asked for is {options.fmt}: use '.{{ext}}' in the pattern"
            )
    checked: set[Path] = set()
    for job in jobs:
        folder = job.output.parent
        if folder in checked:
            continue
        checked.add(folder)
        existing = folder
        while not _exists(existing) and existing.parent != existing:
            existing = existing.parent
        if _exists(existing) and not _is_dir(existing):
            raise LowlightError(f"the output folder '{existing}' is a file, not a folder")
        refused = imageio.can_create_in(existing) if _is_dir(existing) else None
        if refused is not None:
            what = "output folder" if existing == folder else "folder the output folder goes in"
            raise LowlightError(
                f"cannot write to the {what} '{existing}': {failures.os_reason(refused)}"
            )


def _exists(path: Path) -> bool:
    try:
        return path.exists()
    except OSError:
        return False


# -- running ----------------------------------------------------------------------------------


def _same_file(a: Path, b: Path) -> bool:
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
    except OSError:
        pass
    return os.path.normcase(os.path.abspath(a)) == os.path.normcase(os.path.abspath(b))


def _process(
    index: int,
    job: Job,
    engine: Any,
    options: BatchOptions,
    emit: Callable[[BatchEvent], None],
    cancel: CancelToken | None,
) -> ImageDone:
    t0 = time.perf_counter()
    photo = imageio.read_photo(job.source)
    quarter_turns = normalize(options.turns.get(job.source, 0))
    settings = options.settings_for(job.source)
    # once per photo: the well-exposed rule and the highlight check run the model on a probe
    how = plan(photo.data, engine, settings)
    decisions = how.decisions
    if decisions.unchanged is not None and not quarter_turns and _copies_as_is(photo, job.output):
        _make_folder(job.output.parent)
        written = imageio.copy_original(job.source, job.output, overwrite=options.overwrite)
        return ImageDone(
            index, job, written, time.perf_counter() - t0, list(decisions.notes),
            settings=settings, decisions=decisions,
        )

    def on_tile(done: int, total: int) -> None:
        emit(TileDone(index, job, done, total))

    # A writable photo (what read_photo decodes) is enhanced in place: one full-size array, not two.
    pixels, _ = develop(
        photo.data, engine, how, tile=options.tile, on_tile=on_tile, cancel=cancel,
        out=photo.data if photo.data.flags.writeable else None,
    )
    photo = photo.with_data(pixels)  # the original pixels are freed before encoding
    photo, pixels = turn(photo, pixels, quarter_turns)
    photo.notes[:0] = decisions.notes
    if cancel is not None and cancel.is_set():
        raise Cancelled("cancelled")
    _make_folder(job.output.parent)
    try:
        written = imageio.write_photo(
            photo, pixels, job.output, quality=options.quality, overwrite=options.overwrite,
            record=record_for(settings, decisions, engine),
        )
    except OSError as exc:
        raise LowlightError(f"cannot write '{job.output}': {failures.os_reason(exc)}") from exc
    return ImageDone(
        index, job, Path(written or job.output), time.perf_counter() - t0, list(photo.notes),
        settings=settings, decisions=decisions,
    )


def _copies_as_is(photo: imageio.Photo, output: Path) -> bool:
    """An unchanged photo's output can be its original file: the output is to be in the format
    the photo is stored in (a RAW, a HEIC, or a PNG asked for as JPEG is written out)."""
    stored = formats.by_name(photo.format)
    return stored is not None and stored.write and formats.for_suffix(output) is stored


def _make_folder(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise LowlightError(
            f"cannot create the output folder '{folder}': {failures.os_reason(exc)}"
        ) from exc


def _is_done(output: Path, options: BatchOptions) -> bool:
    """An earlier result that counts: not with overwrite; an empty or broken file is redone.
    Raises the OSError of a path that cannot even be looked at (a name too long)."""
    if options.overwrite or not output.exists():
        return False
    if imageio.is_complete_image(output):
        return True
    log.info("%s exists but is empty or unreadable: enhancing it again", output)
    return False


def _remove_stale_temps(jobs: list[Job]) -> None:
    """Remove temp files that a killed run left for these outputs (see imageio)."""
    by_folder: dict[Path, list[str]] = {}
    for job in jobs:
        by_folder.setdefault(job.output.parent, []).append(job.output.name)
    for folder, outputs in by_folder.items():
        for path in imageio.remove_stale_temps(folder, outputs):
            log.info("removed %s, left by an interrupted run", path)


def _run_job(
    index: int,
    job: Job,
    engine: Any,
    options: BatchOptions,
    emit: Callable[[BatchEvent], None],
    cancel: CancelToken | None,
) -> ImageDone | ImageSkipped | ImageFailed:
    """One photo, whatever happens to it: done, skipped or failed (``Cancelled`` passes)."""
    try:
        if _same_file(job.source, job.output):
            return ImageFailed(
                index, job, f"refusing to overwrite the original '{job.source}': "
                "choose another output folder or naming pattern",
            )
        if _is_done(job.output, options):
            return ImageSkipped(index, job, f"'{job.output}' already exists")
    except OSError as exc:  # e.g. a path too long to look at: this photo fails, not the batch
        return ImageFailed(index, job, f"cannot write '{job.output}': "
                           f"{failures.os_reason(exc, path=job.output)}")
    emit(ImageStarted(index, job))
    try:
        done = _process_retrying(index, job, engine, options, emit, cancel)
    except Cancelled:
        raise
    except OutputExists:
        return ImageSkipped(index, job, f"'{job.output}' was written by another run meanwhile")
    except LowlightError as exc:
        return ImageFailed(index, job, str(exc))
    except MemoryError:
        return ImageFailed(index, job, f"not enough memory to enhance '{job.source}'")
    except OSError as exc:  # a path of this photo that nothing above put in words
        return ImageFailed(index, job, f"cannot enhance '{job.source}': "
                           f"{failures.os_reason(exc)}")
    except Exception as exc:  # one bad file never stops the batch
        log.exception("unexpected error on %s", job.source)
        return ImageFailed(
            index, job,
            f"unexpected error while enhancing '{job.source}': {type(exc).__name__}: {exc}",
        )
    done.notes[:0] = [n for n in job.notes if n not in done.notes]
    return done


#: The tile size of the second try of a photo that ran out of memory (or half the first's).
RETRY_TILE = 512


def _process_retrying(
    index: int,
    job: Job,
    engine: Any,
    options: BatchOptions,
    emit: Callable[[BatchEvent], None],
    cancel: CancelToken | None,
) -> ImageDone:
    """``_process``; out of memory anywhere (decode, model, encode) is tried once more with
    smaller tiles and single-threaded codecs, then fails this photo with "not enough memory"."""
    try:
        return _process(index, job, engine, options, emit, cancel)
    except (Cancelled, OutputExists):
        raise
    except Exception as exc:
        if not failures.is_out_of_memory(exc):
            raise
        log.warning("out of memory on %s (%s): trying again with smaller tiles", job.source, exc)
    gc.collect()
    tile = RETRY_TILE if options.tile <= 0 else min(RETRY_TILE, max(1, options.tile // 2))
    try:
        with imageio.fewer_codec_threads():
            return _process(index, job, engine, replace(options, tile=tile), emit, cancel)
    except (Cancelled, OutputExists):
        raise
    except Exception as exc:
        if failures.is_out_of_memory(exc):
            raise LowlightError(f"not enough memory to enhance '{job.source}'") from exc
        raise


def run_batch(
    jobs: list[Job],
    engine: Any,
    options: BatchOptions,
    on_event: Callable[[BatchEvent], None] | None = None,
    cancel: CancelToken | None = None,
) -> BatchResult:
    """Enhance every job in turn; events go to ``on_event``. Returns what was done, skipped and
    failed. Setting ``cancel`` stops between tiles and terminates this batch's run in flight."""
    result = BatchResult()
    unique: list[Job] = []
    seen: set[Path] = set()
    for job in jobs:
        if job.source not in seen:
            seen.add(job.source)
            unique.append(job)

    def emit(event: BatchEvent) -> None:
        if on_event is not None:
            on_event(event)

    # Every inference this batch starts is registered with ``cancel``: setting it also stops
    # the run in flight, and only this batch's (the engine may be shared with a preview).
    engine = with_cancel(engine, cancel)
    _remove_stale_temps(unique)
    imageio.preload_codecs()
    emit(BatchStarted(len(unique)))
    for index, job in enumerate(unique):
        if cancel is not None and cancel.is_set():
            result.cancelled = True
            break
        try:
            event = _run_job(index, job, engine, options, emit, cancel)
        except Cancelled:
            result.cancelled = True
            break
        if isinstance(event, ImageDone):
            result.done.append(event)
        elif isinstance(event, ImageSkipped):
            result.skipped.append(event)
        else:
            result.failed.append(event)
        emit(event)
    if cancel is not None and cancel.is_set():
        result.cancelled = True
    emit(BatchFinished(len(result.done), len(result.skipped), len(result.failed), result.cancelled))
    return result
