"""The array twins of the primitives and of the rules' helpers (autograd/tape/arrays.py): each,
element by element over special values, what the float function gives, with no warning."""

from __future__ import annotations

import inspect
import math
import warnings

import numpy as np
import pytest

from autograd.tape import arrays
from autograd.tape.codegen import float_namespace

SPECIAL = [0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -2.0, 3.0, -3.0, 1e-300, -1e-300, 5e-324, 1e300,
           -1e300, 30.0, 700.0, 710.0, -745.0, -750.0, 1000.0, -1000.0, math.inf, -math.inf,
           math.nan]
EXACT = {"div", "neg", "abs", "relu", "sqrt", "step", "sign", "mul0", "inv_base"}  # correctly rounded
FLOATS = float_namespace()
NAMES = sorted(n for n in arrays.ARRAY_HELPERS if n in FLOATS)


def ulps(x: float, y: float) -> float:
    if (x != x and y != y) or (x == y and math.copysign(1.0, x) == math.copysign(1.0, y)):
        return 0.0
    if not (math.isfinite(x) and math.isfinite(y)):
        return math.inf
    return abs(x - y) / math.ulp(max(abs(x), abs(y)))


def test_every_helper_a_rule_may_call_has_an_array_twin():
    for name in ("div", "power", "exp", "log", "step", "sign", "xlogy", "xpowy", "powlog",
                 "sigmoid", "tanh", "relu", "sqrt", "sin", "cos", "mul0", "log_base", "inv_base"):
        assert name in NAMES, name


@pytest.mark.parametrize("name", NAMES)
def test_a_twin_gives_the_float_function_elementwise_at_special_values(name):
    f, twin = FLOATS[name], arrays.ARRAY_HELPERS[name]
    n = len(inspect.signature(twin).parameters)
    grid = np.array(np.meshgrid(*[SPECIAL] * n)).reshape(n, -1) if n > 1 else np.array([SPECIAL])
    if n == 3:
        grid = grid[:, ::7]  # a sample of the 3-d grid
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="ignore"):
            got = np.broadcast_to(twin(*grid), grid.shape[1:])
    for args, value in zip(grid.T, got):
        want = f(*map(float, args))
        bound = 0 if name in EXACT else 2
        assert ulps(want, float(value)) <= bound, (name, args, want, float(value))


def test_a_function_without_a_twin_runs_one_element_at_a_time():
    apply = arrays.elementwise(lambda a, b: a if a > b else b * 2.0)
    assert apply(np.array([1.0, 3.0]), 2.0).tolist() == [4.0, 3.0]
    assert apply(5.0, 1.0) == 5.0
