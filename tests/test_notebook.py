"""examples/walkthrough.ipynb as a learner meets it: run in a real Python kernel (nbclient and
ipykernel), then exported to HTML (nbconvert) and opened in headless Chromium (Playwright driving
Debian's chromium), where its inline player must step through the pass.

Everything is written under tmp_path.  The kernel is this interpreter (sys.executable) importing
the same autograd and nn as these tests, through a kernelspec written for the run.  In CI
(CHAINRULE_CI=1) a missing kernel, nbclient, nbconvert or Chromium fails these tests instead of
skipping them (tests/conftest.py); the [test] extra brings the Python side, .ci/run the browser.
"""

import html
import json
import os
import re
import sys
import time
from pathlib import Path

import pytest

import autograd

NOTEBOOK = Path(__file__).resolve().parent.parent / "examples" / "walkthrough.ipynb"
SOURCE = Path(autograd.__file__).resolve().parent.parent  # where these tests import autograd from
KERNEL_SECONDS = 60  # the longest any one cell may take (dot and a cold matplotlib included)


def code_cells(nb):
    return [cell for cell in nb.cells if cell.cell_type == "code"]


def cell(nb, cell_id):
    """The cell of that id: the notebook's cells have ids that say what they do."""
    found = [c for c in nb.cells if c.get("id") == cell_id]
    assert len(found) == 1, f"the notebook has one cell with id {cell_id!r}"
    return found[0]


def outputs_of(nb, cell_id, mime):
    """What the cell displayed (or returned) as that MIME type."""
    return [out["data"][mime] for out in cell(nb, cell_id).outputs
            if out.output_type in ("display_data", "execute_result") and mime in out.get("data", {})]


def stdout_of(nb, cell_id):
    return "".join(out.text for out in cell(nb, cell_id).outputs
                   if out.output_type == "stream" and out.name == "stdout")


@pytest.fixture(scope="module")
def nbformat():
    return pytest.importorskip("nbformat")


# -- the committed file ------------------------------------------------------------------------------

def test_the_notebook_is_valid_and_committed_without_outputs(nbformat):
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    assert code_cells(nb), "the walkthrough has code"
    for c in code_cells(nb):
        assert c.outputs == [] and c.execution_count is None, f"cell {c.id} was committed run"
    assert "widgets" not in nb.metadata  # no saved widget state either


def test_the_notebook_shows_each_part_of_the_walkthrough(nbformat):
    nb = nbformat.read(NOTEBOOK, as_version=4)
    sources = {c.id: c.source for c in code_cells(nb)}
    assert "TwoNodeNetwork(" in sources["forward"] and "C.backward()" in sources["forward"]
    assert "net.w1.grad" in sources["by-hand"]
    assert sources["draw"].strip().startswith("autograd.draw(C")
    assert "autograd.explain(C, net.w1)" in sources["explain"]
    assert sources["play"].strip() == "autograd.play(C)"
    assert "SGD(" in sources["train"] and "plt." in sources["plot"]


# -- run in a real kernel ------------------------------------------------------------------------------

def kernel_manager(home: Path):
    """A manager for an ipykernel of this very interpreter, importing autograd from SOURCE, with
    its IPython directory and connection file under home (nothing written outside tmp_path)."""
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager

    spec = home / "kernels" / "python3"
    spec.mkdir(parents=True)
    path = os.pathsep.join(p for p in (str(SOURCE), os.environ.get("PYTHONPATH", "")) if p)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "chainrule tests", "language": "python",
        "env": {"PYTHONPATH": path, "IPYTHONDIR": str(home / "ipython")},
    }), encoding="utf-8")
    specs = KernelSpecManager(kernel_dirs=[str(home / "kernels")], ensure_native_kernel=False)
    return KernelManager(kernel_name="python3", kernel_spec_manager=specs,
                         connection_file=str(home / "connection.json"))


@pytest.fixture(scope="module")
def executed(nbformat, tmp_path_factory):
    """The notebook after running every cell in a fresh kernel, in an empty working directory."""
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    pytest.importorskip("matplotlib")
    home = tmp_path_factory.mktemp("kernel")
    work = tmp_path_factory.mktemp("work")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(nb, km=kernel_manager(home), timeout=KERNEL_SECONDS,
                                     allow_errors=True, resources={"metadata": {"path": str(work)}})
    start = time.perf_counter()
    client.execute()
    nb.metadata["seconds"] = time.perf_counter() - start
    assert list(work.iterdir()) == [], "the notebook writes no files"
    return nb


def test_every_cell_runs_without_error_in_a_python_kernel(executed):
    errors = [(c.id, out.ename, out.evalue) for c in code_cells(executed) for out in c.outputs
              if out.output_type == "error"]
    assert errors == []
    assert [c.execution_count for c in code_cells(executed)] == list(range(1, len(code_cells(executed)) + 1))
    stderr = [(c.id, out.text) for c in code_cells(executed) for out in c.outputs
              if out.output_type == "stream" and out.name == "stderr"]
    assert stderr == [], "no warnings either"


def test_the_kernel_imports_the_autograd_under_test(executed):
    assert cell(executed, "imports").outputs == []  # no error, nothing printed
    # the hand computation ran against this checkout's engine: it prints one line per gradient
    assert stdout_of(executed, "by-hand").count("agrees") == 7
    assert "DISAGREES" not in stdout_of(executed, "by-hand")


def test_the_forward_pass_prints_the_courses_numbers(executed):
    out = stdout_of(executed, "forward")
    assert "z1 =  1.300000" in out and "y_hat =  0.344568" in out and "C =  0.020900" in out


def test_the_graph_shows_inline_as_svg(executed):
    [svg] = outputs_of(executed, "draw", "image/svg+xml")
    assert "<svg" in svg and "</svg>" in svg
    assert ">w1<" in svg and ">grad &#45;0.0198<" in svg  # w1 and its gradient, from this kernel
    assert ">C<" in svg  # the cost, unlabelled, named after the notebook's variable


def test_explain_prints_dC_dw1_with_deltas_and_its_total(executed):
    out = stdout_of(executed, "explain")
    assert out.startswith("dC/dw1 = -0.0198")
    assert "delta1 = dC/dz1 = delta2 * w2 * sigmoid'(z1)" in out
    assert "dC/dw1 = delta1 * x = -0.0132 * 1.5000 = -0.0198" in out


def test_the_player_shows_inline_as_a_sandboxed_iframe(executed):
    [shown] = outputs_of(executed, "play", "text/html")
    iframe = re.fullmatch(r'\s*<iframe ([^>]*)></iframe>\s*', shown)
    assert iframe, "the player's HTML output is one iframe"
    sandbox = re.search(r'\ssandbox="([^"]*)"', " " + iframe.group(1))
    assert sandbox and sandbox.group(1).split() == ["allow-scripts"]  # scripts, but not the notebook's origin
    assert "srcdoc=" in iframe.group(1) and "Backward pass of C" in shown


def test_the_training_run_plots_a_falling_cost(executed):
    out = stdout_of(executed, "train")
    found = re.search(r"cost (\S+) at the start, (\S+) after 200 steps", out)
    first, last = (float(v) for v in found.groups())
    assert last < first / 100
    [png] = outputs_of(executed, "plot", "image/png")
    assert len(png) > 1000


def test_the_whole_notebook_runs_in_well_under_a_minute(executed):
    assert executed.metadata["seconds"] < 45


# -- exported to HTML, in headless Chromium -------------------------------------------------------------

@pytest.fixture(scope="module")
def exported(executed, tmp_path_factory):
    """The executed notebook as `jupyter nbconvert --to html` writes it; and the URLs of the
    page's own scripts (require.js, MathJax from a CDN), which the test serves empty, offline."""
    nbconvert = pytest.importorskip("nbconvert")
    exporter = nbconvert.HTMLExporter()
    body, _ = exporter.from_notebook_node(executed)
    path = tmp_path_factory.mktemp("html") / "walkthrough.html"
    path.write_text(body, encoding="utf-8")
    # the page's own <script src=...>; the player's page is escaped inside its iframe's srcdoc
    own_scripts = {html.unescape(url) for url in re.findall(r'<script[^>]*\ssrc="(https?://[^"]+)"', body)}
    return path, own_scripts


@pytest.fixture
def page(browser, exported):
    """The exported page, opened from file://, its console (every frame's) collected; the
    network is off: a request to anywhere gets an empty answer and is recorded."""
    path, own_scripts = exported
    page = browser.new_page(viewport={"width": 1300, "height": 900})
    page.problems = []
    page.fetched = []
    page.on("console", lambda m: page.problems.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: page.problems.append(str(e)))

    def offline(route):
        page.fetched.append((route.request.url, route.request.frame == page.main_frame))
        route.fulfill(status=200, content_type="text/javascript", body="")

    page.route(re.compile(r"^(https?|wss?)://"), offline)
    page.set_default_timeout(10_000)
    page.goto(path.as_uri())
    page.own_scripts = own_scripts
    yield page
    page.close()


def grad_shown(frame, name):
    """The grad the player shows for the node named name (its row in the side table)."""
    row = frame.locator("#nodes tbody tr").filter(has=frame.locator("td:first-child", has_text=re.compile(
        f"^{re.escape(name)}$")))
    return row.locator("td").nth(3).inner_text()


def images_shown(page, mime):
    """The pixel widths of the output images of that MIME type, as the browser decoded them."""
    return page.eval_on_selector_all(f".jp-OutputArea-output img[src^='data:{mime}']",
                                     "imgs => imgs.map(i => i.complete ? i.naturalWidth : 0)")


def test_the_exported_page_shows_the_graph_the_plot_and_the_player(page):
    [graph] = images_shown(page, "image/svg+xml")  # draw(): nbconvert inlines the SVG as an <img>
    [plot] = images_shown(page, "image/png")
    assert graph > 300 and plot > 300
    assert page.locator("iframe[sandbox='allow-scripts']").count() == 1  # play()
    assert page.problems == []


def inline_player(page):
    """The player that play(C) showed, inside its iframe on the exported page."""
    assert page.locator("iframe[sandbox='allow-scripts']").count() == 1, "the page shows play(C)"
    return page.frame_locator("iframe[sandbox='allow-scripts']")


def test_the_inline_player_steps_forward_with_its_next_button(page):
    player = inline_player(page)
    body = player.locator("body")
    assert body.get_attribute("data-step") == "0"
    before = grad_shown(player, "C"), grad_shown(player, "y_hat")

    player.locator("#next").click()
    assert body.get_attribute("data-step") == "1"
    assert player.locator("#status").inner_text().startswith("step 1/13: C ")
    assert grad_shown(player, "C") == "1.0000" != before[0]

    player.locator("#next").click()
    player.locator("#next").click()
    assert body.get_attribute("data-step") == "3"
    assert grad_shown(player, "y_hat") == "0.2891" != before[1]  # dC/dy_hat = 2*(y_hat - y)
    assert page.problems == []


def test_the_player_loads_nothing_and_the_page_only_its_own_scripts(page):
    player = inline_player(page)
    player.locator("#next").click()
    assert player.locator("body").get_attribute("data-step") == "1"
    assert [url for url, from_page in page.fetched if not from_page] == []
    assert {url for url, _ in page.fetched} <= page.own_scripts


@pytest.mark.parametrize("size", [(1024, 768), (1400, 900), (1920, 1080)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_inline_player_opens_readable_at_each_window_size(page, size, tmp_path):
    """Its text at least 8 px high (its em on screen) and more than the root in view, as the
    exported page shows it, at each window size and after the window changes to it."""
    from test_html_player import SEEN_JS

    inline_player(page)
    frame = page.locator("iframe[sandbox='allow-scripts']").element_handle().content_frame()
    frame.wait_for_function("document.body.dataset.step === '0'")
    page.set_viewport_size({"width": size[0], "height": size[1]})
    page.locator("iframe[sandbox='allow-scripts']").scroll_into_view_if_needed()
    page.wait_for_timeout(150)  # the player's ResizeObserver runs before the next frame
    page.screenshot(path=str(tmp_path / f"exported-{size[0]}.png"))
    seen = frame.evaluate(SEEN_JS)
    assert seen["textHeight"] >= 8 and seen["values"] >= (3 if size[0] == 1024 else 4), seen
    assert page.problems == []
