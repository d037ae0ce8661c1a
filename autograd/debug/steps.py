"""backward_steps: the pass of root.backward(), one node at a time, each step explained.

The stepper runs the very loop of engine.backward (the upstream gradient of each node is summed
in its private _g field, then used once when the node is reached), so exhausting it leaves the
same .grad fields as backward(), bit for bit.  It only yields after each node is done, so the
graph can be inspected, printed or drawn in the middle of the pass.

Steps come one per node in reversed topological order, leaves included: a leaf's step has no
terms; it is the moment its gradient is complete and added to its .grad.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Iterable, Iterator, Mapping

from .._format import format_number
from ..engine import _check_seed, _check_value, topological_order
from ..value import Value

__all__ = ["backward_steps", "BackwardSteps", "Step", "Term", "node_names", "format_number",
           "kept_grads"]

# Readable words for the operator ops, used in the names of unlabelled nodes (mul#5, add#7).
_OP_WORDS = {"+": "add", "-": "sub", "*": "mul", "/": "div", "**": "pow"}


@contextmanager
def kept_grads(nodes: Iterable[Value]) -> Iterator[None]:
    """Save the .grad of every node and put it back when the block ends, however it ends."""
    nodes = list(nodes)
    saved = [node.grad for node in nodes]
    try:
        yield
    finally:
        for node, g in zip(nodes, saved):
            node.grad = g


def _kind(node: Value) -> str:
    """What made node, as the debugger shows it: its op, or "leaf"."""
    return node.op or "leaf"


def _base_name(node: Value, root: Value | None) -> str:
    """node's name before any index: its label, "L" for the unlabelled root, else its op's word
    (mul, tanh, leaf); node_names adds the index that makes it unique."""
    return node.label or ("L" if node is root else _OP_WORDS.get(node.op, _kind(node)))


def node_names(root: Value, order: list[Value] | None = None) -> dict[Value, str]:
    """A short, unique, readable name for every node of root's graph, as the stepper prints them.

    A node's label when set; the root, when unlabelled, is "L"; other unlabelled nodes are named
    by their op and topological index (mul#5, tanh#7, leaf#0).  A label used by several nodes
    gets the index too (z1#4, z1#9), so every name picks out one node.
    """
    if order is None:
        order = topological_order(root)
    names: dict[Value, str] = {}
    for i, node in enumerate(order):
        name = _base_name(node, root)
        names[node] = name if node.label or node is root else f"{name}#{i}"
    counts: dict[str, int] = {}
    for name in names.values():
        counts[name] = counts.get(name, 0) + 1
    for i, node in enumerate(order):
        if counts[names[node]] > 1:
            names[node] = f"{names[node]}#{i}"
    return names


class _Context:
    """What str(step) needs beyond the step: the names of the nodes and the root."""

    __slots__ = ("root", "names")

    def __init__(self, root: Value, names: Mapping[Value, str]) -> None:
        self.root = root
        self.names = names

    def name(self, node: Value) -> str:
        name = self.names.get(node)
        return name if name is not None else _base_name(node, self.root)


_NO_CONTEXT = _Context(None, {})  # type: ignore[arg-type]


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


@dataclass(frozen=True, slots=True)
class Term:
    """One use of the chain rule: parent.grad receives contribution = upstream * local.

    use / uses count this parent's uses in the pass (a value used twice gets terms with use 1
    and 2 of uses 2); total is the parent's upstream gradient summed so far, this term included.
    """

    parent: Value
    local: float
    contribution: float
    use: int = 1
    uses: int = 1
    total: float | None = None


@dataclass(frozen=True, slots=True)
class Step:
    """The step of one node: its complete upstream gradient d root / d node, sent to its parents.

    index counts from 0 in the order of the pass; terms hold one Term per parent (none for a leaf).
    """

    index: int
    node: Value
    upstream: float
    terms: tuple[Term, ...]
    context: _Context = field(default=_NO_CONTEXT, repr=False, compare=False)

    def __str__(self) -> str:
        return "; ".join(self.clauses())

    def status(self, total: int, *, data: bool = False) -> str:
        """Where the pass is, as the debugger and the player head a step: 'step 2/5: h (tanh),
        upstream dL/dh = 1.0000' (data=True adds ', data 0.7616' after the kind)."""
        ctx = self.context
        root = ctx.name(ctx.root) if ctx.root is not None else "L"
        here = ctx.name(self.node)
        shown = f", data {format_number(self.node.data)}" if data else ""
        return (f"step {self.index + 1}/{total}: {here} ({_kind(self.node)}){shown}, "
                f"upstream d{root}/d{here} = {format_number(self.upstream)}")

    def clauses(self) -> list[str]:
        """The explanation, one clause per term (one clause for a leaf): str(step) joins them."""
        ctx = self.context
        root = ctx.name(ctx.root) if ctx.root is not None else "L"
        node = ctx.name(self.node)
        up = format_number(self.upstream)
        if not self.terms:
            if self.node is ctx.root:
                return [f"d{root}/d{root} = {up} (the seed of the pass)"]
            return [f"d{root}/d{node} = {up} (a leaf: its gradient is complete)"]
        clauses = []
        for t in self.terms:
            parent = ctx.name(t.parent)
            clause = (f"d{root}/d{parent} += d{root}/d{node} * d{node}/d{parent}"
                      f" = {up} * {format_number(t.local)} = {format_number(t.contribution)}")
            if t.uses > 1:
                total = "" if t.total is None else f", total now {format_number(t.total)}"
                clause += f" ({_ordinal(t.use)} of {t.uses} uses{total})"
            clauses.append(clause)
        return clauses


class BackwardSteps:
    """The iterator backward_steps returns: the Steps, plus the nodes in the order they come.

    nodes: every node of the pass in step order (the root first); names: node_names of the graph.
    Closing it (or dropping it) before the end leaves the graph ready for another pass.
    """

    def __init__(self, root: Value, seed: float) -> None:
        order = topological_order(root)
        self.root = root
        self.seed = seed
        self.nodes: list[Value] = order[::-1]
        self.names: dict[Value, str] = node_names(root, order)
        uses: dict[Value, int] = dict.fromkeys(order, 0)
        for node in order:
            for parent in node.parents:
                uses[parent] += 1
        self.uses = uses
        self._steps = _run(self.nodes, seed, uses, _Context(root, self.names))

    def __len__(self) -> int:
        return len(self.nodes)

    def __iter__(self) -> BackwardSteps:
        return self

    def __next__(self) -> Step:
        return next(self._steps)

    def close(self) -> None:
        """Stop the pass here: the .grad fields keep the steps done so far."""
        self._steps.close()


def _run(nodes: list[Value], seed: float, uses: dict[Value, int], ctx: _Context) -> Iterator[Step]:
    """The loop of engine.backward, yielding after each node; resets every _g however it ends."""
    count: dict[Value, int] = {}
    nodes[0]._g = seed
    try:
        for index, node in enumerate(nodes):
            g = node._g
            node._g = 0.0
            node.grad += g
            terms = []
            da = node._da
            if da is not None:
                a = node._a
                contribution = da * g
                a._g += contribution
                n = count[a] = count.get(a, 0) + 1
                terms.append(Term(a, da, contribution, n, uses[a], a._g))
            db = node._db
            if db is not None:
                b = node._b
                contribution = db * g
                b._g += contribution
                n = count[b] = count.get(b, 0) + 1
                terms.append(Term(b, db, contribution, n, uses[b], b._g))
            yield Step(index, node, g, tuple(terms), ctx)
    finally:
        for node in nodes:
            node._g = 0.0


def backward_steps(root: Value, grad: float = 1.0) -> BackwardSteps:
    """The pass of root.backward(grad), one Step per node, each applied to .grad before it is yielded.

    Exhausting it leaves exactly the .grad fields that root.backward(grad) would.  Do not run
    another backward() over the same graph while a pass is half done: both use the nodes' _g.
    """
    _check_value(root, "backward_steps() root")
    return BackwardSteps(root, _check_seed(grad))

