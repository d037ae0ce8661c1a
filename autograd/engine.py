"""The engine: topological order and every pass of the chain rule in reverse.

Two loops apply the chain rule: backward()'s fast path and Sweep.  Every other pass is a Sweep,
and a test proves that each gives exactly backward()'s numbers (same additions, same order):

    pass                         built on                     proved equal to backward() in tests/
    backward() (fast path)       _g slots, under the lock     (the reference)
    Sweep                        its own dict of sums         test_steps.py: stepping_and_backward_agree
    backward_steps (debug/)      Sweep over the whole graph   test_steps.py: stepping_and_backward_agree
    grad()                       Sweep                        test_properties.py: backward_equals_grad
    grad(create_graph=True)      Sweep, rules on Values       test_properties.py: grad_with_create_graph
    fold (viz/fold.py)           Sweep over a neuron call     test_passes.py: folding_a_neuron_call
    explain (explain.py)         Sweep over the path graph    test_explain.py: on_random_graphs_the_total
    gradcheck (check.py)         grad()                       test_passes.py: gradchecks_analytic
    Tape (tape/codegen.py)       generated code of this loop  test_tape.py: replay_equals_a_rebuild

(each test's name is test_ followed by the words shown, and more)

Passes are independent.  A pass's upstream gradients belong to that pass:
- backward() is the fast path.  It sums upstream gradients in each node's _g slot, which only
  the holder of the engine's lock may use, and it holds that lock for the whole pass, ordering
  included (it runs no user code meanwhile), so no other pass, in this thread or another, sees
  them, and no other thread's Tape replay is written into the graph while it reads it.  The same lock
  makes every write to .grad atomic, so two threads back-propagating into shared leaves add
  both contributions exactly.
- Every other pass (grad(), the stepper, to_json and the player, gradcheck, anomaly checking)
  is a Sweep: the same loop with the upstream sums in a dict of its own, yielding one node at a
  time, so it can be inspected, nested or abandoned at any point.  It reads the graph's edges
  and local derivatives under the lock when it is made.

The modes (no_grad, detect_anomaly) live in modes.py, per thread; backward() and grad() check
anomaly mode once per call, and run a checked Sweep while it is on.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import copy_context
from types import FrameType
from typing import Any

from . import graph as _graph
from . import modes as _modes_mod
from . import value as _value
from ._util import as_float, describe, finite
from .conventions import is_library_frame, list_of
from .graph import set_pending, settle
from .modes import (
    AnomalyChecker,
    anomaly_mode,
    is_anomaly_enabled,
    is_grad_enabled,
    no_grad,
    set_anomaly_checker,
)
from .modes import modes as _modes
from .value import PRIMITIVES, Value

__all__ = ["topological_order", "backward", "grad", "Sweep", "checked", "no_grad",
           "is_grad_enabled", "is_anomaly_enabled", "locked", "backward_interceptor",
           "check_value", "value_list", "check_seed", "AnomalyChecker", "set_anomaly_checker",
           "anomaly_mode", "set_pending", "settle", "add_grads",
           "intercepting", "intercepted"]

# ---------------------------------------------------------------------------------------------
# Checking arguments (shared by every public entry point)

def check_value(v: Any, what: str) -> None:
    """A TypeError unless v is a Value; what names the argument ("backward() root")."""
    if not isinstance(v, Value):
        raise TypeError(f"{what} must be a Value, got {describe(v)}")


def check_seed(grad: Any) -> float:
    """The seed of a pass (backward(grad=...)) as a float, or a TypeError."""
    g = as_float(grad)
    if g is None or isinstance(grad, Value):
        raise TypeError(f"backward(grad=...) needs a number, got {describe(grad)}")
    return g


def value_list(items: Any, who: str, name: str) -> list[Value]:
    """items as a list of Values, or a TypeError saying that who's argument name takes one."""
    return list_of(items, who, name, _is_value, "Values", "a Value")


def _is_value(x: Any) -> bool:
    return isinstance(x, Value)


# ---------------------------------------------------------------------------------------------
# Topological order

# The order and pending replays live in graph.py (below value.py); the engine checks the root.

def topological_order(root: Value) -> list[Value]:
    """Every node root depends on, root included, each after all of its parents (graph.py), with
    any pending Tape replay on them applied first; a TypeError unless root is a Value."""
    check_value(root, "the root")
    return _graph.topological_order(root)


# ---------------------------------------------------------------------------------------------
# The lock over .grad and the _g slots

# The lock is graph.py's (copies.py, below the engine, reads graphs holding it too).
_lock = _graph.lock
_held: Callable[[], bool] = _lock._is_owned  # type: ignore[attr-defined]  # by this thread
locked = _graph.locked


# ---------------------------------------------------------------------------------------------
# The passes

class Sweep:
    """One reverse pass over root's graph with upstream sums of its own, one node at a time.

    Iterating yields (node, upstream, terms) for each node in reversed topological order, after
    sending its upstream gradient to its parents: terms holds (parent, local, contribution,
    total) per parent, total being the parent's upstream sum right after that contribution.
    `upstream[node]` is node's sum so far (complete once node has been yielded).  It never
    touches .grad; nothing but its owner sees its sums.  The graph's local derivatives are
    read when the Sweep is made, so a Tape syncing new numbers into the graph in the middle of
    the pass cannot change the rest of it.

    local(node) -> (d node / d _a, d node / d _b), None where the operand is not a parent, gives
    the local derivatives instead of the stored floats: grad(create_graph=True) passes the rules
    evaluated on Values, so the same loop sums Values (starting from nothing, not 0.0, and
    skipping products by the constants 1 and -1, so no node is made for them).
    """

    __slots__ = ("root", "order", "upstream", "_edges", "_zero")

    def __init__(self, root: Value, seed: Any = 1.0, order: list[Value] | None = None,
                 local: Callable[[Value], tuple[Any, Any]] | None = None) -> None:
        self.root = root
        self.order, self._edges = locked(_edges, root, order, local)
        self.upstream: dict[Value, Any] = {root: seed}
        self._zero: Any = 0.0 if local is None else _NOTHING

    def __len__(self) -> int:
        return len(self.order)

    def __iter__(self) -> Iterator[tuple[Value, Any, list[tuple[Value, Any, Any, Any]]]]:
        up = self.upstream
        get = up.get
        zero = self._zero
        for node, a, da, b, db in self._edges:
            g = up[node]
            terms: list[tuple[Value, Any, Any, Any]] = []
            if da is not None:  # the same additions, in the same order, as backward()'s loop
                c = da * g
                t = up[a] = get(a, zero) + c
                terms.append((a, da, c, t))
            if db is not None:
                c = db * g
                t = up[b] = get(b, zero) + c
                terms.append((b, db, c, t))
            yield node, g, terms


def _edges(root: Value, order: list[Value] | None,
           local: Callable[[Value], tuple[Any, Any]] | None) -> tuple[list[Value], list[tuple[Any, ...]]]:
    """root's order and (node, a, da, b, db) per node in reverse, read under the engine's lock:
    no other thread writes a replay into the graph meanwhile, and what is pending on it (also
    since order was made) is applied first.  da, db are the stored floats, or local(node)'s."""
    if order is None:
        order = topological_order(root)
    elif _graph.pending_replays:
        settle(order)
    if local is None:
        return order, [(node, node._a, node._da, node._b, node._db) for node in reversed(order)]
    return order, [(node, node._a, da, node._b, db)
                   for node in reversed(order) for da, db in (local(node),)]


class _Unit:
    """The constants 1 and -1 as local derivatives on Values (create_graph): 1 * g is g itself."""

    __slots__ = ("negative",)

    def __init__(self, negative: bool) -> None:
        self.negative = negative

    def __mul__(self, g: Any) -> Any:
        return -g if self.negative else g


class _Nothing:
    """The empty sum of a create_graph Sweep: nothing + c is c itself, not the node 0.0 + c."""

    __slots__ = ()

    def __add__(self, c: Any) -> Any:
        return c


_ONE, _MINUS_ONE, _NOTHING = _Unit(False), _Unit(True), _Nothing()


def backward(root: Value, grad: float = 1.0) -> None:
    """Reverse mode from root: n.grad += grad * d root / d n for every n that root depends on.

    Each node's upstream gradient is summed in its _g slot, used once when the node is reached,
    and reset to 0.0; so a call adds only its own contributions, and calling twice adds
    exactly twice.  The slots are used under the engine's lock (see the module's docstring).
    """
    check_value(root, "backward() root")
    seed = check_seed(grad)
    if _interceptor is not None and _intercept(root, seed):
        return
    if _value._hook is not None and _modes.anomaly:
        checked(Sweep(root, seed), "backward()", apply=True)
        return
    if _held():  # this thread holds the lock (another pass, a view, a replay): a Sweep's own sums
        sweep = Sweep(root, seed)
        add_grads(root, sweep.order, ((node, g) for node, g, _ in sweep))
        return
    order, bad = locked(_backward, root, seed)
    if bad:
        raise bad_grads(root, order, bad)


def _backward(root: Value, seed: float) -> tuple[list[Value], list[Value]]:
    """backward()'s loop over the _g slots, run holding the engine's lock: the order is made
    under it too, so what is pending on the graph is applied first and no other thread's replay
    is written into it while the pass reads it."""
    order = topological_order(root)
    bad: list[Value] = []  # nodes whose .grad is not a number (p.grad = None): left as they are
    try:
        root._g = seed
        nodes = reversed(order)
        while True:
            try:
                for node in nodes:
                    g = node._g
                    node._g = 0.0
                    node.grad += g
                    da = node._da
                    if da is not None:
                        node._a._g += da * g
                    db = node._db
                    if db is not None:
                        node._b._g += db * g
                break
            except TypeError:  # only node.grad += g can fail: every other operand is a float
                if as_float(node.grad) is not None:
                    raise
                bad.append(node)  # the pass goes on without it: every other grad is right
                if node._da is not None:
                    node._a._g += node._da * g
                if node._db is not None:
                    node._b._g += node._db * g
    except BaseException:
        for node in order:
            node._g = 0.0
        raise
    return order, bad


def add_grads(root: Value, order: list[Value], pairs: Iterable[tuple[Value, float]]) -> None:
    """node.grad += g for each (node, g), holding the engine's lock.  A node whose .grad is not
    a number is left as it is, every other node gets its gradient, and then a TypeError
    (bad_grads) names those nodes among order, root's nodes."""
    bad: list[Value] = []  # nodes whose .grad is not a number (p.grad = None): left as they are
    locked(_add_grads, pairs, bad)
    if bad:
        raise bad_grads(root, order, bad)


def _add_grads(pairs: Iterable[tuple[Value, float]], bad: list[Value]) -> None:
    for node, g in pairs:
        try:
            node.grad += g
        except TypeError:
            if as_float(node.grad) is not None:
                raise
            bad.append(node)


def bad_grads(root: Value, order: list[Value], bad: list[Value]) -> TypeError:
    """The error for nodes whose .grad is not a number, naming them as every view does."""
    from .names import caller_scope, node_names  # only on this error: names reads frames
    names = node_names(root, order, caller_scope())
    shown = ", ".join(f"{names[n]}.grad is {describe(n.grad)}" for n in bad[:5])
    more = f" (and {len(bad) - 5} more)" if len(bad) > 5 else ""
    return TypeError(f"backward(): .grad must be a float, but {shown}{more}; set it to 0.0 "
                     f"(zero_grad() does) rather than None.  Every other node received its "
                     f"gradient; these were left as they are")


def grad(output: Value, inputs: Sequence[Value] | Iterable[Value], *,
         create_graph: bool = False) -> list[Value]:
    """d output / d x for each x in inputs, as Values, without touching any .grad.

    An input that output does not depend on gets Value(0.0).  With create_graph=True the results
    are built from differentiable ops (the rules of PRIMITIVES applied to Values), so they can be
    differentiated again, to any order.
    """
    check_value(output, "grad() output")
    xs = value_list(inputs, "grad(output, inputs)", "inputs")
    if not create_graph:
        sweep = Sweep(output)
        if _value._hook is not None and _modes.anomaly:
            checked(sweep, "grad()", apply=False)
        else:
            for _ in sweep:
                pass
        found = sweep.upstream
        return [Value(found.get(x, 0.0)) for x in xs]

    # create_graph: a Sweep whose local derivatives are the rules evaluated on Values (and
    # whose upstream sums are Values, or the float 1.0 at the root): differentiable results.
    # The Sweep reads the graph under the engine's lock: no other thread's replay meanwhile.
    sweep = Sweep(output, 1.0, local=_rules_on_values)
    for _ in sweep:
        pass
    found = sweep.upstream
    return [g if isinstance(g, Value) else Value(g) for g in (found.get(x, 0.0) for x in xs)]


def _rules_on_values(node: Value) -> tuple[Any, Any]:
    """node's local derivatives (d node / d _a, d node / d _b) as its op's rules give them on
    Values, None where the operand is not a parent; the constants 1 and -1 as _ONE, _MINUS_ONE.
    A rule that works only on floats is a TypeError naming the op."""
    op = node.op
    if not op:
        return None, None
    p = PRIMITIVES.get(op)
    if p is None:
        raise TypeError(f"grad(create_graph=True): the op {op!r} of a node is not "
                        "registered (autograd.primitive); its derivative has no rule")
    rules = p.rules
    a = node._a
    try:
        if len(rules) == 1:
            return _on_values(rules[0], a, node), None
        b = node._b
        da = None if node._da is None else _on_values(rules[0], a, b, node)
        db = None if node._db is None else _on_values(rules[1], a, b, node)
    except Exception as e:
        raise TypeError(f"grad(create_graph=True): the derivative rule of op {op!r} works only "
                        f"on floats ({type(e).__name__}: {e}); write it with + - * / ** and "
                        "autograd.ops' functions so that it also works on Values") from e
    return da, db


def _on_values(rule: Callable[..., Any], *args: Any) -> Any:
    """rule(*args) on Values, strictly (see _strictly), in a context of its own, so strict is
    the caller's again however the rule ends; the constants 1 and -1 as _ONE, _MINUS_ONE."""
    return _unit(copy_context().run(_strictly, rule, args))


def _strictly(rule: Callable[..., Any], args: tuple[Any, ...]) -> Any:
    _value.strict.set(True)  # float() of a Value, or comparing it, is a TypeError
    return rule(*args)


def _unit(local: Any) -> Any:
    """local, or _ONE / _MINUS_ONE for the float constants 1 and -1."""
    if type(local) is float:
        if local == 1.0:
            return _ONE
        if local == -1.0:
            return _MINUS_ONE
    return local


# ---------------------------------------------------------------------------------------------
# Intercepting backward() (the terminal stepper, python -m autograd.debug)

_interceptor: tuple[int, Callable[..., bool]] | None = None
_intercepting = threading.local()


def intercepting() -> bool:
    """Whether a backward_interceptor is active at all (a Tape asks before it syncs)."""
    return _interceptor is not None


def intercepted(root: Value, seed: float, *, note: str = "") -> bool:
    """For a pass that is backward() by another name (Tape.backward()): True when the active
    interceptor of this thread ran it itself, as backward() would be.  note, when given, says
    what the pass is (a batched Tape's: the pass of one example) and reaches the interceptor."""
    return _interceptor is not None and _intercept(root, seed, note)


def _intercept(root: Value, seed: float, note: str = "") -> bool:
    assert _interceptor is not None
    thread, fn = _interceptor
    if thread != threading.get_ident() or getattr(_intercepting, "on", False):
        return False
    frame: FrameType | None = sys._getframe()
    while frame is not None and is_library_frame(frame):  # to the user's frame (conventions)
        frame = frame.f_back
    assert frame is not None
    _intercepting.on = True
    try:
        return fn(root, seed, frame, note=note) if note else fn(root, seed, frame)
    finally:
        _intercepting.on = False
        del frame


@contextmanager
def backward_interceptor(fn: Callable[..., bool]) -> Iterator[None]:
    """While active, in this thread, each backward(seed) call on a root first calls
    fn(root, seed, frame), frame being the user's frame that called backward() (and note=...
    when intercepted() gives one).  fn returns True when it ran the pass itself (the stepper),
    False to let backward() run it.  Calls
    made while fn runs are not intercepted.  One interceptor at a time."""
    global _interceptor
    if _interceptor is not None:
        raise RuntimeError("backward_interceptor(): another interceptor is active")
    _interceptor = (threading.get_ident(), fn)
    try:
        yield
    finally:
        _interceptor = None


# ---------------------------------------------------------------------------------------------
# Anomaly mode: the engine checks each pass; check.py words the error (modes.py)

def checked(sweep: Sweep, what: str, *, apply: bool) -> None:
    """Run sweep, raising the checker's error at the first step making a gradient nan or inf
    (apply: then add each node's gradient to its .grad, as backward() does; none is added when
    the checker raises)."""
    checker = _modes_mod.checker
    assert checker is not None
    isfinite = finite
    found: list[tuple[Value, float]] = []
    for index, (node, g, terms) in enumerate(sweep):
        if not isfinite(g):  # only the seed can get here: every other g is a checked total
            raise checker.failed(what, sweep, index, node, g, None)
        for term in terms:
            if not (isfinite(term[2]) and isfinite(term[3])):
                raise checker.failed(what, sweep, index, node, g, term)
        found.append((node, g))
    if apply:  # as backward() adds them: a .grad that is not a number is named, the rest added
        add_grads(sweep.root, sweep.order, found)


_value.run_backward = backward  # Value.backward's one call into the engine (value.py)
