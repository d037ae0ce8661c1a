"""README.md is what a README is: the pitch, the picture, the two commands, ten lines that run as
written, a table of what is where, and links into the documentation site that all lead somewhere.
(The longer sections it once had are pages of the site now: tests/test_docs.py runs their code.)"""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
TEXT = README.read_text(encoding="utf-8")
BLOCKS = re.findall(r"```python\n(.*?)```", TEXT, re.S)


def test_the_ten_lines_run_as_written_and_print_what_they_say(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # the block writes its picture to the current directory
    assert len(BLOCKS) == 1, "the README has one Python block: its ten lines"
    namespace: dict = {"__name__": "__readme__"}
    try:
        exec(compile(BLOCKS[0], "README.md python block 0", "exec"), namespace)
    except Exception as e:  # pragma: no cover - the failure message is the point
        pytest.fail(f"README's python block raised {type(e).__name__}: {e}\n{BLOCKS[0]}")
    assert "dC/dw1 = -0.0110, dC/dw2 = 0.0264" in capsys.readouterr().out
    assert "dC/dw1 = -0.0110, dC/dw2 = 0.0264" in BLOCKS[0]  # the comment says what it prints
    assert (tmp_path / "graph.svg").exists()


@pytest.mark.parametrize("marker", ["example-command", "test-command", "notebook-command", "docs-command"])
def test_each_command_stands_between_its_markers(marker):
    found = re.search(rf"<!-- {marker} -->\n```bash\n(.+)\n```\n<!-- /{marker} -->", TEXT)
    assert found, f"README has the {marker} between its markers"
    assert found.group(1).count("\n") == 0  # one line, as .ci/run reads it


def test_every_relative_link_leads_to_a_file_of_the_repository():
    targets = re.findall(r"\]\((?!https?://)([^)#]+)", TEXT) + re.findall(r'<img src="([^"]+)"', TEXT)
    assert len(targets) >= 10
    missing = [t for t in targets if not (ROOT / t).exists()]
    assert missing == []


def test_the_readme_stays_short():
    assert len(TEXT.splitlines()) <= 120
