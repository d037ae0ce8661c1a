"""Measuring: timing runs, a separate tracemalloc run, gc time, each engine in its own process.

run_benchmarks() returns the measurements as a JSON-ready dict; report.py judges and formats
them; run.py is the command line.  See benchmarks/README.md for how and why.
"""

from __future__ import annotations

import ctypes
import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import timeit
import tracemalloc
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

from .workloads import Chainrule, Workload, clock, graph_size, skip_reason

__all__ = [
    "AGREE_RTOL",
    "ANOMALY_ON",
    "HUGE",
    "MAX_RUNS",
    "MAX_RUNS_FOR_HUGE",
    "MIN_SECONDS",
    "PHASES",
    "debug_off_cost",
    "flag_check_ns",
    "measure_engine",
    "run_benchmarks",
    "worker",
]

PHASES = ("forward", "backward", "update")
MAX_RUNS_FOR_HUGE = 3     # a workload of 1e6 steps or more is timed at most this many times
MIN_SECONDS = 1.0         # fast workloads: more runs, until they add up to this (--min-seconds)
MAX_RUNS = 100
HUGE = 1_000_000
AGREE_RTOL = 1e-6         # engines' results must agree with chainrule's to this relative error


def _no_probe() -> None:
    pass


# ---------------------------------------------------------------------------------------------
# Time in the cyclic garbage collector, through gc.callbacks.

class _GcTimer:
    def __init__(self) -> None:
        self.seconds = 0.0
        self.collections = 0
        self._start: float | None = None

    def __call__(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._start = clock()
        elif self._start is not None:
            self.seconds += clock() - self._start
            self.collections += 1
            self._start = None


@contextmanager
def _gc_timer() -> Iterator[_GcTimer]:
    timer = _GcTimer()
    gc.callbacks.append(timer)
    try:
        yield timer
    finally:
        gc.callbacks.remove(timer)


# ---------------------------------------------------------------------------------------------
# Memory: tracemalloc for the Python heap; glibc's mallinfo2 for the C heap (PyTorch's nodes).

class _MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in
                ["arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks",
                 "uordblks", "fordblks", "keepcost"]]


def _c_heap_reader() -> Callable[[], int] | None:
    """Bytes in use on the C heap (glibc malloc), or None where mallinfo2 is not available."""
    try:
        libc = ctypes.CDLL(None)
        mallinfo2 = libc.mallinfo2
    except (OSError, AttributeError):
        return None
    mallinfo2.restype = _MallInfo2

    def read() -> int:
        info = mallinfo2()
        return info.uordblks + info.hblkhd
    return read


_c_heap = _c_heap_reader()


def _measure_memory(engine: Any, workload: Workload) -> dict:
    """One run under tracemalloc: bytes alive when the forward graph is built, and the peak."""
    gc.collect()
    rep = getattr(engine, workload.kind)(workload.size)
    gc.collect()
    at_probe = {"python": 0, "c": 0}
    c_base = _c_heap() if _c_heap else 0

    def probe() -> None:
        at_probe["python"] = max(at_probe["python"], tracemalloc.get_traced_memory()[0])
        if _c_heap:
            at_probe["c"] = max(at_probe["c"], _c_heap() - c_base)

    error = None
    tracemalloc.start()
    try:
        rep({}, probe)
    except Exception as e:  # the timing run reports the failure; the graph was still measured
        error = _describe_error(e)
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        del rep
        gc.collect()
    return {"graph_python_bytes": at_probe["python"], "graph_c_bytes": at_probe["c"],
            "peak_python_bytes": peak, "error": error}


# ---------------------------------------------------------------------------------------------
# Timing

def _describe_error(e: BaseException) -> str:
    text = str(e).splitlines()[0] if str(e) else ""
    if len(text) > 100:
        text = text[:97] + "..."
    return f"{type(e).__name__}: {text}" if text else type(e).__name__


def _time_runs(rep: Callable, runs: int, warmup: bool, min_seconds: float = 0.0
               ) -> tuple[list[dict], tuple | None, dict | None]:
    """Timed calls of rep (after one warm-up call if warmup): at least `runs` of them, and more
    while they add up to less than min_seconds (at most MAX_RUNS), so a fast workload's median
    is not at the mercy of a few noisy runs.  Returns the per-run phase times, the check numbers
    of the first call, and the failure (phase, reason, partial times) if a call raised."""
    timed: list[dict] = []
    check = None
    spent = 0.0
    first = True
    while len(timed) < runs or (spent < min_seconds and len(timed) < MAX_RUNS):
        t: dict = {}
        with _gc_timer() as gc_time:
            try:
                started = clock()
                result = rep(t, _no_probe)
                t["total"] = clock() - started  # also frees the graph, as rep's locals go
            except Exception as e:
                phase = next((p for p in PHASES if p not in t), "update")
                return timed, check, {"phase": phase, "reason": _describe_error(e), "times": t}
        t["gc"] = gc_time.seconds
        if first:
            check = tuple(float(x) for x in result)
        if not (first and warmup):
            timed.append(t)
            spent += t["total"]
        first = False
        del result
    return timed, check, None


def _measure(engine: Any, workload: Workload, repeat: int, nodes: int,
             memory: bool = True, min_seconds: float = 0.0) -> dict:
    """One engine on one workload: timing runs, then a memory run."""
    row: dict[str, Any] = {"engine": engine.name, "status": "ok", "reason": None, "runs": 0}
    reason = engine.unavailable() or skip_reason(engine, workload)
    if reason is not None:
        row.update(status="unavailable", reason=reason)
        return row
    gc.collect()  # the previous engine's garbage is not this engine's cost
    huge = workload.size >= HUGE
    runs = min(repeat, MAX_RUNS_FOR_HUGE) if huge else repeat
    try:
        rep = getattr(engine, workload.kind)(workload.size)
    except Exception as e:
        row.update(status="failed", reason=f"setup: {_describe_error(e)}")
        return row
    row["record_s"] = getattr(rep, "record_s", None)  # a replaying engine's recording
    timed, check, failure = _time_runs(rep, runs, warmup=not huge,
                                       min_seconds=0.0 if huge else min_seconds)
    del rep
    gc.collect()
    row["check"] = list(check) if check is not None else None
    if failure is not None:
        row.update(status="failed", reason=f"{failure['phase']}: {failure['reason']}",
                   failed_phase=failure["phase"])
        timed = [failure["times"]] if not timed else timed  # keep what was measured
    row["runs"] = len(timed)
    for phase in PHASES:
        values = [t[phase] for t in timed if phase in t]
        row[f"{phase}_s"] = statistics.median(values) if values else None
    if row["status"] == "ok":
        row["total_s"] = statistics.median(t["total"] for t in timed)
        row["teardown_s"] = statistics.median(
            t["total"] - sum(t.get(p, 0.0) for p in PHASES) for t in timed)
        row["us_per_node"] = row["total_s"] / nodes * 1e6
        busy = sum(t["total"] for t in timed)
        row["gc_share"] = sum(t["gc"] for t in timed) / busy if busy > 0 else 0.0
    if memory and (not huge or engine.name == "chainrule"):  # peers: see the smaller sizes
        mem = _measure_memory(engine, workload)
        per = nodes if workload.kind != "two_node" else nodes // workload.size  # one step's graph
        row["graph_bytes_per_node"] = mem["graph_python_bytes"] / per
        row["graph_c_bytes_per_node"] = mem["graph_c_bytes"] / per
        row["peak_bytes_per_node"] = mem["peak_python_bytes"] / per
    return row


def _agree(a: Sequence[float], b: Sequence[float]) -> bool:
    return len(a) == len(b) and all(
        x == y or abs(x - y) <= AGREE_RTOL * max(abs(x), abs(y)) for x, y in zip(a, b))


def _add_ratios(rows: list[dict]) -> None:
    """Each engine's time / chainrule's time (above 1: chainrule is faster), and agreement."""
    base = next((r for r in rows if r["engine"] == "chainrule" and r["status"] == "ok"), None)
    for row in rows:
        if base is None or row["status"] != "ok":
            row["ratio_total"] = row["ratio_backward"] = row["ratio_forward"] = None
        else:
            for key in ("total", "backward", "forward"):
                row[f"ratio_{key}"] = row[f"{key}_s"] / base[f"{key}_s"] if base[f"{key}_s"] else None
        if base is not None and row.get("check") is not None and base.get("check") is not None:
            row["agrees"] = _agree(row["check"], base["check"])
        else:
            row["agrees"] = None


# ---------------------------------------------------------------------------------------------
# The debugging features when off: each op pays one flag check (timed alone), and
# detect_anomaly() on is timed for scale.

def flag_check_ns(number: int = 2_000_000) -> float:
    """Nanoseconds of `if _hook is not None`, the check each op makes (a global load and a
    comparison with None), over an empty statement."""
    globs = {"_hook": None}
    check = min(timeit.repeat("if _hook is not None: pass", globals=globs, number=number,
                              repeat=5))
    empty = min(timeit.repeat("pass", globals=globs, number=number, repeat=5))
    return max(check - empty, 0.0) / number * 1e9


def _in_context(rep: Callable, context: Callable[[], Any]) -> Callable:
    def run(t: dict, probe: Callable[[], None]) -> tuple:
        with context():
            return rep(t, probe)
    return run


def debug_off_cost(workloads: Sequence[Workload], nodes: Sequence[int], repeat: int) -> dict:
    """The flag check's share of chainrule's forward time per op, and detect_anomaly() on."""
    from autograd import detect_anomaly
    out: dict[str, Any] = {"flag_check_ns": flag_check_ns()}
    rows = []
    for workload, size in zip(workloads, nodes):
        make = getattr(Chainrule(), workload.kind)
        timed = _interleaved({"chainrule": make(workload.size),
                              ANOMALY_ON: _in_context(make(workload.size), detect_anomaly)},
                             min(repeat, 3))
        per_op = timed["chainrule"]["forward_s"] / size
        rows.append({"workload": workload.name, "nodes": size, **timed,
                     "flag_check_share_of_forward": out["flag_check_ns"] * 1e-9 / per_op})
    out["ab"] = rows
    return out


ANOMALY_ON = "chainrule, detect_anomaly() on"


def _interleaved(reps: dict[str, Callable], runs: int) -> dict[str, dict]:
    """Each rep warmed up once, then run `runs` times, taking turns (the order flips every round),
    so a change in the machine's load hits every variant alike.  Per variant: the medians, and
    the run times themselves (round i of every variant is a pair).

    The cyclic collector is off meanwhile: when it happens to run is the largest source of noise,
    and what is compared here (the op path) does not depend on it.  chainrule makes no reference
    cycles, so everything is still freed at once.
    """
    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _take_turns(reps, runs)
    finally:
        if was_enabled:
            gc.enable()


def _take_turns(reps: dict[str, Callable], runs: int) -> dict[str, dict]:
    for rep in reps.values():
        rep({}, _no_probe)
    names = list(reps)
    times: dict[str, list[dict]] = {name: [] for name in names}
    for i in range(runs):
        for name in names if i % 2 == 0 else names[::-1]:
            t: dict = {}
            started = clock()
            reps[name](t, _no_probe)
            t["total"] = clock() - started
            times[name].append(t)
    return {name: {"status": "ok", "runs": runs,
                   "totals_s": [t["total"] for t in ts],
                   **{f"{k}_s": statistics.median(t[k] for t in ts)
                      for k in ("forward", "backward", "total")}}
            for name, ts in times.items()}



def _environment() -> dict:
    env = {"python": platform.python_version(), "implementation": platform.python_implementation(),
           "platform": platform.platform(), "machine": platform.machine(),
           "cpu": _cpu_name(), "cores": os.cpu_count(),
           "recursion_limit": sys.getrecursionlimit(), "gc_thresholds": gc.get_threshold(),
           "load_average": os.getloadavg() if hasattr(os, "getloadavg") else None}
    for module in ("torch", "micrograd"):
        try:
            from importlib.metadata import version
            env[module] = version(module)
        except Exception:
            env[module] = None
    return env


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def measure_engine(engine: Any, workloads: Sequence[Workload], nodes: Sequence[int],
                    repeat: int, progress: TextIO | None, min_seconds: float = 0.0) -> list[dict]:
    """One engine on every workload, in this process: one row per workload."""
    rows = []
    for workload, n in zip(workloads, nodes):
        started = clock()
        rows.append(_measure(engine, workload, repeat, n, min_seconds=min_seconds))
        if progress:
            print(f"  {workload.name:<16} {engine.name:<10} {rows[-1]['status']:<12} "
                  f"{clock() - started:6.1f} s", file=progress, flush=True)
    return rows


def _spec(workloads: Sequence[Workload], nodes: Sequence[int]) -> str:
    return json.dumps([[w.name, w.kind, w.size, w.title, n] for w, n in zip(workloads, nodes)])


def _in_worker(what: str, workloads: Sequence[Workload], nodes: Sequence[int], repeat: int,
               progress: TextIO | None, min_seconds: float = 0.0) -> Any:
    """Run `python -m benchmarks.run --worker WHAT` in a fresh interpreter and return its JSON.

    Each engine gets its own process, as it would in real use: the cyclic garbage collector's
    cost grows with every object a process holds, and importing torch alone adds ~150,000 of them,
    which would slow chainrule and micrograd if they shared torch's process.
    """
    root = str(Path(__file__).resolve().parent.parent)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "result.json"
        command = [sys.executable, "-m", "benchmarks.run", "--worker", what, "--spec",
                   _spec(workloads, nodes), "--repeat", str(repeat),
                   "--min-seconds", repr(min_seconds), "--json", str(out)]
        stderr: Any = subprocess.PIPE
        if progress is not None:
            try:
                progress.fileno()
                stderr = progress
            except (AttributeError, OSError, ValueError):  # e.g. a StringIO: relay it below
                pass
        done = subprocess.run(command, cwd=root, env=env, stdout=subprocess.DEVNULL,
                              stderr=stderr, text=True)
        if progress is not None and stderr is subprocess.PIPE and done.stderr:
            progress.write(done.stderr)
        if done.returncode != 0 or not out.exists():
            tail = (done.stderr or "").strip().splitlines()[-1:] if done.stderr else []
            raise RuntimeError(f"the {what} worker process exited with code {done.returncode}"
                               + (f": {tail[0]}" if tail else ""))
        return json.loads(out.read_text())


def _default_debug_workloads(workloads: Sequence[Workload]) -> list[Workload]:
    """The moons step and the largest chain below 1e6 steps, as far as they are in the run."""
    return [w for w in workloads if w.kind == "moons"][:1] + \
        [w for w in workloads if w.kind == "chain" and w.size < HUGE][-1:]


def run_benchmarks(workloads: Sequence[Workload], engines: Sequence[Any],
                   repeat: int = 5, debug_workloads: Sequence[Workload] | None = None,
                   progress: TextIO | None = None, isolate: bool = True,
                   min_seconds: float = MIN_SECONDS) -> dict:
    """Run every engine on every workload; the measurements as a JSON-ready dict.

    isolate: each engine (and the debugging A/B) in its own fresh Python process (the fair way,
    and the default); False runs everything in this process, one engine after the other.
    min_seconds: runs of a workload go on (past `repeat`) until they add up to this long.
    """
    nodes = [graph_size(w) for w in workloads]
    by_engine: dict[str, list[dict]] = {}
    for engine in engines:
        if isolate:
            try:
                by_engine[engine.name] = _in_worker(engine.name, workloads, nodes, repeat,
                                                    progress, min_seconds)
            except RuntimeError as e:
                by_engine[engine.name] = [{"engine": engine.name, "status": "failed",
                                           "reason": str(e), "runs": 0} for _ in workloads]
        else:
            by_engine[engine.name] = measure_engine(engine, workloads, nodes, repeat, progress,
                                                     min_seconds)
    results = []
    for i, (workload, n) in enumerate(zip(workloads, nodes)):
        rows = [by_engine[e.name][i] for e in engines]
        _add_ratios(rows)
        results.append({"workload": workload.name, "kind": workload.kind, "size": workload.size,
                        "title": workload.title, "nodes": n, "rows": rows})
    if debug_workloads is None:
        debug_workloads = _default_debug_workloads(workloads)
    debug = None
    if debug_workloads:
        if progress:
            print("  debugging features off: A/B", file=progress, flush=True)
        debug_nodes = [graph_size(w) for w in debug_workloads]
        if isolate:
            debug = _in_worker("debug", debug_workloads, debug_nodes, repeat, progress)
        else:
            debug = debug_off_cost(debug_workloads, debug_nodes, repeat)
    return {"version": 1, "environment": _environment(), "repeat": repeat,
            "min_seconds": min_seconds, "isolated": isolate,
            "engines": {e.name: getattr(e, "description", e.name) for e in engines},
            "workloads": results, "debug_off": debug}


def worker(what: str, engines: Sequence[Any], spec: str, repeat: int, out: str,
           min_seconds: float) -> int:
    """The child side of _in_worker: measure, write the JSON to out."""
    items = json.loads(spec)
    workloads = [Workload(name, kind, size, title) for name, kind, size, title, _ in items]
    nodes = [item[-1] for item in items]
    if what == "debug":
        result: Any = debug_off_cost(workloads, nodes, repeat)
    else:
        engine = next((e for e in engines if e.name == what), None)
        if engine is None:
            raise SystemExit(f"unknown engine {what!r}")
        result = measure_engine(engine, workloads, nodes, repeat, sys.stderr, min_seconds)
    Path(out).write_text(json.dumps(result))
    return 0
