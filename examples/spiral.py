"""Three classes: a ReLU MLP learns CS231n's spiral with softmax cross-entropy and Adam.

Run:  python examples/spiral.py [--steps N] [--out DIR] [--rebuild]

The 300 points (100 per class, three arms) are made in code with a fixed seed. Training records
the graph of the whole loss once with autograd.Tape, where chainrule has it, and replays it each
step; `--rebuild` (or a chainrule without Tape) builds the graph afresh every step instead. A Tape
records constants as they were, which is fine here: the data set never changes and everything
that does (the parameters) is a Value. The decision regions go to DIR/spiral.png (default
examples/out) when matplotlib is installed. The last line is `final training accuracy: NN.N%`.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
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


def tape_class() -> type | None:
    """autograd.Tape, or None in a chainrule that does not have it (yet)."""
    try:
        return autograd.Tape
    except (AttributeError, ImportError):  # a listed but missing lazy module is an ImportError
        return None


def accuracy(model: MLP, X: list[list[float]], y: list[int]) -> float:
    return sum(predict(model, x) == c for x, c in zip(X, y)) / len(y)


def train(model: MLP, X: list[list[float]], y: list[int], steps: int, lr: float,
          rebuild: bool) -> float:
    """Adam on the mean cross-entropy over the whole set; returns the last loss."""
    opt = Adam(model.parameters(), lr=lr)
    tape = None
    Tape = None if rebuild else tape_class()
    if Tape is not None:
        tape = Tape(cross_entropy([model(x) for x in X], y))
    bar = Progress(steps, "training", stream=sys.stdout)
    loss = math.nan
    for k in range(steps):
        opt.zero_grad()
        if tape is not None:
            loss = tape.forward()
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
    parser.add_argument("--rebuild", action="store_true",
                        help="build the graph afresh every step instead of replaying a Tape")
    args = parser.parse_args(argv)
    X, y = make_spiral()
    model = MLP(2, [args.hidden, CLASSES], activation="relu")
    how = "rebuilding the graph each step" if args.rebuild or tape_class() is None \
        else "replaying one Tape"
    print(f"{model}: {len(model.parameters())} parameters, {len(X)} points, {how}")
    loss = train(model, X, y, args.steps, args.lr, args.rebuild)
    acc = accuracy(model, X, y)
    print(f"final loss {loss:.4f}")
    saved = plot(model, X, y, args.out / "spiral.png")
    if saved:
        print(f"decision regions: {saved}")
    print(f"final training accuracy: {100.0 * acc:.1f}%")
    return 0


if __name__ == "__main__":
    sys.exit(main())
