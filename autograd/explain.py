"""explain(root, node): d root / d node spelled out as the course does it.

By the chain rule, d root / d node is the sum, over every path from root down to node, of the
product of the local derivatives along it (d child / d parent on each edge).  explain() names
each factor by its rule (sigmoid'(z2), w2, 1) and gives its number, read from the node's stored
local derivatives (the very floats backward() uses, never recomputed).  Where paths pass a
pre-activation z_k (a weighted sum that feeds an activation), the sum is factored with deltas,
delta_k = dC/dz_k, and the recursion between them, as the course writes back-propagation:

    delta2 = dC/dy_hat * sigmoid'(z2)      delta1 = delta2 * w2 * sigmoid'(z1)      dC/dw1 = delta1 * x

Paths are counted (paths.py) and never all listed: more than MAX_LISTED are grouped by the nodes
they share.  explain() only reads Values; it never touches .grad.

autograd/__init__.py imports this module when the package loads (it is cheap: no dataclasses,
no graphviz), so the name autograd.explain is the function for good.  Loaded lazily, the
import system would set the package's attribute `explain` to this module whenever anything
imported `autograd.explain` first, and `from autograd import explain` would give the module.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from ._util import describe, format_number
from .conventions import neuron_layer
from .engine import topological_order
from .names import Names, caller_scope, node_names
from .paths import Factor, Path, PathGraph, Paths, atom, elide
from .value import Value

__all__ = ["ACTIVATIONS", "MAX_LISTED", "Delta", "Explanation", "Factor", "Path", "Paths",
           "explain", "explain_each", "is_preactivation"]

MAX_LISTED = 8           # more paths (or terms in one sum) than this are grouped, not listed
_MAX_LINES = 12          # definition lines shown in full; more are elided in the middle
ACTIVATIONS = ("sigmoid", "tanh", "relu")
_Z_NAME = re.compile(r"z(_?\d+)?")                  # z, z1, z_2: the course's pre-activations


# ---------------------------------------------------------------------------------------------
# What an explanation is made of, beyond its paths.

class Delta(NamedTuple):
    """delta = d root / d node at a pre-activation node (z1, a neuron's weighted sum)."""

    name: str           # delta1, delta(layers.0.neurons.3)
    node: Value
    value: float


class Explanation:
    """d root / d node as the sum over paths of products of named local derivatives.

    str() is a few lines of text.  .total is d root / d node, as the engine computes it (a fresh
    pass, bit for bit); .paths lists the paths (.count of them), each with its factors and product;
    .deltas the pre-activations' deltas; .names the name of every node in the text.
    """

    def __init__(self, root: Value, node: Value, names: Mapping[Value, str], total: float,
                 count: int, paths: Paths | tuple[()], deltas: tuple[Delta, ...],
                 lines: list[str]) -> None:
        self.root = root
        self.node = node
        self.names = names
        self.total = total
        self.paths = paths
        self.count = count  # how many paths (an int of any size)
        self.deltas = deltas
        self.lines = tuple(lines)

    def __str__(self) -> str:
        return "\n".join(self.lines)

    __repr__ = __str__  # typing explain(C, w1) at a prompt shows the explanation


# ---------------------------------------------------------------------------------------------
# Pre-activations: where the text factors with deltas.

def is_preactivation(node: Value, name: str, children: Sequence[Value] = ()) -> bool:
    """True for a pre-activation z_k: a node named z, z1, z_2 or ending in .z; a sum that feeds
    an activation (sigmoid, tanh, relu; children: the nodes using it), as a neuron's weighted sum
    does; or an nn neuron's output that is a sum (a linear neuron's output is its weighted sum)."""
    if _Z_NAME.fullmatch(name) or name.endswith(".z"):
        return True
    if node.op != "+":
        return False
    if neuron_layer(name) is not None:  # an nn neuron's output (a linear one's sum)
        return True
    return any(c.op in ACTIVATIONS and len(c.parents) == 1 for c in children)


# ---------------------------------------------------------------------------------------------
# The text.

class _Writer:
    """The lines of an explanation: the paths when few, then the deltas and the nodes where
    paths meet, one line each: d root / d n = the sum over the segments of paths into n."""

    def __init__(self, g: PathGraph) -> None:
        self.g = g
        names = g.names
        self.R = atom(names[g.root])
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
                anchors[n] = f"d{self.R}/d{atom(names[n])}"
            elif (kinds(n) != "op" and not below_delta[n]
                  and any(p in self.deltas for p, _, _ in g.edges[n])):
                anchors[n] = f"d{self.R}/d{atom(names[n])}"  # dC/dy_hat, above the top delta
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
            wanted = f"delta({atom(name[:-2])})"
        else:
            act = [c for c, _ in self.g.children[z] if c.op in ACTIVATIONS and kinds(c) != "op"]
            base = self.g.names[act[0]] if kinds(z) == "op" and act else name
            wanted = f"delta({atom(base)})"
        if wanted in taken:
            wanted = f"delta({atom(name)})"
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
        return elide(names, " * "), elide(numbers, " * "), value

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
        T = atom(g.names[g.node])
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
            if self.deltas and all(_Z_NAME.fullmatch(z) for z in zs):  # the course's z1, z2
                out.append(f"With delta_k = d{R}/dz_k at the pre-activations "
                           f"{elide([atom(z) for z in zs], ', ', 8)}:")
            elif self.deltas:
                out.append(f"With a delta = d{R}/dz at each pre-activation z (a weighted sum "
                           f"that feeds an activation):")
            else:
                out.append("Where the paths meet:")
            defs = []
            for n, name in self.anchors.items():
                if n is g.root:
                    continue
                lhs_n = f"{name} = d{R}/d{atom(g.names[n])}" if n in self.deltas else name
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
            nodes = elide(path_nodes(path, g.names), " > ")
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


def path_nodes(path: Path, names: Mapping[Value, str]) -> list[str]:
    """The names of a path's nodes, root first; a node its child uses twice (h in h * h) says
    which use the path takes: h (1st), h (2nd)."""
    out = [atom(names[path.nodes[0]])]
    for f in path.factors:
        name = atom(names[f.parent])
        if f.child.parents.count(f.parent) > 1:
            name += " (1st)" if f.child.parents.index(f.parent) == f.slot else " (2nd)"
        out.append(name)
    return out


# ---------------------------------------------------------------------------------------------

def explain(root: Value, node: Value, *, names: Mapping[Value, str] | None = None) -> Explanation:
    """d root / d node spelled out: the sum over every path from root down to node of the
    product of the local derivatives along it, each named and with its number, factored with
    deltas (delta = dC/dz) at pre-activations, as the course writes back-propagation.

    For the two-node network, print(explain(C, net.w1)) ends with

        dC/dy_hat = 2*sub#10 = 0.2891
        delta2 = dC/dz2 = dC/dy_hat * sigmoid'(z2) = 0.2891 * 0.2258 = 0.0653
        delta1 = dC/dz1 = delta2 * w2 * sigmoid'(z1) = 0.0653 * -1.2000 * 0.1683 = -0.0132
        dC/dw1 = delta1 * x = -0.0132 * 1.5000 = -0.0198

    str() of the result is those few lines; .total is the engine's gradient, bit for bit; .paths
    the paths (each with .nodes, .factors, .product) and .count how many; .deltas the deltas.
    Up to 8 paths are listed; more are grouped by the nodes they share (counted, never all
    listed).  Nodes are named by their labels, else the caller's variables (C, y_hat, a1), else
    op#position; names (node -> name, e.g. a stepper's) overrides them.  A node root does not
    depend on has derivative 0, and the text says so.  Reads the graph only: no .grad changes.
    """
    scope = caller_scope()
    if not isinstance(root, Value):
        raise TypeError(f"explain(root, node): root must be a Value (the output, e.g. the loss), "
                        f"got {describe(root)}")
    if not isinstance(node, Value):
        hint = "; explain one node at a time" if isinstance(node, (list, tuple)) else ""
        raise TypeError(f"explain(root, node): node must be a Value (e.g. a weight){hint}, "
                        f"got {describe(node)}")
    if names is not None and not isinstance(names, Mapping):
        raise TypeError(f"explain(..., names=...) takes a mapping from Values to names, "
                        f"got {describe(names)}")
    order = topological_order(root)
    all_names: Mapping[Value, str]
    if names is not None and all(n in names for n in order):  # a view's names (the stepper's)
        all_names = names
    else:
        all_names = node_names(root, order, scope)
        if names:
            merged = Names()
            merged.update(all_names)
            merged.kinds.update(all_names.kinds)
            merged.update((n, str(name)) for n, name in names.items() if n in merged)
            all_names = merged
            taken: dict[str, Value] = {}
            for n in order:
                other = taken.setdefault(all_names[n], n)
                if other is not n:
                    raise ValueError(f"explain(..., names=...): the name {all_names[n]!r} would "
                                     f"stand for two nodes of the graph; give names that differ")
    if node not in all_names:
        return _unrelated(root, node, all_names, scope)
    return _explained(root, node, all_names, scope, order)


def explain_each(root: Value, order: list[Value], names: Mapping[Value, str],
                 scope: Mapping[str, Any]) -> list[Explanation]:
    """explain(root, node, names=names) for each node of order, root's topological order (every
    node named in names, scope the caller's variables): one order and one naming for them all.
    A path from root down to order[i] passes only nodes after it in the order: order[i:]."""
    return [_explained(root, node, names, scope, order[i:]) for i, node in enumerate(order)]


def _explained(root: Value, node: Value, all_names: Mapping[Value, str], scope: Mapping[str, Any],
               order: list[Value]) -> Explanation:
    """explain(root, node) of a node of root's graph, its order and names made already."""
    g = PathGraph(root, node, all_names, scope, order)
    writer = _Writer(g)
    lines = writer.lines()
    deltas = tuple(Delta(name, z, g.up[z]) for z, name in writer.deltas.items())
    paths: Paths = Paths(g)
    return Explanation(root, node, all_names, g.up[node], g.count, paths, deltas, lines)


def _unrelated(root: Value, node: Value, names: Mapping[Value, str],
               scope: Mapping[str, Any]) -> Explanation:
    """node is not in root's graph: root does not depend on it, the derivative is 0."""
    R = atom(names[root])
    name = node.label or next((v for v, o in scope.items() if o is node and not v.startswith("_")),
                              "")
    if name:
        head = f"d{R}/d{atom(name)} = 0: {R} does not depend on {atom(name)}"
    else:
        head = f"0: {R} does not depend on {node!r}"
    lines = [f"{head}; it is not in {R}'s graph, so no path leads from {R} down to it."]
    return Explanation(root, node, names, 0.0, 0, (), (), lines)
