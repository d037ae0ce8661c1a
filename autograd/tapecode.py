"""Recording for Tape: a graph's ops cut into chunks, each compiled to straight-line Python.

The forward values and local derivatives come from value.py's registry (primitive(), the one
function here that reads it): each op's forward float function and its derivative rules.  The
rules are evaluated once on a small symbolic type whose operators build source text (`1.0 - out *
out` for tanh); a rule that looks at its arguments' numbers (relu's step, abs's sign) is called
as it is.  The ops, in topological order, are cut into chunks of MIN_CHUNK to MAX_CHUNK nodes
where the hash of their shapes (op, operand distances) is smallest, so repeated structure (the
same network on each data point, the links of a chain) gives chunks that look alike; each
distinct chunk becomes two straight-line functions, forward and backward, compiled once and
cached by structure (the chunk's constants are passed in, not compiled in).

backward sums each gradient's contributions in the engine's order (reverse topological order;
within a node, operand a then b), so a replay equals a rebuild bit for bit.
"""

from __future__ import annotations

import math
import operator
from array import array
from collections.abc import Callable
from typing import Any

from . import value as _value
from .value import Value

__all__ = ["primitive", "record", "Chunk", "MIN_CHUNK", "MAX_CHUNK"]

MIN_CHUNK = 64
MAX_CHUNK = 600
_CACHE_LIMIT = 4096  # compiled chunk pairs kept per process

_INLINE = {operator.add: "({a} + {b})", operator.sub: "({a} - {b})",
           operator.mul: "({a} * {b})", operator.neg: "(-{a})"}



# ---------------------------------------------------------------------------------------------
# The registry: the one place it is read.

def primitive(op: str) -> tuple[Callable[..., float], tuple[Callable[..., Any], ...]]:
    """(forward float function, derivative rules) of op, from value.py's registry."""
    p = _value.PRIMITIVES[op]
    return p.forward, tuple(p.rules)


# ---------------------------------------------------------------------------------------------
# Rules on symbols: the source text of a rule's result.

class _Sym:
    """An operand as source text: + - * / ** and unary - build text; anything that would
    look at the number (float(), comparisons, bool) raises, so such a rule is called instead."""

    __slots__ = ("src",)

    def __init__(self, src: str) -> None:
        self.src = src

    def _op(self, other: Any, fmt: str, swap: bool = False) -> _Sym:
        a, b = _src(self), _src(other)
        return _Sym(fmt.format(*((b, a) if swap else (a, b))))

    def __add__(self, o: Any) -> _Sym: return self._op(o, "({} + {})")
    def __radd__(self, o: Any) -> _Sym: return self._op(o, "({} + {})", True)
    def __sub__(self, o: Any) -> _Sym: return self._op(o, "({} - {})")
    def __rsub__(self, o: Any) -> _Sym: return self._op(o, "({} - {})", True)
    def __mul__(self, o: Any) -> _Sym: return self._op(o, "({} * {})")
    def __rmul__(self, o: Any) -> _Sym: return self._op(o, "({} * {})", True)
    def __truediv__(self, o: Any) -> _Sym: return self._op(o, "div({}, {})")
    def __rtruediv__(self, o: Any) -> _Sym: return self._op(o, "div({}, {})", True)
    def __pow__(self, o: Any) -> _Sym: return self._op(o, "power({}, {})")
    def __rpow__(self, o: Any) -> _Sym: return self._op(o, "power({}, {})", True)
    def __neg__(self) -> _Sym: return _Sym(f"(-{self.src})")
    def __pos__(self) -> _Sym: return self

    def _refuse(self, *args: Any) -> Any:
        raise TypeError("a symbolic operand has no number")

    __bool__ = __float__ = __int__ = __index__ = __complex__ = _refuse
    __eq__ = __ne__ = __lt__ = __le__ = __gt__ = __ge__ = __abs__ = __round__ = _refuse
    __hash__ = None  # type: ignore[assignment]


def _src(x: Any) -> str:
    if isinstance(x, _Sym):
        return x.src
    if type(x) is float or type(x) is int:
        return f"({float(x)!r})"
    raise TypeError(f"not an operand: {x!r}")


_NAMESPACE: dict[str, Any] = {"div": _value.div, "power": _value.power, "nan": math.nan,
                              "inf": math.inf}


class _Templates:
    """Source templates ({a} {b} {o}: the operands and the result) of each op's forward value
    and local derivatives, evaluated from the registry once per recording."""

    def __init__(self) -> None:
        self.names: dict[str, Any] = {}
        self.token: list[Any] = []
        self._by_id: dict[int, str] = {}
        self._forward: dict[str, str] = {}
        self._locals: dict[tuple, tuple] = {}

    def _bind(self, f: Any) -> str:
        name = self._by_id.get(id(f))
        if name is None:
            name = self._by_id[id(f)] = f"_f{len(self._by_id)}"
            self.names[name] = f
            self.token += [f, getattr(f, "__code__", None)]
        return name

    def forward(self, op: str) -> str:
        text = self._forward.get(op)
        if text is None:
            f, rules = primitive(op)
            text = _INLINE.get(f) or (f"{self._bind(f)}({{a}}, {{b}})" if len(rules) == 2
                                      else f"{self._bind(f)}({{a}})")
            self._forward[op] = text
            for rule in rules:
                self._bind(rule)
        return text

    def local(self, op: str, a_constant: bool, b_constant: bool) -> tuple[str | None, ...]:
        """Templates of d out / d a (and d out / d b); None for a constant operand, which is
        not a parent (its number is a local of the chunk, like an operand's)."""
        key = (op, a_constant, b_constant)
        found = self._locals.get(key)
        if found is None:
            _, rules = primitive(op)
            args = [_Sym("{a}"), _Sym("{o}")] if len(rules) == 1 else \
                [_Sym("{a}"), _Sym("{b}"), _Sym("{o}")]
            found = tuple(None if constant else self._rule(rule, args)
                          for rule, constant in zip(rules, (a_constant, b_constant)))
            self._locals[key] = found
        return found

    def _rule(self, rule: Callable[..., Any], args: list[Any]) -> str:
        try:
            return _src(rule(*args))
        except (TypeError, ValueError, ArithmeticError):  # the rule looks at numbers: call it
            call_args = ", ".join(_src(x) for x in args)
            return f"{self._bind(rule)}({call_args})"


def _times(local: str, g: str) -> str:
    if local == "(1.0)":
        return g
    if local == "(-1.0)":
        return f"(-{g})"
    return f"{local} * {g}"


# ---------------------------------------------------------------------------------------------
# Chunks: structure -> compiled forward and backward

_cache: dict[tuple, tuple[Callable, Callable]] = {}
_tokens: dict[tuple, int] = {}


def _compile(structure: tuple, escaping: bytes, templates: _Templates, n_ext: int,
             n_const: int) -> tuple[Callable, Callable]:
    """Straight-line forward and backward code for one chunk.

    structure: per node (op, a, b), an operand being an int k >= 0 (this chunk's node k), an int
    -i-1 (external i), a str ("c3": the chunk's constant 3) or None.  escaping[k]: node k is also used by
    a later chunk (or is the root), so its gradient starts from what G holds.
    """
    def ref(r: Any, prefix: str = "") -> str:
        if type(r) is int:
            return f"{prefix}t{r}" if r >= 0 else f"{prefix}x{-r - 1}"
        return str(r)

    xs = ", ".join(f"x{i}" for i in range(n_ext)) + ","
    cs = [f"    {', '.join(f'c{i}' for i in range(n_const))}, = K"] if n_const else []
    n = len(structure)
    fwd = ["def forward(X, K):", f"    {xs} = X", *cs]
    for k, (op, a, b) in enumerate(structure):
        fwd.append(f"    t{k} = " + templates.forward(op).format(a=ref(a), b=ref(b)))
    fwd.append("    return (" + ", ".join(f"t{k}" for k in range(n)) + ",)")

    ts = ", ".join(f"t{k}" for k in range(n)) + ","
    es = ", ".join(f"e{i}" for i in range(n_ext)) + ","
    bwd = ["def backward(T, X, E, G, o, K):", f"    {ts} = T", f"    {xs} = X", f"    {es} = E",
           *cs]
    uses = [0] * n  # contributions each node gets inside the chunk
    for _, a, b in structure:
        for r in (a, b):
            if type(r) is int and r >= 0:
                uses[r] += 1
    started = [False] * n
    name = [f"g{k}" for k in range(n)]  # a gradient that is a copy of another has its name
    for k in range(n - 1, -1, -1):
        op, a, b = structure[k]
        g = name[k]
        if escaping[k] and not started[k]:
            bwd.append(f"    {g} = G[o + {k}]")
        locals_ = templates.local(op, type(a) is str, type(b) is str)
        for r, local in zip((a, b), locals_):
            if local is None:
                continue
            c = _times(local.format(a=ref(a), b=ref(b), o=f"t{k}"), g)
            if r < 0:
                bwd.append(f"    G[e{-r - 1}] += {c}")
            elif started[r]:
                bwd.append(f"    g{r} += {c}")
            elif c == g and uses[r] == 1 and not escaping[r] and escaping[k] != _ROOT:
                name[r] = g  # 0.0 + g is g: a sum from 0.0 is never -0.0 (the root's seed may be)
                started[r] = True
            else:  # the first add: to 0.0, or to what later chunks added (engine order)
                start = f"G[o + {r}]" if escaping[r] else "0.0"
                bwd.append(f"    g{r} = {start} + {c}")
                started[r] = True
    source = "\n".join(fwd) + "\n\n" + "\n".join(bwd) + "\n"
    namespace = dict(_NAMESPACE)
    namespace.update(templates.names)
    exec(compile(source, "<autograd.tape chunk>", "exec"), namespace)
    return namespace["forward"], namespace["backward"]


def _compiled(structure: tuple, escaping: bytes, templates: _Templates, n_ext: int,
              n_const: int, token: int) -> tuple[Callable, Callable]:
    key = (structure, escaping, token)
    found = _cache.get(key)
    if found is None:
        if len(_cache) >= _CACHE_LIMIT:
            _cache.clear()
        found = _cache[key] = _compile(structure, escaping, templates, n_ext, n_const)
    return found


def _getter(E: tuple[int, ...]) -> Callable[[list], tuple]:
    if len(E) == 1:
        e = E[0]
        return lambda v: (v[e],)
    return operator.itemgetter(*E)


class Chunk:
    """Nodes start..start+size-1: their compiled code, their external operands' slots (E) and
    their constants (K)."""

    __slots__ = ("E", "K", "backward", "forward", "get", "size", "start")

    def __init__(self, start: int, size: int, forward: Callable, backward: Callable,
                 E: tuple[int, ...], K: tuple[float, ...]) -> None:
        self.start, self.size, self.forward, self.backward = start, size, forward, backward
        self.E, self.K = E, K
        self.get = _getter(E)


_NONE = -(1 << 62)  # no second operand
_ROOT = 2  # escaping flag of the root: its gradient is the seed


def record(root: Value, leaves: list[Value], ops: list[Value]) -> list[Chunk]:
    """Cut the ops (topological order, slots after the leaves') into chunks and compile them."""
    n_leaves = len(leaves)
    n = n_leaves + len(ops)
    slot: dict[Value, int] = {node: i for i, node in enumerate(leaves)}
    templates = _Templates()
    op_names = sorted({node.op for node in ops})
    for name in op_names:
        templates.forward(name)  # binds every function the chunks may call
    token = _tokens.setdefault(tuple(templates.token), len(_tokens))
    code = {name: i for i, name in enumerate(op_names)}
    consts: dict[str, int] = {}  # a constant's repr -> its number
    # Pass 1: each op node's operands as slots (>= 0) or constants (-k-1), and a hash of its
    # shape (op and operand distances), which is the same wherever the structure repeats.
    known: dict[float, int] = {}  # nonzero numbers (0.0 == -0.0 and nan != nan: by repr)

    def constant(x: Any) -> int:
        x = float(x)
        k = -consts.setdefault(repr(x), len(consts)) - 1
        if x == x and x != 0.0:
            known[x] = k
        return k

    opcode = array("b")
    A = array("q")
    B = array("q")
    H = array("q")
    put_op, put_a, put_b, put_h = opcode.append, A.append, B.append, H.append
    s = n_leaves
    before = -1
    for node in ops:
        slot[node] = s
        c = code[node.op]
        operands = node.operands
        x = operands[0]
        if isinstance(x, Value):
            pa = slot[x]
            da = s - pa if pa >= n_leaves else -1
        else:
            pa = known.get(x) or constant(x)
            da = pa - 1
        if len(operands) == 1:
            pb = db = _NONE
        else:
            x = operands[1]
            if isinstance(x, Value):
                pb = slot[x]
                db = s - pb if pb >= n_leaves else -1
            else:
                pb = known.get(x) or constant(x)
                db = pb - 1
        put_op(c)
        put_a(pa)
        put_b(pb)
        put_h(hash((c, before, da, db)))
        before = c
        s += 1
    del slot
    const_value = [float(text) for text in consts]
    # Pass 2: the cuts.  Each chunk ends at the node of smallest hash among its possible ends
    # (MIN_CHUNK..MAX_CHUNK nodes): wherever the structure repeats, so do the cuts.
    bounds = []
    start = n_leaves
    while start < n:
        if n - start <= MAX_CHUNK:
            end = n
        else:
            window = H[start - n_leaves + MIN_CHUNK - 1:start - n_leaves + MAX_CHUNK]
            end = start + MIN_CHUNK + window.index(min(window))
        bounds.append((start, end))
        start = end
    del H
    # Pass 3: each chunk's structure (operands relative to it) and its external slots.
    escaping = bytearray(n)
    if root.op:
        escaping[n - 1] = _ROOT
    seen: dict[tuple, tuple] = {}  # one copy of each structure (a chain repeats one)
    pending = []
    for start, end in bounds:
        ext: dict[int, int] = {}
        kx: dict[int, int] = {}  # the constants' numbers, chunk-local
        nodes: list[tuple] = []
        put = nodes.append
        for j in range(start - n_leaves, end - n_leaves):
            pa = A[j]
            pb = B[j]
            if pa >= start:
                ra: Any = pa - start
            elif pa >= 0:
                ra = ext.get(pa)
                if ra is None:
                    ra = ext[pa] = len(ext)
                ra = -ra - 1
            else:
                ra = kx.get(pa)
                if ra is None:
                    ra = kx[pa] = len(kx)
                ra = f"c{ra}"
            if pb >= start:
                rb: Any = pb - start
            elif pb >= 0:
                rb = ext.get(pb)
                if rb is None:
                    rb = ext[pb] = len(ext)
                rb = -rb - 1
            elif pb == _NONE:
                rb = None
            else:
                rb = kx.get(pb)
                if rb is None:
                    rb = kx[pb] = len(kx)
                rb = f"c{rb}"
            put((op_names[opcode[j]], ra, rb))
        for p in ext:
            escaping[p] = escaping[p] or 1
        structure = tuple(nodes)
        pending.append((start, seen.setdefault(structure, structure), tuple(ext),
                        tuple(const_value[-k - 1] for k in kx)))
    del A, B, opcode
    for p in range(n_leaves):
        escaping[p] = 0
    chunks = []
    for start, structure, external, constants in pending:
        flags = bytes(escaping[start:start + len(structure)])
        forward, backward = _compiled(structure, flags, templates, len(external),
                                      len(constants), token)
        chunks.append(Chunk(start, len(structure), forward, backward, external, constants))
    return chunks
