"""Value: one scalar node of a computation graph, its operators, and the table of derivatives.

Each node stores its operands and the local derivatives d out / d operand as plain floats,
computed once in the forward op.  Backward is then a tight loop over stored floats: no closure
per node (so no reference cycle per node: graphs die by reference counting) and no recursion.

Every derivative is written exactly once, in DERIVATIVES below.  The rules are written with
+ - * and the generic functions of this module (div, power, exp, log, ...), which act on floats
with IEEE 754 semantics and on Values by building graph nodes.  So the same rule gives the float
stored by the forward pass, the float used by backward() and the stepper, the edge label in
pictures, and the differentiable Value used by grad(create_graph=True).
"""

from __future__ import annotations

import math
import numbers
import operator
from typing import Any, Callable

__all__ = ["Value", "DERIVATIVES"]

_inf = math.inf
_nan = math.nan
_copysign = math.copysign
_new = object.__new__


# ---------------------------------------------------------------------------------------------
# IEEE 754 float functions: Python's math raises where IEEE 754 (NumPy, PyTorch) returns inf/nan.

def _div(x: float, y: float) -> float:
    try:
        return x / y
    except ZeroDivisionError:
        if x != x or x == 0.0:
            return _nan
        return _copysign(_inf, x) * _copysign(1.0, y)


def _is_odd_integer(y: float) -> bool:
    return y == y and abs(y) != _inf and y == int(y) and int(y) % 2 == 1


def _pow(x: float, y: float) -> float:
    try:
        r = x ** y
    except ZeroDivisionError:  # 0 ** negative
        return _copysign(_inf, x) if _is_odd_integer(y) else _inf
    except OverflowError:  # beyond float range, or a complex result too large (x < 0, y fractional)
        if x < 0.0 and y != int(y):  # here x and y are finite
            return _nan
        return -_inf if (x < 0.0 and _is_odd_integer(y)) else _inf
    if type(r) is complex:  # negative base, non-integer exponent
        return _nan
    return r


def _exp(x: float) -> float:
    try:
        return math.exp(x)
    except OverflowError:
        return _inf


def _log(x: float) -> float:
    if x > 0.0:
        return math.log(x)
    if x == 0.0:
        return -_inf
    return _nan  # negative or nan


def _sqrt(x: float) -> float:
    return math.sqrt(x) if x >= 0.0 else _nan


def _sin(x: float) -> float:
    try:
        return math.sin(x)
    except ValueError:  # +-inf
        return _nan


def _cos(x: float) -> float:
    try:
        return math.cos(x)
    except ValueError:
        return _nan


def _sigmoid(x: float) -> float:
    if x >= 0.0:
        return 1.0 / (1.0 + _exp(-x))
    e = _exp(x)  # x < 0 or nan: never overflows
    return e / (1.0 + e)


def _relu(x: float) -> float:
    return 0.0 if x <= 0.0 else x  # nan stays nan


# ---------------------------------------------------------------------------------------------
# Generic functions: floats in, float out (IEEE); a Value in, a Value out (a graph node).

def div(x: Any, y: Any) -> Any:
    """x / y: IEEE 754 on floats (x/0 is +-inf or nan), the "/" op on Values."""
    try:
        return x / y
    except ZeroDivisionError:
        return _div(x, y)


def power(x: Any, y: Any) -> Any:
    """x ** y: IEEE 754 on floats (never raises, never complex), the "**" op on Values."""
    if isinstance(x, Value) or isinstance(y, Value):
        return x ** y
    return _pow(x, y)


def exp(x: Any) -> Any:
    return x.exp() if isinstance(x, Value) else _exp(x)


def log(x: Any) -> Any:
    return x.log() if isinstance(x, Value) else _log(x)


def sin(x: Any) -> Any:
    return x.sin() if isinstance(x, Value) else _sin(x)


def cos(x: Any) -> Any:
    return x.cos() if isinstance(x, Value) else _cos(x)


def step(x: Any) -> float:
    """d relu / dx: 1 for x > 0, else 0 (0 at 0, as in PyTorch). Piecewise constant."""
    return 1.0 if float(x) > 0.0 else 0.0


def sign(x: Any) -> float:
    """d |x| / dx: -1, 0 or 1 (0 at 0); nan stays nan. Piecewise constant."""
    x = float(x)
    return 1.0 if x > 0.0 else -1.0 if x < 0.0 else x * 0.0  # x * 0.0 keeps nan, gives 0.0 at +-0


def xlogy(x: Any, y: Any) -> Any:
    """x * log(y), taken as 0 where x is 0 (the limit, as in scipy.special.xlogy)."""
    return 0.0 if float(x) == 0.0 else x * log(y)


def xpowy(x: Any, a: Any, y: Any) -> Any:
    """x * a**y, taken as 0 where x is 0 and a**y is inf or nan: the slope 0 * a**-1 of the
    constant a**0 is 0 even at a = 0 (as in PyTorch).  Elsewhere a graph through x is kept."""
    p = power(a, y)
    if float(x) == 0.0 and not math.isfinite(float(p)):
        return 0.0
    return x * p


# ---------------------------------------------------------------------------------------------
# The table of derivatives: d out / d a (and d out / d b) for out = a OP b, or out = OP(a).
# One line per primitive; the only place a derivative is written.

DERIVATIVES: dict[str, tuple[Callable[..., Any], ...]] = {
    "+":       (lambda a, b, out: 1.0,                      lambda a, b, out: 1.0),
    "-":       (lambda a, b, out: 1.0,                      lambda a, b, out: -1.0),
    "*":       (lambda a, b, out: b,                        lambda a, b, out: a),
    "/":       (lambda a, b, out: div(1.0, b),              lambda a, b, out: -div(out, b)),
    "**":      (lambda a, b, out: xpowy(b, a, b - 1.0),     lambda a, b, out: xlogy(out, a)),
    "neg":     (lambda a, out: -1.0,),
    "abs":     (lambda a, out: sign(a),),
    "exp":     (lambda a, out: out,),
    "log":     (lambda a, out: div(1.0, a),),
    "tanh":    (lambda a, out: 1.0 - out * out,),
    "sigmoid": (lambda a, out: out * (1.0 - out),),
    "relu":    (lambda a, out: step(a),),
    "sqrt":    (lambda a, out: div(0.5, out),),
    "sin":     (lambda a, out: cos(a),),
    "cos":     (lambda a, out: -sin(a),),
}

# The float function computing each primitive's forward value.
_FORWARD: dict[str, Callable[..., float]] = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "/": _div, "**": _pow,
    "neg": operator.neg, "abs": abs, "exp": _exp, "log": _log, "tanh": math.tanh,
    "sigmoid": _sigmoid, "relu": _relu, "sqrt": _sqrt, "sin": _sin, "cos": _cos,
}


# ---------------------------------------------------------------------------------------------
# Numbers accepted as data or as constant operands.

def _describe(x: Any) -> str:
    text = repr(x)
    if len(text) > 40:
        text = text[:37] + "..."
    return f"{type(x).__name__} {text}"


def _value_list(items: Any, who: str, name: str, *, hint: str = "", one: str = "x") -> list[Value]:
    """items as a list of Values, or a TypeError saying that who's argument name takes one."""
    expected = f"{who}: {name} must be a list of Values{hint}"
    if isinstance(items, Value):
        raise TypeError(f"{expected}, got one Value; write [{one}]")
    if isinstance(items, (str, bytes)):
        raise TypeError(f"{expected}, got {_describe(items)}")
    try:
        values = list(items)
    except TypeError:
        raise TypeError(f"{expected}, got {_describe(items)}") from None
    for i, x in enumerate(values):
        if not isinstance(x, Value):
            raise TypeError(f"{who}: {name}[{i}] must be a Value, got {_describe(x)}")
    return values


def _as_float(x: Any) -> float | None:
    """x as a float if it is a real number (int, float, bool, NumPy scalar or size-1 array)."""
    t = type(x)
    if t is float:
        return x
    if t is int or t is bool or isinstance(x, numbers.Real):
        try:
            return float(x)
        except OverflowError:  # an int (or Fraction) beyond float range
            return _inf if x > 0 else -_inf  # copysign(inf, x) would convert x and overflow too
    if getattr(x, "size", None) == 1 and hasattr(x, "dtype") and x.dtype.kind in "biuf":
        return float(x.reshape(-1)[0])  # a size-1 NumPy array
    return None


# ---------------------------------------------------------------------------------------------
# Hooks for no_grad and detect_anomaly: None on the fast path, so each op pays one check.

_hook: Callable[[Value], None] | None = None


def _node(data: float, op: str, a: Any, da: Any, b: Any, db: Any) -> Value:
    """A new op result.  a, b: the operands (a Value, or a float constant, or None);
    da, db: d out / d operand as floats, or None where the operand is not a parent."""
    out = _new(Value)
    out.data = data
    out.grad = 0.0
    out.label = ""
    out.op = op
    out._a = a
    out._da = da
    out._b = b
    out._db = db
    out._g = 0.0
    if _hook is not None:
        _hook(out)
    return out


def _unary(op: str) -> Callable[[Value], Value]:
    f = _FORWARD[op]
    (da,) = DERIVATIVES[op]

    def method(self: Value) -> Value:
        a = self.data
        out = f(a)
        return _node(out, op, self, da(a, out), None, None)

    method.__name__ = op
    method.__doc__ = f"{op}(self) as one graph node."
    return method


def _binary(op: str) -> tuple[Callable[[Value, Any], Any], Callable[[Value, Any], Any]]:
    f = _FORWARD[op]
    da, db = DERIVATIVES[op]

    def forward(self: Value, other: Any) -> Any:  # self OP other
        if isinstance(other, Value):
            a = self.data
            b = other.data
            out = f(a, b)
            return _node(out, op, self, da(a, b, out), other, db(a, b, out))
        b = other if type(other) is float else _as_float(other)  # a float constant: the usual case
        if b is None:
            return NotImplemented
        a = self.data
        out = f(a, b)
        return _node(out, op, self, da(a, b, out), b, None)

    def reflected(self: Value, other: Any) -> Any:  # other OP self, other a number
        a = other if type(other) is float else _as_float(other)
        if a is None:
            return NotImplemented
        b = self.data
        out = f(a, b)
        return _node(out, op, a, None, self, db(a, b, out))

    return forward, reflected


class Value:
    """A scalar in a computation graph: its data, its gradient, and how it was made."""

    # _made: where detect_anomaly() saw this Value made (check.py); set only inside it and left
    # empty otherwise, so ops never touch it, and the record dies with the Value.
    __slots__ = ("data", "grad", "label", "op", "_a", "_b", "_da", "_db", "_g", "_made")

    data: float
    grad: float
    label: str
    op: str

    def __init__(self, data: Any, label: str = "") -> None:
        if isinstance(data, Value):
            raise TypeError("Value() needs a number, got a Value; use v.detach() for a new leaf "
                            "or v.data for its number")
        x = _as_float(data)
        if x is None:
            raise TypeError(f"Value() needs a number (int, float or bool), got {_describe(data)}")
        if not isinstance(label, str):
            raise TypeError(f"Value() label must be a str, got {_describe(label)}")
        self.data = x
        self.grad = 0.0
        self.label = label
        self.op = ""
        self._a = self._b = self._da = self._db = None
        self._g = 0.0

    # -- the graph ---------------------------------------------------------------------------
    @property
    def parents(self) -> tuple[Value, ...]:
        """The Value operands of the op that made this node, in operand order ((a, a) for a*a)."""
        if self._da is not None:
            return (self._a, self._b) if self._db is not None else (self._a,)
        return (self._b,) if self._db is not None else ()

    @property
    def local(self) -> tuple[float, ...]:
        """d self / d parent for each parent, as floats, aligned with .parents."""
        if self._da is not None:
            return (self._da, self._db) if self._db is not None else (self._da,)
        return (self._db,) if self._db is not None else ()

    @property
    def operands(self) -> tuple[Any, ...]:
        """All operands of the op in order, constants (floats) included: (x, 2.0) for x * 2.0."""
        if self._a is None and self._b is None:
            return ()
        return (self._a,) if self._b is None else (self._a, self._b)

    # -- operators -----------------------------------------------------------------------------
    __add__, __radd__ = _binary("+")
    __sub__, __rsub__ = _binary("-")
    __mul__, __rmul__ = _binary("*")
    __truediv__, __rtruediv__ = _binary("/")
    __pow__, __rpow__ = _binary("**")
    __neg__ = _unary("neg")
    __abs__ = _unary("abs")
    exp = _unary("exp")
    log = _unary("log")
    tanh = _unary("tanh")
    sigmoid = _unary("sigmoid")
    relu = _unary("relu")
    sqrt = _unary("sqrt")
    sin = _unary("sin")
    cos = _unary("cos")

    def __pos__(self) -> Value:
        return self

    # -- comparisons look at data; == and hash are object's (identity), so Values key dicts ------
    def _other_data(self, other: Any, symbol: str) -> float:
        if isinstance(other, Value):
            return other.data
        x = _as_float(other)
        if x is None:
            raise TypeError(f"'{symbol}' compares a Value with a number or a Value, "
                            f"got {_describe(other)}")
        return x

    def __lt__(self, other: Any) -> bool:
        return self.data < self._other_data(other, "<")

    def __le__(self, other: Any) -> bool:
        return self.data <= self._other_data(other, "<=")

    def __gt__(self, other: Any) -> bool:
        return self.data > self._other_data(other, ">")

    def __ge__(self, other: Any) -> bool:
        return self.data >= self._other_data(other, ">=")

    def __float__(self) -> float:
        return self.data

    def __format__(self, spec: str) -> str:
        return format(self.data, spec) if spec else repr(self)

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{label})"

    # -- gradients -------------------------------------------------------------------------------
    def backward(self, grad: float = 1.0) -> None:
        """Add grad * d self / d n to n.grad for every node n that self depends on."""
        _engine.backward(self, grad)

    def zero_grad(self) -> None:
        """Set .grad = 0.0 on self and every node it depends on."""
        for node in _engine.topological_order(self):
            node.grad = 0.0

    def detach(self) -> Value:
        """A new leaf with the same data and label, cut off from the graph."""
        return Value(self.data, self.label)


from . import engine as _engine  # noqa: E402  (engine reads Values; imported last to avoid a cycle)
