"""What the examples share: a small text progress bar for their training loops, and matplotlib
when it is installed."""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO


class Progress:
    """`label [#########---------] k/total  elapsed  note`, redrawn in place on a terminal.

    When the stream is not a terminal (a log, CI) it writes a line per tenth instead of
    carriage returns.
    """

    def __init__(self, total: int, label: str = "", *, width: int = 30,
                 stream: TextIO = sys.stderr) -> None:
        self.total, self.label, self.width, self.stream = total, label, width, stream
        self.live = hasattr(stream, "isatty") and stream.isatty()
        self.start = time.perf_counter()
        self._tenth = -1

    def update(self, k: int, note: str = "") -> None:
        """Show that k of total steps are done."""
        filled = self.width * k // self.total
        line = (f"{self.label} [{'#' * filled}{'-' * (self.width - filled)}] {k}/{self.total}"
                f"  {time.perf_counter() - self.start:5.1f}s  {note}")
        done = k >= self.total
        if self.live:
            self.stream.write("\r" + line + ("\n" if done else ""))
        elif done or k * 10 // self.total != self._tenth:
            self._tenth = k * 10 // self.total
            self.stream.write(line + "\n")
        self.stream.flush()


def pyplot() -> Any:
    """matplotlib.pyplot drawing to files (the Agg backend), or None, saying how to get it."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("(matplotlib is not installed: pip install 'chainrule[examples]' for the picture)")
        return None
    return plt
