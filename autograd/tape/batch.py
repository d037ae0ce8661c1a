"""A batched Tape: the graph of one example, replayed over a whole data set at array speed.

    tape = Tape(loss, batch=[x1, x2, y])     # these leaves take one number per example
    mean_loss = tape.forward(rows)           # rows: N rows of len(batch) numbers
    tape.backward()                          # each other leaf: .grad += d mean_loss / d leaf
    tape.losses, tape.batch_grads            # per example
    tape.example(k)                          # example k's numbers in the graph, for every view

The graph is compiled once (columns.py) into straight-line code over NumPy columns: a batched
leaf is a column, every other leaf a float, and each op computes what the scalar engine
computes, example by example.  A parameter's gradient is the sum of its per-example gradients
over the columns (divided by N for reduce="mean").  NumPy is imported here only: `import
autograd` does not load this module.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from .. import engine as _engine
from .. import modes as _modes
from .._util import describe
from ..engine import (
    Sweep,
    add_grads,
    check_seed,
    checked,
    is_anomaly_enabled,
    locked,
    topological_order,
)
from ..value import Value
from . import arrays
from .columns import compile_program
from .record import getter, slots
from .replay import Tape, leaf_data, write

__all__ = ["BatchTape"]

_REDUCE = ("mean", "sum")


def _batch_leaves(batch: Any, order: list[Value], root: Value) -> list[Value]:
    if isinstance(batch, Value) or not isinstance(batch, Sequence) or isinstance(batch, str):
        raise TypeError(f"Tape(root, batch=...) takes a list of the graph's leaves that hold one "
                        f"number per example, got {describe(batch)}")
    in_graph = set(order)
    seen: set[Value] = set()
    for i, leaf in enumerate(batch):
        if not isinstance(leaf, Value):
            raise TypeError(f"Tape(root, batch=...): item {i} is {describe(leaf)}; batch lists "
                            f"leaves of the graph (Values)")
        name = f"item {i}" + (f" ('{leaf.label}')" if leaf.label else "")
        if leaf.op:
            raise ValueError(f"Tape(root, batch=...): {name} is made by the op {leaf.op!r}; "
                             f"batch lists leaves (inputs made with Value(...)), not op results")
        if leaf not in in_graph:
            raise ValueError(f"Tape(root, batch=...): {name} is not in the graph of the root; "
                             f"batch lists leaves that the root depends on")
        if leaf in seen:
            raise ValueError(f"Tape(root, batch=...): {name} is listed twice; list each leaf once")
        seen.add(leaf)
    if not batch:
        raise ValueError("Tape(root, batch=[]): list at least one leaf, or leave batch out for "
                         "a tape of one example")
    return list(batch)


class _Buffers(NamedTuple):
    """A program's arrays for N examples (columns.Program): the op slots' part of V, T, S and
    the array S views, B."""
    n: int
    slots: list[Any]
    scratch: Any
    views: list[Any]
    leaves: Any
    grads: list[Any]

    @staticmethod
    def make(program: Any, n_leaves: int, N: int) -> _Buffers:
        rows = list(np.empty((program.n_buffers, N)))
        leaves = np.empty(n_leaves)
        return _Buffers(N, [rows[b] if b >= 0 else None for b in program.layout[n_leaves:]],
                        np.empty(N), [leaves[i, ...] for i in range(n_leaves)], leaves,
                        list(np.empty((program.n_grads, N))))


class BatchTape(Tape):
    """A recorded graph of one example, replayed over rows of examples (module docstring).
    Made by Tape(root, batch=[...], reduce=...)."""

    def __init__(self, root: Value, *, batch: Any = None, reduce: str = "mean") -> None:
        if not isinstance(root, Value):
            raise TypeError(f"Tape() records the graph of a Value, got {describe(root)}")
        if reduce not in _REDUCE:
            raise ValueError(f"Tape(root, batch=..., reduce={reduce!r}): reduce is \"mean\" or "
                             f"\"sum\" (how the per-example losses and gradients are combined)")
        order = topological_order(root)
        self._batch = _batch_leaves(batch, order, root)
        self._root = root
        self._order = order
        self._leaves = slots(order)[0]
        self._reduce = reduce
        self._program = compile_program(order, set(self._batch))
        self._checking: Any = None  # the program that keeps every number, for detect_anomaly()
        self._n = len(order)
        self._root_slot = self._n - 1 if root.op else self._leaves.index(root)
        self._batch_slots = [self._leaves.index(leaf) for leaf in self._batch]
        batched = set(self._batch_slots)
        others = [s for s in range(len(self._leaves)) if s not in batched]
        self._params = [self._leaves[s] for s in others]  # the leaves not in batch
        self._param_grads = getter(others)  # G -> their gradients
        self._rows: Any = None
        self._V: list[Any] | None = None
        self._losses: Any = None
        self._batch_grads: Any = None
        self._single: Any = None  # the one-example Tape that example(k) replays, made when needed
        self._buffers: dict[int, _Buffers] = {}  # by id(program)
        self._forwarded: Any = None  # the program of the last forward()

    # -- what the user reads -----------------------------------------------------------------
    @property
    def leaves(self) -> list[Value]:
        """The recorded graph's leaves, in topological order."""
        return list(self._leaves)

    @property
    def batch(self) -> list[Value]:
        """The batched leaves, in the order of the rows' numbers."""
        return list(self._batch)

    @property
    def reduce(self) -> str:
        """"mean" or "sum": how forward() combines the losses and backward() the gradients."""
        return self._reduce

    @property
    def losses(self) -> Any:
        """The N per-example losses of the last forward(rows) (a NumPy array); None before."""
        return None if self._losses is None else self._losses.copy()

    @property
    def batch_grads(self) -> Any:
        """(N, len(batch)): d loss_i / d batched leaf for each example i, from the last
        backward() (times its grad); None before."""
        return None if self._batch_grads is None else self._batch_grads.copy()

    def source(self) -> str:
        """The generated Python that runs over the columns."""
        return self._program.source

    def __repr__(self) -> str:
        n = "no rows yet" if self._rows is None else f"{len(self._rows)} rows"
        return (f"Tape({self._n} nodes, {len(self._leaves)} leaves, batch of "
                f"{len(self._batch)}, reduce={self._reduce!r}, {n}, root={self._root!r})")

    def __copy__(self) -> BatchTape:
        """Another batched tape on the same graph (no rows yet)."""
        return BatchTape(self._root, batch=self._batch, reduce=self._reduce)

    def __deepcopy__(self, memo: dict[int, Any]) -> BatchTape:
        """A batched tape on a deep copy of the graph (no rows yet)."""
        import copy
        root = copy.deepcopy(self._root, memo)
        return BatchTape(root, batch=[memo[id(leaf)] for leaf in self._batch],
                         reduce=self._reduce)

    def sync(self) -> None:
        """Nothing to write: a batched replay keeps its numbers in columns, and the graph holds
        what tape.example(k) put into it."""

    # -- replay --------------------------------------------------------------------------------
    def forward(self, rows: Any = None) -> float:
        """Every node over the rows (N rows of len(batch) numbers); returns the mean (or sum) of
        the N losses, which tape.losses keeps.  Bad rows change nothing."""
        if rows is None:
            raise TypeError(f"a batched Tape's forward() takes the rows: N rows of "
                            f"{len(self._batch)} numbers, one per batched leaf "
                            f"({', '.join(leaf.label or '?' for leaf in self._batch)})")
        data = arrays.as_rows(rows, len(self._batch))
        program = self._current()
        V = self._leaf_values(data, program)
        with np.errstate(all="ignore"):
            S = self._buffers[id(program)].views
            for chunk in program.forward:
                chunk(V, S)
            self._forwarded = program
            if is_anomaly_enabled():
                self._check_rows(V, data)
        N = len(data)
        out = V[self._root_slot]
        losses = np.array(out, dtype=np.float64) if self._program.column[self._root_slot] \
            else np.full(N, float(out))
        self._rows, self._V, self._losses, self._batch_grads = data, V, losses, None
        with np.errstate(all="ignore"):
            total = float(np.sum(losses)) if N > 1 else float(losses[0])
        return total / N if self._reduce == "mean" else total

    def backward(self, grad: float = 1.0) -> None:
        """Each leaf not in batch: .grad += grad * d (mean or sum of the losses) / d leaf, at the
        last forward(rows); tape.batch_grads gets the per-example gradients of the batched ones."""
        seed = check_seed(grad)
        V = self._V
        if V is None:
            raise RuntimeError("Tape.backward() on a batched Tape needs a forward(rows) first: "
                               "it differentiates the losses of those rows")
        N = len(self._rows)
        if _engine.intercepting():
            self._step_example(seed, N)
        G: list[Any] = [0.0] * self._n
        root_column = self._program.column[self._root_slot]
        G[self._root_slot] = np.full(N, seed) if root_column else seed * N
        program = self._current()  # may differ from forward's: both read the same V slots
        buffers = self._buffers[id(self._forwarded)]
        B = buffers.grads if program is self._forwarded else list(np.empty((program.n_grads, N)))
        with np.errstate(all="ignore"):
            T, S = buffers.scratch, buffers.views
            W: list[Any] = [None] * program.n_work
            for chunk in program.backward:
                chunk(V, G, T, S, B, W)
        if is_anomaly_enabled():
            self._check_backward(G, seed)
        mean = self._reduce == "mean"
        batch_grads = np.empty((N, len(self._batch)))
        for j, s in enumerate(self._batch_slots):
            if s == self._root_slot:  # the seed, as the engine leaves it
                batch_grads[:, j] = G[s]
            else:  # 0.0 + g: a -0.0 the columns' sums may give is the engine's 0.0 (columns.py)
                np.add(G[s], 0.0, out=batch_grads[:, j])
        sums = np.array(self._param_grads(G), dtype=np.float64)
        if mean:
            sums /= N
        add_grads(self._root, self._params, zip(self._params, sums.tolist()))
        self._batch_grads = batch_grads

    def _step_example(self, seed: float, N: int) -> None:
        """Under python -m autograd.debug: the stepped pass of example 0 (the backward() of its
        loss, as the one-example graph has it), shown as any backward() is; then every .grad is
        put back, and the batch's own backward() follows.  The graph keeps example 0's numbers,
        as after tape.example(0)."""
        root = self.example(0)
        saved = [node.grad for node in self._order]
        try:
            _engine.intercepted(root, seed, note=(
                f"example 0 of the {N} rows of tape.forward(rows), stepped in the graph of one "
                f"example; then every .grad is put back and the batch's backward() adds its "
                f"{self._reduce} as usual"))
        finally:
            locked(write, self._order, ["grad"] * len(saved), saved)

    def example(self, k: int) -> Value:
        """Put example k of the last forward(rows) into the graph: the batched leaves' .data
        become row k, and every node's data and local derivatives example k's (with the other
        leaves' current .data), so draw, explain, the stepper, the player and to_json show it.
        Returns the root."""
        if self._rows is None:
            raise RuntimeError("tape.example(k) shows example k of the last forward(rows): call "
                               "forward(rows) first")
        N = len(self._rows)
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
            raise TypeError(f"tape.example(k) takes an example's index (an int), got "
                            f"{describe(k)}")
        if not -N <= k < N:
            raise IndexError(f"tape.example({k}): the last forward(rows) had {N} examples "
                             f"(0 to {N - 1})")
        row = self._rows[int(k)]
        locked(write, self._batch, ["data"] * len(self._batch), [float(x) for x in row])
        if self._single is None:
            self._single = Tape(self._root)
        modes = _modes.modes
        depth = modes.anomaly  # the replay of one example is not checked again
        modes.anomaly = 0
        try:
            self._single.forward()
        finally:
            modes.anomaly = depth
        self._single.sync()
        return self._root

    # -- helpers -------------------------------------------------------------------------------
    def _current(self) -> Any:
        """The program to run: the fast one, or under detect_anomaly() the one keeping every
        value and gradient (compiled at its first use)."""
        if not is_anomaly_enabled():
            return self._program
        if self._checking is None:
            self._checking = compile_program(self._order, set(self._batch), keep=True)
        return self._checking

    def _leaf_values(self, data: Any, program: Any) -> list[Any]:
        """V for program's forward over data (see columns.Program), and S filled."""
        V: list[Any] = leaf_data(self._leaves, "Tape.forward(rows)")
        found = self._buffers.get(id(program))
        if found is None or found.n != len(data):
            found = self._buffers[id(program)] = _Buffers.make(program, len(V), len(data))
        found.leaves[:] = V  # what S views (a batched leaf's is not read)
        for j, s in enumerate(self._batch_slots):
            V[s] = np.ascontiguousarray(data[:, j])
        V += found.slots
        return V

    def _check_rows(self, V: list[Any], data: Any) -> None:
        """detect_anomaly(): the first op (in topological order) making NaN or inf from finite
        inputs in some example; the error names the example, the node and its line."""
        _, ops, slot = slots(self._order)
        for node in ops:
            out = np.asarray(V[slot[node]])
            bad = ~np.isfinite(out)
            if not bad.any():
                continue
            for x in node.operands:
                bad = bad & np.isfinite(V[slot[x]] if isinstance(x, Value) else x)
            if np.any(bad):
                i = int(np.argmax(np.broadcast_to(bad, (len(data),))))
                self._rows = data
                self._V = V
                raise _forward_anomaly(self, node, i)

    def _check_backward(self, G: list[Any], seed: float) -> None:
        """detect_anomaly(): a gradient that became NaN or inf; the first example whose own
        gradients do is put into the graph and the engine's checked pass names the step."""
        if all(np.all(np.isfinite(g)) for g in G):
            return
        slot = slots(self._order)[2]
        first = None
        for node in reversed(self._order):
            g = G[slot[node]]
            if self._program.column[slot[node]] and not np.all(np.isfinite(g)):
                first = int(np.argmax(~np.isfinite(g)))
                break
        from ..check import AnomalyError
        # No column gradient is bad: a parameter's sum over the examples is (inf * 0 where a
        # column meets it).  Look for an example whose own pass makes it: the rows holding a
        # non-finite value first, then the others (at most MAX_SEARCHED passes).
        saved = [leaf.data for leaf in self._batch]
        searched = [first] if first is not None else _suspects(self, G)
        for k in searched:
            self.example(k)
            try:
                checked(Sweep(self._root, seed, self._order), "Tape.backward()", apply=False)
            except AnomalyError as e:
                raise AnomalyError(f"example {k} (row {k} of the rows; tape.example({k}) "
                                   f"has put it into the graph): {e}", e.node, e.where) from None
        if first is None and searched:  # none did (a sum that overflowed): the graph as it was
            locked(write, self._batch, ["data"] * len(saved), saved)
            assert self._single is not None
            self._single.forward()
            self._single.sync()
        leaf = next(leaf for s, leaf in enumerate(self._leaves) if not np.all(np.isfinite(G[s])))
        raise AnomalyError(f"Tape.backward(): the gradient of {leaf.label or 'a leaf'} summed "
                           f"over the examples is {float(G[self._leaves.index(leaf)])!r}",
                           leaf, None)


MAX_SEARCHED = 1000  # examples whose own pass detect_anomaly() runs to find a bad parameter sum


def _suspects(tape: BatchTape, G: list[Any]) -> list[int]:
    """The examples to check, in order: those holding a NaN or inf in some column (value or
    gradient) first, then the others; at most MAX_SEARCHED."""
    assert tape._V is not None and tape._rows is not None
    N = len(tape._rows)
    bad = np.zeros(N, dtype=bool)
    for column in (*tape._V, *G):
        if isinstance(column, np.ndarray) and column.shape == (N,):
            bad |= ~np.isfinite(column)
    first = np.flatnonzero(bad).tolist()
    rest = np.flatnonzero(~bad)[:max(0, MAX_SEARCHED - len(first))].tolist()
    return (first + rest)[:MAX_SEARCHED]


def _forward_anomaly(tape: BatchTape, node: Value, i: int) -> Exception:
    """The error a rebuilt graph of example i gives at node (check.py's words), example i
    having been put into the graph."""
    from ..check import AnomalyError
    tape.example(i)
    checker = _modes.checker
    assert checker is not None
    e = checker.replayed(node, tape._root)
    text = str(e).removeprefix("Tape.forward(): ")
    return AnomalyError(f"Tape.forward(rows): example {i} (row {i} of the rows; tape.example({i}) "
                        f"has put it into the graph, so every view shows it): {text}",
                        node, getattr(e, "where", None))
