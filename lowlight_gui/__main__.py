"""``python -m lowlight_gui`` opens the GUI."""

import sys

from lowlight_gui.app import main

if __name__ == "__main__":
    sys.exit(main())
