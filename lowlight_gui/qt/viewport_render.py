"""What is on screen first: the viewer's visible part goes to the preview worker, and the final
full-resolution parts it sends back (``PreviewRegion``) are painted over the fast preview.

The worker's full pass runs the tiles under the viewport first (``core/region_plan.py``);
``ViewportRender`` tells it what the viewer shows whenever that changes (a pan, a zoom, a
resize: no new request, the pass in flight reorders its tiles) and paints each part as it
arrives, at the Strength slider's mix. Parts of a superseded request are never painted (their
generation is old); the parts of the previous settings stay on show until the new request's
fast pass replaces the picture under them, so the view never falls back to blur for nothing;
the whole result ("full" pass) replaces them all.
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QObject, QRect, QSize, QTimer

from lowlight_gui.core.events import PreviewOriginal, PreviewRegion, PreviewResult
from lowlight_gui.qt.controls import ControlsPanel
from lowlight_gui.qt.preview import PreviewController
from lowlight_gui.qt.qimage import array_to_qimage, blend_uint8
from lowlight_gui.qt.viewer import CompareViewer


class ViewportRender(QObject):
    """GUI thread only: connects ``viewer`` and ``controller`` both ways (see the module)."""

    def __init__(
        self,
        controller: PreviewController,
        viewer: CompareViewer,
        controls: ControlsPanel,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.controller, self.viewer, self.controls = controller, viewer, controls
        self._parts: list[PreviewRegion] = []  # painted, oldest first
        # Where the latest request's final pixels are (photo pixels at full size), and whether
        # its whole result has come.
        self._final_mask: np.ndarray | None = None
        self._mask_generation = -1
        self._complete_generation = -1
        viewer.visibleRegionChanged.connect(controller.set_viewport)
        controller.worker.events.connect(self.apply)
        # Strength ticks re-mix the parts on show; one repaint per burst of ticks.
        self._blend_timer = QTimer(self)
        self._blend_timer.setSingleShot(True)
        self._blend_timer.setInterval(15)
        self._blend_timer.timeout.connect(self._repaint)
        controls.edited.connect(
            lambda key, _ongoing: self._blend_timer.start() if key == "strength" else None
        )

    def apply(self, event: object) -> None:
        """A preview worker event; only the latest request's are taken."""
        if getattr(event, "generation", None) != self.controller.generation:
            return
        if isinstance(event, PreviewOriginal):  # another photo (or read again)
            self._drop(before=None)
        elif isinstance(event, PreviewRegion):
            self._add(event)
        elif isinstance(event, PreviewResult):
            if event.stage == "full":  # the whole result is on show now
                self._complete_generation = event.generation
                self._drop(before=None)
            else:  # the new settings' picture is under them: older parts go
                self._drop(before=event.generation)

    def _add(self, part: PreviewRegion) -> None:
        self._parts.append(part)
        self._paint(part)
        box = part.box
        if (
            self._final_mask is None
            or self._mask_generation != part.generation
            or (self._final_mask.shape != (part.size[1], part.size[0]))
        ):
            self._final_mask = np.zeros((part.size[1], part.size[0]), bool)
            self._mask_generation = part.generation
        self._final_mask[box.y : box.bottom, box.x : box.right] = True

    def _drop(self, before: int | None) -> None:
        """Forget the parts of requests older than ``before`` (all of them: None)."""
        kept = [] if before is None else [p for p in self._parts if p.generation >= before]
        if len(kept) != len(self._parts):
            self._parts = kept
            self._repaint()

    def _paint(self, part: PreviewRegion) -> None:
        pixels = blend_uint8(part.before, part.after, self.controls.strength_value())
        b = part.box
        self.viewer.paint_final(
            QRect(b.x, b.y, b.width, b.height), array_to_qimage(pixels), QSize(*part.size)
        )

    def _repaint(self) -> None:
        self.viewer.clear_final()
        for part in self._parts:
            self._paint(part)

    def parts(self) -> list[PreviewRegion]:
        """The parts on show, oldest first."""
        return list(self._parts)

    def visible_final(self) -> bool:
        """The latest request's final pixels cover what the viewer shows of the photo."""
        generation = self.controller.generation
        if self._complete_generation == generation:
            return True
        visible, mask = self.viewer.visible_fraction(), self._final_mask
        if visible is None or mask is None or self._mask_generation != generation:
            return False
        h, w = mask.shape
        x0, y0 = math.floor(visible[0] * w), math.floor(visible[1] * h)
        x1, y1 = math.ceil(visible[2] * w), math.ceil(visible[3] * h)
        return bool(mask[y0 : max(y1, y0 + 1), x0 : max(x1, x0 + 1)].all())
