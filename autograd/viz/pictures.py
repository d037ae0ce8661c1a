"""The public pictures: draw, to_svg, save_svg, save_png, save_gif; and picture(), the same
drawing for other views.

Each public function captures the user's variables (autograd.names.caller_scope()) at its
entry, so a Value without a label is named after the variable that holds it, as in every view.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .._util import describe
from ..engine import locked, topological_order
from ..names import caller_scope, node_names
from ..value import Value
from .drawing import dot_graph
from .render import Graph
from .size import PicturePlan, picture_plan

__all__ = ["RANKDIRS", "draw", "picture", "save_gif", "save_png", "save_svg", "to_svg"]

RANKDIRS = ("LR", "TB", "RL", "BT")
OPTIONS = ("rankdir", "show_grad", "show_local", "highlight", "fold")  # draw()'s keywords
# what each saving function writes: its suffix, and what it is
WRITERS = {"save_svg": (".svg", "SVG"), "save_png": (".png", "a PNG"),
           "save_gif": (".gif", "an animated GIF of the backward pass"),
           "save_html": (".html", "the HTML player of the backward pass")}


def draw(root: Value, *, rankdir: str = "LR", show_grad: bool = True, show_local: bool = False,
         highlight: Value | Sequence[Value] | None = None, fold: bool = False) -> Graph:
    """The graph of everything root depends on, as a graphviz.Digraph that shows itself inline
    in Jupyter (see autograd.viz).

    Args:
        root: the Value whose graph is drawn (a loss, usually).
        rankdir: "LR" (left to right), "TB" (top to bottom), "RL" or "BT".
        show_grad: the grad of each Value and the gradient cue (colours, edge widths).
        show_local: each edge's local derivative d result / d operand, written on it.
        highlight: a Value or a list of them, drawn in orange with the gradient path from root
            down to them.
        fold: each nn neuron call as one box, each layer call in a frame.

    Example:
        `draw(C, rankdir="TB", show_local=True, highlight=net.w1)` is the picture of the
        two-node network in the tutorials; `save_svg(C, path, ...)` writes the same to a file.
    """
    _check_root(root, "draw()")
    scope = caller_scope()
    # read holding the engine's lock: one Tape replay's numbers, never a mix of two (the DOT
    # source is made now; rendering it later reads no Value)
    return locked(lambda: picture(root, scope=scope, rankdir=rankdir, show_grad=show_grad,
                                  show_local=show_local, highlight=highlight, fold=fold))


def to_svg(root: Value, **draw_kwargs: Any) -> str:
    """The picture of draw(root, **draw_kwargs) as SVG text (draw's options: rankdir,
    show_grad, show_local, highlight, fold)."""
    _check_root(root, "to_svg()")
    graph = picture(root, scope=caller_scope(), **_options("to_svg()", draw_kwargs))
    return graph.pipe(format="svg", encoding="utf-8", quiet=True)


def save_svg(root: Value, path: str | os.PathLike[str], **draw_kwargs: Any) -> Path:
    """Write the picture of draw(root, **draw_kwargs) to path as SVG; returns the path
    (draw's options: rankdir, show_grad, show_local, highlight, fold)."""
    _check_root(root, "save_svg()")
    path = _check_path(path, "save_svg")
    graph = picture(root, scope=caller_scope(), **_options("save_svg()", draw_kwargs))
    path.write_text(graph.pipe(format="svg", encoding="utf-8", quiet=True), encoding="utf-8")
    return path


def save_png(root: Value, path: str | os.PathLike[str], *, scale: float = 2.0,
             **draw_kwargs: Any) -> Path:
    """Write the picture of draw(root, **draw_kwargs) to path as a PNG, for slides and
    documents; returns the path.  scale=1 is the SVG's size as a browser shows it at 100%;
    the default 2 doubles it.  Drawn by resvg with the fonts chainrule ships: no Graphviz,
    Cairo or browser needed (see autograd.viz.raster)."""
    from . import raster  # loaded on first use: drawing an SVG needs no image library

    _check_root(root, "save_png()")
    path = _check_path(path, "save_png")
    scale = raster.check_scale(scale, "save_png()")
    graph = picture(root, scope=caller_scope(), **_options("save_png()", draw_kwargs))
    svg = graph.pipe(format="svg", encoding="utf-8", quiet=True)
    path.write_bytes(raster.png(svg, scale))
    return path


def save_gif(root: Value, path: str | os.PathLike[str], *, seconds_per_step: float = 0.8,
             **draw_kwargs: Any) -> Path:
    """Write the backward pass of root as an animated GIF to path, one frame per step as the
    player shows it: the current node highlighted, grads filling in, the step's chain-rule
    line as a caption; returns the path.  For slides that cannot play HTML (save_html).

    The pass is the one root.backward() makes from zero grads (no .grad is read or written);
    draw's options (rankdir, show_local, fold, ...) choose how the graph is drawn."""
    from ..debug.steps import fresh_pass
    from .gif import write_gif

    _check_root(root, "save_gif()")
    path = _check_path(path, "save_gif")
    seconds = _check_seconds(seconds_per_step)
    options = _options("save_gif()", draw_kwargs)
    order = topological_order(root)
    names = node_names(root, order, caller_scope())
    plan = picture_plan(root, order, fold=bool(options.get("fold", False)))
    run = fresh_pass(root, names.printable())
    graph = picture(root, names=names, grads=run.grads, **options)
    svg = graph.pipe(format="svg", encoding="utf-8", quiet=True)
    write_gif(run, svg, plan, os.fspath(path), seconds,
              quiet_edges=options.get("highlight") is None)
    return path


def _check_path(path: Any, writer: str) -> Path:
    """path as a Path, when its suffix is the one writer writes; else a ValueError that names
    the function that writes that suffix."""
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"{writer}() needs a path (a str or pathlib.Path), got {describe(path)}")
    path = Path(path)
    suffix, what = WRITERS[writer]
    got = path.suffix.lower()
    if got == suffix:
        return path
    others = [name for name, (s, _) in WRITERS.items() if s == got]
    if others:
        other = others[0]
        hint = (f"for {WRITERS[other][1]}, use autograd.{other}(root, {str(path)!r})"
                if other != "save_html" else
                f"for the HTML player, use autograd.save_html(root, {str(path)!r})")
        raise ValueError(f"{writer}() writes {what}, but {str(path)!r} ends in {got}: {hint}; "
                         f"or give a path ending in {suffix}")
    alternatives = ", ".join(f"{s} ({name})" for name, (s, _) in WRITERS.items() if name != writer)
    raise ValueError(f"{writer}() writes {what}, so the path must end in {suffix}, got "
                     f"{str(path)!r}; the other pictures: {alternatives}")


def _check_seconds(seconds: Any) -> float:
    """seconds_per_step as a float, when it is a number a GIF can hold (0.02 s or more)."""
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
        raise TypeError(f"save_gif(seconds_per_step=...) must be a number such as 0.8, got "
                        f"{describe(seconds)}")
    if not (math.isfinite(seconds) and 0.02 <= seconds <= 600):
        raise ValueError(f"save_gif(seconds_per_step=...) must be between 0.02 and 600 seconds "
                         f"(a GIF counts in hundredths of a second, and viewers slow down "
                         f"anything faster), got {seconds!r}")
    return float(seconds)


def _options(who: str, kwargs: dict[str, Any]) -> dict[str, Any]:
    """kwargs, when each is one of draw()'s options; else a TypeError that lists them."""
    for key in kwargs:
        if key not in OPTIONS:
            raise TypeError(f"{who} got an unexpected keyword argument {key!r}; it takes "
                            f"draw()'s options: {', '.join(OPTIONS)}")
    return kwargs


def picture(root: Value, *, names: Mapping[Value, str] | None = None,
            scope: Mapping[str, Any] | None = None, grads: Mapping[Value, float] | None = None,
            rankdir: str = "LR", show_grad: bool = True, show_local: bool = False,
            highlight: Value | Sequence[Value] | None = None, fold: bool = False,
            plan: PicturePlan | None = None) -> Graph:
    """draw() as another view shows the graph: with that view's names (node_names(root, ...),
    or any mapping node -> name), or names made from scope (the user's variables,
    autograd.names.caller_scope()); and, when given, the gradients of that view's pass
    (grads: node -> gradient; 0.0 for a node it leaves out) in place of each .grad.
    plan: the view's picture_plan(root, ...) of root's graph, when it has one (the player): its
    order and folding are drawn as they are, and fold is the plan's."""
    _check_root(root, "draw()")
    if rankdir not in RANKDIRS:
        raise ValueError(f"draw(rankdir=...) must be one of 'LR', 'TB', 'RL', 'BT', got {rankdir!r}")
    for flag, on in (("show_grad", show_grad), ("show_local", show_local), ("fold", fold)):
        if not isinstance(on, bool):
            raise TypeError(f"draw({flag}=...) must be True or False, got {describe(on)}")
    if plan is None:
        plan = picture_plan(root, topological_order(root), fold=bool(fold))
    order = plan.folding.order
    index = plan.folding.index
    targets = _targets(highlight, index)
    if plan.kind == "none":
        raise ValueError(f"draw(): {plan.message}")
    if names is None:
        names = node_names(root, order, scope)
    return dot_graph(order, names, plan.folding, targets=targets, grads=grads, rankdir=rankdir,
                     show_grad=bool(show_grad), show_local=bool(show_local))


def _check_root(root: Any, who: str) -> None:
    if not isinstance(root, Value):
        raise TypeError(f"{who} needs a Value, got {describe(root)}")


def _targets(highlight: Any, index: dict[Value, int]) -> list[int]:
    """Indices of the Values to highlight (a Value, or a list of them, all in the graph)."""
    if highlight is None:
        return []
    expected = "draw(highlight=...) takes a Value or a list of Values"
    if isinstance(highlight, Value):
        items = [highlight]
    elif isinstance(highlight, (str, bytes)):
        raise TypeError(f"{expected}, got {describe(highlight)}")
    else:
        try:
            items = list(highlight)
        except TypeError:
            raise TypeError(f"{expected}, got {describe(highlight)}") from None
    out = []
    for v in items:
        if not isinstance(v, Value):
            raise TypeError(f"draw(highlight=...) takes Values, got {describe(v)}")
        if v not in index:
            raise ValueError(f"draw(highlight=...): {v!r} is not in the graph of the root "
                             f"(the root does not depend on it)")
        out.append(index[v])
    return out
