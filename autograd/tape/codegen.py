"""Codegen: one chunk of recorded ops as readable straight-line Python.

A chunk's structure (record.Structure: per node its op and two operands, each a Ref) becomes
three functions, in one source text:

    forward(X, K) -> T             T[k]: node k's value, from the external operands X and the
                                   constants K
    backward(T, X, E, G, o, K)     adds each node's gradient contributions into G: G[o + k] is
                                   node k's gradient (read where a later chunk or the root left
                                   one), G[E[i]] external operand i's
    local(T, X, K) -> D            every node's local derivatives d node / d operand, node by
                                   node, operand a before b, Value operands only (what a sync
                                   writes into the graph)

Ops are written as their helpers' names (`sigmoid(t3)`, `div(t1, t2)`, `power(x0, c1)`;
+ - * and unary - inline), looked up in a namespace the caller binds: float_namespace() gives
the float functions of the registry; a batch backend binds array versions of the same names
(Code.names lists the ones a chunk uses).  The derivative rules are evaluated once on Sym, a
symbolic operand whose operators build source text, with the generic functions they call
(div, exp, step, sigmoid, ...) read as helpers of the same names: the rule written once is the
code.  A rule that only works on floats (it looks at a number in some other way) is the one
fallback: it is called as it is, under the name `float_rule_OP_i`, which an array backend must
bind itself.  Sums follow the engine's order (reverse topological order; operand a, then b), so
a replay equals a rebuild bit for bit.
"""

from __future__ import annotations

import itertools
import keyword
import linecache
import math
import operator
import types
import weakref
from collections.abc import Callable
from typing import Any

from .. import value as _value

__all__ = ["Sym", "Code", "helper_name", "inline", "times", "float_namespace", "compiled",
           "is_compiled", "chunk_source", "rule_source", "register_source"]

_INLINE = {"+": "({a} + {b})", "-": "({a} - {b})", "*": "({a} * {b})", "neg": "(-{a})"}
_INLINE_FORWARD = {"+": operator.add, "-": operator.sub, "*": operator.mul, "neg": operator.neg}
_HELPER = {"/": "div", "**": "power"}
_RESERVED = {"X", "K", "T", "E", "G", "o", "D", "nan", "inf", "forward", "backward", "local"}


def inline(op: str) -> str | None:
    """The source template ({a} {b}) of an op written as a Python operator (+ - * and unary -,
    registered with the operator module's functions), else None: a helper is called."""
    if op in _INLINE and _value.PRIMITIVES[op].forward is _INLINE_FORWARD[op]:
        return _INLINE[op]
    return None


def helper_name(op: str) -> str:
    """The name a chunk's code calls op by: the op's own name where it is an identifier
    (sigmoid, exp, softplus), div for /, power for **, else op_ and its characters' codes."""
    if op in _HELPER:
        return _HELPER[op]
    if (op.isidentifier() and not keyword.iskeyword(op) and op not in _RESERVED
            and not (op[0] in "txcgeo" and op[1:].isdigit())):
        return op
    return "op_" + "_".join(str(ord(ch)) for ch in op)


# ---------------------------------------------------------------------------------------------
# Rules on symbols

class Sym:
    """An operand as source text: + - * / ** and unary - build text, and so do the generic
    functions a rule calls (see rule_source); anything that looks at the number (float(),
    comparisons, bool) is a TypeError, so such a rule is called as it is instead."""

    __slots__ = ("src",)

    def __init__(self, src: str) -> None:
        self.src = src

    def _op(self, other: Any, fmt: str, swap: bool = False) -> Sym:
        a, b = src(self), src(other)
        return Sym(fmt.format(*((b, a) if swap else (a, b))))

    def __add__(self, o: Any) -> Sym: return self._op(o, "({} + {})")
    def __radd__(self, o: Any) -> Sym: return self._op(o, "({} + {})", True)
    def __sub__(self, o: Any) -> Sym: return self._op(o, "({} - {})")
    def __rsub__(self, o: Any) -> Sym: return self._op(o, "({} - {})", True)
    def __mul__(self, o: Any) -> Sym: return self._op(o, "({} * {})")
    def __rmul__(self, o: Any) -> Sym: return self._op(o, "({} * {})", True)
    def __truediv__(self, o: Any) -> Sym: return self._op(o, "div({}, {})")
    def __rtruediv__(self, o: Any) -> Sym: return self._op(o, "div({}, {})", True)
    def __pow__(self, o: Any) -> Sym: return self._op(o, "power({}, {})")
    def __rpow__(self, o: Any) -> Sym: return self._op(o, "power({}, {})", True)
    def __neg__(self) -> Sym: return Sym(f"(-{self.src})")
    def __pos__(self) -> Sym: return self

    def _refuse(self, *args: Any) -> Any:
        raise TypeError("a symbolic operand has no number")

    __bool__ = __float__ = __int__ = __index__ = __complex__ = _refuse
    __eq__ = __ne__ = __lt__ = __le__ = __gt__ = __ge__ = __abs__ = __round__ = _refuse
    __hash__ = None  # type: ignore[assignment]


def src(x: Any) -> str:
    """Source text of a rule's operand or result: a Sym's text, or a number as a literal."""
    if isinstance(x, Sym):
        return x.src
    if type(x) is float or type(x) is int:
        return f"({float(x)!r})"
    raise TypeError(f"not an operand: {x!r}")


def _generics() -> dict[Any, str]:
    """The generic functions rules are written with (value.py's, autograd.ops'), by identity:
    each is read as the helper of its name."""
    found: dict[Any, str] = {}
    import sys
    for name in ("autograd.value", "autograd.ops"):
        module = sys.modules.get(name)
        for attr in getattr(module, "__all__", ()):
            f = getattr(module, attr, None)
            if isinstance(f, types.FunctionType) and attr not in ("primitive", "methods",
                                                                    "check_graph"):
                found.setdefault(f, f.__name__ if f.__name__.isidentifier() else attr)
    return found


def _generic_name(f: Any, generics: dict[Any, str]) -> str | None:
    """The helper name f stands for in a rule: a generic function's, or the op's of a function
    marked `__chainrule_op__ = op` (one op on Values and numbers alike)."""
    if not callable(f):
        return None
    try:
        name = generics.get(f)
    except TypeError:
        return None
    if name is None:
        op = getattr(f, "__chainrule_op__", None)
        if isinstance(op, str) and op in _value.PRIMITIVES:
            name = helper_name(op)
    return name


def _emitter(name: str) -> Callable[..., Sym]:
    def emit(*args: Any) -> Sym:
        return Sym(f"{name}({', '.join(src(x) for x in args)})")
    return emit


def rule_source(rule: Callable[..., Any], args: list[Sym]) -> str | None:
    """The source text of rule(*args) with every generic function it names read as a helper,
    or None when the rule only works on floats."""
    generics = _generics()
    code = getattr(rule, "__code__", None)
    if code is not None and isinstance(rule, types.FunctionType):
        env = dict(rule.__globals__)
        for key, f in rule.__globals__.items():
            name = _generic_name(f, generics)
            if name is not None:
                env[key] = _emitter(name)
        rule = types.FunctionType(code, env, rule.__name__, rule.__defaults__, rule.__closure__)
    try:
        return src(rule(*args))
    except (TypeError, ValueError, ArithmeticError, AttributeError):
        return None


# ---------------------------------------------------------------------------------------------
# Templates: each op's forward expression and local derivatives, as text

class Templates:
    """Source templates ({a} {b} {o}: the operands, the result) of the ops of one recording,
    and the functions their names stand for in float code."""

    def __init__(self) -> None:
        self.floats: dict[str, Any] = {}      # helper name -> float function
        self.token: list[Any] = []            # what the code depends on beyond its text
        self._forward: dict[str, str] = {}
        self._locals: dict[tuple, tuple] = {}

    def forward(self, op: str) -> str:
        text = self._forward.get(op)
        if text is None:
            p = _value.PRIMITIVES[op]
            self.token += [op, p.forward, *p.rules, *(getattr(r, "__code__", None) for r in p.rules)]
            text = inline(op)
            if text is None:
                name = helper_name(op)
                self.floats[name] = p.forward
                text = f"{name}({{a}}, {{b}})" if len(p.rules) == 2 else f"{name}({{a}})"
            self._forward[op] = text
        return text

    def local(self, op: str, a_value: bool, b_value: bool) -> tuple[str | None, ...]:
        """Templates of d out / d a (and d out / d b); None for a constant operand."""
        key = (op, a_value, b_value)
        found = self._locals.get(key)
        if found is None:
            rules = _value.PRIMITIVES[op].rules
            args = [Sym("{a}"), Sym("{o}")] if len(rules) == 1 else \
                [Sym("{a}"), Sym("{b}"), Sym("{o}")]
            found = tuple(self._rule(op, i, rule, args) if is_value else None
                          for i, (rule, is_value) in enumerate(zip(rules, (a_value, b_value))))
            self._locals[key] = found
        return found

    def _rule(self, op: str, i: int, rule: Callable[..., Any], args: list[Sym]) -> str:
        text = rule_source(rule, args)
        if text is not None:
            for name in _names_in(text):
                if name not in self.floats:
                    self.floats[name] = _float_helper(name)
            return text
        name = f"float_rule_{helper_name(op)}_{i}"
        self.floats[name] = rule
        return f"{name}({', '.join(x.src for x in args)})"


def _names_in(text: str) -> list[str]:
    import re
    return re.findall(r"([A-Za-z_][A-Za-z_0-9]*)\(", text)


def _float_helper(name: str) -> Any:
    for f, found in _generics().items():
        if found == name:
            return f
    for op, p in _value.PRIMITIVES.items():
        if helper_name(op) == name:
            return p.forward
    raise KeyError(name)


def float_namespace() -> dict[str, Any]:
    """Every helper name of the registry's ops and of the generic functions, bound to its float
    function (what a Tape's replay calls; a batch backend binds array versions instead)."""
    names: dict[str, Any] = {"nan": math.nan, "inf": math.inf}
    for op, p in _value.PRIMITIVES.items():
        if op not in _INLINE:
            names[helper_name(op)] = p.forward
    for f, name in _generics().items():
        names.setdefault(name, f)
    return names


# ---------------------------------------------------------------------------------------------
# A chunk's source

def times(local: str, g: str) -> str:
    """The source of a contribution, local * g, without the multiplication by 1.0 or -1.0."""
    if local == "(1.0)":
        return g
    if local == "(-1.0)":
        return f"(-{g})"
    return f"{local} * {g}"


def chunk_source(structure: tuple, escaping: bytes, templates: Templates, n_ext: int,
                 n_const: int, root_flag: int) -> str:
    """The three functions of one chunk (see the module docstring).  structure: per node
    (op, a, b), each operand a Ref (record.py); escaping[k]: node k's gradient starts from what
    G holds (a later chunk uses it, or it is the root: flag root_flag)."""
    def ref(r: Any) -> str:
        return r.name if r is not None else ""

    xs = ", ".join(f"x{i}" for i in range(n_ext)) + ","
    cs = [f"    {', '.join(f'c{i}' for i in range(n_const))}, = K"] if n_const else []
    n = len(structure)
    ts = ", ".join(f"t{k}" for k in range(n)) + ","
    fwd = ["def forward(X, K):", f"    {xs} = X", *cs]
    for k, (op, a, b) in enumerate(structure):
        expr = templates.forward(op).format(a=ref(a), b=ref(b))
        fwd.append(f"    t{k} = {expr[1:-1] if op in _INLINE else expr}")
    fwd.append(f"    return ({ts})")

    loc = ["def local(T, X, K):", f"    {ts} = T", f"    {xs} = X", *cs, "    return ("]
    es = ", ".join(f"e{i}" for i in range(n_ext)) + ","
    bwd = ["def backward(T, X, E, G, o, K):", f"    {ts} = T", f"    {xs} = X", f"    {es} = E",
           *cs]
    uses = [0] * n  # contributions each node gets inside the chunk
    for _, a, b in structure:
        for r in (a, b):
            if r is not None and r.kind == "t":
                uses[r.number] += 1
    started = [False] * n
    name = [f"g{k}" for k in range(n)]  # a gradient that is a copy of another has its name
    for k, (op, a, b) in enumerate(structure):
        for local in templates.local(op, _is_value(a), _is_value(b)):
            if local is not None:
                loc.append(f"        {local.format(a=ref(a), b=ref(b), o=f't{k}')},")
    loc.append("    )")
    for k in range(n - 1, -1, -1):
        op, a, b = structure[k]
        g = name[k]
        if escaping[k] and not started[k]:
            bwd.append(f"    {g} = G[o + {k}]")
        for r, local in zip((a, b), templates.local(op, _is_value(a), _is_value(b))):
            if local is None:
                continue
            c = times(local.format(a=ref(a), b=ref(b), o=f"t{k}"), g)
            if r.kind == "x":
                bwd.append(f"    G[e{r.number}] += {c}")
                continue
            j = r.number
            if started[j]:
                bwd.append(f"    g{j} += {c}")
            elif c == g and uses[j] == 1 and not escaping[j] and escaping[k] != root_flag:
                name[j] = g  # 0.0 + g is g: a sum from 0.0 is never -0.0 (the root's seed may be)
                started[j] = True
            else:  # the first add: to 0.0, or to what later chunks added (engine order)
                start = f"G[o + {j}]" if escaping[j] else "0.0"
                bwd.append(f"    g{j} = {start} + {c}")
                started[j] = True
    if len(bwd) == 5 + len(cs):
        bwd.append("    pass")
    return "\n".join(fwd) + "\n\n\n" + "\n".join(bwd) + "\n\n\n" + "\n".join(loc) + "\n"


def _is_value(r: Any) -> bool:
    return r is not None and r.kind != "c"


# ---------------------------------------------------------------------------------------------
# Compiled code, shared by every tape whose chunks have the same structure, freed with the last

class Code:
    """One chunk structure's source and its three compiled float functions.

    names: the helper names the source calls; bind(namespace) runs the same compiled source
    with another binding of them (a batch backend's array functions)."""

    __slots__ = ("source", "filename", "names", "fallbacks", "forward", "backward", "local",
                 "_code", "__weakref__")

    def __init__(self, source: str, floats: dict[str, Any]) -> None:
        self.source = source
        self.filename = f"<autograd.tape chunk {next(_serial)}>"
        self.names = sorted(set(_names_in(source)))
        self.fallbacks = {name: f for name, f in floats.items() if name.startswith("float_rule_")}
        self._code = compile(source, self.filename, "exec")
        env = float_namespace()
        env.update(floats)
        self.forward, self.backward, self.local = self.bind(env)
        register_source(self.filename, source, self)

    def bind(self, namespace: dict[str, Any]) -> tuple[Callable, Callable, Callable]:
        """(forward, backward, local) of this source, its helper names looked up in namespace."""
        env = dict(namespace)
        exec(self._code, env)
        return env["forward"], env["backward"], env["local"]


def register_source(filename: str, source: str, owner: Any) -> None:
    """Tracebacks (and tape.source()) show the generated lines of filename while owner lives,
    as dataclasses does."""
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    weakref.finalize(owner, linecache.cache.pop, filename, None)


_serial = itertools.count(1)
_cache: weakref.WeakValueDictionary[tuple, Code] = weakref.WeakValueDictionary()


def is_compiled(key: tuple) -> bool:
    """Whether a tape alive holds the Code of key."""
    return key in _cache


def compiled(key: tuple, make_source: Callable[[], str], templates: Templates) -> Code:
    """The Code of key (a structure and what its text depends on), compiled once while any tape
    holds it."""
    found = _cache.get(key)
    if found is None:
        found = Code(make_source(), templates.floats)
        _cache[key] = found
    return found
