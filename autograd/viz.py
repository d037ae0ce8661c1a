"""Pictures of computation graphs: Value graph -> graphviz.Digraph -> SVG (dot, or graphviz-pure).

    draw(root, ...)            a graphviz.Digraph (it shows itself inline in Jupyter)
    to_svg(root, ...)          the SVG text
    save_svg(root, path, ...)  the SVG written to path

What the picture shows
    A Value is a box: its label (when set), its data and its grad.  The op that made it is a small
    oval (`*`, `+`, `tanh`, ...) with edges operand -> op -> result.  A constant operand is written
    into the oval where it stands: `x * 2.0` gives `* 2`, `1 - x` gives `1 -`, `x ** 2` gives `** 2`.
    Gradients are coloured by sign (blue > 0, red < 0), paler when small; each edge is as thick as
    the gradient it carries back (the result's grad times the edge's local derivative), so the
    largest contributions stand out.  `show_local=True` writes that local derivative
    d result / d operand on each operand -> op edge.  `highlight` draws the chosen nodes in orange
    and every node and edge on a path from the root down to them: the route their gradient took.

DOT node names (a stable contract: the HTML player and the tests find nodes by them)
    v{i}   the Value at index i of autograd.engine.topological_order(root) (the root is the last)
    o{i}   the op node that made v{i} (only for Values made by an op)
    p{i}   with fold=True: the parameters of one neuron, named after the first of them, v{i}
    cluster{k}  with fold=True: the k-th Layer call
    Names come from positions, never from id(), so the same graph always gives the same DOT
    source.  In the SVG each node is a <g class="node"> whose <title> is its name.

fold=True (nn networks, found through their labels: autograd never imports nn)
    nn labels each parameter `<neuron>.w.<i>` / `<neuron>.b` and each Neuron call's output
    `<neuron>` (e.g. `layers.0.neurons.3`).  Each such call becomes one box named after the neuron,
    drawn as node v{i} of its output, with its activation and the number of ops it hides; the
    Values inside the call (the ancestors of the output that descend from that neuron's
    parameters through unlabelled intermediates) are not drawn.  An edge into a box carries
    d output / d input through the whole call.  Each called neuron's parameters are one node
    p{i} listing w.0, w.1, ..., b with their data and grads, with one edge to each call (written
    with no local derivative: it stands for several).  The neuron calls of one Layer call (same
    layer, same inputs) are framed in a cluster labelled with the layer's name (`layers.0`),
    together with the parameters of the neurons called only there.  Everything else (inputs,
    the loss) is drawn as usual.

Size
    Graphviz needs minutes for tens of thousands of nodes, so draw() refuses a picture of more
    than MAX_SIZE nodes plus edges (Graphviz lays out 10,000 in about 5 s), saying whether
    fold=True would fit or a smaller part must be drawn (e.g. the loss of one sample rather than
    of a batch); raise autograd.viz.MAX_SIZE to go further.  The one-sample graph of an
    MLP(2, [16, 16, 1]) is about 3,500; folded, about 400.  Counting, folding and building the
    DOT source are linear in the size of the graph, so a refusal comes at once.

Rendering
    Graphviz's `dot` when it is on PATH (and runs), otherwise the `graphviz-pure` program (from
    PyPI, found on PATH or next to the Python executable): both take dot's command line.  The
    Graph that draw() returns uses them for everything graphviz renders with: pipe(), render(),
    view() and the Jupyter display, with graphviz's signatures, return values and errors
    (graphviz.ExecutableNotFound when neither is found, graphviz.CalledProcessError when both
    fail); to_svg() is graph.pipe(format="svg").  The Graph's default format is svg, so
    draw(v).render("graph") writes graph.svg and view() opens it with either program;
    graphviz-pure writes svg, png, jpeg and the text formats (dot, xdot, json, plain, canon),
    not pdf.
"""

from __future__ import annotations

import html
import math
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import graphviz
from graphviz.backend import dot_command, rendering

from ._util import describe as _describe
from ._util import format_number
from .engine import topological_order
from .value import Value

__all__ = ["draw", "to_svg", "save_svg", "Graph", "MAX_SIZE"]

MAX_SIZE = 10_000  # most nodes plus edges draw() lays out: Graphviz takes about 5 s for this many

RANKDIRS = ("LR", "TB", "RL", "BT")

# colours
INK = "#343a40"          # text and borders
MUTED = "#868e96"        # op nodes, quiet edges
EDGE = "#adb5bd"         # an edge that carries no gradient
POSITIVE = "#1c7ed6"     # grad > 0
NEGATIVE = "#e03131"     # grad < 0
NONFINITE = "#ae3ec9"    # nan or inf
HIGHLIGHT = "#f08c00"    # highlighted nodes and the gradient path to them
LEAF_FILL = "#e9ecef"     # label cell of a leaf (an input or a parameter)
TARGET_FILL = "#fff3bf"   # a highlighted node
OP_FILL = "#f1f3f5"
BOX_FILL = "#f3f0ff"     # a folded neuron call
BOX_INK = "#7048e8"

_PARAMETER = re.compile(r"(?P<neuron>.+)\.(?:w\.\d+|b)\Z", re.DOTALL)
_NEURON = re.compile(r"(?P<layer>.+)\.neurons\.\d+\Z", re.DOTALL)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")


class Graph(graphviz.Digraph):
    """A graphviz.Digraph whose pipe(), render(), view() and Jupyter display use dot or graphviz-pure."""

    # graphviz runs its layout program only through these three (graphviz.backend.mixins, >= 0.20);
    # everything else in pipe() and render() (checking arguments, saving the source, decoding,
    # opening a viewer) stays graphviz's own
    @property
    def _pipe_lines(self) -> Any:
        return _pipe_lines

    @property
    def _pipe_lines_string(self) -> Any:
        return _pipe_lines_string

    @property
    def _render(self) -> Any:
        return _render_file

    def _repr_svg_(self) -> str:
        """The SVG, for front-ends that predate _repr_mimebundle_."""
        return self.pipe(format="svg", encoding="utf-8")


# ---------------------------------------------------------------------------------------------
# Public functions

def draw(root: Value, *, rankdir: str = "LR", show_grad: bool = True, show_local: bool = False,
         highlight: Value | Sequence[Value] | None = None, fold: bool = False) -> Graph:
    """The graph of everything root depends on, as a graphviz.Digraph (see the module docstring)."""
    if not isinstance(root, Value):
        raise TypeError(f"draw() needs a Value, got {_describe(root)}")
    if rankdir not in RANKDIRS:
        raise ValueError(f"draw(rankdir=...) must be one of 'LR', 'TB', 'RL', 'BT', got {rankdir!r}")
    order = topological_order(root)
    index = {node: i for i, node in enumerate(order)}
    targets = _targets(highlight, index)
    folding = _Folding(order, index, fold=bool(fold))
    size = folding.size()
    if size > MAX_SIZE:
        _refuse(size, bool(fold), order, index)
    return _Drawing(order, index, targets, folding, rankdir=rankdir,
                    show_grad=bool(show_grad), show_local=bool(show_local)).graph


def to_svg(root: Value, **draw_kwargs: Any) -> str:
    """The picture of draw(root, **draw_kwargs) as SVG text."""
    return draw(root, **draw_kwargs).pipe(format="svg", encoding="utf-8", quiet=True)


def save_svg(root: Value, path: str | os.PathLike[str], **draw_kwargs: Any) -> Path:
    """Write the picture of draw(root, **draw_kwargs) to path as SVG; returns the path."""
    path = Path(path)
    path.write_text(to_svg(root, **draw_kwargs), encoding="utf-8")
    return path


# ---------------------------------------------------------------------------------------------
# Checking the arguments

def _targets(highlight: Any, index: dict[Value, int]) -> list[int]:
    """Indices of the Values to highlight (a Value, or a list of them, all in the graph)."""
    if highlight is None:
        return []
    if isinstance(highlight, Value):
        items = [highlight]
    elif isinstance(highlight, (str, bytes)):
        raise TypeError(f"draw(highlight=...) takes a Value or a list of Values, "
                        f"got {_describe(highlight)}")
    else:
        try:
            items = list(highlight)
        except TypeError:
            raise TypeError(f"draw(highlight=...) takes a Value or a list of Values, "
                            f"got {_describe(highlight)}") from None
    out = []
    for v in items:
        if not isinstance(v, Value):
            raise TypeError(f"draw(highlight=...) takes Values, got {_describe(v)}")
        if v not in index:
            raise ValueError(f"draw(highlight=...): {v!r} is not in the graph of the root "
                             f"(the root does not depend on it)")
        out.append(index[v])
    return out


def _refuse(size: int, fold: bool, order: list[Value], index: dict[Value, int]) -> None:
    """Raise the error for a picture too large to lay out, saying what would fit."""
    smaller = "draw a smaller part, e.g. the loss of one sample instead of a batch"
    if fold:
        how = smaller
    else:
        folding = _Folding(order, index, fold=True)
        folded = folding.size()
        if folding.boxes and folded <= MAX_SIZE:
            how = f"pass fold=True to draw each nn neuron call as one box ({folded:,} then)"
        elif folding.boxes:
            how = f"{smaller} (fold=True still gives {folded:,})"
        else:
            how = smaller
    raise ValueError(f"draw(): this picture would have {size:,} nodes and edges"
                     f"{' even folded' if fold else ''}, more than autograd.viz.MAX_SIZE = "
                     f"{MAX_SIZE:,} that Graphviz lays out in seconds; {how}, "
                     f"or raise autograd.viz.MAX_SIZE")


# ---------------------------------------------------------------------------------------------
# Text

def _text(s: str) -> str:
    """s as text of an HTML-like label that shows exactly as typed (a newline breaks the line)."""
    s = str(s)  # a label set after construction may be anything
    lines = []
    for line in s.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = line.replace("\t", " ")
        line = _CONTROL.sub(lambda m: repr(m.group())[1:-1], line)
        line = line.encode("utf-8", "backslashreplace").decode("utf-8")  # lone surrogates
        # Graphviz decodes entities, then expands escapes such as \N and \G: double the backslash.
        lines.append(html.escape(line, quote=True).replace("\\", "\\\\"))
    return "<br/>".join(lines)


def _const(c: float) -> str:
    """A constant operand, as short as Python would write it: 2, 0.5, 1e-08."""
    return format(c, "g")


def _op_text(node: Value) -> str:
    """The op's name, with a constant operand written on its side: `* 2`, `1 -`, `** 2`."""
    a, b = node._a, node._b
    if b is None:
        return node.op
    if not isinstance(a, Value):
        return f"{_const(a)} {node.op}"
    if not isinstance(b, Value):
        return f"{node.op} {_const(b)}"
    return node.op


# ---------------------------------------------------------------------------------------------
# Colour: the gradient cue

def _mix(c1: str, c2: str, t: float) -> str:
    """The colour a fraction t of the way from c1 to c2."""
    a = [int(c1[i:i + 2], 16) for i in (1, 3, 5)]
    b = [int(c2[i:i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(x + (y - x) * t):02x}" for x, y in zip(a, b))


class _Cue:
    """Colour and width for a gradient, relative to the largest one in the picture."""

    def __init__(self, grads: Iterable[float], flows: Iterable[float]) -> None:
        self.grad_scale = max((abs(g) for g in grads if math.isfinite(g)), default=0.0)
        self.flow_scale = max((abs(g) for g in flows if math.isfinite(g)), default=0.0)

    @staticmethod
    def _share(g: float, scale: float) -> float:
        if not math.isfinite(g):
            return 1.0
        return min(1.0, abs(g) / scale) if scale > 0.0 else 0.0

    def fill(self, g: float) -> str:
        """Background of a grad cell: white for 0, a deeper blue (red) for a larger positive (negative)."""
        t = self._share(g, self.grad_scale)
        if t == 0.0:
            return "#ffffff"
        end = "#c5a8f0" if not math.isfinite(g) else "#74c0fc" if g > 0 else "#ffa8a8"
        return _mix("#ffffff", end, 0.25 + 0.75 * t)

    def edge(self, g: float) -> tuple[str, float]:
        """Colour and penwidth of an edge carrying the gradient g."""
        t = self._share(g, self.flow_scale)
        if t == 0.0:
            return EDGE, 1.0
        end = NONFINITE if not math.isfinite(g) else POSITIVE if g > 0 else NEGATIVE
        return _mix(EDGE, end, 0.35 + 0.65 * t), 1.0 + 3.5 * t


# ---------------------------------------------------------------------------------------------
# fold: nn neuron calls as boxes, each neuron's parameters as one node

class _Box:
    """One Neuron call: its output's index, the indices inside it, d output / d each input."""

    __slots__ = ("output", "name", "inner", "inputs", "tails")

    def __init__(self, output: int, name: str, inner: list[int], inputs: dict[int, float]) -> None:
        self.output = output
        self.name = name
        self.inner = inner      # sorted, the output (the largest) included
        self.inputs = inputs    # index outside the box -> d output / d it, through the box
        self.tails: dict[str, list[int]] = {}  # DOT node drawing each input -> those inputs


def _parameter_order(label: str) -> tuple[int, int]:
    """w.0, w.1, ..., then b: the order of a neuron's parameters in its node."""
    last = label.rsplit(".", 1)[1]
    return (1, 0) if last == "b" else (0, int(last))


class _Folding:
    """Which node of the picture stands for each Value; with fold=True, the neuron calls."""

    def __init__(self, order: list[Value], index: dict[Value, int], *, fold: bool) -> None:
        self.order, self.index = order, index
        self.boxes: dict[int, _Box] = {}       # output index -> its neuron call
        self.owner: list[int] | None = None    # index -> output index of its box, or -1
        self.groups: dict[int, tuple[str, list[int]]] = {}  # first parameter -> neuron, params
        self.group_of: dict[int, int] = {}     # parameter index -> its group's first parameter
        self.neuron_of: dict[int, str] = {}    # parameter index -> its neuron's name
        if fold:
            self._fold()

    def name(self, j: int) -> str:
        """The DOT node that draws the Value at index j."""
        group = self.group_of.get(j)
        if group is not None:
            return f"p{group}"
        if self.owner is not None and self.owner[j] != -1:
            return f"v{self.owner[j]}"
        return f"v{j}"

    def size(self) -> int:
        """Nodes plus edges of the picture: what Graphviz's time grows with."""
        size = 0
        owner, boxes, group_of = self.owner, self.boxes, self.group_of
        for i, node in enumerate(self.order):
            if i in group_of:
                size += group_of[i] == i
            elif owner is None or owner[i] == -1:
                size += 1 + (2 + len(node.parents) if node.op else 0)  # value, op, its edges
            elif owner[i] == i:
                size += 1 + len(boxes[i].tails)
        return size

    def _fold(self) -> None:
        order, index = self.order, self.index
        n = len(order)
        neuron_of = self.neuron_of
        singletons: dict[str, frozenset[str]] = {}
        # fam[i]: the neurons whose parameters node i depends on through unlabelled intermediates
        fam: list[frozenset[str] | None] = [None] * n
        for i, node in enumerate(order):
            if not node.op:
                m = _PARAMETER.match(node.label) if isinstance(node.label, str) else None
                if m:
                    neuron_of[i] = m["neuron"]
                continue
            s = None
            for p in node.parents:
                j = index[p]
                if j in neuron_of:
                    name = neuron_of[j]
                    f = singletons.get(name) or singletons.setdefault(name, frozenset((name,)))
                elif p.op and not p.label:
                    f = fam[j]
                else:
                    continue
                if f:
                    s = f if s is None or s is f or s == f else s | f
            fam[i] = s

        # A neuron call: a node labelled with a neuron's name that depends on its parameters;
        # inside it, its ancestors through unlabelled nodes that depend on them too.
        names = set(neuron_of.values())
        owner = self.owner = [-1] * n
        for i, node in enumerate(order):
            name = node.label
            if not node.op or name not in names or not fam[i] or name not in fam[i]:
                continue
            owner[i] = i
            inner = [i]
            stack = [i]
            while stack:
                for p in order[stack.pop()].parents:
                    j = index[p]
                    if owner[j] == -1 and p.op and not p.label and fam[j] and name in fam[j]:
                        owner[j] = i
                        inner.append(j)
                        stack.append(j)
            inner.sort()
            # d output / d input through the call: the chain rule inside it, in reverse order
            adjoint = {i: 1.0}
            inputs: dict[int, float] = {}
            for k in reversed(inner):
                g = adjoint.get(k, 0.0)
                node_k = order[k]
                for p, d in zip(node_k.parents, node_k.local):
                    j = index[p]
                    into = adjoint if owner[j] == i else inputs
                    into[j] = into.get(j, 0.0) + d * g
            self.boxes[i] = _Box(i, name, inner, inputs)

        # The parameters of each neuron that was called: one node, named after the first of them.
        called = {box.name for box in self.boxes.values()}
        params: dict[str, list[int]] = {}
        for j, name in neuron_of.items():
            if name in called:
                params.setdefault(name, []).append(j)
        for name, js in params.items():
            js.sort(key=lambda j: _parameter_order(order[j].label))
            first = min(js)
            self.groups[first] = (name, js)
            self.group_of.update((j, first) for j in js)
        for box in self.boxes.values():
            for j in box.inputs:
                box.tails.setdefault(self.name(j), []).append(j)


def _layer_key(box: _Box, order: list[Value], neuron_of: dict[int, str]) -> tuple[Any, ...] | None:
    """What makes neuron calls one Layer call: the same layer name and the same inputs
    (neuron_of: _Folding.neuron_of, the parameters found by their labels)."""
    m = _NEURON.match(box.name)
    if not m:
        return None
    inputs = []
    for j in box.inputs:
        if neuron_of.get(j) == box.name:
            continue  # the neuron's own parameters
        v = order[j]
        inputs.append(("leaf", repr(v.data), v.label) if not v.op else ("node", j))
    constants = tuple(repr(c) for k in box.inner for c in order[k].operands
                      if not isinstance(c, Value))
    return (m["layer"], frozenset(inputs), constants)


# ---------------------------------------------------------------------------------------------
# The drawing

class _Edge:
    __slots__ = ("tail", "head", "flow", "on_path", "local")

    def __init__(self, tail: str, head: str, flow: float, on_path: bool, local: float | None):
        self.tail, self.head, self.flow, self.on_path, self.local = tail, head, flow, on_path, local


class _Drawing:
    """Builds the Graph in two linear passes: what to draw, then how (the cue needs the maxima)."""

    def __init__(self, order: list[Value], index: dict[Value, int], targets: list[int],
                 folding: _Folding, *, rankdir: str, show_grad: bool, show_local: bool) -> None:
        self.order, self.index, self.folding = order, index, folding
        self.show_grad, self.show_local = show_grad, show_local
        self.targets = set(targets)
        self.on_path = self._gradient_path(targets)
        g = self.graph = Graph(name="chainrule", format="svg", node_attr={
            "fontname": "Arial", "fontsize": "11", "color": INK, "fontcolor": INK},
            edge_attr={"fontname": "Arial", "fontsize": "9", "color": EDGE,
                       "fontcolor": "#495057", "arrowsize": "0.6"})
        g.attr(rankdir=rankdir, nodesep="0.2", ranksep="0.3", bgcolor="white", fontname="Arial")

        # what to draw
        self.nodes: list[tuple[str, int]] = []   # (kind, index): "value", "op", "box", "group"
        self.ops_on_path: set[int] = set()       # i of each op node o{i} on the gradient path
        self.edges: list[_Edge] = []
        owner, groups, group_of = folding.owner, folding.groups, folding.group_of
        for i, node in enumerate(order):
            if i in group_of:
                if i in groups:
                    self.nodes.append(("group", i))
            elif owner is not None and owner[i] != -1:
                if owner[i] == i:
                    self._plan_box(folding.boxes[i])
            else:
                self.nodes.append(("value", i))
                if node.op:
                    self._plan_op(i, node)

        # how: the gradient cue is relative to the largest gradient drawn, leaving out the
        # root's d root / d root = 1, which would dwarf the rest
        root = len(order) - 1
        grads = [order[i].grad for kind, i in self.nodes if kind in ("value", "box") and i != root]
        grads += [order[j].grad for first in groups for j in groups[first][1]]
        flows = (e.flow for e in self.edges if e.head != f"v{root}" or e.tail[0] != "o")
        self.cue = _Cue(grads, flows) if show_grad else None
        clusters = self._clusters()
        for kind, i in self.nodes:
            where = clusters.get(i, g)
            if kind == "value":
                self._value(where, i)
            elif kind == "op":
                self._op(where, i)
            elif kind == "box":
                self._box(where, folding.boxes[i])
            else:
                self._group(where, i)
        for e in self.edges:
            self._edge(e)
        for sub in dict.fromkeys(clusters.values()):
            g.subgraph(sub)

    def _gradient_path(self, targets: list[int]) -> bytearray:
        """1 for each node on a path root -> ... -> a target: the nodes that depend on a target."""
        mark = bytearray(len(self.order))
        if not targets:
            return mark
        for t in targets:
            mark[t] = 1
        index = self.index
        for i, node in enumerate(self.order):
            if not mark[i] and any(mark[index[p]] for p in node.parents):
                mark[i] = 1
        return mark

    # -- what to draw -------------------------------------------------------------------------
    def _plan_op(self, i: int, node: Value) -> None:
        """The op node o{i} and its edges: operand -> op (each use), op -> result."""
        on_path, name = self.on_path, self.folding.name
        self.nodes.append(("op", i))
        op_on_path = False
        for p, d in zip(node.parents, node.local):
            j = self.index[p]
            op_on_path |= bool(on_path[j])
            self.edges.append(_Edge(name(j), f"o{i}", node.grad * d, bool(on_path[j]), d))
        self.edges.append(_Edge(f"o{i}", f"v{i}", node.grad, op_on_path, None))
        if op_on_path:
            self.ops_on_path.add(i)

    def _plan_box(self, box: _Box) -> None:
        """The box v{output} and one edge from each node drawing some of its inputs."""
        self.nodes.append(("box", box.output))
        g = self.order[box.output].grad
        for tail, js in box.tails.items():
            flows = [g * box.inputs[j] for j in js]
            flow = max(flows, key=lambda f: abs(f) if f == f else math.inf)
            local = box.inputs[js[0]] if len(js) == 1 else None
            on_path = any(self.on_path[j] for j in js)
            self.edges.append(_Edge(tail, f"v{box.output}", flow, on_path, local))

    def _clusters(self) -> dict[int, graphviz.Digraph]:
        """Frame the neuron calls of each Layer call (same layer, same inputs) in a cluster,
        with the parameters of the neurons called only there."""
        folding = self.folding
        if not folding.boxes:
            return {}
        keys: dict[tuple[Any, ...], graphviz.Digraph] = {}
        where: dict[int, graphviz.Digraph] = {}
        homes: dict[str, set[int]] = {}   # neuron -> clusters of its calls (by id)
        for i, box in folding.boxes.items():
            key = _layer_key(box, self.order, folding.neuron_of)
            if key is None:
                homes.setdefault(box.name, set()).add(-1)
                continue
            sub = keys.get(key)
            if sub is None:
                sub = keys[key] = graphviz.Digraph(name=f"cluster{len(keys)}")
                sub.attr(label=f"<{_text(key[0])}>", style="rounded,dashed", color=BOX_INK,
                         fontcolor=BOX_INK, fontsize="10", labeljust="l")
            where[i] = sub
            homes.setdefault(box.name, set()).add(id(sub))
        for first, (name, _) in folding.groups.items():
            calls = [i for i, box in folding.boxes.items() if box.name == name] \
                if len(homes.get(name, ())) == 1 else []
            if calls and calls[0] in where:
                where[first] = where[calls[0]]
        return where

    # -- how ------------------------------------------------------------------------------------
    def _frame(self, i: int, default: str) -> tuple[str, str]:
        """Border colour and width of node i: orange when highlighted or on the gradient path."""
        if i in self.targets:
            return HIGHLIGHT, "3"
        if self.on_path[i]:
            return HIGHLIGHT, "2"
        return default, "1"

    def _data_grad(self, node: Value) -> list[str]:
        """The data cell and (with show_grad) the grad cell, coloured by the gradient's sign and size."""
        cells = [f'<td align="left">data {format_number(node.data)}</td>']
        if self.show_grad:
            cells.append(f'<td align="left" bgcolor="{self.cue.fill(node.grad)}">'
                         f'grad {format_number(node.grad)}</td>')
        return cells

    def _value(self, where: graphviz.Digraph, i: int) -> None:
        """A Value: [label | data / grad]; leaves (inputs, parameters) are grey."""
        node = self.order[i]
        rows = self._data_grad(node)
        color, border = self._frame(i, INK)
        fill = TARGET_FILL if i in self.targets else LEAF_FILL if not node.op else "#ffffff"
        if node.label:
            rows[0] = (f'<td rowspan="{len(rows)}" bgcolor="{fill}"><b>{_text(node.label)}</b></td>'
                       + rows[0])
        label = (f'<<table border="{border}" cellborder="0" cellspacing="0" cellpadding="3" '
                 f'columns="*" rows="*" color="{color}" bgcolor="{fill}">'
                 + "".join(f"<tr>{r}</tr>" for r in rows) + "</table>>")
        where.node(f"v{i}", label=label, shape="plain")

    def _op(self, where: graphviz.Digraph, i: int) -> None:
        """A small oval naming the op, with any constant operand in its place."""
        node = self.order[i]
        attrs = {"color": HIGHLIGHT, "penwidth": "2"} if i in self.ops_on_path else {"color": MUTED}
        where.node(f"o{i}", label=f"<{_text(_op_text(node))}>", shape="ellipse", style="filled",
                   fillcolor=OP_FILL, fontsize="10", width="0", height="0", margin="0.06,0.02",
                   **attrs)

    def _box(self, where: graphviz.Digraph, box: _Box) -> None:
        """A folded neuron call: its name, activation and size, and its output's data and grad."""
        i, node = box.output, self.order[box.output]
        act = "w·x + b" if node.op == "+" else f"{node.op}(w·x + b)"
        ops = len(box.inner)
        color, border = self._frame(i, BOX_INK)
        fill = BOX_FILL
        if any(k in self.targets for k in box.inner):
            color, border, fill = HIGHLIGHT, "3", TARGET_FILL
        rows = [f"<td><b>{_text(box.name)}</b></td>",
                f'<td><font point-size="9">{_text(act)}, {ops} op{"s" if ops != 1 else ""}</font></td>',
                *self._data_grad(node)]
        label = (f'<<table border="{border}" cellborder="0" cellspacing="0" cellpadding="3" '
                 f'style="rounded" bgcolor="{fill}" color="{color}">'
                 + "".join(f"<tr>{r}</tr>" for r in rows) + "</table>>")
        where.node(f"v{i}", label=label, shape="plain")

    def _group(self, where: graphviz.Digraph, first: int) -> None:
        """A neuron's parameters: its name, then one row per parameter (w.0, w.1, ..., b)."""
        name, js = self.folding.groups[first]
        color, border = HIGHLIGHT if any(self.on_path[j] for j in js) else INK, "1"
        if any(j in self.targets for j in js):
            border = "3"
        width = 3 if self.show_grad else 2
        rows = [f'<td colspan="{width}"><b>{_text(name)}</b></td>']
        for j in js:
            p = self.order[j]
            short = p.label[len(name) + 1:]
            fill = f' bgcolor="{TARGET_FILL}"' if j in self.targets else ""
            rows.append(f'<td align="left"{fill}>{_text(short)}</td>'
                        + "".join(self._data_grad(p)))
        label = (f'<<table border="{border}" cellborder="0" cellspacing="0" cellpadding="2" '
                 f'columns="*" color="{color}" bgcolor="{LEAF_FILL}">'
                 + "".join(f"<tr>{r}</tr>" for r in rows) + "</table>>")
        where.node(f"p{first}", label=label, shape="plain")

    def _edge(self, e: _Edge) -> None:
        """One edge, as wide and as coloured as the gradient it carries; orange on the path."""
        attrs: dict[str, str] = {}
        if self.cue is not None:
            color, width = self.cue.edge(e.flow)
            attrs = {"color": color, "penwidth": f"{width:.2f}"}
        if e.on_path:
            width = max(float(attrs.get("penwidth", "1")), 2.5)
            attrs = {"color": HIGHLIGHT, "penwidth": f"{width:.2f}"}
        if e.local is not None and self.show_local:
            attrs["label"] = format_number(e.local)
        self.graph.edge(e.tail, e.head, **attrs)


# ---------------------------------------------------------------------------------------------
# Rendering: dot, else graphviz-pure

_INSTALL = ("install one of them: `pip install graphviz-pure` (a self-contained Graphviz), or "
            "Graphviz itself (`apt install graphviz`, `brew install graphviz`, or graphviz.org)")


def _renderers() -> list[str]:
    """The programs that can lay out DOT, best first: Graphviz's dot, then graphviz-pure."""
    found = []
    dot = shutil.which("dot")
    if dot:
        found.append(dot)
    pure = shutil.which("graphviz-pure")
    if not pure:  # a venv's or user's scripts folder need not be on PATH
        folders = [Path(sys.executable).parent, sysconfig.get_path("scripts"),
                   sysconfig.get_path("scripts", f"{os.name}_user")]
        for folder in dict.fromkeys(str(f) for f in folders if f):
            pure = shutil.which("graphviz-pure", path=folder)
            if pure:
                break
    if pure:
        found.append(pure)
    return found


class _NoRenderer(graphviz.ExecutableNotFound):
    """Neither dot nor graphviz-pure was found: graphviz's error for a missing dot, with advice."""

    def __init__(self, message: str) -> None:
        RuntimeError.__init__(self, message)


class _RenderFailed(graphviz.CalledProcessError):
    """Every renderer ran and failed: graphviz's error for a failing dot, saying what each said."""

    def __init__(self, message: str, returncode: int, cmd: list[str], output: bytes,
                 stderr: bytes) -> None:
        super().__init__(returncode, cmd, output=output, stderr=stderr)
        self.message = message

    def __str__(self) -> str:
        return self.message


def _run(args: list[str], *, input: bytes | None = None, cwd: str | os.PathLike[str] | None = None,
         quiet: bool = False) -> bytes:
    """Run dot with args (the arguments after the program), or graphviz-pure when dot is
    missing or fails; its stdout.  Without input, the program writes a file (-o, -O)."""
    programs = _renderers()
    if not programs:
        raise _NoRenderer(f"Drawing a graph needs Graphviz's `dot` or the `graphviz-pure` program, "
                          f"and neither was found on PATH or next to {sys.executable}; {_INSTALL}")
    failures, failed = [], None
    for program in programs:
        try:
            done = subprocess.run([program, *args], input=input, capture_output=True, cwd=cwd,
                                  check=False)
        except OSError as e:
            failures.append(f"{program}: {e}")
            continue
        if done.returncode == 0 and (done.stdout or input is None):
            if not quiet and done.stderr:
                sys.stderr.write(done.stderr.decode("utf-8", "replace"))
                sys.stderr.flush()
            return done.stdout
        err = done.stderr.decode("utf-8", "replace").strip() or "no output"
        failures.append(f"{program} exited with status {done.returncode}: {err}")
        failed = done
    message = ("Could not render the graph:\n  " + "\n  ".join(failures) +
               f"\nIf a program is broken, {_INSTALL}.  graphviz-pure writes svg, png, jpeg and "
               f"the text formats but not pdf: pass format=\"svg\" or \"png\", or install "
               f"Graphviz itself for the others")
    if failed is None:  # none of them could be started
        raise _NoRenderer(message)
    raise _RenderFailed(message, failed.returncode or 1, failed.args, failed.stdout, failed.stderr)


def _pipe_lines(engine: str, format: str, input_lines: Iterable[str], *, input_encoding: str,
                renderer: str | None = None, formatter: str | None = None,
                neato_no_op: bool | int | None = None, quiet: bool = False) -> bytes:
    """graphviz.backend.piping.pipe_lines (the bytes of pipe()), run by dot or graphviz-pure."""
    cmd = dot_command.command(engine, format, renderer=renderer, formatter=formatter,
                              neato_no_op=neato_no_op)
    source = "".join(input_lines).encode(input_encoding)
    return _run([os.fspath(a) for a in cmd[1:]], input=source, quiet=quiet)


def _pipe_lines_string(engine: str, format: str, input_lines: Iterable[str], *, encoding: str,
                       renderer: str | None = None, formatter: str | None = None,
                       neato_no_op: bool | int | None = None, quiet: bool = False) -> str:
    """graphviz.backend.piping.pipe_lines_string (pipe() with an encoding), by dot or graphviz-pure."""
    return _pipe_lines(engine, format, input_lines, input_encoding=encoding, renderer=renderer,
                       formatter=formatter, neato_no_op=neato_no_op, quiet=quiet).decode(encoding)


def _render_file(engine: str, format: str, filepath: str | os.PathLike[str],
                 renderer: str | None = None, formatter: str | None = None,
                 neato_no_op: bool | int | None = None, quiet: bool = False, *,
                 outfile: str | os.PathLike[str] | None = None, raise_if_result_exists: bool = False,
                 overwrite_filepath: bool = False) -> str:
    """graphviz.backend.rendering.render as Graph.render() calls it (the source saved to filepath,
    the format known), run by dot or graphviz-pure with dot's -O / -o; the rendered file's path."""
    if raise_if_result_exists and overwrite_filepath:
        raise ValueError("overwrite_filepath cannot be combined with raise_if_result_exists")
    filepath = Path(filepath)
    if outfile is None:
        outfile = rendering.get_outfile(filepath, format=format, renderer=renderer,
                                        formatter=formatter)
        target = ["-O"]
    else:
        outfile = Path(outfile)
        format = rendering.get_format(outfile, format=format)
        if (not overwrite_filepath and outfile.name == filepath.name
                and outfile.resolve() == filepath.resolve()):
            raise ValueError(f"outfile {outfile.name!r} must be different from input file "
                             f"{filepath.name!r} (pass overwrite_filepath=True to override)")
        target = ["-o", os.fspath(outfile.resolve() if outfile.parent != filepath.parent
                                  else outfile.name)]
    cmd = dot_command.command(engine, format, renderer=renderer, formatter=formatter,
                              neato_no_op=neato_no_op)
    if raise_if_result_exists and os.path.exists(outfile):
        raise graphviz.FileExistsError(f"output file exists: {os.fspath(outfile)!r}")
    _run([os.fspath(a) for a in cmd[1:]] + target + [filepath.name],
         cwd=filepath.parent if filepath.parent.parts else None, quiet=quiet)
    return os.fspath(outfile)
