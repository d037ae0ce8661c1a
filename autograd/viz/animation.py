"""save_gif's pictures: the graph after each step of the backward pass, as the player shows it.

The picture is laid out once (Graphviz's dot or graphviz-pure), drawn with the gradients of a
fresh pass (autograd.debug.fresh_pass: no .grad is read or written); each frame is that SVG with
the player's marks for the state after its step, drawn by resvg (raster.py):

    the current node       an orange border (and its op oval filled), as in the player
    its parents            a blue border: they receive a term of the chain rule now
    the edges it sends on  orange
    grads                  0.0000 until a term reaches them; then the sum so far, blue italic;
                           then, at the node's own step, the complete gradient, green bold on green

gif.py adds each step's caption and writes the GIF.  Only the part of a picture that differs
from the one before it is drawn again (the boxes of the nodes and edges its step or the one
before touched), so a frame costs about its change, not the whole picture.
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any

from .._util import format_number
from ..debug.steps import FreshPass
from . import raster
from .size import PicturePlan

__all__ = ["ACCENT", "DONE", "PENDING", "SVG_NS", "Frames"]

ACCENT = "#d9480f"       # the current node: the player's --accent
DONE = "#2f9e44"         # a complete gradient: the player's --done
DONE_FILL = "#ebfbee"
PENDING = "#1971c2"      # a gradient summed so far
EDGE_QUIET = "#868e96"   # every edge when nothing flows on it, as in the player
CURRENT_OP_FILL = "#ffe8cc"

SVG_NS = "http://www.w3.org/2000/svg"
_S = "{" + SVG_NS + "}"
_EDGE_TITLE = re.compile(r"^(\S+?)(?::\S+)?->(\S+?)(?::\S+)?$")
_POINTS = re.compile(r"-?\d+(?:\.\d+)?(?:e-?\d+)?")


@dataclass
class _Node:
    """One DOT node of the picture: its border, its op oval, its grad texts and their cells."""

    group: ET.Element
    border: ET.Element | None = None
    grads: list[tuple[ET.Element, ET.Element | None]] = field(default_factory=list)
    parts: list[tuple[float, float, float, float]] = field(default_factory=list)  # its boxes


def _bbox(element: ET.Element) -> tuple[float, float, float, float]:
    """The bounding box (x0, y0, x1, y1) of the points, paths and texts in element."""
    xs: list[float] = []
    ys: list[float] = []
    for e in element.iter():
        tag = e.tag.removeprefix(_S)
        if tag in ("polygon", "polyline"):
            nums = [float(v) for v in _POINTS.findall(e.get("points", ""))]
        elif tag == "path":
            nums = [float(v) for v in _POINTS.findall(e.get("d", ""))]
        elif tag == "ellipse":
            cx, cy = float(e.get("cx", 0)), float(e.get("cy", 0))
            rx, ry = float(e.get("rx", 0)), float(e.get("ry", 0))
            nums = [cx - rx, cy - ry, cx + rx, cy + ry]
        elif tag == "text":
            x, y = float(e.get("x", 0)), float(e.get("y", 0))
            size = float(e.get("font-size", 14))
            nums = [x - 0.5 * size * len(e.text or ""), y - size, x + 0.6 * size * len(e.text or ""),
                    y + 0.3 * size]
        else:
            continue
        xs += nums[0::2]
        ys += nums[1::2]
    if not xs:
        return (0.0, 0.0, 0.0, 0.0)
    return (min(xs), min(ys), max(xs), max(ys))


class Frames:
    """The frames of a fresh pass's steps, drawn from the SVG of its picture at scale."""

    def __init__(self, run: FreshPass, svg: str, plan: PicturePlan, scale: float, *,
                 quiet_edges: bool) -> None:
        ET.register_namespace("", SVG_NS)
        ET.register_namespace("xlink", "http://www.w3.org/1999/xlink")
        self.run, self.scale = run, scale
        self.root = ET.fromstring(svg)
        self.width, self.height = raster.pixel_size(svg, scale)
        self.view = [float(v) for v in self.root.get("viewBox", "0 0 1 1").split()]
        self.k = self.width / self.view[2]          # pixels per unit of the viewBox
        self.shift, self.zoom = _transform(self.root)
        top = self.root.find(_S + "g")
        self.top = top if top is not None else self.root
        self.boxes = {id(e): _bbox(e) for e in self.top if e.tag == _S + "g"}
        # the system's fonts only for characters the shipped ones lack (grads are digits)
        shown = "".join(t.text or "" for t in self.root.iter(_S + "text"))
        self.system_fonts = not raster.covers(shown)
        self.index = {node: i for i, node in enumerate(run.order)}
        self.drawn = [plan.folding.name(i) for i in range(len(run.order))]
        self.nodes: dict[str, _Node] = {}
        self.edges_into: dict[str, list[tuple[str, ET.Element]]] = {}
        self.original: dict[int, dict[str, str]] = {}   # id(element) -> attributes as drawn
        for g in self.root.iter(_S + "g"):
            title = g.find(_S + "title")
            text = (title.text or "").strip() if title is not None else ""
            if g.get("class") == "node":
                self.nodes[text] = _node(g)
            elif g.get("class") == "edge" and (m := _EDGE_TITLE.match(text)):
                self.edges_into.setdefault(m[2], []).append((m[1], g))
                for e in g:
                    if quiet_edges and e.tag in (_S + "path", _S + "polygon"):
                        e.set("stroke", EDGE_QUIET)
                        e.set("stroke-width", "1")
                        if e.tag == _S + "polygon":
                            e.set("fill", EDGE_QUIET)
        for g in self.root.iter():
            self.original[id(g)] = dict(g.attrib)
        # the grad text of each Value: its own node's, its row of a parameter node, a box's output's
        self.grad_of: dict[int, tuple[ET.Element, ET.Element | None, float]] = {}
        rows: dict[str, int] = {}
        font = raster.font(100)
        for i, name in enumerate(self.drawn):
            node = self.nodes.get(name)
            if node is None or not node.grads:
                continue
            if name.startswith("p"):
                rows[name] = rows.get(name, 0) + 1
                k = rows[name] - 1
                if k >= len(node.grads):
                    continue
            elif name == f"v{i}":
                k = len(node.grads) - 1
            else:
                continue
            label, cell = node.grads[k]
            room = font.getlength(label.text or "") * float(label.get("font-size", 14)) / 100
            self.grad_of[i] = (label, cell, room)
        self.marked: list[ET.Element] = []   # elements carrying a mark of the last frame

    # -- the state after a step ---------------------------------------------------------------
    def _grad_text(self, i: int, shown: str, state: str) -> None:
        """Value i's grad text: shown, green bold when complete, blue italic while pending."""
        found = self.grad_of.get(i)
        if found is None:
            return
        text, cell, room = found
        text.attrib = dict(self.original[id(text)])
        text.text = "grad " + shown
        if state == "done":
            text.set("fill", DONE)
            text.set("font-weight", "bold")
        elif state == "pending":
            text.set("fill", PENDING)
            text.set("font-style", "italic")
        bold = state == "done"
        size = float(text.get("font-size", 14))
        if room and raster.font(100, bold).getlength(text.text) * size / 100 > room:
            text.set("textLength", f"{room:.2f}")   # a longer number is squeezed into its room
            text.set("lengthAdjust", "spacingAndGlyphs")
        if cell is not None:
            cell.set("fill", DONE_FILL if state == "done" else "#ffffff")

    def _mark(self, e: ET.Element | None, **attrs: str) -> None:
        if e is None:
            return
        for key, value in attrs.items():
            e.set(key.replace("_", "-"), value)
        self.marked.append(e)

    def _unmark(self) -> None:
        for e in self.marked:
            e.attrib = dict(self.original[id(e)])
        self.marked = []

    def _show(self, k: int, state: dict[int, str], text: dict[int, str]) -> set[str]:
        """Put step k's marks and the grads after it into the SVG; the DOT names it touched."""
        run, index, drawn = self.run, self.index, self.drawn
        step = run.steps[k]
        i = index[step.node]
        parents = [index[t.parent] for t in step.terms]
        state[i] = "done"
        for t, j in zip(step.terms, parents):
            if state.get(j) != "done":
                state[j] = "pending"
            text[j] = format_number(t.contribution if t.total is None else t.total)
        for j in (i, *parents):
            s = state.get(j, "")
            shown = (format_number(run.grads[run.order[j]]) if s == "done"
                     else text.get(j, format_number(0.0)))
            self._grad_text(j, shown, s)
        self._unmark()
        here, sources = drawn[i], {drawn[j] for j in parents}
        for name in sources - {here}:
            self._mark(self.nodes[name].border if name in self.nodes else None,
                       stroke=PENDING, stroke_width="2.5")
        if here in self.nodes:
            self._mark(self.nodes[here].border, stroke=ACCENT, stroke_width="3")
        op = self.nodes.get(f"o{i}") if here == f"v{i}" else None
        if op is not None:
            self._mark(op.border, stroke=ACCENT, stroke_width="3", fill=CURRENT_OP_FILL)
        touched = {here, *sources} | ({f"o{i}"} if op is not None else set())
        for tail, g in self.edges_into.get(here, []):
            flowing = [g] if tail in sources else []
            for tail2, g2 in self.edges_into.get(tail, []):
                if tail2 in sources:
                    flowing += [g2, g]
            for e in flowing:
                for part in e:
                    if part.tag == _S + "path":
                        self._mark(part, stroke=ACCENT, stroke_width="2.5")
                    elif part.tag == _S + "polygon":
                        self._mark(part, stroke=ACCENT, fill=ACCENT)
                touched.add(f"edge {id(e)}")
                if f"edge {id(e)}" not in self.nodes:
                    self.nodes[f"edge {id(e)}"] = _Node(e, parts=_edge_parts(e))
        return touched

    # -- pixels ---------------------------------------------------------------------------------
    def _pixels(self, box: tuple[float, float, float, float]) -> tuple[int, int, int, int]:
        """The pixel rectangle that covers box (in the picture group's units), within the image."""
        x0, y0, x1, y1 = box
        s, (tx, ty) = self.zoom, self.shift
        vx, vy = self.view[0], self.view[1]
        margin = 4.0
        px0 = int(((x0 - margin + tx) * s - vx) * self.k)
        py0 = int(((y0 - margin + ty) * s - vy) * self.k)
        px1 = int(((x1 + margin + tx) * s - vx) * self.k) + 1
        py1 = int(((y1 + margin + ty) * s - vy) * self.k) + 1
        return (max(0, px0), max(0, py0), min(self.width, px1), min(self.height, py1))

    def _draw(self, rect: tuple[int, int, int, int] | None = None) -> Any:
        """The picture as it stands (or the pixels of rect of it), drawn by resvg.  For a rect
        only the parts of the picture that reach into it are drawn: resvg lays out every text
        it is given, wherever it is."""
        from PIL import Image

        px0, py0, px1, py1 = rect or (0, 0, self.width, self.height)
        vx, vy, k = self.view[0], self.view[1], self.k
        root = ET.Element(self.root.tag, dict(self.root.attrib))
        root.set("width", str(px1 - px0))
        root.set("height", str(py1 - py0))
        root.set("viewBox", f"{vx + px0 / k:.6f} {vy + py0 / k:.6f} "
                            f"{(px1 - px0) / k:.6f} {(py1 - py0) / k:.6f}")
        group = ET.SubElement(root, self.top.tag, dict(self.top.attrib))
        if rect is None:
            group.extend(list(self.top))
        else:
            s, (tx, ty) = self.zoom, self.shift
            x0, y0 = (vx + px0 / k) / s - tx, (vy + py0 / k) / s - ty   # rect in picture units
            x1, y1 = (vx + px1 / k) / s - tx, (vy + py1 / k) / s - ty
            for e in self.top:
                b = self.boxes.get(id(e))
                if b is None or (b[0] - 4 <= x1 and x0 <= b[2] + 4 and b[1] - 4 <= y1
                                 and y0 <= b[3] + 4):   # 4: room for a stroke's width
                    group.append(e)
        svg = ET.tostring(root, encoding="unicode")
        image = raster.render(svg, system_fonts=self.system_fonts)
        return Image.open(io.BytesIO(image)).convert("RGB")

    def images(self) -> Any:
        """The picture after each step, as Pillow images (one object, drawn over in place), with
        each step's caption lines."""
        state: dict[int, str] = {}
        text: dict[int, str] = {}
        for i in self.grad_of:
            self._grad_text(i, format_number(0.0), "")
        picture = None
        before: set[str] = set()
        for k in range(len(self.run.steps)):
            touched = self._show(k, state, text)
            if picture is None:
                picture = self._draw()
            else:
                rects = _merged({self._pixels(box) for name in touched | before
                                 if name in self.nodes for box in self.nodes[name].parts})
                for rect in rects:   # overlapping rects are each drawn whole: in any order
                    picture.paste(self._draw(rect), rect[:2])
            before = touched
            yield picture


def _merged(rects: set[tuple[int, int, int, int]]) -> list[tuple[int, int, int, int]]:
    """The non-empty rects, two merged into their bounding rect where that draws at most a
    third more pixels than the two (each drawing costs a call of resvg)."""
    def area(r: tuple[int, int, int, int]) -> int:
        return (r[2] - r[0]) * (r[3] - r[1])

    out = sorted(r for r in rects if r[2] > r[0] and r[3] > r[1])
    k = 0
    while k < len(out):
        for j in range(k + 1, len(out)):
            r, q = out[k], out[j]
            u = (min(r[0], q[0]), min(r[1], q[1]), max(r[2], q[2]), max(r[3], q[3]))
            if 3 * area(u) <= 4 * (area(r) + area(q)):
                out[k] = u
                del out[j]
                break
        else:
            k += 1
    return out


def _edge_parts(g: ET.Element) -> list[tuple[float, float, float, float]]:
    """Boxes that cover an edge: one per Bezier segment of its path (a long edge's box would
    be most of the picture), and one for each other part (the arrowhead, a label)."""
    parts = []
    for e in g:
        if e.tag == _S + "path":
            nums = [float(v) for v in _POINTS.findall(e.get("d", ""))]
            points = list(zip(nums[0::2], nums[1::2]))
            for k in range(0, max(1, len(points) - 1), 3):
                seg = points[k:k + 4]
                xs, ys = [p[0] for p in seg], [p[1] for p in seg]
                parts.append((min(xs), min(ys), max(xs), max(ys)))
        elif e.tag != _S + "title":
            parts.append(_bbox(e))
    return parts


def _node(g: ET.Element) -> _Node:
    """A DOT node's parts: its border (the last unfilled polygon, else its oval), its grad texts."""
    node = _Node(g, parts=[_bbox(g)])
    children = list(g)
    outline = [e for e in children if e.tag == _S + "polygon" and e.get("fill") == "none"]
    ovals = [e for e in children if e.tag == _S + "ellipse"]
    node.border = outline[-1] if outline else ovals[-1] if ovals else None
    for k, e in enumerate(children):
        if e.tag == _S + "text" and (e.text or "").startswith("grad "):
            cell = children[k - 1] if k and children[k - 1].tag == _S + "polygon" else None
            node.grads.append((e, cell))
    return node


def _transform(root: ET.Element) -> tuple[tuple[float, float], float]:
    """The translation and scale of the picture's top group (Graphviz writes
    `scale(s s) rotate(0) translate(tx ty)`): a point p of the picture is at s * (p + t)."""
    group = root.find(_S + "g")
    spec = group.get("transform", "") if group is not None else ""
    t = re.search(r"translate\(\s*([-\d.e]+)[ ,]+([-\d.e]+)\s*\)", spec)
    s = re.search(r"scale\(\s*([-\d.e]+)", spec)
    return ((float(t[1]), float(t[2])) if t else (0.0, 0.0)), (float(s[1]) if s else 1.0)
