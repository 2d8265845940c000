"""The one exception type of the core.

Every failure whose cause is known is raised as a :class:`LowlightError` whose message is a whole
sentence meant for a person (``cannot read 'x.jpg': the file is empty``), so the CLI and the GUI can
show ``str(error)`` as it is, without a traceback.
"""

from __future__ import annotations


class LowlightError(Exception):
    """A failure with a known cause; ``str(error)`` is a sentence to show to the user."""


class Cancelled(LowlightError):
    """The user asked to stop; raised from inside long operations (tiling, writing)."""

    def __init__(self, message: str = "cancelled") -> None:
        super().__init__(message)


class OutputExists(LowlightError):
    """The output file appeared while it was being made (another run wrote it): left alone."""
