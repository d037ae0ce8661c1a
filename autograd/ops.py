"""Your own ops: primitive(), and the generic functions derivative rules are written with.

    softplus = primitive("softplus", lambda a: math.log1p(math.exp(a)) if a < 30 else a,
                         lambda a, out: sigmoid(a))        # d out / d a
    y = softplus(Value(0.5, label="z"))                     # a node with op "softplus"

Each generic function takes a float (IEEE 754: inf and nan, never an exception) and gives a
float, or takes a Value and gives a graph node.  A rule written with them and + - * / ** gives
floats on floats (what backward() stores) and graphs on Values (grad(create_graph=True), to any
order), and the Tape reads it as code.  A rule that looks at numbers (float(a), a > 0) still
serves backward(); grad(create_graph=True) then says which op needs a generic rule.

div(x, y) is x / y with IEEE 754's x/0 (+-inf or nan) on floats, the "/" op on Values; step(x)
is d relu / dx (0 up to 0, then 1) as a primitive, so a rule choosing with it replays exactly.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import value as _value
from .value import primitive

__all__ = ["primitive", "activations", "exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid",
           "relu", "abs", "div", "step"]


def activations() -> dict[str, Callable[..., Any]]:
    """The activations the registry holds, name -> function, in the order they were registered:
    tanh, sigmoid, relu, and every primitive registered with activation=True (nn's Neuron takes
    any of them by name; explain factors with deltas at the node feeding one)."""
    return {name: p.function for name, p in _value.PRIMITIVES.items() if p.activation}


exp = _value.exp
log = _value.log
sqrt = _value.sqrt
sin = _value.sin
cos = _value.cos
tanh = _value.tanh
sigmoid = _value.sigmoid
relu = _value.relu
abs = _value.absolute  # the op's own name, as in math and numpy
div = _value.div
step = _value.step
