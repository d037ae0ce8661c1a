"""Small helpers that several modules share, under public names: numbers in, words out.

Nothing here knows about Values, so every module (value.py included) can import it.
"""

from __future__ import annotations

import math
import numbers
import re
from typing import Any

from .conventions import describe  # the one home of the error-message convention

__all__ = ["describe", "as_float", "finite", "format_number", "json_number", "printable", "same_functions"]


def as_float(x: Any) -> float | None:
    """x as a float if it is a real number (int, float, bool, NumPy scalar or size-1 array),
    else None.  An int beyond float range is +-inf, as IEEE 754 rounds it."""
    t = type(x)
    if t is float:
        return x
    if t is int or t is bool or isinstance(x, numbers.Real):
        try:
            return float(x)
        except OverflowError:  # an int (or Fraction) beyond float range
            return math.inf if x > 0 else -math.inf  # copysign(inf, x) would overflow too
    if getattr(x, "size", None) == 1 and hasattr(x, "dtype") and x.dtype.kind in "biuf":
        return float(x.reshape(-1)[0])  # a size-1 NumPy array
    return None


def finite(x: float) -> bool:
    """Whether x is neither nan nor +-inf (math.isfinite, without a call into C: the checked
    passes ask it of every contribution)."""
    return x - x == 0.0


def format_number(x: float) -> str:
    """x for people (pictures, steps, the player): four decimals (0.0877), or four significant
    digits when tiny or huge (1.234e-07); nan, inf, -inf."""
    if x != x:
        return "nan"
    if x in (math.inf, -math.inf):
        return "inf" if x > 0 else "-inf"
    if x == 0.0 or 1e-2 <= abs(x) < 1e6:
        return f"{x:.4f}"
    return f"{x:.4g}"


def json_number(x: float) -> float | str:
    """x itself when finite; the strings "nan", "inf", "-inf" otherwise (JSON has no such numbers)."""
    if math.isfinite(x):
        return x
    if x != x:
        return "nan"
    return "inf" if x > 0 else "-inf"


# characters shown as a Python escape: C0/C1 controls (tab and newline too: a name stays on its
# line), lone surrogates, U+FFFE/U+FFFF (not XML, not UTF-8), line/paragraph separators,
# bidirectional controls
_HIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e"
                     "\u2066-\u2069\ud800-\udfff\ufffe\uffff]")


def printable(text: str) -> str:
    """text as typed, with every character that a page, a picture or a terminal cannot show (or
    that would reorder what follows) written as its Python escape: "a\\x00b", "\\ud800"."""
    return _HIDDEN.sub(lambda m: repr(m.group())[1:-1], text)


def same_functions(fs: tuple[Any, ...], gs: tuple[Any, ...]) -> bool:
    """Whether two tuples of functions are the same code with the same captured values, as when
    one cell of a notebook runs again (primitive() then registers its op anew)."""
    def key(f: Any) -> Any:
        code = getattr(f, "__code__", None)
        if code is None:
            return f
        try:
            cells = tuple(c.cell_contents for c in f.__closure__ or ())
        except ValueError:  # an empty cell
            return f
        return code, f.__defaults__, cells
    try:
        return len(fs) == len(gs) and all(key(f) == key(g) for f, g in zip(fs, gs))
    except Exception:  # captured values that cannot be compared
        return False
