"""Code for a batched Tape: the one-example graph as straight-line Python over NumPy columns.

Each node is a column (one number per example: it depends on a batched leaf) or a scalar (it
depends only on the other leaves, the parameters).  The forward code computes every node in
topological order with the op's function: + - * and unary - as operators, the other built-in
ops through their array twins (arrays.py, named after their ops: `exp(...)`, `div(...)`),
a user's own op one element at a time; a scalar node with the op's own float function, as the
scalar engine does.  The backward code adds each node's contributions in the engine's order
(reverse topological order; within a node, operand a then b), so each example's gradients are
the scalar engine's; where a column meets a scalar (a weight times an input column) the
contribution is summed over the examples (the column's `.dot(g)`, `tot(g)`).

The slots and the cut into functions are the scalar Tape's (record.slots, record.cuts).
+ - * neg and relu over columns write into arrays made once per tape (forward values share them
where their lives do not overlap), and so do the gradients, from a pool (see Program).

A rule written with + - * / ** alone is inlined (evaluated once on symbols); any other rule is
called, over columns with its helpers bound to their array twins (arrays.rule_on_arrays),
checked once on the recorded numbers, else element by element.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import ieee
from .. import value as _value
from ..value import Value
from . import arrays, record
from .codegen import Sym, float_namespace, helper_name, inline, register_source, rule_source, times

__all__ = ["Program", "compile_program"]

_serial = itertools.count(1)
_UFUNC = {"+": "add", "-": "subtract", "*": "multiply", "neg": "negative"}  # the inline ops
_HEAD = ("# A batched Tape's code (autograd/tape/columns.py): V[s] node s's value (a column or a\n"
         "# float), S[s] scalar leaf s as a 0-d array, G[s] its gradient, B[i] gradient buffers,\n"
         "# T scratch, W[i] the pass's matrices of columns and their products with a gradient;\n"
         "# an op with a third array writes into it and returns it: add(a, b, out) is\n"
         "# out[:] = a + b.\n")
_NAME = re.compile(r"\b([A-Za-z_][A-Za-z_0-9]*)\(")


def _template(rule: Callable[..., Any], nargs: int) -> str | None:
    """The rule as source text over {a} {b} {o}, generic functions written as helper names
    (codegen.rule_source: the scalar Tape's own reading of the rules); None: it only works on
    floats."""
    key = (rule, nargs)
    if key not in _templates:
        args = [Sym("{a}"), Sym("{o}")] if nargs == 1 else [Sym("{a}"), Sym("{b}"), Sym("{o}")]
        _templates[key] = rule_source(rule, args)
    return _templates[key]


_templates: dict[tuple, str | None] = {}  # the rules of the registry, read once per process


def _same(x: float, y: float) -> bool:
    if x != x or y != y:
        return x != x and y != y
    return x == y or abs(x - y) <= 1e-12 * max(abs(x), abs(y))


class Program:
    """The compiled forward and backward of one graph over columns.

    forward(V, S): V holds the leaves' values by slot (floats; columns for the batched ones) and,
    at each slot with a buffer (layout[slot] >= 0), one of n_buffers arrays of N floats that the
    op writes into (out=): no allocation per op.  Slots share a buffer where their lives do not
    overlap (a product or a partial sum is dead once used, unless backward reads it), so the
    columns the forward touches stay few and in cache.  S[s] is scalar leaf s's value as a 0-d
    array, what an op with a column reads it as (NumPy takes it faster than a float); the
    scalar ops read V's floats.  backward(V, G, T, S, B): G holds the gradients by slot (the
    root's seeded), T a scratch array of N floats, B n_grads arrays of N floats that the column
    gradients are written into, each reused once the gradient it held has been passed on; W
    n_work slots for the pass's matrices of columns and their products (_matrix_sums).
    keep=True (detect_anomaly(), which reads every value and every gradient): every slot and
    every gradient its own buffer.
    """

    def __init__(self, forward: list[Callable], backward: list[Callable], source: str,
                 column: list[bool], layout: list[int], n_buffers: int, n_grads: int,
                 n_work: int) -> None:
        self.forward, self.backward, self.source, self.column = forward, backward, source, column
        self.layout, self.n_buffers, self.n_grads, self.n_work = layout, n_buffers, n_grads, n_work


class _Namer:
    """The helpers' names in the generated code: each op's and rule's function, once."""

    def __init__(self) -> None:
        self.namespace: dict[str, Any] = {"inf": math.inf, "nan": math.nan,
                                          "tot": np.add.reduce, "stack": np.stack, "add": np.add,
                                          "subtract": np.subtract, "multiply": np.multiply,
                                          "negative": np.negative}
        self._by_key: dict[Any, str] = {}
        self.floats = float_namespace()

    def bind(self, key: Any, f: Any, base: str) -> str:
        name = self._by_key.get(key)
        if name is None:
            base = base if base.isidentifier() else "op"
            name = base
            i = 1
            while name in self.namespace:
                name = f"{base}_{i}"
                i += 1
            self._by_key[key] = name
            self.namespace[name] = f
        return name


def _ref(slot: dict[Value, int], x: Any, view: bool = False) -> str:
    """x in the code: V[s]; S[s] (view: a scalar leaf met by a column, see Program); a
    constant."""
    if not isinstance(x, Value):
        return f"({float(x)!r})"
    return f"{'S' if view else 'V'}[{slot[x]}]"


def compile_program(order: list[Value], batch: set[Value], *, keep: bool = False) -> Program:
    """Forward and backward code for the graph in order (topological), in the scalar Tape's
    slots (record.slots: the leaves first, then the op nodes in order) and cut into functions
    where it cuts its chunks (record.cuts); the leaves in batch are columns.  keep: every value
    and gradient kept for detect_anomaly() (see Program)."""
    leaves, ops, slot = record.slots(order)
    column = [leaf in batch for leaf in leaves] + [False] * len(ops)
    namer = _Namer()
    fwd: list[str] = []
    buffered = [False] * len(leaves) + [True] * len(ops)  # a column op writing into its buffer
    rules_text: dict[Value, list[str | None]] = {}

    def scalar_leaf(x: Any) -> bool:
        return isinstance(x, Value) and slot[x] < len(leaves) and not column[slot[x]]

    for node in ops:
        s = slot[node]
        operands = node.operands
        col = column[s] = any(isinstance(x, Value) and column[slot[x]] for x in operands)
        p = _value.PRIMITIVES[node.op]
        refs = [_ref(slot, x, col and scalar_leaf(x)) for x in operands]
        template = inline(node.op)
        if template is not None and col:  # into the node's own buffer, V[s] (see Program)
            fwd.append(f"    {_UFUNC[node.op]}({', '.join(refs)}, V[{s}])  # {node.op}")
        elif col and p.forward is ieee.relu:
            name = namer.bind(("into", node.op), arrays.relu_into, helper_name(node.op))
            fwd.append(f"    {name}({refs[0]}, V[{s}])  # {node.op}")
        else:
            if template is not None:
                expr = template.format(a=refs[0], b=refs[-1])
            elif col:
                name = namer.bind(("f", node.op), arrays.forward_on_arrays(node.op),
                                  helper_name(node.op))
                expr = f"{name}({', '.join(refs)})"
            else:
                name = namer.bind(("s", node.op), p.forward, "s_" + helper_name(node.op))
                expr = f"{name}({', '.join(refs)})"
            fwd.append(f"    V[{s}] = {expr}  # {node.op}")
            buffered[s] = False
        rules_text[node] = [None if not isinstance(x, Value) else
                            _local(namer, p, i, node, refs, col, column, slot)
                            for i, x in enumerate(operands)]
    bwd, n_grads, n_work = _backward_lines(order, ops, slot, column, rules_text, keep)
    bounds = record.cuts(record.instructions(ops, slot), len(leaves))
    sources, functions = _functions(fwd, bwd, namer.namespace,
                                    [(a - len(leaves), b - len(leaves)) for a, b in bounds])
    buffered = [c and b for c, b in zip(column, buffered)]
    layout, n_buffers = _layout(ops, slot, buffered, bwd, keep)
    return Program(functions[0], functions[1], sources, column, layout, n_buffers, n_grads,
                   n_work)


_READ = re.compile(r"\bV\[(\d+)\]")


def _layout(ops: list[Value], slot: dict[Value, int], buffered: list[bool],
            bwd: list[list[str]], keep: bool) -> tuple[list[int], int]:
    """Each slot's buffer (-1: none) and how many buffers.  A buffered slot takes a free buffer
    (else a new one); unless backward reads it (or it is the root) it gives it back after its
    last use in forward (an op may write over its operand: ufuncs allow it)."""
    read = {int(m) for block in bwd for line in block for m in _READ.findall(line)}
    if ops:
        read.add(slot[ops[-1]])
    layout = [-1] * len(buffered)
    last: dict[int, int] = {}
    for node in ops:
        for x in node.operands:
            if isinstance(x, Value):
                last[slot[x]] = slot[node]
    free: list[int] = []
    ending: dict[int, list[int]] = {}  # slot -> the buffers free after it
    n = 0
    for node in ops:
        s = slot[node]
        free += ending.pop(s, ())
        if not buffered[s]:
            continue
        if free:
            layout[s] = free.pop()
        else:
            layout[s] = n
            n += 1
        if keep or s in read:
            continue
        if s in last:
            ending.setdefault(last[s], []).append(layout[s])
        else:  # never read again
            free.append(layout[s])
    return layout, n


def _local(namer: _Namer, p: _value.Primitive, i: int, node: Value, refs: list[str], col: bool,
           column: list[bool], slot: dict[Value, int]) -> str:
    """Source of d node / d operand i, its operands and its result written as refs and V[s]."""
    rule = p.rules[i]
    nargs = len(p.rules)
    out = f"V[{slot[node]}]"
    fill = {"a": refs[0], "b": refs[-1], "o": out}
    template = _template(rule, nargs)
    if template is not None:
        # the helpers it calls: array twins over columns, the float functions on scalars
        prefix = "" if col else "s_"
        floats = namer.floats

        def helper(match: re.Match) -> str:
            name = match.group(1)
            if col:
                f = arrays.ARRAY_HELPERS.get(name) or arrays.elementwise(floats[name], 3)
            else:
                f = floats[name]
            return namer.bind((prefix, name), f, prefix + name) + "("
        return _NAME.sub(helper, template).format(**fill)
    args = ", ".join(refs + [out])
    name = "d_" + helper_name(p.name)
    if not col:
        return f"{namer.bind(('r', id(rule)), rule, name)}({args})"
    return f"{namer.bind(('ra', id(rule)), _array_rule(rule, node, column, slot), name)}({args})"


def _array_rule(rule: Callable[..., Any], node: Value, column: list[bool],
                slot: dict[Value, int]) -> Callable[..., Any]:
    """rule over columns: its helpers bound to array twins if that gives, on the recorded
    numbers, what the rule gives on floats; else the rule element by element."""
    args = [float(x.data if isinstance(x, Value) else x) for x in node.operands] + [node.data]
    cols = [isinstance(x, Value) and column[slot[x]] for x in node.operands] + [True]
    want = rule(*args)
    candidate = arrays.rule_on_arrays(rule)
    try:
        with np.errstate(all="ignore"):
            got = candidate(*[np.array([x, x]) if c else x for x, c in zip(args, cols)])
        got = np.broadcast_to(np.asarray(got, dtype=float), (2,))
        if _same(float(got[0]), float(want)) and _same(float(got[1]), float(want)):
            return candidate
    except Exception:  # noqa: BLE001 - any failure on arrays: fall back to one element at a time
        pass
    return arrays.elementwise(rule, len(args))


def _backward_lines(order: list[Value], ops: list[Value], slot: dict[Value, int],
                    column: list[bool], rules_text: dict[Value, list[str | None]], keep: bool
                    ) -> tuple[list[list[str]], int, int]:
    """One block of lines per op node, in reverse topological order (G: the gradients by slot,
    the root's seeded by the caller), how many gradient buffers B and work slots W they use.

    A gradient passed on unchanged (the operands of +) is the same array in both slots; a column
    gradient that no other live slot holds is added to in place, with T as scratch.  A new column
    gradient is written into a free buffer of B, which is free again once no slot that will be
    read holds it (unless keep: then every gradient keeps its own).

    The engine sums each gradient from 0.0, so its gradients are never -0.0 (but the root's
    seed).  A column gradient here starts from its first contribution instead (one op less per
    node): it can differ only by being -0.0 where the engine's is 0.0, which no later product
    or sum turns into another number, and the caller adds 0.0 to the batched leaves' columns.
    The scalar sums over the examples start from 0.0 as the engine's do."""
    started: set[int] = set()
    root = ops[-1] if ops and ops[-1] is order[-1] else None
    grads = _Grads(keep)
    blocks: list[list[str]] = []
    sums: list[tuple[int, int, int, str]] = []  # each x.dot(g): block, line, g's array, x
    written: dict[int, list[int]] = {}  # array -> the blocks that add to it in place
    for node in reversed(ops):
        k = slot[node]
        lines = [f"    g = G[{k}]  # {node.op}"]
        if column[k]:
            grads.reached(k)
        for x, local in zip(node.operands, rules_text[node]):
            if local is None:
                continue
            r = slot[x]
            if column[k] and not column[r]:  # summed over the examples
                if local.startswith("V[") and local.endswith("]") and column[int(local[2:-1])]:
                    c = f"{local}.dot(g)"
                    sums.append((len(blocks), len(lines), grads.array_of[k], local))
                elif local == "(1.0)":
                    c = "tot(g)"
                elif local == "(-1.0)":
                    c = "(-tot(g))"
                else:
                    c = f"tot({local} * g)"
                lines.append(f"    G[{r}] = G[{r}] + {c}" if r in started else
                             f"    G[{r}] = 0.0 + {c}")
                started.add(r)
                continue
            c = times(local, "g")
            if not column[r]:
                lines.append(f"    G[{r}] = G[{r}] + {c}" if r in started else
                             f"    G[{r}] = 0.0 + {c}")
            elif r in started:  # G[r] + c: in place if no other slot holds G[r]'s array
                into = f"G[{r}]" if grads.alone(r) else None
                if into is not None:
                    written.setdefault(grads.array_of[r], []).append(len(blocks))
                out = into or grads.new(r)
                if c == "g":
                    lines.append(f"    G[{r}] = add(G[{r}], g, {out})")
                elif c == "(-g)":
                    lines.append(f"    G[{r}] = subtract(G[{r}], g, {out})")
                else:
                    lines.append(f"    G[{r}] = add(G[{r}], multiply({local}, g, T), {out})")
                if into is None:
                    grads.take(r)
            elif c == "g" and node is not root:
                lines.append(f"    G[{r}] = g")
                grads.share(r, k)
            else:  # a new array: the contribution (or the root's seed plus 0.0, see above)
                out = grads.new(r)
                expr = f"add(g, 0.0, {out})" if c == "g" else f"negative(g, {out})" \
                    if c == "(-g)" else f"multiply({local}, g, {out})"
                lines.append(f"    G[{r}] = {expr}")
                grads.take(r)
            started.add(r)
        if column[k]:
            grads.done(k)
        blocks.append(lines)
    blocks, n_work = _matrix_sums(blocks, sums, written)
    return blocks, grads.n, n_work


def _matrix_sums(blocks: list[list[str]], sums: list[tuple[int, int, int, str]],
                 written: dict[int, list[int]]) -> tuple[list[list[str]], int]:
    """The column sums x.dot(g) of one gradient g over several columns x (a neuron's weights
    times its inputs) as one product of a matrix, made once per backward pass from those
    columns (W[m] = stack(...)), with g, its numbers then added where each sum was (the
    engine's order of additions; the sums themselves are a dot product's either way).  Only
    where nothing adds to g's array in place between the first of its sums and the last."""
    groups: dict[int, list[tuple[int, int, str]]] = {}
    for b, i, array, x in sums:
        groups.setdefault(array, []).append((b, i, x))
    stacks: dict[tuple[str, ...], int] = {}
    n = 0
    for array, group in groups.items():
        first, last = group[0][0], group[-1][0]
        if len(group) < 2 or any(first < b <= last for b in written.get(array, ())):
            continue
        xs = tuple(x for _, _, x in group)
        head = []
        if xs not in stacks:
            stacks[xs] = n
            n += 1
            head.append(f"    W[{stacks[xs]}] = stack(({', '.join(xs)}))")
        d = n
        n += 1
        head.append(f"    W[{d}] = W[{stacks[xs]}].dot(g).tolist()")
        for j, (b, i, x) in enumerate(group):
            line = blocks[b][i].replace(f"{x}.dot(g)", f"W[{d}][{j}]")
            blocks[b][i] = "\n".join(head + [line]) if j == 0 else line
    return blocks, n


class _Grads:
    """Which array each column gradient is while the backward code is written, and which
    buffer of B holds it: new() names a free one for slot r, take(r) gives it to r (its old
    array let go), share(r, k) makes r hold k's array, reached(k): k's block begins, done(k):
    k's gradient is never read again; an array no slot holds gives its buffer back (unless
    keep)."""

    def __init__(self, keep: bool) -> None:
        self.keep = keep
        self.array_of: dict[int, int] = {}        # slot -> its array (an id at code time)
        self.holders: dict[int, set[int]] = {}    # array -> the slots holding it
        self.buffer: dict[int, int] = {}          # array -> its buffer (the root's seed: none)
        self.free: list[int] = []
        self.n = 0
        self._next = itertools.count()
        self._pending: int | None = None

    def alone(self, r: int) -> bool:
        return self.holders[self.array_of[r]] == {r}

    def new(self, r: int) -> str:
        b = self.free.pop() if self.free else self._grow()
        self._pending = b
        return f"B[{b}]"

    def _grow(self) -> int:
        self.n += 1
        return self.n - 1

    def take(self, r: int) -> None:
        array = next(self._next)
        if self._pending is not None:
            self.buffer[array] = self._pending
            self._pending = None
        self._let_go(r)
        self.array_of[r] = array
        self.holders[array] = {r}

    def share(self, r: int, k: int) -> None:
        self.array_of[r] = self.array_of[k]
        self.holders[self.array_of[k]].add(r)

    def reached(self, k: int) -> None:
        """k's block begins: k holds its gradient's array (the root: its seed, made by the
        caller, in no buffer)."""
        if k not in self.array_of:
            self.take(k)

    def done(self, k: int) -> None:
        self._let_go(k)
        del self.array_of[k]

    def _let_go(self, r: int) -> None:
        old = self.array_of.get(r)
        if old is None:
            return
        held = self.holders[old]
        held.discard(r)
        if not held and old in self.buffer and not self.keep:
            self.free.append(self.buffer.pop(old))


def _functions(fwd: list[str], bwd: list[list[str]], namespace: dict[str, Any],
               bounds: list[tuple[int, int]]) -> tuple[str, tuple[list[Callable], list[Callable]]]:
    """The source and the compiled functions: forward_i(V, S) runs the lines of chunk i (ops
    bounds[i]), backward_i(V, G, T, S, B, W) the blocks of the chunk i-th from the end (fwd: a line
    per op; bwd: a block per op, last op first)."""
    parts: list[str] = []
    for i, (start, end) in enumerate(bounds):
        parts.append(f"def forward_{i}(V, S):\n" + "\n".join(fwd[start:end]) + "\n")
    n = len(fwd)
    for i, (start, end) in enumerate(reversed(bounds)):
        lines = [line for block in bwd[n - end:n - start] for line in block]
        parts.append(f"def backward_{i}(V, G, T, S, B, W):\n" + "\n".join(lines) + "\n")
    source = _HEAD + "\n\n".join(parts)
    scope = dict(namespace)
    filename = f"<autograd batched tape {next(_serial)}>"
    exec(compile(source, filename, "exec"), scope)
    forward = [scope[f"forward_{i}"] for i in range(len(bounds))]
    if forward:
        register_source(filename, source, forward[0])
    return source, (forward, [scope[f"backward_{i}"] for i in range(len(bounds))])
