"""Losses: each returns one Value, the mean over the examples."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from autograd import Value
from autograd._util import describe

from .module import is_operand

__all__ = ["binary_cross_entropy", "hinge_loss", "mse_loss"]

# As PyTorch's BCELoss: each log is clamped below at -100, so p = 0 or 1 gives a finite loss, and
# its backward divides by max(p(1-p), 1e-12) instead of p(1-p), so the gradient there is large
# and points the right way (for target 1 at p = 0 it is -1e12, not 0).
_LOG_FLOOR = -100.0
_FLOOR = math.exp(_LOG_FLOOR)
_EPS = 1e-12  # PyTorch's EPSILON in that backward


def _pairs(pred: Any, target: Any, who: str) -> list[tuple[Any, Any]]:
    single = is_operand(pred)
    if single:
        if isinstance(target, (list, tuple)):
            raise ValueError(f"{who}: pred is one value but target is a list of {len(target)}")
        pairs = [(pred, target)]
    else:
        if not isinstance(pred, (list, tuple)) or not isinstance(target, (list, tuple)):
            raise TypeError(f"{who} takes a Value and a number, or two lists of the same length; "
                            f"got {describe(pred)} and {describe(target)}")
        if len(pred) != len(target):
            raise ValueError(f"{who}: pred has {len(pred)} items but target has {len(target)}")
        if not pred:
            raise ValueError(f"{who}: pred and target are empty")
        pairs = list(zip(pred, target))
    for p, t in pairs:
        for x, what in ((p, "pred"), (t, "target")):
            if not is_operand(x):
                raise TypeError(f"{who}: each {what} must be a number or a Value, got {describe(x)}")
    return pairs


def _mean(terms: list[Any]) -> Value:
    total = sum(terms[1:], terms[0])
    loss = total * (1.0 / len(terms)) if len(terms) > 1 else total
    return loss if isinstance(loss, Value) else Value(loss)


def mse_loss(pred: Value | Sequence[Value], target: Any) -> Value:
    """Mean squared error: mean of (pred - target)**2.

    pred is one Value or a list of them; target a number, a Value, or a list as long as pred.
    A target given as a Value stays in the graph (a Tape can then replay it with new data).

        C = mse_loss(net(1.5), 0.2)                  # one example: (y_hat - 0.2)**2
        C = mse_loss([net(x) for x in xs], ys)       # the mean over a list
    """
    return _mean([(p - t) ** 2 for p, t in _pairs(pred, target, "mse_loss")])


def _log_clamped(q: Any) -> Any:
    """max(log q, -100) for q in [0, 1]; where the clamp holds, its slope is 1e12, not 0.

    That is PyTorch's BCELoss: its forward clamps each log at -100, and its backward is
    (p - t) / max(p(1-p), 1e-12) rather than the clamp's zero slope, so at p = 0 with target 1
    both give -1e12. Above the clamp the slope is the exact 1/q. A nan stays nan.
    """
    value = q.data if isinstance(q, Value) else float(q)
    if value > _FLOOR or math.isnan(value):
        return q.log() if isinstance(q, Value) else math.log(value)
    if not isinstance(q, Value):
        return _LOG_FLOOR
    # -100 as the value, and slope 1/1e-12 through a term whose value is 0.
    return (q - value) * (1.0 / _EPS) + _LOG_FLOOR


def _bce_one(p: Any, t: float) -> Any:
    value = p.data if isinstance(p, Value) else float(p)
    if not (0.0 <= value <= 1.0 or math.isnan(value)):
        raise ValueError(f"binary_cross_entropy: predictions must be probabilities in [0, 1] "
                         f"(as after sigmoid), got {value}")
    if isinstance(p, Value) and p.op == "sigmoid" and (value <= _FLOOR or value == 1.0):
        # A sigmoid saturated to 0 or 1 in floating point: log would clamp and lose the exact
        # gradient, so compute -[t log p + (1-t) log(1-p)] = softplus(z) - t*z from its logit z,
        # written so exp never overflows, with gradient sigmoid(z) - t (as BCEWithLogitsLoss).
        (z,) = p.parents
        if z.data >= 0.0:
            return z * (1.0 - t) + (1.0 + (-z).exp()).log()
        return (1.0 + z.exp()).log() - z * t
    # Otherwise through p itself, so p.grad is dC/dp, the first factor of the chain rule.
    # Written as (-t) log p - (1-t) log(1-p): the same numbers as -(...), but 0.0 where that is -0.0.
    return (-t) * _log_clamped(p) - (1.0 - t) * _log_clamped(1.0 - p)


def binary_cross_entropy(pred: Value | Sequence[Value], target: Any) -> Value:
    """Mean of -[t log p + (1-t) log(1-p)] for probabilities p and targets t in [0, 1].

    A prediction outside [0, 1] is a ValueError (as in PyTorch), and so is a target outside it; a
    nan prediction or target gives a nan loss and gradient. Stable near 0 and 1: the loss goes
    through p (so p.grad is dC/dp), with each log clamped at -100 as in PyTorch's BCELoss, and
    like PyTorch's a gradient of about -1e12 (not 0) at p = 0 with target 1; where p is a sigmoid
    node saturated to 0 or 1 in floating point, it is computed from the sigmoid's input instead
    (as BCEWithLogitsLoss), keeping the exact gradient.
    """
    pairs = _pairs(pred, target, "binary_cross_entropy")
    terms = []
    for p, t in pairs:
        t = float(t.data if isinstance(t, Value) else t)
        if not 0.0 <= t <= 1.0 and t == t:  # a nan target gives a nan loss, as in PyTorch
            raise ValueError(f"binary_cross_entropy: targets must be in [0, 1], got {t}")
        terms.append(_bce_one(p, t))
    return _mean(terms)


def hinge_loss(scores: Value | Sequence[Value], labels: Any) -> Value:
    """Mean max-margin loss: mean of relu(1 - label * score), labels in {-1, +1}.

    scores is one Value or a list of them (a model's raw outputs); labels a matching -1 or +1, or
    a list of them (ints, or Values holding -1.0 or 1.0).

        loss = hinge_loss([model(x) for x in X], Y)   # micrograd's moons demo
    """
    pairs = _pairs(scores, labels, "hinge_loss")
    terms = []
    for s, y in pairs:
        y = y.data if isinstance(y, Value) else y
        if isinstance(y, bool) or y not in (-1, 1):
            raise ValueError(f"hinge_loss: labels must be -1 or +1, got {y!r}")
        terms.append((1.0 - s * float(y)).relu())
    return _mean(terms)
