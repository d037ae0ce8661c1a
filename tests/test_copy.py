"""Copies keep everything: copy.deepcopy and pickle of a Value copy its whole graph (data, grads,
labels, ops, local derivatives) at any depth, without recursion, and keep shared nodes shared."""

from __future__ import annotations

import copy
import pickle
import sys

import pytest

from autograd import Value, detect_anomaly, grad
from autograd.engine import topological_order


def fields(v: Value) -> list[tuple]:
    order = topological_order(v)
    index = {n: i for i, n in enumerate(order)}
    return [(n.data, n.grad, n.label, n.op, n.local, tuple(index[p] for p in n.parents),
             tuple(c for c in n.operands if not isinstance(c, Value)))
            for n in order]


def small() -> tuple[Value, Value, Value]:
    a, b = Value(2.0, "a"), Value(-3.0, "b")
    L = (a * b).tanh() * a + b ** 2.0 - 1.5
    L.label = "L"
    L.backward()
    return a, b, L


COPIERS = {
    "deepcopy": copy.deepcopy,
    "pickle": lambda x: pickle.loads(pickle.dumps(x)),
    "pickle-0": lambda x: pickle.loads(pickle.dumps(x, protocol=0)),
}


@pytest.mark.parametrize("copier", COPIERS.values(), ids=COPIERS.keys())
def test_a_copy_has_the_same_graph_with_new_nodes(copier):
    a, b, L = small()
    L2 = copier(L)
    assert fields(L2) == fields(L)
    assert not set(topological_order(L2)) & set(topological_order(L))


@pytest.mark.parametrize("copier", COPIERS.values(), ids=COPIERS.keys())
def test_a_copy_back_propagates_like_the_original(copier):
    a, b, L = small()
    L2 = copier(L)
    a2, b2 = (n for n in topological_order(L2) if n.label in ("a", "b"))
    assert [g.data for g in grad(L2, [a2, b2])] == [g.data for g in grad(L, [a, b])]


@pytest.mark.parametrize("copier", COPIERS.values(), ids=COPIERS.keys())
def test_copying_several_values_together_keeps_shared_nodes_shared(copier):
    a = Value(1.5, "a")
    z = a * a
    L = z.exp() + z
    a2, z2, L2 = copier([a, z, L])
    assert z2.parents == (a2, a2)
    assert L2.parents[1] is z2 and L2.parents[0].parents == (z2,)


@pytest.mark.parametrize("copier", COPIERS.values(), ids=COPIERS.keys())
def test_a_chain_far_deeper_than_the_recursion_limit_copies(copier):
    x = Value(0.5, "x")
    y = x
    for _ in range(3 * sys.getrecursionlimit() + 7):
        y = y * 1.0001 + 0.5
    y.backward()
    y2 = copier(y)
    assert y2.data == y.data and y2.grad == y.grad
    order = topological_order(y2)
    assert len(order) == len(topological_order(y))
    assert order[0].label == "x" and order[0].grad == x.grad


def test_pickling_a_deep_chain_twice_in_one_session_still_does_not_recurse():
    y = Value(1.0)
    for _ in range(5000):
        y = y + 1.0
    z = y * 2.0
    pickle.loads(pickle.dumps([y, z]))  # y pickled first, then inside z's prelude
    assert pickle.loads(pickle.dumps(y)).data == y.data  # y's id left no stale state behind


def test_a_copy_keeps_where_detect_anomaly_saw_a_value_made():
    with detect_anomaly():
        x = Value(1.0, "x")
        y = x * 2.0
    y2 = copy.deepcopy(y)
    assert y2._made == y._made and y2.parents[0]._made == x._made


def test_shallow_copy_is_a_new_node_over_the_same_parents():
    a = Value(2.0, "a")
    y = a * 3.0
    y2 = copy.copy(y)
    assert y2 is not y and y2.parents == (a,) and y2.data == 6.0 and y2.local == (3.0,)
