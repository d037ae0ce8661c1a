"""Tape: a recorded graph replayed from its leaves' current data, equal to a rebuild."""

from __future__ import annotations

import math
import operator
import struct
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
import test_properties as properties
from hypothesis import given, settings
from hypothesis import strategies as st
from test_properties import BINARY, UNARY

import autograd.tape.record as tapecode
from autograd import AnomalyError, Value, backward_steps, detect_anomaly, to_json
from autograd import value as value_module
from autograd.tape import Tape


def primitive(op: str) -> tuple[Any, tuple[Any, ...]]:
    return value_module.PRIMITIVES[op].forward, tuple(value_module.PRIMITIVES[op].rules)


def bitwise_same(a: float, b: float) -> bool:
    """Bit for bit the same float (nan matches nan)."""
    return struct.pack("<d", a) == struct.pack("<d", b) or (a != a and b != b)


@dataclass(frozen=True)
class Program:
    """steps: (op, form, i, other): op(nodes[i]) ("u"), nodes[i] op nodes[other] ("vv"),
    nodes[i] op other ("vc") or other op nodes[i] ("cv"); the output is the last node."""
    n_leaves: int
    steps: tuple[tuple[str, str, int, Any], ...]

    def build(self, data: list[float]) -> tuple[list[Value], Value]:
        leaves = [Value(x, label=f"x{i}") for i, x in enumerate(data)]
        return leaves, properties.Program(tuple(data), self.steps).run(leaves, lambda c: c)[-1]


# kinks of relu and abs (0.0, -0.0), the edges of log/sqrt/**, and non-finite numbers
SPECIAL = st.sampled_from([0.0, -0.0, 1.0, -1.0, 2.0, 0.5, math.inf, -math.inf, math.nan])
ORDINARY = st.builds(operator.mul, st.sampled_from([-1.0, 1.0]), st.floats(0.05, 2.0))
NUMBERS = st.one_of(ORDINARY, ORDINARY, ORDINARY, SPECIAL)  # mostly finite graphs
CONSTANTS = st.one_of(st.sampled_from([0.0, -0.0, 1.0, -1.0, 2.0, 0.5, 3, math.inf]),
                      st.floats(-3.0, 3.0, allow_nan=False))


@st.composite
def programs(draw: Any, max_steps: int = 24) -> Program:
    n_leaves = draw(st.integers(1, 4))
    steps = []
    for k in range(draw(st.integers(1, max_steps))):
        size = n_leaves + k
        op = draw(st.sampled_from(sorted(UNARY) + sorted(BINARY)))
        i = size - 1 - draw(st.integers(0, size - 1))  # shrinks towards chains
        if op in UNARY:
            steps.append((op, "u", i, None))
            continue
        form = draw(st.sampled_from(["vv", "vc", "cv"]))
        if form == "vv":  # often a recent node: shared nodes used near and far
            other = draw(st.one_of(st.integers(0, size - 1),
                                   st.integers(max(0, size - 4), size - 1)))
        else:
            other = draw(CONSTANTS)
        steps.append((op, form, i, other))
    return Program(n_leaves, tuple(steps))


@contextmanager
def chunks_of(smallest: int, largest: int, compile_after: int = 0) -> Iterator[None]:
    """Record with chunks of this many nodes (small graphs then span several chunks), compiled
    after this many replays (0: from the first; else the interpreter runs first)."""
    saved = tapecode.MIN_CHUNK, tapecode.MAX_CHUNK, tapecode.COMPILE_AFTER
    tapecode.MIN_CHUNK, tapecode.MAX_CHUNK, tapecode.COMPILE_AFTER = smallest, largest, compile_after
    try:
        yield
    finally:
        tapecode.MIN_CHUNK, tapecode.MAX_CHUNK, tapecode.COMPILE_AFTER = saved


def replay(program: Program, first: list[float], then: list[float], seed: float,
           chunk: tuple[int, int], compile_after: int = 0) -> tuple[list[Value], Value, float]:
    """Record at `first` (in chunks of chunk[0] to chunk[1] nodes), set the leaves to `then`,
    replay forward and backward."""
    leaves, root = program.build(first)
    with chunks_of(*chunk, compile_after):
        tape = Tape(root)
        for leaf, x in zip(leaves, then):
            leaf.data = x
        out = tape.forward()
        tape.backward(seed)
    return leaves, root, out


@settings(max_examples=300, deadline=None)
@given(programs(), st.data())
def test_replay_equals_a_rebuild_bit_for_bit(program: Program, data: Any) -> None:
    first = [data.draw(NUMBERS) for _ in range(program.n_leaves)]
    then = [data.draw(NUMBERS) for _ in range(program.n_leaves)]
    seed = data.draw(st.sampled_from([1.0, -0.0, 2.5, -1.0]))
    smallest = data.draw(st.integers(1, 4))
    chunk = (smallest, smallest + data.draw(st.sampled_from([0, 0, 3])))
    compile_after = data.draw(st.sampled_from([0, 5]))  # generated code, or the interpreter
    leaves, root, out = replay(program, first, then, seed, chunk, compile_after)
    fresh_leaves, fresh_root = program.build(then)
    fresh_root.backward(seed)
    assert bitwise_same(out, fresh_root.data) and bitwise_same(root.data, fresh_root.data)
    for leaf, fresh in zip(leaves, fresh_leaves):
        assert bitwise_same(leaf.grad, fresh.grad), (leaf.label, leaf.grad, fresh.grad)


@settings(max_examples=100, deadline=None)
@given(programs(), st.data())
def test_sync_gives_every_node_the_data_and_local_derivatives_of_a_rebuild(
        program: Program, data: Any) -> None:
    first = [data.draw(NUMBERS) for _ in range(program.n_leaves)]
    then = [data.draw(NUMBERS) for _ in range(program.n_leaves)]
    leaves, root = program.build(first)
    with chunks_of(2, 3, data.draw(st.sampled_from([0, 5]))):
        tape = Tape(root)
        for leaf, x in zip(leaves, then):
            leaf.data = x
        tape.forward()
        tape.sync()
    _, fresh_root = program.build(then)
    from autograd.engine import topological_order
    for node, fresh in zip(topological_order(root), topological_order(fresh_root), strict=True):
        assert bitwise_same(node.data, fresh.data)
        assert all(bitwise_same(a, b) for a, b in zip(node.local, fresh.local, strict=True))


def mlp_loss(w: list[Value], xs: list[tuple[float, float]]) -> Value:
    """A small two-layer network's squared loss: leaves shared across data points."""
    loss: Any = 0.0
    for x0, x1 in xs:
        h = [(w[0] * x0 + w[1] * x1 + w[2]).tanh(), (w[3] * x0 + w[4] * x1 + w[5]).relu()]
        y = w[6] * h[0] + w[7] * h[1]
        loss = loss + (y - 1.0) ** 2
    return loss


def test_a_node_used_in_its_own_chunk_and_in_later_ones_sums_in_the_engines_order() -> None:
    x = Value(0.3)
    a = x * x
    c = (a + a) * a
    root = c + a  # a: used by the next node, the one after, and by the last
    for smallest in (1, 2, 3):
        with chunks_of(smallest, smallest):
            tape = Tape(root)
        x.grad = 0.0
        tape.backward()
        replayed = x.grad
        x.grad = 0.0
        root.backward()
        assert replayed == x.grad


def test_a_training_loop_through_a_tape_matches_rebuilding_every_step() -> None:
    xs = [(0.1 * i, 1.0 - 0.2 * i) for i in range(40)]  # enough nodes for several chunks
    start = [0.3, -0.2, 0.1, 0.5, 0.4, -0.3, 0.7, -0.6]
    w = [Value(x) for x in start]
    tape = Tape(mlp_loss(w, xs))
    rebuilt = [Value(x) for x in start]
    for _ in range(5):
        replayed = tape.forward()
        tape.backward()
        loss = mlp_loss(rebuilt, xs)
        loss.backward()
        assert replayed == loss.data
        for p, q in zip(w, rebuilt):
            assert p.grad == q.grad
            p.data -= 0.1 * p.grad
            q.data -= 0.1 * q.grad
            p.grad = q.grad = 0.0


def test_forward_returns_and_sets_the_roots_data() -> None:
    x = Value(2.0)
    y = x * x + 1.0
    tape = Tape(y)
    x.data = 3.0
    assert tape.forward() == 10.0 and y.data == 10.0


def test_backward_twice_adds_twice() -> None:
    x = Value(0.5)
    y = (x * x).tanh() * x
    tape = Tape(y)
    tape.forward()
    tape.backward()
    once = x.grad
    tape.backward()
    assert x.grad == once + once


def test_backward_before_forward_uses_the_recorded_numbers() -> None:
    x = Value(1.5)
    y = x.exp() * x
    Tape(y).backward(2.0)
    replayed = x.grad
    x.grad = 0.0
    y.backward(2.0)
    assert replayed == x.grad


def test_backward_adds_only_to_leaves() -> None:
    x = Value(1.5)
    z = x * 3.0
    y = z * z
    Tape(y).backward()
    assert x.grad == 27.0 and z.grad == 0.0 and y.grad == 0.0


def test_leaves_are_the_leaves_of_the_graph_in_topological_order() -> None:
    a, b, c = Value(1.0, "a"), Value(2.0, "b"), Value(3.0, "unused")
    tape = Tape(b * a + a)
    assert tape.leaves == [b, a]
    assert c not in tape.leaves


def test_a_leaf_root_replays_its_own_data() -> None:
    x = Value(3.0)
    tape = Tape(x)
    x.data = 4.0
    assert tape.forward() == 4.0
    tape.backward(2.0)
    assert x.grad == 2.0


def test_constants_are_frozen_at_recording() -> None:
    x = Value(1.0)
    c = 2.0
    tape = Tape(x * c)
    c = 5.0
    x.data = 3.0
    assert tape.forward() == 6.0


def test_a_million_op_chain_records_and_replays_at_the_default_recursion_limit() -> None:
    assert sys.getrecursionlimit() <= 1000 + 500
    x = Value(1.0)
    y = x
    for _ in range(500_000):  # 1,000,000 ops
        y = y * 1.0001 + 0.5
    tape = Tape(y)
    x.data = 0.5
    out = tape.forward()
    tape.backward()
    expected, slope = 0.5, 1.0  # the same float operations, in the same order
    for _ in range(500_000):
        expected = expected * 1.0001 + 0.5
        slope = 1.0001 * slope
    assert out == expected and x.grad == slope


def test_replayed_intermediates_show_in_to_json_after_sync() -> None:
    x = Value(1.0, "x")
    y = ((x * 2.0).tanh() + x).sigmoid()
    tape = Tape(y)
    x.data = -0.7
    tape.forward()
    tape.sync()
    fresh = Value(-0.7, "x")
    expected = to_json(((fresh * 2.0).tanh() + fresh).sigmoid())
    got = to_json(y)
    assert got["edges"] == expected["edges"]
    assert [n["data"] for n in got["nodes"]] == [n["data"] for n in expected["nodes"]]
    assert got["steps"] == expected["steps"]


def test_backward_steps_after_sync_walk_the_replayed_pass() -> None:
    x = Value(2.0, "x")
    y = (x * 2.0).relu() * x
    tape = Tape(y)
    x.data = -3.0
    tape.forward()
    tape.sync()
    steps = {step.node: step for step in backward_steps(y)}
    x.grad = 0.0
    tape.backward()
    assert steps[x].upstream == x.grad == 0.0  # relu is off at the replayed data
    assert y.data == 0.0


def test_a_pass_from_any_node_of_the_graph_applies_the_pending_replay() -> None:
    from autograd.engine import topological_order

    x = Value(1.0)
    h = x * 2.0
    tape = Tape(h.exp())
    x.data = 3.0
    tape.forward()
    assert h.data == 2.0  # not yet
    topological_order(h)  # what every pass and view starts with
    assert h.data == 6.0 and h.local == (2.0,)
    x.data = 4.0
    tape.forward()
    tape.sync()
    assert h.data == 8.0
    h.data = 0.0
    topological_order(h)  # synced already: nothing pending
    assert h.data == 0.0


@pytest.mark.parametrize("view", ["to_json", "backward_steps", "explain", "grad", "backward",
                                  "to_svg"])
def test_every_view_and_pass_sees_the_replayed_numbers_without_a_sync(view) -> None:
    # the graph holds the numbers of x = 2; the tape replays x = -3, where relu is off: a view
    # or a pass on the old numbers would give a non-zero gradient, silently wrong
    from autograd import explain, grad, to_svg

    x = Value(2.0, "x")
    h = (x * 2.0).relu()
    h.label = "h"
    y = h * x
    tape = Tape(y)
    x.data = -3.0
    tape.forward()
    if view == "to_json":
        nodes = {n["label"]: n for n in to_json(y)["nodes"]}
        assert nodes["h"]["data"] == 0.0 and nodes["x"]["grad"] == 0.0
    elif view == "backward_steps":
        assert {s.node: s.upstream for s in backward_steps(y)}[x] == 0.0
    elif view == "explain":
        assert explain(y, x).total == 0.0
    elif view == "grad":
        assert grad(y, [x])[0].data == 0.0
    elif view == "backward":
        y.backward()
        assert x.grad == 0.0
    else:
        svg = to_svg(y)
        assert "data 0.0000" in svg and "4.0000" not in svg  # h as replayed, not h = 2 * 2
    assert h.data == 0.0


def test_tape_of_a_number_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="Tape.*Value.*float 3.0"):
        Tape(3.0)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", ["abc", None, [1.0], 1 + 2j])
def test_leaf_data_set_to_a_non_number_is_a_type_error_at_the_next_forward(bad: Any) -> None:
    x = Value(1.0, "x")
    tape = Tape(x * 2.0)
    x.data = bad
    with pytest.raises(TypeError, match="leaf 'x' has data .*must be a number"):
        tape.forward()


def test_leaf_data_set_to_an_int_or_bool_replays_as_a_float() -> None:
    x = Value(1.0)
    tape = Tape(x * 2.0)
    x.data = 3  # type: ignore[assignment]
    assert tape.forward() == 6.0
    x.data = True  # type: ignore[assignment]
    assert tape.forward() == 2.0


def test_backward_seed_must_be_a_number() -> None:
    tape = Tape(Value(1.0) * 2.0)
    with pytest.raises(TypeError, match="grad"):
        tape.backward("1")  # type: ignore[arg-type]


def test_no_op_raises_replay_follows_ieee_754() -> None:
    x, y = Value(1.0), Value(2.0)
    root = (x / y).log() + (x ** y) + x.exp() + y.sqrt()
    tape = Tape(root)
    x.data, y.data = 0.0, -1.0  # log(0 / -1), 0 ** -1, sqrt(-1)
    out = tape.forward()
    tape.backward()
    assert math.isnan(out)
    assert math.isnan(x.grad) or math.isinf(x.grad)


def test_anomaly_in_a_replayed_forward_names_the_node() -> None:
    x = Value(1.0, "x")
    h = x.log()
    h.label = "h"
    tape = Tape(h * 2.0)
    x.data = 0.0
    with detect_anomaly(), pytest.raises(AnomalyError, match="log made -inf from finite input 0.0") \
            as caught:
        tape.forward()
    assert caught.value.node is h and "'h'" in str(caught.value)


def test_anomaly_in_a_replayed_backward_names_the_node() -> None:
    x = Value(1.0, "x")
    y = x.sqrt()  # d sqrt / dx = 0.5 / sqrt(x): inf at 0
    tape = Tape(y)
    x.data = 0.0
    with detect_anomaly():
        tape.forward()
        with pytest.raises(AnomalyError, match="gradient of x inf") as caught:
            tape.backward()
    assert caught.value.node is y
    assert x.grad == 0.0  # nothing added


def test_without_anomaly_mode_nan_and_inf_flow_through() -> None:
    x = Value(1.0)
    tape = Tape(x.log() * 2.0)
    x.data = 0.0
    assert tape.forward() == -math.inf
    tape.backward()
    assert x.grad == math.inf


def test_two_threads_replaying_tapes_with_shared_leaves_add_both_contributions() -> None:
    w = Value(0.3)
    tapes = [Tape(sum((w * (0.01 * i)).tanh() for i in range(200)) * k) for k in (1.0, 2.0)]
    expected = 0.0
    for tape in tapes:
        w.grad = 0.0
        tape.backward()
        expected += w.grad
    w.grad = 0.0
    switch = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        threads = [threading.Thread(target=lambda t=tape: [t.backward() for _ in range(50)])
                   for tape in tapes]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(switch)
    assert w.grad == pytest.approx(50 * expected, rel=1e-12)


def test_a_planted_wrong_rule_changes_the_engine_and_a_new_tape_alike(
        monkeypatch: pytest.MonkeyPatch) -> None:
    def wrong(a: float, out: float) -> float:
        return 3.0 - out

    (rule,) = primitive("tanh")[1]
    monkeypatch.setattr(rule, "__code__", wrong.__code__)

    def leaf_grad(through_tape: bool) -> float:
        x = Value(0.4)
        y = x.tanh() * 2.0
        if through_tape:
            Tape(y).backward()
        else:
            y.backward()
        return x.grad

    planted = 2.0 * (3.0 - math.tanh(0.4))
    assert leaf_grad(through_tape=False) == planted
    assert leaf_grad(through_tape=True) == planted


def test_the_tape_reads_the_engines_registry() -> None:
    forward, rules = primitive("*")
    assert forward is value_module.PRIMITIVES["*"].forward
    assert rules == tuple(value_module.PRIMITIVES["*"].rules)


# -- a replay never rewrites what it did not compute, nor a pass under way ----------------------

def test_syncing_leaves_the_leaves_data_as_the_optimizer_left_it() -> None:
    from nn import SGD

    w, x = Value(0.3, "w"), Value(2.0, "x")
    loss = (w * x - 1.0) ** 2
    tape, opt = Tape(loss), SGD([w], lr=0.1)
    seen = []
    for _ in range(4):
        seen.append(tape.forward())
        tape.backward()
        opt.step()
        loss.zero_grad()  # orders the graph, so the replay syncs: the step must stay
    assert seen[-1] < seen[0] / 100 and w.data == pytest.approx(0.49968)


def test_backward_before_any_forward_uses_the_numbers_of_the_recording() -> None:
    x = Value(2.0, "x")
    y = (x * x) * x
    tape = Tape(y)
    x.data = 3.0  # not replayed yet: the recorded graph still holds x = 2
    tape.backward()
    assert x.grad == 12.0  # what y.backward() on the recorded graph gives, 3 * 2**2


def test_a_stepped_pass_under_way_is_not_changed_by_a_replay_syncing_in_its_middle() -> None:
    a, b = Value(2.0, "a"), Value(3.0, "b")
    c = a * b
    L = (c * c) * a
    tape = Tape(L)
    steps = backward_steps(L)
    next(steps)
    a.data = 5.0
    tape.forward()
    to_json(L)  # a view syncs the replayed numbers into L's graph
    list(steps)
    assert (a.grad, b.grad) == (108.0, 48.0)  # the pass it started as: a = 2, b = 3


def test_a_pass_in_another_thread_waits_for_a_whole_sync(fast_switching) -> None:
    from autograd import grad

    w = Value(0.5, "w")
    y = w
    for _ in range(2000):
        y = (y * 1.0001).tanh() + w * 0.001
    tape = Tape(y)
    w.data = 0.9
    tape.forward()
    tape.sync()
    expected = grad(y, [w])[0].data
    wrong = 0
    for _ in range(10):
        w.data = 0.5
        tape.forward()
        tape.sync()
        w.data = 0.9
        tape.forward()  # a sync pending
        got: list[float] = []
        other = threading.Thread(target=lambda: grad(Value(1.0) + 1.0, []))  # starts the sync
        mine = threading.Thread(target=lambda: got.append(grad(y, [w])[0].data))
        other.start()
        mine.start()
        other.join()
        mine.join()
        wrong += got != [expected]
    assert wrong == 0


GOLDEN_TWO_NODE = """\
def forward(X, K):
    x0, x1, x2, x3, x4, x5, = X
    c0, = K
    t0 = x0 * x1
    t1 = t0 + x2
    t2 = sigmoid(t1)
    t3 = x3 * t2
    t4 = t3 + x4
    t5 = sigmoid(t4)
    t6 = t5 - x5
    t7 = power(t6, c0)
    return (t0, t1, t2, t3, t4, t5, t6, t7,)


def backward(T, X, E, G, o, K):
    t0, t1, t2, t3, t4, t5, t6, t7, = T
    x0, x1, x2, x3, x4, x5, = X
    e0, e1, e2, e3, e4, e5, = E
    c0, = K
    g7 = G[o + 7]
    g6 = 0.0 + xpowy(c0, t6, (c0 - (1.0))) * g7
    G[e5] += (-g6)
    g4 = 0.0 + (t5 * ((1.0) - t5)) * g6
    G[e4] += g4
    G[e3] += t2 * g4
    g2 = 0.0 + x3 * g4
    g1 = 0.0 + (t2 * ((1.0) - t2)) * g2
    G[e2] += g1
    G[e0] += x1 * g1
    G[e1] += x0 * g1


def local(T, X, K):
    t0, t1, t2, t3, t4, t5, t6, t7, = T
    x0, x1, x2, x3, x4, x5, = X
    c0, = K
    return (
        x1,
        x0,
        (1.0),
        (1.0),
        (t2 * ((1.0) - t2)),
        t2,
        x3,
        (1.0),
        (1.0),
        (t5 * ((1.0) - t5)),
        (1.0),
        (-1.0),
        xpowy(c0, t6, (c0 - (1.0))),
    )
"""


def test_the_two_node_networks_generated_code_reads_as_the_chain_rule() -> None:
    from nn import TwoNodeNetwork, mse_loss

    net = TwoNodeNetwork(w1=0.5, w2=-0.3)
    x, y = Value(1.5, "x"), Value(0.8, "y")
    source = Tape(mse_loss(net(x), y)).source()
    head, code = source.split("\n", 1)
    assert head.startswith("# chunk 0: <autograd.tape chunk ")
    assert code == GOLDEN_TWO_NODE
