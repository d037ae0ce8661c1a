"""The workloads, their data, and chainrule's version of each.

Every engine (chainrule here; micrograd, PyTorch and plain floats in peers.py) implements each
workload as a factory that does the setup (model, data) and returns a `Rep`: one timed
repetition.  A Rep takes a dict to fill with the seconds spent in each phase ("forward",
"backward", and "update" for training) and a `probe` to call once the graph of the forward pass is
alive (the memory run measures there; it is a no-op when timing).  It returns a few numbers that
every engine must agree on (loss, a gradient), so the benchmark also checks that the engines
computed the same thing.  Phases are written into the dict as they finish, so when an engine
fails in backward (micrograd's recursion) its forward time is still known.  The training workloads
share one timing skeleton, `train_rep`; each engine gives it its own step as a `Training`.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

__all__ = ["Workload", "Rep", "Training", "train_rep", "WORKLOADS", "QUICK_WORKLOADS", "clock",
           "CHAIN_FACTOR",
           "CHAIN_SHIFT", "wide_inputs", "pairwise_sum", "two_moons", "mlp_weights", "flat",
           "MOONS_ALPHA", "moons_lr", "TWO_NODE_W1", "TWO_NODE_W2", "TWO_NODE_DATA", "TWO_NODE_LR",
           "Chainrule", "graph_size", "skip_reason", "BIG_MOONS"]

clock = time.perf_counter

Rep = Callable[[dict, Callable[[], None]], tuple]


@dataclass(frozen=True)
class Workload:
    """One row group of the table: what to build, how big."""

    name: str   # "chain-1e5"
    kind: str   # "chain", "wide", "moons" or "two_node": the Engine method that builds it
    size: int   # chain steps, products, moons points, or training steps
    title: str  # what it is, in words


def _sci(n: int) -> str:
    exponent = round(math.log10(n)) if n > 0 else 0
    return f"1e{exponent}" if n == 10 ** exponent else str(n)


def chain(n: int) -> Workload:
    return Workload(f"chain-{_sci(n)}", "chain", n, f"chain y = y*1.0001 + 0.5, {n:,} steps")


def wide(n: int) -> Workload:
    return Workload(f"wide-{_sci(n)}", "wide", n,
                    f"wide sum of {n:,} products x_i*w_i (pairwise, depth {math.ceil(math.log2(max(n, 2)))})")


def moons(points: int) -> Workload:
    return Workload(f"moons-{points}", "moons", points,
                    f"moons training step: MLP(2, [16, 16, 1]) ReLU, {points} points, "
                    f"hinge + 1e-4 L2, forward + backward + update")


def two_node(steps: int) -> Workload:
    return Workload(f"two-node-{steps}", "two_node", steps,
                    f"two-node sigmoid network, {steps} SGD steps on (y_hat - y)**2")


WORKLOADS = [chain(10_000), chain(100_000), chain(1_000_000), wide(100_000), moons(100),
             moons(1000), two_node(1000)]

# Past 100 points the moons step is timed only for the engines that run it in seconds or less
# (micrograd and torch rebuild 1.3 million nodes per step; replay would record them).
BIG_MOONS = 100
BIG_MOONS_ENGINES = ("chainrule", "floats", "batch", "numpy")


def skip_reason(engine: Any, workload: Workload) -> str | None:
    """Why engine does not run workload (None: it does)."""
    if not hasattr(engine, workload.kind):
        return f"no {workload.kind} workload (it runs the moons step over a batch of examples)"
    if workload.kind == "moons" and workload.size > BIG_MOONS and \
            engine.name not in BIG_MOONS_ENGINES:
        return f"not run above {BIG_MOONS} points (too slow to repeat)"
    return None
QUICK_WORKLOADS = [chain(1_000), chain(10_000), chain(100_000), wide(10_000), moons(100),
                   two_node(200)]


# ---------------------------------------------------------------------------------------------
# Data shared by every engine, so they all compute the same numbers.

CHAIN_FACTOR = 1.0001
CHAIN_SHIFT = 0.5


def wide_inputs(n: int, seed: int = 5) -> tuple[list[float], list[float]]:
    """n pairs (x_i, w_i), uniform in [-1, 1], the same on every run."""
    rng = random.Random(seed)
    return [rng.uniform(-1.0, 1.0) for _ in range(n)], [rng.uniform(-1.0, 1.0) for _ in range(n)]


def pairwise_sum(terms: Sequence[Any]) -> Any:
    """Sum with a balanced tree of + (depth log2 n): a wide graph, not a deep one."""
    terms = list(terms)
    while len(terms) > 1:
        paired = [terms[i] + terms[i + 1] for i in range(0, len(terms) - 1, 2)]
        if len(terms) % 2:
            paired.append(terms[-1])
        terms = paired
    return terms[0]


def two_moons(n: int = 100, noise: float = 0.1, seed: int = 0) -> tuple[list[list[float]], list[int]]:
    """sklearn's make_moons(n, noise) made in code: two interleaved half circles, labels -1 / +1."""
    rng = random.Random(seed)
    outer, inner = n // 2, n - n // 2
    X: list[list[float]] = []
    y: list[int] = []
    for i in range(outer):
        t = math.pi * i / max(outer - 1, 1)
        X.append([math.cos(t) + rng.gauss(0.0, noise), math.sin(t) + rng.gauss(0.0, noise)])
        y.append(-1)
    for i in range(inner):
        t = math.pi * i / max(inner - 1, 1)
        X.append([1.0 - math.cos(t) + rng.gauss(0.0, noise),
                  0.5 - math.sin(t) + rng.gauss(0.0, noise)])
        y.append(1)
    return X, y


MOONS_SIZES = (2, [16, 16, 1])
MOONS_ALPHA = 1e-4  # the L2 weight of micrograd's demo


def moons_lr(k: int) -> float:
    """The demo's learning-rate schedule, 1.0 - 0.9 k / 100 at step k (held at 0.1 after 100)."""
    return 1.0 - 0.9 * min(k, 100) / 100


def mlp_weights(nin: int = 2, nouts: Sequence[int] = (16, 16, 1), seed: int = 1337
                ) -> list[list[tuple[list[float], float]]]:
    """Initial weights per layer, per neuron: (w uniform in [-1, 1], b = 0.0), in micrograd's
    parameter order (each neuron's w, then its b), which is also chainrule's."""
    rng = random.Random(seed)
    sizes = [nin, *nouts]
    return [[([rng.uniform(-1.0, 1.0) for _ in range(sizes[i])], 0.0) for _ in range(sizes[i + 1])]
            for i in range(len(nouts))]


def flat(weights: list[list[tuple[list[float], float]]]) -> list[float]:
    """The weights in parameters() order."""
    return [x for layer in weights for w, b in layer for x in (*w, b)]


TWO_NODE_W1, TWO_NODE_W2 = 0.8, -1.2
TWO_NODE_DATA = [(-2.0, 0.0), (-1.0, 0.0), (1.0, 1.0), (2.0, 1.0)]  # (x, y), step i uses i % 4
TWO_NODE_LR = 0.5


# ---------------------------------------------------------------------------------------------
# The chain and the wide sum read the same in every engine whose scalars are Value objects with
# + * .backward() .data .grad (chainrule and micrograd): one body serves both.

def value_chain(Value: Any, n: int) -> Rep:
    """y = y*1.0001 + 0.5, n times, from a Value leaf x; backward from y."""
    def rep(t: dict, probe: Callable[[], None]) -> tuple:
        t0 = clock()
        x = Value(1.0)
        y = x
        for _ in range(n):
            y = y * CHAIN_FACTOR + CHAIN_SHIFT
        t["forward"] = clock() - t0
        probe()
        t0 = clock()
        y.backward()  # micrograd's recursive build_topo: RecursionError past ~500 steps
        t["backward"] = clock() - t0
        return y.data, x.grad
    return rep


def value_wide(Value: Any, n: int) -> Rep:
    """The pairwise sum of n products x_i * w_i of Value leaves; backward from the sum."""
    xs_data, ws_data = wide_inputs(n)

    def rep(t: dict, probe: Callable[[], None]) -> tuple:
        t0 = clock()
        xs = [Value(x) for x in xs_data]
        ws = [Value(w) for w in ws_data]
        s = pairwise_sum([x * w for x, w in zip(xs, ws)])
        t["forward"] = clock() - t0
        probe()
        t0 = clock()
        s.backward()
        t["backward"] = clock() - t0
        return s.data, ws[-1].grad
    return rep


# ---------------------------------------------------------------------------------------------
# Training: one timing skeleton for every engine, which supplies its own step in its own idiom.

class Training(NamedTuple):
    """One engine's training step, cut into the phases the benchmark times."""

    forward: Callable[[Any, Any], Any]  # (inputs, targets) -> out: the loss, or what backward needs
    backward: Callable[[Any], None]     # out -> None: zero the gradients, then backpropagate
    update: Callable[[], None]          # the optimizer step on those gradients
    result: Callable[[Any], tuple]      # out -> the check numbers every engine must agree on


def train_rep(start: Callable[[], Training], data: Sequence[tuple[Any, Any]], steps: int = 1
              ) -> Rep:
    """A Rep of `steps` training steps, step i on data[i % len(data)], each phase timed and summed.

    start() runs untimed at the top of every repetition: it makes that repetition's model (or
    keeps the one it has) and returns the Training.  Make the Training once, in the factory, over
    the model's variables, not in start(): then the memory probe counts the model and its graph,
    as a training loop written inline would, and not the skeleton's closures.
    Fair to every engine: the data lookup, the probe and the bookkeeping sit outside the timed
    regions; inside each one the skeleton adds exactly one Python call of the engine's callable.
    The first step's forward time is written into the dict right after the probe, before its
    backward (see the module doc); the probe sees the dict as an inline loop would, still empty.
    """
    n = len(data)

    def rep(t: dict, probe: Callable[[], None]) -> tuple:
        forward, backward, update, result = start()
        forward_s = backward_s = update_s = 0.0
        out = None
        for i in range(steps):
            x, y = data[i % n]
            t0 = clock()
            out = forward(x, y)
            t1 = clock()
            if i == 0:
                probe()
                t["forward"] = t1 - t0  # known even if the first backward fails
            t2 = clock()
            backward(out)
            t3 = clock()
            update()
            t4 = clock()
            forward_s += t1 - t0
            backward_s += t3 - t2
            update_s += t4 - t3
        t["forward"], t["backward"], t["update"] = forward_s, backward_s, update_s
        return result(out)
    return rep


def value_moons(Value: Any, model: Any, data_loss: Callable[[list, list], Any], points: int) -> Rep:
    """micrograd's moons training step for an engine with micrograd's Value and MLP API (chainrule,
    micrograd); data_loss(scores, labels) is the hinge loss in the engine's own idiom."""
    for p, w in zip(model.parameters(), flat(mlp_weights())):
        p.data = w
    k = 0  # the step, for the learning-rate schedule: one per repetition

    def forward(X: list, Y: list) -> Any:
        inputs = [list(map(Value, xrow)) for xrow in X]
        scores = list(map(model, inputs))
        reg_loss = MOONS_ALPHA * sum(p * p for p in model.parameters())
        return data_loss(scores, Y) + reg_loss

    def backward(total_loss: Any) -> None:
        model.zero_grad()
        total_loss.backward()

    def update() -> None:
        nonlocal k
        learning_rate = moons_lr(k)
        for p in model.parameters():
            p.data -= learning_rate * p.grad
        k += 1

    training = Training(forward, backward, update, lambda total_loss: (total_loss.data,))
    return train_rep(lambda: training, [two_moons(points)])


# ---------------------------------------------------------------------------------------------
# chainrule

class Chainrule:
    """chainrule, used as its README shows: autograd.Value, nn.MLP, nn.hinge_loss, nn.SGD."""

    name = "chainrule"
    description = "chainrule (this repository)"

    def unavailable(self) -> str | None:
        try:
            import autograd  # noqa: F401
            import nn  # noqa: F401
        except ImportError as e:  # pragma: no cover - the repository itself
            return f"cannot import chainrule: {e}"
        return None

    def chain(self, n: int) -> Rep:
        from autograd import Value
        return value_chain(Value, n)

    def wide(self, n: int) -> Rep:
        from autograd import Value
        return value_wide(Value, n)

    def moons(self, points: int) -> Rep:
        from autograd import Value
        from nn import MLP, hinge_loss
        return value_moons(Value, MLP(*MOONS_SIZES, activation="relu"), hinge_loss, points)

    def two_node(self, steps: int) -> Rep:
        from nn import SGD, TwoNodeNetwork, mse_loss
        net = opt = None  # each repetition's fresh model, made by start()

        def start() -> Training:
            nonlocal net, opt
            net = TwoNodeNetwork(w1=TWO_NODE_W1, w2=TWO_NODE_W2)
            opt = SGD(net.parameters(), lr=TWO_NODE_LR)
            return training

        def backward(loss: Any) -> None:
            opt.zero_grad()
            loss.backward()

        # opt.step wrapped like every engine's update, so each phase costs each engine one call
        training = Training(lambda x, y: mse_loss(net(x), y), backward, lambda: opt.step(),
                            lambda loss: (loss.data, net.w1.data))
        return train_rep(start, TWO_NODE_DATA, steps)


def graph_size(workload: Workload) -> int:
    """The number of nodes (Values, leaves included) of chainrule's graph for the workload; for a
    training workload, of one step's graph times the number of steps."""
    from autograd import Value
    from autograd.engine import topological_order
    n = workload.size
    if workload.kind == "chain":
        return 2 * n + 1  # a leaf, then a * and a + per step (tests/test_benchmarks_smoke.py checks)
    if workload.kind == "wide":
        return 4 * n - 1  # 2n leaves, n products, n - 1 sums
    if workload.kind == "moons":
        from nn import MLP, hinge_loss
        X, Y = two_moons(n)
        model = MLP(*MOONS_SIZES, activation="relu")
        scores = [model(list(map(Value, xrow))) for xrow in X]
        total = hinge_loss(scores, Y) + MOONS_ALPHA * sum(p * p for p in model.parameters())
        return len(topological_order(total))
    if workload.kind == "two_node":
        from nn import TwoNodeNetwork, mse_loss
        x, y = TWO_NODE_DATA[0]
        return n * len(topological_order(mse_loss(TwoNodeNetwork()(x), y)))
    raise ValueError(f"unknown workload kind {workload.kind!r}")
