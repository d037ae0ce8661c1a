"""The runnable examples run, agree with themselves, and write their pictures."""

import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
OUT = EXAMPLES / "out"


def run(script: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(EXAMPLES / script), *args], capture_output=True,
                          text=True, timeout=600, cwd=EXAMPLES.parent)


def test_two_node_network_agrees_with_the_chain_rule_by_hand_and_trains():
    result = run("two_node_network.py")
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("agrees") == 7
    assert "DISAGREES" not in result.stdout
    assert "step  200: C = " in result.stdout
    for name in ("two_node_graph.svg", "two_node_backprop.html"):
        assert (OUT / name).stat().st_size > 1000


def test_moons_reaches_full_training_accuracy():
    result = run("moons.py")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "training accuracy 100%" in result.stdout
    assert "100/100" in result.stdout  # the progress bar reached the end


@pytest.mark.parametrize("script", ["render_graph.py", "debug_walkthrough.py"])
def test_example_runs(script):
    result = run(script)
    assert result.returncode == 0, result.stdout + result.stderr
