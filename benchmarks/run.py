"""Time chainrule side by side with micrograd, PyTorch (0-dim tensors) and plain floats.

    python benchmarks/run.py                 # the full run: about 6 minutes on 2 cores
    python benchmarks/run.py --quick         # chains up to 1e5, 3 runs: about a minute
    python benchmarks/run.py --json out.json --repeat 7

For each workload and engine: the median over repeated runs (after one warm-up run) of the forward,
backward and update times and of the whole run (freeing the graph included), microseconds per
graph node, bytes per graph node (tracemalloc, in a separate run from the timing), the share of
time spent in the cyclic garbage collector, and each engine's time divided by chainrule's.  An
engine that cannot run a workload is reported as failing with the reason; one that is not
installed, as unavailable.  Each engine runs in its own fresh Python process (--in-process: all in
this one).  Garbage collection runs as it normally does (micrograd's reference cycles costing
collector time is part of what is measured), and each workload starts from a collected heap.
Then: the targets of issue 5, and what the debugging features cost when they are off.
"""

from __future__ import annotations

import argparse
import ctypes
import functools
import gc
import inspect
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import timeit
import tracemalloc
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence, TextIO

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.peers import Floats, Micrograd, Torch  # noqa: E402
from benchmarks.workloads import (QUICK_WORKLOADS, WORKLOADS, Chainrule, Workload,  # noqa: E402
                                  clock, graph_size)

__all__ = ["ENGINES", "run_benchmarks", "format_report", "main"]

ENGINES = [Chainrule(), Micrograd(), Torch(), Floats()]
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
                "arena ordblks smblks hblks hblkhd usmblks fsmblks uordblks fordblks keepcost".split()]


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
    reason = engine.unavailable()
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
# The debugging features when off: the per-op hook check, measured directly and by A/B.

HOOK_CHECK_LINES = ("if _hook is not None:", "_hook(out)")  # in value._node, stripped


def _strip_hook_check(source: str) -> str:
    """source without the two lines of HOOK_CHECK_LINES, which must be there, in a row, once."""
    lines = source.splitlines(keepends=True)
    at = [i for i, line in enumerate(lines) if line.strip() == HOOK_CHECK_LINES[0]]
    if len(at) != 1 or at[0] + 1 >= len(lines) or lines[at[0] + 1].strip() != HOOK_CHECK_LINES[1]:
        raise RuntimeError(f"run.py's A/B expects the lines {HOOK_CHECK_LINES} once, in a row, in "
                           f"autograd.value._node, which reads:\n{source}"
                           f"update _strip_hook_check in benchmarks/run.py to match")
    kept = lines[:at[0]] + lines[at[0] + 2:]
    if any("_hook" in line for line in kept):
        raise RuntimeError(f"autograd.value._node uses _hook beyond the lines {HOOK_CHECK_LINES}:"
                           f"\n{source}update _strip_hook_check in benchmarks/run.py to match")
    return "".join(kept)


@functools.cache
def _node_without_hook_check() -> Callable:
    """value._node rebuilt from its own source minus the hook check, its globals the module's
    (as the original's are), so the A/B differs in that check and nothing else."""
    from autograd import value
    source = _strip_hook_check(inspect.getsource(value._node))
    made: dict[str, Any] = {}
    exec(compile(source, "<autograd.value._node without the hook check>", "exec"),
         vars(value), made)
    return made["_node"]


@contextmanager
def _without_hook_check() -> Iterator[None]:
    """Swap value._node for a copy without the `if _hook is not None` lines: chainrule as it
    would be if there were no hook mechanism (no detect_anomaly, no no_grad) at all."""
    from autograd import value
    original = value._node
    value._node = _node_without_hook_check()
    try:
        yield
    finally:
        value._node = original


def _hook_check_is_separable() -> str | None:
    """None when the A/B swap above applies to this core, else why it does not."""
    from autograd import value
    node = getattr(value, "_node", None)
    if node is None or "_hook" not in node.__code__.co_names:
        return "autograd.value._node with the hook check is not where run.py expects it"
    return None


class _ChainruleVariant:
    """chainrule with each repetition run inside a context (detect_anomaly(), or the swap above)."""

    KINDS = ("chain", "wide", "moons", "two_node")

    def __init__(self, name: str, context: Callable[[], Any]) -> None:
        self.name = name
        self._context = context

    def __getattr__(self, kind: str) -> Callable[[int], Callable]:
        """chainrule's factory for the workload kind, each of its repetitions in the context."""
        if kind not in self.KINDS:
            raise AttributeError(f"{type(self).__name__} has no attribute {kind!r}")
        make, context = getattr(Chainrule(), kind), self._context

        def factory(size: int) -> Callable:
            rep = make(size)

            def run(t: dict, probe: Callable[[], None]) -> tuple:
                with context():
                    return rep(t, probe)
            return run
        return factory


NO_HOOK_CHECK = "chainrule, no hook check"
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


def _debug_off_cost(workloads: Sequence[Workload], nodes: Sequence[int], repeat: int) -> dict:
    """What detect_anomaly (and no_grad) cost while off: the per-op flag check, directly and A/B."""
    from autograd import value
    out: dict[str, Any] = {}
    try:
        from autograd import detect_anomaly  # available, as it normally is, but not active
        out["detect_anomaly"] = "available, not active"
    except ImportError as e:
        detect_anomaly = None
        out["detect_anomaly"] = f"PENDING: autograd.detect_anomaly does not exist yet ({e})"
    # 1. the flag check itself, as the op runs it: a global load and a compare with None
    n = 2_000_000
    globs = vars(value)
    check = min(timeit.repeat("if _hook is not None: pass", globals=globs, number=n, repeat=5))
    empty = min(timeit.repeat("pass", globals=globs, number=n, repeat=5))
    out["flag_check_ns"] = max(check - empty, 0.0) / n * 1e9
    # 2. A/B: the same workloads with the check removed from the op path, runs interleaved
    skip = _hook_check_is_separable()
    rows = []
    for workload, size in zip(workloads, nodes):
        entry: dict[str, Any] = {"workload": workload.name, "nodes": size}
        make = getattr(Chainrule(), workload.kind)
        reps = {"chainrule": make(workload.size)}
        if skip:
            entry[NO_HOOK_CHECK] = {"status": "unavailable", "reason": skip}
        else:
            bare = getattr(_ChainruleVariant(NO_HOOK_CHECK, _without_hook_check), workload.kind)
            reps[NO_HOOK_CHECK] = bare(workload.size)
        entry.update(_interleaved(reps, 3 * repeat))
        del reps
        if not skip:
            pairs = zip(entry["chainrule"]["totals_s"], entry[NO_HOOK_CHECK]["totals_s"])
            entry["paired_difference"] = statistics.median(a / b - 1.0 for a, b in pairs)
            per_op = entry["chainrule"]["forward_s"] / size
            entry["flag_check_share_of_forward"] = out["flag_check_ns"] * 1e-9 / per_op
        if detect_anomaly is not None:  # the cost when on, for scale
            on = getattr(_ChainruleVariant(ANOMALY_ON, detect_anomaly), workload.kind)
            entry[ANOMALY_ON] = _interleaved({ANOMALY_ON: on(workload.size)}, min(repeat, 3))[ANOMALY_ON]
        rows.append(entry)
    out["ab"] = rows
    return out


# ---------------------------------------------------------------------------------------------
# Targets (issue 5)

def _targets(results: list[dict]) -> list[dict]:
    by_name = {w["workload"]: {r["engine"]: r for r in w["rows"]} for w in results}
    kinds = {w["workload"]: w["kind"] for w in results}
    sizes = {w["workload"]: w["size"] for w in results}
    out = []

    def target(what: str, value: float | None, goal: float, at_most: bool = False,
               unit: str = "x", note: str = "") -> None:
        if value is None:
            out.append({"target": what, "value": None, "goal": goal, "met": None,
                        "note": note or "not measured"})
            return
        met = value <= goal if at_most else value >= goal
        out.append({"target": what, "value": value, "goal": goal, "met": met, "unit": unit,
                    "note": note})

    moons_runs = [n for n, k in kinds.items() if k == "moons"]
    moons_rows = by_name[max(moons_runs, key=lambda n: sizes[n])] if moons_runs else {}
    for peer, goal, key in (("micrograd", 15, "total"), ("torch", 5, "total"),
                            ("micrograd", 2, "backward")):
        row = moons_rows.get(peer)
        what = (f"moons step {'(backward alone) ' if key == 'backward' else ''}"
                f"at least {goal}x faster than {peer}")
        value = row.get(f"ratio_{key}") if row else None
        if value is not None:
            note = ""
        elif not moons_rows:
            note = "moons not run"
        elif row is None:
            note = f"{peer} not in this run"
        else:
            note = f"{peer}: {row['status']}: {row['reason']}"
        target(what, value, goal, note=note)
    chains = sorted((n for n, k in kinds.items() if k == "chain"), key=lambda n: sizes[n])
    if chains:
        row = by_name[chains[-1]].get("chainrule", {})
        target(f"at most 150 bytes per node on the chain ({chains[-1]})",
               row.get("graph_bytes_per_node"), 150, at_most=True, unit="B")
    big = [n for n in chains if sizes[n] >= HUGE]
    limit = sys.getrecursionlimit()
    if big:
        row = by_name[big[-1]].get("chainrule", {})
        ok = row.get("status") == "ok"
        out.append({"target": f"the {big[-1]} chain built and back-propagated at the default "
                              f"recursion limit ({limit})", "value": row.get("status"),
                    "goal": "ok", "met": ok, "note": row.get("reason") or ""})
    else:
        out.append({"target": "the 1e6-step chain at the default recursion limit", "value": None,
                    "goal": "ok", "met": None, "note": "not run (no chain of 1e6 steps)"})
    return out


# ---------------------------------------------------------------------------------------------
# The whole run, and its report

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


def _measure_engine(engine: Any, workloads: Sequence[Workload], nodes: Sequence[int],
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


def run_benchmarks(workloads: Sequence[Workload] = WORKLOADS, engines: Sequence[Any] = ENGINES,
                   repeat: int = 5, debug_workloads: Sequence[Workload] | None = None,
                   progress: TextIO | None = None, isolate: bool = True,
                   min_seconds: float = MIN_SECONDS) -> dict:
    """Run every engine on every workload; the results as a JSON-ready dict.

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
            by_engine[engine.name] = _measure_engine(engine, workloads, nodes, repeat, progress,
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
            debug = _debug_off_cost(debug_workloads, debug_nodes, repeat)
    return {"version": 1, "environment": _environment(), "repeat": repeat,
            "min_seconds": min_seconds, "isolated": isolate,
            "engines": {e.name: getattr(e, "description", e.name) for e in engines},
            "workloads": results, "targets": _targets(results), "debug_off": debug}


def _worker(what: str, spec: str, repeat: int, out: str, min_seconds: float) -> int:
    """The child side of _in_worker: measure, write the JSON to out."""
    items = json.loads(spec)
    workloads = [Workload(name, kind, size, title) for name, kind, size, title, _ in items]
    nodes = [item[-1] for item in items]
    if what == "debug":
        result: Any = _debug_off_cost(workloads, nodes, repeat)
    else:
        engine = next((e for e in ENGINES if e.name == what), None)
        if engine is None:
            raise SystemExit(f"unknown engine {what!r}")
        result = _measure_engine(engine, workloads, nodes, repeat, sys.stderr, min_seconds)
    Path(out).write_text(json.dumps(result))
    return 0


def _ms(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    ms = seconds * 1e3
    return f"{ms:.0f}" if ms >= 1000 else f"{ms:.1f}" if ms >= 10 else f"{ms:.2f}"


def _ratio(x: float | None) -> str:
    if x is None:
        return "-"
    return f"{x:.0f}x" if x >= 100 else f"{x:.1f}x" if x >= 1 else f"{x:.2f}x"


def format_report(report: dict) -> str:
    """The results as plain-text tables (also valid Markdown)."""
    env = report["environment"]
    lines = [
        f"chainrule benchmarks: Python {env['python']} on {env['platform']}, {env['cpu']}, "
        f"{env['cores']} cores; torch {env['torch'] or 'not installed'} (1 thread), "
        f"micrograd {env['micrograd'] or 'not installed'}",
        "",
        f"- each engine in {'its own fresh Python process' if report.get('isolated') else 'this one process, one after the other'}; "
        f"median of at least {report['repeat']} runs after one warm-up, more until they add "
        f"up to {report.get('min_seconds', 0):g} s (workloads of 1e6 steps: at most "
        f"{MAX_RUNS_FOR_HUGE} runs, no warm-up, bytes per node for chainrule only)",
        "- times in ms; total: wall clock of the whole run; teardown: total minus the phases, "
        "mostly freeing the graph when the run lets go of it",
        "- gc: share of the total spent in the cyclic garbage collector (gc.callbacks)",
        "- B/node: bytes alive per graph node once the forward graph is built (tracemalloc); "
        "torch*: plus its C heap (glibc mallinfo2)",
        "- vs chainrule: the engine's time divided by chainrule's (above 1x: chainrule is faster); "
        f"same result: its loss and gradient agree with chainrule's to {AGREE_RTOL:g}",
        "",
    ]
    header = ("| engine | runs | forward | backward | update | teardown | total | µs/node | B/node | "
              "gc | vs chainrule (total) | vs chainrule (backward) | same result |")
    rule = "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|:---:|"
    for w in report["workloads"]:
        lines += [f"### {w['workload']}: {w['title']} ({w['nodes']:,} nodes"
                  f"{' in all' if w['kind'] == 'two_node' else ''}"
                  f"{' per step' if w['kind'] == 'moons' else ''})", "", header, rule]
        for r in w["rows"]:
            name = r["engine"]
            if r["status"] == "unavailable":
                lines.append(f"| {name} | | unavailable: {r['reason']} |" + " |" * 11)
                continue
            bytes_ = r.get("graph_bytes_per_node")
            if bytes_ is not None and name == "torch":
                bytes_str = f"{bytes_ + r.get('graph_c_bytes_per_node', 0.0):.0f}*"
            else:
                bytes_str = "-" if bytes_ is None else f"{bytes_:.0f}"
            agrees = {True: "yes", False: "NO", None: "-"}[r.get("agrees")]
            if r["status"] == "failed":
                lines.append(f"| {name} | {r['runs']} | {_ms(r.get('forward_s'))} | FAILED in {r['reason']} "
                             f"| | | | | {bytes_str} | | | | {agrees} |")
                continue
            update = _ms(r["update_s"]) if w["kind"] in ("moons", "two_node") else "-"
            lines.append(
                f"| {name} | {r['runs']} | {_ms(r['forward_s'])} | {_ms(r['backward_s'])} | {update} | "
                f"{_ms(r['teardown_s'])} | {_ms(r['total_s'])} | {r['us_per_node']:.2f} | {bytes_str} | "
                f"{100 * r['gc_share']:.0f}% | {_ratio(r['ratio_total'])} | "
                f"{_ratio(r['ratio_backward'])} | {agrees} |")
        lines.append("")
    lines += ["### Targets (issue 5)", "", "| target | measured | met |", "|---|---:|:---:|"]
    for t in report["targets"]:
        value = t["value"]
        if isinstance(value, float):
            value = f"{value:.1f}{t.get('unit', '')}" if t.get("unit") != "B" else f"{value:.0f} B"
        met = {True: "yes", False: "**NO**", None: "not measured"}[t["met"]]
        note = f" ({t['note']})" if t.get("note") else ""
        lines.append(f"| {t['target']} | {value if value is not None else '-'}{note} | {met} |")
    lines.append("")
    debug = report.get("debug_off")
    if debug:
        lines += ["### Debugging features when off", "",
                  f"detect_anomaly: {debug['detect_anomaly']}. While it is off, each op pays one "
                  f"flag check (`if _hook is not None`, shared with no_grad), measured alone at "
                  f"{debug['flag_check_ns']:.1f} ns; backward() pays one check per call; the "
                  f"stepper (backward_steps) is a separate function that costs nothing until "
                  f"called. The A/B runs the same workload with that check removed from the op "
                  f"path, the two taking turns, with the cyclic collector off to cut the noise; "
                  f"detect_anomaly() on is shown for scale.", "",
                  "| workload | chainrule as shipped | without the hook check | paired difference "
                  "| the check alone, share of forward | detect_anomaly() on |",
                  "|---|---:|---:|---:|---:|---:|"]
        for entry in debug["ab"]:
            def total(r: dict | None) -> str:
                if not r:
                    return "PENDING (no detect_anomaly yet)"
                if r.get("status") != "ok":
                    return f"{r.get('status')}: {r.get('reason')}"
                return f"{_ms(r['total_s'])} ms"
            diff = entry.get("paired_difference")
            share = entry.get("flag_check_share_of_forward")
            lines.append(
                f"| {entry['workload']} | {total(entry.get('chainrule'))} | "
                f"{total(entry.get(NO_HOOK_CHECK))} | "
                f"{'-' if diff is None else f'{100 * diff:+.1f}%'} | "
                f"{'-' if share is None else f'{100 * share:.2f}%'} | "
                f"{total(entry.get(ANOMALY_ON))} |")
        lines.append("")
    return "\n".join(lines)


def _select(items: Sequence[Any], names: str | None, what: str) -> list[Any]:
    if not names:
        return list(items)
    wanted = [n.strip() for n in names.split(",") if n.strip()]
    known = {getattr(i, "name"): i for i in items}
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
        return _worker(args.worker, args.spec, args.repeat or 5, args.json, args.min_seconds)
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
