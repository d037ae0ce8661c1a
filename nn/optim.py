"""Optimizers: SGD (with momentum) and Adam. They update .data in place, outside any graph."""

from __future__ import annotations

import math
from typing import Any, Iterable

from autograd import Value
from autograd.engine import value_list as _value_list

from .module import _describe, _is_number

__all__ = ["SGD", "Adam"]


def _check_params(params: Any, who: str) -> list[Value]:
    ps = _value_list(params, who, "params", hint=" (e.g. model.parameters())", one="v")
    if not ps:
        raise ValueError(f"{who} got an empty list of parameters")
    return ps


def _check_number(x: Any, what: str, lo: float, hi: float, *, lo_open: bool, hi_open: bool) -> float:
    if not _is_number(x):
        raise TypeError(f"{what} must be a number, got {_describe(x)}")
    x = float(x)
    ok = (x > lo if lo_open else x >= lo) and (x < hi if hi_open else x <= hi)
    if not ok:
        interval = f"{'(' if lo_open else '['}{lo}, {hi}{')' if hi_open else ']'}"
        raise ValueError(f"{what} must be in {interval}, got {x}")
    return x


class _Optimizer:
    def __init__(self, params: Iterable[Value], who: str):
        self.params = _check_params(params, who)

    def zero_grad(self) -> None:
        """Set every parameter's .grad to 0.0."""
        for p in self.params:
            p.grad = 0.0


class SGD(_Optimizer):
    """p -= lr * v with v = momentum * v + grad (momentum 0: plain gradient descent)."""

    def __init__(self, params: Iterable[Value], lr: float = 0.1, momentum: float = 0.0):
        super().__init__(params, "SGD")
        self.lr = _check_number(lr, "SGD lr", 0.0, math.inf, lo_open=True, hi_open=True)
        self.momentum = _check_number(momentum, "SGD momentum", 0.0, 1.0,
                                      lo_open=False, hi_open=True)
        self._velocity = [0.0] * len(self.params)

    def step(self) -> None:
        """Move each parameter against its gradient."""
        lr, mu, v = self.lr, self.momentum, self._velocity
        for i, p in enumerate(self.params):
            v[i] = mu * v[i] + p.grad
            p.data -= lr * v[i]


class Adam(_Optimizer):
    """Adam (Kingma & Ba, 2015) with bias correction."""

    def __init__(self, params: Iterable[Value], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8):
        super().__init__(params, "Adam")
        self.lr = _check_number(lr, "Adam lr", 0.0, math.inf, lo_open=True, hi_open=True)
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise TypeError(f"Adam betas must be a pair (beta1, beta2), got {_describe(betas)}")
        self.betas = (_check_number(betas[0], "Adam betas[0]", 0.0, 1.0, lo_open=False, hi_open=True),
                      _check_number(betas[1], "Adam betas[1]", 0.0, 1.0, lo_open=False, hi_open=True))
        self.eps = _check_number(eps, "Adam eps", 0.0, math.inf, lo_open=False, hi_open=True)
        self._m = [0.0] * len(self.params)
        self._v = [0.0] * len(self.params)
        self._t = 0

    def step(self) -> None:
        """One Adam update from the current gradients."""
        self._t += 1
        b1, b2 = self.betas
        c1 = 1.0 - b1 ** self._t
        c2 = 1.0 - b2 ** self._t
        m, v = self._m, self._v
        for i, p in enumerate(self.params):
            g = p.grad
            m[i] = b1 * m[i] + (1.0 - b1) * g
            v[i] = b2 * v[i] + (1.0 - b2) * g * g
            p.data -= self.lr * (m[i] / c1) / (math.sqrt(v[i] / c2) + self.eps)
