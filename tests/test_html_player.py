"""save_html: the self-contained player of a backward pass, checked as a file and in headless Chromium."""

import json
import math
import re
import shutil
from pathlib import Path

import pytest

from autograd import Value, save_html, to_json

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


def tanh_graph():
    """L = tanh(a*b) + a: a reused, a few labelled nodes, an unlabelled root."""
    a = Value(2.0, "a")
    b = Value(-0.25, "b")
    z = a * b
    z.label = "z"
    h = z.tanh()
    h.label = "h"
    return a, b, z, h, h + a


def embedded_data(page: str) -> dict:
    found = re.search(r'<script type="application/json" id="trace-data">(.*?)</script>', page, re.S)
    assert found, "the player embeds its data as JSON"
    return json.loads(found.group(1))


# -- the file ------------------------------------------------------------------------------------

def test_save_html_writes_one_file_and_returns_its_path(tmp_path):
    *_, L = tanh_graph()
    path = save_html(L, tmp_path / "pass.html")
    assert isinstance(path, Path) and path == tmp_path / "pass.html"
    assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_the_page_loads_nothing_from_anywhere(tmp_path):
    *_, L = tanh_graph()
    page = save_html(L, tmp_path / "pass.html").read_text(encoding="utf-8")
    assert not re.search(r"<(script|img|link|iframe)[^>]*\s(src|href)=", page)
    assert "url(" not in page and "@import" not in page
    assert "<svg" in page and "<style>" in page


def test_the_page_embeds_to_json_of_the_pass(tmp_path):
    *_, L = tanh_graph()
    data = embedded_data(save_html(L, tmp_path / "pass.html").read_text(encoding="utf-8"))
    assert data["trace"] == to_json(L)
    assert data["names"] == ["a", "b", "z", "h", "L"]
    assert [e["clauses"] for e in data["explained"]][1] == [
        "dL/dz += dL/dh * dh/dz = 1.0000 * 0.7864 = 0.7864"]


def test_labels_cannot_break_out_of_the_page(tmp_path):
    evil = Value(1.0, "</script><script>alert(1)</script><!--")
    root = evil * 2.0
    page = save_html(root, tmp_path / "evil.html").read_text(encoding="utf-8")
    assert page.count("</script>") == 2  # the data's and the code's own closing tags
    assert "<script>alert(1)" not in page
    assert embedded_data(page)["trace"]["nodes"][0]["label"] == evil.label


def test_save_html_leaves_the_grads_untouched(tmp_path):
    a, b, z, h, L = tanh_graph()
    a.grad = 7.0
    save_html(L, tmp_path / "pass.html")
    assert [n.grad for n in (a, b, z, h, L)] == [7.0, 0.0, 0.0, 0.0, 0.0]
    assert all(n._g == 0.0 for n in (a, b, z, h, L))


def test_save_html_needs_a_value(tmp_path):
    with pytest.raises(TypeError, match="Value"):
        save_html("L", tmp_path / "x.html")  # type: ignore[arg-type]


# -- in a real headless Chromium ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
        pytest.skip("no chromium installed")
    with sync_api.sync_playwright() as p:
        try:
            b = p.chromium.launch(executable_path=CHROMIUM if Path(CHROMIUM).exists()
                                  else shutil.which("chromium"), args=ARGS)
        except Exception as e:  # pragma: no cover - a broken browser install
            pytest.skip(f"chromium does not start: {e}")
        yield b
        b.close()


@pytest.fixture(scope="module")
def player_file(tmp_path_factory):
    return save_html(tanh_graph()[-1], tmp_path_factory.mktemp("player") / "pass.html")


@pytest.fixture
def player(browser, player_file):
    """The page of tanh_graph's pass, opened from file://, with its console collected."""
    path = player_file
    page = browser.new_page(viewport={"width": 1300, "height": 800})
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("request", lambda r: problems.append(f"request {r.url}") if not r.url.startswith("file:") else None)
    page.goto(path.as_uri())
    page.problems = problems
    yield page
    page.close()


def current(page):
    """The <title> of the highlighted Value node (None when there is none)."""
    return page.evaluate("() => { const g = document.querySelector('#graph g.node.current title');"
                         " return g ? g.textContent : null; }")


def grad_text(page, i):
    """The grad line of Value v{i} in the SVG, as the page shows it now."""
    return page.evaluate("""i => {
        const g = [...document.querySelectorAll('#graph g.node')]
            .find(g => g.querySelector('title').textContent === 'v' + i);
        return [...g.querySelectorAll('text')].map(t => t.textContent).find(t => t.startsWith('grad'));
    }""", i)


def test_the_player_starts_before_the_pass_with_every_grad_zero(player):
    assert player.evaluate("document.body.dataset.step") == "0"
    assert current(player) is None
    assert [grad_text(player, i) for i in range(5)] == ["grad 0.0000"] * 5
    assert "Before the pass" in player.inner_text("#status")
    assert player.problems == []


def test_next_button_highlights_the_root_and_fills_in_its_grad(player):
    player.click("#next")
    assert current(player) == "v4"
    assert grad_text(player, 4) == "grad 1.0000"
    assert player.inner_text("#status") == "step 1/5: L (+), upstream dL/dL = 1.0000"
    assert "dL/dh += dL/dL * dL/dh = 1.0000 * 1.0000 = 1.0000" in player.inner_text("#clauses")
    assert player.problems == []


def grad_state(page, i):
    """'done', 'pending' (a partial sum) or '' for the grad text of Value v{i}."""
    return page.evaluate("""i => {
        const g = [...document.querySelectorAll('#graph g.node')]
            .find(g => g.querySelector('title').textContent === 'v' + i);
        const t = [...g.querySelectorAll('text')].find(t => t.textContent.startsWith('grad'));
        return t.classList.contains('grad-filled') ? 'done'
             : t.classList.contains('grad-pending') ? 'pending' : '';
    }""", i)


def test_arrow_right_moves_to_the_next_node_and_its_grad_changes(player):
    player.click("#next")
    assert (grad_text(player, 2), grad_state(player, 2)) == ("grad 0.0000", "")
    player.keyboard.press("ArrowRight")
    assert current(player) == "v3"  # h, the tanh: it sends dL/dh * tanh'(z) to z
    dz = 1.0 - h_data() ** 2       # 1 - tanh(-0.5)^2 = 0.7864
    assert (grad_text(player, 2), grad_state(player, 2)) == (f"grad {dz:.4f}", "pending")
    player.keyboard.press("ArrowRight")
    assert current(player) == "v2"
    assert (grad_text(player, 2), grad_state(player, 2)) == (f"grad {dz:.4f}", "done")
    assert player.problems == []


def h_data():
    return tanh_graph()[3].data


def test_a_reused_value_shows_its_partial_sum_then_its_complete_grad(player):
    player.click("#next")  # L sends 1.0 to a: a partial sum
    assert grad_text(player, 0) == "grad 1.0000"
    assert player.evaluate("document.querySelector('#graph g.node text.grad-pending') !== null")
    player.keyboard.press("End")
    assert current(player) == "v0"
    a_grad = to_json(tanh_graph()[-1])["nodes"][0]["grad"]
    assert grad_text(player, 0) == f"grad {a_grad:.4f}"
    assert player.evaluate("document.body.dataset.step") == "5"
    assert player.is_disabled("#next") and not player.is_disabled("#prev")


def test_prev_and_arrow_left_go_back(player):
    player.keyboard.press("ArrowRight")
    player.keyboard.press("ArrowRight")
    player.click("#prev")
    assert current(player) == "v4"
    player.keyboard.press("ArrowLeft")
    assert current(player) is None and grad_text(player, 4) == "grad 0.0000"


def test_play_runs_the_pass_to_the_end(player):
    player.evaluate("document.body.dataset.interval = 20")  # milliseconds per step (900 by default)
    player.click("#play")
    player.wait_for_function("document.body.dataset.step === '5'", timeout=20000)
    assert current(player) == "v0"
    assert player.inner_text("#play").strip().endswith("Play")
    assert player.problems == []


def test_the_side_table_fills_in_with_the_pass(player):
    player.keyboard.press("ArrowRight")
    rows = player.eval_on_selector_all("#nodes tbody tr", "rows => rows.map(r => [...r.cells].map(c => c.textContent))")
    assert [r[0] for r in rows] == ["L", "h", "z", "b", "a"]
    assert rows[0][3] == "1.0000" and rows[1][3].startswith("1.0000")
    assert rows[3][3] == ""


# -- graphs too big to draw ------------------------------------------------------------------------

def neuron_graph():
    """L = n * n, n = tanh(w0*x + w1*y + b) labelled as nn labels a neuron call (34 nodes and
    edges drawn whole, 12 folded)."""
    x, y = Value(1.5, "x"), Value(2.0, "y")
    w0, w1, b = Value(0.5, "n.w.0"), Value(-0.3, "n.w.1"), Value(0.1, "n.b")
    n = (w0 * x + w1 * y + b).tanh()
    n.label = "n"
    return n * n


def picture_kind(page: str) -> str:
    return re.search(r'<body[^>]* data-picture="(\w+)"', page).group(1)


def test_a_graph_that_fits_is_drawn_whole_without_a_note(tmp_path):
    page = save_html(neuron_graph(), tmp_path / "pass.html").read_text(encoding="utf-8")
    assert picture_kind(page) == "full"
    assert "<svg" in page and 'class="note"' not in page


def test_a_graph_too_big_to_draw_whole_is_drawn_folded_when_that_fits(tmp_path, monkeypatch):
    from autograd import viz
    monkeypatch.setattr(viz, "MAX_SIZE", 20)  # whole: 34, folded: 12
    page = save_html(neuron_graph(), tmp_path / "pass.html").read_text(encoding="utf-8")
    assert picture_kind(page) == "folded"
    assert "<svg" in page and "Drawn folded" in page and "34 nodes and edges" in page


def test_a_graph_too_big_even_folded_gets_a_player_without_a_picture(tmp_path, monkeypatch):
    from autograd import viz
    monkeypatch.setattr(viz, "MAX_SIZE", 10)
    L = neuron_graph()
    page = save_html(L, tmp_path / "pass.html").read_text(encoding="utf-8")
    assert picture_kind(page) == "none"
    assert "<svg" not in page
    assert "No picture: this graph is too big to draw." in page
    assert "34 nodes and edges (12 with each nn neuron call folded into a box)" in page
    assert "the loss of one sample" in page and "autograd.viz.MAX_SIZE</code> = 10" in page
    assert embedded_data(page)["trace"] == to_json(L)


def test_a_graph_over_max_size_is_saved_at_its_real_size(tmp_path):
    from autograd import viz
    x = Value(0.5, "x")
    y = x
    for _ in range(viz.MAX_SIZE // 4 + 1):  # each op: a value, an op node and two edges
        y = y * 1.0001 + 0.5
    page = save_html(y, tmp_path / "chain.html").read_text(encoding="utf-8")
    assert picture_kind(page) == "none"
    assert len(embedded_data(page)["trace"]["steps"]) == len(to_json(y)["steps"])


@pytest.fixture
def pictureless(browser, tmp_path, monkeypatch):
    """The player of tanh_graph's pass with no picture (MAX_SIZE made tiny), opened."""
    from autograd import viz
    monkeypatch.setattr(viz, "MAX_SIZE", 3)
    path = save_html(tanh_graph()[-1], tmp_path / "nopicture.html")
    page = browser.new_page(viewport={"width": 1300, "height": 800})
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(path.as_uri())
    page.problems = problems
    yield page
    page.close()


def table_rows(page):
    return page.eval_on_selector_all(
        "#nodes tbody tr", "rows => rows.map(r => [r.className, ...[...r.cells].map(c => c.textContent)])")


def test_without_a_picture_the_page_says_why_and_the_table_steps_through_the_pass(pictureless):
    page = pictureless
    assert page.is_visible("#no-picture") and "too big to draw" in page.inner_text("#no-picture")
    assert page.evaluate("document.querySelector('#graph svg')") is None
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert page.inner_text("#status") == "step 2/5: h (tanh), upstream dL/dh = 1.0000"
    rows = table_rows(page)
    assert [r[1] for r in rows] == ["L", "h", "z", "b", "a"]
    assert rows[1][0] == "current done" and rows[1][4] == "1.0000"
    assert rows[2][0] == "pending" and rows[2][4] == "0.7864 \u2026"
    page.keyboard.press("End")
    a_grad = to_json(tanh_graph()[-1])["nodes"][0]["grad"]
    assert table_rows(page)[4] == ["current done", "a", "leaf", "2.0000", f"{a_grad:.4f}"]
    page.click("#first")
    assert all(r[0] == "" and r[4] == "" for r in table_rows(page))
    assert page.problems == []


def test_a_click_on_a_row_jumps_to_that_nodes_step(player):
    player.click("#nodes tbody tr:nth-child(3)")  # z
    assert player.evaluate("document.body.dataset.step") == "3" and current(player) == "v2"


def test_a_long_pass_keeps_only_the_rows_in_view_and_steps_to_the_end(browser, tmp_path):
    x = Value(0.5, "x")
    y = x
    for _ in range(1500):
        y = y * 1.0001 + 0.5
    path = save_html(y, tmp_path / "long.html")
    page = browser.new_page(viewport={"width": 1300, "height": 800})
    page.goto(path.as_uri())
    n = 3001
    assert page.evaluate("document.querySelectorAll('#nodes tbody tr[data-node]').length") < 300
    page.keyboard.press("End")
    assert page.evaluate("document.body.dataset.step") == str(n)
    last = page.eval_on_selector("#nodes tbody tr.current", "r => r.cells[0].textContent")
    assert last == "x" and page.inner_text("#status").startswith(f"step {n}/{n}: x (leaf)")
    page.close()


# -- one number format: the page's JavaScript fmt and Python's format_number ----------------------

def js_fmt_source() -> str:
    """The source of the player's JavaScript fmt(x), cut out of the page's script."""
    from autograd.debug.html import _JS
    start = _JS.index("  function fmt(x) {")
    return _JS[start:_JS.index("\n  }\n", start) + 4]


FORMAT_CASES = [0.0, -0.0, 1.0, -3.0, 0.0877, 0.01, -0.00999, 0.005, 0.0001234, -0.000123456,
                9.9996e-5, 1e-5, 1.234e-7, -2.5e-12, 999999.0, 1e6, -2.5e7, 1.23456e7, 6.02e23,
                5e-324, 1.7976931348623157e308, math.nan, math.inf, -math.inf]


def test_the_players_fmt_writes_numbers_as_format_number_does(browser):
    from autograd._util import format_number
    page = browser.new_page()
    js = page.evaluate(
        "([src, xs]) => { const fmt = new Function(src + '\\nreturn fmt;')();"
        " return xs.map((x) => fmt(typeof x === 'string' ? Number(x) : x)); }",
        [js_fmt_source(), [x if math.isfinite(x) and x != 0.0 else repr(x).replace("inf", "Infinity")
                           .replace("nan", "NaN") for x in FORMAT_CASES]])
    page.close()
    assert js == [format_number(x) for x in FORMAT_CASES]


def test_a_tiny_grad_the_page_fills_in_reads_as_in_the_picture(browser, tmp_path):
    x = Value(3.0, "x")
    path = save_html(x * 1.234e-5, tmp_path / "tiny.html")  # dL/dx = 1.234e-05
    page = browser.new_page()
    page.goto(path.as_uri())
    page.keyboard.press("End")
    assert grad_text(page, 0) == "grad 1.234e-05"
    page.close()
