"""Value: one scalar node of a computation graph, its operators, and the table of primitives.

Each node stores its operands and the local derivatives d out / d operand as plain floats,
computed once in the forward op: backward is a tight loop over them, with no closure per node
(no reference cycles: graphs die by reference counting) and no recursion.

Every primitive is registered once, by `primitive(name, forward, *rules)` (the class body reads
as a table of derivatives).  Rules use + - * / ** and the generic functions here: floats on
floats, nodes on Values, on anything else (the Tape's symbols) its type's method of that name;
so one rule serves backward(), grad(create_graph=True) and a Tape's code.  Choices on numbers
are made only inside primitives (step, sign, mul0, log_base, inv_base): graphs replay exactly.
"""

from __future__ import annotations

import copyreg
import math
import operator
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any, NamedTuple

from . import copies as _copies
from . import graph, ieee
from ._util import as_float, describe, power_text, same_functions

__all__ = ["Value", "Primitive", "PRIMITIVES", "primitive", "methods", "div", "power",
           "exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid", "relu", "absolute", "step",
           "sign", "mul0", "log_base", "inv_base", "xlogy", "xpowy", "powlog", "strict"]

_new = object.__new__
_newobj = copyreg.__newobj__  # type: ignore[attr-defined]  # pickle: cls.__new__(cls)


# True while grad(create_graph=True) evaluates a rule on Values (engine.py): float() of a Value or
# comparing it is then a TypeError.  Set only inside a Context.run(), so it never stays set.
strict: ContextVar[bool] = ContextVar("autograd_strict", default=False)
_strict = strict.get

_div, _pow, _exp, _log = ieee.div, ieee.pow, ieee.exp, ieee.log
_sqrt, _sin, _cos, _sigmoid, _relu = ieee.sqrt, ieee.sin, ieee.cos, ieee.sigmoid, ieee.relu
_step, _sign, _mul0, _log_base, _inv_base = ieee.step, ieee.sign, ieee.mul0, ieee.log_base, ieee.inv_base


# ---------------------------------------------------------------------------------------------
# The registry of primitives: name -> forward, rules, and what every reader needs to know.

class Primitive(NamedTuple):
    """One op: name (Value.op), forward (on floats), rules (d out / d each operand, as rule(a, out)
    or rule(a, b, out)), function (floats in: a float; Values in: a node), doc (its help), factors
    (explain's text of each d out / d operand), activation (sigmoid tanh relu: nn's choices) and
    stop_gradient (rules that are not forward's slope on purpose: check_graph skips the op)."""

    name: str
    forward: Callable[..., float]
    rules: tuple[Callable[..., Any], ...]
    function: Callable[..., Any]
    doc: str = ""
    factors: tuple[Any, ...] = ()  # str templates, or functions (a, b, operands) -> str
    activation: bool = False
    stop_gradient: bool = False


PRIMITIVES: dict[str, Primitive] = {}
_copies.registered = PRIMITIVES  # so that loading a pickle can name an op not registered


def primitive(name: str, forward: Callable[..., float], *rules: Callable[..., Any], doc: str = "",
              explain: Any = None, activation: bool = False,
              stop_gradient: bool = False) -> Callable[..., Any]:
    """Register the op `name` (as every built-in op is) and return its function: numbers in,
    forward's float out; a Value in (either side), one node storing each rule's d out / d operand.
    forward takes 1 or 2 floats; rules are rule(a, out) or rule(a, b, out), one per operand.
    Written with + - * / ** and autograd.ops, a rule serves backward() and any order of grad().
    The same code run again (a notebook cell) registers it anew; other code is a ValueError.
    explain: explain's text of each d out / d operand, a template over the operands' names {a}
    {b}, the node's {out} and their differentials {d_a} {d_b} {d_out} (name'({a}) by default:
    softplus'(z)).  activation=True: nn's Neuron may apply it and explain gives deltas.
    stop_gradient=True: the rules are not forward's slope, on purpose (softmax's shift, slope 0);
    check_graph skips the op and says so."""
    if not isinstance(name, str) or not name:
        raise TypeError(f"primitive() needs a name (a non-empty str), got {describe(name)}")
    old = PRIMITIVES.get(name)
    if old is not None and not same_functions((old.forward, *old.rules), (forward, *rules)):
        raise ValueError(f"primitive {name!r} is registered already; choose another name")
    if not callable(forward) or len(rules) not in (1, 2) or not all(map(callable, rules)):
        raise TypeError(f"primitive({name!r}, forward, *derivatives) needs functions: forward "
                        f"and one derivative rule per operand (1 or 2), got {len(rules)} rules")
    if explain is None:
        factors: tuple[Any, ...] = ((f"{name}'({{a}})",) if len(rules) == 1 else
                                           ("{d_out}/{d_a}", "{d_out}/{d_b}"))
    elif len(factors := explain if isinstance(explain, tuple) else (explain,)) != len(rules):
        raise TypeError(f"primitive({name!r}, ..., explain=...) takes one text per operand "
                        f"({len(rules)}), got {describe(explain)}")
    p = Primitive(name, forward, tuple(rules), forward, doc, factors, bool(activation),
                  bool(stop_gradient))
    p = PRIMITIVES[name] = p._replace(function=_function(p))
    return p.function


_OPERATORS: dict[str, Callable[..., Any]] = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
    "**": operator.pow, "neg": operator.neg, "abs": abs}


def _other(name: str, x: Any) -> Callable[..., Any]:
    """x's type's method `name` (x: a Tape's symbol), called with all the operands in order;
    an operator op's Python operator (x: a dual number, a Fraction, ...)."""
    method = _OPERATORS.get(name) or getattr(type(x), name, None)
    if method is None:
        raise TypeError(f"{name}() takes numbers or Values, got {describe(x)}")
    return method


def _function(p: Primitive) -> Callable[..., Any]:
    """The generic function of p: see primitive()."""
    f, name = p.forward, p.name
    made = methods(p)
    function: Callable[..., Any]
    if len(p.rules) == 1:
        node = made

        def unary(x: Any) -> Any:
            if isinstance(x, Value):
                return node(x)
            c = as_float(x)
            return f(c) if c is not None else _other(name, x)(x)

        function = unary
    else:
        node, reflected = made

        def binary(x: Any, y: Any) -> Any:
            if isinstance(x, Value):
                out = node(x, y)
            elif isinstance(y, Value):
                out = reflected(y, x)
            else:
                cx, cy = as_float(x), as_float(y)
                if cx is not None and cy is not None:
                    return f(cx, cy)
                other = x if cx is None else y
                return _other(name, other)(x, y)
            if out is NotImplemented:
                raise TypeError(f"{name}() takes numbers or Values, got {describe(x)} and "
                                f"{describe(y)}")
            return out

        function = binary
    function.__name__ = function.__qualname__ = name if name.isidentifier() else "op"
    function.__doc__ = p.doc or f"The op {name!r}: numbers in, a float out; a Value in, a node."
    function.__chainrule_op__ = name  # type: ignore[union-attr]  # the Tape calls it so
    return function


# ---------------------------------------------------------------------------------------------
# Generic functions rules use.  Choices on numbers: in primitives (step, sign, mul0, ...) only.

def div(x: Any, y: Any) -> Any:
    """x / y: IEEE 754 on floats (x/0 is +-inf or nan), the "/" op on Values."""
    try:
        return x / y
    except ZeroDivisionError:
        return _div(x, y)


def power(x: Any, y: Any) -> Any:
    """x ** y: IEEE 754 on floats (never raises, never complex), the "**" op on Values."""
    cx, cy = as_float(x), as_float(y)
    if cx is not None and cy is not None:
        return _pow(cx, cy)
    return x ** y


def xlogy(x: Any, y: Any) -> Any:
    """x * log(y), taken as 0 where x is 0 (the limit, as in scipy.special.xlogy)."""
    return mul0(x, log(y))


def xpowy(x: Any, a: Any, y: Any) -> Any:
    """x * a**y, 0 where x is 0 and a**y is inf or nan (the slope of a**0 is 0 even at a = 0)."""
    return mul0(x, power(a, y))


def powlog(out: Any, a: Any, b: Any) -> Any:
    """d (a**b) / d b = a**b * log(a), for out = a**b.  0 where a is 0 and b >= 0, as in PyTorch
    (the limit from a > 0: 0**b is constant 0, or 1 at b = 0); elsewhere out * log(a), nan
    included (a < 0, or a = +-inf with a**b underflowing to 0, as in PyTorch)."""
    return out * log_base(a, b)


run_backward: Any = None  # engine.backward(root, grad): engine.py sets it as it loads (no cycle)
# The modes' hooks (modes.py): None on the fast path.  _hook(out): each new op result; _leaf_hook.
_hook: Callable[[Value], None] | None = None
_leaf_hook: Callable[[Value], None] | None = None


def _node(data: float, op: str, a: Any, da: Any, b: Any, db: Any) -> Value:
    """A new op result.  a, b: the operands (a Value, or a float constant, or None);
    da, db: d out / d operand as floats, or None where the operand is not a parent."""
    out = _new(Value)
    out.data = data
    out.grad = 0.0
    out.label = ""
    out._op = op
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

    return forward, reflected


def _read_only(self: Value, op: Any) -> None:
    raise AttributeError(f"Value.op is read-only: it names the op that made the node ({self.op!r})"
                         ", whose rules every pass reads; make a new node with the op you want")


def _compare(test: Callable[[float, float], bool], symbol: str) -> Callable[[Value, Any], bool]:
    def compare(self: Value, other: Any) -> bool:
        x = other.data if isinstance(other, Value) else as_float(other)
        if x is None or _strict():
            raise TypeError(f"'{symbol}' compares a Value with a number or a Value, "
                            f"got {describe(other)}")
        return test(self.data, x)
    compare.__doc__ = f"self {symbol} other, comparing data: a bool."
    return compare


def _register(name: str, forward: Callable[..., float], *rules: Callable[..., Any], doc: str,
              explain: Any = None, activation: bool = False) -> Any:
    """primitive(...), returning the op's Value method (and the reflected one, binary ops)."""
    primitive(name, forward, *rules, doc=doc, explain=explain, activation=activation)
    made = methods(PRIMITIVES[name])
    for method in made if isinstance(made, tuple) else (made,):
        method.__doc__ = doc
    return made


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
        "_op": "", "_a": "", "_b": "", "_da": "", "_db": "", "_g": "", "_made": "", "_r": ""}

    data: float
    grad: float
    label: str
    op = property(lambda self: self._op, _read_only, doc='The op that made this node: "+", "*", '
                  '"exp", "sigmoid", ...; "" for a leaf.  Read-only: it finds the op\'s rules.')
    _made: Any  # check.py's record of where the node was made

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
        self._op = ""
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
    __add__, __radd__ = _register(
        "+", operator.add, lambda a, b, out: 1.0, lambda a, b, out: 1.0,
        doc="self + other as one node (a Value, int or float on either side); "
            "d/dself = 1, d/dother = 1.", explain=("1", "1"))
    __sub__, __rsub__ = _register(
        "-", operator.sub, lambda a, b, out: 1.0, lambda a, b, out: -1.0,
        doc="self - other; d/dself = 1, d/dother = -1.", explain=("1", "-1"))
    __mul__, __rmul__ = _register(
        "*", operator.mul, lambda a, b, out: b, lambda a, b, out: a,
        doc="self * other; d/dself = other, d/dother = self.", explain=("{b}", "{a}"))
    __truediv__, __rtruediv__ = _register(
        "/", _div, lambda a, b, out: div(1.0, b), lambda a, b, out: -div(out, b),
        doc="self / other (IEEE 754: x/0 is +-inf or nan, never raises); "
            "d/dself = 1/other, d/dother = -self/other**2.", explain=("1/{b}", "-{a}/{b}**2"))
    __pow__, __rpow__ = _register(
        "**", _pow, lambda a, b, out: xpowy(b, a, b - 1.0), lambda a, b, out: powlog(out, a, b),
        doc="`self ** other`; `Value ** Value` and `2 ** v` differentiate wrt base and exponent: "
            "d/dself = `other * self**(other-1)`, d/dother = `self**other * log(self)` "
            "(0 where self = 0 and other >= 0, as in PyTorch).",
        explain=(lambda a, b, operands: power_text(a, b, operands[1]), "{a}**{b}*log({a})"))
    __neg__ = _register("neg", operator.neg, lambda a, out: -1.0,
                        doc="-self; derivative -1.", explain="-1")
    __abs__ = _register("abs", abs, lambda a, out: sign(a), explain="sign({a})",
                        doc="abs(self); derivative sign(self) (0 at 0 and at nan, as in PyTorch).")
    exp = _register("exp", _exp, lambda a, out: out, explain="exp({a})",
                    doc="e**self (inf on overflow); derivative exp(self), its own value.")
    log = _register("log", _log, lambda a, out: div(1.0, a),
                    doc="Natural log (-inf at 0, nan below); derivative 1/self.", explain="1/{a}")
    tanh = _register("tanh", math.tanh, lambda a, out: 1.0 - out * out, activation=True,
                     doc="tanh(self); derivative 1 - tanh(self)**2.")
    sigmoid = _register("sigmoid", _sigmoid, lambda a, out: out * (1.0 - out), activation=True,
                        doc="1/(1+e**-self) as one node, numerically stable (1.0 at 1000, 0.0 at "
                            "-1000); derivative sigmoid * (1 - sigmoid), the course's sigmoid'(z).")
    relu = _register("relu", _relu, lambda a, out: step(a), activation=True,
                     doc="max(0, self); derivative 1 above 0, else 0 (0 at 0, as in PyTorch).")
    sqrt = _register("sqrt", _sqrt, lambda a, out: div(0.5, out), explain="1/(2*sqrt({a}))",
                     doc="sqrt(self) (nan below 0); derivative 1/(2*sqrt(self)).")
    sin = _register("sin", _sin, lambda a, out: cos(a),
                    doc="sin(self); derivative cos(self).", explain="cos({a})")
    cos = _register("cos", _cos, lambda a, out: -sin(a),
                    doc="cos(self); derivative -sin(self).", explain="-sin({a})")

    def __pos__(self) -> Value:
        """+v is v itself."""
        return self

    # -- comparisons look at data; == and hash are object's (identity), so Values key dicts ------
    __lt__, __le__ = _compare(operator.lt, "<"), _compare(operator.le, "<=")
    __gt__, __ge__ = _compare(operator.gt, ">"), _compare(operator.ge, ">=")

    def __float__(self) -> float:
        """float(v) is v.data (a TypeError in a derivative rule given Values: see engine.py)."""
        if _strict():
            raise TypeError("a derivative rule took float() of a Value")
        return self.data

    def __format__(self, spec: str) -> str:
        return format(self.data, spec) if spec else repr(self)

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{label})"

    # -- gradients -------------------------------------------------------------------------------
    def backward(self, grad: float = 1.0) -> None:
        """Add grad * d self / d n to n.grad for every node n that self depends on."""
        run_backward(self, grad)

    def zero_grad(self) -> None:
        """Set .grad = 0.0 on self and every node it depends on."""
        for node in graph.topological_order(self):
            node.grad = 0.0

    def detach(self) -> Value:
        """A new leaf with the same data and label, cut off from the graph."""
        return Value(self.data, self.label)

    # -- copies: the whole graph, at any depth, without recursion (copies.py) --------------------
    def __copy__(self) -> Value:
        """A new node made by the same op from the same operands (the graph above is shared)."""
        return _copies.copy_node(self)

    def __deepcopy__(self, memo: dict[int, Any]) -> Value:
        """A copy of the whole graph below self; nodes already copied (memo) are reused."""
        return _copies.copy_graph(self, memo)

    def __getstate__(self) -> tuple[Any, ...]:
        return (self.data, self.grad, self.label, self._a, self._da, self._b, self._db, self.op,
                getattr(self, "_made", None))

    def __setstate__(self, state: tuple[Any, ...]) -> None:
        _copies.restore(self, state)

    def __reduce__(self) -> tuple[Any, ...]:
        """pickle: the ancestors come first, in topological order, so that pickling never
        recurses deeper than one op (see copies.pickle_prelude)."""
        return (_newobj, (Value,), (_copies.pickle_prelude(self),) + self.__getstate__())


# The ops the rules choose with, each made a primitive so that the choice is replayed: their
# derivatives are 0 (piecewise constant) or written with them again, so any order works.
step: Callable[..., Any]
sign: Callable[..., Any]
inv_base: Callable[..., Any]
step = primitive("step", _step, lambda a, out: 0.0, doc=f"{_step.__doc__}  Slope 0.", explain="0")
sign = primitive("sign", _sign, lambda a, out: 0.0, doc=f"{_sign.__doc__}  Slope 0.", explain="0")
mul0 = primitive("mul0", _mul0, lambda x, y, out: y, lambda x, y, out: x,
                 doc=f"{_mul0.__doc__}  Slopes y and x.", explain=("{b}", "{a}"))
log_base = primitive("log_base", _log_base, lambda a, b, out: inv_base(a, b),
                     lambda a, b, out: 0.0, doc=f"{_log_base.__doc__}  Slopes inv_base, 0.")
inv_base = primitive("inv_base", _inv_base, lambda a, b, out: -(out * out),
                     lambda a, b, out: 0.0, doc=f"{_inv_base.__doc__}  Slopes -inv_base**2, 0.")

sin: Callable[..., Any]
cos: Callable[..., Any]
exp, log, sqrt, sin, cos, tanh, sigmoid, relu, absolute = (
    PRIMITIVES[n].function for n in ("exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid",
                                     "relu", "abs"))
