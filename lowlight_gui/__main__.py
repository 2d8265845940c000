"""The GUI's entry point: ``python -m lowlight_gui``, ``lowlight-gui`` and the frozen app
(packaging/launcher.py). ``--self-test`` runs the installation check instead of the GUI.

The choice is made here, above both: ``selftest`` starts the GUI through ``app`` to check it,
so ``app`` must not import ``selftest`` back.
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv if argv is None else argv)
    if "--self-test" in argv:
        from lowlight_gui import selftest  # written for packaged builds; imported only when asked

        return selftest.main(argv[1:])
    from lowlight_gui import app

    return app.main(argv)


if __name__ == "__main__":
    sys.exit(main())
