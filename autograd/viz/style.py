"""How a picture looks: colours, the font, the gradient cue, and text as Graphviz shows it.

Text
    Any str shows as typed (API.md: markup, quotes, control characters, U+FFFE/U+FFFF, lone
    surrogates).  label_text() turns it into the text of an HTML-like Graphviz label: entities
    for markup, a line break for each newline, and a visible escape (`\\x00`, `\\ufffe`,
    `\\ud800`) for each character that XML cannot carry or that would hide or reorder the text
    around it (control characters, lone surrogates, the noncharacters U+FFFE/U+FFFF, line and
    paragraph separators, bidirectional controls).  A line longer than LABEL_WIDTH characters
    wraps, and a picture shows at most LABEL_CHARS characters in LABEL_LINES lines of a label,
    then says how many more there are (`… +999,800 characters`): a million-character label
    draws at once, as a box of a readable size, instead of a box millions of points wide.
    The whole label is still the Value's .label, in the stepper and in JSON.

Font
    Graphviz lays text out with the metrics of FONT, DejaVu Sans: Graphviz's dot finds it
    through fontconfig, and graphviz-pure carries its metrics.  In the SVG, FONT_STACK names
    DejaVu Sans first and then fonts no wider (Verdana, which it was drawn after, then any
    sans-serif), so text laid out for DejaVu fits its box wherever the picture is viewed,
    with or without Arial.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable

from .._util import printable

__all__ = [
    "BOX_FILL",
    "BOX_INK",
    "EDGE",
    "FONT",
    "FONT_STACK",
    "HIGHLIGHT",
    "INK",
    "LABEL_CHARS",
    "LABEL_LINES",
    "LEAF_FILL",
    "MUTED",
    "NEGATIVE",
    "NONFINITE",
    "OP_FILL",
    "POSITIVE",
    "TARGET_FILL",
    "Cue",
    "label_text",
]

# colours
INK = "#343a40"          # text and borders
MUTED = "#868e96"        # op nodes, quiet edges, names made from an op (mul#6)
EDGE = "#adb5bd"         # an edge that carries no gradient
POSITIVE = "#1c7ed6"     # grad > 0
NEGATIVE = "#e03131"     # grad < 0
NONFINITE = "#ae3ec9"    # nan or inf
HIGHLIGHT = "#f08c00"    # highlighted nodes and the gradient path to them
LEAF_FILL = "#e9ecef"    # label cell of a leaf (an input or a parameter)
TARGET_FILL = "#fff3bf"  # a highlighted node
OP_FILL = "#f1f3f5"
BOX_FILL = "#f3f0ff"     # a folded neuron call
BOX_INK = "#7048e8"

FONT = "DejaVu Sans"     # what Graphviz measures text with
FONT_STACK = "'DejaVu Sans', Verdana, 'Bitstream Vera Sans', sans-serif"  # what the SVG asks for

LABEL_CHARS = 200        # characters of a label a picture shows
LABEL_LINES = 8          # lines of a label a picture shows
LABEL_WIDTH = 50         # characters in a line of a label before it wraps

def _line(s: str) -> str:
    """One line of text, escaped for an HTML-like label."""
    s = printable(s.replace("\t", " "))
    # Graphviz decodes entities, then expands escapes such as \N and \G: double the backslash.
    return html.escape(s, quote=True).replace("\\", "\\\\")


def label_text(label: object) -> str:
    """label as the text of an HTML-like label that shows it as typed: lines longer than
    LABEL_WIDTH wrapped, and shortened to LABEL_CHARS characters in LABEL_LINES lines."""
    s = label if isinstance(label, str) else str(label)  # .label may be set to anything
    s = s.replace("\r\n", "\n").replace("\r", "\n")
    shown: list[str] = []
    used = 0  # characters of s shown, line breaks included
    for k, line in enumerate(s.split("\n", LABEL_LINES)[:LABEL_LINES]):
        room = min(LABEL_CHARS - used - (k > 0), (LABEL_LINES - len(shown)) * LABEL_WIDTH)
        if room <= 0:
            break
        part = line[:room]
        shown += [part[i:i + LABEL_WIDTH] for i in range(0, len(part), LABEL_WIDTH)] or [""]
        used += len(part) + (k > 0)
        if len(part) < len(line):
            break
    hidden = len(s) - used
    text = "<br/>".join(_line(line) for line in shown)
    if hidden > 0:
        text += f'<font color="{MUTED}"> … +{hidden:,} character{"s" if hidden != 1 else ""}</font>'
    return text


def _mix(c1: str, c2: str, t: float) -> str:
    """The colour a fraction t of the way from c1 to c2."""
    a = [int(c1[i:i + 2], 16) for i in (1, 3, 5)]
    b = [int(c2[i:i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(x + (y - x) * t):02x}" for x, y in zip(a, b))


class Cue:
    """Colour and width for a gradient, relative to the largest one in the picture: no colour
    at all while every gradient is zero (before any backward pass)."""

    def __init__(self, grads: Iterable[float], flows: Iterable[float]) -> None:
        self.grad_scale = max((abs(g) for g in grads if math.isfinite(g)), default=0.0)
        self.flow_scale = max((abs(g) for g in flows if math.isfinite(g)), default=0.0)

    @staticmethod
    def _share(g: float, scale: float) -> float:
        if g == 0.0:
            return 0.0
        if not math.isfinite(g):
            return 1.0
        return min(1.0, abs(g) / scale) if scale > 0.0 else 0.0

    def fill(self, g: float) -> str:
        """Background of a grad cell: white for 0, a deeper blue (red) for a larger positive (negative)."""
        t = self._share(g, self.grad_scale)
        if t == 0.0:
            return "#ffffff"
        end = "#c5a8f0" if not math.isfinite(g) else "#74c0fc" if g > 0 else "#ffa8a8"
        return _mix("#ffffff", end, 0.25 + 0.75 * t)

    def edge(self, g: float) -> tuple[str, float]:
        """Colour and penwidth of an edge carrying the gradient g."""
        t = self._share(g, self.flow_scale)
        if t == 0.0:
            return EDGE, 1.0
        end = NONFINITE if not math.isfinite(g) else POSITIVE if g > 0 else NEGATIVE
        return _mix(EDGE, end, 0.35 + 0.65 * t), 1.0 + 3.5 * t
