"""IEEE 754 float functions: where Python's math raises (OverflowError, ValueError,
ZeroDivisionError) or goes complex, these return what IEEE 754, NumPy and PyTorch do: inf, -inf
or nan.  They are the forward functions of the primitives (value.py) and never raise.
"""

from __future__ import annotations

import math
from math import copysign, inf, nan

__all__ = ["div", "pow", "exp", "log", "sqrt", "sin", "cos", "sigmoid", "relu",
           "step", "sign", "mul0", "log_base", "inv_base"]



def div(x: float, y: float) -> float:
    try:
        return x / y
    except ZeroDivisionError:
        if x != x or x == 0.0:
            return nan
        return copysign(inf, x) * copysign(1.0, y)


def _is_odd_integer(y: float) -> bool:
    return y == y and abs(y) != inf and y == int(y) and int(y) % 2 == 1


def pow(x: float, y: float) -> float:
    try:
        r = x ** y
    except ZeroDivisionError:  # 0 ** negative
        return copysign(inf, x) if _is_odd_integer(y) else inf
    except OverflowError:  # beyond float range, or a complex result too large (x < 0, y fractional)
        if x < 0.0 and y != int(y):  # here x and y are finite
            return nan
        return -inf if (x < 0.0 and _is_odd_integer(y)) else inf
    if type(r) is complex:  # negative base, non-integer exponent
        return nan
    return r


def exp(x: float) -> float:
    try:
        return math.exp(x)
    except OverflowError:
        return inf


def log(x: float) -> float:
    if x > 0.0:
        return math.log(x)
    if x == 0.0:
        return -inf
    return nan  # negative or nan


def sqrt(x: float) -> float:
    return math.sqrt(x) if x >= 0.0 else nan


def sin(x: float) -> float:
    try:
        return math.sin(x)
    except ValueError:  # +-inf
        return nan


def cos(x: float) -> float:
    try:
        return math.cos(x)
    except ValueError:
        return nan


def sigmoid(x: float) -> float:
    if x >= 0.0:
        return 1.0 / (1.0 + exp(-x))
    e = exp(x)  # x < 0 or nan: never overflows
    return e / (1.0 + e)


def relu(x: float) -> float:
    return 0.0 if x <= 0.0 else x  # nan stays nan


# The choices derivative rules make, as float functions of primitives (value.py), so that a
# graph built by grad(create_graph=True) replays them.

def step(x: float) -> float:
    """d relu / dx: 0 for x <= 0, else 1; 1 at nan (PyTorch's threshold_backward)."""
    return 0.0 if x <= 0.0 else 1.0


def sign(x: float) -> float:
    """d |x| / dx: -1, 0 or 1; 0 at +-0 and at nan (PyTorch's sign)."""
    return 1.0 if x > 0.0 else -1.0 if x < 0.0 else 0.0


def mul0(x: float, y: float) -> float:
    """x * y, but 0 where x is 0 and y is inf or nan (a zero factor wins, as in xlogy)."""
    return x * y if x != 0.0 or y - y == 0.0 else 0.0


def log_base(a: float, b: float) -> float:
    """log(a) as the factor of d(a**b)/db: 0 where a is 0 and b >= 0 (PyTorch)."""
    return 0.0 if a == 0.0 and b >= 0.0 else log(a)


def inv_base(a: float, b: float) -> float:
    """1/a, 0 where a is 0 and b >= 0: d log_base(a, b) / da."""
    return 0.0 if a == 0.0 and b >= 0.0 else div(1.0, a)
