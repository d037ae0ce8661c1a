"""save_html: one self-contained HTML file that plays a backward pass step by step.

The page holds the graph as inline SVG (autograd.viz.to_svg), the pass as JSON (to_json plus the
explanation of each step) and a little JavaScript and CSS: nothing is fetched at view time, so
it works from file:// and offline.  In the SVG each Value is a <g class="node"> whose <title>
is v{i}, i its topological index, the id used by to_json; the player highlights the current
node, fills in each node's grad as the pass reaches it, and shows str(step).

A graph too big for Graphviz (more than autograd.viz.MAX_SIZE nodes plus edges) is drawn folded
(each nn neuron call one box) when that fits, and otherwise not drawn: the page then says so and
how to get a picture of a smaller part, and the side table and the explanations still step
through the whole pass.  Stepping touches only the nodes of the step, so a pass of 65,000 nodes
plays as smoothly as a small one.
"""

from __future__ import annotations

import html
import json
import pathlib
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from ..engine import check_value
from ..names import caller_scope, node_names
from ..value import Value
from .export import document
from .steps import fresh_pass


@contextmanager
def kept_grads(nodes: Iterable[Value]) -> Iterator[None]:
    """Save the .grad of every node and put it back when the block ends, however it ends."""
    nodes = list(nodes)
    saved = [node.grad for node in nodes]
    try:
        yield
    finally:
        for node, g in zip(nodes, saved):
            node.grad = g

__all__ = ["save_html", "to_html"]


def _script_json(data: Any) -> str:
    """JSON that is safe inside <script>: no '</script>', '<!--', or line separators survive."""
    text = json.dumps(data, ensure_ascii=False, allow_nan=False)
    return (text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def _inline_svg(svg: str) -> str:
    """The <svg> element alone: no XML declaration, DOCTYPE or leading comments."""
    start = svg.find("<svg")
    if start < 0:
        raise ValueError("autograd.viz.to_svg() returned no <svg> element")
    svg = svg[start:]
    # a fixed pt size would not scale; keep viewBox and let CSS size it
    head_end = svg.find(">")
    head = re.sub(r'\s(width|height)="[^"]*"', "", svg[:head_end])
    return head + svg[head_end:]


def _player_data(root: Value) -> tuple[dict[str, Any], list[Value], list[float]]:
    """What the page's script needs: to_json, the node names, each step explained."""
    names = node_names(root, None, caller_scope())
    run = fresh_pass(root, names)
    order, steps = run.order, run.steps
    after = [run.grads[node] for node in order]
    ids = {node: i for i, node in enumerate(order)}
    explained = [{"status": step.status(len(steps)), "clauses": step.clauses()} for step in steps]
    data = {
        "trace": document(run),
        "names": [names[node] for node in order],
        "root": ids[root],
        "explained": explained,
    }
    return data, order, after


def _picture(root: Value, order: list[Value], after: list[float]) -> tuple[str, str, str]:
    """(kind, SVG, note): the whole graph ("full"), each nn neuron call as a box ("folded") when
    only that fits in autograd.viz.MAX_SIZE, or no picture ("none") with a note saying why."""
    from .. import viz  # pictures are drawn by viz, loaded only when a player is made

    index = {node: i for i, node in enumerate(order)}
    size = viz._Folding(order, index, fold=False).size()
    limit = viz.MAX_SIZE
    fold, note, folded = False, "", None
    if size > limit:
        folding = viz._Folding(order, index, fold=True)
        folded = folding.size() if folding.boxes else None
        if folded is None or folded > limit:
            return "none", "", _too_big_note(size, folded, limit)
        fold = True
        note = (f'<p class="note">Drawn folded: each nn neuron call is one box (its inner nodes '
                f'are in the table only), as the whole graph has {size:,} nodes and edges, more '
                f'than <code>autograd.viz.MAX_SIZE</code> = {limit:,}.</p>')
    # draw the graph holding the grads of the pass (colours and edge widths follow them; the
    # player blanks each grad until its step), then give the graph its own grads back
    with kept_grads(order):
        for node, g in zip(order, after):
            node.grad = g
        svg = _inline_svg(viz.to_svg(root, fold=fold))
    return ("folded" if fold else "full"), svg, note


def _too_big_note(size: int, folded: int | None, limit: int) -> str:
    """The page's explanation in place of a picture too big to lay out."""
    also = f" ({folded:,} with each nn neuron call folded into a box)" if folded is not None else ""
    return (
        '<div class="note" id="no-picture">'
        "<p><strong>No picture: this graph is too big to draw.</strong> "
        f"It has {size:,} nodes and edges{also}, more than "
        f"<code>autograd.viz.MAX_SIZE</code> = {limit:,} that Graphviz lays out in seconds. "
        "The table lists every node, and the pass steps through all of them as usual.</p>"
        "<p>For a picture, make the player of a smaller part of the graph, e.g. the loss of one "
        "sample instead of a whole batch: <code>save_html(loss_of_one_sample, \"pass.html\")</code>. "
        "Or raise <code>autograd.viz.MAX_SIZE</code> before calling <code>save_html</code> "
        "(Graphviz may then take minutes).</p></div>")


def to_html(root: Value, *, title: str | None = None) -> str:
    """The player page of root's backward pass, as one string of HTML."""
    return _page(root, title)[0]


def _page(root: Value, title: str | None = None) -> tuple[str, str]:
    """to_html's page, and the root's name in it (the debugger reports it without naming again)."""
    check_value(root, "save_html() root")
    data, order, after = _player_data(root)
    kind, svg, note = _picture(root, order, after)
    if title is None:
        title = f"Backward pass of {data['names'][data['root']]}"
    parts = {"TITLE": html.escape(title), "CSS": _CSS, "JS": _JS, "PICTURE": kind,
             "SVG": note + svg, "DATA": _script_json(data)}
    # one pass over the template, so text inside the parts is never taken for a placeholder
    page = re.sub(r"__(TITLE|CSS|JS|PICTURE|SVG|DATA)__", lambda m: parts[m.group(1)], _TEMPLATE)
    return page, data["names"][data["root"]]


def save_html(root: Value, path: str | pathlib.Path) -> pathlib.Path:
    """Write the player of root's backward pass to path (one self-contained file) and return it.

    Opening it shows the graph with the current node highlighted and the grads filling in, the
    step's explanation, previous / play / next buttons, and arrow keys.  Like to_json, it shows a
    pass from zero grads and leaves the graph's .grad fields as they were.
    """
    return _save(root, path)[0]


def _save(root: Value, path: str | pathlib.Path) -> tuple[pathlib.Path, str]:
    """save_html's path, and the root's name in the player (for the debugger's report)."""
    page, root_name = _page(root)
    path = pathlib.Path(path)
    path.write_text(page, encoding="utf-8")
    return path, root_name


_CSS = r"""
:root { --ink: #1f2430; --muted: #6b7280; --line: #e5e7eb; --accent: #d9480f;
        --done: #2f9e44; --pending: #1971c2; --bg: #f7f7f5; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
       color: var(--ink); background: var(--bg); }
header { padding: 14px 22px 10px; border-bottom: 1px solid var(--line); background: #fff; }
h1 { font-size: 18px; margin: 0 0 8px; font-weight: 600; }
.controls { display: flex; gap: 6px; align-items: center; flex-wrap: wrap; }
button { font: inherit; padding: 5px 12px; border: 1px solid #ced4da; border-radius: 6px;
         background: #fff; cursor: pointer; min-width: 44px; }
button:hover:not(:disabled) { background: #f1f3f5; }
button:disabled { color: #adb5bd; cursor: default; }
button#play { min-width: 78px; }
input[type=range] { flex: 1; min-width: 120px; max-width: 420px; accent-color: var(--accent); }
.counter { color: var(--muted); font-variant-numeric: tabular-nums; min-width: 90px; }
.keys { color: var(--muted); font-size: 13px; margin-left: auto; }
kbd { border: 1px solid #ced4da; border-bottom-width: 2px; border-radius: 4px; padding: 0 5px;
      font-size: 12px; background: #fff; }
#explain { margin: 12px 22px 0; padding: 10px 14px; background: #fff; border: 1px solid var(--line);
           border-left: 4px solid var(--accent); border-radius: 6px; min-height: 64px; }
#status { font-weight: 600; margin-bottom: 4px; }
#clauses { font: 14px/1.5 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; white-space: pre-wrap; }
main { display: flex; gap: 16px; padding: 12px 22px 22px; align-items: flex-start; }
#graph { flex: 1 1 auto; min-width: 0; background: #fff; border: 1px solid var(--line);
         border-radius: 6px; padding: 8px; overflow: auto; max-height: 82vh; }
#graph svg { display: block; max-width: none; margin: 0 auto; }
#graph g.node > * { transition: stroke .15s, fill .15s; }
#graph g.node.current > polygon:last-of-type, #graph g.node.current-op > ellipse
  { stroke: var(--accent); stroke-width: 3px; }
#graph g.node.current-op > ellipse { fill: #ffe8cc; }
#graph g.node.receiving > polygon:last-of-type { stroke: var(--pending); stroke-width: 2.5px; }
#graph g.edge.flowing > path { stroke: var(--accent); stroke-width: 2px; }
#graph g.edge.flowing > polygon { stroke: var(--accent); fill: var(--accent); }
#graph text.grad-filled { fill: var(--done); font-weight: bold; }
#graph text.grad-pending { fill: var(--pending); font-style: italic; }
aside { flex: 0 0 310px; background: #fff; border: 1px solid var(--line); border-radius: 6px;
        max-height: 82vh; overflow: auto; }
table { border-collapse: collapse; width: 100%; font-size: 13px; font-variant-numeric: tabular-nums; }
th, td { padding: 4px 8px; text-align: right; border-bottom: 1px solid var(--line); white-space: nowrap; }
th { position: sticky; top: 0; background: #f8f9fa; font-weight: 600; }
th:first-child, th:nth-child(2), td:first-child, td.op { text-align: left; }
td.name { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
          white-space: normal; overflow-wrap: anywhere; max-width: 120px; }
td.op { color: var(--muted); }
tr.current td { background: #fff4e6; }
tr.done td.grad { color: var(--done); font-weight: 600; }
tr.pending td.grad { color: var(--pending); font-style: italic; }
td.grad { min-width: 80px; }
body.virtual-table #nodes tbody tr:not(.spacer) { height: 25px; }
body.virtual-table td.name { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; max-width: 260px; }
tr.spacer td { padding: 0; border: 0; }
body.virtual-table table { table-layout: fixed; }
body.virtual-table th:nth-child(1) { width: 36%; }
body.virtual-table th:nth-child(2) { width: 12%; }
body.virtual-table th:nth-child(3) { width: 24%; }
footer { color: var(--muted); font-size: 12px; padding: 0 22px 16px; }
.note { color: var(--ink); background: #fff9db; border: 1px solid #ffe066; border-radius: 6px;
        padding: 8px 12px; margin: 0 0 8px; font-size: 14px; }
.note p { margin: 0 0 6px; }
.note p:last-child { margin-bottom: 0; }
.note code { font-size: 13px; }
body[data-picture=none] #graph { flex: 0 1 440px; max-height: none; }
body[data-picture=none] aside { flex: 1 1 auto; max-width: 760px; }
@media (max-width: 900px) { main { flex-direction: column; } aside { flex-basis: auto; width: 100%; } }
"""

_JS = r"""
(function () {
  "use strict";
  const D = JSON.parse(document.getElementById("trace-data").textContent);
  const T = D.trace, names = D.names, steps = T.steps, N = steps.length;
  const num = (x) => (typeof x === "string" ? (x === "nan" ? NaN : x === "inf" ? Infinity : -Infinity) : x);
  // The twin of autograd._format.format_number (Python): the same rule, so the numbers the
  // page fills in match the SVG's and the explanations'.  Change both together.  (Only an exact
  // binary tie at the last digit can round differently: JS rounds it up, Python to even.)
  function fmt(x) {
    if (Number.isNaN(x)) return "nan";
    if (x === Infinity) return "inf";
    if (x === -Infinity) return "-inf";
    if (Object.is(x, -0)) return "-0.0000";
    const a = Math.abs(x);
    if (x === 0 || (a >= 1e-2 && a < 1e6)) return x.toFixed(4);
    // Python's "{:.4g}": 4 significant digits, exponent form when the exponent is < -4 or >= 4,
    // trailing zeros dropped, at least two exponent digits (0.005, 0.0001234, 1e-05, 2.5e+07)
    const trim = (s) => (s.indexOf(".") >= 0 ? s.replace(/\.?0+$/, "") : s);
    const [m, e] = x.toExponential(3).split("e"), exp = +e;
    if (exp >= -4 && exp < 4) return trim(x.toFixed(3 - exp));
    return trim(m) + "e" + (exp < 0 ? "-" : "+") + String(Math.abs(exp)).padStart(2, "0");
  }

  // The SVG: node groups by id (their <title> is v{i}), grad text elements inside them.
  const svgNodes = {}, opNodes = {}, gradTexts = {}, gradCells = {}, edgesInto = {};
  document.querySelectorAll("#graph g.node").forEach((g) => {
    const t = g.querySelector("title");
    const m = t && /^([vo])(\d+)$/.exec(t.textContent.trim());
    if (!m) return;
    if (m[1] === "o") { opNodes[+m[2]] = g; return; }
    const id = +m[2];
    svgNodes[id] = g;
    g.querySelectorAll("text").forEach((txt) => {
      const m2 = /^\s*grad\s*/.exec(txt.textContent);
      if (m2) {
        gradTexts[id] = txt;
        txt.dataset.prefix = m2[0];
        // the cell behind the grad: coloured by the final grad, shown only once it is complete
        const cell = txt.previousElementSibling;
        if (cell && cell.tagName.toLowerCase() === "polygon") {
          gradCells[id] = cell;
          cell.dataset.fill = cell.getAttribute("fill") || "";
        }
      }
    });
  });
  document.querySelectorAll("#graph g.edge").forEach((g) => {
    const t = g.querySelector("title");
    if (!t) return;
    const m = /^(\S+?)(?::\S+)?->(\S+?)(?::\S+)?$/.exec(t.textContent.trim());
    if (!m) return;
    (edgesInto[m[2]] = edgesInto[m[2]] || []).push({from: m[1], g: g});
  });

  // The side table, one row per node in the order of the pass.  A long pass keeps in the page
  // only the rows in view (and a margin), between two spacer rows: a table of 65,000 rows
  // would make every step relayout all of them.
  const tbody = document.querySelector("#nodes tbody"), aside = document.querySelector("aside");
  const stepOf = new Array(T.nodes.length).fill(-1);
  steps.forEach((s, k) => { stepOf[s.node] = k; });
  const VIRTUAL = N > 1000, MARGIN = 30;
  let ROW = 25;  // px per row of a long table, measured once it is drawn
  if (VIRTUAL) document.body.classList.add("virtual-table");
  let rows = {}, first = 0, last = 0;
  function makeRow(k) {
    const i = steps[k].node, node = T.nodes[i];
    const tr = document.createElement("tr");
    tr.dataset.node = i;
    const cells = [["name", names[i]], ["op", node.op || "leaf"],
                   ["data", fmt(num(node.data))], ["grad", ""]];
    cells.forEach(([cls, text]) => {
      const td = document.createElement("td");
      td.className = cls;
      td.textContent = text;
      tr.appendChild(td);
    });
    tr.title = (node.label ? "label: " + node.label : names[i]);
    return tr;
  }
  function spacer(height) {
    const tr = document.createElement("tr");
    tr.className = "spacer";
    tr.style.height = height + "px";
    tr.appendChild(document.createElement("td")).colSpan = 4;
    return tr;
  }
  function layRows(force) {
    let a = 0, b = N;
    if (VIRTUAL) {
      const head = tbody.offsetTop;
      a = Math.max(0, Math.floor((aside.scrollTop - head) / ROW) - MARGIN);
      b = Math.min(N, Math.ceil((aside.scrollTop - head + aside.clientHeight) / ROW) + MARGIN);
      if (!force && a >= first && b <= last) return;
      a = Math.max(0, a - MARGIN);
      b = Math.min(N, b + MARGIN);
    }
    first = a; last = b; rows = {};
    const fragment = document.createDocumentFragment(), cur = p > 0 ? steps[p - 1] : null;
    if (VIRTUAL) fragment.appendChild(spacer(first * ROW));
    for (let k = first; k < last; k++) {
      const tr = makeRow(k);
      rows[steps[k].node] = tr;
      fragment.appendChild(tr);
    }
    if (VIRTUAL) fragment.appendChild(spacer((N - last) * ROW));
    tbody.replaceChildren(fragment);
    for (let k = first; k < last; k++) render(steps[k].node, cur);
  }
  if (VIRTUAL) aside.addEventListener("scroll", () => layRows(false));
  tbody.addEventListener("click", (ev) => {
    const tr = ev.target.closest("tr");
    if (tr && tr.dataset.node !== undefined) { stop(); show(stepOf[+tr.dataset.node] + 1); }
  });
  // Keep the row of step k in view.
  function reveal(k) {
    if (VIRTUAL) {
      const top = tbody.offsetTop + k * ROW;
      if (top < aside.scrollTop + 30 || top + ROW > aside.scrollTop + aside.clientHeight)
        aside.scrollTop = top - aside.clientHeight / 2;
      layRows(false);
      return;
    }
    const r = rows[steps[k].node];
    if (r.offsetTop < aside.scrollTop + 30 || r.offsetTop + r.offsetHeight > aside.scrollTop + aside.clientHeight)
      aside.scrollTop = r.offsetTop - aside.clientHeight / 2;
  }

  // The state after p steps: grad (complete) or partial sum of each node.  Moving from p to
  // p +- 1 applies or undoes one step, touching only its node and parents, so a pass of any
  // length steps at once; each term keeps the partial sum before and after it (exact undo).
  const n = T.nodes.length;
  const grad = new Array(n).fill(0), partial = new Array(n).fill(0);
  const done = new Array(n).fill(false), seen = new Array(n).fill(false);
  steps.forEach((s) => s.terms.forEach((t) => {
    t.before = partial[t.parent];
    t.seenBefore = seen[t.parent];
    partial[t.parent] += num(t.contribution);
    seen[t.parent] = true;
    t.after = partial[t.parent];
  }));
  partial.fill(0);
  seen.fill(false);
  if (N) partial[steps[0].node] = num(steps[0].upstream);
  function apply(s) {
    grad[s.node] = num(s.upstream);
    done[s.node] = true;
    s.terms.forEach((t) => { partial[t.parent] = t.after; seen[t.parent] = true; });
  }
  function undo(s) {
    for (let j = s.terms.length - 1; j >= 0; j--) {
      const t = s.terms[j];
      partial[t.parent] = t.before;
      seen[t.parent] = t.seenBefore;
    }
    done[s.node] = false;
  }

  const status = document.getElementById("status"), clauses = document.getElementById("clauses");
  const slider = document.getElementById("slider"), counter = document.getElementById("counter");
  const buttons = {};
  ["first", "prev", "play", "next", "last"].forEach((b) => (buttons[b] = document.getElementById(b)));
  slider.max = N;

  // Size the picture so its text stays readable; the box scrolls and follows the current node.
  const graphBox = document.getElementById("graph"), svg = graphBox.querySelector("svg");
  function fit() {
    if (!svg || !svg.viewBox || !svg.viewBox.baseVal || !svg.viewBox.baseVal.width) return;
    const vb = svg.viewBox.baseVal, room = graphBox.clientWidth - 18;
    const s = Math.max(1.0, Math.min(1.5, room / vb.width));
    svg.style.width = (vb.width * s) + "px";
    svg.style.height = (vb.height * s) + "px";
  }
  fit();
  window.addEventListener("resize", () => { fit(); if (p > 0) follow(svgNodes[steps[p - 1].node]); });
  function follow(g) {
    if (!g) return;
    const box = graphBox.getBoundingClientRect(), r = g.getBoundingClientRect();
    if (r.left < box.left + 20 || r.right > box.right - 20)
      graphBox.scrollLeft += (r.left + r.right) / 2 - (box.left + box.right) / 2;
    if (r.top < box.top + 20 || r.bottom > box.bottom - 20)
      graphBox.scrollTop += (r.top + r.bottom) / 2 - (box.top + box.bottom) / 2;
  }
  let p = 0, timer = null, flowing = [];

  // Draw node i as the state says: its box and grad text in the picture, its row in the table.
  function render(i, cur) {
    const isCur = cur !== null && cur.node === i;
    const receiving = cur !== null && cur.terms.some((t) => t.parent === i);
    const g = svgNodes[i], tr = rows[i];
    if (g) {
      g.classList.toggle("current", isCur);
      g.classList.toggle("done", done[i]);
      g.classList.toggle("receiving", receiving);
    }
    let text = "", state = "";
    if (done[i]) { text = fmt(grad[i]); state = "done"; }
    else if (seen[i]) { text = fmt(partial[i]); state = "pending"; }
    else { text = fmt(0); }
    if (opNodes[i]) opNodes[i].classList.toggle("current-op", isCur);
    const cell = gradCells[i];
    if (cell) cell.setAttribute("fill", state === "done" ? cell.dataset.fill : "#ffffff");
    const txt = gradTexts[i];
    if (txt) {
      txt.textContent = txt.dataset.prefix + text;
      txt.classList.toggle("grad-filled", state === "done");
      txt.classList.toggle("grad-pending", state === "pending");
    }
    if (tr) {
      tr.cells[3].textContent = state === "pending" ? text + " \u2026" : (state ? text : "");
      tr.className = (isCur ? "current " : "") + state;
    }
  }

  function show(k, all) {
    k = Math.max(0, Math.min(N, k));
    const touched = new Set();
    const mark = (s) => { if (s) { touched.add(s.node); s.terms.forEach((t) => touched.add(t.parent)); } };
    mark(p > 0 ? steps[p - 1] : null);
    while (p < k) { mark(steps[p]); apply(steps[p]); p++; }
    while (p > k) { p--; mark(steps[p]); undo(steps[p]); }
    const cur = p > 0 ? steps[p - 1] : null;
    mark(cur);
    if (all) { for (let i = 0; i < n; i++) render(i, cur); }
    else touched.forEach((i) => render(i, cur));
    flowing.forEach((g) => g.classList.remove("flowing"));
    flowing = [];
    if (cur) {
      // light the edges from the current node's parents into it (through its op node, if drawn)
      const here = "v" + cur.node, parents = new Set(cur.terms.map((t) => "v" + t.parent));
      const into = edgesInto[here] || [];
      into.forEach((e) => {
        if (parents.has(e.from)) flowing.push(e.g);
        (edgesInto[e.from] || []).forEach((f) => { if (parents.has(f.from)) flowing.push(f.g, e.g); });
      });
      flowing.forEach((g) => g.classList.add("flowing"));
    }
    if (cur) {
      const ex = D.explained[p - 1];
      status.textContent = ex.status;
      clauses.textContent = ex.clauses.join("\n");
    } else {
      status.textContent = "Before the pass: every grad is 0.";
      clauses.textContent = N ? "Press \u2192 (or Next) to take the first step: d" + names[D.root] +
        "/d" + names[D.root] + " = " + fmt(num(steps[0].upstream)) + "." : "Nothing to step through.";
    }
    if (cur) follow(svgNodes[cur.node]);
    if (cur) reveal(p - 1);
    slider.value = p;
    counter.textContent = p + " / " + N;
    buttons.first.disabled = buttons.prev.disabled = p === 0;
    buttons.next.disabled = buttons.last.disabled = p === N;
    document.body.dataset.step = p;
  }

  function stop() {
    if (timer !== null) { clearInterval(timer); timer = null; }
    buttons.play.textContent = "\u25b6 Play";
  }
  function play() {
    if (timer !== null) { stop(); return; }
    if (p === N) show(0);
    buttons.play.textContent = "\u275a\u275a Pause";
    timer = setInterval(() => { show(p + 1); if (p >= N) stop(); }, +document.body.dataset.interval || 900);
  }

  buttons.first.addEventListener("click", () => { stop(); show(0); });
  buttons.prev.addEventListener("click", () => { stop(); show(p - 1); });
  buttons.next.addEventListener("click", () => { stop(); show(p + 1); });
  buttons.last.addEventListener("click", () => { stop(); show(N); });
  buttons.play.addEventListener("click", play);
  slider.addEventListener("input", () => { stop(); show(+slider.value); });
  document.addEventListener("keydown", (ev) => {
    if (ev.altKey || ev.ctrlKey || ev.metaKey) return;
    const k = ev.key;
    if (k === "ArrowRight" || k === "ArrowDown") { stop(); show(p + 1); }
    else if (k === "ArrowLeft" || k === "ArrowUp") { stop(); show(p - 1); }
    else if (k === "Home") { stop(); show(0); }
    else if (k === "End") { stop(); show(N); }
    else if (k === " ") { play(); }
    else return;
    ev.preventDefault();
  });
  layRows(true);
  if (VIRTUAL && tbody.rows.length > 2) {
    const h = tbody.rows[1].getBoundingClientRect().height;
    if (h > 0 && Math.abs(h - ROW) > 0.01) { ROW = h; layRows(true); }
  }
  show(0, true);
})();
"""

_TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>__TITLE__</title>
<style>__CSS__</style>
</head>
<body data-step="0" data-picture="__PICTURE__">
<header>
  <h1>__TITLE__</h1>
  <div class="controls">
    <button id="first" title="First (Home)">|&#x25C0;</button>
    <button id="prev" title="Previous step (&#x2190;)">&#x25C0; Prev</button>
    <button id="play" title="Play / pause (space)">&#x25B6; Play</button>
    <button id="next" title="Next step (&#x2192;)">Next &#x25B6;</button>
    <button id="last" title="Last (End)">&#x25B6;|</button>
    <input id="slider" type="range" min="0" max="0" value="0" aria-label="step">
    <span id="counter" class="counter">0 / 0</span>
    <span class="keys"><kbd>&#x2190;</kbd> <kbd>&#x2192;</kbd> step &nbsp; <kbd>space</kbd> play</span>
  </div>
</header>
<section id="explain"><div id="status"></div><div id="clauses"></div></section>
<main>
  <div id="graph">__SVG__</div>
  <aside><table id="nodes"><thead><tr><th>node</th><th>op</th><th>data</th><th>grad</th></tr></thead>
  <tbody></tbody></table></aside>
</main>
<footer>Made by chainrule's autograd.debug.save_html. Orange: the node whose step it is; blue: the
parents it sends gradient to (partial sums in italics); green: gradients that are complete.</footer>
<script type="application/json" id="trace-data">__DATA__</script>
<script>__JS__</script>
</body>
</html>
"""
