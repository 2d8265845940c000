"""How soon the GUI shows a 24 MP camera RAW: the preview worker on a synthesised 6000x4000 DNG.

    python benchmarks/raw_preview.py [--model PATH] [--threads 2] [--full]

Makes the DNG once (``tests/rawfixtures.make_large_dng``, a night shot: 0.1 of the light, in
--work; a well-exposed photo would not be run through the model at all), times LibRaw's half-size
and full-size development on their own, then runs the GUI's ``PreviewWorker`` as the window does
(same thread as the caller, the shipped model unless --model) and reports the time from the
request to the original on show, to the first enhanced preview and (``--full``) to the full-size
result. ``--no-half`` shows what half-size development saves: the same request with the RAW
developed at full size before the fast pass (as any other photo is read).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "lowlight-raw")
    p.add_argument("--model", type=Path, default=None)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--full", action="store_true", help="also wait for the full-size pass")
    p.add_argument("--no-half", action="store_true",
                   help="develop the RAW at full size before the fast pass (for comparison)")
    args = p.parse_args()

    from PySide6.QtCore import QCoreApplication

    from lowlight_gui.core.cancel import CancelToken
    from lowlight_gui.core.engine_cache import EngineCache, EngineSpec
    from lowlight_gui.core.events import PreviewFailed, PreviewOriginal, PreviewResult
    from lowlight_gui.core.raw import decode_raw
    from lowlight_gui.qt import preview
    from lowlight_gui.qt.preview import PreviewRequest, PreviewWorker
    from lowlight_gui.resources import default_model_path
    from tests.rawfixtures import make_large_dng

    args.work.mkdir(parents=True, exist_ok=True)
    dng = args.work / "night24.dng"
    if not dng.exists():
        t0 = time.perf_counter()
        make_large_dng(dng, exposure=0.1)
        print(f"made {dng} ({dng.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - t0:.0f} s")

    for half in (True, False):
        t0 = time.perf_counter()
        raw = decode_raw(dng, half_size=half)
        print(f"decode_raw(half_size={half}): {raw.width}x{raw.height} "
              f"in {time.perf_counter() - t0:.2f} s")
        del raw

    if args.no_half:
        preview.is_raw_name = lambda _path: False  # type: ignore[assignment]
    _app = QCoreApplication.instance() or QCoreApplication([])
    engines = EngineCache()
    spec = EngineSpec(args.model or default_model_path(), "CPU", args.threads)
    engines.get(spec)  # loaded once at start-up in the app, not per photo
    worker = PreviewWorker(engines)
    marks: list[tuple[str, float]] = []
    t0 = time.perf_counter()

    def on_event(event: object) -> None:
        now = time.perf_counter() - t0
        if isinstance(event, PreviewOriginal):
            marks.append((f"original on show ({event.pixels.shape[1]}x{event.pixels.shape[0]})",
                          now))
        elif isinstance(event, PreviewResult):
            h, w = event.after.shape[:2]
            marks.append((f"{event.stage} result ({w}x{h}, inference {event.seconds:.2f} s)", now))
        elif isinstance(event, PreviewFailed):
            marks.append((f"failed: {event.message}", now))

    worker.events.connect(on_event)
    worker.latest = 1
    worker.run(PreviewRequest(1, dng, spec, 768, CancelToken(), full=args.full))
    for what, seconds in marks:
        print(f"{seconds:6.2f} s  {what}")


if __name__ == "__main__":
    main()
