"""Pictures of computation graphs: Value graph -> DOT -> SVG (by dot, or graphviz-pure).

    draw(root, ...)            a graphviz.Digraph (it shows itself inline in Jupyter)
    to_svg(root, ...)          the SVG text
    save_svg(root, path, ...)  the SVG written to path
    save_png(root, path, ...)  the picture as a PNG (resvg and shipped fonts: no Graphviz needed)
    save_gif(root, path, ...)  the backward pass as an animated GIF, one frame per step

One job per module:
    pictures.py  the public functions, checking their arguments; picture() for other views
    drawing.py   Value graph -> DOT: one box per Value, one oval per op (the DOT names v{i}, o{i})
    fold.py      fold=True: nn neuron calls as boxes, found through nn's labels only
    size.py      MAX_SIZE and picture_plan(): what to draw of a graph within the limit
    render.py    DOT -> SVG by Graphviz's dot, else the graphviz-pure program
    raster.py    SVG -> PNG by resvg, with DejaVu Sans shipped in fonts/ (loaded on first use)
    animation.py save_gif's frames: the player's marks put into the SVG step by step
    style.py     colours, the font, the gradient cue, any label as text Graphviz shows as typed

What the picture shows
    A Value is a box: its name (its label in bold; else the user's variable that holds it in
    italics; else its op and position, mul#6, in grey italics: the names every view uses), its
    data and its grad.  The op that made it is a small oval (`*`, `+`, `tanh`, ...) with edges
    operand -> op -> result; a constant operand is written where it stands (`* 2.0000`).  Every
    number is written by format_number, the one format of every view.  Gradients are coloured
    by sign (blue > 0, red < 0), paler when small; each edge is as thick as the gradient it
    carries back (the result's grad times the edge's local derivative), so the largest
    contributions stand out; while every gradient is zero nothing is coloured.
    `show_local=True` writes each edge's local derivative d result / d operand on it.
    `highlight` draws the chosen nodes in orange and every node and edge on a path from the
    root down to them: the route their gradient took.  `fold=True` draws each nn neuron call as
    one box (fold.py).  Any label shows as typed; a very long one is shortened (style.py).

Size
    A picture has at most autograd.viz.MAX_SIZE nodes plus edges (an ordinary variable of
    this package, read whenever a picture is planned: set it to go further); draw() refuses
    a larger one at once, saying whether fold=True would fit.  The HTML player asks
    picture_plan() the same question.

Rendering
    Graphviz's `dot` when it is on PATH (and runs), otherwise the `graphviz-pure` program (from
    PyPI, found on PATH or next to the Python executable).  The Graph that draw() returns
    pipes through them in pipe() and so in its Jupyter display; its render() and view() are
    graphviz's own and need Graphviz's dot: without it they raise graphviz.ExecutableNotFound
    saying to use save_svg() / save_png() / save_gif(), which need no Graphviz.
    save_png() and save_gif() draw the SVG with resvg (raster.py), a wheel from PyPI, with the
    DejaVu Sans that Graphviz measured the text with, shipped in fonts/.
"""

from __future__ import annotations

from .pictures import draw, picture, save_gif, save_png, save_svg, to_svg
from .render import Graph
from .size import PicturePlan, picture_plan
from .style import HIGHLIGHT

__all__ = [
    "HIGHLIGHT",
    "MAX_SIZE",
    "Graph",
    "PicturePlan",
    "draw",
    "picture",
    "picture_plan",
    "save_gif",
    "save_png",
    "save_svg",
    "to_svg",
]


MAX_SIZE = 10_000  # most nodes plus edges a picture has: Graphviz takes about 5 s for this many
