"""Optimizers refuse nonsense when made, and step() is IEEE 754 and applied whole."""

import math

import pytest

from autograd import Value
from nn import SGD, Adam

HUGE = 10 ** 400  # an int too large for a float
NAN, INF = math.nan, math.inf


# -- hyperparameters ---------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, message", [
    ({"lr": -0.1}, r"SGD lr must be in \(0.0, inf\), got -0.1"),
    ({"lr": NAN}, "SGD lr must be in .*got nan"),
    ({"lr": INF}, "SGD lr must be in .*got inf"),
    ({"lr": HUGE}, "SGD lr must be in .*too large for a float"),
    ({"momentum": -0.5}, r"SGD momentum must be in \[0.0, 1.0\), got -0.5"),
    ({"momentum": 1.0}, r"SGD momentum must be in \[0.0, 1.0\), got 1.0"),
    ({"momentum": NAN}, "SGD momentum must be in .*got nan"),
    ({"momentum": -INF}, "SGD momentum must be in .*got -inf"),
    ({"momentum": HUGE}, "SGD momentum must be in .*too large for a float"),
])
def test_sgd_hyperparameter_out_of_range_is_a_value_error(kwargs, message):
    with pytest.raises(ValueError, match=message):
        SGD([Value(1.0)], **kwargs)


@pytest.mark.parametrize("kwargs, message", [
    ({"lr": -1e-3}, r"Adam lr must be in \(0.0, inf\), got -0.001"),
    ({"lr": NAN}, "Adam lr must be in .*got nan"),
    ({"lr": -INF}, "Adam lr must be in .*got -inf"),
    ({"lr": HUGE}, "Adam lr must be in .*too large for a float"),
    ({"eps": -1e-8}, r"Adam eps must be in \[0.0, inf\), got -1e-08"),
    ({"eps": NAN}, "Adam eps must be in .*got nan"),
    ({"eps": INF}, "Adam eps must be in .*got inf"),
    ({"eps": HUGE}, "Adam eps must be in .*too large for a float"),
    ({"betas": (-0.1, 0.999)}, r"Adam betas\[0\] must be in \[0.0, 1.0\), got -0.1"),
    ({"betas": (1.0, 0.999)}, r"Adam betas\[0\] must be in \[0.0, 1.0\), got 1.0"),
    ({"betas": (0.9, 1.0)}, r"Adam betas\[1\] must be in \[0.0, 1.0\), got 1.0"),
    ({"betas": (NAN, 0.999)}, r"Adam betas\[0\] must be in .*got nan"),
    ({"betas": (0.9, INF)}, r"Adam betas\[1\] must be in .*got inf"),
    ({"betas": (HUGE, 0.999)}, r"Adam betas\[0\] must be in .*too large for a float"),
])
def test_adam_hyperparameter_out_of_range_is_a_value_error(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Adam([Value(1.0)], **kwargs)


def test_hyperparameters_at_the_edges_of_their_ranges_are_accepted():
    SGD([Value(1.0)], lr=1e-300, momentum=0.0)
    SGD([Value(1.0)], lr=10 ** 300, momentum=0.9999999999999999)
    Adam([Value(1.0)], lr=1e-300, betas=(0.0, 0.9999999999999999), eps=0.0)


@pytest.mark.parametrize("make", [SGD, Adam])
def test_the_same_value_given_twice_is_a_value_error(make):
    w = Value(1.0, label="w")
    with pytest.raises(ValueError, match=r"params\[0\] and params\[2\] are the same Value \('w'\)"):
        make([w, Value(2.0), w])


# -- step() ------------------------------------------------------------------------------------

def test_adam_with_eps_0_on_a_zero_gradient_gives_nan_not_zero_division_error():
    # (0/c1) / (sqrt(0/c2) + 0) is 0/0: nan in IEEE 754, as PyTorch gives.
    p, q = Value(1.0), Value(1.0)
    q.grad = 2.0
    Adam([p, q], lr=0.1, eps=0.0).step()
    assert math.isnan(p.data)
    assert q.data == pytest.approx(0.9)


@pytest.mark.parametrize("make", [
    lambda ps: SGD(ps, lr=0.1), lambda ps: SGD(ps, lr=0.1, momentum=0.9),
    lambda ps: Adam(ps, lr=0.1), lambda ps: Adam(ps, lr=0.1, eps=0.0),
    lambda ps: Adam(ps, lr=0.1, betas=(0.0, 0.0)),
])
def test_step_never_raises_on_any_gradient(make):
    grads = [NAN, INF, -INF, 0.0, -0.0, 1e308, -1e308, 5e-324]
    params = [Value(1.0) for _ in grads]
    for p, g in zip(params, grads):
        p.grad = g
    opt = make(params)
    for _ in range(3):
        opt.step()
    assert math.isnan(params[0].data)  # nan in, nan out
    assert all(isinstance(p.data, float) for p in params)


def test_sgd_on_infinite_gradients_gives_ieee_infinities():
    p, q = Value(1.0), Value(1.0)
    p.grad, q.grad = INF, -INF
    SGD([p, q], lr=0.5).step()
    assert (p.data, q.data) == (-INF, INF)


@pytest.mark.parametrize("make", [lambda ps: SGD(ps, lr=0.1, momentum=0.5),
                                  lambda ps: Adam(ps, lr=0.1)])
def test_a_step_that_fails_changes_nothing(make):
    # A gradient that is not a number (None) fails the step: no parameter and no optimizer state
    # may have moved, so the next good step is exactly a first step.
    params, fresh = [Value(1.0), Value(2.0)], [Value(1.0), Value(2.0)]
    opt, ref = make(params), make(fresh)
    params[0].grad, params[1].grad = 0.5, None
    with pytest.raises(TypeError):
        opt.step()
    assert [p.data for p in params] == [1.0, 2.0]
    for p in params + fresh:
        p.grad = 0.5
    opt.step()
    ref.step()
    assert [p.data for p in params] == [p.data for p in fresh]
