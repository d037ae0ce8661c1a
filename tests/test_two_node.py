"""The course's two-node sigmoid network: the engine's gradients equal the chain rule by hand."""

import math

import pytest

from autograd import Value
from nn import TwoNodeNetwork, mse_loss


def sigmoid(z):
    return 1.0 / (1.0 + math.exp(-z))


def by_hand(w1, b1, w2, b2, x, y):
    """Forward and backward of C = (y_hat - y)**2 written out with the chain rule."""
    z1 = w1 * x + b1
    a1 = sigmoid(z1)
    z2 = w2 * a1 + b2
    y_hat = sigmoid(z2)
    dC_dyhat = 2.0 * (y_hat - y)
    delta2 = dC_dyhat * y_hat * (1.0 - y_hat)          # dC/dz2
    delta1 = delta2 * w2 * a1 * (1.0 - a1)             # dC/dz1
    return {
        "z1": z1, "a1": a1, "z2": z2, "y_hat": y_hat, "C": (y_hat - y) ** 2,
        "dC/dy_hat": dC_dyhat, "delta2": delta2, "delta1": delta1,
        "w2": delta2 * a1, "b2": delta2, "w1": delta1 * x, "b1": delta1,
        "a1.grad": delta2 * w2,
    }


CASES = [
    (0.8, 0.1, -1.2, 0.3, 1.5, 0.2),
    (0.5, 0.0, 0.5, 0.0, 1.0, 1.0),
    (-2.0, 1.0, 3.0, -1.0, 0.25, 0.0),
    (4.0, -3.0, -5.0, 2.0, -1.0, 0.7),
]


@pytest.mark.parametrize("w1, b1, w2, b2, x, y", CASES)
def test_forward_values_match_hand_computation(w1, b1, w2, b2, x, y):
    net = TwoNodeNetwork(w1=w1, w2=w2, b1=b1, b2=b2)
    y_hat = net(x)
    hand = by_hand(w1, b1, w2, b2, x, y)
    assert y_hat is net.y_hat
    for name in ("z1", "a1", "z2", "y_hat"):
        assert getattr(net, name).data == pytest.approx(hand[name], rel=1e-14, abs=1e-15)


@pytest.mark.parametrize("w1, b1, w2, b2, x, y", CASES)
def test_gradients_match_the_chain_rule_by_hand(w1, b1, w2, b2, x, y):
    net = TwoNodeNetwork(w1=w1, w2=w2, b1=b1, b2=b2)
    cost = mse_loss(net(x), y)
    cost.backward()
    hand = by_hand(w1, b1, w2, b2, x, y)
    assert cost.data == pytest.approx(hand["C"], rel=1e-13)
    assert net.y_hat.grad == pytest.approx(hand["dC/dy_hat"], rel=1e-13, abs=1e-15)
    assert net.z2.grad == pytest.approx(hand["delta2"], rel=1e-13, abs=1e-15)
    assert net.a1.grad == pytest.approx(hand["a1.grad"], rel=1e-13, abs=1e-15)
    assert net.z1.grad == pytest.approx(hand["delta1"], rel=1e-13, abs=1e-15)
    for p in ("w1", "b1", "w2", "b2"):
        assert getattr(net, p).grad == pytest.approx(hand[p], rel=1e-13, abs=1e-15), p


def test_the_two_sigmoid_nodes_are_single_graph_nodes():
    net = TwoNodeNetwork(w1=0.8, w2=-1.2)
    y_hat = net(1.5)
    assert y_hat.op == "sigmoid" and net.a1.op == "sigmoid"
    assert y_hat.parents == (net.z2,)
    assert net.a1.parents == (net.z1,)


def test_parameters_and_intermediates_are_labelled():
    net = TwoNodeNetwork()
    assert [name for name, _ in net.named_parameters()] == ["w1", "b1", "w2", "b2"]
    assert [p.label for p in net.parameters()] == ["w1", "b1", "w2", "b2"]
    net(0.5)
    assert [net.z1.label, net.a1.label, net.z2.label, net.y_hat.label] == ["z1", "a1", "z2", "y_hat"]


def test_intermediates_are_none_before_the_first_call():
    net = TwoNodeNetwork()
    assert net.z1 is None and net.y_hat is None


def test_default_weights_are_reproducible_and_biases_zero():
    a, b = TwoNodeNetwork(), TwoNodeNetwork()
    assert [p.data for p in a.parameters()] == [p.data for p in b.parameters()]
    assert a.b1.data == 0.0 and a.b2.data == 0.0
    assert a.w1.data != a.w2.data


def test_takes_a_value_input_and_differentiates_through_it():
    net = TwoNodeNetwork(w1=0.8, w2=-1.2)
    x = Value(1.5, "x")
    mse_loss(net(x), 0.2).backward()
    hand = by_hand(0.8, 0.0, -1.2, 0.0, 1.5, 0.2)
    assert x.grad == pytest.approx(hand["delta1"] * 0.8, rel=1e-13)


@pytest.mark.parametrize("bad", ["1.0", None, [1.0]])
def test_rejects_a_non_number_input(bad):
    with pytest.raises(TypeError, match="TwoNodeNetwork takes one number or Value"):
        TwoNodeNetwork()(bad)


def test_rejects_a_non_number_weight():
    with pytest.raises(TypeError, match=r"TwoNodeNetwork\(w1=...\) needs a number, got str"):
        TwoNodeNetwork(w1="0.5")
