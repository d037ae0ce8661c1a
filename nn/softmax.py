"""softmax, log_softmax and cross_entropy: many classes, through log-sum-exp.

Every function here shifts the logits by their largest value m before exp:
log_softmax(x)_i = (x_i - m) - log(sum_j exp(x_j - m)). m is made by shift_max, a primitive of
slope 0 (so the gradients are exactly those of the unshifted formula: a shift with a slope would
add terms that cancel only up to rounding), and a Tape replays the choice of the largest logit
with the logits it replays.  No exp sees a positive argument: logits of 1000 or -1000 give exact
finite losses and gradients. Like every op, nan or infinite logits give nan or inf and never
raise.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping, Sequence, Set
from typing import Any

from autograd import Value, primitive
from autograd.conventions import describe

from .module import is_operand

__all__ = ["cross_entropy", "log_softmax", "softmax"]


def _shift_max(a: float, b: float) -> float:
    """The larger of a and b, nan if either is; an infinity gives 0.0 (shifting by it would
    make nan; IEEE sorts out the rest)."""
    m = a if a >= b or a != a else b
    return m if m - m == 0.0 or m != m else 0.0


shift_max = primitive(
    "shift_max", _shift_max, lambda a, b, out: 0.0, lambda a, b, out: 0.0, stop_gradient=True,
    doc="The shift of a softmax: the larger of two logits (nan if either is, 0.0 for an "
        "infinity), with slope 0: a stop-gradient (the result does not depend on the shift).")


def _as_list(x: Any) -> list[Any] | None:
    """x as a list when it is a list, a tuple or an array-like (a 1-d NumPy array), else None."""
    if isinstance(x, (list, tuple)):
        return list(x)
    if isinstance(x, (str, bytes, Value, Mapping, Set)) or not hasattr(x, "__len__") \
            or not hasattr(x, "__iter__"):
        return None
    try:
        return list(x)
    except TypeError:  # a 0-d NumPy array has __len__ but no length
        return None


def _logits(logits: Any, who: str, where: str = "logits") -> list[Value]:
    """logits as a non-empty list of Values (numbers become leaf Values)."""
    items = _as_list(logits)
    if isinstance(logits, (Mapping, Set)):
        raise TypeError(f"{who} takes a list of logits in order, got {describe(logits)}; "
                        f"write list(...) of its values in class order")
    if items is None:
        raise TypeError(f"{who} takes a list of logits (numbers or Values), got {describe(logits)}")
    logits = items
    if not logits:
        raise ValueError(f"{who}: {where} is empty; expected at least one logit")
    out = []
    for i, x in enumerate(logits):
        if not is_operand(x):
            raise TypeError(f"{who}: {where}[{i}] must be a number or a Value, got {describe(x)}")
        out.append(x if isinstance(x, Value) else Value(x))
    return out


def _shifted(xs: list[Value]) -> tuple[list[Value], list[Value], Value]:
    """(x_i - m, exp(x_i - m) for each i, and sum_j exp(x_j - m)), m the largest logit (a node
    of slope 0, shift_max)."""
    m = xs[0]
    for x in xs[1:]:
        m = shift_max(m, x)
    if len(xs) == 1:
        m = shift_max(m, m)
    shifted = [x - m for x in xs]
    exps = [s.exp() for s in shifted]
    return shifted, exps, sum(exps[1:], exps[0])


def log_softmax(logits: Sequence[Value | float]) -> list[Value]:
    """log(softmax(logits)), computed as x_i - logsumexp(x) so it stays finite for any finite logits."""
    shifted, _, total = _shifted(_logits(logits, "log_softmax"))
    lse = total.log()
    return [s - lse for s in shifted]


def softmax(logits: Sequence[Value | float]) -> list[Value]:
    """exp(x_i) / sum_j exp(x_j): probabilities that sum to 1, stable for any finite logits."""
    _, exps, total = _shifted(_logits(logits, "softmax"))
    return [e / total for e in exps]


def _class_index(t: Any, classes: int, who: str, where: str) -> int:
    if isinstance(t, bool) or not isinstance(t, numbers.Integral):
        raise TypeError(f"{who}: {where} must be a class index, an int in [0, {classes}), "
                        f"got {describe(t)}")
    index = int(t)
    if not 0 <= index < classes:
        raise ValueError(f"{who}: {where} must be a class index in [0, {classes}) for "
                         f"{classes} logits, got {index}")
    return index


def _one(xs: list[Value], t: int | list[Any]) -> Value:
    """-log_softmax(xs)[t] = logsumexp(xs) - x_t, both shifted by the same m; for class
    probabilities t, -sum_i t_i log_softmax(xs)_i."""
    shifted, _, total = _shifted(xs)
    lse = total.log()
    if isinstance(t, int):
        return lse - shifted[t]
    terms = [p * (lse - s) for p, s in zip(t, shifted)]
    return sum(terms[1:], terms[0])


def _target(t: Any, classes: int, who: str, where: str) -> int | list[Any]:
    """A class index, or a row of class probabilities (numbers or Values, as a one-hot row)."""
    row = _as_list(t)
    if row is None:
        if isinstance(t, (Mapping, Set)):
            raise TypeError(f"{who}: {where} must be a class index or a list of {classes} "
                            f"class probabilities, got {describe(t)}")
        return _class_index(t, classes, who, where)
    if len(row) != classes:
        raise ValueError(f"{who}: {where} must be one class index, or a list of {classes} class "
                         f"probabilities (one per logit), got a list of {len(row)}")
    for i, p in enumerate(row):
        if not is_operand(p):
            raise TypeError(f"{who}: {where}[{i}] must be a probability (a number or a Value), "
                            f"got {describe(p)}")
    return [p if isinstance(p, Value) else float(p) for p in row]


def cross_entropy(logits: Any, target: Any) -> Value:
    """-log softmax(logits)[target]: one example, or the mean over a batch.

    One example: a list of C logits (numbers or Values) and its class, an int in [0, C), or,
    as PyTorch accepts, its class probabilities: a list of C numbers or Values (a one-hot row);
    given as Values they stay in the graph.
    A batch: a list of such lists, all of the same length C, and a list of as many targets.
    (Tuples and NumPy arrays do as lists.)
    A class is an int (a bool or a float such as 1.0 is a TypeError, as PyTorch wants integer
    class indices); one out of range is a ValueError.
    """
    who = "cross_entropy"
    batch = _as_list(logits)
    if batch and _as_list(batch[0]) is not None:
        logits, targets = batch, _as_list(target)
        if targets is None:
            raise TypeError(f"{who}: logits is a batch of {len(logits)} examples, so target must "
                            f"be a list of {len(logits)} class indices, got {describe(target)}")
        target = targets
        if len(target) != len(logits):
            raise ValueError(f"{who}: logits has {len(logits)} examples but target has "
                             f"{len(target)} class indices")
        rows = [_logits(row, who, f"logits[{i}]") for i, row in enumerate(logits)]
        classes = len(rows[0])
        for i, row in enumerate(rows):
            if len(row) != classes:
                raise ValueError(f"{who}: every example needs the same number of logits; "
                                 f"logits[0] has {classes}, logits[{i}] has {len(row)}")
        terms = [_one(row, _target(t, classes, who, f"target[{i}]"))
                 for i, (row, t) in enumerate(zip(rows, target))]
        total = sum(terms[1:], terms[0])
        return total * (1.0 / len(terms)) if len(terms) > 1 else total
    xs = _logits(logits, who)
    return _one(xs, _target(target, len(xs), who, "target"))
