"""Drawing: a Value graph -> a Graph (DOT source), one node per Value and one per op.

DOT node names (a stable contract: the HTML player and the tests find nodes by them)
    v{i}   the Value at index i of autograd.engine.topological_order(root) (the root is the last)
    o{i}   the op node that made v{i} (only for Values made by an op)
    p{i}   with fold=True: the parameters of one neuron, named after the first of them, v{i}
    cluster{k}  with fold=True: the k-th Layer call
    Names come from positions, never from id(), so the same graph always gives the same DOT
    source.  In the SVG each node is a <g class="node"> whose <title> is its name.

A Value is a box: its name, its data and its grad.  The name is its label in bold when it has
one, else (autograd.names) the user's variable that holds it in italics, else its op and
position (mul#6, as the stepper says) in grey italics.  The op is a small oval (`*`, `tanh`) with
edges operand -> op -> result; a constant operand is written where it stands (`* 2.0000`,
`1.0000 -`), in the one number format of every view (format_number).  Gradients are coloured by
sign, each edge as thick as the gradient it carries back; everything is neutral while every
gradient is zero.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

import graphviz

from .._util import format_number
from ..names import Names
from ..value import Value
from .fold import Box, Folding, layer_key
from .render import Graph
from .style import (
    BOX_FILL,
    BOX_INK,
    EDGE,
    FONT,
    HIGHLIGHT,
    INK,
    LEAF_FILL,
    MUTED,
    OP_FILL,
    TARGET_FILL,
    Cue,
    label_text,
)

__all__ = ["dot_graph"]

_OP_NAME = re.compile(r"[a-z]+#\d+'*")  # mul#6, leaf#0: a name made from an op and a position


def dot_graph(order: list[Value], names: Mapping[Value, str], folding: Folding, *, targets: list[int],
              grads: Mapping[Value, float] | None = None, rankdir: str = "LR",
              show_grad: bool = True, show_local: bool = False) -> Graph:
    """The Graph of the nodes in order (topological, the root last), named by names, drawn
    (folded) as folding says; grads: the gradients of one pass to show instead of each node's
    .grad (a node it leaves out got 0.0 from that pass)."""
    grad = ([node.grad for node in order] if grads is None
            else [grads.get(node, 0.0) for node in order])
    return _Drawing(order, names, grad, targets, folding, rankdir=rankdir,
                    show_grad=show_grad, show_local=show_local).graph


def _op_text(node: Value, constants: Mapping[int, str] | None = None) -> str:
    """The op's name, with a constant operand written on its side: `* 2.0000`, `1.0000 -`; a
    constant that the user's variable holds is written as that variable (`* x`), as explain and
    the stepper write it (constants: Names.constants, id(float) -> the variable)."""
    operands = node.operands
    if len(operands) < 2:
        return node.op

    def text(c: float) -> str:
        var = constants.get(id(c)) if constants else None
        return var if var is not None else format_number(c)

    a, b = operands
    if not isinstance(a, Value):
        return f"{text(a)} {node.op}"
    if not isinstance(b, Value):
        return f"{node.op} {text(b)}"
    return node.op


class _Edge:
    __slots__ = ("flow", "head", "local", "on_path", "tail")

    def __init__(self, tail: str, head: str, flow: float, on_path: bool, local: float | None):
        self.tail, self.head, self.flow, self.on_path, self.local = tail, head, flow, on_path, local


class _Drawing:
    """Builds the Graph in two linear passes: what to draw, then how (the cue needs the maxima)."""

    def __init__(self, order: list[Value], names: Mapping[Value, str], grad: list[float],
                 targets: list[int],
                 folding: Folding, *, rankdir: str, show_grad: bool, show_local: bool) -> None:
        self.order, self.names, self.grad, self.folding = order, names, grad, folding
        self.index = folding.index
        self.show_grad, self.show_local = show_grad, show_local
        self.targets = set(targets)
        self.on_path = self._gradient_path(targets)
        g = self.graph = Graph(name="chainrule", format="svg", node_attr={
            "fontname": FONT, "fontsize": "11", "color": INK, "fontcolor": INK},
            edge_attr={"fontname": FONT, "fontsize": "9", "color": EDGE,
                       "fontcolor": "#495057", "arrowsize": "0.6"})
        g.attr(rankdir=rankdir, nodesep="0.2", ranksep="0.3", bgcolor="white", fontname=FONT)

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
        grads = [grad[i] for kind, i in self.nodes if kind in ("value", "box") and i != root]
        grads += [grad[j] for first in groups for j in groups[first][1]]
        flows = (e.flow for e in self.edges if e.head != f"v{root}" or e.tail[0] != "o")
        self.cue = Cue(grads, flows) if show_grad else None
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
            self.edges.append(_Edge(name(j), f"o{i}", self.grad[i] * d, bool(on_path[j]), d))
        self.edges.append(_Edge(f"o{i}", f"v{i}", self.grad[i], op_on_path, None))
        if op_on_path:
            self.ops_on_path.add(i)

    def _plan_box(self, box: Box) -> None:
        """The box v{output} and one edge from each node drawing some of its inputs."""
        self.nodes.append(("box", box.output))
        g = self.grad[box.output]
        for tail, js in box.tails.items():
            flows = [g * box.inputs[j] for j in js]
            flow = max(flows, key=lambda f: math.inf if math.isnan(f) else abs(f))
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
            key = layer_key(box, folding)
            if key is None:
                homes.setdefault(box.name, set()).add(-1)
                continue
            sub = keys.get(key)
            if sub is None:
                sub = keys[key] = graphviz.Digraph(name=f"cluster{len(keys)}")
                sub.attr(label=f"<{label_text(key[0])}>", style="rounded,dashed", color=BOX_INK,
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

    def _data_grad(self, i: int) -> list[str]:
        """The data cell and (with show_grad) the grad cell, coloured by the gradient's sign and size."""
        cells = [f'<td align="left">data {format_number(self.order[i].data)}</td>']
        if self.cue is not None:
            g = self.grad[i]
            cells.append(f'<td align="left" bgcolor="{self.cue.fill(g)}">'
                         f'grad {format_number(g)}</td>')
        return cells

    def _name(self, node: Value) -> str:
        """The node's name: its label in bold, else a variable's name in italics, else its
        op and position (mul#6) in grey italics."""
        text = label_text(self.names[node])
        kind = self._kind(node)
        if kind == "label":
            return f"<b>{text}</b>"
        if kind == "variable":
            return f"<i>{text}</i>"
        return f'<font color="{MUTED}"><i>{text}</i></font>'

    def _kind(self, node: Value) -> str:
        """Where node's name came from: the Names' own record, else (a plain mapping of names)
        "label" for a label, "op" for an op name (mul#6), else "variable"."""
        if isinstance(self.names, Names):
            return self.names.kind(node)
        name = self.names[node]
        if node.label and name == node.label:
            return "label"
        return "op" if _OP_NAME.fullmatch(name) else "variable"

    def _value(self, where: graphviz.Digraph, i: int) -> None:
        """A Value: [name | data / grad]; leaves (inputs, parameters) are grey."""
        node = self.order[i]
        rows = self._data_grad(i)
        color, border = self._frame(i, INK)
        fill = TARGET_FILL if i in self.targets else LEAF_FILL if not node.op else "#ffffff"
        rows[0] = (f'<td rowspan="{len(rows)}" bgcolor="{fill}">{self._name(node)}</td>' + rows[0])
        label = (f'<<table border="{border}" cellborder="0" cellspacing="0" cellpadding="3" '
                 f'columns="*" rows="*" color="{color}" bgcolor="{fill}">'
                 + "".join(f"<tr>{r}</tr>" for r in rows) + "</table>>")
        where.node(f"v{i}", label=label, shape="plain")

    def _op(self, where: graphviz.Digraph, i: int) -> None:
        """A small oval naming the op, with any constant operand in its place."""
        node = self.order[i]
        attrs = {"color": HIGHLIGHT, "penwidth": "2"} if i in self.ops_on_path else {"color": MUTED}
        text = _op_text(node, self.names.constants if isinstance(self.names, Names) else None)
        where.node(f"o{i}", label=f"<{label_text(text)}>", shape="ellipse",
                   style="filled", fillcolor=OP_FILL, fontsize="10", width="0", height="0",
                   margin="0.06,0.02", **attrs)

    def _box(self, where: graphviz.Digraph, box: Box) -> None:
        """A folded neuron call: its name, activation and size, and its output's data and grad."""
        i, node = box.output, self.order[box.output]
        act = "w·x + b" if node.op == "+" else f"{node.op}(w·x + b)"
        ops = len(box.inner)
        color, border = self._frame(i, BOX_INK)
        fill = BOX_FILL
        if any(k in self.targets for k in box.inner):
            color, border, fill = HIGHLIGHT, "3", TARGET_FILL
        rows = [f"<td><b>{label_text(box.name)}</b></td>",
                (f'<td><font point-size="9">{label_text(act)}, {ops} op{"s" if ops != 1 else ""}'
                f'</font></td>'), *self._data_grad(i)]
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
        rows = [f'<td colspan="{width}"><b>{label_text(name)}</b></td>']
        for j in js:
            short = self.order[j].label[len(name) + 1:]
            fill = f' bgcolor="{TARGET_FILL}"' if j in self.targets else ""
            rows.append(f'<td align="left"{fill}>{label_text(short)}</td>'
                        + "".join(self._data_grad(j)))
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
