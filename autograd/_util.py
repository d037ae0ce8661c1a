"""Small helpers that several modules share, under public names: numbers in, words out.

Nothing here knows about Values, so every module (value.py included) can import it.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

from .conventions import describe  # the one home of the error-message convention

__all__ = ["describe", "as_float", "finite", "format_number", "json_number", "power_text", "printable",
           "same_functions"]


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


def printable(text: str) -> str:
    """text as typed, with every character that a page, a picture or a terminal cannot show (or
    that would reorder what follows) written as its Python escape: "a\\x00b", "\\ud800",
    "w\\xa01".  The one escaping rule of every view: a character str.isprintable() refuses
    (controls, tab and newline, lone surrogates, U+FFFE/U+FFFF, separators other than the space,
    bidirectional and other format controls) shows as repr() writes it."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def power_text(a: str, b: str, exponent: Any) -> str:
    """d(a**b)/da as the course writes it (explain's text of the op **): 2*x for x**2, and
    n*x**(n-1) for a constant n; b*a**(b-1) for an exponent that is a node."""
    if not isinstance(exponent, (int, float)):
        return f"{b}*{a}**({b}-1)"
    return "1" if exponent == 1 else f"{b}*{a}" if exponent == 2 else f"{b}*{a}**{exponent - 1:g}"


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
