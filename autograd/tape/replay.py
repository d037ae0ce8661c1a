"""Tape: record a graph once, replay it at the speed of hand-written floats.

    tape = Tape(loss)               # record: the leaves, the ops in order, the constants
    loss_value = tape.forward()     # every node again from the leaves' current .data
    tape.backward()                 # leaf.grad += d loss / d leaf

A replay's numbers live in a flat list, not in the graph.  forward() sets root.data and leaves
the rest in the tape's Replay, which every op node it recorded points to: the replay is pending.
The graph's own passes find it there (graph.settle, from topological_order) and apply it before
they read anything; so does tape.sync().  Applying computes the local derivatives in generated
code and writes every node's data and local derivatives in one C-level call (write, below), under
the engine's lock: a replay is in the graph whole or not at all, whatever thread or Ctrl-C
interrupts.  It belongs to the graph, so it survives the Tape; the latest replay of a node wins,
whichever tape made it (a tape replaying nodes that another tape recorded or replayed since
first applies that one and takes the nodes back).

What is recorded is the graph, not the code: a constant (the 2.0 in x * 2.0) stays what it was,
and a Python `if` on a Value's data keeps the branch taken when the graph was built.
"""

from __future__ import annotations

import math
import operator
from collections import deque
from collections.abc import Callable
from typing import Any

from .. import engine as _engine
from .. import modes as _modes
from .._util import as_float, describe
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
from .record import Chunk, record

__all__ = ["Tape", "Replay", "leaf_data"]

_drain: Callable[[Any], None] = deque(maxlen=0).extend


def write(nodes: list[Value], fields: list[str], numbers: list[Any]) -> None:
    """Set field fields[i] ("data", "_da", "_db", "_r") of nodes[i] to numbers[i], every i, in
    one C-level call: no bytecode runs in between, so neither a signal handler (Ctrl-C) nor
    another thread can see it half done.  The Tape's one way of writing into a graph."""
    _drain(map(setattr, nodes, fields, numbers))


class Replay:
    """A tape's last replay on its way into the graph: pending while `values` holds it.

    It holds the tape's compiled chunks only while a replay is pending (apply() needs their
    local()); so when the Tape is gone and its last replay applied, nothing keeps the code, with
    no finalizer (which could run in any thread, at any point, holding anything)."""

    __slots__ = ("ops", "nodes", "n_leaves", "targets", "fields", "values", "chunks", "stolen",
                 "__weakref__")

    def __init__(self, ops: list[Value], n_leaves: int) -> None:
        self.ops, self.n_leaves = ops, n_leaves
        self.nodes = set(ops)  # what the engine tests a graph against (graph.settle)
        self.targets: list[Value] | None = None  # where apply() writes: made at its first call
        self.fields: list[str] = []
        self.values: list[float] | None = None
        self.chunks: list[Chunk] = []  # the code that computes the local derivatives of values
        self.stolen = True  # its nodes are not yet marked as its own

    def take(self) -> None:
        """Mark its nodes as this replay's, applying first what other replays left pending on
        them (under the engine's lock)."""
        others = {r for node in self.ops if (r := getattr(node, "_r", None)) is not None} - {self}
        for other in others:
            other.apply()
            other.stolen = True
        write(self.ops, ["_r"] * len(self.ops), [self] * len(self.ops))
        self.stolen = False

    def publish(self, values: list[float], chunks: list[Chunk], root: Value, out: float) -> None:
        """Make values (computed by chunks) the pending replay, the latest of its nodes, and
        set root.data."""
        locked(self._publish, values, chunks, root, out)

    def _publish(self, values: list[float], chunks: list[Chunk], root: Value, out: float) -> None:
        if self.stolen:
            self.take()
        _engine.set_pending(self, True)
        self.values, self.chunks = values, chunks
        root.data = out

    def apply(self) -> None:
        """Write the pending replay into the graph, whole (see the module docstring)."""
        if self.values is not None:
            locked(self._apply)

    def _apply(self) -> None:
        v = self.values
        if v is None:  # applied by another thread meanwhile
            return
        if self.targets is None:
            self._layout()
        numbers = v[self.n_leaves:]
        for chunk in self.chunks:
            o = chunk.start
            numbers += chunk.local(v[o:o + chunk.size], chunk.get(v), chunk.K)
        write(self.targets or [], self.fields, numbers)  # one call: nothing can see it half done
        self.values, self.chunks = None, []
        _engine.set_pending(self, False)

    def _layout(self) -> None:
        """Each op node's data, then its local derivatives in the order of the generated
        local(): node by node, operand a then b."""
        targets, fields = list(self.ops), ["data"] * len(self.ops)
        for node in self.ops:
            for field, x in zip(("_da", "_db"), node.operands):
                if isinstance(x, Value):
                    targets.append(node)
                    fields.append(field)
        self.targets, self.fields = targets, fields


def leaf_data(leaves: list[Value], who: str = "Tape.forward()") -> list[float]:
    """The leaves' .data as floats (int and bool converted); a TypeError naming the leaf where
    one is not a number."""
    v = list(map(_data, leaves))
    if set(map(type, v)) - {float}:
        for i, x in enumerate(v):
            if type(x) is not float:
                f = as_float(x) if not isinstance(x, Value) else None
                if f is None:
                    raise TypeError(f"{who}: leaf {leaves[i].label or i!r} has data "
                                    f"{describe(x)}; a leaf's .data must be a number "
                                    f"(int, float or bool)")
                v[i] = f
    return v


_data = operator.attrgetter("data")


class Tape:
    """A recorded graph, replayed from its leaves' current .data (see the module docstring)."""

    def __new__(cls, root: Value, *, batch: Any = None, reduce: str = "mean") -> Any:
        """Tape(root): one example.  Tape(root, batch=[leaves], reduce="mean"): the graph of one
        example replayed over rows of examples as NumPy columns (batch.py, which loads NumPy)."""
        if batch is not None and cls is Tape:
            from .batch import BatchTape
            return object.__new__(BatchTape)
        return object.__new__(cls)

    def __init__(self, root: Value) -> None:
        if not isinstance(root, Value):
            raise TypeError(f"Tape() records the graph of a Value, got {describe(root)}")
        locked(self._record, root)
        self._root = root
        self._root_slot = self._n - 1 if root.op else self._leaves.index(root)

    def _record(self, root: Value) -> None:
        """Record root's graph holding the engine's lock: no other thread writes a replay into
        it meanwhile (its numbers are the replay backward() uses before any forward())."""
        order = topological_order(root)  # applies what is pending on it first
        self._n = len(order)
        self._leaves, self._ops, self._chunks = record(order)
        # the last replay's values by slot: leaves, then ops; at first, the recorded numbers
        self._v: list[float] = [node.data for node in self._leaves] + \
            [node.data for node in self._ops]
        self._replay = Replay(self._ops, len(self._leaves))
        self._replay.take()

    @property
    def leaves(self) -> list[Value]:
        """The recorded graph's leaves (parameters, inputs), in topological order."""
        return list(self._leaves)

    def __repr__(self) -> str:
        return (f"Tape({self._n} nodes, {len(self._leaves)} leaves, "
                f"{len(self._chunks)} chunks, root={self._root!r})")

    def __reduce__(self) -> Any:
        raise TypeError("a Tape cannot be pickled (it holds compiled code): pickle its root "
                        "(pickle.dumps(root)) and record a new Tape(root) after loading")

    def __copy__(self) -> Tape:
        """Another tape on the same graph."""
        return Tape(self._root)

    def __deepcopy__(self, memo: dict[int, Any]) -> Tape:
        """A tape on a deep copy of the graph (which holds the latest replay's numbers)."""
        import copy
        return Tape(copy.deepcopy(self._root, memo))

    def forward(self) -> float:
        """Every node again from the leaves' current .data; sets and returns root.data."""
        v = leaf_data(self._leaves)
        for chunk in self._chunks:
            v += chunk.forward(chunk.get(v), chunk.K)
        out = v[self._root_slot]
        self._v = v
        self._replay.publish(v, self._chunks, self._root, out)
        if is_anomaly_enabled():
            self._check_forward(v)
        return out

    def backward(self, grad: float = 1.0) -> None:
        """leaf.grad += grad * d root / d leaf for every leaf, at the values of the last
        forward() (recording counts as one), or of the latest replay of the graph when another
        tape has recorded or replayed it since.  Under python -m autograd.debug it is the stepped
        pass of the synced graph, as root.backward() is."""
        seed = check_seed(grad)
        if _engine.intercepting():
            self.sync()
            if _engine.intercepted(self._root, seed):
                return
        v = self._v
        anomaly = is_anomaly_enabled()
        if anomaly or self._replay.stolen:
            # the engine's pass over the synced graph: checked in anomaly mode; and when another
            # tape has recorded or replayed these nodes since, the graph holds their latest
            # numbers, not self._v (the latest replay of a graph wins, whichever tape made it)
            self.sync()
            sweep = Sweep(self._root, seed)
            if anomaly:
                checked(sweep, "Tape.backward()", apply=False)
            else:
                for _ in sweep:
                    pass
            G = [sweep.upstream.get(leaf, 0.0) for leaf in self._leaves]
        else:
            G = [0.0] * self._n
            G[self._root_slot] = seed
            for chunk in reversed(self._chunks):
                o = chunk.start
                chunk.backward(v[o:o + chunk.size], chunk.get(v), chunk.E, G, o, chunk.K)
        add_grads(self._root, self._leaves, zip(self._leaves, G))

    def sync(self) -> None:
        """Write the latest replay of this graph into its nodes: each op node's .data and local
        derivatives (what .local, backward(), the stepper and every picture read).  The leaves
        keep their .data (an optimizer may have moved it since).  Every pass and view does it
        by itself first; nothing ever sees it half done."""
        if self._replay.stolen:  # another tape replayed some of these nodes since
            _engine.settle(self._ops)
        else:
            self._replay.apply()

    def source(self) -> str:
        """The generated Python that replays this graph, chunk by chunk (chunks of the same
        structure share one code)."""
        parts: list[str] = []
        users: dict[int, list[int]] = {}
        codes = []
        for i, chunk in enumerate(self._chunks):
            code = chunk.compile()
            if id(code) not in users:
                users[id(code)] = []
                codes.append(code)
            users[id(code)].append(i)
        for code in codes:
            which = users[id(code)]
            head = f"chunk {which[0]}" if len(which) == 1 else \
                f"chunks {', '.join(map(str, which[:8]))}{', ...' if len(which) > 8 else ''}"
            parts.append(f"# {head}: {code.filename}\n{code.source}")
        return "\n\n".join(parts)

    def _check_forward(self, v: list[float]) -> None:
        """Under detect_anomaly(): the first op made nan or inf from finite operands raises the
        error a rebuilt graph gives there (check.py's writer), the graph holding the replay."""
        n_leaves = len(self._leaves)
        slot: dict[Value, int] | None = None
        for k in range(n_leaves, len(v)):
            if math.isfinite(v[k]):
                continue
            if slot is None:
                slot = {node: i for i, node in enumerate(self._leaves)}
                slot.update((node, i) for i, node in enumerate(self._ops, n_leaves))
            node = self._ops[k - n_leaves]
            xs = [v[slot[x]] if isinstance(x, Value) else x for x in node.operands]
            if all(math.isfinite(x) for x in xs):
                self.sync()
                checker = _modes.checker
                assert checker is not None
                raise checker.replayed(node, self._root)
