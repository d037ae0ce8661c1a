"""What a Tape costs beside everything else (issue 15): three rows, each a ratio in one run.

    python benchmarks/tape_costs.py            # 200,000-node tape, 1e5-op irregular graph
    python benchmarks/tape_costs.py --quick    # a tenth of each

- unrelated pass: a 2-node backward() alone, and again while a 200,000-node tape's replay is
  pending in the same process (the ratio should be about 1: the pass never touches that graph);
- recording an irregular graph: Tape(root) of a random 1e5-op graph, in rebuilds of that graph
  (the target is at most about 10);
- the moons training step is in benchmarks/run.py (the "replay" engine against "floats").
Timings alternate (A, B, A, B, ...) and report medians, so a busy machine slows both alike.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from autograd import Tape, Value

__all__ = ["irregular_graph", "unrelated_pass", "recording_cost", "main"]


def irregular_graph(n: int, seed: int = 1) -> tuple[list[Value], Value]:
    """n random ops, each on one or two of the 40 nodes before it, summed: (leaves, root)."""
    rng = random.Random(seed)
    leaves = [Value(rng.uniform(-1.0, 1.0)) for _ in range(20)]
    nodes = list(leaves)
    for _ in range(n):
        a = nodes[-rng.randrange(1, min(40, len(nodes)) + 1)]
        b = nodes[-rng.randrange(1, min(40, len(nodes)) + 1)]
        kind = rng.randrange(6)
        y = (a + b if kind == 0 else a * b if kind == 1 else a.tanh() if kind == 2
             else a - rng.uniform(-1, 1) if kind == 3 else a.sigmoid() if kind == 4
             else a * rng.uniform(-1, 1))
        nodes.append(y)
    total = nodes[0]
    for x in nodes[20:]:
        total = total + x
    return leaves, total


def _median(f: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        f()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def unrelated_pass(nodes: int, rounds: int = 7) -> tuple[float, float]:
    """(us per 2-node backward alone, us per 2-node backward beside a pending replay)."""
    x = Value(0.3)
    y = x
    for _ in range(nodes // 2):
        y = (y * 1.0001).tanh()
    tape = Tape(y)
    a = Value(1.0)

    def small() -> None:
        for _ in range(1000):
            (a * a).backward()
    alone, beside = [], []
    for _ in range(rounds):
        alone.append(_median(small, 3) * 1e3)
        x.data += 1e-3
        tape.forward()  # pending until a pass over y's graph
        beside.append(_median(small, 3) * 1e3)
        tape.sync()
    return statistics.median(alone), statistics.median(beside)


def recording_cost(ops: int, rounds: int = 3) -> tuple[float, float]:
    """(seconds to build the irregular graph, seconds to record it), medians."""
    builds, records = [], []
    for i in range(rounds):
        t0 = time.perf_counter()
        _, root = irregular_graph(ops, seed=i)
        builds.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        Tape(root)
        records.append(time.perf_counter() - t0)
    return statistics.median(builds), statistics.median(records)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a tenth of each size")
    args = parser.parse_args(argv)
    scale = 10 if args.quick else 1
    alone, beside = unrelated_pass(200_000 // scale)
    print(f"2-node backward(): {alone:.2f} us alone, {beside:.2f} us beside a pending "
          f"{200_000 // scale:,}-node replay (x{beside / alone:.2f})")
    build, rec = recording_cost(100_000 // scale)
    print(f"recording a {100_000 // scale:,}-op irregular graph: {rec * 1e3:.0f} ms, "
          f"{rec / build:.1f} rebuilds ({build * 1e3:.0f} ms each)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
