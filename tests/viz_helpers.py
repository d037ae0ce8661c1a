"""Shared by the picture tests: run with each renderer, read an SVG back as XML."""

import shutil
import xml.etree.ElementTree as ET

import pytest

from autograd import Value
from autograd.engine import topological_order
from autograd.viz import render

SVG = "{http://www.w3.org/2000/svg}"
REAL_WHICH = shutil.which


def hide_dot(monkeypatch):
    """Make draw's renderer search behave as if Graphviz's dot were not installed."""
    monkeypatch.setattr(render.shutil, "which",
                        lambda name, *a, **k: None if name == "dot" else REAL_WHICH(name, *a, **k))


def use_renderer(request, monkeypatch):
    """Each test using it runs once with dot and once with graphviz-pure (dot hidden)."""
    if request.param == "dot":
        if REAL_WHICH("dot") is None:
            pytest.skip("Graphviz's dot is not installed")
    else:
        hide_dot(monkeypatch)
    return request.param


def parse(svg):
    """{title: [<g> element, ...]} for the nodes, edges and clusters of an SVG picture."""
    items = {}
    for g in ET.fromstring(svg).iter(SVG + "g"):
        if g.get("class") in ("node", "edge", "cluster"):
            items.setdefault(g.find(SVG + "title").text, []).append(g)
    return items


def nodes(items):
    """{title: <g>} for the nodes only."""
    return {t: g[0] for t, g in items.items() if g[0].get("class") == "node"}


def texts(g):
    return [t.text for t in g.iter(SVG + "text")]


def strokes(g):
    return {e.get("stroke") for e in g.iter() if e.get("stroke") not in (None, "none", "transparent")}


def stroke_width(edge):
    return float(edge.find(SVG + "path").get("stroke-width", "1"))


def rgb(color):
    return tuple(int(color[i:i + 2], 16) for i in (1, 3, 5))


def product():
    """L = a * b with a = 2, b = -3, after backward: a.grad = -3, b.grad = 2."""
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    L = a * b
    L.label = "L"
    L.backward()
    return a, b, L


def names(root):
    """{Value: DOT name} by the documented rule: v{i} at topological position i."""
    return {v: f"v{i}" for i, v in enumerate(topological_order(root))}
