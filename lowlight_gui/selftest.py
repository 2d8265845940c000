"""``Lowlight --self-test``: prove that this installation (a source checkout or the frozen app)
can do its job, headless, and say so in a short report.

Checks, each reported as ``ok`` or ``FAILED`` with its time:

- resources: the model, the sample photo, the style sheet and the icons are found through
  ``lowlight_gui.resources`` (inside the bundle when frozen);
- providers: ONNX Runtime imports and lists its execution providers; every provider that needs a
  library of its own (CUDA, TensorRT, ...) has it next to ONNX Runtime, and, when frozen, every
  provider library the build environment had is in the bundle (a frozen app that silently lost
  its GPU provider is a bug);
- model: the shipped model loads; the active provider is reported;
- enhance: the bundled dark sample is enhanced; the result has the same size, is finite, in 0..1
  and clearly brighter; it is written atomically to a temporary folder and read back unchanged;
- formats: HEIC/HEIF support (pillow-heif) is registered; libvips loads (from the bundle when
  frozen) and writes a 16-bit PNG and TIFF and a JPEG with alpha, EXIF and an XMP rating that
  read back the same;
- raw: rawpy and its LibRaw library load (from the bundle when frozen) and the bundled sample DNG
  is developed to an upright 16-bit photo with its camera metadata, and gives a thumbnail;
- qt modules: every Qt module and every ``lowlight_gui.qt`` module imports; PySide6 keeps its
  references to None and True (issue 10); the platform plugins are there (the native one also
  loads);
- gui: the main window starts (offscreen when there is no display), is shown, events are
  processed and the app quits through its event loop; the time from process start to the window
  shown is reported;
- lean: nothing the GUI does imports torch, matplotlib, scikit-image, tkinter, ...

Exits 0 only if every check passed. ``--offscreen`` forces the offscreen platform;
``--report FILE`` also writes the report to FILE. A windowed Windows build has no stdout: the
report goes to the console the app was started from, or else to ``%TEMP%/lowlight-selftest.txt``.
An interactive cmd.exe or PowerShell does not wait for a windowed program, so the exit code is
lost unless it is waited for: ``start /wait Lowlight.exe --self-test --report r.txt`` then
``echo %ERRORLEVEL%`` (cmd), or ``(Start-Process Lowlight.exe -ArgumentList '--self-test' -Wait
-PassThru).ExitCode`` (PowerShell); docs/PACKAGING.md, "The self-test".
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

_T_IMPORT = time.perf_counter()

# The Qt modules the app imports (tests/test_selftest.py checks this against the source).
QT_MODULES: tuple[str, ...] = ("QtCore", "QtGui", "QtWidgets")
SAMPLE: tuple[str, ...] = ("resources", "sample", "night.jpg")
RAW_SAMPLE: tuple[str, ...] = ("resources", "sample", "sample.dng")  # 96x64, a dark scene
# Written by build.spec into the bundle root: what the build environment had.
BUNDLE_MANIFEST = "lowlight-bundle.json"
# Modules that only training, evaluation or development use; the GUI must not pull them in.
HEAVY_MODULES: tuple[str, ...] = (
    "torch", "matplotlib", "skimage", "scipy", "cv2", "tkinter", "IPython", "pytest",
    "lowlight_gui.core.metrics", "lowlight_gui.core.evaluate", "lowlight_gui.plots",
)
# Providers shipped as a separate shared library (loaded by ONNX Runtime at run time, through
# onnxruntime_providers_shared); DirectML, CoreML and CPU are built into onnxruntime itself.
PROVIDER_LIBRARIES: dict[str, str] = {
    "CUDAExecutionProvider": "onnxruntime_providers_cuda",
    "TensorrtExecutionProvider": "onnxruntime_providers_tensorrt",
    "ROCMExecutionProvider": "onnxruntime_providers_rocm",
    "MIGraphXExecutionProvider": "onnxruntime_providers_migraphx",
    "OpenVINOExecutionProvider": "onnxruntime_providers_openvino",
    "DnnlExecutionProvider": "onnxruntime_providers_dnnl",
}
SHARED_PROVIDER_LIBRARY = "onnxruntime_providers_shared"
# Platform plugins: the native one for a double-click, offscreen for headless runs.
PLATFORM_PLUGINS: dict[str, tuple[str, ...]] = {
    "linux": ("xcb", "offscreen", "minimal"),
    "win32": ("windows", "offscreen"),
    "darwin": ("cocoa", "offscreen"),
}
WATCHDOG_S = 300  # a hung check (a modal dialog, a deadlock) must not hang CI


class CheckFailed(Exception):
    """A check's condition did not hold; the message says which."""


def require(condition: bool, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


@dataclass
class Result:
    name: str
    ok: bool
    seconds: float
    detail: str


class SelfTest:
    def __init__(self, offscreen: bool = False) -> None:
        self.offscreen = offscreen
        self.results: list[Result] = []
        self.context: dict = {}  # values shared between checks (engine, sample, ...)
        self.tmp = Path(tempfile.mkdtemp(prefix="lowlight-selftest-"))

    # -- running -----------------------------------------------------------------------------

    def check(self, name: str, fn: Callable[[], str | None]) -> bool:
        t0 = time.perf_counter()
        try:
            detail, ok = fn() or "", True
        except CheckFailed as exc:
            detail, ok = str(exc), False
        except BaseException as exc:  # any failure is a FAILED line, not a crash
            if isinstance(exc, KeyboardInterrupt):
                raise
            last = traceback.extract_tb(exc.__traceback__)[-1:]
            where = f" ({Path(last[0].filename).name}:{last[0].lineno})" if last else ""
            detail, ok = f"{type(exc).__name__}: {exc}{where}", False
        self.results.append(Result(name, ok, time.perf_counter() - t0, detail))
        return ok

    def run(self) -> bool:
        self.check("resources", self.check_resources)
        # The GUI first, so that "window shown" is timed as a user would see it after a
        # double-click, not after the other checks have loaded ONNX Runtime and the model.
        self.check("gui", self.check_gui)
        self.check("providers", self.check_providers)
        model_ok = self.check("model", self.check_model)
        if model_ok:
            self.check("enhance", self.check_enhance)
        else:
            self.results.append(Result("enhance", False, 0.0, "skipped: the model did not load"))
        self.check("formats", self.check_formats)
        self.check("raw", self.check_raw)
        self.check("qt modules", self.check_qt_modules)
        self.check("qt plugins", self.check_qt_plugins)
        self.check("lean", self.check_lean)
        return all(r.ok for r in self.results)

    # -- checks ------------------------------------------------------------------------------

    def check_resources(self) -> str:
        from lowlight_gui.resources import default_model_path, is_frozen, resource_path

        found = {
            "model": default_model_path(),
            "sample": resource_path(*SAMPLE),
            "raw sample": resource_path(*RAW_SAMPLE),
            "style": resource_path("resources", "style.qss"),
            "icon": resource_path("resources", "icons", "lowlight-256.png"),
        }
        missing = [f"{k} ({p})" for k, p in found.items() if not p.is_file()]
        require(not missing, "not found: " + ", ".join(missing))
        require(found["model"].stat().st_size > 0, f"the model file is empty: {found['model']}")
        if is_frozen() and not os.environ.get("LOWLIGHT_MODEL"):
            # abspath, not resolve: in a macOS .app the data are symlinks into Contents/Resources
            root = Path(os.path.abspath(getattr(sys, "_MEIPASS", Path(sys.executable).parent)))
            outside = [
                f"{k} ({p})" for k, p in found.items() if root not in Path(os.path.abspath(p)).parents
            ]
            require(not outside, f"found outside the bundle {root}: " + ", ".join(outside))
        self.context["sample"] = found["sample"]
        self.context["raw sample"] = found["raw sample"]
        size_mb = found["model"].stat().st_size / 1e6
        return f"model {found['model']} ({size_mb:.1f} MB)"

    def check_providers(self) -> str:
        import onnxruntime

        from lowlight_gui.core.engine import available_providers

        full = list(onnxruntime.get_available_providers())
        short = available_providers()
        require("CPUExecutionProvider" in full, f"no CPU provider in {full}")
        capi = Path(os.path.abspath(onnxruntime.__file__)).parent / "capi"
        present = sorted(p.name for p in capi.iterdir()) if capi.is_dir() else []

        def has(stem: str) -> bool:
            return any(stem in name for name in present)

        notes = []
        needed = [PROVIDER_LIBRARIES[p] for p in full if p in PROVIDER_LIBRARIES]
        if needed:
            needed.append(SHARED_PROVIDER_LIBRARY)
        missing = [lib for lib in needed if not has(lib)]
        require(not missing, f"providers {full} need {missing}, not found in {capi}")
        manifest = self._manifest()
        if manifest is not None:  # frozen: everything the build environment had came along
            lost = [lib for lib in manifest.get("onnxruntime_libraries", []) if lib not in present]
            require(not lost, f"provider libraries lost in the bundle (missing from {capi}): {lost}")
            notes.append(f"{len(manifest.get('onnxruntime_libraries', []))} ORT libraries bundled")
        shared = [n for n in present if SHARED_PROVIDER_LIBRARY in n]
        notes.append(f"{shared[0]} present" if shared else f"no {SHARED_PROVIDER_LIBRARY} library")
        return f"onnxruntime {onnxruntime.__version__}, available {short} ({', '.join(notes)})"

    def check_model(self) -> str:
        from lowlight_gui.core.engine import Engine
        from lowlight_gui.resources import default_model_path

        engine = Engine(default_model_path(), provider="auto")
        self.context["engine"] = engine
        extra = f"; warnings: {' | '.join(engine.warnings)}" if engine.warnings else ""
        return (
            f"active provider {engine.active_provider}, factor {engine.factor}, "
            f"overlap {engine.overlap}, gain input {engine.has_gain_input}{extra}"
        )

    def check_enhance(self) -> str:
        import numpy as np

        from lowlight_gui.core.imageio import read_photo, write_photo
        from lowlight_gui.core.pipeline import develop

        photo = read_photo(self.context["sample"])
        src = photo.pixels
        t0 = time.perf_counter()
        out = develop(src, self.context["engine"]).pixels  # the batch's pipeline, on floats
        run_s = time.perf_counter() - t0
        require(out.shape == src.shape, f"output shape {out.shape} != input shape {src.shape}")
        require(bool(np.isfinite(out).all()), "the output has NaN or infinite values")
        lo, hi = float(out.min()), float(out.max())
        require(lo >= 0.0 and hi <= 1.0, f"the output is outside 0..1 ({lo:.3f}..{hi:.3f})")
        m_in, m_out = float(src.mean()), float(out.mean())
        require(
            m_out >= m_in + 0.05 and m_out >= 1.5 * m_in,
            f"the output is not clearly brighter (mean {m_in:.3f} -> {m_out:.3f})",
        )
        folder = self.tmp / "out"
        target = write_photo(photo, out, folder / "night_enhanced.png")
        leftovers = sorted(p.name for p in folder.iterdir() if p != target)
        require(not leftovers, f"temporary files left beside the output: {leftovers}")
        back = read_photo(target).pixels
        require(back.shape == out.shape, f"read back {back.shape}, wrote {out.shape}")
        err = float(np.abs(back - out).max())
        require(err <= 1.0 / 255 + 1e-6, f"read back differs by {err * 255:.1f}/255")
        return (
            f"{photo.width}x{photo.height}, mean {m_in:.3f} -> {m_out:.3f}, "
            f"enhanced in {run_s:.2f} s, written and read back ({target.stat().st_size // 1024} KB)"
        )

    def check_formats(self) -> str:
        import numpy as np
        import PIL
        from PIL import Image

        from lowlight_gui.core.imageio import Photo, read_photo, write_photo
        from lowlight_gui.resources import is_frozen

        exts = Image.registered_extensions()
        require(".heic" in exts, "HEIC/HEIF support (pillow-heif) is not registered")
        try:  # libvips itself: the binary wheel's library (pyvips_binary.libs, .dylibs, ...)
            import pyvips
        except (ImportError, OSError) as exc:
            raise CheckFailed(f"16-bit PNG/TIFF support is missing: libvips does not load ({exc})"
                              ) from exc
        if is_frozen():  # libvips must come from the bundle, not from the machine
            root = Path(os.path.abspath(getattr(sys, "_MEIPASS", Path(sys.executable).parent)))
            where = Path(os.path.abspath(pyvips.__file__))
            require(root in where.parents, f"pyvips was loaded from outside the bundle: {where}")
        # 16 bits, alpha, EXIF, ICC and XMP through libvips' encoders and back
        data = (np.arange(6 * 8 * 3, dtype=np.uint16).reshape(6, 8, 3) * 1031).astype(np.uint16)
        xmp = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
               b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
               b'xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:Rating="4"/></rdf:RDF></x:xmpmeta>')
        exif = Image.Exif()
        exif[0x010F] = "Lowlight"
        photo = Photo(data, alpha=np.full((6, 8), 40000, np.uint16), exif=exif.tobytes(),
                      bit_depth=16, xmp=xmp)
        for suffix in (".png", ".tif", ".jpg"):
            back = read_photo(write_photo(photo, data, self.tmp / "formats" / f"sixteen{suffix}"))
            kept = back.xmp is not None and b'xmp:Rating="4"' in back.xmp and back.exif is not None
            require(kept, f"{suffix}: the EXIF or the XMP rating was lost")
            if suffix != ".jpg":
                require(back.bit_depth == 16 and np.array_equal(back.data, data)
                        and back.alpha is not None, f"{suffix}: 16-bit pixels or alpha changed")
        version = ".".join(str(pyvips.version(i)) for i in range(3))
        return (f"Pillow {PIL.__version__} with HEIC/HEIF, libvips {version}: 16-bit PNG/TIFF, "
                "EXIF and XMP written and read back")

    def check_raw(self) -> str:
        import numpy as np

        try:  # the extension and LibRaw's shared libraries beside it (rawpy.libs, .dylibs)
            import rawpy
        except ImportError as exc:
            raise CheckFailed(
                f"camera RAW support is missing: rawpy (LibRaw) does not load ({exc})"
            ) from exc
        from lowlight_gui.core.imageio import read_photo
        from lowlight_gui.core.raw import raw_thumbnail
        from lowlight_gui.resources import is_frozen, resource_path

        if is_frozen():  # LibRaw must come from the bundle, not from the machine
            root = Path(os.path.abspath(getattr(sys, "_MEIPASS", Path(sys.executable).parent)))
            where = Path(os.path.abspath(rawpy._rawpy.__file__))
            require(root in where.parents, f"rawpy was loaded from outside the bundle: {where}")
        sample = self.context.get("raw sample") or resource_path(*RAW_SAMPLE)
        require(sample.is_file(), f"the sample DNG is not found ({sample})")
        photo = read_photo(sample)
        data = photo.data
        require(
            photo.format == "RAW" and data.dtype == np.uint16 and data.shape == (64, 96, 3),
            f"{sample.name} developed to {data.shape} {data.dtype}, not 64x96x3 uint16",
        )
        mean = float(data.mean()) / 65535
        require(0.02 < mean < 0.6, f"{sample.name} developed too dark or too bright ({mean:.3f})")
        require(photo.exif is not None, f"no camera metadata was read from {sample.name}")
        thumb = raw_thumbnail(sample, 64)
        require(thumb.dtype == np.uint8 and max(thumb.shape[:2]) == 64,
                f"the thumbnail is {thumb.shape} {thumb.dtype}")
        libraw = ".".join(str(v) for v in rawpy.libraw_version)
        return (
            f"rawpy {rawpy.__version__} (LibRaw {libraw}): {sample.name} developed to "
            f"{photo.width}x{photo.height} 16-bit, mean {mean:.3f}, camera EXIF, "
            f"thumbnail {thumb.shape[1]}x{thumb.shape[0]}"
        )

    def check_qt_modules(self) -> str:
        import importlib
        import pkgutil

        import PySide6

        for name in QT_MODULES:
            importlib.import_module(f"PySide6.{name}")
        import lowlight_gui.qt as qt_pkg

        names = sorted(m.name for m in pkgutil.iter_modules(qt_pkg.__path__))
        require(bool(names), f"no modules found in lowlight_gui.qt ({list(qt_pkg.__path__)})")
        for name in names:
            importlib.import_module(f"lowlight_gui.qt.{name}")
        from lowlight_gui.qt.pyside_guard import is_known_defective, lost_references

        # A PySide6 that loses references to None aborts the app mid-batch (issue 10).
        lost = lost_references()
        require(
            not lost and not is_known_defective(),
            f"PySide6 {PySide6.__version__} loses references ({lost or 'a denylisted release'})",
        )
        return f"PySide6 {PySide6.__version__}: {', '.join(QT_MODULES)}; {len(names)} lowlight_gui.qt modules"

    def check_qt_plugins(self) -> str:
        from PySide6.QtCore import QCoreApplication, QLibraryInfo, QPluginLoader

        dirs = [Path(p) for p in QCoreApplication.libraryPaths()]
        dirs.append(Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath)))
        files: dict[str, Path] = {}
        for d in dirs:
            folder = d / "platforms"
            if folder.is_dir():
                for f in folder.iterdir():
                    stem = f.name.split(".")[0].removeprefix("lib").removeprefix("q")
                    files.setdefault(stem, f)
        key = "linux" if sys.platform.startswith("linux") else sys.platform
        wanted = PLATFORM_PLUGINS.get(key, ("offscreen",))
        missing = [w for w in wanted if w not in files]
        require(not missing, f"platform plugins missing: {missing} (searched {[str(d) for d in dirs]})")
        native = wanted[0]
        loader = QPluginLoader(str(files[native]))
        require(loader.load(), f"the {native} platform plugin does not load: {loader.errorString()}")
        return f"platforms {sorted(files)}; {native} loads"

    def check_gui(self) -> str:
        if self.offscreen or (
            sys.platform.startswith("linux")
            and not os.environ.get("DISPLAY")
            and not os.environ.get("WAYLAND_DISPLAY")
        ):
            os.environ["QT_QPA_PLATFORM"] = "offscreen"
        from PySide6.QtCore import QTimer
        from PySide6.QtWidgets import QApplication

        from lowlight_gui.app import create_app, create_window
        from lowlight_gui.qt.settings import Settings
        from lowlight_gui.qt.startup import check_enhancement
        from lowlight_gui.resources import default_model_path

        # A start-up problem would open a modal dialog and wait for a click: fail instead.
        _providers, problem = check_enhancement(default_model_path())
        require(problem is None, f"the window would report a start-up problem: {problem}")
        argv = [sys.argv[0] if sys.argv else "lowlight"]
        app = create_app(argv)
        # A throw-away settings file: the self-test neither reads nor changes the user's.
        window = create_window(argv, settings=Settings(self.tmp / "settings.ini"))
        for _ in range(5):
            app.processEvents()
        shown_s = process_age()
        require(window.isVisible(), "the main window is not visible after show()")
        title = window.windowTitle()
        state = {"quit_by_loop": False}

        def finish() -> None:
            state["quit_by_loop"] = True
            window.close()
            app.quit()

        QTimer.singleShot(100, finish)
        QTimer.singleShot(15000, lambda: app.exit(2))  # the loop must not hang
        rc = app.exec()
        require(rc == 0 and state["quit_by_loop"], f"the event loop did not quit cleanly (rc {rc})")
        require(not window.isVisible(), "the window is still visible after close()")
        platform_name = QApplication.platformName()
        self.context["shown_s"] = shown_s
        since = "process start" if shown_s is not None else "self-test import"
        secs = shown_s if shown_s is not None else time.perf_counter() - _T_IMPORT
        return f"platform {platform_name}, window {title!r} shown {secs:.2f} s after {since}"

    def check_lean(self) -> str:
        loaded = [m for m in HEAVY_MODULES if m in sys.modules]
        require(not loaded, f"imported although the GUI never needs them: {loaded}")
        return f"none of {len(HEAVY_MODULES)} heavy/dev-only modules imported"

    # -- helpers -----------------------------------------------------------------------------

    def _manifest(self) -> dict | None:
        from lowlight_gui.resources import is_frozen

        if not is_frozen():
            return None
        path = Path(getattr(sys, "_MEIPASS", Path(sys.executable).parent)) / BUNDLE_MANIFEST
        require(path.is_file(), f"the bundle manifest {path} is missing (built without build.spec?)")
        return json.loads(path.read_text(encoding="utf-8"))

    def report(self) -> str:
        from lowlight_gui import __version__
        from lowlight_gui.resources import is_frozen

        kind = "frozen" if is_frozen() else "source"
        head = (
            f"Lowlight {__version__} self-test ({kind}, Python {platform.python_version()}, "
            f"{platform.system()} {platform.machine()})"
        )
        lines = [head]
        width = max(len(r.name) for r in self.results)
        for r in self.results:
            status = "ok" if r.ok else "FAILED"
            lines.append(f"  {r.name:<{width}}  {status:<6} {r.seconds:6.2f} s  {r.detail}")
        failed = [r.name for r in self.results if not r.ok]
        total = time.perf_counter() - _T_IMPORT
        age = process_age()
        total_txt = f"{age:.2f} s since process start" if age is not None else f"{total:.2f} s"
        verdict = "PASSED" if not failed else f"FAILED ({', '.join(failed)})"
        lines.append(f"self-test {verdict} in {total_txt}")
        return "\n".join(lines)


def process_age() -> float | None:
    """Seconds since this process was created (None where the platform does not say)."""
    try:
        if sys.platform.startswith("linux"):
            with open("/proc/self/stat", encoding="ascii") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            start = int(fields[19]) / os.sysconf("SC_CLK_TCK")  # field 22: starttime, in ticks
            with open("/proc/uptime", encoding="ascii") as f:
                return float(f.read().split()[0]) - start
        if sys.platform == "win32":
            import ctypes
            from ctypes import wintypes

            k32 = ctypes.windll.kernel32
            k32.GetCurrentProcess.restype = wintypes.HANDLE
            times = [wintypes.FILETIME() for _ in range(4)]
            now = wintypes.FILETIME()
            if not k32.GetProcessTimes(k32.GetCurrentProcess(), *map(ctypes.byref, times)):
                return None
            k32.GetSystemTimeAsFileTime(ctypes.byref(now))

            def ticks(ft: wintypes.FILETIME) -> int:
                return (ft.dwHighDateTime << 32) | ft.dwLowDateTime

            return (ticks(now) - ticks(times[0])) / 1e7
    except (OSError, ValueError, IndexError, AttributeError):
        return None
    return None


def _output() -> TextIO | None:
    """Where the report goes: stdout, or (a windowed Windows build has none) the console of the
    process that started the app."""
    if sys.stdout is not None:
        return sys.stdout
    if sys.platform == "win32":
        try:
            import ctypes

            if ctypes.windll.kernel32.AttachConsole(-1):  # ATTACH_PARENT_PROCESS
                return open("CONOUT$", "w", encoding="utf-8", errors="replace")
        except OSError:
            pass
    return None


def _watchdog(seconds: float) -> threading.Timer:
    def bail() -> None:
        out = _output() or sys.__stderr__
        if out is not None:
            print(f"self-test FAILED: still running after {seconds:.0f} s, giving up", file=out)
            out.flush()
        os._exit(3)

    timer = threading.Timer(seconds, bail)
    timer.daemon = True
    timer.start()
    return timer


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    report_file = None
    if "--report" in argv:
        i = argv.index("--report")
        report_file = Path(argv[i + 1]) if i + 1 < len(argv) else None
    watchdog = _watchdog(WATCHDOG_S)
    test = SelfTest(offscreen="--offscreen" in argv)
    try:
        passed = test.run()
    finally:
        watchdog.cancel()
        shutil.rmtree(test.tmp, ignore_errors=True)  # its outputs, however the checks ended
    text = test.report()
    out = _output()
    if out is not None:
        try:
            print(text, file=out)
        except UnicodeEncodeError:  # a console that cannot show a path's characters
            print(text.encode("ascii", "replace").decode("ascii"), file=out)
        out.flush()
    elif report_file is None:
        report_file = Path(tempfile.gettempdir()) / "lowlight-selftest.txt"
    if report_file is not None:
        report_file.write_text(text + "\n", encoding="utf-8")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
