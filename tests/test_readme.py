"""README.md's Python blocks run as written, top to bottom in one namespace, as a reader would."""

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


def test_the_readme_has_python_blocks():
    assert len(BLOCKS) >= 6


def test_every_python_block_runs_in_order(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # blocks write their pictures and players to the current directory
    namespace: dict = {"__name__": "__readme__"}
    for i, block in enumerate(BLOCKS):
        try:
            exec(compile(block, f"README.md python block {i}", "exec"), namespace)
        except Exception as e:  # pragma: no cover - the failure message is the point
            pytest.fail(f"README python block {i} raised {type(e).__name__}: {e}\n{block}")
    out = capsys.readouterr().out
    assert "dC/dw1 = -0.0110, dC/dw2 = 0.0264" in out
    assert "nan" not in out.split("gradcheck failed")[0]
    assert "analytic 3, numeric 6.0" in out
    assert "log made -inf from finite input 0.0" in out
    assert (tmp_path / "graph.svg").exists() and (tmp_path / "two_node_backprop.html").exists()
