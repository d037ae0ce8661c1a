"""IEEE 754 semantics: no op raises on a number; results and derivatives are inf or nan as in
NumPy and PyTorch (C99 Annex F), never OverflowError, ZeroDivisionError, ValueError or complex."""

import itertools
import math
import operator

import pytest

from autograd import Value, grad

inf, nan = math.inf, math.nan


def is_nan(x: float) -> bool:
    return x != x


# -- forward values --------------------------------------------------------------------------------

def test_positive_over_zero_is_inf():
    assert (Value(1.0) / 0).data == inf


def test_negative_over_zero_is_minus_inf():
    assert (Value(-1.0) / 0).data == -inf


def test_over_negative_zero_flips_the_sign():
    assert (Value(1.0) / -0.0).data == -inf


def test_zero_over_zero_is_nan():
    assert is_nan((Value(0.0) / 0).data)


def test_number_over_a_zero_value_is_inf():
    assert (1.0 / Value(0.0)).data == inf


def test_log_of_a_negative_number_is_nan():
    assert is_nan(Value(-1.0).log().data)


def test_log_of_zero_is_minus_inf():
    assert Value(0.0).log().data == -inf


def test_exp_overflows_to_inf():
    assert Value(1000.0).exp().data == inf


def test_exp_underflows_to_zero():
    assert Value(-1000.0).exp().data == 0.0


def test_sigmoid_of_plus_minus_1000_is_exactly_one_and_zero():
    assert Value(1000.0).sigmoid().data == 1.0
    assert Value(-1000.0).sigmoid().data == 0.0


def test_sigmoid_of_infinities():
    assert Value(inf).sigmoid().data == 1.0
    assert Value(-inf).sigmoid().data == 0.0


def test_sigmoid_is_accurate_far_in_the_negative_tail():
    # 1 / (1 + exp(700)) would round fine, but exp(-x) for x = -800 overflows: stable form needed
    assert Value(-800.0).sigmoid().data == pytest.approx(math.exp(-800.0), rel=1e-14)
    assert Value(-30.0).sigmoid().data == pytest.approx(1.0 / (1.0 + math.exp(30.0)), rel=1e-14)


def test_cube_root_of_a_negative_number_is_nan_not_complex():
    out = Value(-8.0) ** (1 / 3)
    assert type(out.data) is float
    assert is_nan(out.data)


@pytest.mark.parametrize("base, exponent", [(-1e300, 1.5), (-1e308, 1.5), (-1e-300, -1.5),
                                            (-5e-324, -1.5), (-2.0, 0.5)])
def test_negative_base_with_a_fractional_exponent_is_nan_even_when_huge(base, exponent):
    assert is_nan((Value(base) ** exponent).data)


def test_zero_to_a_negative_power_is_inf():
    assert (Value(0.0) ** -1).data == inf


def test_negative_zero_to_an_odd_negative_power_is_minus_inf():
    assert (Value(-0.0) ** -1).data == -inf
    assert (Value(-0.0) ** -2).data == inf


def test_power_overflows_to_inf():
    assert (Value(10.0) ** 400).data == inf


def test_negative_base_to_an_odd_power_overflows_to_minus_inf():
    assert (Value(-10.0) ** 401).data == -inf
    assert (Value(-10.0) ** 400).data == inf


def test_number_to_a_value_power_overflows_to_inf():
    assert (10 ** Value(400.0)).data == inf


def test_sqrt_of_minus_one_is_nan():
    assert is_nan(Value(-1.0).sqrt().data)


def test_sin_and_cos_of_inf_are_nan():
    assert is_nan(Value(inf).sin().data)
    assert is_nan(Value(-inf).cos().data)


def test_relu_of_nan_is_nan():
    assert is_nan(Value(nan).relu().data)


def test_relu_passes_the_gradient_at_nan_as_pytorch_does():
    # PyTorch: relu's backward is threshold_backward(grad, result, 0) = result <= 0 ? 0 : grad;
    # at nan the comparison is false, so the gradient passes (derivative 1, not a silent 0)
    x = Value(nan)
    x.relu().backward()
    assert x.grad == 1.0


def test_int_operand_beyond_float_range_is_infinite():
    assert (Value(2.0) + 10**400).data == inf
    assert (Value(2.0) * -10**400).data == -inf
    assert (Value(2.0) ** -10**400).data == 0.0


def test_products_and_sums_overflow_to_inf():
    assert (Value(1e308) * 10.0).data == inf
    assert (Value(1e308) + 1e308).data == inf
    assert (Value(1e308) / 1e-10).data == inf


# -- derivatives at the edges ----------------------------------------------------------------------

def derivative(f, x0: float) -> float:
    x = Value(x0)
    f(x).backward()
    return x.grad


def test_relu_derivative_at_zero_is_zero():
    assert derivative(Value.relu, 0.0) == 0.0
    assert derivative(Value.relu, -0.0) == 0.0


def test_abs_derivative_at_zero_is_zero():
    assert derivative(abs, 0.0) == 0.0
    assert derivative(abs, -0.0) == 0.0


@pytest.mark.parametrize("x0", [0.0, -0.0, 3.0, -2.0, inf, nan])
def test_derivative_of_x_to_the_zero_is_zero_everywhere(x0):
    # x**0 is the constant 1 (even at 0 and at nan, as in NumPy and PyTorch), so its slope is 0
    assert derivative(lambda x: x ** 0, x0) == 0.0


def test_fourth_derivative_of_x_cubed_at_zero_is_zero():
    x = Value(0.0)
    g = x ** 3
    for _ in range(4):
        (g,) = grad(g, [x], create_graph=True)
    assert g.data == 0.0


def test_sigmoid_derivative_vanishes_far_out():
    assert derivative(Value.sigmoid, 1000.0) == 0.0
    assert derivative(Value.sigmoid, -1000.0) == 0.0


def test_sqrt_derivative_at_zero_is_inf():
    assert derivative(Value.sqrt, 0.0) == inf


def test_log_derivative_at_zero_is_inf():
    assert derivative(Value.log, 0.0) == inf


def test_derivative_of_one_over_x_at_zero_is_minus_inf_not_an_error():
    assert derivative(lambda x: 1.0 / x, 0.0) == -inf


def test_exp_derivative_overflows_to_inf():
    assert derivative(Value.exp, 1000.0) == inf


def test_cube_root_derivative_of_a_negative_number_is_nan():
    assert is_nan(derivative(lambda x: x ** (1 / 3), -8.0))


def test_pow_exponent_derivative_of_a_zero_result_is_zero():
    # d(a^b)/db = a^b ln a, taken as 0 where a^b = 0 (a = 0, b > 0): the limit, not 0 * -inf
    a, b = Value(0.0), Value(2.0)
    (a ** b).backward()
    assert a.grad == 0.0
    assert b.grad == 0.0


@pytest.mark.parametrize("b0", [0.0, 0.5, 2.0])
def test_pow_exponent_derivative_at_a_zero_base_and_non_negative_exponent_is_zero(b0):
    # PyTorch and HIPS autograd: d(a^b)/db = 0 where a = 0 and b >= 0 (0^0 = 1 would give
    # 1 * ln 0 = -inf); the same rule serves backward() and grad(create_graph=True)
    a, b = Value(0.0), Value(b0)
    (a ** b).backward()
    assert b.grad == 0.0
    assert grad(Value(0.0) ** b, [b], create_graph=True)[0].data == 0.0


def test_pow_exponent_derivative_at_a_zero_base_and_negative_exponent_stays_minus_inf():
    a, b = Value(0.0), Value(-1.0)  # 0^-1 = inf, inf * ln 0 = -inf, as in PyTorch
    (a ** b).backward()
    assert b.grad == -inf


# -- no op ever raises, forward or backward, first or higher order ---------------------------------

SPECIAL = [0.0, -0.0, 1.0, -1.0, 0.5, -2.5, 3.0, inf, -inf, nan, 1e308, -1e308, 5e-324, -5e-324,
           1e300, -1e-300]

UNARY = [operator.neg, abs, Value.exp, Value.log, Value.tanh, Value.sigmoid, Value.relu,
         Value.sqrt, Value.sin, Value.cos]
BINARY = [operator.add, operator.sub, operator.mul, operator.truediv, operator.pow]


@pytest.mark.parametrize("f", UNARY, ids=lambda f: f.__name__)
def test_unary_op_never_raises_forward_backward_or_in_grad(f):
    for x0 in SPECIAL:
        x = Value(x0)
        y = f(x)
        assert type(y.data) is float
        y.backward()
        y.backward(grad=inf)
        g = y
        for _ in range(3):
            (g,) = grad(g, [x], create_graph=True)
        g.backward()


@pytest.mark.parametrize("f", BINARY, ids=lambda f: f.__name__)
def test_binary_op_never_raises_forward_backward_or_in_grad(f):
    for a0, b0 in itertools.product(SPECIAL, repeat=2):
        a, b = Value(a0), Value(b0)
        for y in (f(a, b), f(a, b0), f(a0, b)):
            assert type(y.data) is float
            y.backward()
            ga, gb = grad(y, [a, b], create_graph=True)
            grad(ga, [a, b], create_graph=True)
            grad(gb, [a, b])


def test_ops_never_raise_on_huge_ints():
    big = 10**400
    x = Value(2.0)
    for y in (x + big, big - x, x * big, x / big, big / x, x ** big, big ** x, big ** Value(-1.0)):
        assert type(y.data) is float
        y.backward()


# -- agreement with the C99 / NumPy results on every special pair --------------------------------

def test_forward_values_agree_with_math_where_math_is_defined():
    for x0 in SPECIAL:
        for f, m in [(Value.exp, math.exp), (Value.log, math.log), (Value.sqrt, math.sqrt),
                     (Value.tanh, math.tanh), (Value.sin, math.sin), (Value.cos, math.cos)]:
            try:
                expected = m(x0)
            except (ValueError, OverflowError):
                continue  # math raises where IEEE gives nan or inf; covered above
            got = f(Value(x0)).data
            assert got == expected or (is_nan(got) and is_nan(expected)), (f, x0)


def test_power_agrees_with_torch_on_every_special_pair():
    torch = pytest.importorskip("torch")
    for a0, b0 in itertools.product(SPECIAL, repeat=2):
        got = (Value(a0) ** b0).data
        expected = torch.pow(torch.tensor(a0, dtype=torch.float64),
                             torch.tensor(b0, dtype=torch.float64)).item()
        assert got == expected or (is_nan(got) and is_nan(expected)), (a0, b0, got, expected)


def test_division_agrees_with_torch_on_every_special_pair():
    torch = pytest.importorskip("torch")
    for a0, b0 in itertools.product(SPECIAL, repeat=2):
        got = (Value(a0) / b0).data
        expected = (torch.tensor(a0, dtype=torch.float64) / b0).item()
        same = got == expected and math.copysign(1, got) == math.copysign(1, expected)
        assert same or (is_nan(got) and is_nan(expected)), (a0, b0, got, expected)


# -- edge derivatives as in PyTorch (float64), and graphs kept where the true value is not constant -

@pytest.mark.parametrize("a0, b0", [(-0.5, 1100.0), (-0.5, 1000.0), (-inf, -1.0), (inf, -1.0),
                                    (-2.0, -2000.0)])
def test_pow_exponent_derivative_of_a_negative_or_infinite_base_is_nan_even_when_the_power_underflows(
        a0, b0):
    # d(a^b)/db = a^b ln a: ln of a negative base is nan, and 0 * +-inf is nan (PyTorch: nan);
    # (-0.5)^1000 (tiny but not 0) and (-0.5)^1100 (underflowing to 0) get the same answer
    a, b = Value(a0), Value(b0)
    (a ** b).backward()
    assert is_nan(b.grad)
    assert is_nan(grad(Value(a0) ** b, [b], create_graph=True)[0].data)


def test_abs_derivative_at_nan_is_zero_as_in_pytorch():
    # PyTorch: d|x|/dx = sign(x), and sign(nan) = 0
    assert derivative(abs, nan) == 0.0
    x = Value(nan)
    assert grad(abs(x), [x], create_graph=True)[0].data == 0.0


def test_second_derivative_through_an_underflowing_power_is_kept():
    # d/da (d(a^b)/db) = d/da (a^b ln a) = b a^(b-1) ln a + a^b / a; at a = 1e-200, b = 2 the
    # power underflows to 0, so PyTorch's graph gives b a^(b-1) ln a = 2e-200 * ln(1e-200)
    a, b = Value(1e-200), Value(2.0)
    (db,) = grad(a ** b, [b], create_graph=True)
    assert db.data == 0.0
    (dadb,) = grad(db, [a])
    assert dadb.data == pytest.approx(2e-200 * math.log(1e-200), rel=1e-15, abs=0.0)
    assert dadb.data == pytest.approx(-9.21e-198, rel=1e-3, abs=0.0)


def test_second_derivative_of_the_base_slope_in_the_exponent_at_exponent_zero_is_one_over_a():
    # d/db (b a^(b-1)) = a^(b-1) + b a^(b-1) ln a = 1/a at b = 0: a graph, not the constant 0
    a, b = Value(2.0), Value(0.0)
    (da,) = grad(a ** b, [a], create_graph=True)
    assert da.data == 0.0
    assert grad(da, [b])[0].data == 0.5


EDGE_POINTS = [0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -2.5, 3.0, inf, -inf, nan, 1e-200, 1e300,
               1100.0, -1100.0]


def test_edge_derivatives_agree_with_torch_float64():
    torch = pytest.importorskip("torch")

    def torch_grads(f, *xs):
        ts = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in xs]
        f(*ts).backward()
        return [t.grad.item() for t in ts]

    def ours(f, *xs):
        vs = [Value(x) for x in xs]
        f(*vs).backward()
        return [v.grad for v in vs]

    def agree(x, y):
        return x == y or (is_nan(x) and is_nan(y))

    differ = []
    for x0 in EDGE_POINTS:
        for name, f, tf in [("abs", abs, torch.abs), ("relu", Value.relu, torch.relu),
                            ("sqrt", Value.sqrt, torch.sqrt), ("log", Value.log, torch.log)]:
            if not all(map(agree, ours(f, x0), torch_grads(tf, x0))):
                differ.append((name, x0, ours(f, x0), torch_grads(tf, x0)))
    for a0, b0 in itertools.product(EDGE_POINTS, repeat=2):
        got, expected = ours(operator.pow, a0, b0), torch_grads(torch.pow, a0, b0)
        if not all(map(agree, got, expected)):
            differ.append(("**", a0, b0, got, expected))
    assert differ == []
