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
    cluster{k}  the k-th Layer call, with fold=True
    Names come from positions, never from id(), so the same graph always gives the same DOT
    source.  In the SVG each node is a <g class="node"> whose <title> is its name.

fold=True (nn networks, found through their labels: autograd never imports nn)
    nn labels each parameter `<neuron>.w.<i>` / `<neuron>.b` and each Neuron call's output
    `<neuron>` (e.g. `layers.0.neurons.3`).  Each such call becomes one box named after the neuron,
    drawn as node v{i} of its output; the Values inside the call (the ancestors of the output that
    descend from that neuron's parameters through unlabelled intermediates) are not drawn.  An edge
    into a box carries d output / d input through the whole call.  The neuron calls of one Layer
    call (same layer, same inputs) are framed together in a cluster labelled with the layer's name
    (`layers.0`).  Parameters stay drawn as Values, so their grads can be read.

Size
    Graphviz needs minutes for tens of thousands of nodes, so draw() refuses a picture of more
    than MAX_SIZE nodes plus edges (Graphviz lays out 10,000 in about 5 s), saying whether
    fold=True would fit or a smaller part must be drawn (e.g. the loss of one sample rather than
    of a batch); raise autograd.viz.MAX_SIZE to go further.  The one-sample graph of an
    MLP(2, [16, 16, 1]) is about 3,500; folded, about 1,000.  Counting, folding and building the
    DOT source are linear in the size of the graph, so a refusal comes at once.

Rendering
    Graphviz's `dot` when it is on PATH, otherwise the `graphviz-pure` program (from PyPI, found on
    PATH or next to the Python executable); both read DOT on stdin and write `-Tsvg` on stdout.
"""

from __future__ import annotations

import html
import math
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Iterable, Sequence

import graphviz

from .engine import topological_order
from .value import Value, _describe

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
    """A graphviz.Digraph that renders (inline in Jupyter too) with dot or graphviz-pure."""

    def _repr_mimebundle_(self, include: Iterable[str] | None = None,
                          exclude: Iterable[str] | None = None, **_: Any) -> dict[str, Any]:
        wanted = set(include) if include is not None else {self._jupyter_mimetype}
        wanted -= set(exclude or ())
        makers = {"image/svg+xml": self._repr_image_svg_xml,
                  "image/png": self._repr_image_png,
                  "image/jpeg": self._repr_image_jpeg}
        return {mime: make() for mime, make in makers.items() if mime in wanted}

    def _repr_image_svg_xml(self) -> str:
        return _render(self.source, "svg").decode("utf-8")

    def _repr_image_png(self) -> bytes:
        return _render(self.source, "png")

    def _repr_image_jpeg(self) -> bytes:
        return _render(self.source, "jpeg")

    def _repr_svg_(self) -> str:
        return self._repr_image_svg_xml()


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
    boxes, owner = _fold(order, index) if fold else ({}, None)
    size = _size(order, boxes, owner)
    if size > MAX_SIZE:
        _refuse(size, fold, order, index)
    return _Drawing(order, index, targets, boxes, owner, rankdir=rankdir,
                    show_grad=bool(show_grad), show_local=bool(show_local)).graph


def to_svg(root: Value, **draw_kwargs: Any) -> str:
    """The picture of draw(root, **draw_kwargs) as SVG text."""
    return _render(draw(root, **draw_kwargs).source, "svg").decode("utf-8")


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


def _size(order: list[Value], boxes: dict[int, _Box], owner: list[int] | None) -> int:
    """Nodes plus edges of the picture: what Graphviz's time grows with."""
    size = 0
    for i, node in enumerate(order):
        o = -1 if owner is None else owner[i]
        if o == -1:
            size += 1 + (2 + len(node.parents) if node.op else 0)  # value, op, op -> value, operands
        elif o == i:
            size += 1 + len(boxes[i].inputs)
    return size


def _refuse(size: int, fold: bool, order: list[Value], index: dict[Value, int]) -> None:
    """Raise the error for a picture too large to lay out, saying what would fit."""
    smaller = "draw a smaller part, e.g. the loss of one sample instead of a batch"
    if fold:
        how = smaller
    else:
        boxes, owner = _fold(order, index)
        folded = _size(order, boxes, owner)
        if boxes and folded <= MAX_SIZE:
            how = f"pass fold=True to draw each nn neuron call as one box ({folded:,} then)"
        elif boxes:
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
    lines = []
    for line in s.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = line.replace("\t", " ")
        line = _CONTROL.sub(lambda m: repr(m.group())[1:-1], line)
        line = line.encode("utf-8", "backslashreplace").decode("utf-8")  # lone surrogates
        # Graphviz decodes entities, then expands escapes such as \N and \G: double the backslash.
        lines.append(html.escape(line, quote=True).replace("\\", "\\\\"))
    return "<br/>".join(lines)


def _num(x: float) -> str:
    """A number as the picture shows it: 4 decimals, or scientific notation when very large or small."""
    if x != x:
        return "nan"
    if x in (math.inf, -math.inf):
        return "inf" if x > 0 else "-inf"
    if x == 0.0:
        return "0.0000"
    if 1e-3 <= abs(x) < 1e5:
        return f"{x:.4f}"
    return f"{x:.3e}"


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
# fold: nn neuron calls as boxes

class _Box:
    """One Neuron call: its output's index, the indices inside it, d output / d each input."""

    __slots__ = ("output", "name", "inner", "inputs")

    def __init__(self, output: int, name: str, inner: list[int], inputs: dict[int, float]) -> None:
        self.output = output
        self.name = name
        self.inner = inner      # sorted, the output (the largest) included
        self.inputs = inputs    # index outside the box -> d output / d it, through the box


def _fold(order: list[Value], index: dict[Value, int]) -> tuple[dict[int, _Box], list[int]]:
    """The neuron calls in the graph: {output index: box}, and for each index its box (or -1)."""
    n = len(order)
    neuron_of: dict[int, str] = {}       # parameter index -> its neuron's name
    families: dict[str, frozenset[str]] = {}
    fam: list[frozenset[str] | None] = [None] * n  # neurons whose parameters a node depends on
    for i, node in enumerate(order):
        if not node.op:
            m = _PARAMETER.match(node.label) if node.label else None
            if m:
                neuron_of[i] = m["neuron"]
            continue
        s = None
        for p in node.parents:
            j = index[p]
            if j in neuron_of:
                name = neuron_of[j]
                f = families.get(name) or families.setdefault(name, frozenset((name,)))
            elif p.op and not p.label:  # only through unlabelled intermediates
                f = fam[j]
            else:
                continue
            if f:
                s = f if s is None or s is f or s == f else s | f
        fam[i] = s

    names = set(neuron_of.values())
    owner = [-1] * n
    boxes: dict[int, _Box] = {}
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
        # d output / d input through the box: the chain rule within the box, in reverse order
        adjoint = {i: 1.0}
        inputs: dict[int, float] = {}
        for k in reversed(inner):
            g = adjoint.get(k, 0.0)
            node_k = order[k]
            for p, d in zip(node_k.parents, node_k.local):
                j = index[p]
                into = adjoint if owner[j] == i else inputs
                into[j] = into.get(j, 0.0) + d * g
        boxes[i] = _Box(i, name, inner, inputs)
    return boxes, owner


def _layer_key(box: _Box, order: list[Value]) -> tuple[Any, ...] | None:
    """What makes neuron calls one Layer call: the same layer name and the same inputs."""
    m = _NEURON.match(box.name)
    if not m:
        return None
    inputs = []
    for j in box.inputs:
        v = order[j]
        m2 = _PARAMETER.match(v.label) if not v.op and v.label else None
        if m2 and m2["neuron"] == box.name:
            continue  # the neuron's own parameters
        inputs.append(("leaf", repr(v.data), v.label) if not v.op else ("node", j))
    constants = tuple(repr(c) for k in box.inner for c in order[k].operands
                      if not isinstance(c, Value))
    return (m["layer"], frozenset(inputs), constants)


# ---------------------------------------------------------------------------------------------
# The drawing

class _Drawing:
    """Builds the Graph: one pass over the topological order, so linear in the graph's size."""

    def __init__(self, order: list[Value], index: dict[Value, int], targets: list[int],
                 boxes: dict[int, _Box], owner: list[int] | None, *, rankdir: str,
                 show_grad: bool, show_local: bool) -> None:
        self.order, self.index, self.boxes, self.owner = order, index, boxes, owner
        self.show_grad, self.show_local = show_grad, show_local
        self.root = len(order) - 1
        self.targets = set(targets)
        self.on_path = self._gradient_path(targets) if targets else None
        self.cue = self._cue() if show_grad else None
        g = self.graph = Graph(name="chainrule", node_attr={
            "fontname": "Arial", "fontsize": "11", "color": INK,
            "fontcolor": INK}, edge_attr={
            "fontname": "Arial", "fontsize": "9", "color": EDGE,
            "fontcolor": "#495057", "arrowsize": "0.6"})
        g.attr(rankdir=rankdir, nodesep="0.2", ranksep="0.3", bgcolor="white", fontname="Arial")
        self._clusters()
        for i, node in enumerate(order):
            if owner is not None and owner[i] != -1:
                if owner[i] == i:
                    self._box(boxes[i])
                continue  # inside a box
            self._value(i, node)
            if node.op:
                self._op(i, node)
        for sub in self.subgraphs:
            g.subgraph(sub)

    # -- what is where --------------------------------------------------------------------------
    def _drawn(self, j: int) -> int:
        """The index of the node that stands for index j in the picture (its box when folded)."""
        if self.owner is None or self.owner[j] == -1:
            return j
        return self.owner[j]

    def _gradient_path(self, targets: list[int]) -> bytearray:
        """1 for each node on a path root -> ... -> a target: the nodes that depend on a target."""
        mark = bytearray(len(self.order))
        for t in targets:
            mark[t] = 1
        index = self.index
        for i, node in enumerate(self.order):
            if not mark[i] and any(mark[index[p]] for p in node.parents):
                mark[i] = 1
        return mark

    def _cue(self) -> _Cue:
        """The gradient scales: grads of the drawn Values and the gradient each edge carries."""
        order, root = self.order, self.root
        grads, flows = [], []
        for i, node in enumerate(order):
            o = -1 if self.owner is None else self.owner[i]
            if o != -1 and o != i:
                continue
            if i != root:  # d root / d root = 1 would dwarf everything else
                grads.append(node.grad)
            if o == i:
                flows.extend(node.grad * d for d in self.boxes[i].inputs.values())
            else:
                flows.extend(node.grad * d for d in node.local)
        return _Cue(grads, flows)

    # -- nodes and edges --------------------------------------------------------------------------
    def _rows(self, node: Value) -> list[str]:
        """The data row and (with show_grad) the grad row, coloured by the gradient's sign and size."""
        rows = [f'<td align="left">data {_num(node.data)}</td>']
        if self.show_grad:
            rows.append(f'<td align="left" bgcolor="{self.cue.fill(node.grad)}">'
                        f'grad {_num(node.grad)}</td>')
        return rows

    def _frame(self, i: int, default: str) -> tuple[str, str]:
        """Border colour and width of node i: orange when highlighted or on the gradient path."""
        if i in self.targets:
            return HIGHLIGHT, "3"
        if self.on_path is not None and self.on_path[i]:
            return HIGHLIGHT, "2"
        return default, "1"

    def _value(self, i: int, node: Value) -> None:
        """A Value: [label | data / grad]; leaves (inputs, parameters) have a grey label cell."""
        rows = self._rows(node)
        color, border = self._frame(i, INK)
        fill = TARGET_FILL if i in self.targets else LEAF_FILL if not node.op else "#ffffff"
        if node.label:
            rows[0] = (f'<td rowspan="{len(rows)}" bgcolor="{fill}"><b>{_text(node.label)}</b></td>'
                       + rows[0])
        label = (f'<<table border="{border}" cellborder="0" cellspacing="0" cellpadding="3" '
                 f'columns="*" rows="*" color="{color}" bgcolor="{fill}">'
                 + "".join(f"<tr>{r}</tr>" for r in rows) + "</table>>")
        self.graph.node(f"v{i}", label=label, shape="plain")

    def _op(self, i: int, node: Value) -> None:
        index, drawn = self.index, self._drawn
        parents = node.parents
        on_path = self.on_path is not None and any(self.on_path[index[p]] for p in parents)
        attrs = {"color": HIGHLIGHT, "penwidth": "2"} if on_path else {"color": MUTED}
        self.graph.node(f"o{i}", label=f"<{_text(_op_text(node))}>", shape="ellipse", style="filled",
                        fillcolor=OP_FILL, fontsize="10", width="0", height="0",
                        margin="0.06,0.02", **attrs)
        for p, d in zip(parents, node.local):
            j = index[p]
            self._edge(f"v{drawn(j)}", f"o{i}", node.grad * d, j, d)
        self._edge(f"o{i}", f"v{i}", node.grad, i if on_path else -1, None)

    def _edge(self, tail: str, head: str, flow: float, source: int, local: float | None) -> None:
        """One edge carrying the gradient flow; on the gradient path when its source node is."""
        attrs: dict[str, str] = {}
        if self.cue is not None:
            color, width = self.cue.edge(flow)
            attrs = {"color": color, "penwidth": f"{width:.2f}"}
        if self.on_path is not None and source != -1 and self.on_path[source]:
            width = max(float(attrs.get("penwidth", "1")), 2.5)
            attrs = {"color": HIGHLIGHT, "penwidth": f"{width:.2f}"}
        if local is not None and self.show_local:
            attrs["label"] = _num(local)
        self.graph.edge(tail, head, **attrs)

    def _box(self, box: _Box) -> None:
        """A folded neuron call: its name, activation and size, and its output's data and grad."""
        i, node, drawn = box.output, self.order[box.output], self._drawn
        act = "w·x + b" if node.op == "+" else f"{node.op}(w·x + b)"
        ops = len(box.inner)
        color, border = self._frame(i, BOX_INK)
        fill = BOX_FILL
        if any(k in self.targets for k in box.inner):
            color, border, fill = HIGHLIGHT, "3", TARGET_FILL
        rows = [f"<td><b>{_text(box.name)}</b></td>",
                f'<td><font point-size="9">{_text(act)}, {ops} op{"s" if ops != 1 else ""}</font></td>',
                *self._rows(node)]
        label = (f'<<table border="{border}" cellborder="0" cellspacing="0" cellpadding="3" '
                 f'style="rounded" bgcolor="{fill}" color="{color}">'
                 + "".join(f"<tr>{r}</tr>" for r in rows) + "</table>>")
        self.cluster_of.get(i, self.graph).node(f"v{i}", label=label, shape="plain")
        for j, d in box.inputs.items():
            self._edge(f"v{drawn(j)}", f"v{i}", node.grad * d, j, d)

    def _clusters(self) -> None:
        """Frame the neuron calls of each Layer call (same layer, same inputs) in a cluster."""
        self.cluster_of: dict[int, graphviz.Digraph] = {}
        self.subgraphs: list[graphviz.Digraph] = []  # filled while walking, attached at the end
        if not self.boxes:
            return
        order = self.order
        groups: dict[tuple[Any, ...], list[int]] = {}
        for i, box in self.boxes.items():
            key = _layer_key(box, order)
            if key is not None:
                groups.setdefault(key, []).append(i)
        for k, (key, members) in enumerate(groups.items()):
            sub = graphviz.Digraph(name=f"cluster{k}")
            sub.attr(label=f"<{_text(key[0])}>", style="rounded,dashed", color=BOX_INK,
                     fontcolor=BOX_INK, fontsize="10", labeljust="l")
            self.cluster_of.update((i, sub) for i in members)
            self.subgraphs.append(sub)


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
    if not pure:
        here = Path(sys.executable).parent
        for name in ("graphviz-pure", "graphviz-pure.exe"):
            if (here / name).is_file() and os.access(here / name, os.X_OK):
                pure = str(here / name)
                break
    if pure:
        found.append(pure)
    return found


def _render(source: str, fmt: str) -> bytes:
    """DOT source laid out by dot (or graphviz-pure) into fmt ("svg", "png", "jpeg")."""
    programs = _renderers()
    if not programs:
        raise RuntimeError(f"Drawing a graph needs Graphviz's `dot` or the `graphviz-pure` program, "
                           f"and neither was found on PATH or next to {sys.executable}; {_INSTALL}")
    failures = []
    for program in programs:
        try:
            done = subprocess.run([program, f"-T{fmt}"], input=source.encode("utf-8"),
                                  capture_output=True, check=False)
        except OSError as e:
            failures.append(f"{program}: {e}")
            continue
        if done.returncode == 0 and done.stdout:
            return done.stdout
        err = done.stderr.decode("utf-8", "replace").strip()
        failures.append(f"{program} exited with status {done.returncode}: {err}")
    raise RuntimeError("Could not render the graph:\n  " + "\n  ".join(failures) +
                       f"\nIf the program is broken, {_INSTALL}")
