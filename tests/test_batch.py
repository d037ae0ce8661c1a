"""Tape(root, batch=[...]): one example's graph replayed over rows of examples (API.md, "A batch
of examples")."""

from __future__ import annotations

import math
import subprocess
import sys
import warnings

import numpy as np
import pytest

from autograd import AnomalyError, Tape, Value, detect_anomaly, explain, to_json
from autograd.value import primitive
from nn import MLP


def line_model():
    w, b, x = Value(2.0, label="w"), Value(1.0, label="b"), Value(0.0, label="x")
    return w, b, x, w * x + b


def test_losses_and_grads_of_a_line_by_hand():
    w, b, x, loss = line_model()
    tape = Tape(loss, batch=[x])
    assert tape.forward([[1.0], [2.0], [3.0]]) == 5.0  # losses 3, 5, 7
    assert tape.losses.tolist() == [3.0, 5.0, 7.0]
    tape.backward()
    assert (w.grad, b.grad) == (2.0, 1.0)  # mean of x, mean of 1
    assert tape.batch_grads.tolist() == [[2.0], [2.0], [2.0]]  # d loss_i / d x_i = w
    assert x.grad == 0.0  # a batched leaf gets its gradients in batch_grads only


def test_reduce_sum_adds_instead_of_averaging():
    w, b, x, loss = line_model()
    tape = Tape(loss, batch=[x], reduce="sum")
    assert tape.forward(np.array([[1.0], [2.0], [3.0]])) == 15.0
    tape.backward(grad=2.0)
    assert (w.grad, b.grad) == (12.0, 6.0)
    assert tape.batch_grads.tolist() == [[4.0], [4.0], [4.0]]


def test_a_second_forward_replays_with_the_parameters_current_data():
    w, b, x, loss = line_model()
    tape = Tape(loss, batch=[x])
    tape.forward([[1.0]])
    w.data = -1.0
    assert tape.forward([[1.0], [4.0]]) == -1.5
    tape.backward()
    assert w.grad == 2.5 and b.grad == 1.0


def mlp_hinge(rng_seed=0):
    import random
    model = MLP(2, [8, 8, 1], activation="relu", rng=random.Random(rng_seed))
    x1, x2, y = Value(0.0, label="x1"), Value(0.0, label="x2"), Value(1.0, label="y")
    loss = (1.0 - y * model([x1, x2])).relu() + 1e-3 * sum(p * p for p in model.parameters())
    return model, [x1, x2, y], loss


def per_example(loss, leaves, params, rows):
    """The one-example Tape replayed on each row: losses, grads of leaves, summed param grads."""
    tape = Tape(loss)
    losses, grads, total = [], [], [0.0] * len(params)
    for row in rows:
        for leaf, x in zip(leaves, row):
            leaf.data, leaf.grad = float(x), 0.0
        for p in params:
            p.grad = 0.0
        losses.append(tape.forward())
        tape.backward()
        grads.append([leaf.grad for leaf in leaves])
        total = [t + p.grad for t, p in zip(total, params)]
    for p in params:
        p.grad = 0.0
    return losses, grads, total


def test_an_mlp_batch_equals_the_one_example_tape_on_each_row():
    model, leaves, loss = mlp_hinge()
    params = model.parameters()
    rng = np.random.default_rng(1)
    rows = np.column_stack([rng.normal(size=(50, 2)), rng.choice([-1.0, 1.0], size=50)])
    losses, grads, total = per_example(loss, leaves, params, rows)
    tape = Tape(loss, batch=leaves)
    mean = tape.forward(rows)
    tape.backward()
    assert tape.losses.tolist() == losses  # + - * and relu: bit for bit
    assert tape.batch_grads.tolist() == grads  # each example's gradients, in the engine's order
    assert mean == pytest.approx(sum(losses) / 50, rel=1e-12)
    for p, t in zip(params, total):
        assert p.grad == pytest.approx(t / 50, rel=1e-9, abs=1e-300)


def test_losses_and_batch_grads_are_copies():
    w, b, x, loss = line_model()
    tape = Tape(loss, batch=[x])
    assert tape.losses is None and tape.batch_grads is None
    tape.forward([[1.0]])
    tape.losses[0] = 99.0
    assert tape.losses[0] == 3.0


# -- bad input: an error naming what was expected, and the tape still works --------------------

@pytest.mark.parametrize("make, error, words", [
    (lambda w, b, x, loss: [loss.parents[0]], ValueError, "made by the op '\\*'"),
    (lambda w, b, x, loss: [x, x], ValueError, "twice"),
    (lambda w, b, x, loss: [Value(3.0)], ValueError, "not in the graph"),
    (lambda w, b, x, loss: [], ValueError, "at least one leaf"),
    (lambda w, b, x, loss: x, TypeError, "list of the graph's leaves"),
    (lambda w, b, x, loss: [1.0], TypeError, "item 0"),
])
def test_bad_batch_leaves(make, error, words):
    w, b, x, loss = line_model()
    with pytest.raises(error, match=words):
        Tape(loss, batch=make(w, b, x, loss))


def test_an_int_beyond_float_range_in_rows_is_infinite_as_in_a_value():
    """Value(10**400) is inf; a row holding 10**400 was an OverflowError from NumPy."""
    w, b, x, loss = line_model()
    tape = Tape(loss, batch=[x])
    tape.forward([[10**400], [-(10**400)], [2]])
    assert tape.losses.tolist()[2] == 5.0
    assert tape.losses.tolist()[:2] == [Value(10**400).data * w.data + b.data,
                                        Value(-(10**400)).data * w.data + b.data]


def test_bad_reduce():
    w, b, x, loss = line_model()
    with pytest.raises(ValueError, match='"mean" or "sum"'):
        Tape(loss, batch=[x], reduce="max")


@pytest.mark.parametrize("rows, error, words", [
    ([[1.0, 2.0]], ValueError, "rows of 2 numbers"),
    ([], ValueError, "no rows"),
    (np.empty((0, 1)), ValueError, "no rows"),
    ([1.0, 2.0], ValueError, "flat list"),
    ("1.0", TypeError, "text"),
    ([["1.0"]], TypeError, "text"),
    ([[1.0], [2.0, 3.0]], ValueError, "different widths"),
    ([[1 + 2j]], TypeError, "complex"),
    (None, TypeError, "takes the rows"),
])
def test_bad_rows_change_nothing_and_the_tape_still_works(rows, error, words):
    w, b, x, loss = line_model()
    tape = Tape(loss, batch=[x])
    tape.forward([[1.0], [3.0]])
    with pytest.raises(error, match=words) as caught:
        tape.forward(rows)
    assert "N >= 1 rows of 1 number" in str(caught.value) or words == "takes the rows"
    assert tape.losses.tolist() == [3.0, 7.0]
    tape.backward()
    assert w.grad == 2.0
    assert tape.forward([[0.0]]) == 1.0


def test_backward_before_any_forward_says_what_to_do():
    w, b, x, loss = line_model()
    with pytest.raises(RuntimeError, match=r"forward\(rows\) first"):
        Tape(loss, batch=[x]).backward()


# -- IEEE semantics at special values, without a warning ---------------------------------------

SPECIAL = [0.0, -0.0, 1.0, -1.0, 0.5, -2.5, 3.0, 1e-310, 1e300, -1e300, 709.0, 710.0, -746.0,
           1000.0, -1000.0, math.inf, -math.inf, math.nan]


def same(x, y):
    return (x != x and y != y) or (x == y and math.copysign(1.0, x) == math.copysign(1.0, y))


def ulps(x, y):
    if same(x, y):
        return 0.0
    if not (math.isfinite(x) and math.isfinite(y)):
        return math.inf
    return abs(x - y) / math.ulp(max(abs(x), abs(y)))


UNARY = ["exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid", "relu", "abs", "neg"]
BINARY = ["+", "-", "*", "/", "**"]


def build(op, a, b):
    if op in BINARY:
        return {"+": a + b, "-": a - b, "*": a * b, "/": a / b, "**": a ** b}[op]
    return -a if op == "neg" else abs(a) if op == "abs" else getattr(a, op)()


@pytest.mark.parametrize("op", UNARY + BINARY)
def test_every_op_keeps_the_scalar_semantics_at_special_values(op):
    a, b = Value(1.0, label="a"), Value(2.0, label="b")
    root = build(op, a, b)
    leaves = [a, b] if op in BINARY else [a]
    grid = [[x, y] for x in SPECIAL for y in SPECIAL] if op in BINARY else [[x] for x in SPECIAL]
    losses, grads, _ = per_example(root, leaves, [], grid)
    tape = Tape(root, batch=leaves)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a NumPy RuntimeWarning fails the test
        tape.forward(grid)
        tape.backward()
    exact = op in ("+", "-", "*", "/", "neg", "abs", "relu", "sqrt")
    for row, want, got in zip(grid, losses, tape.losses.tolist()):
        assert same(want, got) if exact else ulps(want, got) <= 4, (op, row, want, got)
    for row, want, got in zip(grid, grads, tape.batch_grads.tolist()):
        for w_, g_ in zip(want, got):
            assert ulps(w_, g_) <= 4, (op, row, want, got)


# -- detect_anomaly(): the example's index, the node, the line ---------------------------------

def test_detect_anomaly_names_the_example_the_node_and_the_line():
    x = Value(0.0, label="x")
    with detect_anomaly():
        y = (x * 1000.0).exp()  # the line the error shows
        tape = Tape(y, batch=[x])
        tape.forward([[0.0], [0.5]])  # finite
        with pytest.raises(AnomalyError) as caught:
            tape.forward([[0.0], [0.5], [1.0], [2.0]])
    text = str(caught.value)
    assert "example 2" in text and "exp" in text
    assert "y = (x * 1000.0).exp()  # the line the error shows" in text
    assert caught.value.node is y and x.data == 1.0  # example 2 is in the graph


def test_detect_anomaly_in_backward_names_the_example():
    x = Value(1.0, label="x")
    with detect_anomaly():
        y = x.sqrt()  # d/dx = 0.5 / sqrt(x): inf at 0
        tape = Tape(y, batch=[x])
        tape.forward([[4.0], [0.0]])
        with pytest.raises(AnomalyError, match="example 1"):
            tape.backward()


def test_detect_anomaly_in_backward_names_the_example_when_only_a_parameter_grad_is_nan():
    """The nan is made where a column meets a parameter (w's grad: x * g = inf * 0 at example 1),
    so no column gradient is non-finite; the error still names the example and the line."""
    x, w = Value(0.0, label="x"), Value(0.5, label="w")
    with detect_anomaly():
        y = (w * x).sigmoid()  # sigmoid'(inf) is 0, and d(w*x)/dw is x = inf
        tape = Tape(y, batch=[x])
        tape.forward([[1.0], [math.inf], [2.0]])
        with pytest.raises(AnomalyError) as caught:
            tape.backward()
    text = str(caught.value)
    assert "example 1" in text and "y = (w * x).sigmoid()" in text
    assert x.data == math.inf  # example 1 is in the graph


def test_detect_anomaly_in_backward_on_a_sum_that_overflows_leaves_the_graph_as_it_was():
    """Each example's gradient of w is finite, their sum is not: no example is to blame."""
    x, w = Value(0.0, label="x"), Value(0.5, label="w")
    y = w * x
    tape = Tape(y, batch=[x], reduce="sum")
    with detect_anomaly():
        tape.forward([[1e308], [1e308]])
        with pytest.raises(AnomalyError, match="summed over the examples is inf"):
            tape.backward()
    assert x.data == 0.0 and y.data == 0.0


# -- views on one example ----------------------------------------------------------------------

def test_example_puts_one_example_into_the_graph_for_every_view():
    w, b, x, loss = line_model()
    tape = Tape(loss, batch=[x])
    tape.forward([[1.0], [2.0], [3.0]])
    worst = int(np.argmax(tape.losses))
    assert tape.example(worst) is loss
    assert x.data == 3.0 and loss.data == 7.0
    assert explain(loss, w).total == 3.0  # d loss / d w at example 2 is x = 3
    nodes = {n["label"]: n["data"] for n in to_json(loss)["nodes"]}
    assert nodes["x"] == 3.0
    with pytest.raises(IndexError, match="3 examples"):
        tape.example(3)
    with pytest.raises(TypeError, match="an int"):
        tape.example(1.0)


# -- a user's own primitive replays in a batch too ---------------------------------------------

def test_a_users_primitive_replays_in_a_batch():
    name = "softplus_batch_test"
    softplus = primitive(name, lambda a: math.log1p(math.exp(a)) if a < 30 else a,
                         lambda a, out: 1.0 / (1.0 + math.exp(-a)))
    x, w = Value(0.0, label="x"), Value(1.5, label="w")
    loss = softplus(x * w)
    rows = [[-40.0], [-1.0], [0.0], [2.0], [50.0]]
    losses, grads, total = per_example(loss, [x], [w], rows)
    tape = Tape(loss, batch=[x])
    tape.forward(rows)
    tape.backward()
    assert tape.losses.tolist() == losses
    assert tape.batch_grads.tolist() == grads
    assert w.grad == pytest.approx(total[0] / 5, rel=1e-12)


def test_import_loads_no_numpy_until_a_batch_is_used():
    code = ("import sys, autograd, nn\n"
            "assert 'numpy' not in sys.modules, 'import'\n"
            "x = autograd.Value(1.0); t = autograd.Tape(x * 2.0); t.forward(); t.backward()\n"
            "assert 'numpy' not in sys.modules, 'a one-example tape'\n"
            "t = autograd.Tape(x * 2.0, batch=[x])\n"
            "assert 'numpy' in sys.modules\n")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_a_batched_tape_cannot_be_pickled_but_copies():
    import copy
    import pickle
    w, b, x, loss = line_model()
    tape = Tape(loss, batch=[x])
    with pytest.raises(TypeError, match="pickle"):
        pickle.dumps(tape)
    twin = copy.deepcopy(tape)
    assert twin.forward([[1.0]]) == 3.0


def test_a_root_that_is_a_batched_leaf_is_its_own_loss():
    x = Value(0.0, label="x")
    tape = Tape(x, batch=[x])
    assert tape.forward([[1.0], [2.0]]) == 1.5
    tape.backward()
    assert tape.batch_grads.tolist() == [[1.0], [1.0]]


def test_generated_code_is_readable_and_named_after_the_ops():
    w, x = Value(2.0, label="w"), Value(0.0, label="x")
    tape = Tape((w * x).sigmoid() / w, batch=[x])
    source = tape.source()
    assert "sigmoid(" in source and "multiply(" in source and "div(" in source


# -- the program: the scalar Tape's chunks, shared buffers, two programs -----------------------

def test_a_graph_cut_into_many_chunks_replays_as_the_one_example_tape():
    from autograd.tape import record
    model, leaves, loss = mlp_hinge()
    params = model.parameters()
    rows = np.random.default_rng(3).normal(size=(7, 3))
    losses, grads, _ = per_example(loss, leaves, params, rows)
    saved = record.MIN_CHUNK, record.MAX_CHUNK
    record.MIN_CHUNK, record.MAX_CHUNK = 3, 9
    try:
        tape = Tape(loss, batch=leaves)
    finally:
        record.MIN_CHUNK, record.MAX_CHUNK = saved
    tape.forward(rows)
    tape.backward()
    assert tape.source().count("def forward_") > 10  # the scalar Tape's cuts
    assert tape.losses.tolist() == losses and tape.batch_grads.tolist() == grads


def test_a_zero_gradient_of_a_batched_leaf_is_the_engines_positive_zero():
    x = Value(1.0, label="x")
    loss = (x * 0.0) * -1.0  # d loss / d x = 0.0 * -1.0: -0.0 before the engine's sum from 0.0
    want = per_example(loss, [x], [], [[2.0]])[1][0][0]
    tape = Tape(loss, batch=[x])
    tape.forward([[2.0], [3.0]])
    tape.backward()
    assert [same(want, g) for g in tape.batch_grads[:, 0].tolist()] == [True, True]


def test_values_backward_reads_survive_the_forward_sharing_its_buffers():
    a, b, x = Value(3.0, label="a"), Value(-2.0, label="b"), Value(0.0, label="x")
    h = (a * x + b).relu()  # h is read by backward (d (h * h) / d h), the sum a * x + b is not
    loss = h * h + (x * 5.0 + 1.0) * (x * 7.0 - 2.0)  # more products and sums, dead once used
    rows = [[1.0], [2.0], [-1.0]]
    losses, grads, total = per_example(loss, [x], [a, b], rows)
    tape = Tape(loss, batch=[x], reduce="sum")
    tape.forward(rows)
    tape.backward()
    assert tape.losses.tolist() == losses and tape.batch_grads.tolist() == grads
    assert [a.grad, b.grad] == pytest.approx(total, rel=1e-12)


@pytest.mark.parametrize("checked", ["forward", "backward"])
def test_a_pass_under_detect_anomaly_and_the_other_outside_give_the_plain_gradients(checked):
    model, leaves, loss = mlp_hinge()
    params = model.parameters()
    rows = np.random.default_rng(4).normal(size=(6, 3))
    tape = Tape(loss, batch=leaves)
    tape.forward(rows)
    tape.backward()
    plain = [p.grad for p in params], tape.batch_grads.tolist()
    for p in params:
        p.grad = 0.0
    with detect_anomaly() if checked == "forward" else warnings.catch_warnings():
        tape.forward(rows)
    with detect_anomaly() if checked == "backward" else warnings.catch_warnings():
        tape.backward()
    assert ([p.grad for p in params], tape.batch_grads.tolist()) == plain


@pytest.mark.parametrize("first", ["c", "s"])
def test_a_gradient_added_to_between_its_column_sums_is_summed_as_it_is_then(first):
    # k1 and k2 get s's gradient unchanged (one array); in one order of the graph c adds to
    # k2's in place after k1 has summed x * g over the examples, and before k2 does
    w1, w2, w3 = Value(0.5, label="w1"), Value(-1.5, label="w2"), Value(2.0, label="w3")
    x = Value(0.0, label="x")
    k2 = w2 * x
    c = k2 * w3
    k1 = w1 * x
    s = k1 + k2
    root = c + s if first == "c" else s + c
    rows = [[1.0], [2.0], [4.0]]
    _, grads, total = per_example(root, [x], [w1, w2, w3], rows)
    tape = Tape(root, batch=[x], reduce="sum")
    tape.forward(rows)
    tape.backward()
    assert tape.batch_grads.tolist() == grads
    assert [w1.grad, w2.grad, w3.grad] == pytest.approx(total, rel=1e-12)


def test_a_neurons_weight_sums_are_one_matrix_product():
    model, leaves, loss = mlp_hinge()
    source = Tape(loss, batch=leaves).source()
    assert "stack((" in source and ".dot(g).tolist()" in source


@pytest.mark.parametrize("make", [lambda w, x: w * x, lambda w, x: x * w, lambda w, x: -(w * x),
                                  lambda w, x: (w * x) * (w * x)])
def test_a_root_summed_over_the_examples_right_away(make):
    w, x = Value(2.0, label="w"), Value(0.0, label="x")
    root = make(w, x)
    rows = [[1.0], [-3.0], [0.5]]
    losses, grads, total = per_example(root, [x], [w], rows)
    tape = Tape(root, batch=[x])
    tape.forward(rows)
    tape.backward()
    assert tape.losses.tolist() == losses and tape.batch_grads.tolist() == grads
    assert w.grad == pytest.approx(total[0] / 3, rel=1e-12)
