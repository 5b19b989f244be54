"""A one-line progress display for long synths, on an interactive terminal only.

Nothing is printed when stderr is not a TTY or ``CI`` is set: logs and
captured output stay exactly what they were.
"""

from __future__ import annotations

import os
import sys
import time
from typing import TextIO


def interactive(stream: TextIO | None = None) -> bool:
    """True when ``stream`` (default stderr) is a terminal and not in CI."""
    stream = stream if stream is not None else sys.stderr
    if os.environ.get("CI"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


class Progress:
    """Redraws ``label done/total`` in place, at most every ``interval`` seconds."""

    def __init__(self, stream: TextIO | None = None, interval: float = 0.1) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = interactive(self.stream)
        self.interval = interval
        self._last = 0.0
        self._shown = False

    def update(self, label: str, done: int, total: int) -> None:
        """Show progress of a step; cheap no-op when not interactive."""
        if not self.enabled:
            return
        now = time.monotonic()
        if done < total and now - self._last < self.interval:
            return
        self._last = now
        self.stream.write(f"\r\x1b[2K{label} {done}/{total}")
        self.stream.flush()
        self._shown = True

    def note(self, text: str) -> None:
        """Show a step without a count (e.g. writing the stacks)."""
        if not self.enabled:
            return
        self.stream.write(f"\r\x1b[2K{text}")
        self.stream.flush()
        self._shown = True

    def close(self) -> None:
        """Clear the line, so the command's own output starts clean."""
        if self.enabled and self._shown:
            self.stream.write("\r\x1b[2K")
            self.stream.flush()
