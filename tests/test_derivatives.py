"""The table of derivatives: exact hand-derived values, every rule against central finite
differences at many points of its domain, and the forward ops storing exactly what the rule says."""

import math
import operator

import pytest
from op_table import BINARY, DOMAINS, STOP_GRADIENT, UNARY, points

from autograd import Value, grad
from autograd.value import PRIMITIVES

PRIMITIVES_AT_START = set(PRIMITIVES)


def same(x: float, y: float) -> bool:
    """x == y, with nan equal to nan."""
    return x == y or (x != x and y != y)


# -- exact, hand-derived local derivatives ---------------------------------------------------------

def grads_of(f, *xs: float) -> list[float]:
    """d f / d x for each x, by backward() from fresh leaves."""
    vs = [Value(x) for x in xs]
    f(*vs).backward()
    return [v.grad for v in vs]


@pytest.mark.parametrize("name, f, xs, expected", [
    ("d(a+b) = (1, 1)", operator.add, (3.0, 4.0), [1.0, 1.0]),
    ("d(a-b) = (1, -1)", operator.sub, (3.0, 4.0), [1.0, -1.0]),
    ("d(a*b) = (b, a)", operator.mul, (3.0, 4.0), [4.0, 3.0]),
    ("d(a/b) = (1/b, -a/b^2)", operator.truediv, (3.0, 4.0), [0.25, -0.1875]),
    ("d(x^3) = 3x^2", lambda x: x ** 3, (2.0,), [12.0]),
    ("d(x^0.5) = 0.5/sqrt(x)", lambda x: x ** 0.5, (4.0,), [0.25]),
    ("d(x^-1) = -1/x^2", lambda x: x ** -1, (2.0,), [-0.25]),
    ("d(x^0) = 0", lambda x: x ** 0, (5.0,), [0.0]),
    ("d(-x) = -1", lambda x: -x, (3.0,), [-1.0]),
    ("d|x| = -1 for x < 0", abs, (-3.0,), [-1.0]),
    ("d|x| = 1 for x > 0", abs, (3.0,), [1.0]),
    ("d exp(x) at 0 = 1", Value.exp, (0.0,), [1.0]),
    ("d log(x) = 1/x", Value.log, (4.0,), [0.25]),
    ("d tanh(x) at 0 = 1", Value.tanh, (0.0,), [1.0]),
    ("d sigmoid(x) at 0 = 1/4", Value.sigmoid, (0.0,), [0.25]),
    ("d relu(x) = 1 for x > 0", Value.relu, (3.0,), [1.0]),
    ("d relu(x) = 0 for x < 0", Value.relu, (-3.0,), [0.0]),
    ("d sqrt(x) = 1/(2 sqrt(x))", Value.sqrt, (16.0,), [0.125]),
    ("d sin(x) at 0 = cos 0 = 1", Value.sin, (0.0,), [1.0]),
    ("d sin(x) at pi = cos pi = -1", Value.sin, (math.pi,), [-1.0]),
    ("d cos(x) at 0 = -sin 0 = 0", Value.cos, (0.0,), [0.0]),
    ("d cos(x) at pi/2 = -sin(pi/2) = -1", Value.cos, (math.pi / 2,), [-1.0]),
    ("d(x + 2) = 1", lambda x: x + 2, (3.0,), [1.0]),
    ("d(2 - x) = -1", lambda x: 2 - x, (3.0,), [-1.0]),
    ("d(x * 2) = 2", lambda x: x * 2, (3.0,), [2.0]),
    ("d(3 / x) = -3/x^2", lambda x: 3 / x, (2.0,), [-0.75]),
    ("d(x / 4) = 1/4", lambda x: x / 4, (3.0,), [0.25]),
])
def test_exact_local_derivative(name, f, xs, expected):
    assert grads_of(f, *xs) == expected


@pytest.mark.parametrize("name, f, xs, expected", [
    ("d(a^b) = (b a^(b-1), a^b ln a)", operator.pow, (3.0, 2.0), [6.0, 9.0 * math.log(3.0)]),
    ("d(2^x) = 2^x ln 2", lambda x: 2 ** x, (3.0,), [8.0 * math.log(2.0)]),
    ("d exp(x) = exp(x)", Value.exp, (1.0,), [math.e]),
    ("d tanh(x) = 1 - tanh(x)^2", Value.tanh, (0.5,), [1.0 - math.tanh(0.5) ** 2]),
    ("d sigmoid(x) = s(1-s)", Value.sigmoid, (2.0,),
     [math.exp(-2.0) / (1.0 + math.exp(-2.0)) ** 2]),
    ("d sin(x) = cos(x)", Value.sin, (1.0,), [math.cos(1.0)]),
    ("d cos(x) = -sin(x)", Value.cos, (1.0,), [-math.sin(1.0)]),
])
def test_closed_form_local_derivative(name, f, xs, expected):
    assert grads_of(f, *xs) == pytest.approx(expected, rel=4e-15, abs=0.0)  # a few ulps


def test_chain_rule_through_a_product_and_tanh_by_hand():
    # y = tanh(w*x + b): dy/dw = (1 - y^2) x, dy/dx = (1 - y^2) w, dy/db = 1 - y^2
    w, x, b = Value(0.5), Value(-2.0), Value(0.25)
    y = (w * x + b).tanh()
    y.backward()
    t = math.tanh(-0.75)
    assert (w.grad, x.grad, b.grad) == (-2.0 * (1 - t * t), 0.5 * (1 - t * t), 1 - t * t)


# -- every rule against central finite differences -----------------------------------------------

def central_difference(f, x: float) -> float:
    """df/dx by central differences, Richardson-extrapolated: error O(h^4) plus rounding."""
    h = 1e-3 * max(1.0, abs(x))

    def d(h: float) -> float:
        return (f(x + h) - f(x - h)) / (2.0 * h)

    return (4.0 * d(h / 2.0) - d(h)) / 3.0


def assert_close_to_finite_difference(analytic: float, f, x: float) -> None:
    numeric = central_difference(f, x)
    scale = max(1.0, abs(analytic), abs(f(x)))
    assert abs(analytic - numeric) <= 1e-8 * scale, (x, analytic, numeric)


# a negative base has a derivative in the base only, for a constant integer exponent
NEGATIVE_BASE_POWERS = [(a, b) for a in points(-4, -0.1, 10, seed=12) for b in (-2, -1, 2, 3)]


def test_the_table_is_the_registry():
    # every op registered when the table was made is in it; every domain names a registered op
    assert set(UNARY) | set(BINARY) >= set(PRIMITIVES_AT_START)
    assert set(DOMAINS) <= set(PRIMITIVES)
    assert {"exp", "**", "step", "clamped_log", "shift_max"} <= set(UNARY) | set(BINARY)


# the ops whose rules are their forward's slope: all but the stop-gradients (tested below)
SLOPED_UNARY = sorted(set(UNARY) - STOP_GRADIENT)
SLOPED_BINARY = sorted(set(BINARY) - STOP_GRADIENT)


@pytest.mark.parametrize("op", SLOPED_UNARY)
def test_unary_derivative_matches_finite_differences(op):
    f, xs = UNARY[op]
    for x in xs:
        v = Value(x)
        f(v).backward()
        assert_close_to_finite_difference(v.grad, lambda t: f(Value(t)).data, x)


@pytest.mark.parametrize("op", SLOPED_BINARY)
def test_binary_derivatives_of_value_op_value_match_finite_differences(op):
    f, pairs = BINARY[op]
    for a, b in pairs:
        va, vb = Value(a), Value(b)
        f(va, vb).backward()
        assert_close_to_finite_difference(va.grad, lambda t: f(Value(t), Value(b)).data, a)
        assert_close_to_finite_difference(vb.grad, lambda t: f(Value(a), Value(t)).data, b)


@pytest.mark.parametrize("op", SLOPED_BINARY)
def test_binary_derivative_of_value_op_constant_matches_finite_differences(op):
    f, pairs = BINARY[op]
    for a, b in pairs:
        va = Value(a)
        f(va, b).backward()
        assert_close_to_finite_difference(va.grad, lambda t: f(Value(t), b).data, a)


@pytest.mark.parametrize("op", SLOPED_BINARY)
def test_binary_derivative_of_constant_op_value_matches_finite_differences(op):
    f, pairs = BINARY[op]
    for a, b in pairs:
        vb = Value(b)
        f(a, vb).backward()
        assert_close_to_finite_difference(vb.grad, lambda t: f(a, Value(t)).data, b)


def test_the_stop_gradients_are_softmaxs_shift_only():
    # a stop-gradient is an op whose slope is not its forward's: each one is a decision
    assert STOP_GRADIENT == {"shift_max"}


@pytest.mark.parametrize("op", sorted(STOP_GRADIENT))
def test_a_stop_gradient_has_slope_0_wherever_it_is_used(op):
    f, pairs = BINARY[op]
    for a, b in pairs + [(b, a) for a, b in pairs] + [(a, a) for a, _ in pairs]:
        va, vb = Value(a), Value(b)
        out = f(va, vb)
        out.backward()
        assert (va.grad, vb.grad) == (0.0, 0.0) and out.local == (0.0, 0.0)


def test_cross_entropy_through_the_stopped_shift_matches_finite_differences_of_the_loss():
    # why the shift may stop the gradient: softmax does not depend on it, so the total
    # derivative of the loss (the shift's slope included) is the one the stopped graph gives
    from nn import cross_entropy
    for k, logits in enumerate([(0.3, -1.2, 2.0), (4.0, 4.0, -3.0), (-0.5, 1.5, 1.4999)]):
        xs = [Value(x) for x in logits]
        cross_entropy(xs, k).backward()
        for i in range(3):
            def loss(t, i=i):
                moved = list(logits)
                moved[i] = t
                return cross_entropy([Value(x) for x in moved], k).data
            assert_close_to_finite_difference(xs[i].grad, loss, logits[i])


def test_power_of_a_negative_base_with_an_integer_exponent_matches_finite_differences():
    for a, b in NEGATIVE_BASE_POWERS:
        va = Value(a)
        (va ** b).backward()
        assert_close_to_finite_difference(va.grad, lambda t: (Value(t) ** b).data, a)


def test_finite_difference_check_can_fail():
    # the checker itself must reject a wrong derivative (here tanh' off by 1e-6)
    with pytest.raises(AssertionError):
        assert_close_to_finite_difference(1.0 - math.tanh(0.3) ** 2 + 1e-6,
                                          lambda t: math.tanh(t), 0.3)


# -- the forward op stores exactly the local derivative the rule gives -----------------------------

SPECIAL = [0.0, -0.0, 1.0, -1.0, 0.5, -2.5, 3.0, math.inf, -math.inf, math.nan, 1e308, 5e-324]


@pytest.mark.parametrize("op", sorted(UNARY))
def test_unary_op_stores_the_rule_on_floats(op):
    f, xs = UNARY[op]
    (rule,) = PRIMITIVES[op].rules
    for x in xs + SPECIAL:
        out = f(Value(x))
        assert out.op == op
        assert len(out.local) == 1
        assert same(out.local[0], rule(x, out.data)), (x, out.local)


@pytest.mark.parametrize("op", sorted(BINARY))
def test_binary_op_stores_the_rules_on_floats(op):
    f, pairs = BINARY[op]
    rule_a, rule_b = PRIMITIVES[op].rules
    for a, b in pairs + [(x, y) for x in SPECIAL for y in SPECIAL]:
        both = f(Value(a), Value(b))
        left = f(Value(a), b)
        right = f(a, Value(b))
        assert both.op == left.op == right.op == op
        out = both.data
        assert same(left.data, out) and same(right.data, out)
        da, db = rule_a(a, b, out), rule_b(a, b, out)
        assert len(both.local) == 2 and same(both.local[0], da) and same(both.local[1], db)
        assert len(left.local) == 1 and same(left.local[0], da)
        assert len(right.local) == 1 and same(right.local[0], db)


@pytest.mark.parametrize("op", sorted(UNARY))
def test_backward_of_one_op_gives_exactly_its_stored_local_derivative(op):
    f, xs = UNARY[op]
    for x in xs:
        v = Value(x)
        out = f(v)
        out.backward()
        assert v.grad == out.local[0]


@pytest.mark.parametrize("op", sorted(UNARY))
def test_grad_with_create_graph_gives_the_same_local_derivative(op):
    f, xs = UNARY[op]
    for x in xs + SPECIAL:
        v = Value(x)
        out = f(v)
        (g,) = grad(out, [v], create_graph=True)
        assert same(g.data, out.local[0]), (x, g.data, out.local)


@pytest.mark.parametrize("op", sorted(BINARY))
def test_grad_with_create_graph_gives_the_same_local_derivatives_for_binary_ops(op):
    f, pairs = BINARY[op]
    for a, b in pairs + [(x, y) for x in SPECIAL for y in SPECIAL]:
        va, vb = Value(a), Value(b)
        out = f(va, vb)
        ga, gb = grad(out, [va, vb], create_graph=True)
        assert same(ga.data, out.local[0]) and same(gb.data, out.local[1]), (a, b)


# -- no choice on the numbers outside a primitive: create_graph graphs have one shape ----------------

def shape(roots) -> list[tuple]:
    """The ops of the graph below roots, in topological order, with constants' positions."""
    from autograd.engine import topological_order
    seen, out = set(), []
    for root in roots:
        for node in topological_order(root):
            if node not in seen:
                seen.add(node)
                out.append((node.op, tuple(isinstance(x, Value) for x in node.operands)))
    return out


def test_create_graph_graphs_have_the_same_shape_whatever_the_numbers():
    # a data-dependent Python choice in a rule would give different graphs on either side of a
    # kink or special value, and a Tape of such a graph would keep the branch taken when recorded
    points_ = SPECIAL + [-3.0, 1e-200]
    for op, (f, _) in UNARY.items():
        shapes = set()
        for x0 in points_:
            x = Value(x0)
            shapes.add(tuple(shape(grad(f(x), [x], create_graph=True))))
        assert len(shapes) == 1, op
    for op, (f, _) in BINARY.items():
        shapes = set()
        for a0 in points_:
            for b0 in points_:
                a, b = Value(a0), Value(b0)
                shapes.add(tuple(shape(grad(f(a, b), [a, b], create_graph=True))))
        assert len(shapes) == 1, op


@pytest.mark.parametrize("f, before, after", [
    (Value.relu, 2.0, -1.0), (Value.relu, -1.0, 2.0), (abs, 2.0, 0.0), (abs, 2.0, -3.0),
    (lambda x: x ** 2.0, 1.0, 0.0), (lambda x: 2.0 ** x, 1.0, -2.0),
    (lambda x: x ** x, 0.5, 0.0)])
def test_a_tape_of_a_create_graph_graph_replays_as_a_rebuild(f, before, after):
    from autograd import Tape
    x = Value(before)
    (g,) = grad(f(x), [x], create_graph=True)
    tape = Tape(g)
    x.data = after
    replayed = tape.forward()
    y = Value(after)
    (rebuilt,) = grad(f(y), [y], create_graph=True)
    assert same(replayed, rebuilt.data), (replayed, rebuilt.data)
