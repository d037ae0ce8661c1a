"""Modes, per thread, as PyTorch's grad mode is: no_grad() and anomaly mode (detect_anomaly).

Entering a mode in a thread affects only the Values made in that thread.  While no thread has a
mode on, making a node costs one `is not None` check (value._hook and value._leaf_hook); while any
thread has one on, each new node is shown to this thread's modes.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from . import value as _value
from ._util import describe

if TYPE_CHECKING:
    from .engine import Sweep
    from .value import Value

__all__ = ["no_grad", "is_grad_enabled", "is_anomaly_enabled", "anomaly_mode", "AnomalyChecker",
           "set_anomaly_checker", "modes", "checker"]

F = TypeVar("F", bound=Callable[..., Any])


class _Modes(threading.local):
    no_grad = 0   # depth of no_grad() in this thread
    anomaly = 0   # depth of detect_anomaly() in this thread


modes = _Modes()
_mode_lock = threading.Lock()
_active = 0  # mode contexts entered and not left, in all threads: the hooks are on while > 0


def is_grad_enabled() -> bool:
    """False inside no_grad() in this thread."""
    return modes.no_grad == 0


def is_anomaly_enabled() -> bool:
    """True inside detect_anomaly() in this thread."""
    return modes.anomaly > 0


def _on_new_node(out: Value) -> None:
    """value._hook while any thread has a mode on: this thread's modes act on the new node."""
    if modes.anomaly and checker is not None:
        checker.made(out)
    if modes.no_grad:
        out._op = ""
        out._a = out._b = out._da = out._db = None


def _on_new_leaf(v: Value) -> None:
    if modes.anomaly and checker is not None:
        checker.leaf(v)


def _switch(mode: str, by: int) -> None:
    """Change this thread's depth of mode by +-1; RuntimeError for leaving a mode not entered."""
    global _active
    depth = getattr(modes, mode)
    if by < 0 and depth == 0:
        raise RuntimeError(f"leaving {mode} mode, which was not entered in this thread")
    with _mode_lock:
        setattr(modes, mode, depth + by)
        _active += by
        on = _active > 0
        _value._hook = _on_new_node if on else None
        _value._leaf_hook = _on_new_leaf if on else None


class _ModeContext:
    """A context manager that enters mode in the thread that enters it; reusable and
    re-entrant, and leaving one that this thread did not enter is a RuntimeError."""

    mode = ""

    def __init__(self) -> None:
        self._entered: list[int] = []  # the threads that entered this object, innermost last

    def __enter__(self) -> Any:
        _switch(self.mode, +1)
        with _mode_lock:  # one object may be entered by several threads at once
            self._entered.append(threading.get_ident())
        return self

    def __exit__(self, *exc: object) -> None:
        me = threading.get_ident()
        with _mode_lock:
            if me not in self._entered:
                raise RuntimeError(f"{type(self).__name__}.__exit__() without __enter__() in "
                                   f"this thread")
            del self._entered[len(self._entered) - 1 - self._entered[::-1].index(me)]
        _switch(self.mode, -1)


class no_grad(_ModeContext):
    """Context manager and decorator: Values made inside have no parents (they are leaves).

    Use it for updates and evaluation, where no gradient is wanted and no graph should be kept.
    It acts in the thread that enters it only.  As a decorator it covers each call, and each
    resumption of a generator function.
    """

    mode = "no_grad"

    def __new__(cls, func: Callable[..., Any] | None = None) -> Any:
        """no_grad() is the context manager; @no_grad and @no_grad() both decorate (as in torch)."""
        self = super().__new__(cls)
        if func is None:
            return self
        if not callable(func):
            raise TypeError(f"no_grad() takes no arguments (use `with no_grad():` or @no_grad), "
                            f"got {describe(func)}")
        _ModeContext.__init__(self)
        return self(func)

    def __call__(self, func: F) -> F:
        import inspect  # here, not at the top: `import autograd` stays cheap (tests/test_imports.py)

        if inspect.isgeneratorfunction(func):
            @functools.wraps(func)
            def generator(*args: Any, **kwargs: Any) -> Any:
                return (yield from _each_step_under(no_grad, func(*args, **kwargs)))
            return generator  # type: ignore[return-value]

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with no_grad():
                return func(*args, **kwargs)
        return wrapper  # type: ignore[return-value]


def _each_step_under(context: Callable[[], Any], gen: Any) -> Any:
    """Run the generator gen with context entered around each of its steps (not around the
    caller's code between them), passing sent values, thrown exceptions and close() through;
    returns gen's return value."""
    resume: Callable[[], Any] = gen.__next__
    while True:
        try:
            with context():
                response = resume()
        except StopIteration as stop:
            return stop.value
        try:
            request = yield response
        except GeneratorExit:
            with context():
                gen.close()
            raise
        except BaseException as e:
            resume = functools.partial(gen.throw, e)
        else:
            resume = functools.partial(gen.send, request)


# ---------------------------------------------------------------------------------------------
# Anomaly mode: the engine checks each pass; check.py records where Values were made and words
# the error

class AnomalyChecker(Protocol):
    """What check.py registers: called on new nodes, and when a pass finds a bad gradient."""

    def made(self, out: Value) -> None: ...
    def leaf(self, v: Value) -> None: ...
    def replayed(self, out: Value, root: Value) -> BaseException: ...
    def failed(self, what: str, sweep: Sweep, index: int, node: Value, g: float,
               term: tuple[Value, float, float, float] | None) -> BaseException: ...


checker: AnomalyChecker | None = None


def set_anomaly_checker(new: AnomalyChecker) -> None:
    """Register the checker that detect_anomaly() relies on (check.py does, once)."""
    global checker
    checker = new


class anomaly_mode(_ModeContext):
    """This thread's anomaly mode, entered and left (check.detect_anomaly builds on it)."""

    mode = "anomaly"

