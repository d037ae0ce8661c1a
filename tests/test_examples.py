"""The runnable examples run, agree with themselves, and write their pictures."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
OUT = EXAMPLES / "out"


def run(script: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(EXAMPLES.parent)}  # this checkout's packages
    return subprocess.run([sys.executable, str(EXAMPLES / script), *args], capture_output=True,
                          text=True, timeout=600, cwd=EXAMPLES.parent, env=env, check=False)


def test_two_node_network_agrees_with_the_chain_rule_by_hand_and_trains(tmp_path):
    result = run("two_node_network.py", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert len(re.findall(r"engine: +\S+  agrees$", result.stdout, flags=re.M)) == 7
    assert "DISAGREES" not in result.stdout
    assert "delta1 = dC/dz1 = delta2 * w2 * sigmoid'(z1)" in result.stdout  # explain(C, net.w1)
    assert "step  200: C = " in result.stdout
    for name in ("two_node_graph.svg", "two_node_backprop.html"):
        assert (tmp_path / name).stat().st_size > 1000
    svg = (tmp_path / "two_node_graph.svg").read_text()
    width, height = (float(v) for v in re.search(r'width="([\d.]+)pt" height="([\d.]+)pt"', svg).groups())
    assert height > 2 * width  # top to bottom, as the README shows it


def test_moons_reaches_full_training_accuracy(tmp_path):
    result = run("moons.py", "--out", str(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "training accuracy 100%" in result.stdout
    assert "100/100" in result.stdout  # the progress bar reached the end
    assert re.search(r"trained 100 steps in [\d.]+ s \(replaying one point's Tape over the "
                     r"points as a batch\)", result.stdout)


def test_moons_through_a_tape_trains_exactly_as_rebuilding(tmp_path):
    replayed = run("moons.py", "--steps", "20", "--scalar-tape", "--out", str(tmp_path / "tape"))
    rebuilt = run("moons.py", "--steps", "20", "--rebuild", "--out", str(tmp_path / "rebuild"))
    batched = run("moons.py", "--steps", "20", "--out", str(tmp_path / "batch"))
    assert "(rebuilding the graph every step)" in rebuilt.stdout
    assert "(replaying a Tape of the whole data set)" in replayed.stdout

    def final(result: subprocess.CompletedProcess) -> str:
        return re.search(r"final: loss \S+", result.stdout).group()
    assert final(replayed) == final(rebuilt)
    assert final(batched) == final(rebuilt)  # the mean of the gradients to 1e-9, so to 4 places
    pictures = [tmp_path / way / "moons.png" for way in ("tape", "rebuild")]
    if all(p.exists() for p in pictures):  # matplotlib installed: the same decision boundary
        assert pictures[0].read_bytes() == pictures[1].read_bytes()


def test_debug_walkthrough_runs(tmp_path):
    result = run("debug_walkthrough.py", "--out", str(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "debug_walkthrough.html").exists()


def test_render_graph_writes_every_options_picture_into_out(tmp_path):
    result = run("render_graph.py", "--out", str(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "mlp_folded.svg", "mlp_full.svg", "moons_one_point_folded.svg", "two_node_forward.svg",
        "two_node_graph.svg", "two_node_plain.svg"]
    assert "too big to lay out" in result.stdout


def test_spiral_learns_three_classes_and_saves_its_regions(tmp_path):
    result = run("spiral.py", "--out", str(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    last = result.stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"final training accuracy: \d+\.\d%", last), last
    assert float(last.split(": ")[1][:-1]) >= 95.0
    assert "100/100" in result.stdout  # the progress bar reached the end
    pytest.importorskip("matplotlib")
    assert (tmp_path / "spiral.png").stat().st_size > 1000


def test_spiral_trains_the_same_replaying_a_tape_or_rebuilding_the_graph(tmp_path):
    flags = (["--scalar-tape"], ["--rebuild"], [])
    runs = [run("spiral.py", "--steps", "5", "--out", str(tmp_path), *flag) for flag in flags]
    for result in runs:
        assert result.returncode == 0, result.stdout + result.stderr
        assert re.search(r"^trained 5 steps in [\d.]+ s$", result.stdout, flags=re.M)
    assert "rebuilding the graph each step" in runs[1].stdout
    assert "replaying one point's Tape over the points as a batch" in runs[2].stdout
    losses = [next(line for line in r.stdout.splitlines() if line.startswith("final loss")) for r in runs]
    assert losses[0] == losses[1] == losses[2]


def test_digits_learns_the_held_out_images(tmp_path):
    pytest.importorskip("sklearn")
    result = run("digits.py", "--explain", "3", "--out", str(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.strip().splitlines()
    assert re.fullmatch(r"test accuracy: \d+\.\d%", lines[-1]), lines[-1]
    assert float(lines[-1].split(": ")[1][:-1]) >= 95.0
    wrong = re.search(r"^misclassified \((\d+) of 360\): (.*)$", result.stdout, flags=re.M)
    assert wrong and len(re.findall(r"#\d+ \(a \d read as \d\)", wrong.group(2))) == int(wrong.group(1))
    assert f"{100 * (1 - int(wrong.group(1)) / 360):.1f}%" in lines[-1]
    assert "240/240" in result.stdout  # the progress bar reached the end
    # --explain 3: test image 3 through tape.example(3)
    shown = re.search(r"^its loss: (\S+) \(tape.losses\[3\] = (\S+)\)$", result.stdout, flags=re.M)
    assert shown and shown.group(1) == shown.group(2)
    assert re.search(r"^test image 3: a \d, read as \d$", result.stdout, flags=re.M)
    assert "d(loss)/dlayers.1.neurons." in result.stdout  # explain() of the loss wrt one weight
    assert (tmp_path / "digits_test_3.html").stat().st_size > 10_000


def test_digits_explain_refuses_an_index_out_of_range(tmp_path):
    pytest.importorskip("sklearn")
    result = run("digits.py", "--explain", "360", "--out", str(tmp_path))
    assert result.returncode == 2 and "0 to 359" in result.stderr
