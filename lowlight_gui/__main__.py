"""The GUI's entry point: ``python -m lowlight_gui``, ``lowlight-gui`` and the frozen app
(packaging/launcher.py). ``--self-test`` runs the installation check instead of the GUI;
``--help`` and ``--version`` print and exit before Qt is loaded, so they work without a display.

The choice is made here, above both: ``selftest`` starts the GUI through ``app`` to check it,
so ``app`` must not import ``selftest`` back.
"""

from __future__ import annotations

import argparse
import sys


def build_parser() -> argparse.ArgumentParser:
    """The GUI's own arguments; anything else (Qt's ``-platform``, ``-style``...) goes to Qt."""
    from lowlight_gui import __version__

    parser = argparse.ArgumentParser(
        prog="lowlight-gui",
        description="Lowlight's window: browse photos, compare the enhanced result with the "
        "original, and enhance many photos in a batch queue. For the command line, see "
        "'lowlight --help'.",
        epilog="Qt's own options (for example -platform offscreen) are passed on to Qt.",
    )
    parser.add_argument("path", nargs="?", metavar="PATH",
                        help="a photo to show, or a folder to browse")
    parser.add_argument("--version", action="version", version=f"lowlight-gui {__version__}")
    parser.add_argument("--self-test", action="store_true",
                        help="check this installation (model, providers, RAW, Qt) and exit: "
                        "0 when every check passes; with --offscreen and --report FILE")
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv if argv is None else argv)
    if "--self-test" in argv:
        from lowlight_gui import selftest  # written for packaged builds; imported only when asked

        return selftest.main(argv[1:])
    if sys.stdout is not None:  # a windowed Windows build has nowhere to print help to
        try:
            build_parser().parse_known_args(argv[1:])  # --help, --version: print and exit
        except SystemExit as done:
            return int(done.code or 0)
    problem = _no_display(argv)
    if problem:
        if sys.stderr is not None:
            print(f"lowlight-gui: {problem}", file=sys.stderr)
        return 1
    from lowlight_gui import app

    return app.main(argv)


def _no_display(argv: list[str]) -> str | None:
    """Why the window cannot open on Linux (no display to show it on), or None. Said here in
    words, instead of Qt's abort, whose message blames the X11 libraries."""
    import os

    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return None
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY") or "-platform" in argv:
        return None
    return ("there is no display to show the window on (neither DISPLAY nor WAYLAND_DISPLAY "
            "is set): start it from a desktop session, or use the command line, 'lowlight "
            "enhance PHOTO_OR_FOLDER' ('lowlight --help')")


if __name__ == "__main__":
    sys.exit(main())
