"""Value: one scalar node of a computation graph, its operators, and the table of primitives.

Each node stores its operands and the local derivatives d out / d operand as plain floats,
computed once in the forward op.  Backward is then a tight loop over stored floats: no closure
per node (so no reference cycle per node: graphs die by reference counting) and no recursion.

Every primitive is registered exactly once, by one `primitive(name, forward, *rules)` statement
in the class body below, which reads as a table of derivatives.  The rules are written with
+ - * and the generic functions of this module (div, power, exp, log, ...), which act on floats
with IEEE 754 semantics and on Values by building graph nodes.  So the same rule gives the float
stored by the forward pass (read by backward(), the stepper, pictures and explain), and the
differentiable Value used by grad(create_graph=True); the Tape evaluates it on symbols.
"""

from __future__ import annotations

import math
import operator
from collections import deque
from collections.abc import Callable
from typing import Any, NamedTuple

from . import ieee
from ._util import as_float, describe

__all__ = ["Value", "Primitive", "PRIMITIVES", "primitive", "methods", "write",
           "div", "power", "exp", "log", "sin", "cos", "step", "sign", "xlogy", "xpowy", "powlog"]

_new = object.__new__


# ---------------------------------------------------------------------------------------------
# The float functions of the primitives (IEEE 754: never raise), under the names the rules and
# the Tape use

_div, _pow, _exp, _log = ieee.div, ieee.pow, ieee.exp, ieee.log
_sqrt, _sin, _cos, _sigmoid, _relu = ieee.sqrt, ieee.sin, ieee.cos, ieee.sigmoid, ieee.relu


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
    """d relu / dx: 0 for x <= 0 (0 at 0), else 1; at nan 1, passing the nan gradient on, as
    PyTorch's threshold_backward does (result <= 0 ? 0 : grad).  Piecewise constant."""
    return 0.0 if float(x) <= 0.0 else 1.0


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


def powlog(out: Any, a: Any, b: Any) -> Any:
    """d (a**b) / d b = a**b * log(a), for out = a**b.  0 where a is 0 and b >= 0, as in PyTorch
    (the limit from a > 0: 0**b is constant 0, or 1 at b = 0); elsewhere xlogy(out, a)."""
    if float(a) == 0.0 and float(b) >= 0.0:
        return 0.0
    return xlogy(out, a)



# ---------------------------------------------------------------------------------------------
# The registry of primitives: name -> forward float function and derivative rules.

class Primitive(NamedTuple):
    """One primitive op: its name (Value.op), the float function computing it, and its rules:
    d out / d operand for each operand, as rule(a, out) or rule(a, b, out)."""

    name: str
    forward: Callable[..., float]
    rules: tuple[Callable[..., Any], ...]


PRIMITIVES: dict[str, Primitive] = {}


def primitive(name: str, forward: Callable[..., float], *rules: Callable[..., Any],
              doc: str = "") -> Any:
    """Register a primitive and return the Value method(s) computing it as one graph node:
    one method for a unary op, (method, reflected method) for a binary one; doc is their help."""
    if name in PRIMITIVES:
        raise ValueError(f"primitive {name!r} is registered already")
    p = PRIMITIVES[name] = Primitive(name, forward, rules)
    made = methods(p)
    if doc:
        for method in made if isinstance(made, tuple) else (made,):
            method.__doc__ = doc
    return made


# Hooks for the modes (no_grad, detect_anomaly; engine.py): None on the fast path, so making a
# node pays one check.  _hook(out) sees each new op result, _leaf_hook(v) each new leaf.
_hook: Callable[[Value], None] | None = None
_leaf_hook: Callable[[Value], None] | None = None


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


def methods(p: Primitive) -> Any:
    """The Value method(s) computing primitive p: see primitive()."""
    f, name = p.forward, p.name
    if len(p.rules) == 1:
        (rule,) = p.rules

        def method(self: Value) -> Value:
            a = self.data
            out = f(a)
            return _node(out, name, self, rule(a, out), None, None)

        method.__name__ = name
        method.__doc__ = f"{name}(self), as one graph node."
        return method

    da, db = p.rules

    def forward(self: Value, other: Any) -> Any:  # self OP other
        if isinstance(other, Value):
            a = self.data
            b = other.data
            out = f(a, b)
            return _node(out, name, self, da(a, b, out), other, db(a, b, out))
        c = other if type(other) is float else as_float(other)  # a float constant: the usual case
        if c is None:
            return NotImplemented
        a = self.data
        out = f(a, c)
        return _node(out, name, self, da(a, c, out), c, None)

    def reflected(self: Value, other: Any) -> Any:  # other OP self, other a number
        a = other if type(other) is float else as_float(other)
        if a is None:
            return NotImplemented
        b = self.data
        out = f(a, b)
        return _node(out, name, a, None, self, db(a, b, out))

    forward.__doc__ = f"self {name} other, as one graph node."
    reflected.__doc__ = f"other {name} self, as one graph node."
    return forward, reflected


class Value:
    """A scalar in a computation graph: its data, its gradient, and how it was made.

    data: the number (a float).  grad: d root / d self summed by backward() (starts at 0.0).
    label: your name for it, shown by every view.  op: the op that made it ("" for a leaf).
    parents: the Value operands of that op, in order.  local: d self / d parent for each.
    """

    # _a, _b: the operands (Value, float constant or None); _da, _db: d self / d operand, None
    # where the operand is not a parent; _g: backward()'s upstream sum (engine.py, under its
    # lock); _made: where detect_anomaly() saw this Value made (check.py), left empty otherwise;
    # _r: the replay of a Tape that recorded this op node (keeps it alive), empty otherwise.
    __slots__ = {
        "data": "The number this node holds (a float; int and bool are converted).",
        "grad": "d root / d self summed by backward() (starts at 0.0; zero_grad() resets it).",
        "label": "Your name for this node, shown by every view (else the variable holding it, "
                 "else op#n).  chainrule never changes it.",
        "op": 'The op that made this node: "+", "*", "**", "exp", "tanh", "sigmoid", ...; '
              '"" for a leaf.',
        "_a": "", "_b": "", "_da": "", "_db": "", "_g": "", "_made": "", "_r": ""}

    data: float
    grad: float
    label: str
    op: str

    def __init__(self, data: Any, label: str = "") -> None:
        if isinstance(data, Value):
            raise TypeError("Value() needs a number, got a Value; use v.detach() for a new leaf "
                            "or v.data for its number")
        x = as_float(data)
        if x is None:
            raise TypeError(f"Value() needs a number (int, float or bool), got {describe(data)}")
        if not isinstance(label, str):
            raise TypeError(f"Value() label must be a str, got {describe(label)}")
        self.data = x
        self.grad = 0.0
        self.label = label
        self.op = ""
        self._a = self._b = self._da = self._db = None
        self._g = 0.0
        if _leaf_hook is not None:
            _leaf_hook(self)

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

    # -- the primitives: name, forward function, d out / d each operand --------------------------
    __add__, __radd__ = primitive(
        "+", operator.add, lambda a, b, out: 1.0, lambda a, b, out: 1.0,
        doc="self + other as one node (a Value, int or float on either side); "
            "d/dself = 1, d/dother = 1.")
    __sub__, __rsub__ = primitive(
        "-", operator.sub, lambda a, b, out: 1.0, lambda a, b, out: -1.0,
        doc="self - other; d/dself = 1, d/dother = -1.")
    __mul__, __rmul__ = primitive(
        "*", operator.mul, lambda a, b, out: b, lambda a, b, out: a,
        doc="self * other; d/dself = other, d/dother = self.")
    __truediv__, __rtruediv__ = primitive(
        "/", _div, lambda a, b, out: div(1.0, b), lambda a, b, out: -div(out, b),
        doc="self / other (IEEE 754: x/0 is +-inf or nan, never raises); "
            "d/dself = 1/other, d/dother = -self/other**2.")
    __pow__, __rpow__ = primitive(
        "**", _pow, lambda a, b, out: xpowy(b, a, b - 1.0), lambda a, b, out: powlog(out, a, b),
        doc="self ** other; Value**Value and 2**v differentiate wrt base and exponent: "
            "d/dself = other * self**(other-1), d/dother = self**other * log(self) "
            "(0 where self = 0 and other >= 0, as in PyTorch).")
    __neg__ = primitive("neg", operator.neg, lambda a, out: -1.0,
                        doc="-self; derivative -1.")
    __abs__ = primitive("abs", abs, lambda a, out: sign(a),
                        doc="abs(self); derivative sign(self) (0 at 0).")
    exp = primitive("exp", _exp, lambda a, out: out,
                    doc="e**self (inf on overflow); derivative exp(self), its own value.")
    log = primitive("log", _log, lambda a, out: div(1.0, a),
                    doc="Natural log (-inf at 0, nan below); derivative 1/self.")
    tanh = primitive("tanh", math.tanh, lambda a, out: 1.0 - out * out,
                     doc="tanh(self); derivative 1 - tanh(self)**2.")
    sigmoid = primitive("sigmoid", _sigmoid, lambda a, out: out * (1.0 - out),
                        doc="1/(1+e**-self) as one node, numerically stable (1.0 at 1000, 0.0 at "
                            "-1000); derivative sigmoid * (1 - sigmoid), the course's sigmoid'(z).")
    relu = primitive("relu", _relu, lambda a, out: step(a),
                     doc="max(0, self); derivative 1 above 0, else 0 (0 at 0, as in PyTorch).")
    sqrt = primitive("sqrt", _sqrt, lambda a, out: div(0.5, out),
                     doc="sqrt(self) (nan below 0); derivative 1/(2*sqrt(self)).")
    sin = primitive("sin", _sin, lambda a, out: cos(a),
                    doc="sin(self); derivative cos(self).")
    cos = primitive("cos", _cos, lambda a, out: -sin(a),
                    doc="cos(self); derivative -sin(self).")

    def __pos__(self) -> Value:
        """+v is v itself."""
        return self

    # -- comparisons look at data; == and hash are object's (identity), so Values key dicts ------
    def _other_data(self, other: Any, symbol: str) -> float:
        if isinstance(other, Value):
            return other.data
        x = as_float(other)
        if x is None:
            raise TypeError(f"'{symbol}' compares a Value with a number or a Value, "
                            f"got {describe(other)}")
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
        """float(v) is v.data."""
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

    # -- copies: the whole graph, at any depth, without recursion --------------------------------
    def __copy__(self) -> Value:
        """A new node made by the same op from the same operands (the graph above is shared)."""
        if _engine.pending_replays:  # a Tape's replay pending here is applied first
            _engine.settle((self,))
        new = _new(Value)
        new.__setstate__(self.__getstate__())
        return new

    def __deepcopy__(self, memo: dict[int, Any]) -> Value:
        """A copy of the whole graph below self; nodes already copied (memo) are reused."""
        keep = memo.setdefault(id(memo), [])  # as copy.deepcopy does: keep originals alive
        for node in _engine.topological_order(self):  # parents before children: no recursion
            if id(node) in memo:
                continue
            new = _new(Value)
            state = node.__getstate__()
            a, b = state[3], state[5]
            new.__setstate__(state[:3] + (memo[id(a)] if isinstance(a, Value) else a,) + state[4:5]
                             + (memo[id(b)] if isinstance(b, Value) else b,) + state[6:])
            memo[id(node)] = new
            keep.append(node)
        return memo[id(self)]

    def __getstate__(self) -> tuple[Any, ...]:
        return (self.data, self.grad, self.label, self._a, self._da, self._b, self._db, self.op,
                getattr(self, "_made", None))

    def __setstate__(self, state: tuple[Any, ...]) -> None:
        (self.data, self.grad, self.label, self._a, self._da, self._b, self._db, self.op,
         made) = state[-9:]
        self._g = 0.0
        if made is not None:
            self._made = made

    def __reduce__(self) -> tuple[Any, ...]:
        """pickle: the ancestors come first, in topological order, so that pickling never
        recurses deeper than one op (see copies.pickle_prelude)."""
        return (_blank, (), (_copies.pickle_prelude(self),) + self.__getstate__())


_drain: Callable[[Any], None] = deque(maxlen=0).extend


def write(nodes: list[Value], fields: list[str], numbers: list[Any]) -> None:
    """Set field fields[i] ("data", "_da", "_db", "_r") of nodes[i] to numbers[i], every i, in
    one C-level call: no bytecode runs in between, so neither a signal handler (Ctrl-C) nor
    another thread can see it half done.  The Tape's one way of writing into a graph."""
    _drain(map(setattr, nodes, fields, numbers))


def _blank() -> Value:
    new: Value = _new(Value)
    return new


from . import copies as _copies  # noqa: E402  (these read Values: imported last, to avoid a cycle)
from . import engine as _engine  # noqa: E402
