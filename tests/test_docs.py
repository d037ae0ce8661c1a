"""The documentation site (mkdocs.yml, docs/): built strict, its tutorials' code run as written,
its API reference complete, and its pages opened offline in headless Chromium.

A tutorial's ```python blocks run top to bottom in one namespace, in an empty directory, as a
reader would run them; a ```text block right after a python block is what that block prints,
compared exactly.  (A ```py block is an excerpt, not run.)  The site is built once per run with
`mkdocs build --strict`, which runs examples/walkthrough.ipynb in a kernel (docs/hooks/notebook.py).
In CI (CHAINRULE_CI=1) a missing mkdocs fails these tests instead of skipping them.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import autograd
import nn

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
TUTORIALS = sorted((DOCS / "tutorials").glob("*.md"))
FENCE = re.compile(r"^```(\w+)[^\n]*\n(.*?)^```[ \t]*$", re.S | re.M)
BUILD_SECONDS = 600  # a timeout for a hung build, not a benchmark


# -- the snippet runner ------------------------------------------------------------------------

def blocks(page: Path) -> list[tuple[str, str, str | None]]:
    """(language, code, expected output or None) for each ```python block of a page, in order:
    the expected output is the ```text block that follows the python block directly."""
    found = [(m.group(1), m.group(2), m.start(), m.end()) for m in FENCE.finditer(page.read_text("utf-8"))]
    text = page.read_text("utf-8")
    runs = []
    for i, (lang, code, _start, end) in enumerate(found):
        if lang != "python":
            continue
        expected = None
        if i + 1 < len(found) and found[i + 1][0] == "text" and not text[end:found[i + 1][2]].strip():
            expected = found[i + 1][1]
        runs.append((lang, code, expected))
    return runs


def run_page(page: Path) -> list[tuple[str, str, str | None]]:
    """Run the page's python blocks in order in one namespace; (code, printed, expected) each."""
    namespace: dict = {"__name__": f"__docs_{page.stem.replace('-', '_')}__"}
    results = []
    for i, (_lang, code, expected) in enumerate(blocks(page)):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            try:
                exec(compile(code, f"{page.relative_to(ROOT)} python block {i}", "exec"), namespace)
            except Exception as e:  # pragma: no cover - the failure message is the point
                pytest.fail(f"{page.name} python block {i} raised {type(e).__name__}: {e}\n{code}")
        results.append((code, out.getvalue(), expected))
    return results


def _lines(text: str) -> list[str]:
    return [line.rstrip() for line in text.strip("\n").splitlines()]


@pytest.mark.parametrize("page", TUTORIALS, ids=[p.stem for p in TUTORIALS])
def test_a_tutorials_code_runs_and_prints_what_the_page_shows(page, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the blocks write their pictures and players here
    results = run_page(page)
    assert results, f"{page.name} has python blocks"
    for code, printed, expected in results:
        if expected is not None:
            assert _lines(printed) == _lines(expected), f"{page.name}: the block\n{code}\nprinted\n{printed}"


def test_the_runner_catches_a_page_whose_output_is_wrong(tmp_path, monkeypatch):
    page = tmp_path / "page.md"
    page.write_text("```python\nprint(1 + 1)\n```\n\n```text\n3\n```\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    [(code, printed, expected)] = run_page(page)
    assert _lines(printed) == ["2"] and _lines(expected) == ["3"]


def test_every_tutorial_is_in_the_site():
    nav = (ROOT / "mkdocs.yml").read_text("utf-8")
    titles = {"two-nodes": "The chain rule on two nodes", "wrong-gradient": "Finding a wrong gradient",
              "training-fast": "Training fast", "teaching": "Teaching with chainrule"}
    for stem, title in titles.items():
        assert f"{title}: tutorials/{stem}.md" in nav
        assert (DOCS / "tutorials" / f"{stem}.md").read_text("utf-8").startswith(f"# {title}\n")
