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
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, NamedTuple, overload

from ._util import format_number, printable
from .names import kind
from .value import Value

__all__ = ["Factor", "Path", "PathGraph", "Paths", "atom", "elide", "plural"]

MAX_FACTORS = 12         # factors written out in one product; more are elided in the middle
_ATOM = re.compile(r"[\w.#']+")

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
    """Every path from root down to node, made on demand: len() says how many (found by
    counting, so a graph with 2**60 paths is fine; Explanation.count has the number even beyond
    sys.maxsize); index or iterate to get them, in order (at each node, parents in operand order)."""

    def __init__(self, graph: PathGraph) -> None:
        self._graph = graph
        self._count: int = graph.count

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, i: int) -> Path: ...
    @overload
    def __getitem__(self, i: slice) -> list[Path]: ...

    def __getitem__(self, i: int | slice) -> Path | list[Path]:
        if isinstance(i, slice):
            return [self._graph.path(k) for k in range(*i.indices(self._count))]
        if not isinstance(i, int) or isinstance(i, bool):
            raise TypeError(f"paths are indexed by int, got {type(i).__name__}")
        k = i + self._count if i < 0 else i
        if not 0 <= k < self._count:
            raise IndexError(f"path index {i} out of range: there are {self._count} paths")
        return self._graph.path(k)

    def __iter__(self) -> Iterator[Path]:
        for k in range(self._count):
            yield self._graph.path(k)

    def __repr__(self) -> str:
        return f"<{plural(self._count, 'path')}>"


class PathGraph:
    """The part of root's graph on some path from root down to node, with the engine's upstream
    gradients on it and path counts."""

    def __init__(self, root: Value, node: Value, names: Mapping[Value, str],
                 scope: Mapping[str, Any], order: list[Value]) -> None:
        self.root, self.node, self.names = root, node, names
        self._constants = {id(obj): var for var, obj in reversed(list(scope.items()))
                           if type(obj) is float and not var.startswith("_")}
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
        # The engine's pass restricted to these nodes: every child of a node here is here too, so
        # the sums are the engine's, in the engine's order (reversed topological, operand order).
        up: dict[Value, float] = {root: 1.0} if root in on else {}
        for n in reversed(kept):
            g = up[n]
            for p, _, d in edges[n]:
                up[p] = up.get(p, 0.0) + d * g
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

    def operand_name(self, x: Any) -> str:
        if isinstance(x, Value):
            return atom(self.names[x])
        var = self._constants.get(id(x))  # the user's variable holding this very float
        if var is not None:
            return var
        return "nan" if math.isnan(x) else f"{x:g}"

    def factor_name(self, child: Value, index: int) -> str:
        """d child / d child.parents[index], written by the rule of child's op."""
        op, operands = child.op, child.operands
        if op == "+":
            return "1"
        if len(operands) == 1:
            a = self.operand_name(operands[0])
            rule = _UNARY.get(op)
            return rule.format(a=a) if rule else f"{op}'({a})"
        # which operand the parent is: constants (floats) are operands but not parents
        position = index if isinstance(operands[0], Value) else 1
        if op == "-":
            return "1" if position == 0 else "-1"
        if op == "*":
            return self.operand_name(operands[1 - position])
        a, b = self.operand_name(operands[0]), self.operand_name(operands[1])
        if op == "/":
            return f"1/{b}" if position == 0 else f"-{a}/{b}**2"
        if op == "**":
            if position == 1:
                return f"{a}**{b}*log({a})"
            n = operands[1]
            if isinstance(n, Value):
                return f"{b}*{a}**({b}-1)"
            return "1" if n == 1 else f"{b}*{a}" if n == 2 else f"{b}*{a}**{n - 1:g}"
        return f"d{atom(self.names[child])}/d{(a, b)[position]}"

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
            p, i, d = edge
            factors.append(self.factor(n, i, d))
            product = d * product
            nodes.append(p)
            n = p
        return Path(tuple(nodes), tuple(factors), product, self.names)


_UNARY = {
    "neg": "-1", "abs": "sign({a})", "exp": "exp({a})", "log": "1/{a}",
    "sqrt": "1/(2*sqrt({a}))", "sin": "cos({a})", "cos": "-sin({a})",
    "sigmoid": "sigmoid'({a})", "tanh": "tanh'({a})", "relu": "relu'({a})",
}


# ---------------------------------------------------------------------------------------------
# Writing names and products.

def atom(name: str) -> str:
    """name as one factor of a product: escaped where not printable, in parentheses unless it
    is one word (y_hat, layers.0.w.1, mul#6)."""
    name = printable(name)
    return name if _ATOM.fullmatch(name) else f"({name})"


def elide(items: Sequence[str], sep: str, limit: int = MAX_FACTORS) -> str:
    if len(items) <= limit:
        return sep.join(items)
    head, tail = limit // 2 - 1, limit // 2 - 1
    return sep.join([*items[:head], f"... {len(items) - head - tail} more ...", *items[-tail:]])


def plural(k: int, word: str) -> str:
    return f"{k} {word}{'s' * (k != 1)}"
