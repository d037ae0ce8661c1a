"""The batch targets, measured taking turns: on a shared machine the load changes between one
engine's runs and the next, so run.py's ratios (each engine in its own process, one after the
other) move with it.  Here the batched Tape, the float floor and NumPy by hand run in one
process, one repetition each in turn, and each ratio is the median of the per-round ratios.
micrograd (about 1 s a step at 100 points) takes turns with the batched Tape in rounds of its
own, after the others, from a process of its own (as run.py runs every engine).

    python benchmarks/batch_turns.py              # moons at 100 and 1000 points, 15 rounds;
                                                  # micrograd at 100 points, if installed
    python benchmarks/batch_turns.py --rounds 31 --micrograd-up-to 0
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import sys
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.batch import Batch, NumpyByHand
from benchmarks.peers import Floats, Micrograd

__all__ = ["main", "turns", "micrograd_turns"]


def _step(rep: object) -> float:
    t: dict = {}
    rep(t, lambda: None)  # type: ignore[operator]
    return t["forward"] + t["backward"] + t.get("update", 0.0)


def turns(points: int, rounds: int) -> dict:
    """Median step times (s) of batch, floats and numpy at this many points, and the medians of
    the per-round ratios floats/batch and batch/numpy."""
    engines = {"batch": Batch(), "floats": Floats(), "numpy": NumpyByHand()}
    reps = {name: engine.moons(points) for name, engine in engines.items()}
    for rep in reps.values():  # warm up
        _step(rep)
    times: dict[str, list[float]] = {name: [] for name in reps}
    for _ in range(rounds):
        for name, rep in reps.items():
            times[name].append(_step(rep))
    floor = [f / b for f, b in zip(times["floats"], times["batch"])]
    limit = [b / n for b, n in zip(times["batch"], times["numpy"])]
    return {"points": points, **{name: statistics.median(ts) for name, ts in times.items()},
            "floats_over_batch": statistics.median(floor),
            "batch_over_numpy": statistics.median(limit),
            "record_s": getattr(reps["batch"], "record_s", None)}


def _micrograd_steps(points: int, conn: Any) -> None:
    """In a process of its own: one micrograd moons step per request, its time sent back (the
    garbage collector running as it normally does, as in run.py)."""
    rep = Micrograd().moons(points)
    _step(rep)  # warm up
    while conn.recv():
        conn.send(_step(rep))


def micrograd_turns(points: int, rounds: int) -> dict | None:
    """Median step times (s) of batch and micrograd taking turns at this many points, and the
    median of the per-round ratios micrograd/batch; None if micrograd is not installed.
    micrograd runs in a process of its own (as in run.py): in this one, its 65,000-node graphs
    and their collection slow the next steps of the batched Tape down by half."""
    if Micrograd().unavailable() is not None:
        return None
    parent, child = multiprocessing.Pipe()
    worker = multiprocessing.Process(target=_micrograd_steps, args=(points, child), daemon=True)
    worker.start()
    try:
        batch = Batch().moons(points)
        _step(batch)  # warm up
        times: dict[str, list[float]] = {"batch": [], "micrograd": []}
        for _ in range(rounds):
            times["batch"].append(_step(batch))
            parent.send(True)
            times["micrograd"].append(parent.recv())
        parent.send(False)
    finally:
        worker.join(timeout=60)
        if worker.is_alive():
            worker.terminate()
    return {"batch": statistics.median(times["batch"]),
            "micrograd": statistics.median(times["micrograd"]),
            "micrograd_over_batch": statistics.median(
                m / b for m, b in zip(times["micrograd"], times["batch"]))}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--points", default="100,1000")
    parser.add_argument("--micrograd-up-to", type=int, default=100, metavar="POINTS",
                        help="micrograd's turns at these sizes too (default: up to 100 points)")
    args = parser.parse_args(argv)
    print("| points | batch | floats (floor) | NumPy by hand | floor / batch | batch / NumPy | record |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for points in (int(p) for p in args.points.split(",")):
        r = turns(points, args.rounds)
        print(f"| {points} | {r['batch'] * 1e3:.2f} ms | {r['floats'] * 1e3:.1f} ms | "
              f"{r['numpy'] * 1e3:.2f} ms | {r['floats_over_batch']:.1f}x | "
              f"{r['batch_over_numpy']:.1f}x | {r['record_s']:.2f} s |", flush=True)
    sizes = [int(p) for p in args.points.split(",") if int(p) <= args.micrograd_up_to]
    for points in sizes:
        m = micrograd_turns(points, args.rounds)
        if m is None:
            print("micrograd is not installed: pip install micrograd")
            break
        print(f"\n{points} points, micrograd's own turns: batch {m['batch'] * 1e3:.2f} ms, "
              f"micrograd {m['micrograd'] * 1e3:.0f} ms: micrograd / batch "
              f"{m['micrograd_over_batch']:.0f}x", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
