"""micrograd's classic demo: a two-layer ReLU MLP separating two moons, trained with hinge loss.

Run:  python examples/moons.py              trains through a batched Tape: the graph of ONE
                                            point's loss is recorded once and replayed over
                                            all the points as NumPy columns every step
      python examples/moons.py --scalar-tape  records the whole data set's graph (a copy per
                                            point) in a Tape and replays it, float by float
      python examples/moons.py --rebuild    builds the graph afresh every step, to compare
      --out DIR                             where moons.png goes (default examples/out/;
                                            written where matplotlib is installed)
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _progress import Progress, pyplot

from autograd import Tape, Value, no_grad
from nn import MLP, SGD, hinge_loss

OUT = Path(__file__).resolve().parent / "out"


def make_moons(n: int = 100, noise: float = 0.1, seed: int = 2) -> tuple[list[list[float]], list[int]]:
    """Two interleaving half circles (as sklearn's make_moons), labels -1 and +1, deterministic."""
    rng = random.Random(seed)
    X, y = [], []
    for i in range(n):
        upper = i < n // 2
        t = math.pi * rng.random()
        if upper:
            px, py = math.cos(t), math.sin(t)
        else:
            px, py = 1.0 - math.cos(t), 0.5 - math.sin(t)
        X.append([px + rng.gauss(0.0, noise), py + rng.gauss(0.0, noise)])
        y.append(-1 if upper else 1)
    return X, y


def loss_and_accuracy(model: MLP, X: list[list[float]], y: list[int],
                      alpha: float = 1e-4) -> tuple[Value, float]:
    """Hinge loss plus alpha * L2 over all parameters, and the training accuracy."""
    scores = [model(x) for x in X]
    data_loss = hinge_loss(scores, y)
    reg_loss = alpha * sum(p * p for p in model.parameters())
    accuracy = sum((s.data > 0) == (yi > 0) for s, yi in zip(scores, y)) / len(y)
    return data_loss + reg_loss, accuracy


def plot(model: MLP, X: list[list[float]], y: list[int], path: Path) -> Path | None:
    """Save the decision boundary with the data, if matplotlib is installed."""
    plt = pyplot()
    if plt is None:
        return None
    h = 0.05
    xs = [-1.5 + h * i for i in range(int(4.0 / h))]
    ys = [-1.0 + h * j for j in range(int(2.6 / h))]
    with no_grad():
        Z = [[1.0 if model([a, b]).data > 0 else -1.0 for a in xs] for b in ys]
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.contourf(xs, ys, Z, cmap="Spectral", alpha=0.8)
    ax.scatter([p[0] for p in X], [p[1] for p in X], c=y, s=30, cmap="Spectral", edgecolors="k")
    ax.set_title("chainrule: MLP(2, [16, 16, 1]) on two moons")
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(fig)
    return path


def batched_tape(model: MLP, alpha: float = 1e-4) -> Tape:
    """The loss of ONE point, (x1, x2) with label y, plus alpha * L2: every point's loss is this
    graph with other numbers in x1, x2, y, and the mean of the points' losses is the data set's
    loss (the L2 term is the same in each)."""
    x1, x2, label = Value(0.0, label="x1"), Value(0.0, label="x2"), Value(1.0, label="y")
    loss = hinge_loss([model([x1, x2])], [label]) + alpha * sum(p * p for p in model.parameters())
    return Tape(loss, batch=[x1, x2, label])


def train(model: MLP, X: list[list[float]], y: list[int], steps: int, how: str) -> None:
    """SGD with micrograd's learning-rate decay.  how: "batch" (the default) replays one
    point's graph over all the points; "scalar-tape" records the data set's whole graph once
    and replays it (the data are constants of the graph, the parameters its leaves, so a replay
    equals a rebuild, number for number); "rebuild" builds the graph every step."""
    opt = SGD(model.parameters())
    bar = Progress(steps, "training", stream=sys.stdout)
    tape = batched_tape(model) if how == "batch" else None
    rows = [[a, b, float(c)] for (a, b), c in zip(X, y)]
    for k in range(steps):
        if how == "rebuild":
            total_loss, accuracy = loss_and_accuracy(model, X, y)
            loss, note = total_loss.data, f"  accuracy {accuracy:.0%}"
        elif how == "batch":
            loss, note = tape.forward(rows), ""
        else:
            if tape is None:
                tape = Tape(loss_and_accuracy(model, X, y)[0])
            loss, note = tape.forward(), ""
        opt.zero_grad()
        if how == "rebuild":
            total_loss.backward()
        else:
            tape.backward()
        opt.lr = 1.0 - 0.9 * k / steps  # learning-rate decay, as in micrograd's demo
        opt.step()
        bar.update(k + 1, f"loss {loss:.4f}{note}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Train an MLP on two moons (micrograd's demo).")
    way = parser.add_mutually_exclusive_group()
    way.add_argument("--rebuild", action="store_true",
                     help="build the graph afresh every step instead of replaying a Tape")
    way.add_argument("--scalar-tape", action="store_true",
                     help="record the whole data set's graph and replay it, float by float, "
                          "instead of one point's graph over the points as a batch")
    parser.add_argument("--steps", type=int, default=100, help="training steps (default 100)")
    parser.add_argument("--out", type=Path, default=OUT, metavar="DIR",
                        help="directory for moons.png (default examples/out)")
    args = parser.parse_args(argv)
    X, y = make_moons()
    model = MLP(2, [16, 16, 1], activation="relu")
    print(f"{model}: {len(model.parameters())} parameters, {len(X)} points")
    started = time.perf_counter()
    how = "rebuild" if args.rebuild else "scalar-tape" if args.scalar_tape else "batch"
    train(model, X, y, args.steps, how)
    words = {"rebuild": "rebuilding the graph every step",
             "scalar-tape": "replaying a Tape of the whole data set",
             "batch": "replaying one point's Tape over the points as a batch"}[how]
    print(f"trained {args.steps} steps in {time.perf_counter() - started:.2f} s ({words})")
    total_loss, accuracy = loss_and_accuracy(model, X, y)
    print(f"final: loss {total_loss.data:.4f}, training accuracy {accuracy:.0%}")
    saved = plot(model, X, y, args.out / "moons.png")
    if saved:
        print(f"decision boundary: {saved}")
    return 0 if accuracy == 1.0 else 1


if __name__ == "__main__":
    sys.exit(main())
