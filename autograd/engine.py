"""The engine: topological order, the chain rule in reverse (backward, grad), and no_grad.

Everything here only reads the operands and local derivatives stored on each Value.
"""

from __future__ import annotations

import functools
import sys
import threading
from contextlib import contextmanager
from typing import Any, Callable, Iterable, Protocol, Sequence, TypeVar

from . import value as _value
from .value import DERIVATIVES, Value, _as_float, _describe, _value_list

__all__ = ["topological_order", "backward", "grad", "no_grad", "is_grad_enabled",
           "backward_interceptor"]

F = TypeVar("F", bound=Callable[..., Any])


def _check_value(v: Any, what: str) -> None:
    if not isinstance(v, Value):
        raise TypeError(f"{what} must be a Value, got {_describe(v)}")


def _check_seed(grad: Any) -> float:
    g = _as_float(grad)
    if g is None or isinstance(grad, Value):
        raise TypeError(f"backward(grad=...) needs a number, got {_describe(grad)}")
    return g


def topological_order(root: Value) -> list[Value]:
    """Every node root depends on, root included, each after all of its parents.

    Iterative depth-first search with an explicit stack (no recursion limit), giving the
    post-order of the recursive search: deterministic, parents visited in operand order.
    """
    _check_value(root, "the root")
    order: list[Value] = []
    visited: set[Value] = set()
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
    return order


def backward(root: Value, grad: float = 1.0) -> None:
    """Reverse mode from root: n.grad += grad * d root / d n for every n that root depends on.

    Each node's upstream gradient is accumulated in its private _g field, used once when the
    node is reached, and reset to 0.0; so a call adds only its own contributions, and calling
    twice adds exactly twice.
    """
    _check_value(root, "backward() root")
    seed = _check_seed(grad)
    if _intercepted(root, seed):
        return
    if _hooks.anomaly is not None:  # detect_anomaly(): a pass that checks every step (check.py)
        _hooks.anomaly.backward(root, seed)
        return
    order = topological_order(root)
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


def grad(output: Value, inputs: Sequence[Value] | Iterable[Value], *,
         create_graph: bool = False) -> list[Value]:
    """d output / d x for each x in inputs, as Values, without touching any .grad.

    An input that output does not depend on gets Value(0.0).  With create_graph=True the results
    are built from differentiable ops (the rules in DERIVATIVES applied to Values), so they can be
    differentiated again, to any order.
    """
    _check_value(output, "grad() output")
    xs = _value_list(inputs, "grad(output, inputs)", "inputs")
    if not create_graph and _hooks.anomaly is not None:  # detect_anomaly(): a checked pass
        return _hooks.anomaly.grad(output, xs)
    order = topological_order(output)
    if not create_graph:
        wanted = set(xs)
        found: dict[Value, float] = {}
        output._g = 1.0
        try:
            for node in reversed(order):
                g = node._g
                node._g = 0.0
                if node in wanted:
                    found[node] = g
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
        return [Value(found.get(x, 0.0)) for x in xs]

    # create_graph: the same rules applied to Values; upstream gradients are Values (or the
    # float 1.0 at the root), so every result is itself differentiable.
    grads: dict[Value, Any] = {output: 1.0}
    for node in reversed(order):
        g = grads.get(node)
        if g is None or not node.op:
            continue
        rules = DERIVATIVES[node.op]
        args = (node._a, node) if len(rules) == 1 else (node._a, node._b, node)
        for parent, stored, rule in zip((node._a, node._b), (node._da, node._db), rules):
            if stored is not None:  # None: a constant operand, not a parent
                contribution = _times(rule(*args), g)
                grads[parent] = contribution if parent not in grads else grads[parent] + contribution
    return [g if isinstance(g, Value) else Value(g) for g in (grads.get(x, 0.0) for x in xs)]


def _times(local: Any, g: Any) -> Any:
    """local * g, skipping the multiplication by the constants 1 and -1."""
    if type(local) is float:
        if local == 1.0:
            return g
        if local == -1.0:
            return -g
    return local * g


# ---------------------------------------------------------------------------------------------
# backward_interceptor (a minimal local stand-in for the lead's version on main)

_interception = threading.local()


@contextmanager
def backward_interceptor(fn: Callable[[Value, float, Any], bool]) -> Any:
    """While installed, in this thread, backward() first calls fn(root, seed, frame) (frame: the
    user's frame that called backward()); fn returning True means it ran the pass itself.
    backward() calls made while fn runs are not intercepted."""
    saved = getattr(_interception, "fn", None)
    _interception.fn = fn
    try:
        yield fn
    finally:
        _interception.fn = saved


def _intercepted(root: Value, seed: float) -> bool:
    fn = getattr(_interception, "fn", None)
    if fn is None:
        return False
    frame = sys._getframe(1)
    while frame.f_back is not None and frame.f_globals.get("__name__", "").split(".")[0] in ("autograd", "nn"):
        frame = frame.f_back
    _interception.fn = None
    try:
        return bool(fn(root, seed, frame))
    finally:
        _interception.fn = fn


# ---------------------------------------------------------------------------------------------
# no_grad

_no_grad_depth = 0


def is_grad_enabled() -> bool:
    """False inside no_grad()."""
    return _no_grad_depth == 0


def _strip(out: Value) -> None:
    out.op = ""
    out._a = out._b = out._da = out._db = None


class no_grad:
    """Context manager and decorator: Values made inside have no parents (they are leaves).

    Use it for updates and evaluation, where no gradient is wanted and no graph should be kept.
    """

    def __new__(cls, func: Callable[..., Any] | None = None) -> Any:
        """no_grad() is the context manager; @no_grad and @no_grad() both decorate (as in torch)."""
        self = super().__new__(cls)
        if func is None:
            return self
        if not callable(func):
            raise TypeError(f"no_grad() takes no arguments (use `with no_grad():` or @no_grad), "
                            f"got {_describe(func)}")
        return self(func)

    def __enter__(self) -> no_grad:
        global _no_grad_depth
        _no_grad_depth += 1
        _hooks.refresh()
        return self

    def __exit__(self, *exc: object) -> None:
        global _no_grad_depth
        _no_grad_depth -= 1
        _hooks.refresh()

    def __call__(self, func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with no_grad():
                return func(*args, **kwargs)
        return wrapper  # type: ignore[return-value]


class _AnomalyMode(Protocol):
    """What detect_anomaly() installs (check.py): a check of each new op result, and the
    checked passes that backward() and grad() hand over to while it is on."""

    def __call__(self, out: Value) -> None: ...
    def backward(self, root: Value, seed: float) -> None: ...
    def grad(self, output: Value, inputs: list[Value]) -> list[Value]: ...


class _Hooks:
    """Runs the per-node hooks that are on (anomaly mode, then no_grad) on each new op result."""

    def __init__(self) -> None:
        self.anomaly: _AnomalyMode | None = None

    def refresh(self) -> None:
        if self.anomaly is None and _no_grad_depth == 0:
            _value._hook = None
        else:
            _value._hook = self

    def __call__(self, out: Value) -> None:
        if self.anomaly is not None:
            self.anomaly(out)
        if _no_grad_depth:
            _strip(out)


_hooks = _Hooks()
