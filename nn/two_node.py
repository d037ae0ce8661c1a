"""TwoNodeNetwork: the network of two sigmoid nodes from the course this project grew out of.

    z1 = w1*x + b1,  a1 = sigmoid(z1),  z2 = w2*a1 + b2,  y_hat = sigmoid(z2)

By the chain rule, with C the cost:
    delta2 = dC/dz2 = dC/dy_hat * sigmoid'(z2)          dC/dw2 = delta2 * a1
    delta1 = dC/dz1 = delta2 * w2 * sigmoid'(z1)         dC/dw1 = delta1 * x
"""

from __future__ import annotations

import random
from typing import Any

from autograd import Value
from autograd.conventions import describe

from .module import DEFAULT_SEED, Module, is_number, is_operand

__all__ = ["TwoNodeNetwork"]


def _parameter(x: Any, name: str, default: float) -> Value:
    """The parameter given (a number or a Value), or default; Module labels it name."""
    if x is None:
        return Value(default)
    if isinstance(x, Value):
        return x
    if not is_number(x):
        raise TypeError(f"TwoNodeNetwork({name}=...) needs a number, got {describe(x)}")
    return Value(x)


class TwoNodeNetwork(Module):
    """y_hat = sigmoid(w2 * sigmoid(w1*x + b1) + b2); after a call, z1 a1 z2 y_hat hold its Values.

    w1 and w2 default to numbers drawn from DEFAULT_SEED's generator, b1 and b2 to 0.0; each may
    be a number or a Value (then that very Value is the parameter).  The parameters are labelled
    w1 b1 w2 b2, and each call's nodes z1 a1 z2 y_hat (and a number given as x becomes a leaf
    labelled x), so every view writes them as the course does.
    """

    def __init__(self, w1: float | None = None, w2: float | None = None,
                 b1: float = 0.0, b2: float = 0.0):
        rng = random.Random(DEFAULT_SEED)
        w1_default, w2_default = rng.uniform(-1.0, 1.0), rng.uniform(-1.0, 1.0)
        self.w1: Value = _parameter(w1, "w1", w1_default)
        """The first weight, labelled w1: z1 = w1*x + b1."""
        self.b1: Value = _parameter(b1, "b1", 0.0)
        """The first bias, labelled b1."""
        self.w2: Value = _parameter(w2, "w2", w2_default)
        """The second weight, labelled w2: z2 = w2*a1 + b2."""
        self.b2: Value = _parameter(b2, "b2", 0.0)
        """The second bias, labelled b2."""
        self._z1 = self._a1 = self._z2 = self._y_hat = None

    def __call__(self, x: float | Value) -> Value:
        """The forward pass on one input x (a number or a Value): y_hat, a Value.  A number
        becomes a leaf labelled x, so every view says x as the course does; a Value is used as
        it is (its own label or your variable names it)."""
        if not is_operand(x):
            raise TypeError(f"TwoNodeNetwork takes one number or Value x, got {describe(x)}")
        if not isinstance(x, Value):
            x = Value(x, label="x")  # the course's input: every view writes it x
        z1 = self.w1 * x + self.b1
        z1.label = "z1"
        a1 = z1.sigmoid()
        a1.label = "a1"
        z2 = self.w2 * a1 + self.b2
        z2.label = "z2"
        y_hat = z2.sigmoid()
        y_hat.label = "y_hat"
        self._z1, self._a1, self._z2, self._y_hat = z1, a1, z2, y_hat
        return y_hat

    # The Values of the last call (None before the first call).
    z1 = property(lambda self: self._z1, doc="w1*x + b1 of the last call")
    a1 = property(lambda self: self._a1, doc="sigmoid(z1) of the last call")
    z2 = property(lambda self: self._z2, doc="w2*a1 + b2 of the last call")
    y_hat = property(lambda self: self._y_hat, doc="sigmoid(z2) of the last call: the output")

    def __repr__(self) -> str:
        return (f"TwoNodeNetwork(w1={self.w1.data!r}, w2={self.w2.data!r}, "
                f"b1={self.b1.data!r}, b2={self.b2.data!r})")
