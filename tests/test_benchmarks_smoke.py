"""Smoke test of benchmarks/run.py: a tiny run, so the benchmark cannot rot.

Small sizes and one run each; no assertion is about time.  The test passes with or without
PyTorch and micrograd installed: an engine that is missing must be reported unavailable, one that
cannot run a workload must be reported failing, each with its reason.
"""

from __future__ import annotations

import gc
import json
import math
import sys
import tracemalloc

import pytest

from autograd import Value
from autograd.engine import topological_order
from benchmarks import run
from benchmarks.measure import ANOMALY_ON
from benchmarks.report import TARGETS
from benchmarks.workloads import Training, chain, graph_size, moons, pairwise_sum, train_rep, two_node, wide

_loaded_before = set(sys.modules)
TINY = [chain(10), wide(16), moons(4), two_node(3)]
ENGINE_NAMES = ["chainrule", "replay", "batch", "micrograd", "torch", "floats", "numpy"]
PHASE_FIELDS = ("forward_s", "backward_s", "total_s", "us_per_node", "graph_bytes_per_node")


@pytest.fixture(scope="module")
def report() -> dict:
    callbacks = list(gc.callbacks)
    # each engine in its own process, one run each
    result = run.run_benchmarks(TINY, run.ENGINES, repeat=1, min_seconds=0.0)
    assert gc.callbacks == callbacks, "the benchmark left a gc callback behind"
    assert not tracemalloc.is_tracing(), "the benchmark left tracemalloc on"
    return result


def _rows(report: dict) -> list[tuple[str, dict]]:
    return [(w["workload"], r) for w in report["workloads"] for r in w["rows"]]


def test_the_run_isolates_each_engine_in_its_own_process(report):
    assert report["isolated"] is True
    assert "torch" not in sys.modules or "torch" in _loaded_before  # never imported here


def test_every_workload_has_a_row_for_every_engine(report):
    assert [w["workload"] for w in report["workloads"]] == [w.name for w in TINY]
    for w in report["workloads"]:
        assert [r["engine"] for r in w["rows"]] == ENGINE_NAMES


def test_every_row_has_numbers_or_a_reason(report):
    for workload, row in _rows(report):
        assert row["status"] in ("ok", "failed", "unavailable"), (workload, row)
        if row["status"] == "ok":
            for field in PHASE_FIELDS:
                value = row[field]
                assert isinstance(value, float) and math.isfinite(value) and value >= 0.0, \
                    (workload, row["engine"], field, value)
            assert row["runs"] == 1
        else:
            assert isinstance(row["reason"], str) and row["reason"], (workload, row)


def test_chainrule_its_replay_and_the_float_floor_run_everything(report):
    for workload, row in _rows(report):
        if row["engine"] in ("chainrule", "replay", "floats"):
            assert row["status"] == "ok", (workload, row)


def test_the_batch_and_numpy_by_hand_run_the_moons_step_and_nothing_else(report):
    for workload, row in _rows(report):
        if row["engine"] in ("batch", "numpy"):
            if workload.startswith("moons"):
                assert row["status"] == "ok" and row["agrees"] is True, (workload, row)
            else:
                assert row["status"] == "unavailable", (workload, row)
                assert "batch of examples" in row["reason"]


def test_past_100_points_only_the_engines_that_can_repeat_the_step_run_it():
    from benchmarks.workloads import skip_reason
    big = moons(1000)
    runs = [e.name for e in run.ENGINES if skip_reason(e, big) is None]
    assert runs == ["chainrule", "batch", "floats", "numpy"]
    micrograd = next(e for e in run.ENGINES if e.name == "micrograd")
    assert "above 100 points" in skip_reason(micrograd, big)
    assert skip_reason(micrograd, moons(100)) is None


def test_the_batch_targets_are_measured_on_their_own_size():
    from benchmarks.report import evaluate_targets

    def rows(size, batch_s, floats_s, numpy_s):
        return {"workload": f"moons-{size}", "kind": "moons", "size": size, "rows": [
            {"engine": name, "status": "ok", "forward_s": t, "backward_s": 0.0, "update_s": 0.0,
             "record_s": 0.5 if name == "batch" else None}
            for name, t in (("batch", batch_s), ("floats", floats_s), ("numpy", numpy_s))]}
    found = {t["target"]: t for t in evaluate_targets([rows(100, 1.0, 5.0, 0.1),
                                                       rows(1000, 2.0, 30.0, 0.5)])}
    at_100 = found["moons step at 100 points batched at least 4x faster than plain floats (the floor)"]
    at_1000 = found["moons step at 1000 points batched at least 20x faster than plain floats"]
    by_hand = found["moons step at 1000 points batched in at most 6x the time of NumPy by hand"]
    assert (at_100["value"], at_100["met"]) == (5.0, True)
    assert (at_1000["value"], at_1000["met"]) == (15.0, False)
    assert (by_hand["value"], by_hand["met"]) == (4.0, True)


def test_fast_workloads_run_until_min_seconds():
    floats = next(e for e in run.ENGINES if e.name == "floats")
    row = run.run_benchmarks([chain(5)], [floats], repeat=2, debug_workloads=[],
                             isolate=False, min_seconds=0.05)["workloads"][0]["rows"][0]
    assert 2 < row["runs"] <= run.MAX_RUNS  # a 5-step chain on floats takes microseconds


def test_training_workloads_time_the_update(report):
    for w in report["workloads"]:
        for row in w["rows"]:
            if row["status"] == "ok" and w["kind"] in ("moons", "two_node"):
                assert row["update_s"] >= 0.0


def test_engines_that_ran_computed_chainrules_numbers(report):
    for workload, row in _rows(report):
        if row["status"] == "ok":
            assert row["agrees"] is True, (workload, row["engine"], row.get("check"))


def test_ratios_are_to_chainrule(report):
    for w in report["workloads"]:
        base = w["rows"][0]
        assert base["ratio_total"] == 1.0 and base["ratio_backward"] == 1.0
        for row in w["rows"][1:]:
            if row["status"] == "ok":
                assert row["ratio_total"] == pytest.approx(row["total_s"] / base["total_s"])


def test_report_is_json_and_a_table(report):
    assert json.loads(json.dumps(report))["version"] == 1
    table = run.format_report(report)
    for w in TINY:
        assert f"### {w.name}:" in table
    for name in ENGINE_NAMES:
        assert f"| {name} |" in table
    assert "### Targets" in table and "issue" not in table
    assert "### Debugging features when off" in table


def test_replay_rows_show_the_recording_time_apart(report):
    for workload, row in _rows(report):
        if row["engine"] == "replay" or (row["engine"] == "batch" and row["status"] == "ok"):
            assert row["record_s"] > 0.0, workload
        else:
            assert row.get("record_s") is None, (workload, row["engine"])


def test_targets_are_listed_with_whether_each_was_met(report):
    targets = report["targets"]
    assert [t["target"] for t in targets[:-1]] == [t.text for t in TARGETS]
    for t in targets:
        assert t["met"] in (True, False, None) and t["target"]


def test_debugging_features_off_show_the_flag_check_and_anomaly_mode_on(report):
    debug = report["debug_off"]
    assert debug["flag_check_ns"] >= 0.0
    for entry in debug["ab"]:
        assert entry["chainrule"]["status"] == "ok"
        assert entry[ANOMALY_ON]["status"] == "ok"
        assert entry["flag_check_share_of_forward"] >= 0.0


def test_missing_peers_are_reported_unavailable(monkeypatch):
    for name in ("torch", "micrograd", "micrograd.engine", "micrograd.nn"):
        monkeypatch.setitem(sys.modules, name, None)  # import now raises ImportError
    result = run.run_benchmarks([chain(5)], run.ENGINES, repeat=1, debug_workloads=[],
                                isolate=False, min_seconds=0.0)
    rows = {r["engine"]: r for r in result["workloads"][0]["rows"]}
    for name in ("torch", "micrograd"):
        assert rows[name]["status"] == "unavailable"
        assert "pip install" in rows[name]["reason"]
    for name in ("chainrule", "replay", "floats"):
        assert rows[name]["status"] == "ok"
    assert "unavailable" in run.format_report(result)


def test_micrograd_past_its_recursion_limit_is_reported_failing_with_its_forward_time():
    try:
        import micrograd.engine  # noqa: F401
    except ImportError:
        pytest.skip("micrograd is not installed")
    steps = sys.getrecursionlimit()  # two recursive frames per step: past the limit
    micrograd = next(e for e in run.ENGINES if e.name == "micrograd")
    result = run.run_benchmarks([chain(steps)], [run.ENGINES[0], micrograd], repeat=1,
                                debug_workloads=[], isolate=False, min_seconds=0.0)
    row = result["workloads"][0]["rows"][1]
    assert row["engine"] == "micrograd" and row["status"] == "failed"
    assert row["reason"].startswith("backward: RecursionError")
    assert row["forward_s"] > 0.0
    assert "FAILED in backward: RecursionError" in run.format_report(result)


def _recording_training(calls: list, fail_in_backward: bool = False) -> Training:
    def backward(out):
        calls.append(("backward", out))
        if fail_in_backward:
            raise RecursionError("too deep")
    return Training(forward=lambda x, y: calls.append(("forward", x, y)) or x * y,
                    backward=backward, update=lambda: calls.append(("update",)),
                    result=lambda out: (out,))


def test_train_rep_runs_step_i_on_data_i_mod_n_and_probes_after_the_first_forward():
    calls: list = []
    probed_after: list = []
    rep = train_rep(lambda: _recording_training(calls), [(1.0, 2.0), (3.0, 4.0)], steps=3)
    t: dict = {}
    assert rep(t, lambda: probed_after.append(list(calls))) == (2.0,)  # the last step's out
    assert calls == [("forward", 1.0, 2.0), ("backward", 2.0), ("update",),
                     ("forward", 3.0, 4.0), ("backward", 12.0), ("update",),
                     ("forward", 1.0, 2.0), ("backward", 2.0), ("update",)]
    assert probed_after == [[("forward", 1.0, 2.0)]]
    assert sorted(t) == ["backward", "forward", "update"] and min(t.values()) >= 0.0


def test_train_rep_keeps_the_forward_time_when_backward_fails():
    rep = train_rep(lambda: _recording_training([], fail_in_backward=True), [(1.0, 2.0)])
    t: dict = {}
    with pytest.raises(RecursionError):
        rep(t, lambda: None)
    assert list(t) == ["forward"]


@pytest.mark.parametrize("workload", [chain(7), wide(9), wide(16)], ids=lambda w: w.name)
def test_graph_size_counts_chainrules_nodes(workload):
    if workload.kind == "chain":
        y = Value(1.0)
        for _ in range(workload.size):
            y = y * 1.0001 + 0.5
    else:
        xs = [Value(float(i)) for i in range(workload.size)]
        ws = [Value(float(i)) for i in range(workload.size)]
        y = pairwise_sum([x * w for x, w in zip(xs, ws)])
    assert graph_size(workload) == len(topological_order(y))


def test_command_line_writes_the_table_and_json(tmp_path, capsys):
    out = tmp_path / "bench.json"
    assert run.main(["--quick", "--repeat", "1", "--min-seconds", "0", "--workloads", "chain-1e3",
                     "--engines", "floats", "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "### chain-1e3:" in printed and "| chainrule |" in printed and "| floats |" in printed
    data = json.loads(out.read_text())
    assert [r["engine"] for r in data["workloads"][0]["rows"]] == ["chainrule", "floats"]


def test_command_line_rejects_an_unknown_engine():
    with pytest.raises(SystemExit, match="unknown engine"):
        run.main(["--engines", "tensorflow"])


def test_tape_costs_prints_its_two_rows(capsys):
    from benchmarks import tape_costs

    assert tape_costs.main(["--quick"]) == 0
    out = capsys.readouterr().out
    assert "beside a pending 20,000-node replay" in out and "rebuilds" in out

def test_batch_turns_alternates_the_batch_the_floor_and_numpy_by_hand():
    from benchmarks.batch_turns import turns
    result = turns(4, rounds=2)
    for name in ("batch", "floats", "numpy"):
        assert result[name] > 0.0
    assert result["floats_over_batch"] > 0.0 and result["batch_over_numpy"] > 0.0
    assert result["record_s"] > 0.0


def test_batch_turns_takes_turns_with_micrograd_in_rounds_of_its_own():
    pytest.importorskip("micrograd")
    from benchmarks.batch_turns import micrograd_turns
    result = micrograd_turns(4, rounds=2)
    assert result is not None
    assert result["batch"] > 0.0 and result["micrograd"] > 0.0
    assert result["micrograd_over_batch"] > 0.0


def test_the_passes_benchmark_times_each_pass_on_a_small_graph():
    from benchmarks.passes import chain_loss, time_passes
    root, inputs = chain_loss(20)
    times = time_passes(root, inputs, runs=1)
    assert set(times) == {"backward", "grad", "create_graph"} and all(t > 0 for t in times.values())


def test_the_views_benchmark_builds_a_graph_of_about_the_size_asked():
    from benchmarks.views import mlp_loss
    n = len(topological_order(mlp_loss(2000)))
    assert 1000 <= n <= 3000
