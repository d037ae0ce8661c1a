"""micrograd's classic demo: a two-layer ReLU MLP separating two moons, trained with hinge loss.

Run:  python examples/moons.py      (writes examples/out/moons.png where matplotlib is installed)
"""

from __future__ import annotations

import math
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _progress import Progress  # noqa: E402

from autograd import Value, no_grad  # noqa: E402
from nn import MLP, SGD, hinge_loss  # noqa: E402

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
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("(matplotlib is not installed: pip install 'chainrule[examples]' for the picture)")
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
    path.parent.mkdir(exist_ok=True)
    fig.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(fig)
    return path


def main(steps: int = 100) -> int:
    X, y = make_moons()
    model = MLP(2, [16, 16, 1], activation="relu")
    print(f"{model}: {len(model.parameters())} parameters, {len(X)} points")
    opt = SGD(model.parameters())
    bar = Progress(steps, "training", stream=sys.stdout)
    for k in range(steps):
        total_loss, accuracy = loss_and_accuracy(model, X, y)
        opt.zero_grad()
        total_loss.backward()
        opt.lr = 1.0 - 0.9 * k / steps  # learning-rate decay, as in micrograd's demo
        opt.step()
        bar.update(k + 1, f"loss {total_loss.data:.4f}  accuracy {accuracy:.0%}")
    total_loss, accuracy = loss_and_accuracy(model, X, y)
    print(f"final: loss {total_loss.data:.4f}, training accuracy {accuracy:.0%}")
    saved = plot(model, X, y, OUT / "moons.png")
    if saved:
        print(f"decision boundary: {saved}")
    return 0 if accuracy == 1.0 else 1


if __name__ == "__main__":
    sys.exit(main())
