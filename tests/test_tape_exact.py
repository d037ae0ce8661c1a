"""chainrule's own functions replay exactly (issue 15 item 2): a Tape of nn's losses, softmax and
cross_entropy, with the leaves moved across every kink and branch, equals a rebuild."""

from __future__ import annotations

import math
import struct
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import Tape, Value
from nn import (
    TwoNodeNetwork,
    binary_cross_entropy,
    cross_entropy,
    hinge_loss,
    log_softmax,
    mse_loss,
    softmax,
)


def same(a: float, b: float) -> bool:
    return struct.pack("<d", a) == struct.pack("<d", b) or (a != a and b != b)


def replayed_vs_rebuilt(make: Callable[[list[Value]], Value], first: list[float],
                        then: list[float]) -> tuple[tuple[float, list[float]], tuple[float, list[float]]]:
    """(loss, leaf grads) of a tape recorded at first and replayed at then, and of a rebuild."""
    leaves = [Value(x) for x in first]
    tape = Tape(make(leaves))
    for leaf, x in zip(leaves, then):
        leaf.data = x
    out = tape.forward()
    tape.backward()
    fresh = [Value(x) for x in then]
    root = make(fresh)
    root.backward()
    return (out, [leaf.grad for leaf in leaves]), (root.data, [leaf.grad for leaf in fresh])


def assert_same(got: tuple[float, list[float]], want: tuple[float, list[float]]) -> None:
    assert same(got[0], want[0]), (got, want)
    assert all(same(a, b) for a, b in zip(got[1], want[1], strict=True)), (got, want)


def test_bce_replays_its_clamp() -> None:
    # recorded at p = 1e-50 (clamped), replayed at p = 0.5: the rebuild's log(2)
    got, want = replayed_vs_rebuilt(lambda v: binary_cross_entropy(v[0], 1.0), [1e-50], [0.5])
    assert_same(got, want)
    assert want[0] == pytest.approx(math.log(2))


def test_bce_of_a_sigmoid_replays_its_saturated_branch() -> None:
    def bce(v: list[Value]) -> Value:
        return binary_cross_entropy(v[0].sigmoid(), 1.0)
    for first, then in [(0.3, -40.0), (-800.0, 0.3), (40.0, -800.0)]:
        got, want = replayed_vs_rebuilt(bce, [first], [then])
        assert_same(got, want)
    got, _ = replayed_vs_rebuilt(bce, [0.3], [-40.0])
    assert got == (40.0, [-1.0])  # the issue: inf and a nan gradient before


def test_softmax_replays_the_choice_of_its_largest_logit() -> None:
    def loss(v: list[Value]) -> Value:
        return cross_entropy(v, 0)
    got, want = replayed_vs_rebuilt(loss, [3.0, 0.0, -2.0], [0.0, 30.0, 1.0])
    assert_same(got, want)


def test_targets_given_as_values_stay_in_the_graph() -> None:
    p, t = Value(0.25), Value(1.0)
    for loss in (mse_loss(p, t), binary_cross_entropy(p, t)):
        p.grad = t.grad = 0.0
        loss.backward()
        assert t.grad != 0.0
    s, y = Value(0.5), Value(-1.0)
    hinge_loss(s, y).backward()
    assert y.grad == -0.5  # d relu(1 - s*y) / dy = -s where 1 - s*y > 0
    logits, onehot = [Value(1.0), Value(2.0)], [Value(0.0), Value(1.0)]
    ce = cross_entropy(logits, onehot)
    assert ce.data == pytest.approx(cross_entropy([1.0, 2.0], 1).data, rel=1e-15)
    ce.backward()
    assert onehot[0].grad == pytest.approx(-log_softmax([1.0, 2.0])[0].data)


@pytest.mark.parametrize("f", [softmax, log_softmax])
def test_softmax_refuses_a_dict(f: Callable[[Any], Any]) -> None:
    with pytest.raises(TypeError, match="dict"):
        f({0: 1.0, 1: 2.0})


# -- random programs of nn's functions --------------------------------------------------------

KINKS = [0.0, -0.0, 1e-50, 0.5, 1.0, -1.0, 30.0, -30.0, 40.0, -40.0, 800.0, -800.0, 1000.0]
NUMBERS = st.one_of(st.sampled_from(KINKS), st.floats(-50.0, 50.0, allow_nan=False))


def two_node_bce(v: list[Value]) -> Value:
    net = TwoNodeNetwork(w1=v[0], w2=v[1])
    return binary_cross_entropy(net(v[2]), v[3].sigmoid())


PROGRAMS: dict[str, Callable[[list[Value]], Value]] = {
    "mse": lambda v: mse_loss([v[0].tanh(), v[1] * v[2]], [v[3], 0.5]),
    "hinge": lambda v: hinge_loss([v[0] - v[1], v[2] * v[3]], [1, -1]),
    "bce(sigmoid)": lambda v: binary_cross_entropy([v[0].sigmoid(), (v[1] * v[2]).sigmoid()],
                                                   [1.0, 0.0]),
    "bce(p)": lambda v: binary_cross_entropy((v[0] * v[0]).sigmoid() * 0.5 + v[1].relu() * 0.0,
                                             v[2].sigmoid()),
    "cross_entropy": lambda v: cross_entropy([[v[0], v[1], v[2]], [v[3], v[0] * 2.0, -v[1]]],
                                             [2, [0.25, 0.25, 0.5]]),
    "softmax": lambda v: sum(softmax([v[0], v[1] * v[3], v[2]])[1:], Value(0.0)) * v[3],
    "two_node_bce": two_node_bce,
}


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(sorted(PROGRAMS)), st.lists(NUMBERS, min_size=4, max_size=4),
       st.lists(NUMBERS, min_size=4, max_size=4))
def test_replay_of_nn_functions_equals_a_rebuild(name: str, first: list[float],
                                                 then: list[float]) -> None:
    make = PROGRAMS[name]
    try:
        got, want = replayed_vs_rebuilt(make, first, then)
    except ValueError:  # a prediction outside [0, 1] at the recording or the rebuild
        return
    assert_same(got, want)
