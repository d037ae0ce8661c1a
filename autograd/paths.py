"""The paths from a root down to one of its nodes: counted, listed on demand, each a product.

By the chain rule, d root / d node is the sum over every path from root down to node of the
product of the local derivatives along it.  PathGraph keeps the part of root's graph on such
paths, the engine's upstream gradients on it (the same sums in the same order as a pass of
backward(), so bit for bit), how many paths pass each node (by counting, never by listing: a
graph may have 2**200 paths), and names each local derivative by the rule of its op
(sigmoid'(z2), w2, 1), with the number the forward pass stored in .local (never recomputed).
explain() writes its text from it; nothing here touches .grad.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, NamedTuple, overload

from ._util import format_number
from .engine import Sweep
from .names import Names, atom, constant_text, d, float_variables, kind
from .value import PRIMITIVES, Value

__all__ = ["Factor", "Path", "PathGraph", "Paths", "atom", "count_text", "elide", "plural"]

MAX_FACTORS = 12         # factors written out in one product; more are elided in the middle

# ---------------------------------------------------------------------------------------------
# A path and its factors.

class Factor(NamedTuple):
    """One local derivative along a path: d child / d parent, named by its rule and with its
    number (child.local[index], the float the engine uses)."""

    child: Value
    parent: Value
    slot: int           # parent is child.parents[slot] (a*a has two edges to a, slots 0 and 1)
    name: str           # sigmoid'(z2), w2, 1, 2*sub#8
    value: float

    def __str__(self) -> str:
        return f"{self.name} = {format_number(self.value)}"


class Path(NamedTuple):
    """One path from root down to node: its nodes (root first), the factor on each edge, and
    their product (taken from the root down, as backward() multiplies them)."""

    nodes: tuple[Value, ...]
    factors: tuple[Factor, ...]
    product: float
    names: Mapping[Value, str] | None = None   # the names the text uses (explain's)

    def __str__(self) -> str:
        given = self.names or {}
        nodes = elide([atom(given.get(n) or n.label or kind(n)) for n in self.nodes], " > ")
        if not self.factors:
            return f"{nodes}: 1"
        names = [f.name for f in self.factors]
        numbers = [format_number(f.value) for f in self.factors]
        return (f"{nodes}: {elide(names, ' * ')} = {elide(numbers, ' * ')} = "
                f"{format_number(self.product)}")


class Paths(Sequence[Path]):
    """Every path from root down to node, made on demand: .size says how many (found by
    counting, an int of any size: a graph may have 2**200 paths; Explanation.count is the
    same), and so does len() while it fits in a Python index (up to sys.maxsize; beyond, len()
    is a ValueError that points at .size); index (any int) or iterate to get them, in order
    (at each node, parents in operand order)."""

    def __init__(self, graph: PathGraph) -> None:
        self._graph = graph
        self._count: int = graph.count

    @property
    def size(self) -> int:
        """How many paths (an int of any size)."""
        return self._count

    def __len__(self) -> int:
        if self._count > sys.maxsize:
            raise ValueError(f"there are {count_text(self._count)} paths, more than len() can "
                             f"return; .size (and the explanation's .count) has the number, "
                             f"an int of any size")
        return self._count

    def __bool__(self) -> bool:
        return self._count > 0

    @overload
    def __getitem__(self, i: int) -> Path: ...
    @overload
    def __getitem__(self, i: slice) -> list[Path]: ...

    def __getitem__(self, i: int | slice) -> Path | list[Path]:
        if isinstance(i, slice):
            start, stop, step = i.indices(self._count)  # any size: no len() involved
            return [self._graph.path(k) for k in range(start, stop, step)]
        if not isinstance(i, int) or isinstance(i, bool):
            raise TypeError(f"paths are indexed by int, got {type(i).__name__}")
        k = i + self._count if i < 0 else i
        if not 0 <= k < self._count:
            raise IndexError(f"path index {i} out of range: there are "
                             f"{count_text(self._count)} paths")
        return self._graph.path(k)

    def __iter__(self) -> Iterator[Path]:
        for k in range(self._count):
            yield self._graph.path(k)

    def __repr__(self) -> str:
        return f"<{count_text(self._count)} path{'s' * (self._count != 1)}>"


class PathGraph:
    """The part of root's graph on some path from root down to node, with the engine's upstream
    gradients on it and path counts."""

    def __init__(self, root: Value, node: Value, names: Mapping[Value, str],
                 scope: Mapping[str, Any], order: list[Value]) -> None:
        self.root, self.node, self.names = root, node, names
        if isinstance(names, Names) and names.constants:
            self._constants = names.constants  # the view's own (the stepper's frame)
        else:
            self._constants = float_variables(scope)
        on: set[Value] = set()
        edges: dict[Value, list[tuple[Value, int, float]]] = {}
        self.order: list[Value] = []  # parents first, root last
        kept = self.order
        for n in order:  # n is on a path iff it is node or one of its parents is
            if n is node:
                es = []
            else:
                parents = n.parents
                if not parents:
                    continue
                es = [(p, i, d) for i, (p, d) in enumerate(zip(parents, n.local)) if p in on]
                if not es:
                    continue
            on.add(n)
            edges[n] = es
            kept.append(n)
        self.on, self.edges = on, edges  # edges[n]: (parent, index, local) for parents on a path
        children: dict[Value, list[tuple[Value, int]]] = {n: [] for n in kept}
        for n in kept:
            for p, i, _ in edges[n]:
                children[p].append((n, i))
        self.children = children  # children[n]: (child, index) for each edge into n
        # The engine's pass (its Sweep) over these nodes: every child of a node here is here too,
        # so the sums are the engine's, in the engine's order, bit for bit.
        up: dict[Value, float] = {}
        if root in on:
            sweep = Sweep(root, 1.0, kept)
            for _ in sweep:
                pass
            up = sweep.upstream
        self.up = up
        below: dict[Value, int] = {}  # number of paths from each node down to node
        for n in kept:
            below[n] = sum([below[p] for p, _, _ in edges[n]]) if n is not node else 1
        self.below = below
        self.count = self.below.get(root, 0)
        self.above: dict[Value, int] = {}  # number of paths from root down to each node
        for n in reversed(self.order):
            if n is root:
                self.above[n] = 1
            for p, _, _ in self.edges[n]:
                self.above[p] = self.above.get(p, 0) + self.above[n]

    def factor(self, child: Value, index: int, local: float) -> Factor:
        parent = child.parents[index]
        return Factor(child, parent, index, self.factor_name(child, index), local)

    def factor_name(self, child: Value, index: int) -> str:
        """d child / d child.parents[index], written by the text its op's registry entry gives."""
        operands = child.operands
        # which operand the parent is: constants (floats) are operands but not parents
        position = index if isinstance(operands[0], Value) else 1
        p = PRIMITIVES.get(child.op)
        raw = [self.names[x] if isinstance(x, Value) else constant_text(x, self._constants)
               for x in operands] + [""]
        a, b = atom(raw[0]), atom(raw[1]) if raw[1] else ""
        if p is None or position >= len(p.factors):
            return f"{child.op}'({a})"
        template = p.factors[position]
        if callable(template):
            return str(template(a, b, operands))
        out = self.names[child]
        fields = {"a": a, "b": b, "out": atom(out), "d_out": d(out), "d_a": d(raw[0]),
                  "d_b": d(raw[1]) if raw[1] else ""}
        for key in ("a", "b"):  # sigmoid'({a}) needs no second pair: sigmoid'(w1*x)
            if fields[key].startswith("("):
                template = template.replace(f"({{{key}}})", f"{{{key}}}")
        try:
            return template.format_map(fields)
        except (KeyError, IndexError, ValueError):  # a user's text with other braces
            return template

    def path(self, k: int) -> Path:
        """The k-th path from root down to node (0 <= k < count), found by counting."""
        n = self.root
        nodes, factors = [n], []
        product = 1.0
        while n is not self.node:
            for edge in self.edges[n]:
                if k < self.below[edge[0]]:
                    break
                k -= self.below[edge[0]]
            p, i, local = edge
            factors.append(self.factor(n, i, local))
            product = local * product
            nodes.append(p)
            n = p
        return Path(tuple(nodes), tuple(factors), product, self.names)


# ---------------------------------------------------------------------------------------------
# Writing products and counts.

def elide(items: Sequence[str], sep: str, limit: int = MAX_FACTORS) -> str:
    if len(items) <= limit:
        return sep.join(items)
    head, tail = limit // 2 - 1, limit // 2 - 1
    return sep.join([*items[:head], f"... {len(items) - head - tail} more ...", *items[-tail:]])


def plural(k: int, word: str) -> str:
    return f"{count_text(k)} {word}{'s' * (k != 1)}"


_DECIMAL_LIMIT = 10**4300


def count_text(k: int) -> str:
    """A count of any size as a person reads it: 12, 1048576; beyond 10**4300 (where Python
    refuses to write an int in decimal) in scientific form, 2.0e+5000 (from the bits, so exact
    to the digits shown)."""
    if k < _DECIMAL_LIMIT:
        return str(k)
    shift = k.bit_length() - 64
    exponent10 = math.log10(k >> shift) + shift * math.log10(2)
    e = math.floor(exponent10)
    mantissa = 10 ** (exponent10 - e)
    if mantissa >= 9.995:
        mantissa, e = 1.0, e + 1
    return f"{mantissa:.2f}e+{e}"
