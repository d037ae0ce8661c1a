"""Optimizers: SGD (with momentum) and Adam. They update .data in place, outside any graph.

Hyperparameters are checked when an optimizer is made (a ValueError names the one out of range);
step() follows IEEE 754 on any gradient (nan, inf, 0/0 with eps=0 give nan or inf, never an
exception) and computes every new number before it assigns any, so a step is applied whole or not
at all.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from autograd import Value
from autograd.conventions import describe, list_of
from autograd.ops import div

from .module import is_number

__all__ = ["SGD", "Adam"]


def _check_params(params: Any, who: str) -> list[Value]:
    ps = list_of(params, who, "params", lambda p: isinstance(p, Value), "Values", "a Value",
                 hint=" (e.g. model.parameters())", write="v")
    if not ps:
        raise ValueError(f"{who} got an empty list of parameters")
    first: dict[int, int] = {}
    for i, p in enumerate(ps):
        j = first.setdefault(id(p), i)
        if j != i:
            name = f" ({p.label!r})" if p.label else ""
            raise ValueError(f"{who}: params[{j}] and params[{i}] are the same Value{name}; "
                             f"give each parameter once (model.parameters() lists each once)")
    return ps


def _check_number(x: Any, what: str, lo: float, hi: float, *, lo_open: bool, hi_open: bool) -> float:
    """x as a float in the interval; TypeError for a non-number, ValueError out of range."""
    if not is_number(x):
        raise TypeError(f"{what} must be a number, got {describe(x)}")
    interval = f"{'(' if lo_open else '['}{lo}, {hi}{')' if hi_open else ']'}"
    try:
        value = float(x)
    except OverflowError:  # an int (or Fraction) too large for a float
        raise ValueError(f"{what} must be in {interval}, got {x!r:.40}, too large for a float") from None
    ok = (value > lo if lo_open else value >= lo) and (value < hi if hi_open else value <= hi)
    if not ok:  # nan fails every comparison, so it lands here too
        raise ValueError(f"{what} must be in {interval}, got {value}")
    return value


def _positive(x: Any, what: str) -> float:
    return _check_number(x, what, 0.0, math.inf, lo_open=True, hi_open=True)


def _fraction(x: Any, what: str) -> float:
    return _check_number(x, what, 0.0, 1.0, lo_open=False, hi_open=True)


class _Optimizer:
    """What SGD and Adam share: the parameters they update, and zero_grad()."""

    def __init__(self, params: Iterable[Value], who: str):
        self.params: list[Value] = _check_params(params, who)
        """The parameters this optimizer updates, in the order given (each once)."""

    def zero_grad(self) -> None:
        """Set every parameter's .grad to 0.0."""
        for p in self.params:
            p.grad = 0.0


class SGD(_Optimizer):
    """p -= lr * v with v = momentum * v + grad (momentum 0: plain gradient descent).

    lr must be in (0, inf), momentum in [0, 1).
    """

    def __init__(self, params: Iterable[Value], lr: float = 0.1, momentum: float = 0.0):
        super().__init__(params, "SGD")
        self.lr: float = _positive(lr, "SGD lr")
        """The learning rate (> 0); may be changed between steps."""
        self.momentum: float = _fraction(momentum, "SGD momentum")
        """The momentum, in [0, 1)."""
        self._velocity = [0.0] * len(self.params)

    def step(self) -> None:
        """Move each parameter against its gradient."""
        lr, mu = self.lr, self.momentum
        velocity = [mu * v + float(p.grad) for v, p in zip(self._velocity, self.params)]
        data = [p.data - lr * v for v, p in zip(velocity, self.params)]
        self._velocity = velocity
        for p, x in zip(self.params, data):
            p.data = x


class Adam(_Optimizer):
    """Adam (Kingma & Ba, 2015) with bias correction.

    lr must be in (0, inf), each of betas in [0, 1), eps in [0, inf).
    """

    def __init__(self, params: Iterable[Value], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8):
        super().__init__(params, "Adam")
        self.lr: float = _positive(lr, "Adam lr")
        """The learning rate (> 0); may be changed between steps."""
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise TypeError(f"Adam betas must be a pair (beta1, beta2), got {describe(betas)}")
        self.betas: tuple[float, float] = (_fraction(betas[0], "Adam betas[0]"),
                                           _fraction(betas[1], "Adam betas[1]"))
        """(beta1, beta2): the decay rates of the running means of the gradient and its square."""
        self.eps: float = _check_number(eps, "Adam eps", 0.0, math.inf, lo_open=False, hi_open=True)
        """Added to the square root of the second moment, so no step divides by zero."""
        self._m = [0.0] * len(self.params)
        self._v = [0.0] * len(self.params)
        self._t = 0

    def step(self) -> None:
        """One Adam update from the current gradients."""
        t = self._t + 1
        b1, b2 = self.betas
        c1 = 1.0 - b1 ** t  # in (0, 1]: b ** t < 1 for b in [0, 1) and t >= 1
        c2 = 1.0 - b2 ** t
        grads = [float(p.grad) for p in self.params]
        m = [b1 * mi + (1.0 - b1) * g for mi, g in zip(self._m, grads)]
        v = [b2 * vi + (1.0 - b2) * g * g for vi, g in zip(self._v, grads)]
        data = [p.data - self.lr * div(mi / c1, math.sqrt(vi / c2) + self.eps)
                for p, mi, vi in zip(self.params, m, v)]
        self._t, self._m, self._v = t, m, v
        for p, x in zip(self.params, data):
            p.data = x
