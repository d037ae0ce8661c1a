"""save_gif's frames: the backward pass as the player shows it, one frame per step.

The picture is laid out once (Graphviz's dot or graphviz-pure), drawn with the gradients of a
fresh pass (autograd.debug.fresh_pass: no .grad is read or written); each frame is that SVG with
the player's marks for the state after its step, drawn by resvg (raster.py):

    the current node       an orange border (and its op oval filled), as in the player
    its parents            a blue border: they receive a term of the chain rule now
    the edges it sends on  orange
    grads                  0.0000 until a term reaches them; then the sum so far, blue italic;
                           then, at the node's own step, the complete gradient, green bold on green
    the caption            the step as the player heads it (`step 3/12: ...`) and its chain-rule
                           line (str(step)), one clause a line, wrapped to the picture's width

Every frame has the same size: the caption's room is that of the longest caption.  Only the
part of a frame that differs from the one before it is drawn again (the boxes of the nodes and
edges its step or the one before touched), so a frame costs about its change, not the picture.
"""

from __future__ import annotations

import functools
import html
import io
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .._util import format_number
from ..debug.steps import FreshPass, Step
from ..value import Value
from . import raster
from .size import PicturePlan
from .style import HIGHLIGHT, INK, MUTED

__all__ = ["ACCENT", "DONE", "PENDING", "Frames", "caption_lines"]

ACCENT = "#d9480f"       # the current node: the player's --accent
DONE = "#2f9e44"         # a complete gradient: the player's --done
DONE_FILL = "#ebfbee"
PENDING = "#1971c2"      # a gradient summed so far
EDGE_QUIET = "#868e96"   # every edge when nothing flows on it, as in the player
CURRENT_OP_FILL = "#ffe8cc"

CAPTION_SIZE = 13.0      # the caption's font size, in the picture's units (pt)
STATUS_SIZE = 11.0
LINE = 1.45              # line height, in font sizes
MIN_WIDTH = 560.0        # a caption is wrapped at the picture's width, or at this if wider

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


def caption_lines(step: Step, total: int, width: float) -> list[tuple[str, float, str]]:
    """The caption of step as (text, font size, colour) lines: where the pass is, then its
    chain-rule line (str(step)) one clause a line, each wrapped to width (in pt)."""
    lines = [(t, STATUS_SIZE, MUTED) for t in _wrap(step.status(total), STATUS_SIZE, width)]
    for clause in step.clauses():
        lines += [(t, CAPTION_SIZE, INK) for t in _wrap(clause, CAPTION_SIZE, width)]
    return lines


def _wrap(text: str, size: float, width: float) -> list[str]:
    """text in lines no wider than width at size (measured with DejaVu Sans), broken at spaces
    (a word too long for a line is broken where it must)."""
    font = _font(100)
    scale = size / 100

    def fits(s: str) -> bool:
        return font.getlength(s) * scale <= width

    lines: list[str] = []
    line = ""
    for word in text.split(" "):
        candidate = f"{line} {word}" if line else word
        if fits(candidate):
            line = candidate
            continue
        if line:
            lines.append(line)
        while not fits(word) and len(word) > 1:
            cut = len(word) - 1
            while cut > 1 and not fits(word[:cut]):
                cut -= 1
            lines.append(word[:cut])
            word = word[cut:]
        line = word
    lines.append(line)
    return lines


@functools.lru_cache(maxsize=16)
def _font(size: float, bold: bool = False) -> Any:
    """The shipped DejaVu Sans at size (pixels), for Pillow: to measure and to write captions."""
    from PIL import ImageFont

    return ImageFont.truetype(raster.font_file("bold" if bold else "regular"), size=size)


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
        font = _font(100)
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
            text, cell = node.grads[k]
            room = font.getlength(text.text or "") * float(text.get("font-size", 14)) / 100
            self.grad_of[i] = (text, cell, room)
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
        if room and _font(100, bold).getlength(text.text) * size / 100 > room:
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
                if b is None or (b[0] <= x1 and x0 <= b[2] and b[1] <= y1 and y0 <= b[3]):
                    group.append(e)
        svg = ET.tostring(root, encoding="unicode")
        return Image.open(io.BytesIO(raster.render(svg))).convert("RGB")

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
                rects = {self._pixels(box) for name in touched | before if name in self.nodes
                         for box in self.nodes[name].parts}
                for rect in sorted(rects):   # overlapping rects are each drawn whole: no order
                    if rect[2] > rect[0] and rect[3] > rect[1]:
                        picture.paste(self._draw(rect), rect[:2])
            before = touched
            yield picture


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


# ---------------------------------------------------------------------------------------------
# Captions and the GIF

GIF_SCALE = 1.5          # pixels per CSS pixel of the SVG, for a picture of modest size
MAX_WIDTH = 1920         # a wider picture is drawn smaller, down to MIN_SCALE
MIN_SCALE = 0.75
PAD = 10.0               # around the caption, in pt
RULE = "#dee2e6"         # the line between the picture and the caption


def _caption(lines: list[tuple[str, float, str]], width: float, height: float,
             scale: float) -> Any:
    """The caption as an image of width x height pt at scale (pixels per CSS pixel): drawn by
    Pillow when the shipped font has every character (fast), else by resvg (which falls back
    on the system's fonts)."""
    from PIL import Image, ImageDraw

    px = raster.PX_PER_PT * scale
    size = (round(width * px), round(height * px))
    if not all(raster.covers(text) for text, _, _ in lines):
        return Image.open(io.BytesIO(raster.render(_caption_svg(lines, width, height, scale))))
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    draw.line([(0, 0), (size[0], 0)], fill=RULE)
    y = PAD
    for text, font_size, color in lines:
        y += font_size * LINE
        draw.text((PAD * px, (y - 0.3 * font_size) * px), text, fill=color,
                  font=_font(font_size * px), anchor="ls")
    return image


def _caption_svg(lines: list[tuple[str, float, str]], width: float, height: float,
                 scale: float) -> str:
    """The caption as an SVG of width x height pt drawn at scale (pixels per CSS pixel)."""
    px = raster.PX_PER_PT * scale
    parts = [f'<svg xmlns="{SVG_NS}" width="{round(width * px)}" height="{round(height * px)}" '
             f'viewBox="0 0 {width:.3f} {height:.3f}">',
             f'<rect width="{width:.3f}" height="{height:.3f}" fill="white"/>',
             f'<line x1="0" y1="0.5" x2="{width:.3f}" y2="0.5" stroke="{RULE}"/>']
    y = PAD
    for text, size, color in lines:
        y += size * LINE
        parts.append(f'<text x="{PAD}" y="{y - 0.3 * size:.2f}" font-family="DejaVu Sans" '
                     f'font-size="{size}" fill="{color}" xml:space="preserve">'
                     f'{html.escape(text, quote=False)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _height(lines: list[tuple[str, float, str]]) -> float:
    return 2 * PAD + sum(size * LINE for _, size, _ in lines)


def gif_scale(svg: str) -> float:
    """The scale a GIF frame draws svg at: GIF_SCALE, less for a wide picture (not below MIN_SCALE)."""
    width, _ = raster.pixel_size(svg, 1.0)
    return max(MIN_SCALE, min(GIF_SCALE, MAX_WIDTH / width))


def write_gif(run: FreshPass, svg: str, plan: PicturePlan, path: str, seconds: float, *,
              quiet_edges: bool) -> int:
    """Write the GIF of run's steps to path, seconds a frame; the number of frames."""
    from PIL import Image

    if not run.steps:
        raise ValueError("save_gif(): the pass has no steps to show")
    scale = gif_scale(svg)
    frames = Frames(run, svg, plan, scale, quiet_edges=quiet_edges)
    px = raster.PX_PER_PT * scale
    picture_width = frames.width / px     # in pt
    width = max(picture_width, MIN_WIDTH)
    total = len(run.steps)
    captions = [caption_lines(step, total, width - 2 * PAD) for step in run.steps]
    caption_height = max(_height(lines) for lines in captions)
    size = (round(width * px), frames.height + round(caption_height * px))
    left = (size[0] - frames.width) // 2
    palette = None
    out: list[Any] = []
    for picture, lines in zip(frames.images(), captions):
        frame = Image.new("RGB", size, "white")
        frame.paste(picture, (left, 0))
        frame.paste(_caption(lines, width, caption_height, scale).convert("RGB"),
                    (0, frames.height))
        if palette is None:
            palette = frame.quantize(colors=255, method=Image.Quantize.MEDIANCUT)
        out.append(frame.quantize(palette=palette, dither=Image.Dither.NONE))
    duration = round(seconds * 1000)
    out[0].save(path, save_all=True, append_images=out[1:], duration=duration, loop=0,
                optimize=True, disposal=1)
    return len(out)
