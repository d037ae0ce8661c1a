"""Time chainrule side by side with micrograd, PyTorch (0-dim tensors) and plain floats.

    python benchmarks/run.py                 # the full run: about 7 minutes on 2 cores
    python benchmarks/run.py --quick         # chains up to 1e5, 3 runs: about a minute
    python benchmarks/run.py --json out.json --repeat 7

For each workload and engine: the median over repeated runs (after one warm-up run) of the forward,
backward and update times and of the whole run (freeing the graph included), microseconds per
graph node, bytes per graph node (tracemalloc, in a separate run from the timing), the share of
time spent in the cyclic garbage collector, and each engine's time divided by chainrule's.  The
"replay" engine is chainrule replaying a recorded Tape (its recording time is shown apart).  An
engine that cannot run a workload is reported as failing with the reason; one that is not
installed, as unavailable.  Each engine runs in its own fresh Python process (--in-process: all in
this one).  Then: the targets (report.TARGETS), and what the debugging features cost when off.

measure.py measures, report.py judges and formats, this file is the command line.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import measure
from benchmarks.batch import Batch, NumpyByHand
from benchmarks.measure import MAX_RUNS, MIN_SECONDS, worker
from benchmarks.peers import Floats, Micrograd, Torch
from benchmarks.replay import Replay
from benchmarks.report import evaluate_targets, format_report
from benchmarks.workloads import QUICK_WORKLOADS, WORKLOADS, Chainrule, Workload

__all__ = ["ENGINES", "MAX_RUNS", "format_report", "main", "run_benchmarks"]

ENGINES = [Chainrule(), Replay(), Batch(), Micrograd(), Torch(), Floats(), NumpyByHand()]


def run_benchmarks(workloads: Sequence[Workload] = WORKLOADS, engines: Sequence[Any] = ENGINES,
                   repeat: int = 5, debug_workloads: Sequence[Workload] | None = None,
                   progress: TextIO | None = None, isolate: bool = True,
                   min_seconds: float = MIN_SECONDS) -> dict:
    """measure.run_benchmarks, and whether the run met each target (report.TARGETS)."""
    report = measure.run_benchmarks(workloads, engines, repeat, debug_workloads, progress,
                                    isolate, min_seconds)
    report["targets"] = evaluate_targets(report["workloads"])
    return report


def _select(items: Sequence[Any], names: str | None, what: str) -> list[Any]:
    if not names:
        return list(items)
    wanted = [n.strip() for n in names.split(",") if n.strip()]
    known = {i.name: i for i in items}
    unknown = [n for n in wanted if n not in known]
    if unknown:
        raise SystemExit(f"unknown {what} {', '.join(unknown)}; choose from {', '.join(known)}")
    return [known[n] for n in wanted]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python benchmarks/run.py",
        description="Time chainrule side by side with micrograd, PyTorch and plain floats.")
    parser.add_argument("--quick", action="store_true",
                        help="smaller workloads (chains up to 1e5) and at most 3 runs")
    parser.add_argument("--repeat", type=int, default=None, metavar="N",
                        help="at least N timed runs per engine and workload, after one warm-up "
                             "(default 5; 3 with --quick)")
    parser.add_argument("--min-seconds", type=float, default=MIN_SECONDS, metavar="S",
                        help="keep timing a fast workload past N runs until its runs add up to "
                             f"S seconds (at most {MAX_RUNS} runs; default {MIN_SECONDS})")
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON to FILE")
    parser.add_argument("--engines", metavar="A,B", help="only these engines "
                        f"({', '.join(e.name for e in ENGINES)})")
    parser.add_argument("--workloads", metavar="A,B", help="only these workloads (e.g. moons-100)")
    parser.add_argument("--in-process", action="store_true",
                        help="run every engine in this one process instead of one fresh process "
                             "each (then torch's objects slow the others' garbage collection)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--spec", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return worker(args.worker, ENGINES, args.spec, args.repeat or 5, args.json,
                      args.min_seconds)
    if args.repeat is not None and args.repeat < 1:
        parser.error(f"--repeat needs at least 1 run, got {args.repeat}")
    repeat = args.repeat or (3 if args.quick else 5)
    workloads = _select(QUICK_WORKLOADS if args.quick else WORKLOADS, args.workloads, "workload")
    engines = _select(ENGINES, args.engines, "engine")
    if "chainrule" not in [e.name for e in engines]:
        engines = [ENGINES[0], *engines]  # the ratios are to chainrule
    print(f"running {len(workloads)} workloads x {len(engines)} engines, {repeat} runs each ...",
          file=sys.stderr)
    report = run_benchmarks(workloads, engines, repeat, progress=sys.stderr,
                            isolate=not args.in_process, min_seconds=args.min_seconds)
    print(format_report(report))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n")
        print(f"wrote {args.json}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
