"""Three classes: a ReLU MLP learns CS231n's spiral with softmax cross-entropy and Adam.

Run:  python examples/spiral.py [--steps N] [--out DIR] [--scalar-tape | --rebuild]

The 300 points (100 per class, three arms) are made in code with a fixed seed. Training records
the graph of ONE point's loss (its two coordinates and its one-hot label are leaves) in a batched
autograd.Tape and replays it over all the points as NumPy columns each step; `--scalar-tape`
records the whole data set's graph once and replays it float by float, `--rebuild` builds the
graph afresh every step. A Tape records constants as they were, which is fine here: everything
that changes (the points, the parameters) is a Value. The decision regions go to DIR/spiral.png (default
examples/out) when matplotlib is installed. The last line is `final training accuracy: NN.N%`.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import time
from pathlib import Path

# examples/, the script's own folder, is first on sys.path
from _progress import Progress, pyplot

import autograd
from nn import MLP, Adam, cross_entropy

OUT = Path(__file__).resolve().parent / "out"
CLASSES = 3


def make_spiral(n: int = 100, classes: int = CLASSES,
                seed: int = 0) -> tuple[list[list[float]], list[int]]:
    """CS231n's spiral: class j's arm has radius 0..1 and angle 4j..4j+4 plus N(0, 0.2) noise."""
    rng = random.Random(seed)
    X, y = [], []
    for j in range(classes):
        for i in range(n):
            r = i / (n - 1)
            t = 4.0 * j + 4.0 * i / (n - 1) + rng.gauss(0.0, 0.2)
            X.append([r * math.sin(t), r * math.cos(t)])
            y.append(j)
    return X, y


def predict(model: MLP, point: list[float]) -> int:
    """The class with the largest logit, in plain floats (no graph): for the accuracy and the map."""
    out = point
    for layer in model.layers:
        out = [sum((w.data * x for w, x in zip(n.w, out)), n.b.data) for n in layer.neurons]
        if layer.neurons[0].activation == "relu":
            out = [max(v, 0.0) for v in out]
    return max(range(len(out)), key=out.__getitem__)


def accuracy(model: MLP, X: list[list[float]], y: list[int]) -> float:
    return sum(predict(model, x) == c for x, c in zip(X, y)) / len(y)


def batched_tape(model: MLP) -> autograd.Tape:
    """The cross-entropy of ONE point against its one-hot label; batch: its 2 + 3 leaves."""
    point = [autograd.Value(0.0, label="x1"), autograd.Value(0.0, label="x2")]
    label = [autograd.Value(float(c == 0), label=f"is{c}") for c in range(CLASSES)]
    return autograd.Tape(cross_entropy(model(point), label), batch=point + label)


def train(model: MLP, X: list[list[float]], y: list[int], steps: int, lr: float,
          how: str) -> float:
    """Adam on the mean cross-entropy over the whole set; returns the last loss.  how: "batch",
    "scalar-tape" or "rebuild" (see the module docstring)."""
    opt = Adam(model.parameters(), lr=lr)
    tape = None
    if how == "scalar-tape":
        tape = autograd.Tape(cross_entropy([model(x) for x in X], y))
    elif how == "batch":
        tape = batched_tape(model)
    rows = [x + [float(c == j) for j in range(CLASSES)] for x, c in zip(X, y)]
    bar = Progress(steps, "training", stream=sys.stdout)
    loss = math.nan
    for k in range(steps):
        opt.zero_grad()
        if tape is not None:
            loss = tape.forward(rows) if how == "batch" else tape.forward()
            tape.backward()
        else:
            root = cross_entropy([model(x) for x in X], y)
            root.backward()
            loss = root.data
        opt.step()
        bar.update(k + 1, f"loss {loss:.4f}")
    return loss


def plot(model: MLP, X: list[list[float]], y: list[int], path: Path) -> Path | None:
    """Save the decision regions with the data, if matplotlib is installed."""
    plt = pyplot()
    if plt is None:
        return None
    h = 0.02
    grid = [-1.1 + h * i for i in range(int(2.2 / h) + 1)]
    Z = [[predict(model, [a, b]) for a in grid] for b in grid]
    fig, ax = plt.subplots(figsize=(5, 5))
    ax.contourf(grid, grid, Z, levels=[-0.5, 0.5, 1.5, 2.5], cmap="Spectral", alpha=0.8)
    ax.scatter([p[0] for p in X], [p[1] for p in X], c=y, s=20, cmap="Spectral",
               vmin=-0.5, vmax=CLASSES - 0.5, edgecolors="k")  # the colours of the regions
    ax.set_title(f"chainrule: MLP(2, {model.nouts}, ReLU) on the spiral")
    ax.set_aspect("equal")
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(fig)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=100, help="Adam steps (default 100)")
    parser.add_argument("--hidden", type=int, default=16, help="hidden ReLU units (default 16)")
    parser.add_argument("--lr", type=float, default=0.05, help="Adam learning rate (default 0.05)")
    parser.add_argument("--out", type=Path, default=OUT, help="where spiral.png goes")
    way = parser.add_mutually_exclusive_group()
    way.add_argument("--rebuild", action="store_true",
                     help="build the graph afresh every step instead of replaying a Tape")
    way.add_argument("--scalar-tape", action="store_true",
                     help="record the whole data set's graph and replay it, float by float")
    args = parser.parse_args(argv)
    X, y = make_spiral()
    model = MLP(2, [args.hidden, CLASSES], activation="relu")
    how = "rebuild" if args.rebuild else "scalar-tape" if args.scalar_tape else "batch"
    words = {"rebuild": "rebuilding the graph each step",
             "scalar-tape": "replaying a Tape of the whole data set",
             "batch": "replaying one point's Tape over the points as a batch"}[how]
    print(f"{model}: {len(model.parameters())} parameters, {len(X)} points, {words}")
    started = time.perf_counter()
    loss = train(model, X, y, args.steps, args.lr, how)
    print(f"trained {args.steps} steps in {time.perf_counter() - started:.2f} s")
    acc = accuracy(model, X, y)
    print(f"final loss {loss:.4f}")
    saved = plot(model, X, y, args.out / "spiral.png")
    if saved:
        print(f"decision regions: {saved}")
    print(f"final training accuracy: {100.0 * acc:.1f}%")
    return 0


if __name__ == "__main__":
    sys.exit(main())
