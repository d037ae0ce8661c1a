"""to_json and save_html of an MLP's loss at about 1e3, 1e4 and 1e5 nodes: the growth per 10x.

    python benchmarks/views.py              # 1e3, 1e4, 1e5 nodes
    python benchmarks/views.py --quick      # 1e3, 1e4

The graph is MLP(2, [16, 16, 1])'s mean squared error over as many points of two moons as make
about the size asked for.  Each view runs once (they take seconds at 1e5); "x per 10x" is a
size's time over the time of the size before it, scaled to a tenfold growth of the graph: about
10 is linear, about 100 quadratic.  save_html draws the graph folded, or not at all, where it
is too big for Graphviz (autograd.viz.MAX_SIZE), so its times include whichever picture it draws;
"no picture" is save_html with MAX_SIZE = 0: the player's own work (order, names, pass, page).
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from autograd import Value, save_html, to_json, viz
from autograd.engine import topological_order
from benchmarks.workloads import two_moons
from nn import MLP, mse_loss

__all__ = ["mlp_loss", "time_views", "main"]


def mlp_loss(nodes: int) -> Value:
    """MLP(2, [16, 16, 1])'s loss over enough points of two moons for about `nodes` nodes."""
    model = MLP(2, [16, 16, 1])
    one = len(topological_order(mse_loss([model([0.0, 0.0])], [0.0])))
    X, y = two_moons(max(1, round(nodes / (one - len(model.parameters())))))
    return mse_loss([model(x) for x in X], [float(t) for t in y])


def time_views(root: Value, folder: Path) -> dict[str, float]:
    """Seconds of to_json(root), save_html(root, ...) and save_html with no picture, one run each."""
    times = {}
    start = time.perf_counter()
    to_json(root)
    times["to_json"] = time.perf_counter() - start
    start = time.perf_counter()
    save_html(root, folder / "player.html")
    times["save_html"] = time.perf_counter() - start
    limit = viz.MAX_SIZE
    viz.MAX_SIZE = 0
    try:
        start = time.perf_counter()
        save_html(root, folder / "player.html")
        times["no picture"] = time.perf_counter() - start
    finally:
        viz.MAX_SIZE = limit
    return times


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    sizes = [10**3, 10**4] if args.quick else [10**3, 10**4, 10**5]
    print(f"{'nodes':>8} {'view':<11} {'seconds':>9} {'x per 10x':>10}")
    before: dict[str, tuple[int, float]] = {}
    with tempfile.TemporaryDirectory() as folder:
        for size in sizes:
            root = mlp_loss(size)
            n = len(topological_order(root))
            for view, seconds in time_views(root, Path(folder)).items():
                growth = ""
                if view in before:
                    m, earlier = before[view]
                    growth = f"{(seconds / earlier) ** (1.0 / math.log10(n / m)):10.1f}"
                print(f"{n:8d} {view:<11} {seconds:9.3f} {growth:>10}")
                before[view] = (n, seconds)


if __name__ == "__main__":
    main()
