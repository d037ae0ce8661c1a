"""The one table of ops the derivative tests run over (test_derivatives, test_properties and,
through test_properties, test_tape): every op of the registry, built-in or registered by nn or by
a user before this module is imported, with the points where it is smooth.  A new op is checked
by finite differences, create_graph, the Tape and special values without being listed again;
only an op whose domain is not the default needs a line in DOMAINS."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import nn  # noqa: F401  (registers nn's ops: they are checked like the built-in ones)
from autograd.value import PRIMITIVES


def points(lo: float, hi: float, n: int = 40, seed: int = 0) -> list[float]:
    """n points spread over [lo, hi]: an even grid jittered by a fixed seed (reproducible)."""
    rng = random.Random(seed)
    step = (hi - lo) / n
    return [lo + step * (i + rng.uniform(0.05, 0.95)) for i in range(n)]


def pairs(a: list[float], b: list[float]) -> list[tuple[float, float]]:
    return list(zip(a, b))


AWAY_FROM_0 = points(-5, -0.1) + points(0.1, 5)

# op: its points (unary) or pairs (binary) where it is smooth; kinks and poles left out
DOMAINS: dict[str, Any] = {
    "neg": points(-5, 5), "abs": AWAY_FROM_0, "exp": points(-6, 6), "log": points(0.05, 30),
    "tanh": points(-4, 4), "sigmoid": points(-10, 10), "relu": AWAY_FROM_0,
    "sqrt": points(0.05, 30), "sin": points(-10, 10), "cos": points(-10, 10),
    "step": AWAY_FROM_0, "sign": AWAY_FROM_0,
    "+": pairs(points(-5, 5, seed=1), points(-5, 5, seed=2)),
    "-": pairs(points(-5, 5, seed=3), points(-5, 5, seed=4)),
    "*": pairs(points(-5, 5, seed=5), points(-5, 5, seed=6)),
    "/": pairs(points(-5, 5, seed=7), points(-5, -0.2, 20, seed=8) + points(0.2, 5, 20, seed=9)),
    "**": pairs(points(0.1, 5, seed=10), points(-3, 3, seed=11)),
    "mul0": pairs(points(-5, 5, seed=13), points(-5, 5, seed=14)),
    "log_base": pairs(points(0.1, 5, seed=15), points(-3, 3, seed=16)),
    "inv_base": pairs(points(0.1, 5, seed=17), points(-3, 3, seed=18)),
    # nn's ops (losses, softmax)
    "clamped_log": points(0.2, 1.0), "clamped_slope": points(0.2, 1.0),
    "log1p_exp": points(-10, 10), "saturated": points(0.05, 0.95),
    "shift_max": pairs(points(-5, -0.5, seed=19), points(0.5, 5, seed=20)),
}
DEFAULT_UNARY = points(-3, 3, seed=21)
DEFAULT_BINARY = pairs(points(-3, 3, seed=22), points(-3, 3, seed=23))

# ops whose stated slope is deliberately not the forward's, as the registry says (a
# stop-gradient: softmax's shift cancels out of the result, so its slope is taken as 0)
STOP_GRADIENT = {op for op, p in PRIMITIVES.items() if p.stop_gradient}

UNARY: dict[str, tuple[Callable[..., Any], list[float]]] = {
    op: (p.function, DOMAINS.get(op, DEFAULT_UNARY))
    for op, p in PRIMITIVES.items() if len(p.rules) == 1}
BINARY: dict[str, tuple[Callable[..., Any], list[tuple[float, float]]]] = {
    op: (p.function, DOMAINS.get(op, DEFAULT_BINARY))
    for op, p in PRIMITIVES.items() if len(p.rules) == 2}
