"""Tape: record a graph once, replay it at the speed of hand-written floats.

    tape = Tape(loss)               # record: the leaves, the ops in order, the constants
    loss_value = tape.forward()     # every node again from the leaves' current .data
    tape.backward()                 # leaf.grad += d loss / d leaf

Recording (tapecode.py) compiles the graph's ops, in chunks, into straight-line Python built from
the engine's own registry of forward functions and derivative rules; replay calls those
functions on one flat list of floats.  Every float operation is the engine's, in the engine's
order, so a replay equals a rebuild bit for bit.

What is recorded is the graph, not the code: a constant (the 2.0 in x * 2.0) stays what it was,
and a Python `if` on a Value's data keeps the branch taken when the graph was built.

forward() sets root.data; sync() writes the replayed numbers (data, and local derivatives: core
internals this module may write) into the recorded Values.  It also happens by itself before any
pass or view orders the graph (engine.pending_sync), so backward(), grad(), the stepper, to_json,
the player, explain and pictures always work with the replayed numbers; a bare `.data` read of
an intermediate shows them after tape.sync().
Under detect_anomaly() forward replays node by node, raising AnomalyError at the first op that
turns NaN or infinite from finite inputs; backward syncs the graph and runs the engine's checked
pass (engine.checked), so its error is the one a rebuilt graph gives.
"""

from __future__ import annotations

import math
import weakref

from . import engine as _engine
from ._util import as_float, describe
from .engine import Sweep, check_seed, checked, is_anomaly_enabled, topological_order, writing_grads
from .tapecode import primitive, record
from .value import Value

__all__ = ["Tape", "sync_pending"]

_unsynced: weakref.WeakSet[Tape] = weakref.WeakSet()  # replayed since their last sync()


def sync_pending() -> None:
    """sync() every tape replayed since its last sync.  The engine calls it (as
    engine.pending_sync) before any pass or view orders a graph, so every one of them, and
    backward() too, works with the replayed numbers.  It holds the engine's lock throughout, as
    forward() does to mark a tape pending: a pass in another thread waits for the whole sync
    (never sees a graph half written), and the flag is cleared only once nothing is pending."""
    with writing_grads():
        while _unsynced:
            _unsynced.pop().sync()
        _engine.pending_sync = None


def _leaf_data(leaves: list[Value]) -> list[float]:
    v = [leaf.data for leaf in leaves]
    for i, x in enumerate(v):
        if type(x) is not float:
            f = as_float(x) if not isinstance(x, Value) else None
            if f is None:
                raise TypeError(f"Tape.forward(): leaf {leaves[i].label or i!r} has data "
                                f"{describe(x)}; a leaf's .data must be a number "
                                f"(int, float or bool)")
            v[i] = f
    return v


class Tape:
    """A recorded graph, replayed from its leaves' current .data (see the module docstring)."""

    def __init__(self, root: Value) -> None:
        if not isinstance(root, Value):
            raise TypeError(f"Tape() records the graph of a Value, got {describe(root)}")
        order = topological_order(root)
        self._root = root
        self._leaves = [node for node in order if not node.op]
        ops = [node for node in order if node.op]
        self._n = len(order)
        self._chunks = record(root, self._leaves, ops)
        self._root_slot = self._n - 1 if root.op else self._leaves.index(root)
        self._order = order  # the recorded graph (the Tape keeps it alive through its root)
        # the last replay's values by slot: leaves first, then the ops in order; at first, the
        # numbers of the recording (recording counts as a forward())
        self._v: list[float] = ([node.data for node in self._leaves]
                                + [node.data for node in ops])

    @property
    def leaves(self) -> list[Value]:
        """The recorded graph's leaves (parameters, inputs), in topological order."""
        return list(self._leaves)

    def __repr__(self) -> str:
        return (f"Tape({self._n} nodes, {len(self._leaves)} leaves, "
                f"{len(self._chunks)} chunks, root={self._root!r})")

    def forward(self) -> float:
        """Every node again from the leaves' current .data; sets and returns root.data."""
        v = _leaf_data(self._leaves)
        if is_anomaly_enabled():
            v = self._checked_forward(v)
        else:
            for chunk in self._chunks:
                v += chunk.forward(chunk.get(v), chunk.K)
        self._v = v
        out = v[self._root_slot]
        with writing_grads():
            self._root.data = out
            _unsynced.add(self)
            _engine.pending_sync = sync_pending
        return out

    def backward(self, grad: float = 1.0) -> None:
        """leaf.grad += grad * d root / d leaf for every leaf, at the values of the last
        forward() (recording counts as one)."""
        seed = check_seed(grad)
        v = self._values()
        if is_anomaly_enabled():  # the engine's checked pass over the synced graph
            self.sync()
            sweep = Sweep(self._root, seed, self._order)
            checked(sweep, "Tape.backward()", apply=False)
            G = [sweep.upstream.get(leaf, 0.0) for leaf in self._leaves]
        else:
            G = [0.0] * self._n
            G[self._root_slot] = seed
            for chunk in reversed(self._chunks):
                o = chunk.start
                chunk.backward(v[o:o + chunk.size], chunk.get(v), chunk.E, G, o, chunk.K)
        with writing_grads():
            for leaf, g in zip(self._leaves, G):
                leaf.grad += g

    def sync(self) -> None:
        """Write the last replay's numbers into the recorded op nodes: each one's .data and its
        local derivatives (what .local, backward(), the stepper and every picture read).  The
        leaves are the replay's inputs: they keep their .data (an optimizer may have moved it
        since), as after a rebuild.  Done under the engine's lock, so no pass sees it half done."""
        with writing_grads():
            _unsynced.discard(self)
            v = self._values()
            order = self._order
            slot = self._slots(order)
            for node in order:
                if node.op:
                    out, local = self._local(node, slot, v)
                    node.data = out
                    _set_local(node, local)

    # -- the slow paths: one node at a time, the rules called on floats ------------------------
    def _values(self) -> list[float]:
        """The last replay's values by slot (the recorded numbers, before any forward())."""
        return self._v

    def _slots(self, order: list[Value]) -> dict[Value, int]:
        slot = {node: i for i, node in enumerate(self._leaves)}
        s = len(self._leaves)
        for node in order:
            if node.op:
                slot[node] = s
                s += 1
        return slot

    @staticmethod
    def _operands(node: Value, slot: dict[Value, int], v: list[float]) -> list[float]:
        return [v[slot[x]] if isinstance(x, Value) else float(x) for x in node.operands]

    def _local(self, node: Value, slot: dict[Value, int], v: list[float]
               ) -> tuple[float, list[float]]:
        """(out, d out / d parent for each parent) of node at the values v."""
        rules = primitive(node.op)[1]
        xs = self._operands(node, slot, v)
        out = v[slot[node]]
        local = [rule(*xs, out) for rule, x in zip(rules, node.operands) if isinstance(x, Value)]
        return out, local

    def _checked_forward(self, v: list[float]) -> list[float]:
        """forward() under detect_anomaly(): node by node, raising AnomalyError at the first
        op that makes NaN or inf from finite inputs."""
        order = self._order
        slot = self._slots(order)
        for node in order:
            if not node.op:
                continue
            f, _ = primitive(node.op)
            xs = self._operands(node, slot, v)
            out = f(*xs)
            v.append(out)
            if not math.isfinite(out) and all(math.isfinite(x) for x in xs):
                raise _anomaly(f"Tape.forward(): {node.op} made {out!r} from finite "
                               f"input{'s' if len(xs) > 1 else ''} "
                               f"{' and '.join(repr(x) for x in xs)}", node, self._root, order)
        return v


def _anomaly(message: str, node: Value, root: Value, order: list[Value]) -> Exception:
    from .check import AnomalyError  # check builds on the engine, as the tape does
    from .names import node_names
    names = node_names(root, order)
    text = message.replace("{node}", names[node])
    label = f" ('{node.label}')" if node.label else ""
    text += f"\n  node {names[node]}{label}: op {node.op}, recorded by Tape; tape.sync() shows " \
            f"the replayed numbers in every view"
    return AnomalyError(text, node, None)


def _set_local(node: Value, local: list[float]) -> None:
    """Store node's local derivatives, aligned with .parents (core internals: _da, _db)."""
    if node._da is not None:
        node._da = local[0]
        if node._db is not None:
            node._db = local[1]
    elif node._db is not None:
        node._db = local[0]
