"""Reporting: the targets (in one table, TARGETS), whether a run met them, and the tables.

Everything here reads the dict that measure.run_benchmarks() returns; nothing is timed here.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass

from .measure import AGREE_RTOL, ANOMALY_ON, HUGE, MAX_RUNS_FOR_HUGE

__all__ = ["TARGETS", "Target", "evaluate_targets", "format_report"]

Rows = dict  # engine name -> that engine's row for one workload


def _ratio_of(peer: str, key: str) -> Callable[[Rows], float | None]:
    """How many times faster chainrule (rebuilding) is than peer."""
    return lambda rows: rows.get(peer, {}).get(f"ratio_{key}")


def _step_s(row: dict) -> float | None:
    """A row's time per repetition as the sum of its phases' medians (what a training loop
    pays per step; the total also holds the repetition's own setup and teardown)."""
    phases = [row.get(f"{p}_s") for p in ("forward", "backward", "update")]
    if row.get("status") != "ok" or phases[0] is None or phases[1] is None:
        return None
    return sum(p for p in phases if p is not None)


def _over(slow: str, fast: str, record: bool = False) -> Callable[[Rows], float | None]:
    """slow's step time (or recording time) over fast's step time."""
    def value(rows: Rows) -> float | None:
        if slow not in rows or fast not in rows:
            return None
        a = rows[slow].get("record_s") if record else _step_s(rows[slow])
        b = _step_s(rows[fast])
        return a / b if a is not None and b else None
    return value


@dataclass(frozen=True)
class Target:
    """A goal on one measured number of the largest workload of a kind."""

    text: str                                  # what is promised, in words
    kind: str                                  # the workload kind it is measured on
    value: Callable[[Rows], float | None]      # the number, from that workload's rows
    goal: float
    at_most: bool = False
    unit: str = "x"
    size: int | None = None                    # that size of the kind (None: the largest)


# The targets: chainrule rebuilding its graph, and replaying a recorded Tape.
TARGETS = [
    Target("moons step at least 15x faster than micrograd", "moons", _ratio_of("micrograd", "total"), 15,
           size=100),
    Target("moons step at least 5x faster than torch", "moons", _ratio_of("torch", "total"), 5, size=100),
    Target("moons step (backward alone) at least 2x faster than micrograd", "moons",
           _ratio_of("micrograd", "backward"), 2, size=100),
    Target("at most 150 bytes per node on the largest chain", "chain",
           lambda rows: rows.get("chainrule", {}).get("graph_bytes_per_node"), 150,
           at_most=True, unit=" B"),
    Target("moons step replayed at least 100x faster than micrograd rebuilding", "moons",
           _over("micrograd", "replay"), 100, size=100),
    Target("moons step replayed in at most 2x the time of plain floats (the floor)", "moons",
           _over("replay", "floats"), 2, at_most=True, size=100),
    Target("recording the moons step's Tape costs at most 10 rebuilt steps", "moons",
           _over("replay", "chainrule", record=True), 10, at_most=True, unit=" steps", size=100),
    # The batched Tape: one example's graph over the rows as NumPy columns.
    Target("moons step at 100 points batched at least 4x faster than plain floats (the floor)",
           "moons", _over("floats", "batch"), 4, size=100),
    Target("moons step at 100 points batched at least 500x faster than micrograd", "moons",
           _over("micrograd", "batch"), 500, size=100),
    Target("moons step at 1000 points batched at least 20x faster than plain floats", "moons",
           _over("floats", "batch"), 20, size=1000),
    Target("moons step at 1000 points batched in at most 6x the time of NumPy by hand", "moons",
           _over("batch", "numpy"), 6, at_most=True, size=1000),
    Target("recording the batched Tape of one moons example takes at most 1 s", "moons",
           lambda rows: rows.get("batch", {}).get("record_s"), 1.0, at_most=True, unit=" s",
           size=100),
]


def evaluate_targets(results: list[dict]) -> list[dict]:
    """Each target with its measured value and whether it was met (None: not measured)."""
    out = []
    for target in TARGETS:
        runs = [w for w in results if w["kind"] == target.kind
                and target.size in (None, w["size"])]
        value = None
        note = f"no {target.kind} workload in this run"
        if runs:
            rows = {r["engine"]: r for r in max(runs, key=lambda w: w["size"])["rows"]}
            value = target.value(rows)
            bad = [r for r in rows.values() if r["status"] != "ok"]
            note = "; ".join(f"{r['engine']}: {r['status']}: {r['reason']}" for r in bad) \
                if value is None else ""
        met = None if value is None else (value <= target.goal if target.at_most
                                          else value >= target.goal)
        out.append({"target": target.text, "value": value, "goal": target.goal, "met": met,
                    "unit": target.unit, "note": note or ("" if value is not None else "not measured")})
    chains = [w for w in results if w["kind"] == "chain" and w["size"] >= HUGE]
    limit = sys.getrecursionlimit()
    if chains:
        rows = max(chains, key=lambda w: w["size"])["rows"]
        statuses = {r["engine"]: r["status"] for r in rows if r["engine"] in ("chainrule", "replay")}
        out.append({"target": f"the {chains[-1]['workload']} chain built, recorded and back-propagated "
                              f"at the default recursion limit ({limit})",
                    "value": ", ".join(f"{k} {v}" for k, v in statuses.items()), "goal": "ok",
                    "met": all(v == "ok" for v in statuses.values()), "note": ""})
    else:
        out.append({"target": "the 1e6-step chain at the default recursion limit", "value": None,
                    "goal": "ok", "met": None, "note": "not run (no chain of 1e6 steps)"})
    return out


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
    where = ("its own fresh Python process" if report.get("isolated")
             else "this one process, one after the other")
    lines = [
        f"chainrule benchmarks: Python {env['python']} on {env['platform']}, {env['cpu']}, "
        f"{env['cores']} cores; torch {env['torch'] or 'not installed'} (1 thread), "
        f"micrograd {env['micrograd'] or 'not installed'}",
        "",
        f"- each engine in {where}; "
        f"median of at least {report['repeat']} runs after one warm-up, more until they add "
        f"up to {report.get('min_seconds', 0):g} s (workloads of 1e6 steps: at most "
        f"{MAX_RUNS_FOR_HUGE} runs, no warm-up, bytes per node for chainrule only)",
        "- times in ms; record: recording the Tape (once, before the runs; replay only); total: "
        "wall clock of the whole run; teardown: total minus the phases, mostly freeing the graph "
        "when the run lets go of it",
        "- gc: share of the total spent in the cyclic garbage collector (gc.callbacks)",
        "- B/node: bytes alive per graph node once the forward graph is built (tracemalloc); "
        "torch*: plus its C heap (glibc mallinfo2)",
        "- vs chainrule: the engine's time divided by chainrule's (above 1x: chainrule is faster); "
        f"same result: its loss and gradient agree with chainrule's to {AGREE_RTOL:g}",
        "",
    ]
    header = ("| engine | runs | record | forward | backward | update | teardown | total | µs/node | "
              "B/node | gc | vs chainrule (total) | vs chainrule (backward) | same result |")
    rule = "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|:---:|"
    for w in report["workloads"]:
        lines += [f"### {w['workload']}: {w['title']} ({w['nodes']:,} nodes"
                  f"{' in all' if w['kind'] == 'two_node' else ''}"
                  f"{' per step' if w['kind'] == 'moons' else ''})", "", header, rule]
        for r in w["rows"]:
            name = r["engine"]
            if r["status"] == "unavailable":
                lines.append(f"| {name} | | unavailable: {r['reason']} |" + " |" * 12)
                continue
            bytes_ = r.get("graph_bytes_per_node")
            if bytes_ is not None and name == "torch":
                bytes_str = f"{bytes_ + r.get('graph_c_bytes_per_node', 0.0):.0f}*"
            else:
                bytes_str = "-" if bytes_ is None else f"{bytes_:.0f}"
            agrees = {True: "yes", False: "NO", None: "-"}[r.get("agrees")]
            if r["status"] == "failed":
                lines.append(f"| {name} | {r['runs']} | {_ms(r.get('record_s'))} | "
                             f"{_ms(r.get('forward_s'))} | FAILED in {r['reason']} "
                             f"| | | | | {bytes_str} | | | | {agrees} |")
                continue
            update = _ms(r["update_s"]) if w["kind"] in ("moons", "two_node") else "-"
            lines.append(
                f"| {name} | {r['runs']} | {_ms(r.get('record_s'))} | {_ms(r['forward_s'])} | "
                f"{_ms(r['backward_s'])} | {update} | "
                f"{_ms(r['teardown_s'])} | {_ms(r['total_s'])} | {r['us_per_node']:.2f} | {bytes_str} | "
                f"{100 * r['gc_share']:.0f}% | {_ratio(r['ratio_total'])} | "
                f"{_ratio(r['ratio_backward'])} | {agrees} |")
        lines.append("")
    lines += ["### Targets", "", "| target | measured | met |", "|---|---:|:---:|"]
    for t in report["targets"]:
        value = t["value"]
        if isinstance(value, float):
            unit = t.get("unit", "")
            value = f"{value:.0f}{unit}" if unit == " B" else \
                f"{value:.2f}{unit}" if unit == " s" else f"{value:.1f}{unit}"
        met = {True: "yes", False: "**NO**", None: "not measured"}[t["met"]]
        note = f" ({t['note']})" if t.get("note") else ""
        lines.append(f"| {t['target']} | {value if value is not None else '-'}{note} | {met} |")
    lines.append("")
    debug = report.get("debug_off")
    if debug:
        lines += ["### Debugging features when off", "",
                  f"Each op pays one flag check (`if _hook is not None`, shared by no_grad and "
                  f"detect_anomaly), timed alone at {debug['flag_check_ns']:.1f} ns; backward() "
                  f"pays one check per call; the stepper (backward_steps) costs nothing until "
                  f"called. detect_anomaly() on is shown for scale (runs taking turns, the cyclic "
                  f"collector off).", "",
                  "| workload | chainrule | the check, share of forward | detect_anomaly() on |",
                  "|---|---:|---:|---:|"]
        for entry in debug["ab"]:
            share = entry.get("flag_check_share_of_forward")
            lines.append(
                f"| {entry['workload']} | {_ms(entry['chainrule']['total_s'])} ms | "
                f"{'-' if share is None else f'{100 * share:.2f}%'} | "
                f"{_ms(entry[ANOMALY_ON]['total_s'])} ms |")
        lines.append("")
    return "\n".join(lines)


