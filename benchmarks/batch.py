"""The batch of examples: chainrule's batched Tape, and the same step in NumPy by hand.

"batch": the graph of ONE example (the MLP on two input leaves, the hinge loss against a label
leaf, plus the L2 term) is recorded once as `Tape(loss, batch=[x1, x2, y])`; each run replays it
over the N rows of the data set as NumPy columns (`tape.forward(rows)`, `tape.backward()`).
Its mean loss is the moons step's loss: mean(hinge_i + reg) = mean(hinge_i) + reg.

"numpy": the new limit, the step written by hand with matrices (X @ W.T), as a NumPy user
would; it sums in another order, so it agrees to rounding, not bit for bit.

Both run the moons workloads only (the others are one example, not a batch).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .workloads import (
    MOONS_ALPHA,
    MOONS_SIZES,
    Rep,
    Training,
    clock,
    flat,
    mlp_weights,
    moons_lr,
    train_rep,
    two_moons,
)

__all__ = ["Batch", "NumpyByHand"]


def _rows(points: int) -> Any:
    import numpy as np
    X, Y = two_moons(points)
    return np.array([[a, b, float(y)] for (a, b), y in zip(X, Y)])


class Batch:
    """chainrule replaying one example's Tape over the data set as NumPy columns."""

    name = "batch"
    description = "chainrule: one example's graph replayed over the rows (Tape(loss, batch=...))"

    def unavailable(self) -> str | None:
        try:
            import numpy  # noqa: F401

            from autograd import Tape  # noqa: F401
        except ImportError as e:
            return f"needs NumPy: {e}"
        return None

    def moons(self, points: int) -> Rep:
        from autograd import Tape, Value
        from nn import MLP, hinge_loss
        model = MLP(*MOONS_SIZES, activation="relu")
        params = model.parameters()
        for p, w in zip(params, flat(mlp_weights())):
            p.data = w
        x1, x2, y = Value(0.0, label="x1"), Value(0.0, label="x2"), Value(1.0, label="y")
        loss = hinge_loss([model([x1, x2])], [y]) + MOONS_ALPHA * sum(p * p for p in params)
        t0 = clock()
        tape = Tape(loss, batch=[x1, x2, y])
        record_s = clock() - t0
        rows = _rows(points)
        k = 0

        def backward(loss_value: float) -> None:
            for p in params:
                p.grad = 0.0
            tape.backward()

        def update() -> None:
            nonlocal k
            learning_rate = moons_lr(k)
            for p in params:
                p.data -= learning_rate * p.grad
            k += 1

        training = Training(lambda X, Y: tape.forward(rows), backward, update,
                            lambda loss_value: (loss_value,))
        rep = train_rep(lambda: training, [(None, None)])
        rep.record_s = record_s  # type: ignore[attr-defined]
        return rep


class NumpyByHand:
    """The moons step in NumPy with matrices and the backward pass by hand: the new limit."""

    name = "numpy"
    description = "NumPy by hand: matrices, gradients written out (no graph)"

    def unavailable(self) -> str | None:
        try:
            import numpy  # noqa: F401
        except ImportError as e:
            return f"NumPy is not installed: {e}"
        return None

    def moons(self, points: int) -> Rep:
        import numpy as np
        layers = mlp_weights()
        W = [np.array([w for w, _ in layer]) for layer in layers]  # (out, in)
        B = [np.array([b for _, b in layer]) for layer in layers]
        data = _rows(points)
        X, y = data[:, :2].copy(), data[:, 2].copy()
        n = len(X)
        grads: list[tuple[Any, Any]] = []
        step = 0

        def forward(_x: Any, _y: Any) -> tuple:
            h = X
            ins, pres = [], []
            for i, (Wl, Bl) in enumerate(zip(W, B)):
                pre = h @ Wl.T + Bl
                ins.append(h)
                pres.append(pre)
                h = pre if i == len(W) - 1 else np.maximum(pre, 0.0)
            margin = 1.0 - y * h[:, 0]
            data_loss = np.maximum(margin, 0.0).sum() / n
            reg = MOONS_ALPHA * sum(float((Wl * Wl).sum() + (Bl * Bl).sum()) for Wl, Bl in zip(W, B))
            return float(data_loss) + reg, ins, pres, margin

        def backward(out: tuple) -> None:
            _, ins, pres, margin = out
            d = (np.where(margin > 0.0, -y, 0.0) / n)[:, None]
            grads.clear()
            for i in range(len(W) - 1, -1, -1):
                if i < len(W) - 1:
                    d = d * (pres[i] > 0.0)
                grads.append((d.T @ ins[i] + 2.0 * MOONS_ALPHA * W[i],
                              d.sum(axis=0) + 2.0 * MOONS_ALPHA * B[i]))
                d = d @ W[i]
            grads.reverse()

        def update() -> None:
            nonlocal step
            learning_rate = moons_lr(step)
            for (gW, gB), Wl, Bl in zip(grads, W, B):
                Wl -= learning_rate * gW
                Bl -= learning_rate * gB
            step += 1

        training = Training(forward, backward, update, lambda out: (out[0],))
        start: Callable[[], Training] = lambda: training  # noqa: E731
        return train_rep(start, [(None, None)])
