"""explain(root, node): d root / d node spelled out as the course does it.

By the chain rule, d root / d node is the sum, over every path from root down to node, of the
product of the local derivatives along it (d child / d parent on each edge).  explain() names
each factor by its rule (sigmoid'(z2), w2, 1) and gives its number, read from the node's stored
local derivatives (the very floats backward() uses, never recomputed).  Where paths pass a
pre-activation z_k (a weighted sum that feeds an activation), the sum is factored with deltas,
delta_k = dC/dz_k, and the recursion between them, as the course writes back-propagation:

    delta2 = dC/dy_hat * sigmoid'(z2)      delta1 = delta2 * w2 * sigmoid'(z1)      dC/dw1 = delta1 * x

Paths are counted (by dynamic programming) and never all listed: more than MAX_LISTED are grouped
by the nodes they share.  explain() only reads Values; it never touches .grad.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, overload

from ._format import format_number
from .engine import topological_order
from .names import Names, caller_scope, kind, node_names
from .value import Value

__all__ = ["MAX_LISTED", "Delta", "Explanation", "Factor", "Path", "Paths", "explain",
           "is_preactivation"]

MAX_LISTED = 8           # more paths (or terms in one sum) than this are grouped, not listed
_MAX_LINES = 12          # definition lines shown in full; more are elided in the middle
_MAX_FACTORS = 12        # factors written out in one product; more are elided in the middle
ACTIVATIONS = ("sigmoid", "tanh", "relu")
_Z_NAME = re.compile(r"z(_?\d+)?")                  # z, z1, z_2: the course's pre-activations
_NEURON_NAME = re.compile(r"(.+\.)?neurons\.\d+")   # an nn neuron's output (a linear one's sum)
_ATOM = re.compile(r"[\w.#']+")


# ---------------------------------------------------------------------------------------------
# What an explanation is made of.

@dataclass(frozen=True)
class Factor:
    """One local derivative along a path: d child / d parent, named by its rule and with its
    number (child.local[index], the float the engine uses)."""

    child: Value
    parent: Value
    index: int          # parent is child.parents[index] (a*a has two edges to a)
    name: str           # sigmoid'(z2), w2, 1, 2*sub#8
    value: float

    def __str__(self) -> str:
        return f"{self.name} = {format_number(self.value)}"


@dataclass(frozen=True)
class Path:
    """One path from root down to node: its nodes (root first), the factor on each edge, and
    their product (taken from the root down, as backward() multiplies them)."""

    nodes: tuple[Value, ...]
    factors: tuple[Factor, ...]
    product: float
    names: Mapping[Value, str] = field(default_factory=dict, repr=False, compare=False)

    def __str__(self) -> str:
        nodes = _elide([_atom(self.names.get(n) or n.label or kind(n)) for n in self.nodes], " > ")
        if not self.factors:
            return f"{nodes}: 1"
        names = [f.name for f in self.factors]
        numbers = [format_number(f.value) for f in self.factors]
        return (f"{nodes}: {_elide(names, ' * ')} = {_elide(numbers, ' * ')} = "
                f"{format_number(self.product)}")


@dataclass(frozen=True)
class Delta:
    """delta = d root / d node at a pre-activation node (z1, a neuron's weighted sum)."""

    name: str           # delta1, delta(layers.0.neurons.3)
    node: Value
    value: float


class Paths(Sequence[Path]):
    """Every path from root down to node, made on demand: len() says how many (found by
    counting, so a graph with 2**60 paths is fine; Explanation.count has the number even beyond
    sys.maxsize); index or iterate to get them, in order (at each node, parents in operand order)."""

    def __init__(self, graph: _Graph) -> None:
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
        return f"<{_plural(self._count, 'path')}>"


class Explanation:
    """d root / d node as the sum over paths of products of named local derivatives.

    str() is a few lines of text.  .total is d root / d node, as the engine computes it (a fresh
    pass, bit for bit); .paths lists the paths (.count of them), each with its factors and product;
    .deltas the pre-activations' deltas; .names the name of every node in the text.
    """

    def __init__(self, root: Value, node: Value, names: Mapping[Value, str], total: float,
                 paths: Paths | tuple[()], deltas: tuple[Delta, ...], lines: list[str]) -> None:
        self.root = root
        self.node = node
        self.names = names
        self.total = total
        self.paths = paths
        self.count = len(paths) if isinstance(paths, tuple) else paths._count
        self.deltas = deltas
        self.lines = tuple(lines)

    def __str__(self) -> str:
        return "\n".join(self.lines)

    __repr__ = __str__  # typing explain(C, w1) at a prompt shows the explanation


# ---------------------------------------------------------------------------------------------
# The graph between root and node.

def is_preactivation(node: Value, name: str, children: Sequence[Value] = ()) -> bool:
    """True for a pre-activation z_k: a node named z, z1, z_2 or ending in .z; a sum that feeds
    an activation (sigmoid, tanh, relu; children: the nodes using it), as a neuron's weighted sum
    does; or an nn neuron's output that is a sum (a linear neuron's output is its weighted sum)."""
    if _Z_NAME.fullmatch(name) or name.endswith(".z"):
        return True
    if node.op != "+":
        return False
    if _NEURON_NAME.fullmatch(name):
        return True
    return any(c.op in ACTIVATIONS and len(c.parents) == 1 for c in children)


class _Graph:
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
            return _atom(self.names[x])
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
        return f"d{_atom(self.names[child])}/d{(a, b)[position]}"

    def path(self, k: int) -> Path:
        """The k-th path from root down to node (0 <= k < count), found by counting."""
        n = self.root
        nodes, factors = [n], []
        product = 1.0
        while n is not self.node:
            for p, i, d in self.edges[n]:
                if k < self.below[p]:
                    break
                k -= self.below[p]
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
# The text.

def _atom(name: str) -> str:
    """name as one factor of a product: escaped where not printable, in parentheses unless it
    is one word (y_hat, layers.0.w.1, mul#6)."""
    if not name.isprintable():
        name = "".join(c if c.isprintable() else c.encode("unicode_escape",
                                                          "backslashreplace").decode("ascii")
                       for c in name)
    return name if _ATOM.fullmatch(name) else f"({name})"


def _elide(items: Sequence[str], sep: str, limit: int = _MAX_FACTORS) -> str:
    if len(items) <= limit:
        return sep.join(items)
    head, tail = limit // 2 - 1, limit // 2 - 1
    return sep.join([*items[:head], f"... {len(items) - head - tail} more ...", *items[-tail:]])


def _plural(k: int, word: str) -> str:
    return f"{k} {word}{'s' * (k != 1)}"


class _Writer:
    """The lines of an explanation: the paths when few, then the deltas and the nodes where
    paths meet, one line each: d root / d n = the sum over the segments of paths into n."""

    def __init__(self, g: _Graph) -> None:
        self.g = g
        names = g.names
        self.R = _atom(names[g.root])
        kinds = names.kind if isinstance(names, Names) else (
            lambda n: "label" if n.label else "op")
        order = g.order
        self.deltas: dict[Value, str] = {}
        taken = set(names.values())
        for n in reversed(order):  # root side first
            if n is not g.root and is_preactivation(n, names[n], [c for c, _ in g.children[n]]):
                self.deltas[n] = self._delta_name(n, kinds, taken)
                taken.add(self.deltas[n])
        self.grouped = g.count > MAX_LISTED
        # below_delta[n]: some path from a pre-activation comes down to n
        below_delta: dict[Value, bool] = {}
        for n in reversed(order):
            below_delta[n] = any(c in self.deltas or below_delta[c] for c, _ in g.children[n])
        anchors: dict[Value, str] = {g.root: ""}
        for n in reversed(order):
            if n in self.deltas:
                anchors[n] = self.deltas[n]
            elif n is g.root or n is g.node:
                continue
            elif self.grouped and len(g.children[n]) >= 2:  # where paths meet
                anchors[n] = f"d{self.R}/d{_atom(names[n])}"
            elif (kinds(n) != "op" and not below_delta[n]
                  and any(p in self.deltas for p, _, _ in g.edges[n])):
                anchors[n] = f"d{self.R}/d{_atom(names[n])}"  # dC/dy_hat, above the top delta
        self.anchors = anchors
        self.collapse = {n for n in anchors if n not in self.deltas and n is not g.root
                         and not self.grouped}
        # free[n]: the number of segments (paths from an anchor with no anchor inside) down to n
        self.free: dict[Value, int] = {}
        for n in reversed(order):
            self.free[n] = sum(1 if c in anchors else self.free[c] for c, _ in g.children[n])

    def _delta_name(self, z: Value, kinds: Any, taken: set[str]) -> str:
        name = self.g.names[z]
        m = _Z_NAME.fullmatch(name)
        if m:
            wanted = "delta" + (m.group(1) or "")
        elif name.endswith(".z"):
            wanted = f"delta({_atom(name[:-2])})"
        else:
            act = [c for c, _ in self.g.children[z] if c.op in ACTIVATIONS and kinds(c) != "op"]
            base = self.g.names[act[0]] if kinds(z) == "op" and act else name
            wanted = f"delta({_atom(base)})"
        if wanted in taken:
            wanted = f"delta({_atom(name)})"
        k = 2
        candidate = wanted
        while candidate in taken:
            candidate, k = f"{wanted}#{k}", k + 1
        return candidate

    # -- segments ---------------------------------------------------------------------------
    def segments(self, n: Value, limit: int) -> list[tuple[Value, list[Factor]]]:
        """The first limit segments into n, in order: (anchor, factors from it down to n)."""
        g, anchors = self.g, self.anchors
        out: list[tuple[Value, list[Factor]]] = []
        # depth-first upwards from n; link: the factors below, as a linked list (factor, link)
        stack: list[tuple[Value, Any]] = []

        def push(m: Value, link: Any) -> None:
            for c, i in reversed(g.children[m]):  # so that they come off the stack in order
                stack.append((c, (g.factor(c, i, c.local[i]), link)))

        push(n, None)
        while stack and len(out) < limit:
            c, link = stack.pop()
            if c in anchors:
                factors = []
                while link is not None:
                    factors.append(link[0])
                    link = link[1]
                out.append((c, factors))
            else:
                push(c, link)
        return out

    def term(self, anchor: Value, factors: Sequence[Factor]) -> tuple[str, str, float]:
        """(names, numbers, value) of one segment's product, anchor's delta first."""
        g = self.g
        value = 1.0 if anchor is g.root else g.up[anchor]
        names: list[str] = [] if anchor is g.root else [self.anchors[anchor]]
        numbers: list[str] = [] if anchor is g.root else [format_number(value)]
        for f in factors:
            value = f.value * value
            if f.name == "1" and f.value == 1.0:
                continue
            names.append(f.name)
            numbers.append(format_number(f.value))
        if not names:
            names, numbers = ["1"], [format_number(1.0)]
        return _elide(names, " * "), _elide(numbers, " * "), value

    def line(self, n: Value, lhs: str) -> str:
        count = sum(1 if c in self.anchors else self.free[c] for c, _ in self.g.children[n])
        shown = count if count <= MAX_LISTED else 3
        terms = [self.term(a, fs) for a, fs in self.segments(n, shown)]
        more = f" + ... {count - shown} more terms" if shown < count else ""
        names = " + ".join(t[0] for t in terms) + more
        numbers = " + ".join(t[1] for t in terms) + more
        value = format_number(self.g.up[n])
        parts = [lhs, names]
        if numbers != names:
            parts.append(numbers)
        if numbers != value:
            parts.append(value)
        return " = ".join(parts)

    # -- the whole text ----------------------------------------------------------------------
    def lines(self) -> list[str]:
        g, R = self.g, self.R
        T = _atom(g.names[g.node])
        lhs = f"d{R}/d{T}"
        total = format_number(g.up[g.node])
        if g.node is g.root:
            return [f"{lhs} = 1: the derivative of {R} with respect to itself (the seed of "
                    + "back-propagation)"]
        if g.count == 1:
            head = (f"{lhs} = {total}, the product of the local derivatives along the one path "
                    f"from {R} down to {T}:")
        else:
            head = (f"{lhs} = {total}, the sum over {g.count} paths from {R} down to {T} "
                    f"of the product of the local derivatives along each"
                    + (", grouped by the nodes they share:" if self.grouped else ":"))
        out = [head]
        if not self.grouped:
            out.extend(self.path_lines(lhs))
        if self.deltas or self.grouped:
            zs = [g.names[z] for z in self.deltas]
            if self.deltas:
                out.append(f"With delta = d{R}/dz at the pre-activations "
                           f"{_elide([_atom(z) for z in zs], ', ', 8)}:")
            else:
                out.append("Where the paths meet:")
            defs = []
            for n, name in self.anchors.items():
                if n is g.root:
                    continue
                lhs_n = f"{name} = d{R}/d{_atom(g.names[n])}" if n in self.deltas else name
                defs.append((name, self.line(n, lhs_n)))
            if g.node not in self.anchors:
                defs.append((lhs, self.line(g.node, lhs)))
            if len(defs) > _MAX_LINES:
                head_k, tail_k = 4, _MAX_LINES - 5
                hidden = defs[head_k:-tail_k]
                elided = (f"... {len(hidden)} more lines like these, for {hidden[0][0]} to "
                          f"{hidden[-1][0]}")
                defs = [*defs[:head_k], ("", elided), *defs[-tail_k:]]
            out.extend("  " + text for _, text in defs)
        return out

    def path_lines(self, lhs: str) -> list[str]:
        g = self.g
        out = []
        products = []
        for path in Paths(g):
            nodes = _elide([_atom(g.names[n]) for n in path.nodes], " > ")
            factors: Sequence[Factor] = path.factors
            anchor = g.root
            for k, n in enumerate(path.nodes):  # dC/dy_hat for the part above the top delta
                if n in self.collapse and g.above[n] == 1:
                    anchor, factors = n, path.factors[k:]
                    break
            names, numbers, _ = self.term(anchor, factors)
            # one path: its product is the total (== it; 0.0 where the engine's 0.0 + -0.0 is)
            product = format_number(g.up[g.node] if g.count == 1 else path.product)
            text = names if numbers in (names, product) else f"{names} = {numbers}"
            if g.count == 1:
                out += [f"  {nodes}", f"  {lhs} = {text} = {product}"]
            else:
                out.append(f"  {nodes}:  {text} = {product}")
                products.append(product)
        if products and not self.deltas:  # with deltas, their last line ends with the sum
            out.append(f"  {lhs} = {' + '.join(products)} = {format_number(g.up[g.node])}")
        return out


# ---------------------------------------------------------------------------------------------

def explain(root: Value, node: Value, *, names: Mapping[Value, str] | None = None) -> Explanation:
    """d root / d node spelled out: the sum over every path from root down to node of the
    product of the local derivatives along it, each named and with its number, factored with
    deltas (delta = dC/dz) at pre-activations, as the course writes back-propagation.

    str() of the result is a few lines of text; .total equals the engine's gradient; .paths
    lists the paths.  names (node -> name, e.g. a stepper's) overrides the names explain would
    give; by default nodes are named by their labels and the caller's variables (C, y_hat, a1).
    Reads the graph only: no .grad is touched.
    """
    scope = caller_scope()
    if not isinstance(root, Value):
        raise TypeError(f"explain(root, node): root must be a Value (the output, e.g. the loss), "
                        f"got {_what(root)}")
    if not isinstance(node, Value):
        hint = "; explain one node at a time" if isinstance(node, (list, tuple)) else ""
        raise TypeError(f"explain(root, node): node must be a Value (e.g. a weight){hint}, "
                        f"got {_what(node)}")
    if names is not None and not isinstance(names, Mapping):
        raise TypeError(f"explain(..., names=...) takes a mapping from Values to names, "
                        f"got {_what(names)}")
    order = topological_order(root)
    given = names
    all_names: Mapping[Value, str] = node_names(root, order, scope)
    if given:
        merged = Names()
        merged.update(all_names)
        merged.kinds.update(all_names.kinds)  # type: ignore[attr-defined]
        for n, name in given.items():
            if n in merged:
                merged[n] = str(name)
        all_names = merged
    if node not in all_names:
        return _unrelated(root, node, all_names, scope)
    g = _Graph(root, node, all_names, scope, order)
    writer = _Writer(g)
    lines = writer.lines()
    deltas = tuple(Delta(name, z, g.up[z]) for z, name in writer.deltas.items())
    paths: Paths = Paths(g)
    return Explanation(root, node, all_names, g.up[node], paths, deltas, lines)


def _what(x: Any) -> str:
    text = repr(x)
    if len(text) > 40:
        text = text[:37] + "..."
    return f"{type(x).__name__} {text}"


def _unrelated(root: Value, node: Value, names: Mapping[Value, str],
               scope: Mapping[str, Any]) -> Explanation:
    """node is not in root's graph: root does not depend on it, the derivative is 0."""
    R = _atom(names[root])
    name = node.label or next((v for v, o in scope.items() if o is node and not v.startswith("_")),
                              "")
    if name:
        head = f"d{R}/d{_atom(name)} = 0: {R} does not depend on {_atom(name)}"
    else:
        head = f"0: {R} does not depend on {node!r}"
    lines = [f"{head}; it is not in {R}'s graph, so no path leads from {R} down to it."]
    return Explanation(root, node, names, 0.0, (), (), lines)
