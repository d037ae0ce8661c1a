"""chainrule replaying a Tape: each workload's graph recorded once, then replayed every run.

The factory builds the graph once and records it (`Tape(root)`); the seconds that took are the
factory's `record_s`, shown in its own column.  Each repetition then sets the leaves' data and
calls `tape.forward()` and `tape.backward()`, so a training step costs no graph building at all.
Constants and Python branches are frozen at recording, so the data of each step are leaves.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .workloads import (
    CHAIN_FACTOR,
    CHAIN_SHIFT,
    MOONS_ALPHA,
    MOONS_SIZES,
    TWO_NODE_DATA,
    TWO_NODE_LR,
    TWO_NODE_W1,
    TWO_NODE_W2,
    Rep,
    Training,
    clock,
    flat,
    mlp_weights,
    moons_lr,
    pairwise_sum,
    train_rep,
    two_moons,
    wide_inputs,
)

__all__ = ["Replay"]


def _recorded(rep: Rep, seconds: float) -> Rep:
    rep.record_s = seconds  # type: ignore[attr-defined]
    return rep


def _record(root: Any) -> tuple[Any, float]:
    from autograd import Tape
    t0 = clock()
    tape = Tape(root)
    return tape, clock() - t0


class Replay:
    """chainrule through a Tape: record once, replay forward and backward every step."""

    name = "replay"
    description = "chainrule replaying a recorded Tape (autograd.Tape)"

    def unavailable(self) -> str | None:
        try:
            from autograd import Tape  # noqa: F401
        except ImportError as e:  # pragma: no cover - the repository itself
            return f"cannot import autograd.Tape: {e}"
        return None

    def chain(self, n: int) -> Rep:
        from autograd import Value
        x = Value(1.0)
        y = x
        for _ in range(n):
            y = y * CHAIN_FACTOR + CHAIN_SHIFT
        tape, seconds = _record(y)

        def rep(t: dict, probe: Callable[[], None]) -> tuple:
            x.data, x.grad = 1.0, 0.0
            t0 = clock()
            out = tape.forward()
            t["forward"] = clock() - t0
            probe()
            t0 = clock()
            tape.backward()
            t["backward"] = clock() - t0
            return out, x.grad
        return _recorded(rep, seconds)

    def wide(self, n: int) -> Rep:
        from autograd import Value
        xs_data, ws_data = wide_inputs(n)
        xs = [Value(x) for x in xs_data]
        ws = [Value(w) for w in ws_data]
        tape, seconds = _record(pairwise_sum([x * w for x, w in zip(xs, ws)]))

        def rep(t: dict, probe: Callable[[], None]) -> tuple:
            for leaf, data in zip(xs + ws, xs_data + ws_data):
                leaf.data, leaf.grad = data, 0.0
            t0 = clock()
            out = tape.forward()
            t["forward"] = clock() - t0
            probe()
            t0 = clock()
            tape.backward()
            t["backward"] = clock() - t0
            return out, ws[-1].grad
        return _recorded(rep, seconds)

    def moons(self, points: int) -> Rep:
        from autograd import Value
        from nn import MLP, hinge_loss
        model = MLP(*MOONS_SIZES, activation="relu")
        params = model.parameters()
        for p, w in zip(params, flat(mlp_weights())):
            p.data = w
        X, Y = two_moons(points)
        scores = [model([Value(x) for x in row]) for row in X]
        tape, seconds = _record(hinge_loss(scores, Y) + MOONS_ALPHA * sum(p * p for p in params))
        k = 0  # the step, for the learning-rate schedule: one per repetition

        def update() -> None:
            nonlocal k
            learning_rate = moons_lr(k)
            for p in params:
                p.data -= learning_rate * p.grad
            k += 1

        def backward(loss: float) -> None:
            model.zero_grad()
            tape.backward()

        training = Training(lambda X, Y: tape.forward(), backward, update, lambda loss: (loss,))
        return _recorded(train_rep(lambda: training, [(X, Y)]), seconds)

    def two_node(self, steps: int) -> Rep:
        from autograd import Value
        from nn import SGD, TwoNodeNetwork, mse_loss
        net = TwoNodeNetwork(w1=TWO_NODE_W1, w2=TWO_NODE_W2)
        x, y = Value(0.0), Value(0.0)  # the data point of each step: leaves, set before replay
        tape, seconds = _record(mse_loss(net(x), y))
        opt = SGD(net.parameters(), lr=TWO_NODE_LR)
        start_data = [p.data for p in net.parameters()]

        def start() -> Training:
            for p, data in zip(net.parameters(), start_data):  # each repetition: a fresh model
                p.data, p.grad = data, 0.0
            return training

        def forward(x_data: float, y_data: float) -> float:
            x.data, y.data = x_data, y_data
            return tape.forward()

        def backward(loss: float) -> None:
            opt.zero_grad()
            tape.backward()

        training = Training(forward, backward, lambda: opt.step(),
                            lambda loss: (loss, net.w1.data))
        return _recorded(train_rep(start, TWO_NODE_DATA, steps), seconds)
