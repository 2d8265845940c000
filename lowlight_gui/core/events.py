"""What a run reports, as plain dataclasses: the batch (``batch.run_batch``) and the preview of
one photo (the GUI's preview worker).

The same objects travel all the way to whoever shows them: the CLI's progress bars, and in the
GUI one ``events`` signal per worker (Qt queues the object to the GUI thread as it is, paths stay
``Path``). Events of one run arrive in order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .settings import DEFAULTS, Settings

if TYPE_CHECKING:  # annotations only: importing events stays cheap
    import numpy as np

    from .batch import Job
    from .imageio import Photo
    from .pipeline import Decisions
    from .tiling import Box


# -- batch --------------------------------------------------------------------------------------


@dataclass
class BatchStarted:
    total: int


@dataclass
class ImageStarted:
    index: int
    job: Job


@dataclass
class TileDone:
    index: int
    job: Job
    done: int
    total: int


@dataclass
class ImageDone:
    index: int
    job: Job
    output: Path
    seconds: float
    notes: list[str] = field(default_factory=list)  # conversions and losses, for the person
    settings: Settings = DEFAULTS  # what the photo was developed with
    # what the pipeline decided for it (the EV the network got, the shadow lift, why it was
    # left as it is); None only for an ImageDone made without the pipeline
    decisions: Decisions | None = None


@dataclass
class ImageSkipped:
    index: int
    job: Job
    reason: str


@dataclass
class ImageFailed:
    index: int
    job: Job
    message: str


@dataclass
class BatchFinished:
    done: int
    skipped: int
    failed: int
    cancelled: bool


# Reported by the front end that runs a batch, around run_batch (which never emits them).
@dataclass
class EngineReady:
    provider: str  # the active provider's short name, e.g. "CPU"
    warnings: tuple[str, ...] = ()  # e.g. "CUDA failed to start; falling back to CPU"
    # keys of the settings the model cannot apply at any value (``settings.unsupported``)
    unsupported: tuple[str, ...] = ()


@dataclass
class BatchError:
    """The batch could not start (e.g. the model failed to load) or stopped on a bug."""

    message: str


BatchEvent = (
    BatchStarted | ImageStarted | TileDone | ImageDone | ImageSkipped | ImageFailed | BatchFinished
)


# -- preview ------------------------------------------------------------------------------------
# Each carries the generation of its request: a newer request makes older events stale.


@dataclass
class PreviewOriginal:
    """The photo as read, for display before any enhancement."""

    generation: int
    pixels: np.ndarray  # uint8 HxWx3
    photo: Photo


@dataclass
class PreviewResult:
    """Display arrays (uint8) of one pass; ``before`` has the same size as ``after``."""

    generation: int
    stage: str  # "preview" (fast, downscaled) | "full"
    before: np.ndarray
    after: np.ndarray
    seconds: float
    megapixels: float
    provider: str
    warnings: tuple[str, ...] = ()  # e.g. "CUDA failed to start; falling back to CPU"
    settings: Settings = DEFAULTS  # what the pass was developed with (at strength 1: the
    # window blends the strength for display and saving)
    decisions: Decisions | None = None  # what the pipeline decided for the photo


@dataclass
class PreviewProgress:
    """Tiles of the full-resolution pass."""

    generation: int
    done: int
    total: int


@dataclass
class PreviewFailed:
    generation: int
    message: str


@dataclass
class PreviewFinished:
    """The request's run is over: finished, failed, cancelled or stale."""

    generation: int


@dataclass
class PreviewSaved:
    path: Path


@dataclass
class PreviewSaveFailed:
    message: str


PreviewEvent = (
    PreviewOriginal
    | PreviewResult
    | PreviewProgress
    | PreviewFailed
    | PreviewFinished
    | PreviewSaved
    | PreviewSaveFailed
)


@dataclass
class PreviewRegion:
    """Final full-resolution pixels of part of the photo (the preview's full pass, the part on
    screen first): ``box`` in the photo's pixels at full size (``size``: its width and height,
    as stored, before any turn), ``before`` and ``after`` uint8 (box height x width x 3), the
    after at strength 1 (the window blends the strength)."""

    generation: int
    box: Box
    before: np.ndarray
    after: np.ndarray
    size: tuple[int, int]
