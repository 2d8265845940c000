"""What is on screen first (issue 30): the preview's full pass runs the tiles under the viewport
first, follows a pan, drops the work of old settings, paints each final part over the fast
preview, and its whole result is still the pipeline's (and the batch's, when saved)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QObject, QPointF, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage

from lowlight_gui.core.batch import BatchOptions, collect_jobs, run_batch
from lowlight_gui.core.cancel import CancelToken
from lowlight_gui.core.engine import Engine
from lowlight_gui.core.engine_cache import EngineCache, EngineSpec
from lowlight_gui.core.events import (
    PreviewFailed,
    PreviewFinished,
    PreviewOriginal,
    PreviewProgress,
    PreviewRegion,
    PreviewResult,
    PreviewSaved,
)
from lowlight_gui.core.imageio import read_photo
from lowlight_gui.core.pipeline import develop, plan
from lowlight_gui.core.region_plan import TileCache
from lowlight_gui.core.settings import Settings
from lowlight_gui.core.tiling import Box
from lowlight_gui.qt.preview import PreviewController, PreviewRequest, PreviewWorker, _display
from lowlight_gui.qt.viewer import CompareViewer
from lowlight_gui.qt.viewport_render import ViewportRender
from tests.conftest import write_image

H, W = 560, 1100  # larger than the fast pass's 1024 px: both passes run
CORNER = (0.70, 0.60, 0.95, 0.90)  # a zoomed-in view of the bottom right
FAR = (0.02, 0.05, 0.22, 0.35)  # ... and of the top left


def _box(v: tuple[float, float, float, float], h: int = H, w: int = W) -> Box:
    x0, y0 = int(np.floor(v[0] * w)), int(np.floor(v[1] * h))
    x1, y1 = int(np.ceil(v[2] * w)), int(np.ceil(v[3] * h))
    return Box(x0, y0, x1 - x0, y1 - y0)


def _meets(a: Box, b: Box) -> bool:
    return a.x < b.right and b.x < a.right and a.y < b.bottom and b.y < a.bottom


def run_worker(model, photo, settings=None, *, tile=256, viewport=None, on_event=None, cache=None):
    """The preview worker's run of ``photo`` on this thread: (worker, its events in order)."""
    worker = PreviewWorker(EngineCache(), cache)
    events: list = []

    def record(event):
        events.append(event)
        if on_event is not None:
            on_event(worker, event)

    worker.events.connect(record)  # (same thread: delivered at once)
    worker.latest = 1
    worker.viewport = viewport
    spec = EngineSpec(model, "CPU", 1)
    request = PreviewRequest(1, Path(photo), spec, tile, CancelToken(), settings or Settings())
    worker.run(request)
    assert not [e for e in events if isinstance(e, PreviewFailed)], events
    return worker, events


def covered_at(events: list, box: Box) -> tuple[int, int]:
    """(index of the event, tiles done) when ``box`` was first covered by final parts."""
    mask = np.zeros((H, W), bool)
    done = 0
    for i, e in enumerate(events):
        if isinstance(e, PreviewProgress):
            done = e.done
        elif isinstance(e, PreviewRegion):
            mask[e.box.y : e.box.bottom, e.box.x : e.box.right] = True
            if mask[box.y : box.bottom, box.x : box.right].all():
                return i, done
    raise AssertionError(f"{box} was never covered")


def tiles_for(model, photo, box: Box, tile=256) -> int:
    """How many tiles of the whole photo's grid reach ``box``."""
    from lowlight_gui.core.region_plan import TileLayout
    from lowlight_gui.core.tiling import Grid

    engine = Engine(model, "CPU", threads=1)
    layout = TileLayout.of(H, W, Grid(tile, engine.overlap_output, engine.factor))
    return len(layout.tiles_for(box)), len(layout.tiles)


@pytest.fixture
def big_photo(tmp_path) -> Path:
    return write_image(tmp_path / "wide.png", h=H, w=W, seed=11)


def test_the_visible_tiles_come_first_then_the_fast_pass_then_the_rest(
    qapp, tiny_model_f4, big_photo
):
    _, events = run_worker(tiny_model_f4, big_photo, viewport=CORNER)
    view = _box(CORNER)
    at, done = covered_at(events, view)
    needed, total = tiles_for(tiny_model_f4, big_photo, view)
    assert needed < total / 2
    assert done == needed  # not one tile more before the view was final
    stages = [(i, e.stage) for i, e in enumerate(events) if isinstance(e, PreviewResult)]
    assert [s for _, s in stages] == ["preview", "full"]
    assert at < stages[0][0]  # zoomed in: the final view even before the fast pass
    assert isinstance(events[-1], PreviewFinished)
    # Every part is the same pixels as the whole result, and together they cover the photo.
    full = events[stages[1][0]]
    mask = np.zeros((H, W), bool)
    for e in events:
        if isinstance(e, PreviewRegion):
            b = e.box
            assert e.size == (W, H)
            np.testing.assert_array_equal(e.after, full.after[b.y : b.bottom, b.x : b.right])
            np.testing.assert_array_equal(e.before, full.before[b.y : b.bottom, b.x : b.right])
            mask[b.y : b.bottom, b.x : b.right] = True
    assert mask.all()


def test_zoomed_out_the_fast_pass_comes_first(qapp, tiny_model_f4, big_photo):
    _, events = run_worker(tiny_model_f4, big_photo, viewport=(0.0, 0.0, 1.0, 1.0))
    first = next(i for i, e in enumerate(events) if isinstance(e, (PreviewResult, PreviewRegion)))
    assert isinstance(events[first], PreviewResult) and events[first].stage == "preview"


def test_zooming_out_during_the_visible_tiles_brings_the_fast_pass_on(
    qapp, tiny_model_f4, big_photo
):
    def zoom_out(worker, event):
        if isinstance(event, PreviewRegion):
            worker.viewport = (0.0, 0.0, 1.0, 1.0)

    _, events = run_worker(tiny_model_f4, big_photo, viewport=CORNER, on_event=zoom_out)
    fast = next(i for i, e in enumerate(events) if isinstance(e, PreviewResult))
    assert events[fast].stage == "preview"
    done = [e.done for e in events[:fast] if isinstance(e, PreviewProgress)]
    assert done[-1] < tiles_for(tiny_model_f4, big_photo, _box(CORNER))[1]  # not all tiles


def test_pressing_1_once_the_photo_shows_puts_the_view_before_the_fast_pass(
    qapp, tiny_model_f4, big_photo
):
    def press_1(worker, event):  # the viewer zooms in as the original reaches it
        if isinstance(event, PreviewOriginal):
            worker.viewport = CORNER
            worker.zoomed()

    _, events = run_worker(tiny_model_f4, big_photo, viewport=(0, 0, 1, 1), on_event=press_1)
    at, _ = covered_at(events, _box(CORNER))
    fast = next(i for i, e in enumerate(events) if isinstance(e, PreviewResult))
    assert events[fast].stage == "preview" and at < fast


def test_a_pan_reprioritises(qapp, tiny_model_f4, big_photo):
    panned = []

    def pan_after_the_first_part(worker, event):
        if isinstance(event, PreviewRegion) and not panned:
            worker.viewport = FAR  # as the viewer reports a pan, between two tiles
            panned.append(True)

    _, events = run_worker(
        tiny_model_f4, big_photo, viewport=CORNER, on_event=pan_after_the_first_part
    )
    corner, far = _box(CORNER), _box(FAR)
    at, done = covered_at(events, far)
    needed_far, _ = tiles_for(tiny_model_f4, big_photo, far)
    needed_corner, _ = tiles_for(tiny_model_f4, big_photo, corner)
    first_done = next(e.done for e in events if isinstance(e, PreviewProgress))
    assert done <= first_done + needed_far  # the far view's tiles came next
    assert done < needed_corner + needed_far  # ... without finishing the corner first
    fast = next(i for i, e in enumerate(events) if isinstance(e, PreviewResult))
    assert at < fast


def test_the_whole_result_is_the_pipelines_and_the_save_is_the_batchs(qapp, base_model, tmp_path):
    photo = write_image(tmp_path / "dark.png", h=H, w=W, seed=4)
    settings = Settings(exposure=0.5, denoise=0.6, colour_noise=0.4, strength=0.8)
    worker, events = run_worker(base_model, photo, settings, tile=128, viewport=CORNER)
    [full] = [e for e in events if isinstance(e, PreviewResult) and e.stage == "full"]
    engine = Engine(base_model, "CPU", threads=1)
    data = read_photo(photo).data
    at_one = settings.replace(strength=1.0)  # (the preview runs at 1; the window blends)
    whole = develop(data, engine, plan(data, engine, at_one), tile=128).pixels
    np.testing.assert_array_equal(full.after, _display(whole))
    # "Save enhanced as" writes what the batch writes.
    target = tmp_path / "saved.png"
    worker.save(1, settings.strength, target, "png", 95)
    [saved] = [e for e in events if isinstance(e, PreviewSaved)]
    options = BatchOptions(output_dir=tmp_path / "batch", fmt="png", tile=128, settings=settings)
    result = run_batch(collect_jobs([photo], options), engine, options)
    [done] = result.done
    np.testing.assert_array_equal(read_photo(saved.path).data, read_photo(done.output).data)


def test_the_tile_cache_memory_is_bounded(qapp, tiny_model_f4, big_photo):
    budget = 3 * 256 * 256 * 3 * 4  # three tiles of the twelve
    worker, events = run_worker(
        tiny_model_f4, big_photo, viewport=FAR, cache=TileCache(max_bytes=budget)
    )
    assert 0 < worker.tiles.nbytes <= budget
    engine = Engine(tiny_model_f4, "CPU", threads=1)
    data = read_photo(big_photo).data
    whole = develop(data, engine, plan(data, engine, Settings()), tile=256).pixels
    [full] = [e for e in events if isinstance(e, PreviewResult) and e.stage == "full"]
    np.testing.assert_array_equal(full.after, _display(whole))


def test_a_setting_change_cancels_the_old_work(qapp, qtbot, slow_model, tmp_path):
    """The first request stops mid-run (its tile in flight too) when the exposure changes,
    and nothing of it comes after the new request's first event."""
    photo = write_image(tmp_path / "p.png", h=300, w=420, seed=2)
    controller = PreviewController(EngineCache())
    log: list = []
    controller.worker.events.connect(log.append, Qt.ConnectionType.DirectConnection)
    try:
        controller.set_viewport((0.0, 0.0, 0.3, 0.3))
        spec = EngineSpec(slow_model, "CPU", 1)
        first = controller.request(photo, spec, 256, Settings())
        qtbot.waitUntil(lambda: any(isinstance(e, PreviewRegion) for e in log), timeout=120000)
        second = controller.request(photo, spec, 256, Settings(exposure=0.7), refresh=True)
        qtbot.waitUntil(
            lambda: any(isinstance(e, PreviewFinished) and e.generation == second for e in log),
            timeout=240000,
        )
    finally:
        assert controller.shutdown()
    old = [e for e in log if isinstance(e, PreviewProgress) and e.generation == first]
    assert old[-1].done < old[-1].total  # stopped before its last tile
    assert not [e for e in log if isinstance(e, PreviewResult) and e.generation == first]
    start = next(i for i, e in enumerate(log) if getattr(e, "generation", 0) == second)
    assert all(e.generation == second for e in log[start:])
    assert any(isinstance(e, PreviewRegion) for e in log[start:])


class _Controls(QObject):
    edited = Signal(str, bool)  # as ControlsPanel: (key, gesture ongoing)

    def __init__(self) -> None:
        super().__init__()
        self.strength = 1.0

    def strength_value(self) -> float:
        return self.strength


class _Controller(QObject):
    """Stands in for PreviewController: a generation, a worker's events, a viewport."""

    events = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self.generation = 1
        self.worker = self  # (its ``events`` are the worker's)
        self.viewports: list = []

    def set_viewport(self, viewport) -> None:
        self.viewports.append(viewport)


def _part(generation: int, box: Box, value: int, size=(400, 300)) -> PreviewRegion:
    before = np.zeros((box.height, box.width, 3), np.uint8)
    after = np.full((box.height, box.width, 3), value, np.uint8)
    return PreviewRegion(generation, box, before, after, size)


def _canvas_at(viewer: CompareViewer, x: int, y: int) -> QColor:
    return viewer.final_image().pixelColor(x, y)


def test_no_stale_part_is_painted_after_the_new_ones(qapp, qtbot):
    viewer = CompareViewer()
    qtbot.addWidget(viewer)
    viewer.resize(200, 150)
    viewer.set_images(QImage(400, 300, QImage.Format.Format_RGB888))
    controller, controls = _Controller(), _Controls()
    render = ViewportRender(controller, viewer, controls)
    render.apply(_part(1, Box(0, 0, 50, 40), 200))
    assert _canvas_at(viewer, 10, 10).red() == 200
    controller.generation = 2  # new settings asked
    render.apply(_part(1, Box(100, 0, 50, 40), 90))  # late work of the old request: dropped
    assert len(render.parts()) == 1 and _canvas_at(viewer, 110, 10).alpha() == 0
    render.apply(_part(2, Box(200, 100, 50, 40), 120))
    assert [p.generation for p in render.parts()] == [1, 2]
    # The new settings' fast pass is under them now: the old parts go, the new one stays.
    render.apply(
        PreviewResult(
            2,
            "preview",
            np.zeros((1, 1, 3), np.uint8),
            np.zeros((1, 1, 3), np.uint8),
            0.1,
            0.1,
            "CPU",
        )
    )
    assert [p.generation for p in render.parts()] == [2]
    assert _canvas_at(viewer, 10, 10).alpha() == 0 and _canvas_at(viewer, 210, 110).red() == 120
    # Strength re-mixes the parts on show.
    controls.strength = 0.5
    controls.edited.emit("strength", True)
    qtbot.waitUntil(lambda: _canvas_at(viewer, 210, 110).red() == 60, timeout=2000)
    # The whole result replaces them all.
    render.apply(
        PreviewResult(
            2, "full", np.zeros((1, 1, 3), np.uint8), np.zeros((1, 1, 3), np.uint8), 0.1, 0.1, "CPU"
        )
    )
    assert render.parts() == [] and viewer.final_image() is None


def test_the_viewer_reports_what_it_shows_and_paints_parts_where_they_belong(qapp, qtbot):
    viewer = CompareViewer()
    qtbot.addWidget(viewer)
    viewer.resize(240, 180)  # (its smallest size)
    viewer.show()
    qtbot.waitExposed(viewer)
    reported: list = []
    viewer.visibleRegionChanged.connect(reported.append)
    before = QImage(400, 300, QImage.Format.Format_RGB888)
    before.fill(QColor(0, 0, 255))
    viewer.set_images(before, before.copy())
    viewer.set_mode("after")
    viewer.zoom_100()

    def reported_as(expected) -> bool:
        return bool(reported) and reported[-1] == pytest.approx(expected)

    qtbot.waitUntil(lambda: reported_as((0.2, 0.2, 0.8, 0.8)), timeout=5000)
    viewer.set_turns(1)  # shown 300 x 400: the view's middle is another part of the photo
    viewer.zoom_100()
    qtbot.waitUntil(lambda: reported_as((110 / 400, 30 / 300, 290 / 400, 270 / 300)), timeout=5000)
    # A part of the photo's top left (stored) shows at the top right of the turned view.
    viewer.zoom_fit()
    red = QImage(100, 100, QImage.Format.Format_RGB888)
    red.fill(QColor(255, 0, 0))
    viewer.paint_final(QRect(0, 0, 100, 100), red, QSize(400, 300))
    shot = viewer.grab().toImage()
    t = viewer.transform_for("after")
    top_right = t.map(QPointF(300 - 50, 50))  # stored (50, 50) turned clockwise
    bottom_left = t.map(QPointF(300 - 250, 350))  # stored (350, 250)
    assert shot.pixelColor(top_right.toPoint()) == QColor(255, 0, 0)
    assert shot.pixelColor(bottom_left.toPoint()) == QColor(0, 0, 255)


def test_in_the_window_1_gives_final_pixels_over_the_preview(make_window, tmp_path, qtbot):
    photo = write_image(tmp_path / "wide.png", h=H, w=W, seed=5)
    window = make_window()
    parts: list = []
    window.preview.worker.events.connect(
        lambda e: parts.append(e) if isinstance(e, PreviewRegion) else None
    )
    window.show()
    window.show_image(photo)
    qtbot.waitUntil(lambda: window.viewer.before_image() is not None, timeout=20000)
    window.viewer.setFocus()
    qtbot.keyClick(window.viewer, Qt.Key.Key_1)
    assert window.viewer.scale() == pytest.approx(1.0)
    qtbot.waitUntil(window.viewport_render.visible_final, timeout=60000)
    qtbot.waitUntil(lambda: window.preview_state.full_ready, timeout=60000)
    assert parts and all(p.generation == window.preview.generation for p in parts)
    assert window.viewport_render.parts() == []  # the whole result is on show now
    assert window.viewer.after_image().width() == W


def test_parts_show_before_any_enhanced_image(qapp, qtbot):
    """Zoomed in, the final parts come before the fast pass: they show over the original."""
    viewer = CompareViewer()
    qtbot.addWidget(viewer)
    viewer.resize(240, 180)
    viewer.show()
    qtbot.waitExposed(viewer)
    before = QImage(400, 300, QImage.Format.Format_RGB888)
    before.fill(QColor(0, 0, 255))
    viewer.set_images(before, None)
    viewer.set_mode("after")
    red = QImage(100, 100, QImage.Format.Format_RGB888)
    red.fill(QColor(255, 0, 0))
    viewer.paint_final(QRect(300, 200, 100, 100), red, QSize(400, 300))
    shot = viewer.grab().toImage()
    t = viewer.transform_for("after")
    assert shot.pixelColor(t.map(QPointF(350, 250)).toPoint()) == QColor(255, 0, 0)
    assert shot.pixelColor(t.map(QPointF(50, 50)).toPoint()) == QColor(0, 0, 255)


def test_the_full_plan_begins_before_the_photo_is_shown_and_serves_new_settings(
    qapp, lift_model, big_photo, monkeypatch
):
    """The full pass first waits for the photo's plan: it is begun as soon as the photo is
    read, before the original is converted for display; a plan at new settings reuses the
    photo's small copies and the model's results on them (``enhance.SmallCopies``)."""
    from lowlight_gui.core import enhance
    from lowlight_gui.qt import preview

    order: list[str] = []
    real_plan_soon = preview.PreviewWorker._plan_soon

    def plan_soon(self, stage, *a, **k):
        order.append(f"plan {stage}")
        return real_plan_soon(self, stage, *a, **k)

    monkeypatch.setattr(preview.PreviewWorker, "_plan_soon", plan_soon)
    real_display = preview._display
    monkeypatch.setattr(
        preview, "_display", lambda *a, **k: order.append("display") or real_display(*a, **k)
    )
    runs: list[float] = []
    real_probe = enhance.probe_result
    monkeypatch.setattr(
        enhance, "probe_result", lambda *a, **k: runs.append(a[3]) or real_probe(*a, **k)
    )
    worker, _ = run_worker(lift_model, big_photo)
    assert order.index("plan full") < order.index("display")
    first = len(runs)
    assert first > 0
    # the same photo at +0.5 EV: its full plan needs only the new exposure's probe runs
    spec = EngineSpec(lift_model, "CPU", 1)
    worker.latest = 2
    copies = worker._copies["full"]
    request = PreviewRequest(
        2, Path(big_photo), spec, 256, CancelToken(), Settings(exposure=0.5), refresh=True
    )
    worker.run(request)
    assert worker._copies["full"] is copies
    assert 0.0 not in runs[first:]  # the 0 EV runs (Auto shadows' look) were kept
