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
from typing import TYPE_CHECKING, Any

from . import engine

if TYPE_CHECKING:
    from .value import Value

__all__ = ["pickle_prelude"]


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
    above = [n for n in engine.topological_order(node)[:-1] if n.op]
    if not above:
        return ()
    ids = {id(n) for n in above}
    pending |= ids
    return (*above, _PreludeEnd(ids))
