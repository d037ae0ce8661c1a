"""The primitives over NumPy columns: what a batched Tape's generated code calls.

Each built-in primitive's float function (ieee.py, operator, math) has an array twin here that
computes, element by element, what the float function computes: the same IEEE 754 operations
(+ - * / and sqrt correctly rounded, so bit for bit; exp, log, tanh, sin, cos and power through
NumPy's own routines, within a few ulps), the same results at inf, nan, -0.0 and on overflow,
and no warning (the caller runs them under np.errstate(all="ignore")).  So are the generic
functions the derivative rules are written with (div, power, exp, log, step, sign, xlogy, ...).

A derivative rule is run over columns as it is written: `rule_on_arrays(rule)` gives a copy of
the rule whose global helpers (value.step, value.div, autograd.ops' exp, ...) are these array
twins, so a rule needs no second, array version.  What cannot run on arrays (a user's own float
function, a rule that asks `if a < 0`) is run one element at a time (np.frompyfunc): slower, never
wrong.  `forward_on_arrays(f)` does the same for a primitive's forward function.

Importing this module loads NumPy: only a batched Tape (batch.py) imports it.
"""

from __future__ import annotations

import builtins
import math
import operator
import sys
import types
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import ieee
from .. import value as _value
from .._util import as_float

__all__ = ["ARRAY_HELPERS", "relu_into", "array_forward", "rule_on_arrays", "forward_on_arrays",
           "elementwise", "as_rows"]

_where = np.where


def div(x: Any, y: Any) -> Any:
    """x / y elementwise, IEEE 754 (x/0 is +-inf or nan)."""
    return np.true_divide(x, y)


def power(x: Any, y: Any) -> Any:
    """x ** y elementwise as C's pow (and ieee.pow): nan for a negative base and a fractional
    exponent, +-inf at 0 ** negative, never complex."""
    return np.power(np.asarray(x, dtype=float), y)


def exp(x: Any) -> Any:
    return np.exp(x)


def log(x: Any) -> Any:
    return np.log(x)


def sqrt(x: Any) -> Any:
    return np.sqrt(x)


def sin(x: Any) -> Any:
    return np.sin(x)


def cos(x: Any) -> Any:
    return np.cos(x)


def tanh(x: Any) -> Any:
    return np.tanh(x)


def sigmoid(x: Any) -> Any:
    """ieee.sigmoid's two branches: 1/(1+e**-x) for x >= 0, e**x/(1+e**x) below (and at nan)."""
    e = np.exp(-np.abs(x))
    return _where(x >= 0.0, 1.0 / (1.0 + e), e / (1.0 + e))


def relu(x: Any) -> Any:
    """0.0 for x <= 0 (-0.0 included), else x; nan stays nan."""
    return relu_into(x, None)


def relu_into(x: Any, out: Any) -> Any:
    """relu(x) written into out (None: a new array).  np.maximum keeps nan; at +-0 it may give
    either zero, and adding 0.0 makes it 0.0."""
    out = np.maximum(x, 0.0, out=out)
    return np.add(out, 0.0, out=out)


def absolute(x: Any) -> Any:
    return np.abs(x)


def step(x: Any) -> Any:
    """value.step: 0 for x <= 0, else 1 (1 at nan).  (A cast of the comparison: twice as fast
    as np.where with two constants.)"""
    return np.logical_not(np.less_equal(x, 0.0)).astype(np.float64)


def sign(x: Any) -> Any:
    """ieee.sign: -1, 0 or 1; 0 at +-0 and at nan."""
    return _where(x > 0.0, 1.0, _where(x < 0.0, -1.0, 0.0))


def mul0(x: Any, y: Any) -> Any:
    """ieee.mul0: x * y, but 0 where x is 0 and y is inf or nan."""
    return _where((x == 0.0) & ~np.isfinite(y), 0.0, x * y)


def log_base(a: Any, b: Any) -> Any:
    """ieee.log_base: log(a), 0 where a is 0 and b >= 0."""
    return _where((a == 0.0) & (b >= 0.0), 0.0, np.log(a))


def inv_base(a: Any, b: Any) -> Any:
    """ieee.inv_base: 1/a, 0 where a is 0 and b >= 0."""
    return _where((a == 0.0) & (b >= 0.0), 0.0, np.true_divide(1.0, a))


def xlogy(x: Any, y: Any) -> Any:
    """value.xlogy: x * log(y), 0 where x is 0."""
    return mul0(x, np.log(y))


def xpowy(x: Any, a: Any, y: Any) -> Any:
    """value.xpowy: x * a**y, 0 where x is 0 and a**y is inf or nan."""
    return mul0(x, power(a, y))


def powlog(out: Any, a: Any, b: Any) -> Any:
    """value.powlog: d(a**b)/db = out * log_base(a, b)."""
    return out * log_base(a, b)


def neg(x: Any) -> Any:
    return -x


# The helpers by the name the rules (and the generated code) use: value.py's generic functions,
# autograd.ops' functions, and the primitives named after their ops.
ARRAY_HELPERS: dict[str, Callable[..., Any]] = {
    "div": div, "power": power, "exp": exp, "log": log, "sqrt": sqrt, "sin": sin, "cos": cos,
    "tanh": tanh, "sigmoid": sigmoid, "relu": relu, "abs": absolute, "step": step, "sign": sign,
    "xlogy": xlogy, "xpowy": xpowy, "powlog": powlog, "neg": neg, "mul0": mul0,
    "log_base": log_base, "inv_base": inv_base,
}

# The float functions the built-in primitives are registered with, and their array twins.
_FORWARD_TWINS: list[tuple[Any, Callable[..., Any]]] = [
    (operator.add, np.add), (operator.sub, np.subtract), (operator.mul, np.multiply),
    (operator.neg, np.negative), (operator.truediv, np.true_divide), (ieee.div, div),
    (ieee.pow, power), (ieee.exp, exp), (ieee.log, log), (ieee.sqrt, sqrt), (ieee.sin, sin),
    (ieee.cos, cos), (math.tanh, tanh), (ieee.sigmoid, sigmoid), (ieee.relu, relu),
    (builtins.abs, absolute), (operator.abs, absolute),
]


def _scalar_twins() -> dict[int, Callable[..., Any]]:
    """id(scalar function) -> its array twin: the forward functions above, and every function
    named like a helper in value.py, ieee.py and autograd.ops (when loaded)."""
    twins = {id(f): a for f, a in _FORWARD_TWINS}
    for module_name in ("autograd.value", "autograd.ieee", "autograd.ops"):
        module = sys.modules.get(module_name)
        if module is None:
            continue
        for name, a in ARRAY_HELPERS.items():
            f = getattr(module, name, None)
            if callable(f) and not isinstance(f, type):
                twins.setdefault(id(f), a)
        if module_name == "autograd.ieee":
            twins.setdefault(id(ieee.pow), power)
    # keep the functions alive as long as the ids are used
    return twins


_twins_cache: list[Any] = []


def _twins() -> dict[int, Callable[..., Any]]:
    if not _twins_cache or _twins_cache[0] != ("autograd.ops" in sys.modules):
        _twins_cache[:] = ["autograd.ops" in sys.modules, _scalar_twins()]
    twins: dict[int, Callable[..., Any]] = _twins_cache[1]
    return twins


def elementwise(f: Callable[..., Any], nargs: int | None = None) -> Callable[..., Any]:
    """f (floats in, a float out) applied one element at a time over arrays and floats."""
    ufuncs: dict[int, Any] = {}

    def apply(*args: Any) -> Any:
        ufunc = ufuncs.get(len(args))
        if ufunc is None:
            ufunc = ufuncs[len(args)] = np.frompyfunc(f, len(args), 1)
        out = ufunc(*args)
        return out.astype(float) if isinstance(out, np.ndarray) else float(out)

    apply.__name__ = getattr(f, "__name__", "elementwise")
    return apply


def array_forward(op: str) -> Callable[..., Any] | None:
    """The array twin of a registered op's forward function, or None when it has none."""
    return _twins().get(id(_value.PRIMITIVES[op].forward))


def forward_on_arrays(op: str) -> Callable[..., Any]:
    """op's forward over columns: its array twin, else its float function element by element."""
    p = _value.PRIMITIVES[op]
    return array_forward(op) or elementwise(p.forward, len(p.rules))


def rule_on_arrays(rule: Callable[..., Any]) -> Callable[..., Any]:
    """rule with the generic helpers it reads as globals (div, step, exp, ...) bound to their
    array twins; the rule itself if it reads none of them."""
    code = getattr(rule, "__code__", None)
    scope = getattr(rule, "__globals__", None)
    if code is None or scope is None:
        return rule
    twins = _twins()
    swap = {}
    for name in code.co_names:
        twin = twins.get(id(scope.get(name)))
        if twin is not None:
            swap[name] = twin
    if not swap:
        return rule
    namespace = dict(scope)
    namespace.update(swap)
    return types.FunctionType(code, namespace, rule.__name__, rule.__defaults__,
                              rule.__closure__)


def as_rows(rows: Any, width: int, who: str = "Tape.forward(rows)") -> Any:
    """rows as a float64 array of shape (N, width), N >= 1; else a ValueError or TypeError
    saying what was expected (nothing is changed)."""
    expected = (f"{who} takes N >= 1 rows of {width} number{'s' if width != 1 else ''} each "
                f"(one per batched leaf): a list of lists or an (N, {width}) NumPy array")
    if isinstance(rows, (str, bytes)):
        raise TypeError(f"{expected}; got text {rows[:40]!r}")
    try:
        array = np.asarray(rows)
    except ValueError as e:  # ragged: rows of different widths
        raise ValueError(f"{expected}; got rows of different widths ({e})") from None
    except TypeError as e:
        raise TypeError(f"{expected}; got {type(rows).__name__} ({e})") from None
    kind = array.dtype.kind
    if kind in "USO" and array.size:
        if kind == "O" and array.ndim < 2:
            raise ValueError(f"{expected}; got rows of different widths or non-numbers")
        bad = next((x for x in array.ravel() if not _is_number(x)), None)
        if bad is not None:
            what = "text" if isinstance(bad, (str, bytes, np.str_, np.bytes_)) else \
                type(bad).__name__
            raise TypeError(f"{expected}; got {what} {bad!r}")
    elif kind not in "biuf" and array.size:
        raise TypeError(f"{expected}; got numbers of dtype {array.dtype}")
    if array.ndim == 1 and array.size:
        raise ValueError(f"{expected}; got a flat list of {array.size} numbers (rows are lists: "
                         f"[[...], [...]], or one example as [[...]])")
    if array.ndim != 2 or array.shape[0] == 0:
        got = "no rows" if array.size == 0 else f"an array of shape {array.shape}"
        raise ValueError(f"{expected}; got {got}")
    if array.shape[1] != width:
        raise ValueError(f"{expected}; got rows of {array.shape[1]} numbers")
    if kind == "O":  # Python numbers, maybe an int beyond float range: +-inf, as Value(10**400)
        return np.array([as_float(x) for x in array.ravel()],
                        dtype=np.float64).reshape(array.shape)
    return np.array(array, dtype=np.float64)


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, complex)
