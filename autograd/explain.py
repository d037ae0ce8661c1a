"""explain(root, node): d root / d node spelled out as the course does it.

By the chain rule, d root / d node is the sum, over every path from root down to node, of the
product of the local derivatives along it (d child / d parent on each edge).  explain() names
each factor by its op's text in the registry of primitives (sigmoid'(z2), w2, 1) and gives its
number, read from the node's stored local derivatives (the very floats backward() uses, never
recomputed).  Where paths pass a pre-activation z_k (any node that feeds an activation, whatever
made it; k its layer from the input), the sum is factored with deltas, delta_k = dC/dz_k, and
the recursion between them, as the course writes back-propagation:

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

from ._util import describe, format_number, printable
from .conventions import neuron_layer
from .graph import locked, topological_order
from .names import Names, atom, caller_scope, d, given_names
from .paths import Factor, Path, PathGraph, Paths, count_text, elide
from .typeset import markdown_text, tex_prose, to_latex
from .value import PRIMITIVES, Value

__all__ = ["MAX_LISTED", "Delta", "Explanation", "Factor", "Path", "Paths", "explain",
           "explain_each", "is_activation", "is_preactivation"]

MAX_LISTED = 8           # more paths (or terms in one sum) than this are grouped, not listed
_MAX_LINES = 12          # definition lines shown in full; more are elided in the middle
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

    def _repr_markdown_(self) -> str:
        """Jupyter: the text with each formula typeset (LaTeX, rendered by the notebook's own
        MathJax or KaTeX: nothing is fetched), the prose as prose."""
        out = []
        for line in self.lines:
            if line.startswith("  "):
                out.append(f"$$ {to_latex(line.strip())} $$")
                continue
            head, sep, rest = line.partition(", ")
            if line.startswith("d") and sep:
                out.append(f"${to_latex(head)}$, {markdown_text(rest)}")
            else:
                out.append(markdown_text(line))
        return "\n\n".join(out)

    def _repr_latex_(self) -> str:
        """Jupyter and exported notebooks: every line as LaTeX math, prose as \\text{}."""
        rows = []
        for line in self.lines:
            if line.startswith("  "):
                rows.append(r"\quad " + to_latex(line.strip()))
            else:
                head, sep, rest = line.partition(", ")
                if line.startswith("d") and sep:
                    rows.append(to_latex(head) + tex_prose(", " + rest))
                else:
                    rows.append(tex_prose(line))
        return "$$\\begin{array}{l}" + r" \\ ".join(rows) + "\\end{array}$$"


# ---------------------------------------------------------------------------------------------
# Pre-activations: where the text factors with deltas.

def is_activation(node: Value) -> bool:
    """True for a node made by an activation (the registry's activation ops: sigmoid, tanh,
    relu, and any primitive registered with activation=True)."""
    p = PRIMITIVES.get(node.op)
    return p is not None and p.activation and len(node.parents) == 1


def is_preactivation(node: Value, name: str, children: Sequence[Value] = ()) -> bool:
    """True for a pre-activation z_k: any node that feeds an activation (children: the nodes
    using it), whatever op made it (the course's z1 = w1*x as well as a neuron's weighted sum);
    a node named z, z1, z_2 or ending in .z; or an nn neuron's output that is a sum (a linear
    neuron's output is its weighted sum)."""
    if any(is_activation(c) for c in children):
        return bool(node.op)
    if _Z_NAME.fullmatch(name) or name.endswith(".z"):
        return True
    return node.op == "+" and neuron_layer(name) is not None  # an nn neuron's output (a linear one's sum)


def layer_positions(order: Sequence[Value]) -> dict[Value, int]:
    """For each node, 1 + the most activations on a path from a leaf up to it (excluding
    itself): the layer a pre-activation z_k belongs to, k, counted from the input side (z1 =
    w1*x is 1, z2 = w2*sigmoid(z1) is 2), whatever the nodes are named."""
    depth: dict[Value, int] = {}
    for n in order:
        depth[n] = max((depth[p] + is_activation(p) for p in n.parents), default=1)
    return depth


# ---------------------------------------------------------------------------------------------
# The text.

class _Writer:
    """The lines of an explanation: the paths when few, then the deltas and the nodes where
    paths meet, one line each: d root / d n = the sum over the segments of paths into n."""

    def __init__(self, g: PathGraph, layers: Mapping[Value, int]) -> None:
        self.g = g
        names = g.names
        self.R = atom(names[g.root])
        self.dR = d(names[g.root])
        kinds = names.kind if isinstance(names, Names) else (
            lambda n: "label" if n.label else "op")
        order = g.order
        found = [n for n in reversed(order)  # root side first
                 if n is not g.root and is_preactivation(n, names[n],
                                                         [c for c, _ in g.children[n]])]
        # One pre-activation per layer (the course's chain): delta_k, k its layer, whatever its
        # name; several in a layer (an MLP): each delta named after its neuron or node.
        self.by_layer = len({layers[z] for z in found}) == len(found)
        self.layer = {z: layers[z] for z in found}
        self.deltas: dict[Value, str] = {}
        taken = set(names.values())
        for z in found:
            self.deltas[z] = self._delta_name(z, kinds, taken)
            taken.add(self.deltas[z])
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
                anchors[n] = f"{self.dR}/{d(names[n])}"
            elif (kinds(n) in ("label", "variable") and not below_delta[n]
                  and any(p in self.deltas for p, _, _ in g.edges[n])):
                anchors[n] = f"{self.dR}/{d(names[n])}"  # dC/dy_hat, above the top delta
        self.anchors = anchors
        self.collapse = {n for n in anchors if n not in self.deltas and n is not g.root
                         and not self.grouped}
        # free[n]: the number of segments (paths from an anchor with no anchor inside) down to n
        self.free: dict[Value, int] = {}
        for n in reversed(order):
            self.free[n] = sum(1 if c in anchors else self.free[c] for c, _ in g.children[n])

    def _delta_name(self, z: Value, kinds: Any, taken: set[str]) -> str:
        name = self.g.names[z]
        if self.by_layer:
            wanted = f"delta{self.layer[z]}"
        elif name.endswith(".z"):
            wanted = f"delta({atom(name[:-2])})"
        elif _Z_NAME.fullmatch(name):
            wanted = f"delta({name})"
        else:
            act = [c for c, _ in self.g.children[z]
                   if is_activation(c) and kinds(c) in ("label", "variable")]
            base = self.g.names[act[0]] if kinds(z) not in ("label", "variable") and act else name
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
        more = f" + ... {count_text(count - shown)} more terms" if shown < count else ""
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
        g, R, dR = self.g, self.R, self.dR
        T = atom(g.names[g.node])
        lhs = f"{dR}/{d(g.names[g.node])}"
        total = format_number(g.up[g.node])
        if g.node is g.root:
            return [f"{lhs} = 1: the derivative of {R} with respect to itself (the seed of "
                    + "back-propagation)"]
        if g.count == 1:
            head = (f"{lhs} = {total}, the product of the local derivatives along the one path "
                    f"from {R} down to {T}:")
        else:
            head = (f"{lhs} = {total}, the sum over {count_text(g.count)} paths from {R} down "
                    f"to {T} "
                    f"of the product of the local derivatives along each"
                    + (", grouped by the nodes they share:" if self.grouped else ":"))
        out = [head]
        if not self.grouped:
            out.extend(self.path_lines(lhs))
        if self.deltas or self.grouped:
            if self.deltas and self.by_layer:  # the course's chain: z1, z2, one per layer
                zs = [f"z{self.layer[z]}" if g.names[z] == f"z{self.layer[z]}" else
                      f"z{self.layer[z]} = {printable(g.names[z])}" for z in self.deltas]
                out.append(f"With delta_k = {dR}/dz_k at the pre-activations "
                           f"{elide(zs, ', ', 8)}:")
            elif self.deltas:
                out.append(f"With a delta = {dR}/dz at each pre-activation z (a node that feeds "
                           f"an activation, as a weighted sum does):")
            else:
                out.append("Where the paths meet:")
            defs = []
            for n, name in self.anchors.items():
                if n is g.root:
                    continue
                lhs_n = f"{name} = {dR}/{d(g.names[n])}" if n in self.deltas else name
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
    deltas (`delta_k = dC/dz_k`) at pre-activations, as the course writes back-propagation.

    A pre-activation is any node that feeds an activation (sigmoid, tanh, relu, or a primitive
    registered with `activation=True`), whatever op made it, so the course's bias-free network
    (`z1 = w1*x, a1 = sigmoid(z1), z2 = w2*a1, y_hat = sigmoid(z2)`) ends with

        dC/dy_hat = 2*(y_hat - 0.2) = 0.1690
        delta2 = dC/dz2 = dC/dy_hat * sigmoid'(z2) = 0.1690 * 0.2036 = 0.0344
        delta1 = dC/dz1 = delta2 * w2 * sigmoid'(z1) = 0.0344 * -1.2000 * 0.1779 = -0.007344
        dC/dw1 = delta1 * x = -0.007344 * 1.5000 = -0.0110

    With one pre-activation per layer, k is its layer counted from the input, whatever it is
    called (p and q give `delta1 = dC/dp`); with several (an MLP), each delta is named after its
    neuron, `delta(layers.0.neurons.3)`.  Each factor's text comes from its op's entry in the
    registry of primitives (`softplus'(z)` for a user's softplus).

    `str()` of the result is those few lines; in Jupyter it shows as typeset math
    (`_repr_markdown_`, `_repr_latex_`; nothing fetched).  `.total` is the engine's gradient, bit
    for bit; `.paths` the paths (each with .nodes, .factors, .product); `.count` how many (an int
    of any size, printed in scientific form beyond `10**4300`; `len(.paths)` up to sys.maxsize);
    `.deltas` the deltas.  Up to 8 paths are listed; more are grouped by the nodes they share
    (counted, never all listed).  Nodes are named as in every view (autograd.names: label, else
    the caller's variable, else the short expression `w1*x`, else `op#position`); names (node ->
    name, e.g. a stepper's) overrides them.  A node root does not depend on has derivative 0,
    and the text says so.  Reads the graph only: no .grad changes.
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
    return locked(_explain, root, node, names, scope)


def _explain(root: Value, node: Value, names: Mapping[Value, str] | None,
             scope: Mapping[str, Any]) -> Explanation:
    """explain()'s work, holding the engine's lock: no other thread's Tape replay is written into
    the graph while it is read, so the text is one replay's numbers (never a mix of two)."""
    order = topological_order(root)
    all_names = given_names(root, order, scope, names, "explain")
    if node not in all_names:
        return _unrelated(root, node, all_names, scope)
    return _explained(root, node, all_names, scope, order, layer_positions(order))


def explain_each(root: Value, order: list[Value], names: Mapping[Value, str],
                 scope: Mapping[str, Any]) -> list[Explanation]:
    """explain(root, node, names=names) for each node of order, root's topological order (every
    node named in names, scope the caller's variables): one order and one naming for them all.
    A path from root down to order[i] passes only nodes after it in the order: order[i:]."""
    layers = layer_positions(order)
    return [_explained(root, node, names, scope, order[i:], layers) for i, node in enumerate(order)]


def _explained(root: Value, node: Value, all_names: Mapping[Value, str], scope: Mapping[str, Any],
               order: list[Value], layers: Mapping[Value, int]) -> Explanation:
    """explain(root, node) of a node of root's graph, its order and names made already."""
    g = PathGraph(root, node, all_names, scope, order)
    writer = _Writer(g, layers)
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
        head = f"{d(names[root])}/{d(name)} = 0: {R} does not depend on {atom(name)}"
    else:
        head = f"{d(names[root])}/dv = 0 for v = {node!r}: {R} does not depend on it"
    lines = [f"{head}; it is not in {R}'s graph, so no path leads from {R} down to it."]
    return Explanation(root, node, names, 0.0, 0, (), (), lines)
