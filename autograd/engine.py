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
    explain (explain.py)         PathGraph (to be a Sweep)    test_explain.py: on_random_graphs_the_total
    gradcheck (check.py)         grad()                       test_passes.py: gradchecks_analytic
    Tape (tape/codegen.py)       generated code of this loop  test_tape.py: replay_equals_a_rebuild

(each test's name is test_ followed by the words shown, and more)

Passes are independent.  A pass's upstream gradients belong to that pass:
- backward() is the fast path.  It sums upstream gradients in each node's _g slot, which only
  the holder of the engine's lock may use, and it holds that lock for the whole pass (it runs no
  user code meanwhile), so no other pass, in this thread or another, sees them.  The same lock
  makes every write to .grad atomic, so two threads back-propagating into shared leaves add
  both contributions exactly.
- Every other pass (grad(), the stepper, to_json and the player, gradcheck, anomaly checking)
  is a Sweep: the same loop with the upstream sums in a dict of its own, yielding one node at a
  time, so it can be inspected, nested or abandoned at any point.

The modes (no_grad, detect_anomaly) live in modes.py, per thread; backward() and grad() check
anomaly mode once per call, and run a checked Sweep while it is on.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
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
           "is_grad_enabled", "is_anomaly_enabled", "writing_grads", "backward_interceptor",
           "check_value", "value_list", "check_seed", "AnomalyChecker", "set_anomaly_checker",
           "anomaly_mode", "set_pending", "settle",
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

_lock = threading.Lock()
_owner: int | None = None  # the thread holding _lock, while it holds it


class writing_grads:
    """Hold the engine's lock: no other thread's pass writes .grad (or uses _g) meanwhile.

    Re-entrant within a thread (a pass started from a signal handler in the middle of another).
    A plain class, not a generator: the stepper enters it at every step (backward() inlines it).
    """

    __slots__ = ("outer",)

    def __enter__(self) -> None:
        global _owner
        me = threading.get_ident()
        self.outer = _owner != me  # the outermost hold in this thread takes the lock
        if self.outer:
            # one line: no signal handler (Ctrl-C) runs between the two, which would leave the
            # lock taken with no __exit__ to come
            _lock.acquire(); _owner = me  # noqa: E702

    def __exit__(self, *exc: object) -> None:
        global _owner
        if self.outer:
            _owner = None; _lock.release()  # noqa: E702


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
        self.order = topological_order(root) if order is None else order
        self.upstream: dict[Value, Any] = {root: seed}
        if local is None:
            self._zero: Any = 0.0
            self._edges = [(node, node._a, node._da, node._b, node._db)
                           for node in reversed(self.order)]
        else:
            self._zero = _NOTHING
            self._edges = [(node, node._a, da, node._b, db)
                           for node in reversed(self.order) for da, db in (local(node),)]

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
    order = topological_order(root)
    global _owner
    me = threading.get_ident()
    if _owner == me:  # inside another pass of this thread: a Sweep's own sums
        for node, g, _ in Sweep(root, seed, order):
            node.grad += g
        return
    with _lock:  # writing_grads() inlined: this is the hot path (about 0.3 us a call less)
        _owner = me
        root._g = seed
        try:
            for node in reversed(order):
                g = node._g
                node._g = 0.0
                node.grad += g
                da = node._da
                if da is not None:
                    node._a._g += da * g
                db = node._db
                if db is not None:
                    node._b._g += db * g
        except BaseException:
            for node in order:
                node._g = 0.0
            raise
        finally:
            _owner = None


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
    # whose upstream sums are Values, or the float 1.0 at the root): differentiable results
    order = topological_order(output)  # first: any pending replay is applied outside strict
    strict = _value.strict
    outer, strict.on = strict.on, True  # float() of a Value, or comparing it, is a TypeError
    try:
        sweep = Sweep(output, 1.0, order, local=_rules_on_values)
    finally:
        strict.on = outer
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
            return _unit(rules[0](a, node)), None
        b = node._b
        da = None if node._da is None else _unit(rules[0](a, b, node))
        db = None if node._db is None else _unit(rules[1](a, b, node))
    except Exception as e:
        raise TypeError(f"grad(create_graph=True): the derivative rule of op {op!r} works only "
                        f"on floats ({type(e).__name__}: {e}); write it with + - * / ** and "
                        "autograd.ops' functions so that it also works on Values") from e
    return da, db


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

_interceptor: tuple[int, Callable[[Value, float, FrameType], bool]] | None = None
_intercepting = threading.local()


def intercepting() -> bool:
    """Whether a backward_interceptor is active at all (a Tape asks before it syncs)."""
    return _interceptor is not None


def intercepted(root: Value, seed: float) -> bool:
    """For a pass that is backward() by another name (Tape.backward()): True when the active
    interceptor of this thread ran it itself, as backward() would be."""
    return _interceptor is not None and _intercept(root, seed)


def _intercept(root: Value, seed: float) -> bool:
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
        return fn(root, seed, frame)
    finally:
        _intercepting.on = False
        del frame


@contextmanager
def backward_interceptor(fn: Callable[[Value, float, FrameType], bool]) -> Iterator[None]:
    """While active, in this thread, each backward(seed) call on a root first calls
    fn(root, seed, frame), frame being the user's frame that called backward().  fn returns
    True when it ran the pass itself (the stepper), False to let backward() run it.  Calls
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
    (apply: add each node's gradient to its .grad, as backward() does)."""
    checker = _modes_mod.checker
    assert checker is not None
    isfinite = finite
    for index, (node, g, terms) in enumerate(sweep):
        if not isfinite(g):  # only the seed can get here: every other g is a checked total
            raise checker.failed(what, sweep, index, node, g, None)
        for term in terms:
            if not (isfinite(term[2]) and isfinite(term[3])):
                raise checker.failed(what, sweep, index, node, g, term)
        if apply:
            with writing_grads():
                node.grad += g


_value.run_backward = backward  # Value.backward's one call into the engine (value.py)
