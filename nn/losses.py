"""Losses: each returns one Value, the mean over the examples.

A target or label given as a Value stays in the graph (so it can be a batch leaf of a Tape); as a
number it is a constant."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from autograd import Value, primitive
from autograd.conventions import describe
from autograd.ops import div, exp, step

from .module import is_operand

__all__ = ["binary_cross_entropy", "hinge_loss", "mse_loss"]

# As PyTorch's BCELoss: each log is clamped below at -100, so p = 0 or 1 gives a finite loss, and
# its backward divides by max(p(1-p), 1e-12) instead of p(1-p), so the gradient there is large
# and points the right way (for target 1 at p = 0 it is -1e12, not 0).
_LOG_FLOOR = -100.0
_FLOOR = math.exp(_LOG_FLOOR)
_EPS = 1e-12  # PyTorch's EPSILON in that backward

# Every choice on a number is made inside a primitive, so a Tape replays it (API.md): these ops
# join the registry as any user's primitive() does.


def _clamped_log(q: float) -> float:
    return math.log(q) if q > _FLOOR else _LOG_FLOOR if q == q else q


def _clamped_slope(q: float) -> float:
    return 1.0 / q if q > _FLOOR else 1.0 / _EPS if q == q else q


def _log1p_exp(z: float) -> float:
    return z + math.log1p(math.exp(-z)) if z >= 0.0 else math.log1p(math.exp(z)) if z == z else z


def _saturated(p: float) -> float:
    return 1.0 if p <= _FLOOR or p == 1.0 else 0.0


def _op(name: str, forward: Any, rule: Any, doc: str) -> Any:
    """The op as a function of a Value (a node) or a number (a float), registered as `name`."""
    node = primitive(name, forward, rule, doc=doc)

    def op(x: Any) -> Any:
        return node(x) if isinstance(x, Value) else forward(x)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc
    op.__chainrule_op__ = name  # type: ignore[attr-defined]  # codegen: the helper `name`
    return op


clamped_slope = _op(
    "clamped_slope", _clamped_slope, lambda a, out: -(out * out) * step(a - _FLOOR),
    "1/q above e**-100, else 1e12 (the slope of clamped_log, as PyTorch's BCELoss).")
clamped_log = _op(
    "clamped_log", _clamped_log, lambda a, out: clamped_slope(a),
    "max(log q, -100) for q in [0, 1], with slope 1e12 where clamped (PyTorch's BCELoss).")
log1p_exp = _op(
    "log1p_exp", _log1p_exp, lambda a, out: div(1.0, 1.0 + exp(-a)),
    "log(1 + e**z) without overflow; derivative sigmoid(z).")
saturated = _op(
    "saturated", _saturated, lambda a, out: 0.0,
    "1.0 where a probability has saturated to 0 or 1 in floating point, else 0.0 (slope 0).")


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


def _bce_one(p: Any, t: Any) -> Any:
    value = p.data if isinstance(p, Value) else float(p)
    if not (0.0 <= value <= 1.0 or math.isnan(value)):
        raise ValueError(f"binary_cross_entropy: predictions must be probabilities in [0, 1] "
                         f"(as after sigmoid), got {value}")
    if not isinstance(p, Value):
        p = Value(value)
    # Through p itself, so p.grad is dC/dp, the first factor of the chain rule.  Written as
    # (-t) log p - (1-t) log(1-p): the same numbers as -(...), but 0.0 where that is -0.0.
    loss = (-t) * clamped_log(p) - (1.0 - t) * clamped_log(1.0 - p)
    if p.op != "sigmoid":
        return loss
    # p = sigmoid(z): where it saturates to 0 or 1 in floating point the clamped log loses the
    # exact gradient, so there (w = 1) the loss is softplus(z) - t*z from its logit z, with
    # gradient sigmoid(z) - t (as BCEWithLogitsLoss); elsewhere w = 0 adds exactly nothing.
    # The choice is w, a primitive, so a Tape replays it.
    (z,) = p.parents
    w = saturated(p)
    return loss + w * ((log1p_exp(z) - z * t) - loss)


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
        number = float(t.data if isinstance(t, Value) else t)
        if not 0.0 <= number <= 1.0 and number == number:  # nan gives nan, as in PyTorch
            raise ValueError(f"binary_cross_entropy: targets must be in [0, 1], got {number}")
        terms.append(_bce_one(p, t if isinstance(t, Value) else number))
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
        number = y.data if isinstance(y, Value) else y
        if isinstance(number, bool) or number not in (-1, 1):
            raise ValueError(f"hinge_loss: labels must be -1 or +1, got {number!r}")
        terms.append((1.0 - s * (y if isinstance(y, Value) else float(y))).relu())
    return _mean(terms)
