"""play and save_html: a backward pass played step by step, in a browser or inline in Jupyter.

Data flows one way: the pass (steps.fresh_pass, and to_json's document of it) and the picture
(autograd.viz), which only read the graph, become one page: the JSON view model and the SVG
inlined into playerfiles/player.html with player.css and player.js (package data, read with
importlib.resources as coverage.py reads its htmlfiles/).  Nothing is fetched at view time, so
the page works from file:// and offline, and inside a sandboxed iframe in Jupyter.

The page gets every number already written by autograd's one number format (format_number):
its script never formats a number itself.  In the SVG each Value is a <g class="node"> whose
<title> is v{i}, i its topological index, the id used by to_json.  The player never reads or
writes any .grad: the grads it shows are those of a fresh pass (what backward() would give from
zero grads), whatever the graph holds and whatever else runs.

A graph too big for Graphviz is drawn folded (each nn neuron call one box) when that fits, and
otherwise not drawn: the page then says so, and the side table still steps through the pass.
play(root, fold=True) asks for the folded picture; the page then gets, for each node, the DOT
node that draws it (a box, a parameter node), so that it can light the box of a step's node.
The page chooses its view itself, when its panel has a size (player.js: openView).
"""

from __future__ import annotations

import html
import json
import pathlib
import re
from collections.abc import Mapping
from importlib import resources
from typing import TYPE_CHECKING, Any

from .._util import describe, format_number
from ..engine import check_value, locked, topological_order
from ..names import Names, caller_scope, d, given_names
from ..value import Value
from .export import document
from .steps import FreshPass, fresh_pass

if TYPE_CHECKING:
    from ..viz.fold import Folding

__all__ = ["EXPLAIN_LIMIT", "Player", "play", "save_html"]

# Up to this many nodes the page carries explain(root, node) for every node (it costs a pass
# per node); above it a click shows the node's step of the pass instead.
EXPLAIN_LIMIT = 300

def _asset(name: str) -> str:
    """One of the page's files, shipped as package data in autograd/debug/playerfiles/."""
    return (resources.files("autograd.debug") / "playerfiles" / name).read_text(encoding="utf-8")


class Player:
    """The player of one backward pass: shows itself inline in Jupyter; save(path) writes it.

    html is the whole self-contained page; names maps each node of the graph to its name in it.
    """

    def __init__(self, root: Value, page: str, names: Mapping[Value, str]) -> None:
        self.root = root
        self.html = page
        self.names = names

    def save(self, path: str | pathlib.Path) -> pathlib.Path:
        """Write the page to path (one self-contained HTML file) and return the path."""
        path = pathlib.Path(path)
        path.write_text(self.html, encoding="utf-8")
        return path

    def _repr_html_(self) -> str:
        """The page in a sandboxed iframe: its scripts run, but cannot reach the notebook."""
        return ('<iframe sandbox="allow-scripts" style="width: 100%; height: 640px; border: 1px '
                'solid #e5e7eb; border-radius: 6px;" title="backward pass of '
                f'{html.escape(self.names[self.root], quote=True)}" '
                f'srcdoc="{html.escape(self.html, quote=True)}"></iframe>')

    def __repr__(self) -> str:
        return f"<Player of the backward pass of {self.names[self.root]}: {len(self.names)} nodes>"


def play(root: Value, *, rankdir: str = "LR", fold: bool = False,
         names: Mapping[Value, str] | None = None) -> Player:
    """The step-through player of root's backward pass (a fresh pass; no .grad is touched).

    In Jupyter it shows itself inline; player.save(path) writes it as one HTML file.
    rankdir: the picture's direction, "LR" (left to right) or "TB" (top to bottom; also "RL",
    "BT").  fold=True draws each nn neuron call as one box, as draw(fold=True) does, and the
    step of a node inside a box lights the box and names the node in it (with fold=False a
    graph is drawn folded only when it is too big to draw whole).  Nodes are named as in every
    view: labels, else the caller's variables, else op#position (names= overrides that, e.g.
    for the debugger, which names from the frame that called backward()).
    """
    check_value(root, "play() root")
    _check_options(rankdir, fold)
    scope = caller_scope()
    names, data, picture = locked(_analysed, root, names, scope, rankdir, fold)
    return Player(root, _page(data, picture), names)


def _analysed(root: Value, names: Mapping[Value, str] | None, scope: Mapping[str, Any],
              rankdir: str, fold: bool) -> tuple[Mapping[Value, str], dict[str, Any], Any]:
    """Everything the page shows of root's graph, read holding the engine's lock (no other
    thread's Tape replay is written into the graph meanwhile: one replay's numbers, never a
    mix): the names, the view model, and the picture to render (its DOT source made).

    One analysed graph: the order, the names and the pass are made once, here and in
    fresh_pass, and handed to the steps, the JSON document, the explanations and the picture."""
    order = topological_order(root)
    names = given_names(root, order, scope, names, "play")
    shown = names.printable() if isinstance(names, Names) else names
    run = fresh_pass(root, shown, order)
    data = _view_model(run, root, run.names, scope)
    picture = _picture(root, run, rankdir=rankdir, fold=fold)
    data["rankdir"] = rankdir
    return names, data, picture


def save_html(root: Value, path: str | pathlib.Path, *, rankdir: str = "LR",
              fold: bool = False) -> pathlib.Path:
    """Write the player of root's backward pass to path (one self-contained file); return it.

    The same as play(root, rankdir=..., fold=...).save(path): the graph with the current node
    highlighted and the grads filling in, previous / play / next and arrow keys, zoom and pan,
    the step's explanation, and d root / d node explained for a clicked node.
    """
    check_value(root, "save_html() root")
    _check_options(rankdir, fold)
    return play(root, rankdir=rankdir, fold=fold).save(path)


RANKDIRS = ("LR", "TB", "RL", "BT")


def _check_options(rankdir: Any, fold: Any) -> None:
    if rankdir not in RANKDIRS:
        raise ValueError(f"play(rankdir=...) must be one of 'LR' (left to right), 'TB' (top to "
                         f"bottom), 'RL' or 'BT', got {describe(rankdir)}")
    if not isinstance(fold, bool):
        raise TypeError(f"play(fold=...) must be True or False, got {describe(fold)}")


# ---------------------------------------------------------------------------------------------
# The page

def _page(data: dict[str, Any], picture: tuple[str, Any, str, dict[str, Any]]) -> str:
    """The page: the view model and the picture (rendered to SVG here, outside the lock)."""
    kind, graph, note, drawn = picture
    svg = "" if graph is None else _inline_svg(graph.pipe(format="svg", encoding="utf-8", quiet=True))
    data["picture"] = kind
    data.update(drawn)
    title = f"Backward pass of {data['rootName']}"
    parts = {"TITLE": html.escape(title), "CSS": _asset("player.css"), "JS": _asset("player.js"),
             "PICTURE": kind, "NOTE": note, "SVG": svg, "DATA": _script_json(data)}
    # one pass over the template, so text inside the parts is never taken for a placeholder
    return re.sub(r"__(TITLE|CSS|JS|PICTURE|NOTE|SVG|DATA)__", lambda m: parts[m.group(1)],
                  _asset("player.html"))


def _view_model(run: FreshPass, root: Value, names: Mapping[Value, str],
                scope: Mapping[str, Any]) -> dict[str, Any]:
    """What the page's script reads: to_json's document of a fresh pass (no .grad touched),
    and every text it shows, numbers already formatted (the script never formats one)."""
    order, steps = run.order, run.steps
    ids = {node: i for i, node in enumerate(order)}
    shown_steps = [{
        "status": step.status(len(steps)),
        "clauses": step.clauses(),
        "upstream": format_number(step.upstream),
        # the parent's gradient summed so far in the pass, this term included
        "totals": [format_number(t.contribution if t.total is None else t.total) for t in step.terms],
    } for step in steps]
    root_name = names[root]
    return {
        "rootName": root_name,
        "trace": document(run),
        "root": ids[root],
        "zero": format_number(0.0),
        "data": [format_number(node.data) for node in order],
        "grad": [format_number(run.grads[node]) for node in order],
        "steps": shown_steps,
        "why": _explanations(root, order, names, scope),
        "whyHead": [f"{d(root_name)}/{d(names[node])}" for node in order],
        "seed": f"{d(root_name)}/{d(root_name)} = {format_number(run.grads[root])}",
    }


def _explanations(root: Value, order: list[Value], names: Mapping[Value, str],
                  scope: Mapping[str, Any]) -> list[str] | None:
    """str(explain(root, node)) for every node when the graph has at most EXPLAIN_LIMIT nodes,
    all from the view's one order and names (explain_each); else None (the page then shows a
    clicked node's step)."""
    if len(order) > EXPLAIN_LIMIT:
        return None
    from ..explain import explain_each  # looked up at each call (tests put a stand-in there)

    return [str(e) for e in explain_each(root, order, names, scope)]


def _script_json(data: Any) -> str:
    """JSON that is safe inside <script>: no '</script>', '<!--', or line separators survive."""
    text = json.dumps(data, ensure_ascii=False, allow_nan=False)
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")  # a lone surrogate: \ud800
    return (text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


# ---------------------------------------------------------------------------------------------
# The picture

def _picture(root: Value, run: FreshPass, *, rankdir: str,
             fold: bool) -> tuple[str, Any, str, dict[str, Any]]:
    """(kind, graph to render, note, where each node is drawn): the whole graph ("full"), each nn neuron
    call as a box ("folded", asked for or when only that fits), or no picture ("none") with a
    note saying why.

    autograd.viz.picture_plan is the size policy (the limit, and whether folding would fit).
    The picture is drawn with the grads of the pass (never the .grad fields), its nodes named
    as the page names them; the page then fills the grads in step by step.
    """
    from .. import viz  # pictures are drawn by viz, loaded only when a player is made

    plan = viz.picture_plan(root, run.order, fold=True if fold else None)
    if plan.kind == "none":
        return "none", None, _too_big_note(plan.size, plan.folded, plan.limit), {}
    graph = viz.picture(root, names=run.names, grads=run.grads, rankdir=rankdir, plan=plan)
    if not plan.fold:
        return "full", graph, "", {}
    drawn = _drawn(plan.folding)
    if fold:
        return "folded", graph, "", drawn
    note = (f'<p class="note">Drawn folded: each nn neuron call is one box (its inner nodes are '
            f'in the table only), as the whole graph has {plan.size:,} nodes and edges, more than '
            f'<code>autograd.viz.MAX_SIZE</code> = {plan.limit:,}.</p>')
    return "folded", graph, note, drawn


def _drawn(folding: Folding) -> dict[str, Any]:
    """Where the folded picture draws each node, for the page: "drawnAs", the DOT node of each
    node drawn inside another's (a neuron call's box v{k}, a parameter node p{k}; null for a
    node drawn as itself), and "groups", each parameter node's parameters in the order of its
    rows (whose grad texts the page fills in)."""
    drawn_as = []
    for j in range(len(folding.order)):
        name = folding.name(j)
        drawn_as.append(None if name == f"v{j}" else name)
    groups = {f"p{first}": js for first, (_, js) in folding.groups.items()}
    return {"drawnAs": drawn_as, "groups": groups}


def _inline_svg(svg: str) -> str:
    """The <svg> element alone (no XML declaration, DOCTYPE or comments before it), without its
    fixed size: the page scales it to its panel through its viewBox."""
    start = svg.find("<svg")
    if start < 0:
        raise ValueError("autograd.viz.to_svg() returned no <svg> element")
    svg = svg[start:]
    head_end = svg.find(">")
    head = re.sub(r'\s(width|height)="[^"]*"', "", svg[:head_end])
    return head + svg[head_end:]


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
        "sample instead of a whole batch: <code>play(loss_of_one_sample)</code>. "
        "Or raise <code>autograd.viz.MAX_SIZE</code> before calling <code>play</code> "
        "(Graphviz may then take minutes).</p></div>")
