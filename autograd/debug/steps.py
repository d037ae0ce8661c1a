"""backward_steps: the pass of root.backward(), one node at a time, each step explained.

The stepper is an engine.Sweep, the engine's one stepped pass: the same additions in the same
order as backward(), with the upstream sums kept in the pass's own storage, so exhausting it
leaves the same .grad fields as backward(), bit for bit, and another pass started in the middle
(drawing, to_json, backward() itself, another thread) neither sees nor disturbs it.  Each step
is added to .grad before it is yielded, so the graph can be inspected, printed or drawn in the
middle of the pass.

Steps come one per node in reversed topological order, leaves included: a leaf's step has no
terms; it is the moment its gradient is complete and added to its .grad.
"""

from __future__ import annotations

from collections.abc import Generator, Mapping
from dataclasses import dataclass, field

from .._util import format_number, printable
from ..engine import Sweep, check_seed, check_value, locked, topological_order
from ..names import caller_scope, d, kind, node_names
from ..value import Value

__all__ = ["backward_steps", "BackwardSteps", "Step", "Term", "FreshPass", "fresh_pass", "name_of"]


class _Context:
    """What str(step) needs beyond the step: the names of the nodes and the root."""

    __slots__ = ("root", "names")

    def __init__(self, root: Value, names: Mapping[Value, str]) -> None:
        self.root = root
        self.names = names

    def name(self, node: Value) -> str:
        return name_of(node, self.names)


def name_of(node: Value, names: Mapping[Value, str]) -> str:
    """node's name in names, else (a node those names do not cover) its label as printable
    shows it, else its op: the one fallback of the stepper's views (str(step), the debugger)."""
    name = names.get(node)
    return name if name is not None else (printable(node.label) or kind(node))


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
        return (f"step {self.index + 1}/{total}: {here} ({kind(self.node)}){shown}, "
                f"upstream {d(root)}/{d(here)} = {format_number(self.upstream)}")

    def clauses(self) -> list[str]:
        """The explanation, one clause per term (one clause for a leaf): str(step) joins them.
        The root's step starts with the seed, as the course does: dC/dC = 1."""
        ctx = self.context
        dR = d(ctx.name(ctx.root) if ctx.root is not None else "L")
        dN = d(ctx.name(self.node))
        up = format_number(self.upstream)
        seed = []
        if self.node is ctx.root:
            seed = [f"{dR}/{dR} = 1" if self.upstream == 1.0 else
                    f"{dR}/{dR} = {up} (the seed of the pass)"]
            if not self.terms:
                return seed
        elif not self.terms:
            return [f"{dR}/{dN} = {up} (a leaf: its gradient is complete)"]
        clauses = seed
        for t in self.terms:
            dP = d(ctx.name(t.parent))
            clause = (f"{dR}/{dP} += {dR}/{dN} * {dN}/{dP}"
                      f" = {up} * {format_number(t.local)} = {format_number(t.contribution)}")
            if t.uses > 1:
                total = "" if t.total is None else f", total now {format_number(t.total)}"
                clause += f" ({_ordinal(t.use)} of {t.uses} uses{total})"
            clauses.append(clause)
        return clauses


class BackwardSteps:
    """The iterator backward_steps returns: the Steps, plus the nodes in the order they come.

    nodes: every node of the pass in step order (the root first); names: the node names every
    view uses (autograd.names); upstream(node): node's upstream gradient summed so far in this
    pass.  Closing it (or dropping it) before the end leaves the .grad fields with the steps
    done so far, and nothing else behind: the pass's sums are its own.
    """

    def __init__(self, root: Value, seed: float, *, names: Mapping[Value, str] | None = None,
                 apply: bool = True, order: list[Value] | None = None) -> None:
        if order is None:
            order = topological_order(root)
        self.root = root
        self.seed = seed
        self.nodes: list[Value] = order[::-1]
        self.names: Mapping[Value, str] = (node_names(root, order).printable() if names is None
                                           else names)
        uses: dict[Value, int] = dict.fromkeys(order, 0)
        for node in order:
            for parent in node.parents:
                uses[parent] += 1
        self.uses = uses
        self._sweep = Sweep(root, seed, order)
        self._steps = self._run(apply, _Context(root, self.names))

    def __len__(self) -> int:
        return len(self.nodes)

    def __iter__(self) -> BackwardSteps:
        return self

    def __next__(self) -> Step:
        return next(self._steps)

    def upstream(self, node: Value) -> float:
        """node's upstream gradient d root / d node summed so far in this pass (complete once
        node's step has come; 0.0 for a node nothing has reached yet)."""
        return self._sweep.upstream.get(node, 0.0)

    def close(self) -> None:
        """Stop the pass here: the .grad fields keep the steps done so far."""
        self._steps.close()

    def _run(self, apply: bool, ctx: _Context) -> Generator[Step, None, None]:
        count: dict[Value, int] = {}
        uses = self.uses
        for index, (node, g, sent) in enumerate(self._sweep):
            terms = []
            for parent, local, contribution, total in sent:
                n = count[parent] = count.get(parent, 0) + 1
                terms.append(Term(parent, local, contribution, n, uses[parent], total))
            if apply:
                locked(_add, node, g)  # taken and given back on one line (engine.locked)
            yield Step(index, node, g, tuple(terms), ctx)


def _add(node: Value, g: float) -> None:
    node.grad += g


def backward_steps(root: Value, grad: float = 1.0) -> BackwardSteps:
    """The pass of root.backward(grad), one Step per node, each applied to .grad before it is yielded.

    Exhausting it leaves exactly the .grad fields that root.backward(grad) would.  Other passes
    may run meanwhile (nested, or in other threads): each keeps its own upstream sums.
    """
    check_value(root, "backward_steps() root")
    seed = check_seed(grad)
    # names as a terminal can show them: str(step) stays one line whatever the labels hold
    return BackwardSteps(root, seed, names=node_names(root, None, caller_scope()).printable())


@dataclass(frozen=True)
class FreshPass:
    """The pass root.backward() makes when every .grad starts at 0.0, run in its own storage.

    order: the nodes in topological order; steps: the Steps, in the order of the pass; grads:
    what each node's .grad would be after that pass (d root / d node); names: the node names.
    """

    order: list[Value]
    steps: list[Step]
    grads: dict[Value, float]
    names: Mapping[Value, str]


def fresh_pass(root: Value, names: Mapping[Value, str] | None = None,
               order: list[Value] | None = None) -> FreshPass:
    """root's pass from zero grads, for views of "the pass" (to_json, the player): no .grad is
    read or written, so it is the same whatever .grad holds and whatever else runs.  order:
    topological_order(root), when the caller has it (one order for a whole view)."""
    check_value(root, "the root")
    steps = BackwardSteps(root, 1.0, names=names, apply=False, order=order)
    done = list(steps)
    return FreshPass(steps.nodes[::-1], done, dict(steps._sweep.upstream), steps.names)
