"""Passes are independent: a pass gives exactly what it gives alone, also when another pass runs
in the middle of it (nested: inspecting or drawing mid-step, an abandoned stepper kept in a
variable) or beside it in another thread.  Modes (no_grad, detect_anomaly) are per thread.

The thread tests switch threads every microsecond (sys.setswitchinterval(1e-6)), so that an
unprotected read-modify-write of a shared field would be interleaved and lose updates.
"""

from __future__ import annotations

import json
import struct
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from autograd import AnomalyError, Value, backward_steps, detect_anomaly, grad, gradcheck, no_grad, to_json
from autograd.engine import is_anomaly_enabled, is_grad_enabled
from autograd.graph import lock


def issue_graph() -> tuple[Value, Value, Value]:
    """L = (a*b)*a + b at a = 2, b = -3: dL/da = 2ab = -12, dL/db = a*a + 1 = 5."""
    a, b = Value(2.0, "a"), Value(-3.0, "b")
    return a, b, (a * b) * a + b


# -- nested passes --------------------------------------------------------------------------------

def inner_to_json(L: Value, a: Value, b: Value) -> Any:
    doc = to_json(L)
    grads = {n["label"]: n["grad"] for n in doc["nodes"] if n["label"]}
    assert grads == {"a": -12.0, "b": 5.0}
    return doc


def inner_grad(L: Value, a: Value, b: Value) -> Any:
    assert [g.data for g in grad(L, [a, b])] == [-12.0, 5.0]


def inner_fresh_stepper(L: Value, a: Value, b: Value) -> Any:
    from autograd.debug.steps import fresh_pass
    run = fresh_pass(L)
    assert (run.grads[a], run.grads[b]) == (-12.0, 5.0)


def inner_gradcheck(L: Value, a: Value, b: Value) -> Any:
    assert gradcheck(lambda x, y: (x * y) * x + y, [a.data, b.data])


def inner_save_html(L: Value, a: Value, b: Value, path: Any = None) -> Any:
    import tempfile

    from autograd import save_html
    with tempfile.TemporaryDirectory() as tmp:
        page = save_html(L, f"{tmp}/p.html").read_text(encoding="utf-8")
    assert "-12.0" in page or "-12.0000" in page


@pytest.mark.parametrize("inner", [inner_to_json, inner_grad, inner_fresh_stepper, inner_gradcheck,
                                   inner_save_html])
@pytest.mark.parametrize("at", [0, 1, 2, 3])
def test_a_pass_inside_a_stepped_pass_leaves_both_exact(inner: Callable[..., Any], at: int):
    a, b, L = issue_graph()
    for step in backward_steps(L):
        if step.index == at:
            inner(L, a, b)
    assert (a.grad, b.grad) == (-12.0, 5.0)


def test_the_issue_case_to_json_at_step_one():
    a, b, L = issue_graph()
    for step in backward_steps(L):
        if step.index == 1:
            doc = to_json(L)
    assert (a.grad, b.grad) == (-12.0, 5.0)
    assert sorted(n["grad"] for n in doc["nodes"] if n["label"]) == [-12.0, 5.0]
    json.dumps(doc)


def test_backward_inside_a_stepped_pass_adds_its_own_contributions_exactly():
    a, b, L = issue_graph()
    for step in backward_steps(L):
        if step.index == 1:
            L.backward()
    assert (a.grad, b.grad) == (-24.0, 10.0)


def test_a_stepped_pass_inside_a_stepped_pass_gives_both_exactly():
    a, b, L = issue_graph()
    outer = backward_steps(L)
    next(outer)
    inner = list(backward_steps(L, 2.0))
    assert [s.upstream for s in inner][-2:] in ([-24.0, 10.0], [10.0, -24.0])
    rest = list(outer)
    assert (a.grad, b.grad) == (-12.0 * 3, 5.0 * 3)
    assert {s.node: s.upstream for s in rest}[a] == -12.0


def test_an_abandoned_stepper_kept_in_a_variable_changes_no_later_pass():
    a, b, L = issue_graph()
    kept = backward_steps(L)
    next(kept)
    next(kept)  # half done, never closed
    for n in (a, b):
        n.grad = 0.0
    L.backward()
    assert (a.grad, b.grad) == (-12.0, 5.0)
    assert [g.data for g in grad(L, [a, b])] == [-12.0, 5.0]
    list(kept)  # finishing it later adds exactly its own pass
    assert (a.grad, b.grad) == (-24.0, 10.0)


def test_a_pass_started_while_this_thread_holds_the_engine_lock_uses_its_own_sums():
    # what a signal handler running backward() in the middle of another backward() would meet
    a, b, L = issue_graph()
    with lock:  # the engine's lock
        L.backward()
    assert (a.grad, b.grad) == (-12.0, 5.0)
    assert all(n._g == 0.0 for n in (a, b, L))


# -- threads ------------------------------------------------------------------------------------

def run_threads(*targets: Callable[[], None]) -> None:
    errors: list[BaseException] = []

    def guarded(f: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            try:
                f()
            except BaseException as e:  # reported in the main thread
                errors.append(e)
        return run

    threads = [threading.Thread(target=guarded(t)) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]


def shared_leaf_graphs(n: int = 60) -> tuple[list[Value], Value, Value]:
    """Two graphs over the same leaves w (with many uses each, so a pass is long)."""
    w = [Value(0.1 * (i + 1), f"w{i}") for i in range(n)]
    s1 = sum((wi * wi * 3.0 for wi in w), Value(0.0))
    s2 = sum(((wi * 1.5).tanh() * wi for wi in w), Value(0.0))
    return w, s1 * s1, s2 * 2.0 + s1


def test_two_threads_backward_into_shared_leaves_add_every_contribution(fast_switching):
    # float gradients: the order of the additions varies, so compare within rounding (the exact
    # version, with integer gradients, is the next test)
    w, L1, L2 = shared_leaf_graphs()
    solo1 = [g.data for g in grad(L1, w)]
    solo2 = [g.data for g in grad(L2, w)]
    rounds = 20
    run_threads(lambda: [L1.backward() for _ in range(rounds)],
                lambda: [L2.backward() for _ in range(rounds)])
    for wi, g1, g2 in zip(w, solo1, solo2):
        assert wi.grad == pytest.approx(rounds * (g1 + g2), rel=1e-12)


def test_two_threads_backward_with_integer_gradients_add_up_exactly(fast_switching):
    # integer-valued gradients make every order of additions exact: any lost update shows
    w = [Value(float(i + 1), f"w{i}") for i in range(40)]
    L1 = sum((wi * 3.0 for wi in w), Value(0.0))
    L2 = sum((wi * wi for wi in w), Value(0.0))
    rounds = 50
    run_threads(lambda: [L1.backward() for _ in range(rounds)],
                lambda: [L2.backward() for _ in range(rounds)],
                lambda: [L1.backward(2.0) for _ in range(rounds)])
    for i, wi in enumerate(w):
        assert wi.grad == rounds * (3.0 + 2.0 * (i + 1) + 6.0)


def test_grad_in_one_thread_while_backward_runs_in_another_is_exact_in_both(fast_switching):
    # (before passes had their own storage, 1 to 5 of these 30 grad() calls came out wrong)
    w, L1, L2 = shared_leaf_graphs(300)
    solo = [g.data for g in grad(L2, w)]
    seen: list[list[float]] = []
    run_threads(lambda: [L1.backward() for _ in range(60)],
                lambda: seen.extend([g.data for g in grad(L2, w)] for _ in range(30)))
    assert sum(s != solo for s in seen) == 0


def test_a_stepper_in_one_thread_and_backward_in_another_are_both_exact(fast_switching):
    w = [Value(float(i + 1), f"w{i}") for i in range(30)]
    L = sum((wi * wi for wi in w), Value(0.0))
    uppers: list[list[float]] = []

    def stepping() -> None:
        for _ in range(5):
            uppers.append([s.upstream for s in backward_steps(L) if not s.node.op])

    run_threads(stepping, lambda: [L.backward() for _ in range(20)])
    assert all(u == uppers[0] for u in uppers)
    for i, wi in enumerate(w):
        assert wi.grad == 25 * 2.0 * (i + 1)


def test_to_json_in_one_thread_sees_no_grads_of_a_pass_in_another(fast_switching):
    a, b, L = issue_graph()
    docs: list[dict[str, Any]] = []
    run_threads(lambda: [L.backward() for _ in range(200)],
                lambda: docs.extend(to_json(L) for _ in range(30)))
    for doc in docs:
        assert sorted(n["grad"] for n in doc["nodes"] if n["label"]) == [-12.0, 5.0]
    assert (a.grad, b.grad) == (-12.0 * 200, 5.0 * 200)


# -- modes per thread -----------------------------------------------------------------------------

@contextmanager
def held_in_another_thread(mode: Callable[[], Any]) -> Iterator[None]:
    """Another thread enters mode() and stays inside it for as long as the block runs."""
    inside, release = threading.Event(), threading.Event()

    def hold() -> None:
        with mode():
            inside.set()
            release.wait(5)

    t = threading.Thread(target=hold)
    t.start()
    inside.wait(5)
    try:
        yield
    finally:
        release.set()
        t.join()


def test_no_grad_in_one_thread_leaves_recording_on_in_another():
    with held_in_another_thread(no_grad):
        assert is_grad_enabled()
        x = Value(2.0)
        y = x * x
        assert y.parents == (x, x)


def test_detect_anomaly_in_one_thread_does_not_raise_in_another():
    with held_in_another_thread(detect_anomaly):
        assert not is_anomaly_enabled()
        assert (Value(1.0) / 0).data == float("inf")


def test_making_values_while_another_thread_enters_and_leaves_anomaly_mode(fast_switching):
    stop = threading.Event()

    def toggle() -> None:
        while not stop.is_set():
            with detect_anomaly():
                pass

    t = threading.Thread(target=toggle)
    t.start()
    try:
        for i in range(3000):
            v = Value(float(i)) * 2.0 + Value(1.0)
            assert v.data == 2.0 * i + 1.0 and len(v.parents) == 2
    finally:
        stop.set()
        t.join()


def test_leaving_no_grad_never_entered_is_an_error_that_changes_nothing():
    with pytest.raises(RuntimeError):
        no_grad().__exit__(None, None, None)
    assert is_grad_enabled()
    x = Value(1.0)
    assert (x * 2.0).parents == (x,)


def test_a_stray_detect_anomaly_exit_is_an_error_and_anomaly_mode_still_works():
    with pytest.raises(RuntimeError):
        detect_anomaly().__exit__(None, None, None)
    with detect_anomaly():
        with pytest.raises(AnomalyError):
            Value(-1.0).log()
    assert not is_anomaly_enabled()


def test_a_no_grad_entered_in_one_thread_cannot_be_left_in_another():
    ctx = no_grad()
    ctx.__enter__()
    errors: list[BaseException] = []

    def leave() -> None:
        try:
            ctx.__exit__(None, None, None)
        except RuntimeError as e:
            errors.append(e)

    t = threading.Thread(target=leave)
    t.start()
    t.join()
    try:
        assert errors and not is_grad_enabled()
    finally:
        ctx.__exit__(None, None, None)
    assert is_grad_enabled()


def test_no_grad_decorates_generator_functions_at_every_step():
    @no_grad
    def products(xs: list[Value]) -> Any:
        for x in xs:
            yield x * 2.0

    x = Value(3.0)
    made = []
    for y in products([x, x]):
        made.append(y)
        assert is_grad_enabled()  # the caller's code between steps records as usual
        assert (x * 1.0).parents == (x,)
    assert all(y.parents == () and y.data == 6.0 for y in made)


def test_no_grad_generator_passes_send_throw_and_return_through():
    @no_grad()
    def echo() -> Any:
        got = yield Value(1.0) * 2.0
        try:
            yield got
        except KeyError:
            yield "caught"
        return "done"

    gen = echo()
    assert next(gen).parents == ()
    assert gen.send(5) == 5
    assert gen.throw(KeyError()) == "caught"
    with pytest.raises(StopIteration) as stop:
        next(gen)
    assert stop.value.value == "done"


# -- every pass equals backward() bit for bit (the table at the top of autograd/engine.py) ---------

def bits(x: float) -> bytes:
    """x's IEEE 754 bytes: equal bits, -0.0 and nan payloads included."""
    return struct.pack("<d", x)


def test_folding_a_neuron_call_gives_backward_from_its_output_bit_for_bit():
    from autograd.engine import topological_order
    from autograd.viz.fold import Folding
    from nn import MLP

    model = MLP(3, [4, 2, 1], activation="tanh")
    loss = model([0.5, -1.25, 2.0]) ** 2
    order = topological_order(loss)
    folding = Folding(order, {v: i for i, v in enumerate(order)}, fold=True)
    assert folding.boxes
    for box in folding.boxes.values():
        output = order[box.output]
        for v in order:
            v.grad = 0.0
        output.backward()
        assert {j: bits(g) for j, g in box.inputs.items()} == \
            {j: bits(order[j].grad) for j in box.inputs}, box.name


def test_gradchecks_analytic_gradient_is_backwards_bit_for_bit():
    from autograd import GradcheckError, primitive

    wrong = primitive("house_wrong_square", lambda a: a * a, lambda a, out: 3.0 * a)

    def f(x: Value, y: Value) -> Value:
        return wrong(x * y + x.tanh()) / y

    with pytest.raises(GradcheckError) as caught:
        gradcheck(f, [0.7, -1.3])
    x, y = Value(0.7, "x"), Value(-1.3, "y")
    f(x, y).backward()
    analytic = [a for _, a, _, _ in caught.value.failures]
    assert [bits(a) for a in analytic] == [bits(x.grad), bits(y.grad)]
