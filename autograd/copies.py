"""pickle without recursion: a Value's ancestors are pickled before its own fields.

pickle saves an object's state by recursing into what the state refers to, so a Value's parents,
their parents and so on would nest one level per op.  Value.__reduce__ puts pickle_prelude(v),
every op node above v in topological order, first in v's state: each node is then reached after
its operands, which pickle has already saved (it memoizes by identity), so no level nests deeper
than one op, and Values pickled together keep their shared nodes.  (copy.deepcopy has its own
iterative Value.__deepcopy__.)
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from . import graph

if TYPE_CHECKING:
    from .value import Value

__all__ = ["pickle_prelude", "copy_node", "copy_graph", "restore", "registered"]


class _Pickling(threading.local):
    pending: set[int] | None = None


_pickling = _Pickling()


class _PreludeEnd:
    """Put last in a prelude: when pickle reaches it, the prelude's nodes are all pickled."""

    def __init__(self, ids: set[int]) -> None:
        self.ids = ids

    def __reduce__(self) -> tuple[Any, ...]:
        pending = _pickling.pending
        if pending is not None:
            pending -= self.ids
        return (type(None), ())


def pickle_prelude(node: Value) -> tuple[Any, ...]:
    """The op nodes above node, parents first, for pickle to save before node's own fields, so
    each node's operands are already saved when it is reached.  A node already in a prelude
    being pickled needs none of its own (it is pending until pickle reaches it)."""
    pending = _pickling.pending
    if pending is None:
        pending = _pickling.pending = set()
    if id(node) in pending:
        pending.discard(id(node))
        return ()
    if not node.op:
        return ()
    above = [n for n in graph.topological_order(node)[:-1] if n.op]
    if not above:
        return ()
    ids = {id(n) for n in above}
    pending |= ids
    return (*above, _PreludeEnd(ids))


def copy_node(node: Value) -> Value:
    """copy.copy(node): a new node made by the same op from the same operands."""
    return graph.locked(_copy_node, node)  # no other thread's replay written in meanwhile


def _copy_node(node: Value) -> Value:
    graph.settle((node,))  # a Tape's replay pending here is applied first
    new = object.__new__(type(node))
    restore(new, node.__getstate__())
    return new


def copy_graph(root: Value, memo: dict[int, Any]) -> Value:
    """copy.deepcopy(root): the whole graph below root, parents before children (no recursion);
    nodes already copied (in memo) are reused."""
    return graph.locked(_copy_graph, root, memo)  # no other thread's replay written in meanwhile


def _copy_graph(root: Value, memo: dict[int, Any]) -> Value:
    keep = memo.setdefault(id(memo), [])  # as copy.deepcopy does: keep originals alive
    for node in graph.topological_order(root):
        if id(node) in memo:
            continue
        state = list(node.__getstate__())
        for i in (3, 5):  # the operands a and b
            if state[i] is not None and type(state[i]) is not float:
                state[i] = memo[id(state[i])]
        new = object.__new__(type(node))
        restore(new, tuple(state))
        memo[id(node)] = new
        keep.append(node)
    return memo[id(root)]


def restore(node: Value, state: tuple[Any, ...]) -> None:
    """Set node's fields from a state of Value.__getstate__ (pickle, copies).  An op that is not
    registered (a user's primitive not defined in this process) is a clear error."""
    (node.data, node.grad, node.label, node._a, node._da, node._b, node._db, op,
     made) = state[-9:]
    if op and op not in registered:
        raise TypeError(f"this graph has a node made by the op {op!r}, which is not registered: "
                        f"define it (autograd.primitive({op!r}, ...)) before loading the graph")
    node._op = op
    node._g = 0.0
    if made is not None:
        node._made = made


# the registry of ops (value.PRIMITIVES, set by value.py as it loads: copies.py is below it)
registered: Mapping[str, Any] = {}
