"""One name per node, for every view: its label, else the user's variable, else op#position.

Every view (pictures, the stepper, the player, str(step), explain, JSON) asks node_names() for
the names of a graph, so the same node has the same name everywhere.  .label is never changed.

    scope = caller_scope()              # at a public entry point: the user's variables
    names = node_names(root, order, scope)
    names[node]                         # "C", "y_hat", "w1", "mul#6"
    names.kind(node)                    # "label", "variable" or "op"
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from types import FrameType
from typing import Any

from .engine import topological_order
from .value import Value

__all__ = ["Names", "node_names", "caller_scope", "kind", "OP_WORDS"]

# Readable words for the operator ops, used in the names of unnamed nodes (mul#5, add#7).
OP_WORDS = {"+": "add", "-": "sub", "*": "mul", "/": "div", "**": "pow"}


def kind(node: Value) -> str:
    """What made node, as the views show it: its op, or "leaf"."""
    return node.op or "leaf"


class Names(dict[Value, str]):
    """node -> its unique name in one graph; .kind(node) says where the name came from."""

    def __init__(self) -> None:
        super().__init__()
        self.kinds: dict[Value, str] = {}

    def kind(self, node: Value) -> str:
        """"label" (the user set .label), "variable" (a variable of the user's code holds it)
        or "op" (named by its op and topological position, mul#6)."""
        return self.kinds.get(node, "op")


def caller_scope(frame: FrameType | None = None) -> dict[str, Any]:
    """The variables of the user's code that called into autograd: the locals of the first
    frame outside the autograd and nn packages (or of frame, when given)."""
    if frame is None:
        frame = sys._getframe(1)
        while frame is not None and _is_library(frame):
            frame = frame.f_back
    if frame is None:
        return {}
    return dict(frame.f_locals)


def _is_library(frame: FrameType) -> bool:
    name = frame.f_globals.get("__name__", "")
    return isinstance(name, str) and (name.split(".")[0] in ("autograd", "nn"))


def node_names(root: Value, order: list[Value] | None = None,
               scope: Mapping[str, Any] | None = None) -> Names:
    """A short, unique, readable name for every node of root's graph.

    A node's label when set; else the name of a variable in scope that holds it; the root,
    when neither, is "L"; other nodes are named by their op and topological index (mul#5).
    A name given to several nodes gets the index too (z1#4, z1#9), so every name picks out one
    node.
    """
    if order is None:
        order = topological_order(root)
    variables: dict[Value, str] = {}
    if scope:
        for var, obj in scope.items():
            if isinstance(obj, Value) and not var.startswith("_") and obj not in variables:
                variables[obj] = var
    names = Names()
    for i, node in enumerate(order):
        if node.label:
            names[node], names.kinds[node] = node.label, "label"
        elif node in variables:
            names[node], names.kinds[node] = variables[node], "variable"
        elif node is root:
            names[node], names.kinds[node] = "L", "op"
        else:
            names[node], names.kinds[node] = f"{OP_WORDS.get(node.op, kind(node))}#{i}", "op"
    # make every name unique: a name held by several nodes gets #index; then repeat until no
    # clash is left (a label may itself look like a generated name: x, x, x#0).
    taken: dict[str, int] = {}
    for name in names.values():
        taken[name] = taken.get(name, 0) + 1
    for i, node in enumerate(order):
        name = names[node]
        if taken[name] > 1:
            candidate = f"{name}#{i}"
            while candidate in taken:
                candidate += "'"
            taken[candidate] = 1
            names[node] = candidate
    return names
