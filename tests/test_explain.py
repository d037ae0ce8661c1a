"""explain(root, node): d root / d node as the sum over paths of products of named local
derivatives, factored with deltas at pre-activations, equal to the engine's gradient."""

from __future__ import annotations

import importlib
import math
import re
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import Value, backward_steps, grad
from autograd._util import format_number as fmt
from autograd.explain import MAX_LISTED, explain
from autograd.names import atom, d
from nn import MLP, Neuron, TwoNodeNetwork


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


W1, W2, B1, B2, X, Y = 0.5, -1.2, 0.1, 0.3, 1.5, 0.2


def course() -> dict[str, float]:
    """The two-node network's gradients by hand, as the course derives them."""
    z1 = W1 * X + B1
    a1 = sigmoid(z1)
    z2 = W2 * a1 + B2
    y_hat = sigmoid(z2)
    dC_dy_hat = 2 * (y_hat - Y)
    delta2 = dC_dy_hat * y_hat * (1 - y_hat)
    delta1 = delta2 * W2 * a1 * (1 - a1)
    return {"a1": a1, "y_hat": y_hat, "dC/dy_hat": dC_dy_hat, "ds2": y_hat * (1 - y_hat),
            "ds1": a1 * (1 - a1), "delta2": delta2, "delta1": delta1,
            "dC/dw2": delta2 * a1, "dC/dw1": delta1 * X}


def two_node():
    """The network, its input x and the cost C, as a user writes them."""
    net = TwoNodeNetwork(w1=W1, w2=W2, b1=B1, b2=B2)
    x, y = float(X), Y  # a float of the caller's own, which explain names after its variable
    y_hat = net(x)
    C = (y_hat - y) ** 2
    return net, x, C


def close(a: float, b: float, rel: float = 1e-12) -> bool:
    return a == b or abs(a - b) <= rel * max(abs(a), abs(b))


# -- the course ---------------------------------------------------------------------------------

def test_two_node_dC_dw1_reads_as_the_course_with_the_hand_computed_numbers():
    net, x, C = two_node()  # noqa: RUF059  (explain names the input after x)
    h = course()
    e = explain(C, net.w1)
    assert close(e.total, h["dC/dw1"])
    lines = str(e).splitlines()
    assert (f"  delta2 = dC/dz2 = dC/dy_hat * sigmoid'(z2) = {fmt(h['dC/dy_hat'])} * "
            f"{fmt(h['ds2'])} = {fmt(h['delta2'])}") in lines
    assert (f"  delta1 = dC/dz1 = delta2 * w2 * sigmoid'(z1) = {fmt(h['delta2'])} * {fmt(W2)} * "
            f"{fmt(h['ds1'])} = {fmt(h['delta1'])}") in lines
    assert f"  dC/dw1 = delta1 * x = {fmt(h['delta1'])} * {fmt(X)} = {fmt(h['dC/dw1'])}" in lines
    assert lines[-1].startswith("  dC/dw1 = delta1 * x")


def test_two_node_dC_dw2_is_the_path_product_and_delta2_times_a1():
    net, _x, C = two_node()
    h = course()
    e = explain(C, net.w2)
    assert close(e.total, h["dC/dw2"])
    text = str(e)
    assert (f"dC/dw2 = dC/dy_hat * sigmoid'(z2) * a1 = {fmt(h['dC/dy_hat'])} * "
            f"{fmt(h['ds2'])} * {fmt(h['a1'])} = {fmt(h['dC/dw2'])}") in text
    assert f"dC/dw2 = delta2 * a1 = {fmt(h['delta2'])} * {fmt(h['a1'])} = {fmt(h['dC/dw2'])}" in text
    assert "dC/dy_hat = 2*(y_hat - Y) = " in text  # a constant is named after its variable


def test_two_node_deltas_are_dC_dz_at_z1_and_z2():
    net, _x, C = two_node()
    h = course()
    e = explain(C, net.w1)
    assert [(d.name, d.node) for d in e.deltas] == [("delta2", net.z2), ("delta1", net.z1)]
    assert close(e.deltas[0].value, h["delta2"]) and close(e.deltas[1].value, h["delta1"])


def test_the_one_path_lists_every_node_and_factor_from_root_down():
    net, x, C = two_node()
    (path,) = explain(C, net.w1).paths
    assert x == X and path.nodes[0] is C and path.nodes[-1] is net.w1
    assert [net.y_hat, net.z2, net.a1, net.z1] == [n for n in path.nodes if n.label][:4]
    assert [f.name for f in path.factors][2:] == ["sigmoid'(z2)", "1", "w2", "sigmoid'(z1)", "1",
                                                 "x"]
    assert path.factors[2].value == net.y_hat.local[0]
    assert path.product == explain(C, net.w1).total


# -- the numbers are the engine's ---------------------------------------------------------------

def test_each_factor_number_is_the_stored_local_derivative_not_recomputed():
    x = Value(0.5, "x")
    y = x.sigmoid()
    stored = y.local[0]
    x.data = 100.0  # the forward pass is not re-run: explain must show what backward() uses
    (path,) = explain(y, x).paths
    assert path.factors[0].value == stored
    assert explain(y, x).total == stored


def test_explain_never_touches_grad():
    net, _x, C = two_node()
    nodes = [C, net.y_hat, net.z2, net.a1, net.z1, net.w1, net.w2]
    for i, n in enumerate(nodes):
        n.grad = 100.0 + i
    explain(C, net.w1)
    assert [n.grad for n in nodes] == [100.0 + i for i in range(len(nodes))]


def test_explain_in_the_middle_of_a_stepped_pass_gives_what_it_gives_alone():
    net, _x, C = two_node()
    alone = explain(C, net.w1)
    steps = backward_steps(C)
    next(steps)
    next(steps)
    inside = explain(C, net.w1)
    list(steps)
    assert inside.total == alone.total and str(inside) == str(alone)
    assert net.w1.grad == grad(C, [net.w1])[0].data


# -- random graphs ------------------------------------------------------------------------------

@st.composite
def graphs(draw):
    """(nodes, root): leaves then ops on earlier nodes, so nodes are shared (a*a too)."""
    n_leaves = draw(st.integers(1, 3))
    nodes = [Value(draw(st.floats(-2, 2)), f"x{i}") for i in range(n_leaves)]
    for _ in range(draw(st.integers(1, 14))):
        op = draw(st.sampled_from(["+", "-", "*", "tanh", "sigmoid", "sin", "c*", "+c", "relu"]))
        a = nodes[draw(st.integers(0, len(nodes) - 1))]
        b = nodes[draw(st.integers(0, len(nodes) - 1))]
        if op == "+":
            nodes.append(a + b)
        elif op == "-":
            nodes.append(a - b)
        elif op == "*":
            nodes.append(a * b)
        elif op == "c*":
            nodes.append(draw(st.floats(-2, 2)) * a)
        elif op == "+c":
            nodes.append(a + draw(st.floats(-2, 2)))
        else:
            nodes.append(getattr(a, op)())
    return nodes, nodes[-1]


@given(graphs(), st.data())
def test_on_random_graphs_the_total_is_the_engines_gradient_bit_for_bit(g, data):
    nodes, root = g
    node = data.draw(st.sampled_from(nodes))
    e = explain(root, node)
    assert e.total == grad(root, [node])[0].data


@given(graphs(), st.data())
def test_on_random_graphs_the_paths_products_sum_to_the_gradient(g, data):
    nodes, root = g
    node = data.draw(st.sampled_from(nodes))
    e = explain(root, node)
    paths = list(e.paths)
    assert len(paths) == e.count == len(e.paths)
    for p in paths:
        assert p.nodes[0] is root and p.nodes[-1] is node
        assert all(f.child is c and f.parent is q and c.parents[f.slot] is q
                   and f.value == c.local[f.slot]
                   for f, c, q in zip(p.factors, p.nodes, p.nodes[1:]))
        product = 1.0
        for f in p.factors:
            product = f.value * product
        assert product == p.product
    assert len({tuple(map(id, p.nodes)) + tuple(f.slot for f in p.factors) for p in paths}) \
        == len(paths)  # each path once
    scale = sum(abs(p.product) for p in paths)
    assert abs(sum(p.product for p in paths) - grad(root, [node])[0].data) <= 1e-12 * scale
    if e.count == 1:
        assert paths[0].product == e.total  # one path: the same products in the same order


@given(graphs(), st.data())
def test_on_random_graphs_the_first_line_gives_the_total_and_the_last_line_ends_with_it(g, data):
    nodes, root = g
    node = data.draw(st.sampled_from(nodes))
    e = explain(root, node)
    lines = str(e).splitlines()
    R, T = e.names[root], e.names.get(node, node.label or "node")  # outside: label, else our variable
    dR, dT = d(R), d(T)
    if node is root:
        seed = f"{dR}/{dR} = 1: the derivative of {atom(R)} with respect to itself (the seed of "
        assert lines == [seed + "back-propagation)"]
    elif e.count == 0:
        assert lines[0].startswith(f"{dR}/{dT} = 0: {atom(R)} does not depend on {atom(T)}")
    else:
        assert lines[0].startswith(f"{dR}/{dT} = {fmt(e.total)}, the ")
        assert lines[-1].startswith(f"  {dR}/{dT} = ") or lines[-1].startswith("  delta")
        assert lines[-1].endswith(f" = {fmt(e.total)}")


# -- many paths are grouped ---------------------------------------------------------------------

def doubled(k: int, plus_x: bool) -> tuple[Value, Value]:
    """x doubled k times as d = d + d (2**k paths), plus x itself when plus_x (one more path)."""
    x = Value(0.7, "x")
    d = x
    for _ in range(k):
        d = d + d
    return x, (d * 3.0 + x if plus_x else d * 3.0)


def test_up_to_eight_paths_are_listed_one_by_one():
    x, L = doubled(3, plus_x=False)
    e = explain(L, x)
    assert e.count == MAX_LISTED == 8
    assert sum(" > " in line for line in str(e).splitlines()) == 8
    assert "grouped" not in str(e)


def test_more_than_eight_paths_are_grouped_by_the_nodes_where_they_meet():
    x, L = doubled(3, plus_x=True)
    e = explain(L, x)
    text = str(e)
    assert e.count == 9
    assert "grouped by the nodes they share" in text and " > " not in text
    assert e.total == grad(L, [x])[0].data == 8 * 3.0 + 1
    assert text.splitlines()[-1] == "  dL/dx = dL/d(x + x) + dL/d(x + x) + 1 = 12.0000 + " \
                                    "12.0000 + 1.0000 = 25.0000"


def test_exponentially_many_paths_are_counted_not_enumerated():
    x, L = doubled(200, plus_x=True)
    start = time.perf_counter()
    e = explain(L, x)
    text = str(e)
    assert time.perf_counter() - start < 1.0
    assert e.count == 2**200 + 1
    assert e.total == grad(L, [x])[0].data
    assert len(text.splitlines()) <= 16
    assert e.paths[2**199].product == 3.0  # any path can still be looked at, by counting


def test_a_sum_of_more_than_eight_terms_shows_three_and_how_many():
    x = Value(0.01, "x")
    L = sum((x * float(k) for k in range(1, 11)), Value(0.0)).tanh()
    e = explain(L, x)
    assert str(e).splitlines()[-1].startswith(
        "  dL/dx = delta1 + delta1 * 2 + delta1 * 3 + ... 7 more terms = ")
    assert e.total == grad(L, [x])[0].data


def test_mlp_first_layer_weight_is_explained_fast_with_a_delta_per_neuron():
    model = MLP(2, [16, 16, 1])
    loss = (model([0.5, -1.0]) - 1.0) ** 2
    w = model.layers[0].neurons[3].w[0]
    start = time.perf_counter()
    e = explain(loss, w)
    text = str(e)
    elapsed = time.perf_counter() - start
    assert elapsed < 1.0, elapsed
    assert e.count == 16 and e.total == grad(loss, [w])[0].data
    assert "delta(layers.0.neurons.3) = d(loss)/d" in text  # many per layer: named by neuron
    assert "delta(layers.2.neurons.0)" in text  # the linear output neuron: its sum is its output
    assert text.splitlines()[-1].startswith(
        "  d(loss)/dlayers.0.neurons.3.w.0 = delta(layers.0.neurons.3) * ")


def test_a_neuron_weighted_sum_is_a_pre_activation_even_unlabelled():
    n = Neuron(2, "sigmoid")
    out = n([1.0, 2.0])
    e = explain(out, n.w[0])
    assert len(e.deltas) == 1 and e.deltas[0].node is out.parents[0]
    assert str(e).splitlines()[-1].startswith("  d(out)/dw.0 = delta1")


def test_a_pre_activation_labelled_name_dot_z_gives_delta_of_name_when_a_layer_has_several():
    w = Value(0.3, "n.w")
    z, z2 = w * 2.0 + 1.0, w * 3.0
    z.label, z2.label = "n.z", "m.z"
    out = z.tanh() + z2.tanh()
    text = str(explain(out, w))
    assert "  delta(n) = d(out)/dn.z = tanh'(n.z) = " in text
    assert "  d(out)/dn.w = delta(n) * 2 + delta(m) * 3 = " in text


def test_one_pre_activation_per_layer_gives_delta_k_by_position_whatever_the_names():
    w = Value(0.3, "n.w")
    z = w * 2.0 + 1.0
    z.label = "n.z"
    out = z.tanh()
    text = str(explain(out, w))
    assert "With delta_k = d(out)/dz_k at the pre-activations z1 = n.z:" in text
    assert "  delta1 = d(out)/dn.z = tanh'(n.z) = " in text
    assert "  d(out)/dn.w = delta1 * 2 = " in text


# -- factor names by rule -----------------------------------------------------------------------

@pytest.mark.parametrize("make, factor", [
    (lambda a, b: a * b, "b"),
    (lambda a, b: b * a, "b"),
    (lambda a, b: a + b, "1"),
    (lambda a, b: b - a, "-1"),
    (lambda a, b: a / b, "1/b"),
    (lambda a, b: b / a, "-b/a**2"),
    (lambda a, b: a ** 2, "2*a"),
    (lambda a, b: a ** 3, "3*a**2"),
    (lambda a, b: b ** a, "b**a*log(b)"),
    (lambda a, b: a.exp(), "exp(a)"),
    (lambda a, b: a.log(), "1/a"),
    (lambda a, b: a.tanh(), "tanh'(a)"),
    (lambda a, b: a.relu(), "relu'(a)"),
    (lambda a, b: -a, "-1"),
    (lambda a, b: a.sin(), "cos(a)"),
])
def test_each_factor_is_named_by_its_rule(make, factor):
    a, b = Value(1.5, "a"), Value(2.0, "b")
    out = make(a, b)
    (path,) = explain(out, a).paths
    assert [f.name for f in path.factors] == [factor]
    assert path.factors[0].value == out.local[list(out.parents).index(a)]


def test_a_constant_is_named_after_the_variable_holding_it():
    w = Value(0.5, "w")
    rate = 2.5
    out = w * rate
    assert [f.name for f in explain(out, w).paths[0].factors] == ["rate"]
    assert [f.name for f in explain(w * float("2.5"), w).paths[0].factors] == ["2.5"]


def test_a_node_used_twice_has_two_paths():
    a = Value(3.0, "a")
    out = a * a
    e = explain(out, a)
    assert e.count == 2 and [p.factors[0].slot for p in e.paths] == [0, 1]
    assert e.total == 6.0
    assert "  out > a (1st):  a = 3.0000" in str(e) and "  out > a (2nd):  a = 3.0000" in str(e)


# -- names come from the caller -----------------------------------------------------------------

def test_names_come_from_the_variables_of_the_calling_function():
    def build():
        w = Value(0.8)
        h = (w * 1.25).sigmoid()
        C = (h - 0.35) ** 2
        return explain(C, w)

    text = str(build())
    assert text.startswith("dC/dw = ")
    assert "sigmoid'(w*1.25)" in text and "2*(h - 0.35)" in text  # short expressions


def test_labels_with_spaces_and_control_characters_are_shown_escaped_as_one_factor():
    a = Value(2.0, "my a")
    b = Value(3.0, "b\nc")
    out = a * b
    text = str(explain(out, a))
    assert "\n" not in text.splitlines()[0]
    assert "d(out)/d(my a)" in text and "(b\\nc)" in text


# -- edge cases and bad input -------------------------------------------------------------------

def test_a_node_outside_the_graph_has_derivative_zero_and_says_so():
    _net, _x, C = two_node()
    other = Value(1.0, "v")
    e = explain(C, other)
    assert e.total == 0.0 == grad(C, [other])[0].data and e.count == 0 and list(e.paths) == []
    assert str(e).startswith("dC/dv = 0: C does not depend on v")


def test_the_root_with_respect_to_itself_is_one():
    _net, _x, C = two_node()
    e = explain(C, C)
    assert e.total == 1.0 == grad(C, [C])[0].data and e.count == 1
    assert str(e).startswith("dC/dC = 1")


@pytest.mark.parametrize("root, node, message", [
    ("C", Value(1.0), "root must be a Value"),
    (Value(1.0), 3.0, "node must be a Value"),
    (Value(1.0), [Value(1.0)], "explain one node at a time"),
])
def test_bad_input_is_a_clear_type_error(root, node, message):
    with pytest.raises(TypeError, match=message):
        explain(root, node)


def test_names_given_by_a_caller_override_the_inferred_ones():
    net, _x, C = two_node()
    e = explain(C, net.w1, names={C: "Loss"})
    assert str(e).startswith("d(Loss)/dw1 = ")


def test_paths_index_like_a_sequence():
    x, L = doubled(4, plus_x=False)
    paths = explain(L, x).paths
    assert len(paths) == 16 and paths[-1] == list(paths)[-1] and paths[2:4] == list(paths)[2:4]
    with pytest.raises(IndexError):
        paths[16]


def test_the_readme_shows_the_real_output():
    readme = (Path(__file__).resolve().parent.parent / "docs" / "guide.md").read_text(encoding="utf-8")
    code, shown = re.search(r"```python\n(from autograd import explain\n.*?)```\n\n```text\n(.*?)```",
                            readme, re.DOTALL).groups()
    namespace: dict = {"__name__": "__readme__", "explain": explain}
    exec(compile(code.replace("print(", "result = ("), "README", "exec"), namespace)  # noqa: S102
    assert str(namespace["result"]) + "\n" == shown


def test_from_autograd_import_explain_is_the_function_even_after_its_module_is_loaded():
    module = importlib.import_module("autograd.explain")
    from autograd import explain as public

    assert public is explain is module.explain is sys.modules["autograd"].explain
    assert callable(public)


def test_names_that_would_name_two_nodes_alike_are_refused():
    w1, w2 = Value(0.5, "w1"), Value(-1.0, "w2")
    C = (w1 * 2.0).tanh() * w2
    with pytest.raises(ValueError, match="'w2' would stand for two nodes"):
        explain(C, w1, names={w1: "w2"})
    assert "dC/dW = " in str(explain(C, w1, names={w1: "W"}))


# -- the course's own network: no biases, any names, deltas by layer position --------------------

def bias_free(names: str):
    """The course's network by hand (z1 = w1*x, z2 = w2*a1), its pre-activations held in
    variables named by names ("z" gives z1, z2; "pq" gives p, q; "" gives none)."""
    w1, w2 = Value(W1, "w1"), Value(W2, "w2")
    x = Value(X, "x")
    if names == "z":
        z1 = w1 * x
        a1 = z1.sigmoid()
        z2 = w2 * a1
        y_hat = z2.sigmoid()
    elif names == "pq":
        p = w1 * x
        a1 = p.sigmoid()
        q = w2 * a1
        y_hat = q.sigmoid()
    else:
        a1 = (w1 * x).sigmoid()
        y_hat = (w2 * a1).sigmoid()
    C = (y_hat - Y) ** 2
    return explain(C, w1), explain(C, w2)


def test_the_bias_free_network_reads_in_deltas():
    e1, e2 = bias_free("z")
    lines = str(e1).splitlines()
    assert [dl.name for dl in e1.deltas] == ["delta2", "delta1"]
    assert lines[-3].startswith("  delta2 = dC/dz2 = dC/dy_hat * sigmoid'(z2) = ")
    assert lines[-2].startswith("  delta1 = dC/dz1 = delta2 * w2 * sigmoid'(z1) = ")
    assert lines[-1].startswith("  dC/dw1 = delta1 * x = ")
    assert str(e2).splitlines()[-1].startswith("  dC/dw2 = delta2 * a1 = ")


def test_the_delta_index_comes_from_the_layer_not_the_name():
    e1, e2 = bias_free("pq")
    text = str(e1)
    assert "With delta_k = dC/dz_k at the pre-activations z2 = q, z1 = p:" in text
    assert "  delta2 = dC/dq = dC/dy_hat * sigmoid'(q) = " in text
    assert "  delta1 = dC/dp = delta2 * w2 * sigmoid'(p) = " in text
    assert text.splitlines()[-1].startswith("  dC/dw1 = delta1 * x = ")
    assert [dl.name for dl in e2.deltas] == ["delta2"]  # z2 is delta2 for w2 too


def test_unnamed_pre_activations_are_named_by_their_expressions_and_still_give_deltas():
    e1, _ = bias_free("")
    text = str(e1)
    assert "  delta1 = dC/d(w1*x) = delta2 * w2 * sigmoid'(w1*x) = " in text
    assert text.splitlines()[-1].startswith("  dC/dw1 = delta1 * x = ")
    assert "#" not in text  # no op#position name in the course's network


def test_two_node_network_names_a_number_given_as_x_x():
    net = TwoNodeNetwork(w1=W1, w2=W2, b1=B1, b2=B2)
    C = (net(1.75) - 0.25) ** 2  # no variable of ours holds the input
    text = str(explain(C, net.w1))
    assert text.splitlines()[-1].startswith("  dC/dw1 = delta1 * x = ")
    x = net.z1.parents[0].parents[1]
    assert x.label == "x" and x.data == 1.75 and not x.op


def test_a_user_activation_gets_its_factor_and_its_delta(own_ops):
    from autograd import primitive
    from autograd.ops import sigmoid as generic_sigmoid

    softplus = primitive("softplus", lambda a: math.log1p(math.exp(a)) if a < 30 else a,
                         lambda a, out: generic_sigmoid(a), activation=True)
    w = Value(0.5, "w")
    z = w * 2.0
    out = softplus(z)
    e = explain(out, w)
    assert [f.name for f in e.paths[0].factors] == ["softplus'(z)", "2"]
    assert [dl.name for dl in e.deltas] == ["delta1"]


def test_a_user_op_that_is_not_an_activation_is_named_but_gives_no_delta(own_ops):
    from autograd import primitive

    cube = primitive("cube", lambda a: a * a * a, lambda a, out: 3.0 * a * a)
    u = Value(0.5, "u")
    e = explain(cube(u) * 2.0, u)
    assert [f.name for f in e.paths[0].factors] == ["2", "cube'(u)"] and e.deltas == ()


# -- any number of paths ------------------------------------------------------------------------

def test_more_paths_than_python_writes_in_decimal_are_counted_in_scientific_form():
    x, L = doubled(15000, plus_x=False)  # 2**15000 paths, about 2.8e+4515
    e = explain(L, x)
    assert e.count == 2**15000 == e.paths.size
    assert "the sum over 2.82e+4515 paths from L down to x" in str(e).splitlines()[0]
    assert repr(e.paths) == "<2.82e+4515 paths>"


def test_len_of_more_paths_than_an_index_holds_points_at_count():
    x, L = doubled(70, plus_x=False)
    paths = explain(L, x).paths
    assert paths.size == 2**70 and bool(paths)
    with pytest.raises(ValueError, match=r"\.size"):
        len(paths)
    assert paths[2**69].product == 3.0 and len(paths[:3]) == 3


# -- typeset in Jupyter -------------------------------------------------------------------------

def test_in_jupyter_the_explanation_is_typeset_math_with_no_network():
    e1, _ = bias_free("z")
    markdown, latex = e1._repr_markdown_(), e1._repr_latex_()
    assert r"$$ \delta_{1} = \frac{\partial C}{\partial z_{1}} = \delta_{2} \cdot  w_{2} \cdot  " \
           r"\sigma'(z_{1}) = " in markdown
    assert r"\frac{\partial C}{\partial w_{1}} = \delta_{1} \cdot  x = " in latex
    assert latex.startswith("$$") and latex.endswith("$$")
    assert "http" not in markdown + latex and "<script" not in markdown + latex


@given(st.text(max_size=12))
def test_any_label_typesets_without_error(label):
    w = Value(0.5, label or "w")
    out = (w * 2.0).tanh()
    e = explain(out, w)
    assert e._repr_markdown_() and e._repr_latex_()


def test_an_unnamed_node_outside_the_graph_is_said_to_have_derivative_0_in_words():
    """It began with a bare "0: C does not depend on Value(...)"."""
    a = Value(1.0, label="a")
    text = str(explain(a * a, Value(2.0) * 1.0))
    assert text.startswith("d(a*a)/dv = 0 for v = Value(data=2.0") and "does not depend on it" in text


def test_typeset_math_of_a_label_with_tex_characters_keeps_no_macro_inside_text():
    latex2mathml = pytest.importorskip("latex2mathml.converter")
    a = Value(2.0, label="a^b~c\\d$e{f}_%&#")
    math = explain(a * 3.0, a)._repr_latex_().strip("$")
    texts = re.findall(r"<mtext>([^<]*)</mtext>", latex2mathml.convert(math))
    assert texts and not [t for t in texts if "\\" in t or "$" in t]  # \text{} takes no macros
