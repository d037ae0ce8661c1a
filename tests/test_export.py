"""to_json: the graph and its backward pass as JSON data, exactly as API.md lays it out."""

import json
import math

import pytest
from conftest import small_graph

from autograd import Value, to_json
from autograd.engine import topological_order


def test_the_document_has_exactly_the_keys_of_the_api():
    doc = to_json(small_graph()[-1])
    assert list(doc) == ["version", "nodes", "edges", "steps"]
    assert doc["version"] == 1
    assert all(list(n) == ["id", "name", "label", "op", "data", "grad"] for n in doc["nodes"])
    assert all(list(e) == ["parent", "child", "local"] for e in doc["edges"])
    assert all(list(s) == ["node", "upstream", "terms"] for s in doc["steps"])
    assert all(list(t) == ["parent", "local", "contribution"] for s in doc["steps"] for t in s["terms"])


def test_nodes_are_numbered_by_topological_index_with_their_grads_after_the_pass():
    a, b, z, L = small_graph()
    assert topological_order(L) == [a, b, z, L]
    assert to_json(L)["nodes"] == [
        {"id": 0, "name": "a", "label": "a", "op": "", "data": 2.0, "grad": -2.0},
        {"id": 1, "name": "b", "label": "b", "op": "", "data": -3.0, "grad": 2.0},
        {"id": 2, "name": "z", "label": "z", "op": "*", "data": -6.0, "grad": 1.0},
        {"id": 3, "name": "L", "label": "", "op": "+", "data": -4.0, "grad": 1.0},
    ]


def test_edges_go_parent_to_child_with_the_local_derivative():
    assert to_json(small_graph()[-1])["edges"] == [
        {"parent": 0, "child": 2, "local": -3.0},
        {"parent": 1, "child": 2, "local": 2.0},
        {"parent": 2, "child": 3, "local": 1.0},
        {"parent": 0, "child": 3, "local": 1.0},
    ]


def test_steps_follow_the_pass_with_their_terms():
    assert to_json(small_graph()[-1])["steps"] == [
        {"node": 3, "upstream": 1.0, "terms": [{"parent": 2, "local": 1.0, "contribution": 1.0},
                                               {"parent": 0, "local": 1.0, "contribution": 1.0}]},
        {"node": 2, "upstream": 1.0, "terms": [{"parent": 0, "local": -3.0, "contribution": -3.0},
                                               {"parent": 1, "local": 2.0, "contribution": 2.0}]},
        {"node": 1, "upstream": 2.0, "terms": []},
        {"node": 0, "upstream": -2.0, "terms": []},
    ]


def test_a_square_has_two_edges_from_the_same_parent():
    x = Value(3.0, "x")
    doc = to_json(x * x)
    assert doc["edges"] == [{"parent": 0, "child": 1, "local": 3.0}] * 2
    assert doc["nodes"][0]["grad"] == 6.0


def test_ids_are_ints():
    doc = to_json(small_graph()[-1])
    ids = [n["id"] for n in doc["nodes"]] + [e[k] for e in doc["edges"] for k in ("parent", "child")]
    assert all(type(i) is int for i in ids)


def test_non_finite_numbers_are_the_strings_nan_inf_and_minus_inf():
    x = Value(0.0, "x")
    y = x.log()       # -inf; d log / dx = 1/0 = inf
    z = y * 0.0       # nan
    doc = to_json(z)
    assert [n["data"] for n in doc["nodes"]] == [0.0, "-inf", "nan"]
    assert doc["edges"][0]["local"] == "inf"
    assert doc["steps"][-1]["upstream"] == "nan"  # dz/dx = dz/dy * dy/dx = 0 * inf
    assert json.dumps(doc, allow_nan=False)


def test_json_dumps_round_trips_the_document():
    x = Value(-1.0, "x")
    root = (x.log() + x.exp() * x).tanh()
    doc = to_json(root)
    assert json.loads(json.dumps(doc, allow_nan=False)) == doc


def test_to_json_leaves_the_grads_of_the_graph_untouched():
    a, b, z, L = small_graph()
    a.grad, b.grad = 10.0, -1.5
    to_json(L)
    assert (a.grad, b.grad, z.grad, L.grad) == (10.0, -1.5, 0.0, 0.0)
    assert all(n._g == 0.0 for n in (a, b, z, L))


def test_to_json_describes_a_fresh_pass_even_after_backward():
    a, b, z, L = small_graph()
    before = to_json(L)
    L.backward()
    L.backward()  # a.grad is now -4: the document still shows the pass itself
    assert to_json(L) == before
    assert before["nodes"][0]["grad"] == -2.0


def test_to_json_needs_a_value():
    with pytest.raises(TypeError, match="Value"):
        to_json([1.0])  # type: ignore[arg-type]


def test_the_two_node_network_grads_match_backward():
    nn = pytest.importorskip("nn")
    net = nn.TwoNodeNetwork(w1=0.8, w2=-1.2, b1=0.1, b2=0.3)
    cost = nn.mse_loss(net(1.5), 0.2)
    doc = to_json(cost)
    cost.backward()
    assert [n["grad"] for n in doc["nodes"]] == [n.grad for n in topological_order(cost)]
    assert math.isclose(doc["nodes"][[n["label"] for n in doc["nodes"]].index("w1")]["grad"],
                        net.w1.grad, rel_tol=0, abs_tol=0)
