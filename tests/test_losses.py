"""nn losses: binary cross-entropy refuses nonsense; softmax, log_softmax and cross_entropy.

Reference numbers: PyTorch is not installed here (the PyPI wheel for Linux brings the CUDA
libraries, gigabytes), so the expected values below were computed exactly instead, with Python's
decimal module at 60 significant digits from the same float64 inputs:
log_softmax(x)_i = x_i - m - ln(sum_j exp(x_j - m)), softmax = exp(log_softmax), and the gradient
of the mean cross-entropy (softmax(x) - onehot(t)) / n, each rounded once to float64. These are
what torch.nn.functional.{log_softmax, softmax, cross_entropy} give in float64 to within rounding.
"""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import Value, gradcheck
from nn import binary_cross_entropy, cross_entropy, hinge_loss, log_softmax, softmax

REL = 1e-14  # a few float64 roundings


def close(a, b, rel=REL):
    return a == pytest.approx(b, rel=rel, abs=1e-300)


# -- binary cross-entropy ----------------------------------------------------------------------

@pytest.mark.parametrize("p", [1.5, -0.25, 1.0 + 1e-15, math.inf, -math.inf])
def test_bce_prediction_outside_0_1_is_a_value_error(p):
    with pytest.raises(ValueError, match=r"predictions must be probabilities in \[0, 1\]"):
        binary_cross_entropy(Value(p), 1.0)


def test_bce_prediction_outside_0_1_is_a_value_error_for_a_float_and_in_a_list():
    with pytest.raises(ValueError, match="got 1.5"):
        binary_cross_entropy(1.5, 1.0)
    with pytest.raises(ValueError, match="got -0.5"):
        binary_cross_entropy([Value(0.5), Value(-0.5)], [1.0, 0.0])


@pytest.mark.parametrize("t", [1.0, 0.0, 0.5])
def test_bce_nan_prediction_gives_nan_loss_and_nan_gradient(t):
    p = Value(math.nan)
    loss = binary_cross_entropy(p, t)
    loss.backward()
    assert math.isnan(loss.data)
    assert math.isnan(p.grad)


def test_bce_nan_from_a_sigmoid_gives_nan_and_its_logit_a_nan_gradient():
    z = Value(math.nan)
    loss = binary_cross_entropy(z.sigmoid(), 1.0)
    loss.backward()
    assert math.isnan(loss.data)
    assert math.isnan(z.grad)


def test_bce_at_p_0_with_target_1_is_100_with_pytorchs_large_gradient():
    # PyTorch's BCELoss clamps log at -100 and its backward is (p - t) / max(p(1-p), 1e-12):
    # -1e12 here, not 0, so a confidently wrong prediction is still pushed the right way.
    p = Value(0.0)
    loss = binary_cross_entropy(p, 1.0)
    loss.backward()
    assert loss.data == 100.0
    assert p.grad == -1e12


def test_bce_at_p_1_with_target_0_is_100_with_pytorchs_large_gradient():
    p = Value(1.0)
    loss = binary_cross_entropy(p, 0.0)
    loss.backward()
    assert loss.data == 100.0
    assert p.grad == 1e12


def test_bce_just_inside_the_clamp_has_the_exact_gradient():
    p = Value(1e-30)
    loss = binary_cross_entropy(p, 1.0)
    loss.backward()
    assert close(loss.data, 30 * math.log(10))
    assert close(p.grad, -1e30)


def test_bce_of_a_saturated_sigmoid_keeps_its_exact_gradient():
    z = Value(-800.0)
    loss = binary_cross_entropy(z.sigmoid(), 1.0)
    loss.backward()
    assert loss.data == 800.0
    assert z.grad == -1.0


@pytest.mark.parametrize("p, t", [(1.0, 1.0), (0.0, 0.0), (Value(1.0), 1.0), (Value(0.0), 0.0)])
def test_bce_of_a_perfect_prediction_is_plus_zero(p, t):
    loss = binary_cross_entropy(p, t).data
    assert loss == 0.0 and math.copysign(1.0, loss) == 1.0


def test_bce_matches_the_formula_inside_0_1():
    p = Value(0.3)
    loss = binary_cross_entropy(p, 0.75)
    loss.backward()
    assert close(loss.data, -(0.75 * math.log(0.3) + 0.25 * math.log(0.7)))
    assert close(p.grad, -0.75 / 0.3 + 0.25 / 0.7)


# -- softmax and log_softmax -------------------------------------------------------------------

def test_log_softmax_matches_the_reference():
    out = log_softmax([Value(1.0), Value(2.0), Value(3.0)])
    expected = [-2.40760596444438, -1.4076059644443804, -0.4076059644443803]
    assert all(isinstance(v, Value) for v in out)
    assert all(close(v.data, e) for v, e in zip(out, expected))


def test_softmax_matches_the_reference():
    out = softmax([1.0, 2.0, 3.0])
    expected = [0.09003057317038046, 0.24472847105479764, 0.6652409557748219]
    assert all(close(v.data, e) for v, e in zip(out, expected))


def test_softmax_gradient_matches_the_reference():
    xs = [Value(1.0), Value(2.0), Value(3.0)]
    s = softmax(xs)
    (1.0 * s[0] - 2.0 * s[1] + 3.0 * s[2]).backward()
    expected = [-0.053684915529114974, -0.880116143509545, 0.93380105903866]
    assert all(close(x.grad, e, rel=1e-13) for x, e in zip(xs, expected))


def test_softmax_and_log_softmax_of_plus_minus_1000_are_exact():
    xs = [Value(1000.0), Value(-1000.0), Value(0.0)]
    assert [v.data for v in log_softmax(xs)] == [0.0, -2000.0, -1000.0]
    assert [v.data for v in softmax(xs)] == [1.0, 0.0, 0.0]


def test_log_softmax_gradient_is_exact_at_plus_minus_1000():
    xs = [Value(1000.0), Value(-1000.0), Value(0.0)]
    log_softmax(xs)[1].backward()  # d/dx_k = onehot(1)_k - softmax_k
    assert [x.grad for x in xs] == [-1.0, 1.0, 0.0]


@pytest.mark.parametrize("f", [softmax, log_softmax])
def test_nan_logit_gives_nan_everywhere_without_raising(f):
    out = f([Value(1.0), Value(math.nan)])
    assert all(math.isnan(v.data) for v in out)


# -- cross_entropy -----------------------------------------------------------------------------

def test_cross_entropy_of_one_example_matches_the_reference():
    xs = [Value(0.5), Value(-1.25), Value(2.0), Value(0.0)]
    loss = cross_entropy(xs, 2)
    loss.backward()
    assert close(loss.data, 0.3344986126036626)
    expected = [0.15969355003210822, 0.027750577932680404, -0.28430316221761565, 0.09685903425282703]
    assert all(close(x.grad, e, rel=1e-13) for x, e in zip(xs, expected))


def test_cross_entropy_of_a_batch_is_the_mean_and_matches_the_reference():
    rows = [[Value(1.0), Value(2.0), Value(3.0)],
            [Value(1000.0), Value(-1000.0), Value(0.0)],
            [Value(-3.0), Value(0.5), Value(0.25)]]
    loss = cross_entropy(rows, [0, 1, 2])
    loss.backward()
    assert close(loss.data, 667.75012638577)
    expected = [[-0.30332314227653984, 0.08157615701826589, 0.22174698525827397],
                [0.3333333333333333, -0.3333333333333333, 0.0],
                [0.005564292247800403, 0.1842640526161583, -0.1898283448639587]]
    for row, exp in zip(rows, expected):
        assert all(close(x.grad, e, rel=1e-13) for x, e in zip(row, exp))


def test_cross_entropy_of_plus_minus_1000_is_exact_and_finite():
    xs = [Value(1000.0), Value(-1000.0)]
    loss = cross_entropy(xs, 1)
    loss.backward()
    assert loss.data == 2000.0
    assert [x.grad for x in xs] == [1.0, -1.0]


def test_cross_entropy_of_two_logits_near_minus_1000():
    xs = [Value(-1000.0), Value(-1000.5)]
    loss = cross_entropy(xs, 0)
    loss.backward()
    assert close(loss.data, 0.4740769841801067)
    assert close(xs[0].grad, -0.37754066879814546) and close(xs[1].grad, 0.37754066879814546)


def test_cross_entropy_takes_numbers_and_tuples():
    assert close(cross_entropy((0.5, -1.25, 2.0, 0.0), 2).data, 0.3344986126036626)


def test_numpy_arrays_and_numbers_do_as_lists_and_numbers():
    np = pytest.importorskip("numpy")
    assert close(cross_entropy(np.array([0.5, -1.25, 2.0, 0.0]), np.int64(2)).data,
                 0.3344986126036626)
    assert close(cross_entropy(np.array([[0.5, -1.25, 2.0, 0.0]] * 2), np.array([2, 2])).data,
                 0.3344986126036626)
    assert close(softmax(np.array([1.0, 2.0, 3.0]))[2].data, 0.6652409557748219)
    with pytest.raises(TypeError, match="takes a list of logits"):
        softmax(np.float64(1.0))


def test_cross_entropy_agrees_with_finite_differences():
    def f(a, b, c, d):
        return cross_entropy([[a, b], [c, d]], [1, 0])

    assert gradcheck(f, [0.3, -1.2, 2.5, 0.7])


@pytest.mark.parametrize("logits, target, error, message", [
    ([1.0, 2.0], 2, ValueError, r"target must be a class index in \[0, 2\) for 2 logits, got 2"),
    ([1.0, 2.0], -1, ValueError, r"in \[0, 2\) for 2 logits, got -1"),
    ([1.0, 2.0], 1.0, TypeError, r"target must be a class index, an int in \[0, 2\), got float"),
    ([1.0, 2.0], True, TypeError, "got bool"),
    ([1.0, 2.0], Value(1.0), TypeError, "must be a class index"),
    ([1.0, 2.0], [1], ValueError, "target must be one class index, or a list of 2 class prob"),
    ([1.0, 2.0], {0: 1.0}, TypeError, "target must be a class index or a list of 2 class prob"),
    ({0: 1.0, 1: 2.0}, 0, TypeError, "takes a list of logits in order, got dict"),
    ([], 0, ValueError, "logits is empty"),
    ([[]], [0], ValueError, r"logits\[0\] is empty"),
    ([[1.0, 2.0], [1.0]], [0, 0], ValueError,
     r"same number of logits; logits\[0\] has 2, logits\[1\] has 1"),
    ([[1.0, 2.0], [1.0, 2.0]], [0], ValueError, "2 examples but target has 1"),
    ([[1.0, 2.0]], 0, TypeError, "target must be a list of 1 class indices"),
    ([[1.0, 2.0], [3.0, 4.0]], [0, 2], ValueError, r"target\[1\] must be a class index in \[0, 2\)"),
    ([[1.0, 2.0]], [0.0], TypeError, r"target\[0\] must be a class index"),
    (["a", 1.0], 0, TypeError, r"logits\[0\] must be a number or a Value, got str"),
    (Value(1.0), 0, TypeError, "takes a list of logits"),
])
def test_cross_entropy_bad_input_says_what_was_expected(logits, target, error, message):
    with pytest.raises(error, match=message):
        cross_entropy(logits, target)


@pytest.mark.parametrize("f", [softmax, log_softmax])
def test_softmax_bad_input_says_what_was_expected(f):
    with pytest.raises(ValueError, match="empty; expected at least one logit"):
        f([])
    with pytest.raises(TypeError, match="takes a list of logits"):
        f(3.0)


# -- properties --------------------------------------------------------------------------------

logit = st.floats(-1000.0, 1000.0, allow_nan=False)
logit_lists = st.lists(logit, min_size=1, max_size=6)


@settings(max_examples=60, deadline=None)
@given(logit_lists)
def test_softmax_is_a_distribution(xs):
    probs = [v.data for v in softmax(xs)]
    assert all(0.0 <= p <= 1.0 for p in probs)
    assert math.fsum(probs) == pytest.approx(1.0, abs=1e-12)


@settings(max_examples=60, deadline=None)
@given(logit_lists, st.floats(-500.0, 500.0))
def test_log_softmax_is_unchanged_by_a_shift_of_every_logit(xs, c):
    shifted = [x + c for x in xs]
    for a, b in zip(log_softmax(xs), log_softmax(shifted)):
        assert a.data == pytest.approx(b.data, rel=1e-9, abs=1e-9 * (1 + abs(c)))


@settings(max_examples=60, deadline=None)
@given(logit_lists.flatmap(lambda xs: st.tuples(st.just(xs), st.integers(0, len(xs) - 1))))
def test_cross_entropy_gradient_is_softmax_minus_onehot(case):
    xs, t = case
    vs = [Value(x) for x in xs]
    loss = cross_entropy(vs, t)
    loss.backward()
    probs = [v.data for v in softmax(xs)]
    assert math.isfinite(loss.data) and loss.data >= 0.0
    for k, (v, p) in enumerate(zip(vs, probs)):
        assert v.grad == pytest.approx(p - (k == t), abs=1e-12)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.floats(-5.0, 5.0), min_size=2, max_size=4), st.data())
def test_softmax_and_cross_entropy_agree_with_finite_differences(xs, data):
    t = data.draw(st.integers(0, len(xs) - 1))
    weights = data.draw(st.lists(st.floats(-2.0, 2.0), min_size=len(xs), max_size=len(xs)))
    assert gradcheck(lambda *v: cross_entropy(list(v), t), xs)
    assert gradcheck(lambda *v: sum(w * s for w, s in zip(weights, softmax(list(v)))), xs)
    assert gradcheck(lambda *v: log_softmax(list(v))[t], xs)


def test_bce_of_a_nan_target_is_nan_as_in_pytorch():
    p = Value(0.3)
    loss = binary_cross_entropy(p, math.nan)
    loss.backward()
    assert math.isnan(loss.data) and math.isnan(p.grad)


def test_hinge_loss_takes_no_bool_for_a_label():
    with pytest.raises(ValueError, match="-1 or \\+1"):
        hinge_loss([Value(0.5)], [True])


@pytest.mark.parametrize("function", [softmax, log_softmax])
def test_softmax_refuses_a_dict_rather_than_reading_its_keys(function):
    with pytest.raises(TypeError, match="takes a list of logits in order, got dict"):
        function({0: 1.0, 1: 2.0})
