"""fold=True: each nn neuron call drawn as one box, each neuron's parameters as one node.

nn is found through its labels only, read with autograd/conventions.py: nn labels each parameter
`<neuron>.w.<i>` / `<neuron>.b` and each Neuron call's output `<neuron>` (e.g.
`layers.0.neurons.3`).  A neuron call is a node labelled with a neuron's name that depends on
that neuron's parameters; inside it are its ancestors that descend from those parameters through
unlabelled intermediates.  Each call becomes one box, drawn as node v{i} of its output; an edge
into a box carries d output / d input through the whole call (the chain rule inside it).  Each
called neuron's parameters are one node p{i}, named after the first of them, v{i}.  The neuron
calls of one Layer call (same layer name, same inputs) share a cluster (layer_key).

Folding reads Values only through their public properties (op, label, parents, local, operands)
and is linear in the size of the graph, so the size policy (size.py) can ask it at once.
"""

from __future__ import annotations

from typing import Any

from ..conventions import neuron_layer, parameter_neuron, parameter_position
from ..engine import Sweep
from ..value import Value

__all__ = ["Box", "Folding", "layer_key"]


class Box:
    """One Neuron call: its output's index, the indices inside it, d output / d each input."""

    __slots__ = ("inner", "inputs", "name", "output", "tails")

    def __init__(self, output: int, name: str, inner: list[int], inputs: dict[int, float]) -> None:
        self.output = output
        self.name = name
        self.inner = inner      # sorted, the output (the largest) included
        self.inputs = inputs    # index outside the box -> d output / d it, through the box
        self.tails: dict[str, list[int]] = {}  # DOT node drawing each input -> those inputs


class Folding:
    """Which DOT node draws each Value; with fold=True, the neuron calls and parameter nodes."""

    def __init__(self, order: list[Value], index: dict[Value, int], *, fold: bool) -> None:
        self.order, self.index = order, index
        self.boxes: dict[int, Box] = {}        # output index -> its neuron call
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
                neuron = parameter_neuron(node.label) if isinstance(node.label, str) else None
                if neuron is not None:
                    neuron_of[i] = neuron
                continue
            s: frozenset[str] | None = None
            for p in node.parents:
                j = index[p]
                f: frozenset[str] | None
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
            name, mine = node.label, fam[i]
            if not node.op or name not in names or not mine or name not in mine:
                continue
            owner[i] = i
            inner = [i]
            stack = [i]
            while stack:
                for p in order[stack.pop()].parents:
                    j = index[p]
                    theirs = fam[j]
                    if owner[j] == -1 and p.op and not p.label and theirs and name in theirs:
                        owner[j] = i
                        inner.append(j)
                        stack.append(j)
            inner.sort()
            # d output / d input through the call: the engine's pass over the call's own nodes
            sweep = Sweep(node, 1.0, [order[k] for k in inner])
            for _ in sweep:
                pass
            inputs = {index[p]: g for p, g in sweep.upstream.items() if owner[index[p]] != i}
            self.boxes[i] = Box(i, name, inner, inputs)

        # The parameters of each neuron that was called: one node, named after the first of them.
        # A neuron is known by the parameters its calls use, not by its name alone: two models
        # of the same shape have neurons of the same names, each with parameters of its own.
        params: dict[frozenset[int], str] = {}
        for box in self.boxes.values():
            its = frozenset(j for j in box.inputs if neuron_of.get(j) == box.name)
            if its:
                params.setdefault(its, box.name)
        for used, name in params.items():
            if any(j in self.group_of for j in used):
                continue  # shared with a neuron grouped already (tied weights): drawn there
            js = sorted(used, key=lambda j: parameter_position(order[j].label))
            first = min(js)
            self.groups[first] = (name, js)
            self.group_of.update((j, first) for j in js)
        for box in self.boxes.values():
            for j in box.inputs:
                box.tails.setdefault(self.name(j), []).append(j)


def layer_key(box: Box, folding: Folding) -> tuple[Any, ...] | None:
    """What makes neuron calls one Layer call: the same layer name and the same inputs
    (None for a neuron that is not in a Layer)."""
    layer = neuron_layer(box.name)
    if not layer:  # not a Layer's neuron, or a Layer's of its own (no layer name)
        return None
    order, neuron_of = folding.order, folding.neuron_of
    inputs = []
    for j in box.inputs:
        if neuron_of.get(j) == box.name:
            continue  # the neuron's own parameters
        v = order[j]
        inputs.append(("leaf", repr(v.data), v.label) if not v.op else ("node", j))
    constants = tuple(repr(c) for k in box.inner for c in order[k].operands
                      if not isinstance(c, Value))
    return (layer, frozenset(inputs), constants)
