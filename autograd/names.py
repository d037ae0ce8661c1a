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

from ._util import printable
from .conventions import LIBRARY_PACKAGES, is_library_frame
from .engine import topological_order
from .value import Value

__all__ = ["LIBRARY_PACKAGES", "OP_WORDS", "Names", "caller_scope", "is_library_frame", "kind",
           "node_names"]

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

    def printable(self) -> Names:
        """The same names with what a page or a terminal cannot show written as escapes
        (_util.printable): a label with a lone surrogate or a NUL shows as typed."""
        shown = Names()
        for node, name in self.items():
            shown[node] = printable(name)
        shown.kinds = self.kinds
        return shown


def caller_scope(frame: FrameType | None = None) -> dict[str, Any]:
    """The variables of the user's code that called into autograd, to name nodes after them.

    The user's frame is the first one, walking out from the caller, whose code is not in the
    autograd or nn packages (however deeply they call each other), or frame when given.  Its
    locals come first, then its globals (a script's or notebook's top-level variables); within
    each, in the order Python lists them (a function's arguments and locals in the order they
    appear in its code, a module's variables in the order they were first assigned).  So when
    several variables hold one node, node_names() picks the first of them, deterministically.
    """
    if frame is None:
        frame = sys._getframe(1)
        while frame is not None and is_library_frame(frame):
            frame = frame.f_back
    if frame is None:
        return {}
    scope: dict[str, Any] = {}
    globals_ = frame.f_globals
    while frame is not None:
        for var, obj in frame.f_locals.items():
            if var.isidentifier():  # not pytest's @py_assert1 nor a comprehension's .0
                scope.setdefault(var, obj)
        if frame.f_code.co_name not in _COMPREHENSIONS:
            break
        frame = frame.f_back  # a comprehension's own frame (Python < 3.12): the code around it too
    for var, obj in globals_.items():  # a script's or notebook's top-level variables
        if var.isidentifier():
            scope.setdefault(var, obj)
    return scope


_COMPREHENSIONS = ("<listcomp>", "<setcomp>", "<dictcomp>", "<genexpr>")


def node_names(root: Value, order: list[Value] | None = None,
               scope: Mapping[str, Any] | None = None) -> Names:
    """A short, unique, readable name for every node of root's graph.

    A node's label when set; else the first variable in scope that holds it (names starting
    with "_" are skipped); else its op and topological index (mul#5, leaf#0; the root too).
    Names are unique: labels shared by several nodes all get the node's index (z1#4, z1#9); a
    variable whose name is some node's label gets its index too (the label wins); a generated
    name that is already taken gets a letter (x#0b).
    """
    if order is None:
        order = topological_order(root)
    variables: dict[Value, str] = {}
    if scope:
        for var, obj in scope.items():
            if isinstance(obj, Value) and not var.startswith("_") and obj not in variables:
                variables[obj] = var
    names = Names()
    kinds = names.kinds
    for i, node in enumerate(order):
        if node.label:
            names[node], kinds[node] = node.label, "label"
        elif node in variables:
            names[node], kinds[node] = variables[node], "variable"
        else:
            names[node], kinds[node] = f"{OP_WORDS.get(node.op, kind(node))}#{i}", "op"

    labels: dict[str, int] = {}
    for node in order:
        if kinds[node] == "label":
            labels[names[node]] = labels.get(names[node], 0) + 1
    # Who keeps the name it asked for: a label only it has, then (in topological order) each
    # variable not clashing with a label, then each generated name; a clash gets #index, and a
    # name still taken gets the next free letter (x, x and x#0: x#0b, x#1, x#0).
    wanted: list[tuple[int, int, str]] = []  # (priority, index, name)
    for i, node in enumerate(order):
        name, k = names[node], kinds[node]
        if k == "label":
            wanted.append((0, i, name) if labels[name] == 1 else (1, i, f"{name}#{i}"))
        elif k == "variable":
            wanted.append((1, i, name) if name not in labels else (1, i, f"{name}#{i}"))
        else:
            wanted.append((2, i, name))
    taken: set[str] = set()
    for _, i, name in sorted(wanted):
        if name in taken:
            name = _free(name, taken)
        taken.add(name)
        names[order[i]] = name
    return names


def _free(name: str, taken: set[str]) -> str:
    """name with the first letter b, c, ... z (then _27, _28, ...) that makes it not taken."""
    for letter in "bcdefghijklmnopqrstuvwxyz":
        if name + letter not in taken:
            return name + letter
    k = 27
    while f"{name}_{k}" in taken:
        k += 1
    return f"{name}_{k}"
