"""node_names() and caller_scope(): one unique name per node, from labels, the user's variables,
or the op and position; the same for every view."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from autograd import Value
from autograd.engine import topological_order
from autograd.explain import explain
from autograd.names import caller_scope, node_names

GLOBAL_LEAF = Value(4.0)


def course_graph():
    """The two-node network by hand, unlabelled: the names must come from these variables."""
    w1, w2 = Value(0.5), Value(-1.2)
    x = 1.5
    z1 = w1 * x
    a1 = z1.sigmoid()
    z2 = w2 * a1
    y_hat = z2.sigmoid()
    C = (y_hat - 0.2) ** 2
    return node_names(C, scope=caller_scope()), str(explain(C, w1)), (w1, w2, z1, a1, y_hat, C)


def test_a_graph_built_inside_a_function_is_named_after_its_variables():
    names, text, (w1, w2, z1, a1, y_hat, C) = course_graph()
    assert [names[n] for n in (w1, w2, z1, a1, y_hat, C)] == ["w1", "w2", "z1", "a1", "y_hat", "C"]
    assert all(names.kind(n) == "variable" for n in (w1, a1, y_hat, C))
    formulas = [line.split(" = ")[:2] for line in text.splitlines()[4:]]
    assert formulas == [["  dC/dy_hat", "2*(y_hat - 0.2)"], ["  delta2", "dC/dz2"],
                        ["  delta1", "dC/dz1"], ["  dC/dw1", "delta1 * x"]]
    assert "  delta1 = dC/dz1 = delta2 * w2 * sigmoid'(z1) = " in text
    assert all(n.label == "" for n in (w1, w2, z1, a1, y_hat, C))  # .label is never changed


def test_caller_scope_looks_past_nested_autograd_and_nn_frames():
    found: dict = {}
    # two functions in "library" modules (autograd.fake calls caller_scope, nn.fake calls it);
    # the first frame outside them is this test's
    ns_inner: dict = {"__name__": "autograd.fake", "caller_scope": caller_scope, "found": found}
    exec("def inner():\n    found.update(caller_scope())\n", ns_inner)  # noqa: S102
    ns_outer: dict = {"__name__": "nn.fake", "inner": ns_inner["inner"]}
    exec("def outer():\n    inner()\n", ns_outer)  # noqa: S102
    my_node = Value(1.0)
    ns_outer["outer"]()
    assert found.get("my_node") is my_node


def test_locals_come_before_globals_and_the_first_variable_wins():
    first = Value(1.0)
    second = first  # noqa: F841  (a second variable holding the same node)
    out = first + GLOBAL_LEAF
    scope = caller_scope()
    assert list(scope).index("first") < list(scope).index("GLOBAL_LEAF")
    names = node_names(out, scope=scope)
    assert names[first] == "first" and names[GLOBAL_LEAF] == "GLOBAL_LEAF"


def test_private_variables_are_not_names():
    _hidden = Value(1.0)
    out = _hidden * 2.0
    names = node_names(out, scope=caller_scope())
    assert names[_hidden] == "leaf#0"


def test_labels_win_over_variables():
    a = Value(1.0, "alpha")
    out = a * 2.0
    names = node_names(out, scope=caller_scope())
    assert names[a] == "alpha" and names.kind(a) == "label"
    assert a.label == "alpha"


def test_colliding_labels_get_distinct_names_without_primes():
    x0, x1, x2 = Value(1.0, "x"), Value(2.0, "x"), Value(3.0, "x#0")
    out = x0 + x1 + x2
    names = node_names(out)
    assert [names[n] for n in (x0, x1, x2)] == ["x#0b", "x#1", "x#0"]
    assert "'" not in "".join(names.values())
    assert [n.label for n in (x0, x1, x2)] == ["x", "x", "x#0"]


def test_a_variable_named_like_a_label_gets_its_position():
    other = Value(1.0, "x")
    x = Value(2.0)
    out = other * x
    names = node_names(out, scope={"x": x})
    assert names[other] == "x" and names[x] == "x#1"


def test_a_generated_name_taken_by_a_label_gets_a_letter():
    a = Value(1.0, "mul#2")
    b = Value(2.0)
    out = (a * b) * 2.0
    names = node_names(out)
    assert names[a] == "mul#2" and names[out.parents[0]] == "mul#2b"


def test_an_unnamed_node_is_named_by_its_short_expression_as_the_course_writes_it():
    w1, w2, x = Value(0.8, "w1"), Value(-1.2, "w2"), Value(1.5, "x")
    z1 = w1 * x
    a1 = z1.sigmoid()
    z2 = w2 * a1
    y_hat = z2.sigmoid()
    diff = Value(0.3, "y_hat") - 0.2
    names = node_names(y_hat * diff)
    assert [names[n] for n in (z1, a1, z2, diff)] == ["w1*x", "sigmoid(w1*x)", "w2*sigmoid(w1*x)",
                                                      "y_hat - 0.2"]
    assert names.kind(z1) == "expression"
    assert names[y_hat] == "sigmoid#6"  # sigmoid(w2*sigmoid(w1*x)) is longer than 20 characters


def test_operands_are_parenthesised_where_the_course_would():
    a, b, c = Value(1.0, "a"), Value(2.0, "b"), Value(3.0, "c")
    s = a + b
    p = s * c
    q = c - s
    n = -s
    r = s ** 2
    names = node_names(p + q + n + r)
    assert [names[v] for v in (s, p, q, n, r)] == ["a + b", "(a + b)*c", "c - (a + b)",
                                                   "-(a + b)", "(a + b)**2"]


def test_an_expression_built_on_an_op_name_falls_back_to_op_and_position():
    alpha, beta = Value(1.0, "alpha_weight"), Value(2.0, "beta_weight")
    out = (alpha * beta).tanh()
    names = node_names(out)
    assert names[out.parents[0]] == "mul#2"  # alpha_weight*beta_weight: 24 characters
    assert names[out] == "tanh#3" and names.kind(out) == "op"  # never tanh(mul#2)


def test_the_same_expression_twice_names_the_first_and_gives_the_second_its_op_name():
    x = Value(1.0, "x")
    first, second = x * x, x * x
    names = node_names(first + second)
    assert names[first] == "x*x" and names[second] == "mul#2"


def test_the_op_and_position_form_finds_a_node_named_otherwise():
    x = Value(1.0, "x")
    y = x * 2.0
    out = y.tanh()
    names = node_names(out)
    assert names[y] == "x*2" and names.op_names[y] == "mul#1"
    assert names.find("mul#1") == [y] and names.find("x*2") == [y] and names.find("x") == [x]


def test_labels_that_print_alike_get_names_that_print_differently():
    a, b = Value(1.0, "a\x00"), Value(2.0, "a\\x00")
    shown = node_names(a * b).printable()
    assert shown[a] != shown[b] and len(set(shown.values())) == 3
    assert all(name.isprintable() for name in shown.values())


def test_labels_that_look_alike_get_names_that_look_different():
    """A trailing space no view shows, and é typed as one character or as e + accent."""
    a, b = Value(1.0, "loss "), Value(2.0, "loss")
    c, d = Value(3.0, "\u00e9"), Value(4.0, "e\u0301")
    shown = node_names(a * b * c * d).printable()
    looks = {unicodedata.normalize("NFC", name).strip() for name in shown.values()}
    assert len(looks) == len(shown) == 7
    assert [v.label for v in (a, b, c, d)] == ["loss ", "loss", "\u00e9", "e\u0301"]


def test_a_constant_is_named_after_the_variable_holding_that_very_float():
    w1 = Value(0.8, "w1")
    x = 1.5
    z1 = w1 * x
    names = node_names(z1.sigmoid(), scope=caller_scope())
    assert names[z1] == "z1"
    assert node_names(z1.sigmoid(), scope={"x": x})[z1] == "w1*x"


@given(st.lists(st.sampled_from(["x", "x#0", "x#1", "x#1b", "L", "mul#2", "add#3", ""]),
                min_size=1, max_size=8), st.lists(st.sampled_from(["x", "L", "y"]), max_size=4))
def test_names_are_unique_whatever_the_labels_and_variables(labels, variables):
    leaves = [Value(float(i), label) for i, label in enumerate(labels)]
    out = leaves[0]
    for leaf in leaves[1:]:
        out = out * leaf
    scope = {var: leaves[i % len(leaves)] for i, var in enumerate(variables)}
    order = topological_order(out)
    names = node_names(out, order, scope)
    assert len(set(names.values())) == len(order)
    assert [leaf.label for leaf in leaves] == labels
    for leaf in leaves:  # a label held by one node only is its name, as typed
        if leaf.label and labels.count(leaf.label) == 1:
            assert names[leaf] == leaf.label


def test_names_of_values_built_in_a_list_comprehension_come_from_the_code_around_it():
    from autograd import to_json

    w1 = Value(0.5)
    C = (w1 * 2.0).tanh()
    docs = [to_json(C) for _ in range(1)]
    names = {n["name"] for n in docs[0]["nodes"]}
    assert {"w1", "C"} <= names


def test_variables_that_are_not_identifiers_name_nothing():
    # pytest's assert rewriting holds values in locals such as @py_assert1
    v = Value(1.0)
    namespace = {"@py_assert1": v, "w": v}
    exec("from autograd.names import caller_scope\nscope = caller_scope()", namespace)
    assert "@py_assert1" not in namespace["scope"] and namespace["scope"]["w"] is v


def test_a_comprehensions_variable_names_nothing_so_explain_and_to_json_agree():
    from autograd import to_json

    a, b = Value(1.0), Value(2.0)
    out = a * b
    texts = [str(explain(out, v)) for v in (a, b)]
    names = [{n["name"] for n in to_json(out)["nodes"]} for _v in (a, b)]
    assert texts[0].startswith("d(out)/da = ") and texts[1].startswith("d(out)/db = ")
    assert names[0] == {"a", "b", "out"}
