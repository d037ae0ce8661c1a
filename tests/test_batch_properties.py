"""Property tests: random programs, replayed over a batch, against the scalar engine (the
one-example Tape on each row, which equals a rebuild): losses bit for bit where a program uses
only + - * /, within a few ulps per op otherwise; parameter gradients the mean (or sum) of the
per-example ones to 1e-9 of their size."""

from __future__ import annotations

import math
import warnings

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autograd import Tape, Value

ARITHMETIC = ["+", "-", "*", "/"]
OTHERS = ["exp", "log", "tanh", "sigmoid", "relu", "sqrt", "sin", "cos", "abs", "neg", "**"]
MODERATE = st.floats(-3.0, 3.0, allow_nan=False)


def programs(ops):
    step = st.tuples(st.sampled_from(ops), st.integers(0, 10 ** 6), st.integers(0, 10 ** 6),
                     st.one_of(st.none(), MODERATE))
    return st.lists(step, min_size=1, max_size=14)


def build(program, nodes):
    nodes = list(nodes)
    for op, i, j, constant in program:
        a = nodes[i % len(nodes)]
        b = nodes[j % len(nodes)] if constant is None else constant
        if op in ("+", "-", "*", "/", "**"):
            if op == "**":
                b = 2.0 if constant is None else float(round(constant))
            out = {"+": a + b, "-": a - b, "*": a * b, "/": a / b, "**": a ** b}[op]
        elif op == "neg":
            out = -a
        elif op == "abs":
            out = abs(a)
        else:
            out = getattr(a, op)()
        nodes.append(out)
    root = nodes[-1]
    # every leaf in the graph: add the leaves in with weight 0.0 * leaf (keeps the values)
    for leaf in nodes[:4]:
        root = root + leaf * 0.0
    return root


def scalar_reference(root, batch, params, rows):
    tape = Tape(root)
    losses, grads = [], []
    total = [0.0] * len(params)
    size = [0.0] * len(params)
    for row in rows:
        for leaf, x in zip(batch, row):
            leaf.data = float(x)
        for leaf in batch + params:
            leaf.grad = 0.0
        losses.append(tape.forward())
        tape.backward()
        grads.append([leaf.grad for leaf in batch])
        total = [t + p.grad for t, p in zip(total, params)]
        size = [s + abs(p.grad) for s, p in zip(size, params)]
    for p in params:
        p.grad = 0.0
    return losses, grads, total, size


def close(want, got, ulps):
    if want != want or got != got:
        return want != want and got != got
    if math.isinf(want) or math.isinf(got):
        return want == got
    return abs(want - got) <= ulps * math.ulp(max(abs(want), abs(got), 1e-300))


def check(program, data, params_data, reduce, exact):
    xs = [Value(0.0, label="x0"), Value(0.0, label="x1")]
    params = [Value(p, label=f"p{i}") for i, p in enumerate(params_data)]
    root = build(program, xs + params)
    rows = np.array(data)
    losses, grads, total, size = scalar_reference(root, xs, params, rows)
    tape = Tape(root, batch=xs, reduce=reduce)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tape.forward(rows)
        tape.backward()
    n = len(rows) if reduce == "mean" else 1
    for want, got in zip(losses, tape.losses.tolist()):
        if exact:
            assert want == got or (want != want and got != got), (want, got)
        else:
            assert close(want, got, 4 * len(program) + 4) or abs(want - got) <= 1e-12 * max(
                1.0, abs(want)), (want, got)
    if not exact:
        return  # gradients through exp/log/pow can amplify the few ulps of the values
    for want_row, got_row in zip(grads, tape.batch_grads.tolist()):
        for want, got in zip(want_row, got_row):
            assert want == got or (want != want and got != got), (want, got)
    for p, t, s in zip(params, total, size):
        if math.isfinite(t) and math.isfinite(s):
            assert abs(p.grad - t / n) <= 1e-9 * s / n + 1e-300, (p.grad, t / n)


ROWS = st.lists(st.tuples(MODERATE, MODERATE), min_size=1, max_size=12)
PARAMS = st.tuples(MODERATE, MODERATE)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs(ARITHMETIC), ROWS, PARAMS, st.sampled_from(["mean", "sum"]))
def test_arithmetic_programs_replay_bit_for_bit(program, rows, params, reduce):
    check(program, rows, params, reduce, exact=True)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs(ARITHMETIC + OTHERS), ROWS, PARAMS, st.sampled_from(["mean", "sum"]))
def test_any_program_replays_within_a_few_ulps_per_op(program, rows, params, reduce):
    check(program, rows, params, reduce, exact=False)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs(ARITHMETIC + ["relu", "neg"]), ROWS, PARAMS, st.sampled_from(["mean", "sum"]))
def test_programs_ending_in_any_op_replay_bit_for_bit(program, rows, params_data, reduce):
    from autograd.engine import topological_order
    xs = [Value(0.0, label="x0"), Value(0.0, label="x1")]
    params = [Value(p, label=f"p{i}") for i, p in enumerate(params_data)]
    nodes = xs + params
    for op, i, j, constant in program:  # build() without the leaves added in at the end
        a = nodes[i % len(nodes)]
        b = nodes[j % len(nodes)] if constant is None else constant
        out = -a if op == "neg" else a.relu() if op == "relu" else \
            {"+": a + b, "-": a - b, "*": a * b, "/": a / b}[op]
        nodes.append(out)
    root = nodes[-1]
    inside = set(topological_order(root))
    batch = [x for x in xs if x in inside]
    if not batch:
        return
    params = [p for p in params if p in inside]
    losses, grads, total, size = scalar_reference(root, batch, params, np.array(rows)[:, :len(batch)])
    tape = Tape(root, batch=batch, reduce=reduce)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tape.forward(np.array(rows)[:, :len(batch)])
        tape.backward()
    assert [want == got or (want != want and got != got)
            for want, got in zip(losses, tape.losses.tolist())] == [True] * len(losses)
    for want_row, got_row in zip(grads, tape.batch_grads.tolist()):
        assert [w == g or (w != w and g != g) for w, g in zip(want_row, got_row)] == \
            [True] * len(want_row)
    n = len(rows) if reduce == "mean" else 1
    for p, t, s in zip(params, total, size):
        if math.isfinite(t) and math.isfinite(s):
            assert abs(p.grad - t / n) <= 1e-9 * s / n + 1e-300, (p.grad, t / n)
