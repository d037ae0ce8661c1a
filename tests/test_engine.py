"""The engine: backward, accumulation, zero_grad, detach, no_grad, grad() and higher order."""

import math
import subprocess
import sys
import textwrap

import pytest

from autograd import Value, grad, no_grad
from autograd.engine import is_grad_enabled, topological_order

# -- backward ----------------------------------------------------------------------------------

def test_backward_of_a_leaf_sets_its_grad_to_one():
    x = Value(3.0)
    x.backward()
    assert x.grad == 1.0


def test_backward_seeds_the_root_with_grad():
    x = Value(3.0)
    y = x * 4.0
    y.backward(grad=0.5)
    assert y.grad == 0.5
    assert x.grad == 2.0


def test_backward_accepts_an_int_seed():
    x = Value(3.0)
    (x * 4.0).backward(2)
    assert x.grad == 8.0


def test_backward_fills_intermediates_too():
    x = Value(2.0)
    h = x * 3.0
    y = h * h
    y.backward()
    assert y.grad == 1.0
    assert h.grad == 12.0  # dy/dh = 2h
    assert x.grad == 36.0  # dy/dx = 2h * 3


def test_chain_rule_of_the_two_node_network_by_hand():
    # z1 = w1 x + b1, a1 = sigmoid(z1), z2 = w2 a1 + b2, y_hat = sigmoid(z2), C = (y_hat - y)^2 / 2
    x, y = 1.5, 0.0
    w1, b1, w2, b2 = Value(0.8), Value(0.1), Value(-0.4), Value(0.3)
    z1 = w1 * x + b1
    a1 = z1.sigmoid()
    z2 = w2 * a1 + b2
    y_hat = z2.sigmoid()
    cost = (y_hat - y) ** 2 / 2
    cost.backward()

    s = lambda t: 1.0 / (1.0 + math.exp(-t))
    Z1 = 0.8 * 1.5 + 0.1
    A1 = s(Z1)
    Z2 = -0.4 * A1 + 0.3
    Y = s(Z2)
    delta2 = (Y - y) * Y * (1 - Y)          # dC/dz2 = dC/dy_hat * sigmoid'(z2)
    delta1 = delta2 * -0.4 * A1 * (1 - A1)  # dC/dz1 = delta2 * w2 * sigmoid'(z1)
    assert w2.grad == pytest.approx(delta2 * A1, rel=1e-14)
    assert b2.grad == pytest.approx(delta2, rel=1e-14)
    assert w1.grad == pytest.approx(delta1 * x, rel=1e-14)
    assert b1.grad == pytest.approx(delta1, rel=1e-14)
    assert z2.grad == pytest.approx(delta2, rel=1e-14)
    assert a1.grad == pytest.approx(delta2 * -0.4, rel=1e-14)


def test_backward_accumulates_over_two_paths():
    x = Value(2.0)
    y = x * 3.0 + x * 4.0
    y.backward()
    assert x.grad == 7.0


def test_backward_accumulates_into_existing_grads():
    x = Value(2.0)
    x.grad = 10.0
    (x * 3.0).backward()
    assert x.grad == 13.0


def test_backward_from_two_roots_adds_both():
    x = Value(2.0)
    (x * 3.0).backward()
    (x * x).backward()
    assert x.grad == 3.0 + 4.0


def test_backward_twice_gives_exactly_twice_on_every_node():
    a, b = Value(0.3), Value(-1.7)
    c = (a * b).tanh() + a.exp() / b
    d = c * c.sigmoid() - (a - b) ** 2
    d.backward()
    nodes = topological_order(d)
    once = [n.grad for n in nodes]
    d.backward()
    assert [n.grad for n in nodes] == [2 * g for g in once]


def test_backward_does_not_repropagate_grads_left_on_intermediates():
    x = Value(1.0)
    h = x * 2.0
    y = h * 3.0
    y.backward()
    h.backward()  # dh/dx = 2 is added once; y's contribution must not be propagated again
    assert x.grad == 6.0 + 2.0


def test_product_of_a_value_with_itself():
    a = Value(3.0)
    (a * a).backward()
    assert a.grad == 6.0


def test_square_of_a_shared_sum():
    a, b = Value(2.0), Value(-5.0)
    s = a + b
    y = s * s
    y.backward()
    assert a.grad == 2 * (2.0 - 5.0)
    assert b.grad == 2 * (2.0 - 5.0)
    assert s.grad == -6.0


def test_shared_subexpression_used_by_many_nodes():
    x = Value(0.5)
    e = x.exp()
    y = e * e + e * 3.0 + e.sin()
    y.backward()
    E = math.exp(0.5)
    assert x.grad == pytest.approx(E * (2 * E + 3.0 + math.cos(E)), rel=1e-15)


def test_private_accumulators_are_zero_after_backward_and_grad():
    x = Value(0.5)
    y = (x * x + x).tanh()
    y.backward()
    grad(y, [x])
    grad(y, [x], create_graph=True)
    assert all(n._g == 0.0 for n in topological_order(y))


@pytest.mark.parametrize("run", [Value.backward, lambda y: grad(y, [y])],
                         ids=["backward", "grad"])
def test_an_interrupted_pass_leaves_no_upstream_gradient_behind(run):
    # white-box: corrupt one stored local derivative so that the pass raises halfway
    x = Value(2.0)
    h = x * 3.0
    y = h * h + x
    h._da = "not a float"
    with pytest.raises(TypeError):
        run(y)
    assert all(n._g == 0.0 for n in topological_order(y))


def test_backward_with_a_bad_seed_names_the_type():
    y = Value(1.0) * 2.0
    with pytest.raises(TypeError, match="backward.*got str 'x'"):
        y.backward(grad="x")
    with pytest.raises(TypeError, match="got NoneType"):
        y.backward(grad=None)
    with pytest.raises(TypeError, match="got Value"):
        y.backward(grad=Value(1.0))


def test_failed_backward_leaves_no_grads_behind():
    x = Value(1.0)
    y = x * 2.0
    with pytest.raises(TypeError):
        y.backward(grad="x")
    assert x.grad == 0.0 and y.grad == 0.0


# -- the deep chain --------------------------------------------------------------------------------

DEEP = 1_000_000


def test_backward_through_a_million_ops_at_the_default_recursion_limit():
    limit = sys.getrecursionlimit()
    assert limit <= 1000  # the default (pytest and this suite do not raise it)
    x = Value(0.5)
    y = x
    for _ in range(DEEP):
        y = y + 1.0
    y.backward()
    assert x.grad == 1.0
    assert y.data == 0.5 + DEEP
    assert sys.getrecursionlimit() == limit


def test_a_million_op_chain_in_a_fresh_interpreter_differentiates_and_is_freed():
    # in a subprocess, so that a crash (C stack overflow while freeing the chain) fails the test
    # instead of killing the test run
    script = textwrap.dedent(f"""
        import sys
        from autograd import Value, grad
        from autograd.engine import topological_order
        limit = sys.getrecursionlimit()
        x = Value(0.5)
        y = x
        for _ in range({DEEP}):
            y = 1.0 * y
        assert len(topological_order(y)) == {DEEP} + 1
        y.backward()
        assert x.grad == 1.0
        assert grad(y, [x])[0].data == 1.0
        assert sys.getrecursionlimit() == limit
        del y
        print("freed")
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            env=_env(), timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "freed"


def _env() -> dict:
    import os
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ)
    env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
    return env


def test_grad_with_create_graph_through_a_long_chain():
    x = Value(0.5)
    y = x
    for _ in range(20_000):
        y = y * 1.0 + 0.0
    (g,) = grad(y, [x], create_graph=True)
    assert g.data == 1.0
    (g2,) = grad(g, [x])
    assert g2.data == 0.0


# -- zero_grad, detach -----------------------------------------------------------------------------

def test_zero_grad_clears_the_graph_and_only_the_graph():
    x, other = Value(2.0), Value(5.0)
    h = x * 3.0
    y = h.tanh()
    y.backward()
    other.grad = 7.0
    y.zero_grad()
    assert x.grad == h.grad == y.grad == 0.0
    assert other.grad == 7.0


def test_zero_grad_then_backward_gives_a_single_gradient():
    x = Value(2.0)
    y = x * x
    y.backward()
    y.backward()
    y.zero_grad()
    y.backward()
    assert x.grad == 4.0


def test_gradient_does_not_flow_through_detach():
    x = Value(2.0)
    y = x * 3.0
    z = y.detach() * x
    z.backward()
    assert x.grad == 6.0  # only through the direct x, the detached y counts as a constant
    assert y.grad == 0.0


# -- no_grad ---------------------------------------------------------------------------------------

def test_values_made_under_no_grad_are_leaves():
    x = Value(2.0)
    with no_grad():
        y = (x * 3.0).tanh() + x ** 2
    assert y.data == math.tanh(6.0) + 4.0
    assert y.op == ""
    assert y.parents == ()
    y.backward()
    assert x.grad == 0.0


def test_no_grad_ends_with_the_block():
    x = Value(2.0)
    with no_grad():
        assert not is_grad_enabled()
    assert is_grad_enabled()
    y = x * 3.0
    assert y.parents == (x,)


def test_no_grad_nests():
    x = Value(1.0)
    with no_grad():
        with no_grad():
            pass
        inner = x + 1.0
    assert inner.parents == ()
    assert (x + 1.0).parents == (x,)


def test_no_grad_ends_when_the_block_raises():
    x = Value(1.0)
    with pytest.raises(RuntimeError):
        with no_grad():
            raise RuntimeError("boom")
    assert is_grad_enabled()
    assert (x + 1.0).parents == (x,)


def test_no_grad_as_a_decorator():
    @no_grad()
    def update(p: Value) -> Value:
        return p - 0.1 * p.grad

    x = Value(1.0)
    x.grad = 2.0
    new = update(x)
    assert new.data == pytest.approx(0.8)
    assert new.parents == ()
    assert update.__name__ == "update"
    assert is_grad_enabled()
    assert (x * 2.0).parents == (x,)


def test_no_grad_as_a_decorator_without_parentheses():
    # as torch.no_grad allows: @no_grad and @no_grad() both work
    @no_grad
    def double(p: Value) -> Value:
        return p * 2.0

    x = Value(1.0)
    out = double(x)
    assert out.data == 2.0
    assert out.parents == ()
    assert double.__name__ == "double"
    assert (x * 2.0).parents == (x,)


def test_no_grad_with_an_argument_that_is_not_a_function_names_its_type():
    with pytest.raises(TypeError, match="no_grad.*got int 3"):
        no_grad(3)


def test_sgd_step_under_no_grad_keeps_parameters_leaves():
    w = Value(1.0)
    for _ in range(3):
        loss = (w * 2.0 - 1.0) ** 2
        w.grad = 0.0
        loss.backward()
        with no_grad():
            w = Value((w - 0.1 * w.grad).data)
    assert w.parents == ()


# -- grad() ----------------------------------------------------------------------------------------

def test_grad_returns_one_value_per_input_in_order():
    x, y = Value(2.0), Value(3.0)
    out = x * y + x
    gx, gy = grad(out, [x, y])
    assert (gx.data, gy.data) == (4.0, 2.0)


def test_grad_accepts_any_iterable_of_values():
    x, y = Value(2.0), Value(3.0)
    out = x * y
    assert [g.data for g in grad(out, (x, y))] == [3.0, 2.0]
    assert [g.data for g in grad(out, iter([y]))] == [2.0]


def test_grad_of_an_intermediate_input():
    x = Value(2.0)
    h = x * x
    y = h * 3.0
    (gh,) = grad(y, [h])
    assert gh.data == 3.0


def test_grad_of_the_output_itself_is_one():
    x = Value(2.0)
    assert grad(x, [x])[0].data == 1.0


@pytest.mark.parametrize("create_graph", [False, True])
def test_input_not_reached_gets_zero(create_graph):
    x, unused = Value(2.0), Value(3.0)
    gx, gu = grad(x * x, [x, unused], create_graph=create_graph)
    assert gx.data == 4.0
    assert isinstance(gu, Value) and gu.data == 0.0


@pytest.mark.parametrize("create_graph", [False, True])
def test_grad_never_touches_grad_fields(create_graph):
    x, y = Value(2.0), Value(-1.0)
    out = (x * y).tanh() + x.exp()
    nodes = topological_order(out)
    for i, n in enumerate(nodes):
        n.grad = float(i) + 0.5
    grad(out, [x, y], create_graph=create_graph)
    assert [n.grad for n in nodes] == [float(i) + 0.5 for i in range(len(nodes))]


def test_grad_without_create_graph_returns_leaves():
    x = Value(2.0)
    (g,) = grad(x * x * x, [x])
    assert g.data == 12.0
    assert g.op == "" and g.parents == ()


def test_grad_with_create_graph_returns_a_differentiable_value():
    x = Value(2.0)
    (g,) = grad(x * x * x, [x], create_graph=True)
    assert g.data == 12.0
    assert g.parents != ()
    g.backward()
    assert x.grad == 12.0  # d(3x^2)/dx = 6x


def test_grad_matches_backward():
    a, b = Value(0.7), Value(-1.3)
    out = (a * b).sigmoid() * a.sin() + b.exp() / (a * a + 1.0)
    ga, gb = grad(out, [a, b])
    out.backward()
    assert (ga.data, gb.data) == (a.grad, b.grad)


def test_grad_with_repeated_inputs_gives_the_same_gradient_twice():
    x = Value(2.0)
    g1, g2 = grad(x * x, [x, x])
    assert g1.data == g2.data == 4.0


@pytest.mark.parametrize("create_graph", [False, True])
def test_grad_with_an_empty_list_of_inputs(create_graph):
    assert grad(Value(1.0) * 2.0, [], create_graph=create_graph) == []


def test_grad_with_one_value_instead_of_a_list_says_what_to_write():
    x = Value(1.0)
    with pytest.raises(TypeError, match=r"list of Values.*got one Value.*\[x\]"):
        grad(x * 2.0, x)


def test_grad_with_a_number_in_the_inputs_names_its_type_and_index():
    x = Value(1.0)
    with pytest.raises(TypeError, match=r"inputs\[0\] must be a Value, got float 1.0"):
        grad(x * 2.0, [1.0])
    with pytest.raises(TypeError, match=r"inputs\[1\] must be a Value, got str"):
        grad(x * 2.0, [x, "x"])


def test_grad_with_inputs_that_are_not_iterable_names_the_type():
    with pytest.raises(TypeError, match="got int 3"):
        grad(Value(1.0), 3)


def test_grad_of_a_non_value_output_names_the_type():
    with pytest.raises(TypeError, match="output must be a Value, got float 1.0"):
        grad(1.0, [Value(1.0)])


def test_topological_order_of_a_non_value_names_the_type():
    with pytest.raises(TypeError, match="must be a Value, got int 3"):
        topological_order(3)


# -- topological order -----------------------------------------------------------------------------

def test_topological_order_puts_parents_first_and_the_root_last():
    a, b = Value(1.0), Value(2.0)
    c = a * b
    d = c + a
    e = d * c
    order = topological_order(e)
    assert order[-1] is e
    assert len(order) == len({id(n) for n in order}) == 5
    position = {id(n): i for i, n in enumerate(order)}
    for n in order:
        for p in n.parents:
            assert position[id(p)] < position[id(n)]


def test_topological_order_visits_parents_in_operand_order():
    a, b = Value(1.0), Value(2.0)
    assert topological_order(a * b)[:2] == [a, b]
    assert topological_order(b * a)[:2] == [b, a]


def test_topological_order_leaves_out_constants():
    x = Value(1.0)
    y = 2.0 * x + 3.0
    assert topological_order(y) == [x, y.parents[0], y]


# -- higher order ----------------------------------------------------------------------------------

def derivatives(f, x0: float, n: int) -> list[float]:
    """[f'(x0), f''(x0), ..., f^(n)(x0)] by repeated grad(create_graph=True)."""
    x = Value(x0)
    g = f(x)
    out = []
    for _ in range(n):
        (g,) = grad(g, [x], create_graph=True)
        out.append(g.data)
    return out


TANH_POINTS = [-2.0, -0.7, 0.0, 0.3, 1.1, 2.5]


@pytest.mark.parametrize("x0", TANH_POINTS)
def test_tanh_derivatives_up_to_the_fourth_match_closed_forms(x0):
    t = math.tanh(x0)
    s = 1.0 - t * t  # sech^2
    expected = [
        s,                                # tanh'    = 1 - t^2
        -2.0 * t * s,                     # tanh''   = -2 t (1 - t^2)
        -2.0 * s * (1.0 - 3.0 * t * t),   # tanh'''  = -2 (1 - t^2)(1 - 3 t^2)
        8.0 * t * s * (2.0 - 3.0 * t * t),  # tanh'''' = 8 t (1 - t^2)(2 - 3 t^2)
    ]
    assert derivatives(Value.tanh, x0, 4) == pytest.approx(expected, rel=1e-12, abs=1e-15)


def test_tanh_derivatives_at_zero_are_exact():
    assert derivatives(Value.tanh, 0.0, 4) == [1.0, 0.0, -2.0, 0.0]


@pytest.mark.parametrize("x0", [-1.3, 0.0, 0.4, 2.0])
def test_sin_derivatives_cycle_through_cos_minus_sin_minus_cos_sin(x0):
    s, c = math.sin(x0), math.cos(x0)
    assert derivatives(Value.sin, x0, 8) == pytest.approx([c, -s, -c, s] * 2, rel=1e-13,
                                                          abs=1e-15)


@pytest.mark.parametrize("x0", [-1.3, 0.0, 0.4, 2.0])
def test_cos_derivatives_cycle(x0):
    s, c = math.sin(x0), math.cos(x0)
    assert derivatives(Value.cos, x0, 4) == pytest.approx([-s, -c, s, c], rel=1e-13, abs=1e-15)


@pytest.mark.parametrize("x0", [-2.0, 0.0, 0.5, 3.0])
def test_every_derivative_of_exp_is_exp(x0):
    assert derivatives(Value.exp, x0, 5) == [math.exp(x0)] * 5


@pytest.mark.parametrize("x0", [-2.0, 0.0, 0.5, 3.0])
def test_derivatives_of_x_cubed(x0):
    assert derivatives(lambda x: x ** 3, x0, 4) == [3 * x0 ** 2, 6 * x0, 6.0, 0.0]


@pytest.mark.parametrize("x0", [0.5, 1.0, 2.0])
def test_derivatives_of_log(x0):
    assert derivatives(Value.log, x0, 3) == pytest.approx([1 / x0, -1 / x0 ** 2, 2 / x0 ** 3],
                                                          rel=1e-14)


@pytest.mark.parametrize("x0", [-3.0, 0.0, 1.5])
def test_derivatives_of_sigmoid(x0):
    s = 1.0 / (1.0 + math.exp(-x0))
    expected = [s * (1 - s), s * (1 - s) * (1 - 2 * s),
                s * (1 - s) * (1 - 6 * s + 6 * s * s)]
    assert derivatives(Value.sigmoid, x0, 3) == pytest.approx(expected, rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("x0", [0.25, 1.0, 4.0])
def test_derivatives_of_sqrt(x0):
    expected = [0.5 * x0 ** -0.5, -0.25 * x0 ** -1.5, 0.375 * x0 ** -2.5]
    assert derivatives(Value.sqrt, x0, 3) == pytest.approx(expected, rel=1e-14)


@pytest.mark.parametrize("x0", [-2.0, 0.5, 3.0])
def test_derivatives_of_a_quotient(x0):
    # f = 1 / x: f' = -1/x^2, f'' = 2/x^3, f''' = -6/x^4
    assert derivatives(lambda x: 1.0 / x, x0, 3) == pytest.approx(
        [-1 / x0 ** 2, 2 / x0 ** 3, -6 / x0 ** 4], rel=1e-14)


@pytest.mark.parametrize("x0", [0.5, 2.0])
def test_derivatives_of_x_to_the_x(x0):
    # f = x^x: f' = x^x (ln x + 1), f'' = x^x ((ln x + 1)^2 + 1/x)
    f = x0 ** x0
    L = math.log(x0) + 1.0
    assert derivatives(lambda x: x ** x, x0, 2) == pytest.approx([f * L, f * (L * L + 1 / x0)],
                                                                 rel=1e-13)


@pytest.mark.parametrize("x0", [-1.0, 0.5, 2.0])
def test_derivatives_of_two_to_the_x(x0):
    ln2 = math.log(2.0)
    assert derivatives(lambda x: 2 ** x, x0, 3) == pytest.approx(
        [2 ** x0 * ln2, 2 ** x0 * ln2 ** 2, 2 ** x0 * ln2 ** 3], rel=1e-14)


def test_mixed_partial_of_a_power_at_exponent_zero():
    # f = a^b: f_ab = a^(b-1) (1 + b ln a), which is 1/a at b = 0 (the slope in a is 0 there)
    a, b = Value(2.0), Value(0.0)
    fa, fb = grad(a ** b, [a, b], create_graph=True)
    assert fa.data == 0.0
    assert fb.data == math.log(2.0)
    assert grad(fa, [b])[0].data == 0.5
    assert grad(fb, [a])[0].data == 0.5


def test_piecewise_linear_ops_have_zero_second_derivative():
    for f, x0 in [(Value.relu, 1.5), (Value.relu, -1.5), (abs, -2.0), (abs, 2.0)]:
        assert derivatives(f, x0, 2)[1] == 0.0


@pytest.mark.parametrize("x0, y0", [(0.5, -1.2), (1.3, 0.7), (-2.0, 0.25)])
def test_mixed_partials_are_equal_and_match_the_closed_form(x0, y0):
    # f = x^2 y^3 + sin(x y):  f_xy = 6 x y^2 + cos(x y) - x y sin(x y)
    x, y = Value(x0), Value(y0)
    f = x ** 2 * y ** 3 + (x * y).sin()
    fx, fy = grad(f, [x, y], create_graph=True)
    (fxy,) = grad(fx, [y])
    (fyx,) = grad(fy, [x])
    xy = x0 * y0
    expected = 6 * x0 * y0 ** 2 + math.cos(xy) - xy * math.sin(xy)
    assert fxy.data == pytest.approx(expected, rel=1e-13)
    assert fyx.data == pytest.approx(expected, rel=1e-13)


def test_hessian_of_a_quotient_and_power_of_two_variables():
    # f = a / b + a^b at (a, b) = (2, 3)
    a0, b0 = 2.0, 3.0
    a, b = Value(a0), Value(b0)
    f = a / b + a ** b
    fa, fb = grad(f, [a, b], create_graph=True)
    faa, fab = grad(fa, [a, b])
    fba, fbb = grad(fb, [a, b])
    L = math.log(a0)
    assert faa.data == pytest.approx(b0 * (b0 - 1) * a0 ** (b0 - 2), rel=1e-14)
    assert fab.data == pytest.approx(-1 / b0 ** 2 + a0 ** (b0 - 1) * (1 + b0 * L), rel=1e-14)
    assert fba.data == pytest.approx(fab.data, rel=1e-14)
    assert fbb.data == pytest.approx(2 * a0 / b0 ** 3 + a0 ** b0 * L * L, rel=1e-14)


def test_gradient_of_a_gradient_norm():
    # the penalty |grad f|^2 for f = x^2 y is 4 x^2 y^2 + x^4; its gradient is
    # (8 x y^2 + 4 x^3, 8 x^2 y)
    x, y = Value(1.5), Value(-0.5)
    f = x * x * y
    fx, fy = grad(f, [x, y], create_graph=True)
    penalty = fx * fx + fy * fy
    penalty.backward()
    assert x.grad == pytest.approx(8 * 1.5 * 0.25 + 4 * 1.5 ** 3, rel=1e-15)
    assert y.grad == pytest.approx(8 * 2.25 * -0.5, rel=1e-15)


# -- the core's structure --------------------------------------------------------------------------

def module_level_imports(path, package: str) -> set[str]:
    """The autograd modules path imports when it loads (not under `if TYPE_CHECKING:`, not
    inside functions): `from . import x`, `from .x import y`, `import autograd.x`."""
    import ast
    found: set[str] = set()
    here = package.rsplit(".", 1)[0] if path.name != "__init__.py" else package
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = here.rsplit(".", node.level - 1)[0] if node.level > 1 else here
                module = f"{base}.{node.module}" if node.module else base
                found.add(module)
                if not node.module:
                    found.update(f"{base}.{alias.name}" for alias in node.names)
            elif node.module and node.module.startswith("autograd"):
                found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("autograd"))
    return found


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    cycles: list[list[str]] = []
    state: dict[str, int] = {}

    def visit(n, stack):
        state[n] = 1
        for m in sorted(graph[n]):
            if state.get(m) == 1:
                cycles.append(stack[stack.index(m):] + [m])
            elif m not in state:
                visit(m, stack + [m])
        state[n] = 2

    for n in sorted(graph):
        if n not in state:
            visit(n, [n])
    return cycles


def test_no_import_cycle_in_autograd_at_module_level():
    from pathlib import Path
    root = Path(__file__).resolve().parent.parent / "autograd"
    graph: dict[str, set[str]] = {}
    for path in root.rglob("*.py"):
        parts = path.relative_to(root.parent).with_suffix("").parts
        name = ".".join(parts[:-1]) if parts[-1] == "__init__" else ".".join(parts)
        graph[name] = module_level_imports(path, name)
    for name in graph:  # a package's import of its own submodule is not a cycle back to it
        graph[name] = {m for m in graph[name] if m in graph and m != name
                       and not (graph.get(m) is not None and name.startswith(m + "."))}
    cycles = find_cycles(graph)
    assert cycles == []
    assert "autograd.graph" in graph["autograd.value"] and graph["autograd.graph"] == set()


def test_the_import_cycle_check_can_fail(tmp_path):
    (tmp_path / "a.py").write_text("from . import b\nif X:\n    from . import c\n")
    assert module_level_imports(tmp_path / "a.py", "autograd.a") == {"autograd", "autograd.b"}
    assert find_cycles({"v": {"e"}, "e": {"m"}, "m": {"v"}, "g": set()}) == [["e", "m", "v", "e"]]


def test_a_grad_that_is_not_a_number_is_a_type_error_naming_the_node_and_the_rest_is_applied():
    p, q = Value(2.0), Value(3.0, "q")
    out = p * q + q
    p.grad = None  # the PyTorch idiom for "no gradient yet"
    with pytest.raises(TypeError, match=r"p\.grad is NoneType None; set it to 0\.0"):
        out.backward()
    assert q.grad == 2.0 + 1.0 and p.grad is None


def test_under_detect_anomaly_a_grad_that_is_not_a_number_is_named_the_same_way():
    from autograd import detect_anomaly

    with detect_anomaly():
        p, q = Value(2.0), Value(3.0, "q")
        out = p * q + q
        p.grad = None
        with pytest.raises(TypeError, match=r"p\.grad is NoneType None; set it to 0\.0"):
            out.backward()
    assert q.grad == 2.0 + 1.0 and p.grad is None


def test_a_tape_backward_into_a_grad_that_is_not_a_number_names_the_leaf():
    from autograd import Tape

    w, x = Value(2.0, "w"), Value(3.0, "x")
    loss = (w * x).tanh()
    tape = Tape(loss)
    w.grad = None
    with pytest.raises(TypeError, match=r"w\.grad is NoneType None"):
        tape.backward()
    assert x.grad == grad(loss, [x])[0].data and w.grad is None
