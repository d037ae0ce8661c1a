"""play / save_html: the self-contained player of a backward pass, checked as a file, as an
installed wheel's package data, and in headless Chromium (Playwright)."""

import html
import json
import re
import shutil
import subprocess
import sys
import types
import zipfile
from pathlib import Path

import pytest
from conftest import tanh_graph

from autograd import Value, save_html, to_json
from autograd.debug import Player, play
from autograd.engine import topological_order


def embedded_data(page: str) -> dict:
    found = re.search(r'<script type="application/json" id="trace-data">(.*?)</script>', page, re.DOTALL)
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


def without_names(document):
    return {**document, "nodes": [{k: v for k, v in node.items() if k != "name"}
                                  for node in document["nodes"]]}


def test_the_page_embeds_to_json_of_the_pass_with_each_nodes_name(tmp_path):
    *_, L = tanh_graph()
    data = embedded_data(save_html(L, tmp_path / "pass.html").read_text(encoding="utf-8"))
    assert without_names(data["trace"]) == without_names(to_json(L))
    assert [node["name"] for node in data["trace"]["nodes"]] == ["a", "b", "z", "h", "L"]
    assert data["steps"][1]["clauses"] == ["dL/dz += dL/dh * dh/dz = 1.0000 * 0.7864 = 0.7864"]


def test_the_page_carries_every_number_already_formatted_by_python():
    from conftest import small_graph

    from autograd._util import format_number
    a, b, z, L = small_graph()  # L = a*b + a, a = 2, b = -3
    data = embedded_data(play(L).html)
    assert data["data"] == [format_number(n.data) for n in (a, b, z, L)]
    assert data["grad"] == [format_number(g) for g in (-2.0, 2.0, 1.0, 1.0)]
    assert data["steps"][1]["upstream"] == format_number(1.0)
    # the step of z sends -3 to a (whose sum so far is 1 + -3) and 2 to b
    assert data["steps"][1]["totals"] == [format_number(-2.0), format_number(2.0)]
    tiny = embedded_data(play(Value(3.0, "x") * 1.234e-5).html)
    assert tiny["grad"][0] == "1.234e-05" == format_number(1.234e-5)


def test_the_players_script_formats_no_number_itself():
    from autograd.debug.player import _asset
    js = _asset("player.js")
    assert not re.search(r"toFixed|toExponential|toPrecision|toLocaleString", js)


def names_graph():
    """The two-node network's cost, built in a function whose variables name its nodes."""
    from nn import TwoNodeNetwork
    net = TwoNodeNetwork(w1=0.5, w2=-1.2, b1=0.1, b2=0.3)
    x = Value(1.5, "x")
    y_hat = net(x)
    C = (y_hat - 0.2) ** 2
    p = play(C)
    return p, C, y_hat


def test_nodes_are_named_after_the_callers_variables_as_in_every_view():
    from autograd.names import caller_scope, node_names
    p, C, y_hat = names_graph()
    data = embedded_data(p.html)
    names = [node["name"] for node in data["trace"]["nodes"]]
    assert names[-1] == "C" and "y_hat" in names and "a1" in names
    assert p.names[C] == "C" and p.names[y_hat] == "y_hat"
    assert data["steps"][0]["status"].startswith("step 1/13: C (**), upstream dC/dC")
    assert "<title>Backward pass of C</title>" in p.html
    assert not y_hat.label.startswith("y_hat#")  # a label, set by nn; names never change labels
    assert node_names(C, scope={"C": C, "y_hat": y_hat})[y_hat] == p.names[y_hat]
    assert caller_scope  # the player captured the scope at play()'s entry


def test_labels_cannot_break_out_of_the_page(tmp_path):
    evil = Value(1.0, "</script><script>alert(1)</script><!--")
    root = evil * 2.0
    page = save_html(root, tmp_path / "evil.html").read_text(encoding="utf-8")
    assert page.count("</script>") == 2  # the data's and the code's own closing tags
    assert "<script>alert(1)" not in page
    assert embedded_data(page)["trace"]["nodes"][0]["label"] == evil.label
    assert "<script>alert(1)" not in play(root)._repr_html_()


def test_save_html_leaves_the_grads_as_they_were(tmp_path):
    a, b, z, h, L = tanh_graph()
    a.grad = 7.0
    save_html(L, tmp_path / "pass.html")
    assert [n.grad for n in (a, b, z, h, L)] == [7.0, 0.0, 0.0, 0.0, 0.0]


def test_making_a_player_never_writes_any_grad(monkeypatch):
    """Another thread reading .grad meanwhile must never see a pass's numbers."""
    slot = Value.__dict__["grad"]
    writes = []

    def write(node, value):
        writes.append(node)
        slot.__set__(node, value)

    *_, L = tanh_graph()
    monkeypatch.setattr(Value, "grad", property(lambda node: slot.__get__(node, Value), write))
    play(L)
    assert writes == []


def test_play_returns_a_player_and_save_html_is_play_then_save(tmp_path):
    *_, L = tanh_graph()
    p = play(L)
    assert isinstance(p, Player)
    saved = p.save(tmp_path / "p.html")
    assert saved == tmp_path / "p.html" and isinstance(saved, Path)
    assert saved.read_text(encoding="utf-8") == p.html
    assert save_html(L, tmp_path / "s.html").read_text(encoding="utf-8") == p.html


def test_the_player_shows_itself_in_jupyter_as_a_sandboxed_iframe_of_the_whole_page():
    *_, L = tanh_graph()
    p = play(L)
    shown = p._repr_html_()
    found = re.fullmatch(r'<iframe sandbox="allow-scripts" [^>]*srcdoc="([^"]*)"></iframe>', shown)
    assert found, shown[:200]
    assert html.unescape(found.group(1)) == p.html
    assert "allow-same-origin" not in shown


def test_play_needs_a_value():
    with pytest.raises(TypeError, match="Value"):
        play(2.0)  # type: ignore[arg-type]


def test_save_html_needs_a_value(tmp_path):
    with pytest.raises(TypeError, match="Value"):
        save_html("L", tmp_path / "x.html")  # type: ignore[arg-type]


# -- in a real headless Chromium ---------------------------------------------------------------------

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
    page.on("request", lambda r: None if r.url.startswith("file:") else problems.append(f"request {r.url}"))
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
    rows = player.eval_on_selector_all("#nodes tbody tr",
                                       "rows => rows.map(r => [...r.cells].map(c => c.textContent))")
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
    assert without_names(embedded_data(page)["trace"]) == without_names(to_json(L))


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


def test_a_tiny_grad_the_page_fills_in_reads_as_in_the_picture(browser, tmp_path):
    x = Value(3.0, "x")
    path = save_html(x * 1.234e-5, tmp_path / "tiny.html")  # dL/dx = 1.234e-05
    page = browser.new_page()
    page.goto(path.as_uri())
    page.keyboard.press("End")
    assert grad_text(page, 0) == "grad 1.234e-05"
    page.close()


# -- the picture fits its panel: zoom, pan, fit, and the current node always in view -------------

def chain_graph(n=14):
    """A long chain: drawn left to right it is far wider than any panel."""
    x = Value(0.5, "x")
    y = x
    for _ in range(n):
        y = (y * 1.5 + 0.25).tanh()
    return y


@pytest.fixture(scope="module")
def chain_file(tmp_path_factory):
    return save_html(chain_graph(), tmp_path_factory.mktemp("chain") / "chain.html")


def open_page(browser, path, width=1300, height=800):
    page = browser.new_page(viewport={"width": width, "height": height})
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(path.as_uri())
    page.problems = problems
    return page


def rect(page, selector_js):
    """The bounding box {left, top, right, bottom} of the element that selector_js evaluates to."""
    return page.evaluate(f"() => {{ const r = ({selector_js}).getBoundingClientRect();"
                         " return {left: r.left, top: r.top, right: r.right, bottom: r.bottom}; }")


NODE_JS = ("[...document.querySelectorAll('#canvas g.node')]"
           ".find(g => g.querySelector('title').textContent === '{}')")
CANVAS_JS = "document.getElementById('canvas')"
CURRENT_JS = "document.querySelector('#canvas g.node.current')"


def inside(inner, outer, slack=1.0):
    return (inner["left"] >= outer["left"] - slack and inner["right"] <= outer["right"] + slack
            and inner["top"] >= outer["top"] - slack and inner["bottom"] <= outer["bottom"] + slack)


def zoom(page):
    return float(page.evaluate("document.body.dataset.zoom"))


def test_the_graph_fills_its_panel_with_no_scrollbars(browser, chain_file):
    page = open_page(browser, chain_file)
    canvas = rect(page, CANVAS_JS)
    assert canvas["right"] - canvas["left"] > 800 and canvas["bottom"] - canvas["top"] > 300
    assert page.evaluate("document.scrollingElement.scrollWidth <= document.scrollingElement.clientWidth")
    assert page.evaluate("(() => { const c = document.getElementById('canvas');"
                         " return c.scrollWidth <= c.clientWidth && c.scrollHeight <= c.clientHeight; })()")
    assert page.problems == []
    page.close()


def test_fit_shows_the_whole_graph_inside_its_panel(browser, chain_file):
    page = open_page(browser, chain_file)
    page.click("#zoom-in")
    page.click("#zoom-in")
    assert not inside(rect(page, "document.querySelector('#canvas g.graph')"), rect(page, CANVAS_JS))
    page.click("#fit")
    assert zoom(page) == 1.0
    assert inside(rect(page, "document.querySelector('#canvas g.graph')"), rect(page, CANVAS_JS))
    page.keyboard.press("+")
    assert zoom(page) > 1.0
    page.keyboard.press("f")
    assert zoom(page) == 1.0
    assert page.problems == []
    page.close()


def test_the_wheel_zooms_about_the_point_under_the_mouse(browser, chain_file):
    page = open_page(browser, chain_file)
    page.click("#fit")
    box = rect(page, CANVAS_JS)
    x, y = box["left"] + 300, (box["top"] + box["bottom"]) / 2
    under = ("([x, y]) => { const s = document.querySelector('#canvas svg'), p = s.createSVGPoint();"
             " p.x = x; p.y = y; const u = p.matrixTransform(s.getScreenCTM().inverse());"
             " return [u.x, u.y]; }")
    before = page.evaluate(under, [x, y])
    page.mouse.move(x, y)
    page.mouse.wheel(0, -300)
    page.wait_for_function("document.body.dataset.zoom > 1.2")
    after = page.evaluate(under, [x, y])
    assert abs(after[0] - before[0]) < 0.5 and abs(after[1] - before[1]) < 0.5
    page.mouse.wheel(0, 600)
    page.wait_for_function("document.body.dataset.zoom < 1.0")
    assert page.problems == []
    page.close()


def test_dragging_pans_the_graph_and_is_not_a_click(browser, chain_file):
    page = open_page(browser, chain_file)
    box = rect(page, CANVAS_JS)
    viewbox = "document.querySelector('#canvas svg').viewBox.baseVal.x"
    x0 = page.evaluate(viewbox)
    start = (box["left"] + 400, box["top"] + 100)
    page.mouse.move(*start)
    page.mouse.down()
    page.mouse.move(start[0] - 150, start[1], steps=5)
    page.mouse.up()
    assert page.evaluate(viewbox) > x0 + 50  # the view moved right: the graph went left
    assert page.evaluate("document.getElementById('why').hidden")
    page.close()


@pytest.mark.parametrize("size", [(1300, 800), (700, 520), (420, 640)])
def test_the_current_node_stays_in_view_at_any_window_size(browser, chain_file, size):
    page = open_page(browser, chain_file)
    page.set_viewport_size({"width": size[0], "height": size[1]})
    for _ in range(12):
        page.keyboard.press("ArrowRight")
        assert inside(rect(page, CURRENT_JS), rect(page, CANVAS_JS))
    page.keyboard.press("End")
    assert inside(rect(page, CURRENT_JS), rect(page, CANVAS_JS))
    assert page.evaluate("document.scrollingElement.scrollWidth <= document.scrollingElement.clientWidth")
    assert page.problems == []
    page.close()


def test_the_current_node_comes_back_into_view_after_the_window_shrinks(browser, chain_file):
    page = open_page(browser, chain_file)
    for _ in range(20):
        page.keyboard.press("ArrowRight")
    page.set_viewport_size({"width": 400, "height": 480})
    page.wait_for_timeout(100)  # the panel's ResizeObserver runs before the next frame
    assert inside(rect(page, CURRENT_JS), rect(page, CANVAS_JS))
    page.set_viewport_size({"width": 1600, "height": 900})
    page.wait_for_timeout(100)
    assert inside(rect(page, CURRENT_JS), rect(page, CANVAS_JS))
    assert page.problems == []
    page.close()


# -- click-to-explain ------------------------------------------------------------------------------

def click_node(page, title):
    r = rect(page, NODE_JS.format(title))
    page.mouse.click((r["left"] + r["right"]) / 2, (r["top"] + r["bottom"]) / 2)


def test_clicking_a_node_explains_its_gradient(player):
    assert player.evaluate("document.getElementById('why').hidden")
    click_node(player, "v2")  # z
    assert not player.evaluate("document.getElementById('why').hidden")
    assert player.inner_text("#why-title") == "Why dL/dz = 0.7864"
    text = player.inner_text("#why-text")
    data = player.evaluate("JSON.parse(document.getElementById('trace-data').textContent)")
    if data["why"] is not None:  # autograd.explain.explain(root, z)
        assert text.strip() == data["why"][2].strip()
    else:  # the step of z
        assert text.startswith("step 3/5: z (*), upstream dL/dz = 0.7864")
    assert player.evaluate("document.body.dataset.step") == "0"  # explaining is not stepping
    player.keyboard.press("Escape")
    assert player.evaluate("document.getElementById('why').hidden")
    assert player.problems == []


def test_the_page_carries_explain_for_each_node_up_to_a_size_limit(monkeypatch):
    def explain_each(root, order, names, scope):
        return [f"d{names[root]}/d{names[node]} spelled out" for node in order]

    fake = types.ModuleType("autograd.explain")
    fake.explain_each = explain_each
    monkeypatch.setitem(sys.modules, "autograd.explain", fake)
    *_, L = tanh_graph()
    assert embedded_data(play(L).html)["why"] == [f"dL/d{n} spelled out" for n in "abzhL"]
    from autograd.debug import player
    monkeypatch.setattr(player, "EXPLAIN_LIMIT", 4)
    assert embedded_data(play(L).html)["why"] is None  # 5 nodes: a click shows the node's step


def test_a_click_on_a_clicked_node_in_the_page_shows_what_explain_wrote(browser, tmp_path, monkeypatch):
    fake = types.ModuleType("autograd.explain")
    fake.explain_each = lambda root, order, names, scope: [f"why {names[n]}:\n  because" for n in order]
    monkeypatch.setitem(sys.modules, "autograd.explain", fake)
    page = open_page(browser, save_html(tanh_graph()[-1], tmp_path / "why.html"))
    click_node(page, "v3")
    assert page.inner_text("#why-title") == "Why dL/dh = 1.0000"
    assert page.inner_text("#why-text") == "why h:\n  because"
    assert page.problems == []
    page.close()


# -- inline in Jupyter: the page in a sandboxed iframe -----------------------------------------------

def test_the_iframe_of_repr_html_plays_the_pass(browser):
    *_, L = tanh_graph()
    page = browser.new_page(viewport={"width": 1100, "height": 800})
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("request", lambda r: problems.append(f"request {r.url}") if r.url.startswith("http") else None)
    page.set_content(f"<!DOCTYPE html><html><body>{play(L)._repr_html_()}</body></html>")
    frame = page.frame_locator("iframe")
    frame.locator("#next").click()
    assert frame.locator("#status").inner_text() == "step 1/5: L (+), upstream dL/dL = 1.0000"
    frame.locator("#canvas").click(position={"x": 5, "y": 5})  # focus the frame for the keyboard
    page.keyboard.press("ArrowRight")
    assert frame.locator("body").get_attribute("data-step") == "2"
    assert problems == []
    page.close()


# -- the page's files are package data --------------------------------------------------------------

REPO = Path(__file__).resolve().parent.parent


def test_the_page_is_made_of_the_asset_files():
    from autograd.debug.player import _asset
    page = play(tanh_graph()[-1]).html
    assert _asset("player.css") in page and _asset("player.js") in page
    assert _asset("player.html").startswith("<!DOCTYPE html>")


def test_the_installed_wheel_ships_the_players_files_and_save_html_works(tmp_path):
    source = tmp_path / "source"  # setuptools writes build/ and *.egg-info beside the sources
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(REPO / name, source / name)
    for name in ("autograd", "nn"):
        shutil.copytree(REPO / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "-q",
                            "-w", str(tmp_path / "dist")], check=False, capture_output=True, text=True)
    if built.returncode != 0 and "No matching distribution" in built.stderr:
        pytest.skip(f"pip cannot fetch the build backend (offline?): {built.stderr[-300:]}")
    assert built.returncode == 0, built.stderr
    wheel = next((tmp_path / "dist").glob("chainrule-*.whl"))
    with zipfile.ZipFile(wheel) as z:
        shipped = set(z.namelist())
    for name in ("player.html", "player.css", "player.js"):
        assert f"autograd/debug/playerfiles/{name}" in shipped
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site),
                    str(wheel)], check=True, capture_output=True)
    script = ("import autograd, sys; from autograd import Value, save_html\n"
              "assert autograd.__file__.startswith(sys.argv[1]), autograd.__file__\n"
              "x = Value(2.0, 'x'); p = save_html((x * x).tanh(), sys.argv[2])\n"
              "print(p.read_text(encoding='utf-8'))\n")
    run = subprocess.run([sys.executable, "-c", script, str(site), str(tmp_path / "p.html")],
                         cwd=tmp_path, env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"},
                         check=False, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert "function explainNode" in run.stdout and "#canvas" in run.stdout


@pytest.mark.parametrize("label", ["\ud800", "a\x00b", "\uffff\ufffe", "bidi\u202eevil"])
def test_any_str_label_plays_and_shows_as_typed_escapes(tmp_path, label):
    from autograd._util import printable

    a = Value(1.0, label)
    L = a * a
    page = save_html(L, tmp_path / "p.html").read_text(encoding="utf-8")
    assert printable(label) in page


# -- it opens readable wherever it is shown (issue 18) ----------------------------------------------

SIZES = [(1024, 768), (1400, 900), (1920, 1080)]

# What a person sees in the graph's panel: the smallest text drawn in it, as the height of its
# em in screen px (its font size times the zoom), and how many Values are at least half inside.
SEEN_JS = """() => {
  const c = document.getElementById('canvas').getBoundingClientRect();
  const meets = r => r.width > 0 && r.right > c.left && r.left < c.right
                     && r.bottom > c.top && r.top < c.bottom;
  const shown = r => (Math.max(0, Math.min(r.right, c.right) - Math.max(r.left, c.left))
                      * Math.max(0, Math.min(r.bottom, c.bottom) - Math.max(r.top, c.top)))
                     >= 0.5 * r.width * r.height && r.width > 0;
  const texts = [...document.querySelectorAll('#canvas g.node text')]
      .filter(t => meets(t.getBoundingClientRect()))
      .map(t => parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a);
  const values = [...document.querySelectorAll('#canvas g.node')]
      .filter(g => /^[vp]\\d+$/.test(g.querySelector('title').textContent))
      .filter(g => shown(g.getBoundingClientRect()));
  return {textHeight: texts.length ? Math.min(...texts) : 0, texts: texts.length,
          values: values.length, zoom: document.body.dataset.zoom};
}"""


def mlp_loss():
    """The cross-entropy loss of an MLP(2, [4, 4, 3]) on one sample: 139 nodes, far wider drawn
    left to right than any window."""
    import random

    from nn import MLP, cross_entropy
    model = MLP(2, [4, 4, 3], rng=random.Random(0))
    return cross_entropy(model([0.5, -1.0]), 1)


class _Files(dict):
    """The players of mlp_loss(), each made when first asked for: "LR" (the default), "TB",
    "fold"."""

    OPTIONS = {"LR": {}, "TB": {"rankdir": "TB"}, "fold": {"fold": True}}

    def __init__(self, folder):
        super().__init__()
        self.folder, self.loss = folder, mlp_loss()

    def __missing__(self, kind):
        self[kind] = save_html(self.loss, self.folder / f"{kind}.html", **self.OPTIONS[kind])
        return self[kind]


@pytest.fixture(scope="module")
def mlp_files(tmp_path_factory):
    return _Files(tmp_path_factory.mktemp("mlp"))


@pytest.mark.parametrize("kind", ["LR", "TB", "fold"])
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_player_opens_readable_at_each_window_size(browser, mlp_files, kind, size, tmp_path):
    page = open_page(browser, mlp_files[kind], *size)
    page.screenshot(path=str(tmp_path / f"{kind}-{size[0]}.png"))
    seen = page.evaluate(SEEN_JS)
    assert seen["textHeight"] >= 8, seen
    # a readable part of the graph, not the root alone: at 1400 x 900 it used to be 3 Values
    # (5 since cross_entropy's shift is a primitive node of its own, taking room at the root)
    assert seen["values"] >= (3 if size[0] == 1024 else 5), seen
    assert page.problems == []
    page.close()


@pytest.mark.parametrize("hidden", ["display: none", "width: 0; height: 0; overflow: hidden"])
def test_the_inline_player_laid_out_after_its_script_ran_opens_readable(browser, hidden):
    """A notebook lays its outputs out after their scripts ran: the player's frame is 0 x 0 then."""
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.set_content(f'<!DOCTYPE html><html><body><div id="output" style="{hidden}">'
                     f'{play(mlp_loss())._repr_html_()}</div></body></html>')
    frame = page.frames[1]
    frame.wait_for_function("document.body.dataset.step === '0'")
    assert frame.evaluate("document.getElementById('canvas').getBoundingClientRect().width") == 0
    page.evaluate("document.getElementById('output').removeAttribute('style')")
    frame.wait_for_function(f"({SEEN_JS})().textHeight >= 8", timeout=3000)
    seen = frame.evaluate(SEEN_JS)
    assert seen["values"] >= 5, seen
    page.close()


def test_it_refits_when_the_window_changes_until_the_user_zooms(browser, mlp_files):
    page = open_page(browser, mlp_files["LR"], 1024, 768)
    small = page.evaluate(SEEN_JS)
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.wait_for_function(f"document.body.dataset.zoom !== '{small['zoom']}'", timeout=3000)
    large = page.evaluate(SEEN_JS)
    assert large["textHeight"] >= 8 and large["values"] > small["values"]
    page.keyboard.press("+")  # the user zooms: the view is theirs from now on
    zoomed = page.evaluate("document.body.dataset.zoom")
    page.set_viewport_size({"width": 1400, "height": 900})
    page.wait_for_timeout(150)
    assert page.evaluate("document.body.dataset.zoom") == zoomed
    page.close()


def svg_node_corner(page: str, title: str) -> tuple[float, float]:
    """The top left corner (SVG x, y) of the DOT node titled title in the page's picture."""
    found = re.search(rf"<title>{title}</title>\s*<polygon[^>]* points=\"([^\"]+)\"", page)
    assert found, title
    points = [tuple(map(float, point.split(","))) for point in found.group(1).split()]
    return min(x for x, _ in points), min(y for _, y in points)


def test_rankdir_tb_draws_the_graph_top_to_bottom():
    a, b, z, h, L = tanh_graph()  # topological indices 0..4: L is v4, its operand h is v3
    across = play(L).html
    down = play(L, rankdir="TB").html
    assert embedded_data(down)["rankdir"] == "TB"
    assert svg_node_corner(down, "v4")[1] > svg_node_corner(down, "v3")[1] + 40  # L below h
    assert svg_node_corner(across, "v4")[0] > svg_node_corner(across, "v3")[0] + 60  # L right of h


def test_play_refuses_a_direction_or_fold_it_does_not_know():
    L = tanh_graph()[-1]
    with pytest.raises(ValueError, match=r"rankdir=.*'LR'.*'TB'.*got str 'up'"):
        play(L, rankdir="up")
    with pytest.raises(TypeError, match=r"fold=.*True or False, got str 'yes'"):
        play(L, fold="yes")


def test_fold_draws_each_neuron_call_as_one_box_and_lights_the_box_of_a_node_inside(browser, mlp_files):
    data = embedded_data(mlp_files["fold"].read_text(encoding="utf-8"))
    drawn = data["drawnAs"]
    inside = [k for k, step in enumerate(data["trace"]["steps"])
              if drawn[step["node"]] and drawn[step["node"]].startswith("v")]
    assert inside, "the steps of nodes inside neuron calls"
    k = inside[0]
    node = data["trace"]["steps"][k]["node"]
    name = data["trace"]["nodes"][node]["name"]
    page = open_page(browser, mlp_files["fold"], 1400, 900)
    titles = page.eval_on_selector_all("#canvas g.node > title", "ts => ts.map(t => t.textContent)")
    assert f"v{node}" not in titles and drawn[node] in titles
    for _ in range(k + 1):
        page.keyboard.press("ArrowRight")
    box = page.evaluate(f"""() => {{
        const g = [...document.querySelectorAll('#canvas g.node')]
            .find(g => g.querySelector('title').textContent === '{drawn[node]}');
        return {{cls: g.getAttribute('class'),
                 texts: [...g.querySelectorAll('text')].map(t => t.textContent)}};
    }}""")
    assert "current-inside" in box["cls"]
    assert "\u25b8 " + name in box["texts"]  # the box names the node whose step it is
    assert inside_canvas(page, drawn[node])
    page.keyboard.press("End")  # every parameter's grad filled in inside its neuron's node
    group_grads = page.eval_on_selector_all(
        "#canvas g.node", "gs => gs.filter(g => /^p/.test(g.querySelector('title').textContent))"
        ".flatMap(g => [...g.querySelectorAll('text.grad-filled')].map(t => t.textContent))")
    assert len(group_grads) == sum(len(js) for js in data["groups"].values()) > 0
    assert page.problems == []
    page.close()


def inside_canvas(page, title):
    return inside(rect(page, NODE_JS.format(title)), rect(page, CANVAS_JS))


TABLE_JS = """() => {
  const aside = document.querySelector('aside'), a = aside.getBoundingClientRect();
  const right = a.left + aside.clientLeft + aside.clientWidth;
  return [...document.querySelectorAll('#nodes tbody tr[data-node]')].map(tr => {
    const [name, , , grad] = tr.cells, g = grad.getBoundingClientRect();
    return {name: name.textContent, title: name.title, nameCut: name.scrollWidth > name.clientWidth,
            grad: grad.textContent,
            gradClipped: g.right > right + 0.5 || grad.scrollWidth > grad.clientWidth};
  });
}"""


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_node_table_shows_whole_names_and_whole_grads(browser, mlp_files, size):
    page = open_page(browser, mlp_files["LR"], *size)
    page.keyboard.press("End")
    rows = page.evaluate(TABLE_JS)
    assert len(rows) == len(to_json(mlp_files.loss)["nodes"]) > 100
    assert "layers.0.neurons.0.w.1" in [r["name"] for r in rows]
    for r in rows:
        assert not r["nameCut"] and r["title"].split("\n")[0] == r["name"], r  # wraps, never cut
        assert r["grad"] and not r["gradClipped"], r
    assert page.evaluate("(a => a.scrollWidth <= a.clientWidth)(document.querySelector('aside'))")
    page.close()


def test_a_long_table_elides_long_names_with_the_whole_name_on_hover(browser, tmp_path):
    from nn import MLP
    model = MLP(3, [16, 16, 1])
    out = model([0.5, -1.0, 2.0])  # over 1,000 nodes: the table keeps only the rows in view
    page = open_page(browser, save_html(out, tmp_path / "long.html"), 1024, 768)
    page.keyboard.press("End")
    assert page.evaluate("document.body.classList.contains('virtual-table')")
    rows = page.evaluate(TABLE_JS)
    assert rows and all(r["title"].split("\n")[0] == r["name"] and not r["gradClipped"] for r in rows), rows
    assert any(r["name"].startswith("layers.") for r in rows)
    page.close()


# -- one analysed graph per view -----------------------------------------------------------------------

def count_orders(monkeypatch) -> list[int]:
    """Counts the topological orders made from now on (every pass and view starts from one)."""
    import autograd.graph

    made = [0]
    order = autograd.graph.topological_order

    def counting(root):
        made[0] += 1
        return order(root)

    monkeypatch.setattr(autograd.graph, "topological_order", counting)
    return made


def small_mlp_loss(points: int) -> Value:
    from nn import MLP, mse_loss
    model = MLP(2, [4, 4, 1])
    return mse_loss([model([0.1 * i, -0.2 * i]) for i in range(points)], [1.0] * points)


def test_play_orders_the_graph_once_for_its_steps_explanations_and_picture(monkeypatch):
    loss = small_mlp_loss(3)  # under EXPLAIN_LIMIT nodes: the page explains every node
    made = count_orders(monkeypatch)
    data = embedded_data(play(loss).html)
    assert data["why"] is not None and len(data["why"]) == len(data["trace"]["nodes"])
    assert made[0] == 1


def test_to_json_orders_the_graph_once(monkeypatch):
    loss = small_mlp_loss(2)
    made = count_orders(monkeypatch)
    to_json(loss)
    assert made[0] == 1


@pytest.mark.parametrize("graph", ["tanh", "mlp"])
def test_the_page_explains_each_node_as_explain_does(graph):
    from autograd import explain
    L = tanh_graph()[-1] if graph == "tanh" else small_mlp_loss(2)
    player = play(L)
    order = topological_order(L)  # the page's nodes, in its order
    why = embedded_data(player.html)["why"]
    assert why == [str(explain(L, node, names=player.names)) for node in order]


def test_names_given_for_some_nodes_name_those_and_the_rest_are_named_as_usual():
    """play(root, names=...) with a partial mapping was a KeyError from deep inside."""
    x = Value(1.0, label="x")
    y = x * 3.0
    player = play(y, names={x: "X"})
    assert player.names[x] == "X" and player.names[y] == "y"
    assert repr(player) == "<Player of the backward pass of y: 2 nodes>"


def test_names_given_that_would_name_two_nodes_alike_are_a_value_error():
    x, w = Value(1.0, label="x"), Value(2.0, label="w")
    with pytest.raises(ValueError, match="'w' would stand for two nodes"):
        play(x * w, names={x: "w"})
