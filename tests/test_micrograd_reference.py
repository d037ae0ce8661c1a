"""The published micrograd test expressions, with the values PyTorch gives.

The expressions are those of test_sanity_check, test_more_ops and test_unary_tensor_fns in
karpathy/micrograd, test/test_engine.py. The reference numbers were computed with PyTorch 2.13
(CPU, float64) running the same expressions, and are hard-coded here so these tests need no torch;
micrograd's README quotes the rounded values (24.7041, 138.8338, 645.5773). The last tests rerun
the expressions in PyTorch when it is installed.
"""

import math

import pytest

from autograd import Value


def sanity_check(x):
    """micrograd's test_sanity_check: returns y (x is a leaf)."""
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    y = h + q + q * x
    return y


def more_ops(a, b):
    """micrograd's test_more_ops: returns g. (`c += ...` rebinds c to a new node.)"""
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    return g


# PyTorch 2.13, float64: y.item(), x.grad.item()
SANITY_Y, SANITY_X_GRAD = -20.0, 46.0
# PyTorch 2.13, float64: g.item(), a.grad.item(), b.grad.item()
MORE_OPS_G, MORE_OPS_A_GRAD, MORE_OPS_B_GRAD = (24.70408163265306, 138.83381924198252,
                                               645.5772594752186)
# PyTorch 2.13, float64: (x, tanh(x).item(), x.grad.item()) and the same for exp
TANH = [(-1.0, -0.7615941559557649, 0.41997434161402614),
        (0.123, 0.12238344189440876, 0.9850222931500778),
        (2.0, 0.9640275800758169, 0.07065082485316443)]
EXP = [(-1.0, 0.36787944117144233, 0.36787944117144233),
       (0.123, 1.1308844209474893, 1.1308844209474893),
       (2.0, 7.38905609893065, 7.38905609893065)]


def test_sanity_check_matches_pytorch_exactly():
    x = Value(-4.0)
    y = sanity_check(x)
    y.backward()
    assert y.data == SANITY_Y
    assert x.grad == SANITY_X_GRAD


def test_more_ops_matches_pytorch():
    a, b = Value(-4.0), Value(2.0)
    g = more_ops(a, b)
    g.backward()
    assert g.data == MORE_OPS_G
    assert a.grad == pytest.approx(MORE_OPS_A_GRAD, rel=1e-15, abs=0)
    assert b.grad == pytest.approx(MORE_OPS_B_GRAD, rel=1e-15, abs=0)


def test_more_ops_matches_the_exact_rational_values():
    # by hand at a = -4, b = 2: c = 3a + 4b + 3 = -1 and, as relu(b + a) = relu(-2) = 0,
    # d = 12(ab + b^3) + (b - a) = 6; e = c - d = -7, f = e^2 = 49, g = f/2 + 10/f = 2421/98.
    # dg/de = e - 20/e^3 = -2381/343, de/da = 3 - (12b - 1) = -20,
    # de/db = 4 - (12(a + 3b^2) + 1) = -93: dg/da = 47620/343, dg/db = 221433/343
    a, b = Value(-4.0), Value(2.0)
    g = more_ops(a, b)
    g.backward()
    assert g.data == 2421 / 98
    assert a.grad == pytest.approx(47620 / 343, rel=5e-16, abs=0)  # within 2 ulps
    assert b.grad == pytest.approx(221433 / 343, rel=5e-16, abs=0)


@pytest.mark.parametrize("x0, y0, dy", TANH)
def test_tanh_matches_pytorch(x0, y0, dy):
    x = Value(x0)
    y = x.tanh()
    y.backward()
    assert y.data == pytest.approx(y0, rel=2e-16, abs=0)  # math.tanh and torch may differ by 1 ulp
    assert x.grad == pytest.approx(dy, rel=1e-15, abs=0)


@pytest.mark.parametrize("x0, y0, dy", EXP)
def test_exp_matches_pytorch_exactly(x0, y0, dy):
    x = Value(x0)
    y = x.exp()
    y.backward()
    assert y.data == y0
    assert x.grad == dy


def test_micrograd_tolerance_is_met_with_room_to_spare():
    # micrograd itself asserts |ours - torch| < 1e-6; we are within 1e-12
    a, b = Value(-4.0), Value(2.0)
    g = more_ops(a, b)
    g.backward()
    assert abs(a.grad - MORE_OPS_A_GRAD) < 1e-12
    assert abs(b.grad - MORE_OPS_B_GRAD) < 1e-12
    assert math.isclose(g.data, MORE_OPS_G, rel_tol=0, abs_tol=1e-12)


# -- against PyTorch directly, where it is installed -----------------------------------------------

def test_sanity_check_against_torch():
    torch = pytest.importorskip("torch")
    xt = torch.tensor(-4.0, dtype=torch.float64, requires_grad=True)
    yt = sanity_check(xt)
    yt.backward()
    x = Value(-4.0)
    y = sanity_check(x)
    y.backward()
    assert y.data == yt.item()
    assert x.grad == xt.grad.item()


def test_more_ops_against_torch():
    torch = pytest.importorskip("torch")
    at = torch.tensor(-4.0, dtype=torch.float64, requires_grad=True)
    bt = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
    gt = more_ops(at, bt)
    gt.backward()
    a, b = Value(-4.0), Value(2.0)
    g = more_ops(a, b)
    g.backward()
    assert g.data == pytest.approx(gt.item(), rel=1e-15)
    assert a.grad == pytest.approx(at.grad.item(), rel=1e-15)
    assert b.grad == pytest.approx(bt.grad.item(), rel=1e-15)


@pytest.mark.parametrize("name", ["tanh", "exp", "sigmoid", "sin", "cos", "relu"])
def test_unary_functions_against_torch(name):
    torch = pytest.importorskip("torch")
    for x0 in [-3.0, -1.0, 0.123, 2.0, 5.0]:
        xt = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
        yt = getattr(torch, name)(xt)
        yt.backward()
        x = Value(x0)
        y = getattr(x, name)()
        y.backward()
        assert y.data == pytest.approx(yt.item(), rel=1e-15, abs=0)
        # derivatives computed from the output (1 - y^2, s(1 - s)) carry an absolute rounding
        # error of about one ulp of 1, so compare with an absolute tolerance as well
        assert x.grad == pytest.approx(xt.grad.item(), rel=1e-14, abs=1e-15)
