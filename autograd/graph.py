"""The one topological order of a graph, and the Tape replays pending on its nodes.

Below value.py: it reads a node's slots (_a, _b, _da, _db) and imports nothing of
autograd, so value.py, copies.py and the engine all order graphs with it, with no import cycle.

Pending replays.  A Tape's forward() leaves its numbers in a Replay (autograd/tape/replay.py)
that every op node it recorded points to (the node's _r slot); the replay is pending until its
numbers are written into those nodes.  Every pass and view starts from topological_order(),
which applies the pending replays of the nodes it found (settle) before anyone reads them: one
C-level set test per pending replay (pending_replays), which iterates the smaller of the two
sets, so a small graph no pending replay touches pays about nothing beside a large replay.

The lock.  A replay is written into a graph holding `lock`, and the engine's passes and the
copies read a graph holding it (locked), so none of them sees another thread's replay half
written into what it reads.  The views (to_json, the player, draw, explain) read a graph holding
it too.  Only the terminal stepper, which shows .data as the user moves through a pass, reads
outside it: between two commands it may show a newer whole replay.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

__all__ = ["topological_order", "pending_replays", "set_pending", "settle", "lock", "locked"]

T = TypeVar("T")

# The one lock over graphs' numbers (the engine's lock: engine.py takes it as _lock).  A replay is
# written into a graph holding it, and every pass reads a graph holding it, so no pass sees
# another thread's replay half written into what it reads.  Re-entrant and written in C: taking
# it and giving it back are one C call each (no bytecode in between), and who holds it is the
# lock's own record, never a copy kept beside it; so a signal handler (Ctrl-C) or a finalizer
# run by the garbage collector can never leave it taken with nobody to give it back, nor make a
# thread wait for itself.
lock = threading.RLock()


def locked(fn: Callable[..., T], *args: Any) -> T:
    """fn(*args) holding the lock.

    Taken and given back on one line: a KeyboardInterrupt raised at any line boundary (a
    tracer's; the tests inject Ctrl-C so) lands before the lock is taken or inside fn (the
    `with` then gives it back), never after fn returned and before the release, as it could on
    the closing line of a `with` whose body spans lines."""
    with lock: return fn(*args)  # noqa: E701 - one line on purpose (see the docstring)


pending_replays: tuple[weakref.ref[Any], ...] = ()  # replaced whole, never changed in place


def set_pending(replay: Any, pending: bool) -> None:
    """Add replay to pending_replays, or take it out (the caller holds the lock)."""
    global pending_replays
    kept = tuple(r for r in pending_replays if r() not in (None, replay))
    pending_replays = kept + (weakref.ref(replay),) if pending else kept


def settle(nodes: Iterable[Any]) -> None:
    """Apply every pending replay that writes one of nodes: one C-level set test per pending
    replay.  This is the core's one upward call: replay.apply() (autograd/tape/replay.py),
    which writes a whole replay into its nodes at once, holding the lock, or nothing;
    replay.nodes is the set of nodes it writes."""
    for ref in pending_replays:
        replay = ref()
        if replay is not None and not replay.nodes.isdisjoint(nodes):
            replay.apply()


def topological_order(root: Any) -> list[Any]:
    """Every node root depends on, root included, each after all of its parents.

    Iterative depth-first search with an explicit stack (no recursion limit), giving the
    post-order of the recursive search: deterministic, parents visited in operand order.
    """
    order: list[Any] = []
    visited: set[Any] = set()
    stack: list[Any] = [root]
    push = stack.append
    pop = stack.pop
    add = visited.add
    emit = order.append
    # A node is expanded when first popped: if it has parents not yet visited, it goes back on
    # the stack under a None marker, then its parents (the first on top); popping the marker
    # means all of them are done, so the node below it is emitted.  One pass over each node.
    while stack:
        node = pop()
        if node is None:
            emit(pop())
            continue
        if node in visited:
            continue
        add(node)
        if node._db is not None and node._b not in visited:
            push(node)
            push(None)
            push(node._b)
            if node._da is not None and node._a not in visited:
                push(node._a)
        elif node._da is not None and node._a not in visited:
            push(node)
            push(None)
            push(node._a)
        else:
            emit(node)
    if pending_replays:  # a Tape's replay may be pending on these nodes: apply it first
        settle(visited)
    return order
