"""Pictures as pixels: SVG -> PNG by resvg (a wheel from PyPI), with the fonts chainrule ships.

    png(svg, scale)        the PNG bytes of a picture drawn by to_svg()
    pixel_size(svg, scale) the size in pixels that PNG has
    font_file(style)       the DejaVu Sans file of a style, as Pillow needs it

No system Graphviz, Cairo or browser is needed: resvg (through the `resvg-py` wheel) draws the
SVG.  Graphviz measured the text with DejaVu Sans (style.FONT), so resvg is given DejaVu Sans
itself, shipped in fonts/ (regular, bold, oblique; cut to Latin, Greek, punctuation, arrows and
mathematical symbols; license in fonts/LICENSE); any other character is drawn from the fonts of
the system, when it has them.  Every picture is therefore drawn with the font it was measured
with, and text fits its boxes on any machine.

Size: scale=1 is the SVG's own size as a browser shows it at 100% (1 pt = 4/3 px); scale=2
(save_png's default) doubles it, for slides and high-density screens.  A picture of more than
MAX_PIXELS pixels is refused (a ValueError that says which scale would fit): a huge graph at a
large scale would take gigabytes.
"""

from __future__ import annotations

import functools
import math
import re
from importlib import resources
from typing import Any

from .._util import describe

__all__ = ["COVERED", "MAX_PIXELS", "check_scale", "covers", "font", "font_file", "pixel_size", "png",
           "render"]

MAX_PIXELS = 60_000_000   # about 240 MB of RGBA while drawing
PX_PER_PT = 4 / 3         # CSS: 1pt = 4/3 px

_FONTS = {"regular": "DejaVuSans.ttf", "bold": "DejaVuSans-Bold.ttf",
          "italic": "DejaVuSans-Oblique.ttf"}
# the characters the shipped fonts have (fonts/ was cut to these with fontTools' pyftsubset)
COVERED = ((0x20, 0x7E), (0xA0, 0x17F), (0x192, 0x192), (0x2C6, 0x2DD), (0x370, 0x3FF),
           (0x2000, 0x206F), (0x2070, 0x209F), (0x20AC, 0x20AC), (0x2100, 0x214F),
           (0x2190, 0x21FF), (0x2200, 0x22FF), (0x2300, 0x23FF), (0x25A0, 0x25FF), (0xFFFD, 0xFFFD))
_SIZE = re.compile(r'<svg\b[^>]*?\swidth="([\d.]+)(pt|px)?"\s+height="([\d.]+)(pt|px)?"')


@functools.cache
def font_file(style: str = "regular") -> str:
    """The path of the shipped DejaVu Sans file for style ("regular", "bold", "italic")."""
    return str(resources.files(__package__) / "fonts" / _FONTS[style])


@functools.lru_cache(maxsize=16)
def font(size: float, bold: bool = False) -> Any:
    """The shipped DejaVu Sans at size (pixels), for Pillow: to measure and to write captions."""
    from PIL import ImageFont

    return ImageFont.truetype(font_file("bold" if bold else "regular"), size=size)


def covers(text: str) -> bool:
    """Whether the shipped fonts have every character of text (DejaVu itself may lack a few
    inside these ranges; Pillow then draws a box)."""
    return all(any(lo <= ord(c) <= hi for lo, hi in COVERED) for c in set(text))


def _natural_size(svg: str) -> tuple[float, float]:
    """The SVG's width and height in CSS pixels, from its width and height attributes."""
    m = _SIZE.search(svg)
    if m is None:
        raise ValueError("the picture's SVG has no width and height in pt or px")
    w, h = float(m[1]), float(m[3])
    return (w * PX_PER_PT if m[2] == "pt" else w), (h * PX_PER_PT if m[4] == "pt" else h)


def check_scale(scale: Any, who: str) -> float:
    """scale as a float, when it is a positive finite number; else a TypeError/ValueError."""
    if isinstance(scale, bool) or not isinstance(scale, (int, float)):
        raise TypeError(f"{who}: scale must be a number such as 2.0, got {describe(scale)}")
    if not (math.isfinite(scale) and scale > 0):
        raise ValueError(f"{who}: scale must be a positive number such as 2.0 (1.0 is the SVG's "
                         f"own size), got {scale!r}")
    return float(scale)


def pixel_size(svg: str, scale: float) -> tuple[int, int]:
    """The size in pixels of the PNG of svg at scale (at least 1 x 1)."""
    w, h = _natural_size(svg)
    return max(1, round(w * scale)), max(1, round(h * scale))


def _sized(svg: str, width: int, height: int) -> str:
    """svg with its width and height set to width x height pixels (resvg takes no pt)."""
    m = _SIZE.search(svg)
    assert m is not None  # _natural_size found it
    head = re.sub(r'\swidth="[^"]*"', f' width="{width}"', m[0], count=1)
    head = re.sub(r'\sheight="[^"]*"', f' height="{height}"', head, count=1)
    return svg[:m.start()] + head + svg[m.end():]


def png(svg: str, scale: float, *, who: str = "save_png()") -> bytes:
    """The PNG of svg at scale, drawn by resvg with the shipped fonts (white background)."""
    width, height = pixel_size(svg, scale)
    if width * height > MAX_PIXELS:
        fits = math.floor(100 * scale * math.sqrt(MAX_PIXELS / (width * height))) / 100
        raise ValueError(f"{who}: at scale={scale:g} the picture is {width:,} x {height:,} pixels, "
                         f"more than the {MAX_PIXELS:,} allowed; pass scale={fits:g} or less "
                         f"(or fold=True, or draw a smaller part of the graph)")
    return render(_sized(svg, width, height))


def render(svg: str, *, system_fonts: bool = True) -> bytes:
    """The PNG of svg at its own size in pixels, drawn by resvg with the shipped fonts, and the
    system's fonts for characters they lack (system_fonts=False: when it has none of those,
    which saves resvg reading every font of the system for each picture)."""
    import resvg_py  # loaded on first use: `import autograd` stays cheap

    fonts = [font_file(style) for style in _FONTS]
    return bytes(resvg_py.svg_to_bytes(svg_string=svg, font_files=fonts, background="white",
                                       sans_serif_family="DejaVu Sans",
                                       skip_system_fonts=not system_fonts))
