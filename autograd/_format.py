"""format_number: the one way chainrule writes a number for people (pictures, steps, the player).

It lives here, apart from viz and debug, so both use it without one importing the other.  The
HTML player's JavaScript `fmt` (autograd/debug/html.py) is its twin: change both together.
"""

from __future__ import annotations

import math

__all__ = ["format_number"]


def format_number(x: float) -> str:
    """x with four decimals (0.0877), or four significant digits when tiny or huge (1.234e-07)."""
    if x != x:
        return "nan"
    if x in (math.inf, -math.inf):
        return "inf" if x > 0 else "-inf"
    if x == 0.0 or 1e-2 <= abs(x) < 1e6:
        return f"{x:.4f}"
    return f"{x:.4g}"
