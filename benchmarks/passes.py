"""grad() and grad(create_graph=True) beside backward(), in one run (issue 19).

    python benchmarks/passes.py             # an MLP's moons loss (20 points) and a 1e4 chain
    python benchmarks/passes.py --quick     # 4 points, a 1e3 chain

Each row times one pass over the same graph: backward(), grad(loss, params) and
grad(loss, params, create_graph=True); the last column is the pass over backward()'s time.
Timings alternate (A, B, C, A, B, C, ...) and report medians, so a busy machine slows all alike.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from autograd import Value, grad
from benchmarks.workloads import two_moons
from nn import MLP, hinge_loss

__all__ = ["moons_loss", "chain_loss", "time_passes", "main"]


def moons_loss(points: int) -> tuple[Value, list[Value]]:
    """(an MLP(2, [16, 16, 1])'s hinge loss over points of two moons, its parameters)."""
    model = MLP(2, [16, 16, 1])
    X, y = two_moons(points)
    scores = [model(x) for x in X]
    return hinge_loss(scores, y), model.parameters()


def chain_loss(n: int) -> tuple[Value, list[Value]]:
    """(x * 1.0001 + 0.001, n times over, tanh at every tenth step; [x])."""
    x = Value(0.5, label="x")
    y = x
    for i in range(n):
        y = y * 1.0001 + 0.001
        if i % 10 == 0:
            y = y.tanh()
    return y, [x]


def time_passes(root: Value, inputs: list[Value], runs: int) -> dict[str, float]:
    """Median seconds of backward(), grad() and grad(create_graph=True) on root's graph."""
    passes: dict[str, Callable[[], object]] = {
        "backward": lambda: root.backward(),
        "grad": lambda: grad(root, inputs),
        "create_graph": lambda: grad(root, inputs, create_graph=True),
    }
    times: dict[str, list[float]] = {name: [] for name in passes}
    for _ in range(runs):
        for name, run in passes.items():
            start = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(ts) for name, ts in times.items()}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args(argv)
    cases = [("moons MLP loss", moons_loss(4 if args.quick else 20)),
             ("chain", chain_loss(1000 if args.quick else 10_000))]
    print(f"{'graph':<16} {'pass':<13} {'ms':>9} {'/ backward':>10}")
    for title, (root, inputs) in cases:
        t = time_passes(root, inputs, args.runs)
        for name, seconds in t.items():
            print(f"{title:<16} {name:<13} {seconds * 1e3:9.2f} {seconds / t['backward']:10.2f}")


if __name__ == "__main__":
    main()
