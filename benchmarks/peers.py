"""The peers: the same workloads in micrograd, in PyTorch on 0-dim tensors, and on plain floats.

Each is written the way its own users write it (micrograd: its demo notebook; PyTorch: scalar
tensors with requires_grad; floats: the arithmetic with the chain rule worked by hand), from the
same data and initial weights as chainrule's (workloads.py), so all of them compute the same
numbers.  See workloads.py for what a Rep is.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from .workloads import (
    CHAIN_FACTOR,
    CHAIN_SHIFT,
    MOONS_ALPHA,
    TWO_NODE_DATA,
    TWO_NODE_LR,
    TWO_NODE_W1,
    TWO_NODE_W2,
    Rep,
    Training,
    clock,
    mlp_weights,
    moons_lr,
    pairwise_sum,
    train_rep,
    two_moons,
    value_chain,
    value_moons,
    value_wide,
    wide_inputs,
)

__all__ = ["Micrograd", "Torch", "Floats"]


# ---------------------------------------------------------------------------------------------
# micrograd (pip install micrograd): karpathy's engine, a closure per node.

def _micrograd_sigmoid(v: Any) -> Any:
    """micrograd has no sigmoid (nor exp); this one is written in its style, a closure per node."""
    from micrograd.engine import Value
    s = 1.0 / (1.0 + math.exp(-v.data))
    out = Value(s, (v,), "sigmoid")

    def _backward() -> None:
        v.grad += s * (1.0 - s) * out.grad
    out._backward = _backward
    return out


class Micrograd:
    """micrograd 0.1.0 from PyPI: micrograd.engine.Value, micrograd.nn.MLP, as in its demo."""

    name = "micrograd"
    description = "micrograd (PyPI), as in its demo notebook"

    def unavailable(self) -> str | None:
        try:
            import micrograd.engine  # noqa: F401
            import micrograd.nn  # noqa: F401
        except ImportError as e:
            return f"micrograd is not installed ({e}); pip install micrograd"
        return None

    def chain(self, n: int) -> Rep:
        from micrograd.engine import Value
        return value_chain(Value, n)

    def wide(self, n: int) -> Rep:
        from micrograd.engine import Value
        return value_wide(Value, n)

    def moons(self, points: int) -> Rep:
        from micrograd.engine import Value
        from micrograd.nn import MLP

        def data_loss(scores: list, y: list) -> Any:  # the hinge loss as in micrograd's demo
            losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores)]
            return sum(losses) * (1.0 / len(losses))
        return value_moons(Value, MLP(2, [16, 16, 1]), data_loss, points)

    def two_node(self, steps: int) -> Rep:
        from micrograd.engine import Value
        w1 = b1 = w2 = b2 = None  # each repetition's fresh parameters, made by start()
        params: list = []

        def start() -> Training:
            nonlocal w1, b1, w2, b2, params
            w1, b1, w2, b2 = Value(TWO_NODE_W1), Value(0.0), Value(TWO_NODE_W2), Value(0.0)
            params = [w1, b1, w2, b2]
            return training

        def forward(x: float, y: float) -> Any:
            a1 = _micrograd_sigmoid(w1 * x + b1)
            y_hat = _micrograd_sigmoid(w2 * a1 + b2)
            return (y_hat - y) ** 2

        def backward(loss: Any) -> None:
            for p in params:
                p.grad = 0
            loss.backward()

        def update() -> None:
            for p in params:
                p.data -= TWO_NODE_LR * p.grad

        training = Training(forward, backward, update, lambda loss: (loss.data, w1.data))
        return train_rep(start, TWO_NODE_DATA, steps)


# ---------------------------------------------------------------------------------------------
# PyTorch: every scalar a 0-dim float64 tensor, one thread.

def _torch() -> Any:
    import torch
    torch.set_num_threads(1)
    return torch


class Torch:
    """PyTorch with 0-dim float64 tensors (requires_grad leaves) and torch.set_num_threads(1)."""

    name = "torch"
    description = "PyTorch, 0-dim float64 tensors, 1 thread"

    def unavailable(self) -> str | None:
        try:
            import torch  # noqa: F401
        except ImportError as e:
            return f"PyTorch is not installed ({e}); pip install torch"
        return None

    def chain(self, n: int) -> Rep:
        torch = _torch()

        def rep(t: dict, probe: Callable[[], None]) -> tuple:
            t0 = clock()
            x = torch.tensor(1.0, dtype=torch.float64, requires_grad=True)
            y = x
            for _ in range(n):
                y = y * CHAIN_FACTOR + CHAIN_SHIFT
            t["forward"] = clock() - t0
            probe()
            t0 = clock()
            y.backward()
            t["backward"] = clock() - t0
            return y.item(), x.grad.item()
        return rep

    def wide(self, n: int) -> Rep:
        torch = _torch()
        xs_data, ws_data = wide_inputs(n)
        f64 = torch.float64

        def rep(t: dict, probe: Callable[[], None]) -> tuple:
            t0 = clock()
            xs = [torch.tensor(x, dtype=f64, requires_grad=True) for x in xs_data]
            ws = [torch.tensor(w, dtype=f64, requires_grad=True) for w in ws_data]
            s = pairwise_sum([x * w for x, w in zip(xs, ws)])
            t["forward"] = clock() - t0
            probe()
            t0 = clock()
            s.backward()
            t["backward"] = clock() - t0
            return s.item(), ws[-1].grad.item()
        return rep

    def moons(self, points: int) -> Rep:
        torch = _torch()
        f64 = torch.float64
        # layers of neurons (w, b), each scalar a 0-dim leaf tensor; ReLU but on the last layer
        layers = [[([torch.tensor(x, dtype=f64, requires_grad=True) for x in w],
                    torch.tensor(b, dtype=f64, requires_grad=True)) for w, b in layer]
                  for layer in mlp_weights()]
        params = [p for layer in layers for w, b in layer for p in (*w, b)]

        def model(x: list) -> Any:
            for i, layer in enumerate(layers):
                out = []
                for w, b in layer:
                    act = b
                    for wi, xi in zip(w, x):
                        act = act + wi * xi
                    out.append(act.relu() if i < len(layers) - 1 else act)
                x = out
            return x[0]

        k = 0  # the step, for the learning-rate schedule: one per repetition

        def forward(X: list, y: list) -> Any:
            inputs = [[torch.tensor(v, dtype=f64) for v in xrow] for xrow in X]
            scores = list(map(model, inputs))
            losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores)]
            data_loss = sum(losses) * (1.0 / len(losses))
            reg_loss = MOONS_ALPHA * sum(p * p for p in params)
            return data_loss + reg_loss

        def backward(total_loss: Any) -> None:
            for p in params:
                p.grad = None
            total_loss.backward()

        def update() -> None:
            nonlocal k
            learning_rate = moons_lr(k)
            with torch.no_grad():
                for p in params:
                    p -= learning_rate * p.grad
            k += 1

        training = Training(forward, backward, update, lambda total_loss: (total_loss.item(),))
        return train_rep(lambda: training, [two_moons(points)])

    def two_node(self, steps: int) -> Rep:
        torch = _torch()
        f64 = torch.float64
        w1 = b1 = w2 = b2 = None  # each repetition's fresh parameters, made by start()
        params: list = []

        def start() -> Training:
            nonlocal w1, b1, w2, b2, params
            w1, b1, w2, b2 = (torch.tensor(v, dtype=f64, requires_grad=True)
                              for v in (TWO_NODE_W1, 0.0, TWO_NODE_W2, 0.0))
            params = [w1, b1, w2, b2]
            return training

        def forward(x: float, y: float) -> Any:
            a1 = torch.sigmoid(w1 * x + b1)
            y_hat = torch.sigmoid(w2 * a1 + b2)
            return (y_hat - y) ** 2

        def backward(loss: Any) -> None:
            for p in params:
                p.grad = None
            loss.backward()

        def update() -> None:
            with torch.no_grad():
                for p in params:
                    p -= TWO_NODE_LR * p.grad

        training = Training(forward, backward, update, lambda loss: (loss.item(), w1.item()))
        return train_rep(start, TWO_NODE_DATA, steps)


# ---------------------------------------------------------------------------------------------
# Plain floats: the same arithmetic with no graph, the derivatives worked by hand.  The floor.

def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


class Floats:
    """The floor: the forward arithmetic on Python floats, and the backward pass written by hand."""

    name = "floats"
    description = "plain Python floats, gradients by hand (no graph)"

    def unavailable(self) -> str | None:
        return None

    def chain(self, n: int) -> Rep:
        def rep(t: dict, probe: Callable[[], None]) -> tuple:
            t0 = clock()
            y = 1.0
            for _ in range(n):
                y = y * CHAIN_FACTOR + CHAIN_SHIFT
            t["forward"] = clock() - t0
            probe()
            t0 = clock()
            g = 1.0
            for _ in range(n):
                g = g * CHAIN_FACTOR  # d(y*c + s)/dy = c
            t["backward"] = clock() - t0
            return y, g
        return rep

    def wide(self, n: int) -> Rep:
        xs_data, ws_data = wide_inputs(n)

        def rep(t: dict, probe: Callable[[], None]) -> tuple:
            t0 = clock()
            xs = list(xs_data)
            ws = list(ws_data)
            s = pairwise_sum([x * w for x, w in zip(xs, ws)])
            t["forward"] = clock() - t0
            probe()
            t0 = clock()
            g = 1.0  # d s / d (x_i w_i) = 1
            grad_x = [g * w for w in ws]
            grad_w = [g * x for x in xs]
            t["backward"] = clock() - t0
            del grad_x
            return s, grad_w[-1]
        return rep

    def moons(self, points: int) -> Rep:
        layers = [[(list(w), b) for w, b in layer] for layer in mlp_weights()]
        W = [[w for w, _ in layer] for layer in layers]  # W[layer][j][k]
        B = [[b for _, b in layer] for layer in layers]  # B[layer][j]
        last = len(W) - 1
        gW: list = []
        gB: list = []
        step = 0  # for the learning-rate schedule: one per repetition

        def forward(X: list, y: list) -> tuple:
            caches = []  # per point: the input and pre-activation of every layer
            losses = []
            for xrow, yi in zip(X, y):
                h = xrow
                ins, pres = [], []
                for layer, (Wl, Bl) in enumerate(zip(W, B)):
                    pre = []
                    for w, b in zip(Wl, Bl):
                        act = b
                        for wk, hk in zip(w, h):
                            act = act + wk * hk
                        pre.append(act)
                    ins.append(h)
                    pres.append(pre)
                    h = pre if layer == last else [a if a > 0.0 else 0.0 for a in pre]
                margin = 1.0 - h[0] * yi
                losses.append(margin if margin > 0.0 else 0.0)
                caches.append((ins, pres, margin))
            data_loss = sum(losses) * (1.0 / len(losses))
            reg_loss = MOONS_ALPHA * sum(p * p for Wl in W for w in Wl for p in w) \
                + MOONS_ALPHA * sum(b * b for Bl in B for b in Bl)
            return data_loss + reg_loss, caches, y  # the loss, and what backward needs

        def backward(out: tuple) -> None:
            nonlocal gW, gB
            _, caches, y = out
            gW = [[[0.0] * len(w) for w in Wl] for Wl in W]
            gB = [[0.0] * len(Bl) for Bl in B]
            scale = 1.0 / len(caches)
            for (ins, pres, margin), yi in zip(caches, y):
                dh = [-yi * scale if margin > 0.0 else 0.0]
                for layer in range(last, -1, -1):
                    pre, h = pres[layer], ins[layer]
                    dpre = dh if layer == last else [d if p > 0.0 else 0.0 for d, p in zip(dh, pre)]
                    dh = [0.0] * len(h)
                    for j, d in enumerate(dpre):
                        w, gw = W[layer][j], gW[layer][j]
                        for k in range(len(h)):
                            gw[k] += d * h[k]
                            dh[k] += d * w[k]
                        gB[layer][j] += d
            for Wl, gWl, Bl, gBl in zip(W, gW, B, gB):
                for w, gw in zip(Wl, gWl):
                    for k in range(len(w)):
                        gw[k] += 2.0 * MOONS_ALPHA * w[k]
                for j in range(len(Bl)):
                    gBl[j] += 2.0 * MOONS_ALPHA * Bl[j]

        def update() -> None:
            nonlocal step
            learning_rate = moons_lr(step)
            for Wl, gWl, Bl, gBl in zip(W, gW, B, gB):
                for w, gw in zip(Wl, gWl):
                    for k in range(len(w)):
                        w[k] -= learning_rate * gw[k]
                for j in range(len(Bl)):
                    Bl[j] -= learning_rate * gBl[j]
            step += 1

        training = Training(forward, backward, update, lambda out: (out[0],))
        return train_rep(lambda: training, [two_moons(points)])

    def two_node(self, steps: int) -> Rep:
        w1 = b1 = w2 = b2 = 0.0  # the parameters, reset by start() each repetition
        x = y = z1 = a1 = z2 = y_hat = 0.0  # the forward's values, which backward reads
        g_w1 = g_b1 = g_w2 = g_b2 = 0.0  # the gradients, which update reads

        def start() -> Training:
            nonlocal w1, b1, w2, b2
            w1, b1, w2, b2 = TWO_NODE_W1, 0.0, TWO_NODE_W2, 0.0
            return training

        def forward(xi: float, yi: float) -> float:
            nonlocal x, y, z1, a1, z2, y_hat
            x, y = xi, yi
            z1 = w1 * x + b1
            a1 = _sigmoid(z1)
            z2 = w2 * a1 + b2
            y_hat = _sigmoid(z2)
            return (y_hat - y) ** 2

        def backward(loss: float) -> None:
            nonlocal g_w1, g_b1, g_w2, g_b2
            delta2 = 2.0 * (y_hat - y) * y_hat * (1.0 - y_hat)  # dC/dz2
            delta1 = delta2 * w2 * a1 * (1.0 - a1)              # dC/dz1
            g_w2, g_b2, g_w1, g_b1 = delta2 * a1, delta2, delta1 * x, delta1

        def update() -> None:
            nonlocal w1, b1, w2, b2
            w1 -= TWO_NODE_LR * g_w1
            b1 -= TWO_NODE_LR * g_b1
            w2 -= TWO_NODE_LR * g_w2
            b2 -= TWO_NODE_LR * g_b2

        training = Training(forward, backward, update, lambda loss: (loss, w1))
        return train_rep(start, TWO_NODE_DATA, steps)
