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
import linecache
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
# every page whose Python runs: the tutorials and any other page with a ```python block
PAGES = sorted(p for p in DOCS.rglob("*.md")
               if re.search(r"(?m)^```python", p.read_text("utf-8")))
PAGE_IDS = [str(p.relative_to(DOCS).with_suffix("")) for p in PAGES]
FENCE = re.compile(r"^```(\w+)([^\n]*)\n(.*?)^```[ \t]*$", re.S | re.M)
TITLE = re.compile(r'title="([^"]+)"')
BUILD_SECONDS = 600  # a timeout for a hung build, not a benchmark


# -- the snippet runner ------------------------------------------------------------------------

def blocks(page: Path, language: str = "python") -> list[tuple[str, str, str | None]]:
    """(title, code, expected output or None) for each block of that language on a page, in
    order: the expected output is the ```text block that follows it directly.  The title is the
    block's title="..." (a file name the page gives it), else "<page> block N"."""
    text = page.read_text("utf-8")
    found = [(m.group(1), m.group(2), m.group(3), m.start(), m.end()) for m in FENCE.finditer(text)]
    runs = []
    for i, (lang, info, code, _start, end) in enumerate(found):
        if lang != language:
            continue
        expected = None
        if i + 1 < len(found) and found[i + 1][0] == "text" and not text[end:found[i + 1][3]].strip():
            expected = found[i + 1][2]
        title = TITLE.search(info)
        runs.append((title.group(1) if title else f"{page.name} block {len(runs)}", code, expected))
    return runs


def run_page(page: Path) -> list[tuple[str, str, str | None]]:
    """Run the page's python blocks in order in one namespace; (code, printed, expected) each.
    Each block's source is registered with linecache under its title, as IPython does, so that
    an error message that quotes the line that made a Value shows it."""
    namespace: dict = {"__name__": f"__docs_{page.stem.replace('-', '_')}__"}
    results = []
    for title, code, expected in blocks(page):
        linecache.cache[title] = (len(code), None, code.splitlines(True), title)
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            try:
                exec(compile(code, title, "exec"), namespace)
            except Exception as e:  # pragma: no cover - the failure message is the point
                pytest.fail(f"{page.name}: {title} raised {type(e).__name__}: {e}\n{code}")
        results.append((code, out.getvalue(), expected))
    return results


def stepper_sessions(page: Path) -> list[tuple[str, str]]:
    """(command, transcript) for each ```bash block `python -m autograd.debug ...` followed by
    the ```text of its session: the prompt lines `(autograd) CMD` are what was typed."""
    return [(code.strip(), expected) for _title, code, expected in blocks(page, "bash")
            if code.strip().startswith("python -m autograd.debug ") and expected is not None]


def replay_session(command: str, transcript: str, out_dir: Path) -> str:
    """Run the stepper with the transcript's typed commands as its input; its output with each
    command put back after its prompt, as the terminal showed it."""
    typed = [line[len("(autograd) "):] for line in transcript.splitlines() if line.startswith("(autograd) ")]
    argv = command.split()[1:] + ["--out", str(out_dir)]  # the example's files go to tmp_path
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    run = subprocess.run([sys.executable, *argv], input="".join(t + "\n" for t in typed), cwd=ROOT,
                         capture_output=True, text=True, env=env, timeout=120)
    pieces = run.stdout.split("(autograd) ")
    shown = pieces[0]
    for command_typed, piece in zip(typed, pieces[1:]):
        shown += f"(autograd) {command_typed}\n{piece}"
    return shown


def _lines(text: str) -> list[str]:
    return [line.rstrip() for line in text.strip("\n").splitlines()]


def test_every_tutorial_has_code_that_runs():
    assert set(TUTORIALS) <= set(PAGES) and len(TUTORIALS) >= 4


@pytest.mark.parametrize("page", PAGES, ids=PAGE_IDS)
def test_a_pages_code_runs_and_prints_what_the_page_shows(page, tmp_path, monkeypatch, own_ops):
    monkeypatch.chdir(tmp_path)  # the blocks write their pictures and players here
    results = run_page(page)
    assert results, f"{page.name} has python blocks"
    for code, printed, expected in results:
        if expected is not None:
            assert _lines(printed) == _lines(expected), f"{page.name}: the block\n{code}\nprinted\n{printed}"


@pytest.mark.parametrize("page", PAGES, ids=PAGE_IDS)
def test_a_pages_stepper_session_is_what_the_stepper_prints(page, tmp_path):
    for command, transcript in stepper_sessions(page):
        assert _lines(replay_session(command, transcript, tmp_path)) == _lines(transcript)


def test_the_runner_catches_a_page_whose_output_is_wrong(tmp_path, monkeypatch):
    page = tmp_path / "page.md"
    page.write_text("```python\nprint(1 + 1)\n```\n\n```text\n3\n```\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    [(code, printed, expected)] = run_page(page)
    assert _lines(printed) == ["2"] and _lines(expected) == ["3"]


def test_every_tutorial_is_in_the_site():
    nav = (ROOT / "mkdocs.yml").read_text("utf-8")
    titles = {"two-nodes": "The chain rule on two nodes", "wrong-gradient": "Finding a wrong gradient",
              "training-fast": "Training fast", "teaching": "Teaching with chainrule",
              "own-ops": "Your own ops"}
    for stem, title in titles.items():
        assert f"{title}: tutorials/{stem}.md" in nav
        assert (DOCS / "tutorials" / f"{stem}.md").read_text("utf-8").startswith(f"# {title}\n")


# -- the site, built strict ----------------------------------------------------------------------

def build(out: Path, config: Path = ROOT / "mkdocs.yml", **env: str) -> subprocess.CompletedProcess:
    """`mkdocs build --strict` of that config into out, importing autograd from this checkout."""
    environ = {**os.environ, "NO_MKDOCS_2_WARNING": "1", **env,
               "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)}
    return subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file", str(config),
                           "--site-dir", str(out)], cwd=config.parent, capture_output=True, text=True,
                          env=environ, timeout=BUILD_SECONDS)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The site as `mkdocs build --strict` writes it (the walkthrough notebook run included)."""
    pytest.importorskip("mkdocs", reason="mkdocs is not installed (pip install '.[docs]')")
    out = tmp_path_factory.mktemp("site")
    run = build(out)
    assert run.returncode == 0, f"mkdocs build --strict failed:\n{run.stderr}"
    assert "WARNING" not in run.stderr, run.stderr
    return out


def test_the_site_has_a_page_for_each_part(site):
    for page in ["index.html", "walkthrough.html", "api/autograd.html", "api/nn.html",
                 *(f"tutorials/{p.stem}.html" for p in TUTORIALS)]:
        assert (site / page).is_file(), page


def test_pages_load_nothing_from_the_network(site):
    """No page asks for anything by http(s): no font, script, style sheet or image from a CDN."""
    for page in site.rglob("*.html"):
        text = page.read_text("utf-8")
        loads = re.findall(r'<(?:script|link|img|iframe)\b[^>]*\s(?:src|href)="(https?:)?//[^"]*"', text)
        assert loads == [], f"{page.relative_to(site)} loads {loads}"
        assert "fonts.googleapis" not in text and "mathjax" not in text.lower(), page


def test_math_is_rendered_to_mathml_when_the_site_is_built(site):
    page = (site / "tutorials" / "two-nodes.html").read_text("utf-8")
    assert page.count("<math") >= 4 and 'display="block"' in page
    assert "\\frac" not in page and 'class="arithmatex"' not in page  # no TeX left for a script


def test_the_walkthrough_page_shows_the_notebook_run_with_its_outputs(site):
    page = (site / "walkthrough.html").read_text("utf-8")
    assert len(re.findall(r"\d   agrees$", page, re.M)) == 7                # the by-hand cell's output
    assert "C =  0.020900" in page                                            # the forward pass
    assert "<svg" in page and ">w1<" in page and ">grad &#45;0.0198<" in page   # the graph, inline
    assert re.search(r'<iframe sandbox="allow-scripts"[^>]*srcdoc=', page)    # the player
    assert re.search(r'<img alt="output" src="data:image/png;base64,[A-Za-z0-9+/]{1000}', page)  # the plot
    assert "delta1 = dC/dz1 = delta2 * w2 * sigmoid&#39;(z1)" in page or \
        "delta1 = dC/dz1 = delta2 * w2 * sigmoid'(z1)" in page               # explain's output


def api_anchors(site: Path, page: str) -> set[str]:
    return set(re.findall(r'\sid="((?:autograd|nn)(?:\.\w+)*)"', (site / "api" / page).read_text("utf-8")))


@pytest.mark.parametrize("module", [autograd, nn], ids=["autograd", "nn"])
def test_the_api_reference_documents_every_public_name(site, module):
    anchors = api_anchors(site, f"{module.__name__}.html")
    missing = [name for name in module.__all__ if not any(a.split(".")[-1] == name for a in anchors)]
    assert missing == [], f"docs/api/{module.__name__}.md lacks {missing}"


def test_the_api_reference_shows_signatures_with_types_and_the_operators(site):
    page = (site / "api" / "autograd.html").read_text("utf-8")
    anchors = api_anchors(site, "autograd.html")
    # Value's operators and activations, made by primitive(), with their docstrings
    for name in ["__add__", "__rmul__", "__pow__", "__neg__", "exp", "tanh", "sigmoid", "relu"]:
        assert f"autograd.Value.{name}" in anchors, name
    assert "d/dself = other, d/dother = self" in page
    # the attributes, documented in Value.__slots__
    for name in ["data", "grad", "label", "op", "parents", "local"]:
        assert f"autograd.Value.{name}" in anchors, name
    text = re.sub(r"<[^>]+>", "", page)
    assert "create_graph: bool = False" in text       # grad()'s signature, with its types
    assert re.search(r"path:\s*str\s*\|\s*PathLike\[str\]", text) or "os.PathLike" in text


@pytest.mark.parametrize("module", ["autograd", "nn"])
def test_no_docstring_turns_formulas_into_bold_or_italics(site, module):
    """Docstrings are Markdown: `a**b ... c**d` or `*args ... *x` outside backticks would render
    as emphasis, so formulas are written as code.  (mkdocstrings' own "required" is the only
    emphasis it writes.)"""
    page = (site / "api" / f"{module}.html").read_text("utf-8")
    emphasis = [m for m in re.findall(r"<(?:em|strong)>(.*?)</(?:em|strong)>", page) if m != "required"]
    assert emphasis == []


def test_help_points_at_pages_that_exist():
    for module in (autograd, nn):
        pages = re.findall(r"docs/[\w/.-]+\.md", module.__doc__ or "")
        assert pages, f"help({module.__name__}) names the site's pages"
        for page in pages:
            assert (ROOT / page).is_file(), f"help({module.__name__}) points at {page}, which does not exist"


def quick_copy(tmp_path: Path, *, api: bool = True) -> Path:
    """A copy of mkdocs.yml and docs/ to break on purpose; the notebook is not run, and with
    api=False the reference pages are left without their `:::` blocks (quick)."""
    shutil.copytree(DOCS, tmp_path / "docs")
    if not api:
        for page in (tmp_path / "docs" / "api").glob("*.md"):
            page.write_text(re.sub(r"(?m)^::: .*\n(    .*\n)*", "", page.read_text("utf-8")), "utf-8")
    shutil.copy(ROOT / "mkdocs.yml", tmp_path / "mkdocs.yml")
    (tmp_path / "examples").mkdir()
    shutil.copy(ROOT / "examples" / "walkthrough.ipynb", tmp_path / "examples")
    config = tmp_path / "mkdocs.yml"
    config.write_text(config.read_text("utf-8").replace("paths: [.]", f"paths: [{ROOT}]"), "utf-8")
    return config


def damage(tmp_path: Path, kind: str) -> None:
    """Break the copy of the site at tmp_path in one way."""
    if kind == "a broken link":
        page = tmp_path / "docs" / "index.md"
        link = "\nSee [the tape](tutorials/training-fast.md#no-such-part).\n"
        page.write_text(page.read_text("utf-8") + link, "utf-8")
    elif kind == "a missing page":
        (tmp_path / "docs" / "tutorials" / "teaching.md").unlink()
    elif kind == "an undocumented name":
        page = tmp_path / "docs" / "api" / "nn.md"
        page.write_text(page.read_text("utf-8") + "\n::: nn.NoSuchThing\n", "utf-8")


# damage done together -> what the build must say about each.  Warnings are all reported at the
# end of a build; a name mkdocstrings cannot find stops it at once, so it gets a build of its own.
BROKEN = {
    ("a broken link", "a missing page"): [
        "does not contain an anchor '#no-such-part'",
        "'tutorials/teaching.md' is included in the 'nav' configuration, which is not found"],
    ("an undocumented name",): ["nn.NoSuchThing could not be found"],
}


@pytest.mark.parametrize("kinds", list(BROKEN), ids=[" and ".join(k) for k in BROKEN])
def test_a_broken_site_fails_the_build_saying_what_is_broken(tmp_path, kinds):
    pytest.importorskip("mkdocs", reason="mkdocs is not installed (pip install '.[docs]')")
    config = quick_copy(tmp_path, api="an undocumented name" in kinds)
    for kind in kinds:
        damage(tmp_path, kind)
    run = build(tmp_path / "site", config, CHAINRULE_DOCS_NOTEBOOK="skip")
    assert run.returncode != 0, f"the build passed with {kinds}"
    for message in BROKEN[kinds]:
        assert message in run.stderr, run.stderr


# -- in headless Chromium, offline ------------------------------------------------------------------

@pytest.fixture
def page_offline(browser):
    """A page whose console errors and uncaught exceptions are collected, and whose requests
    for anything but file: and data: URLs are refused and recorded."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.problems, page.outside = [], []
    page.on("console", lambda m: page.problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: page.problems.append(str(e)))

    def route(r):
        if r.request.url.startswith(("file:", "data:", "about:", "blob:")):
            r.continue_()
        else:
            page.outside.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    yield page
    context.close()


@pytest.mark.parametrize("path", ["index.html", "tutorials/two-nodes.html", "api/autograd.html",
                                  "walkthrough.html"])
def test_a_page_opens_from_file_with_no_error_and_no_request_leaving_the_machine(site, page_offline, path):
    page = page_offline
    page.goto((site / path).as_uri())
    page.wait_for_load_state("load")
    page.wait_for_timeout(500)  # the theme's scripts run after load
    assert page.locator("h1").first.is_visible()
    assert page.locator(".md-nav__link").count() > 5   # the theme's navigation rendered
    if path == "walkthrough.html":  # the notebook's player runs inside its sandboxed iframe
        player = page.frame_locator("iframe[sandbox]")
        assert player.locator("svg").first.is_visible() and player.locator("button").count() >= 3
    assert page.problems == [] and page.outside == []


def test_search_works_from_file(site, page_offline):
    page = page_offline
    page.goto((site / "index.html").as_uri())
    page.locator("input.md-search__input").click()
    page.keyboard.type("gradcheck")
    page.locator(".md-search-result__item").first.wait_for(timeout=15_000)
    assert page.locator(".md-search-result__item").count() >= 1
    assert page.problems == [] and page.outside == []
