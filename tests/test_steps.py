"""backward_steps, Step and Term: the pass of backward(), one node at a time, explained."""

import dataclasses
import math
import struct

import pytest
from conftest import small_graph
from hypothesis import given
from hypothesis import strategies as st

from autograd import Step, Term, Value, backward_steps
from autograd._util import format_number
from autograd.engine import topological_order
from autograd.names import node_names


def bitwise_same(a: float, b: float) -> bool:
    """Bit for bit the same float (nan matches nan)."""
    return struct.pack("<d", a) == struct.pack("<d", b) or (a != a and b != b)


# -- the steps ---------------------------------------------------------------------------------

def test_one_step_per_node_in_reversed_topological_order_leaves_included():
    a, b, z, L = small_graph()
    steps = list(backward_steps(L))
    assert [s.node for s in steps] == topological_order(L)[::-1]
    assert [s.index for s in steps] == [0, 1, 2, 3]


def test_leaf_steps_have_no_terms_and_their_complete_gradient():
    a, b, z, L = small_graph()
    by_node = {s.node: s for s in backward_steps(L)}
    assert by_node[a].terms == () and by_node[a].upstream == -2.0
    assert by_node[b].terms == () and by_node[b].upstream == 2.0


def test_terms_hold_parent_local_derivative_and_contribution():
    a, b, z, L = small_graph()
    root_step, z_step = list(backward_steps(L))[:2]
    assert root_step.node is L and root_step.upstream == 1.0
    assert [(t.parent, t.local, t.contribution) for t in root_step.terms] == [(z, 1.0, 1.0), (a, 1.0, 1.0)]
    assert z_step.node is z and z_step.upstream == 1.0
    assert [(t.parent, t.local, t.contribution) for t in z_step.terms] == [(a, -3.0, -3.0), (b, 2.0, 2.0)]


def test_terms_count_the_uses_of_a_value_and_its_running_total():
    a, b, z, L = small_graph()
    root_step, z_step = list(backward_steps(L))[:2]
    first_a, second_a = root_step.terms[1], z_step.terms[0]
    assert (first_a.use, first_a.uses, first_a.total) == (1, 2, 1.0)
    assert (second_a.use, second_a.uses, second_a.total) == (2, 2, -2.0)


def test_upstream_is_scaled_by_the_seed():
    a, b, z, L = small_graph()
    assert [s.upstream for s in backward_steps(L, 0.5)] == [0.5, 0.5, 1.0, -1.0]


def test_a_square_sends_two_terms_to_the_same_parent():
    x = Value(3.0, "x")
    y = x * x
    (step, _) = backward_steps(y)
    assert [t.parent for t in step.terms] == [x, x]
    assert [t.total for t in step.terms] == [3.0, 6.0]


def test_a_leaf_root_has_one_step_with_the_seed():
    x = Value(1.5, "x")
    (step,) = backward_steps(x, 2.0)
    assert step.node is x and step.upstream == 2.0 and step.terms == ()
    assert x.grad == 2.0


def test_step_and_term_are_frozen_dataclasses_with_slots():
    a, b, z, L = small_graph()
    step = next(iter(backward_steps(L)))
    for obj, field in ((step, "upstream"), (step.terms[0], "local")):
        assert dataclasses.is_dataclass(obj) and not hasattr(obj, "__dict__")
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(obj, field, 9.0)
    assert Term(a, 1.0, 2.0).contribution == 2.0
    assert Step(0, a, 1.0, ()).terms == ()


def test_backward_steps_is_an_iterator_that_knows_its_length_and_order():
    a, b, z, L = small_graph()
    steps = backward_steps(L)
    assert iter(steps) is steps
    assert len(steps) == 4 and steps.nodes == [L, z, b, a]


# -- applied before yielded, and the same as backward() ------------------------------------------

def test_each_step_is_applied_to_grad_before_it_is_yielded():
    a, b, z, L = small_graph()
    seen = [(s.node.grad, a.grad) for s in backward_steps(L)]
    # L's grad is set at step 0; a is only complete (and its .grad set) at its own, last step
    assert seen == [(1.0, 0.0), (1.0, 0.0), (2.0, 0.0), (-2.0, -2.0)]


def test_exhausting_the_steps_leaves_the_grads_of_backward():
    a, b, z, L = small_graph()
    list(backward_steps(L))
    assert (a.grad, b.grad, z.grad, L.grad) == (-2.0, 2.0, 1.0, 1.0)


def test_a_second_pass_adds_exactly_its_own_contributions():
    a, b, z, L = small_graph()
    list(backward_steps(L))
    list(backward_steps(L))
    assert (a.grad, b.grad) == (-4.0, 4.0)


def test_bad_arguments_raise_type_errors():
    with pytest.raises(TypeError, match="Value"):
        backward_steps(3.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="number"):
        backward_steps(Value(1.0), "1")  # type: ignore[arg-type]


# -- an abandoned pass leaves nothing behind but the steps it applied -----------------------------

def test_mid_pass_sums_belong_to_the_pass_not_to_the_nodes():
    a, b, z, L = small_graph()
    steps = backward_steps(L)
    next(steps)
    assert steps.upstream(a) == 1.0 and steps.upstream(b) == 0.0  # a: one of its two uses so far
    assert all(n._g == 0.0 for n in (a, b, z, L))  # nothing for another pass to pick up


def test_after_an_abandoned_pass_backward_gives_the_right_grads():
    a, b, z, L = small_graph()
    steps = backward_steps(L)
    next(steps)
    next(steps)
    steps.close()
    assert (a.grad, b.grad, z.grad, L.grad) == (0.0, 0.0, 1.0, 1.0)  # the two steps applied
    for n in (a, b, z, L):
        n.grad = 0.0
    L.backward()
    assert (a.grad, b.grad) == (-2.0, 2.0)


def test_an_unstarted_pass_touches_nothing():
    a, b, z, L = small_graph()
    backward_steps(L)
    assert all(n._g == 0.0 and n.grad == 0.0 for n in (a, b, z, L))


# -- str(step): the chain rule in one line ---------------------------------------------------------

def test_str_of_a_single_term_step_is_one_chain_rule_line():
    w2 = Value(0.5, "w2")
    z2 = w2 * 0.7311
    z2.label = "z2"
    L = z2 * 0.12
    step = list(backward_steps(L))[1]
    assert str(step) == "dL/dw2 += dL/dz2 * dz2/dw2 = 0.1200 * 0.7311 = 0.0877"


def test_str_shows_one_clause_per_term_and_the_accumulation_of_a_reused_value():
    a, b, z, L = small_graph()
    z_step = list(backward_steps(L))[1]
    assert str(z_step) == ("dL/da += dL/dz * dz/da = 1.0000 * -3.0000 = -3.0000 "
                           "(2nd of 2 uses, total now -2.0000); "
                           "dL/db += dL/dz * dz/db = 1.0000 * 2.0000 = 2.0000")
    assert z_step.clauses() == str(z_step).split("; ")


def test_str_of_a_leaf_step_shows_its_complete_gradient():
    a, b, z, L = small_graph()
    assert str(list(backward_steps(L))[-1]) == "dL/da = -2.0000 (a leaf: its gradient is complete)"


def test_str_names_the_root_by_its_label():
    x = Value(2.0, "x")
    loss = x * x
    loss.label = "loss"
    assert str(next(iter(backward_steps(loss)))).startswith(
        "d(loss)/d(loss) = 1; d(loss)/dx += d(loss)/d(loss) * d(loss)/dx = ")


def test_the_first_step_starts_with_the_seed_and_a_compound_name_is_parenthesised():
    y_hat = Value(0.3).sigmoid()
    C = (y_hat - 0.2) ** 2
    first = str(next(iter(backward_steps(C))))
    assert first.startswith("dC/dC = 1; dC/d(y_hat - 0.2) += dC/dC * dC/d(y_hat - 0.2) = ")


def test_a_name_that_is_a_word_is_parenthesised_so_d_name_reads_as_no_other_word():
    x = Value(2.0)
    one = x * 3.0
    texts = [str(s) for s in backward_steps(one)]
    assert texts[0] == "d(one)/d(one) = 1; d(one)/dx += d(one)/d(one) * d(one)/dx = 1.0000 * 3.0000 = 3.0000"
    assert not any("done" in t for t in texts)


def test_unlabelled_nodes_are_named_by_op_and_topological_index():
    x = Value(2.0)
    y = (x * 3.0).tanh() + x
    names = node_names(y, topological_order(y))
    assert [names[n] for n in topological_order(y)] == ["leaf#0", "mul#1", "tanh#2", "add#3"]
    # the stepper names x and y after the variables holding them, the rest by short expressions
    assert str(list(backward_steps(y))[1]).startswith(
        "dy/d(x*3) += dy/d(tanh(x*3)) * d(tanh(x*3))/d(x*3) = ")


def test_a_label_used_twice_gets_the_index_to_tell_the_nodes_apart():
    a, b = Value(1.0, "h"), Value(2.0, "h")
    y = a * b
    assert sorted(node_names(y).values()) == ["h#0", "h#0*h#1", "h#1"]


def test_format_number_keeps_four_decimals_or_four_significant_digits():
    assert [format_number(x) for x in (0.0877, -3.0, 0.0, 1.234e-7, 2.5e7, math.nan, math.inf, -math.inf)] \
        == ["0.0877", "-3.0000", "0.0000", "1.234e-07", "2.5e+07", "nan", "inf", "-inf"]


def test_status_says_where_the_pass_is_with_the_nodes_kind_and_upstream():
    a, b, z, L = small_graph()
    steps = list(backward_steps(L))
    assert steps[1].status(len(steps)) == "step 2/4: z (*), upstream dL/dz = 1.0000"
    assert steps[3].status(len(steps), data=True) == \
        "step 4/4: a (leaf), data 2.0000, upstream dL/da = -2.0000"


def test_the_two_node_network_steps_read_like_the_course():
    nn = pytest.importorskip("nn")
    net = nn.TwoNodeNetwork(w1=0.8, w2=-1.2, b1=0.1, b2=0.3)
    net(1.5)
    y_hat = net.y_hat
    texts = [str(s) for s in backward_steps(y_hat)]
    # d y_hat / d z2 = y_hat (1 - y_hat), then z2 = w2*a1 + b2 passes it on unchanged
    s = y_hat.data * (1 - y_hat.data)
    assert texts[0] == (f"dy_hat/dy_hat = 1; dy_hat/dz2 += dy_hat/dy_hat * dy_hat/dz2 = 1.0000 * "
                        f"{s:.4f} = {s:.4f}")
    assert texts[1].startswith("dy_hat/d(w2*a1) += dy_hat/dz2 * dz2/d(w2*a1) = ")
    assert f"dy_hat/db2 += dy_hat/dz2 * dz2/db2 = {s:.4f} * 1.0000 = {s:.4f}" in texts[1]


# -- the stepper and backward() agree, bit for bit, on random graphs ------------------------------

UNARY = ["neg", "abs", "exp", "log", "tanh", "sigmoid", "relu", "sqrt", "sin", "cos"]
BINARY = ["+", "-", "*", "/", "**"]

recipes = st.tuples(
    st.lists(st.floats(-3.0, 3.0, allow_nan=False), min_size=1, max_size=4),  # leaves
    st.lists(st.tuples(st.sampled_from(UNARY + BINARY), st.integers(0, 10**6), st.integers(0, 10**6),
                       st.sampled_from([None, 2.0, -0.5, 3])),
             min_size=1, max_size=25),
    st.sampled_from([1.0, -2.5, 0.1]),
)


def build(recipe):
    """The graph of a recipe: ops over earlier nodes, so subexpressions are shared and reused."""
    leaves, ops, _ = recipe
    nodes = [Value(x, f"x{i}") for i, x in enumerate(leaves)]
    for op, i, j, const in ops:
        a, b = nodes[i % len(nodes)], nodes[j % len(nodes)]
        if op in UNARY:
            out = {"neg": lambda v: -v, "abs": abs}.get(op, lambda v: getattr(v, op)())(a)
        elif const is not None and i % 2:
            out = {"+": a.__add__, "-": a.__sub__, "*": a.__mul__, "/": a.__truediv__,
                   "**": a.__pow__}[op](const)
        elif const is not None:
            out = {"+": a.__radd__, "-": a.__rsub__, "*": a.__rmul__, "/": a.__rtruediv__,
                   "**": a.__rpow__}[op](const)
        else:
            out = {"+": a.__add__, "-": a.__sub__, "*": a.__mul__, "/": a.__truediv__,
                   "**": a.__pow__}[op](b)
        nodes.append(out)
    root = nodes[-1]
    for n in nodes[:-1]:  # reuse more: the root also depends on a few earlier nodes
        if len(nodes) > 3 and n is nodes[len(nodes) // 2]:
            root = root + n
    return root


@given(recipes, st.booleans())
def test_stepping_and_backward_agree_bit_for_bit_on_random_graphs(recipe, twice):
    seed = recipe[2]
    by_backward, by_steps = build(recipe), build(recipe)
    order_b, order_s = topological_order(by_backward), topological_order(by_steps)
    for _ in range(2 if twice else 1):  # twice: the second pass adds on top of existing grads
        by_backward.backward(seed)
        steps = list(backward_steps(by_steps, seed))
        assert [s.node for s in steps] == order_s[::-1]
    assert len(order_b) == len(order_s)
    for nb, ns in zip(order_b, order_s):
        assert bitwise_same(nb.grad, ns.grad), (nb, ns)
        assert ns._g == 0.0


@given(recipes)
def test_each_step_upstream_is_the_grad_backward_gives_its_node(recipe):
    seed = recipe[2]
    by_backward, by_steps = build(recipe), build(recipe)
    by_backward.backward(seed)
    expected = {i: n.grad for i, n in enumerate(topological_order(by_backward))}
    index = {n: i for i, n in enumerate(topological_order(by_steps))}
    for step in backward_steps(by_steps, seed):
        assert bitwise_same(step.upstream, expected[index[step.node]])
        for t in step.terms:
            assert bitwise_same(t.contribution, step.upstream * t.local)
