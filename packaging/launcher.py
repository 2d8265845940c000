"""Entry point of the frozen app (build.spec): the GUI, or ``--self-test``."""

import sys

from lowlight_gui.__main__ import main

if __name__ == "__main__":
    sys.exit(main())
