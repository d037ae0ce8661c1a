"""save_gif: the backward pass as an animated GIF, one frame per step, as the player shows it.

Each frame is the picture after its step (animation.Frames: the current node orange, its
parents blue, grads filling in) above a caption: the step as the player heads it
(`step 3/12: z2 (+), upstream dC/dz2 = 0.0609`) and its chain-rule line (str(step)), one clause
a line, wrapped to the picture's width.  Every frame has the same size: the caption's room is
that of the longest caption.  A caption is written by Pillow with the shipped DejaVu Sans when
the font has all its characters, else drawn by resvg (which falls back on the system's fonts).

Frames share one palette (made from the first frame, which has every colour of the marks), so
Pillow stores each frame as its change from the one before.  A frame is drawn at GIF_SCALE,
less for a wide picture (down to MIN_SCALE, so that text stays readable).
"""

from __future__ import annotations

import html
import io
from typing import Any

from ..debug.steps import FreshPass, Step
from . import raster
from .animation import SVG_NS, Frames
from .size import PicturePlan
from .style import INK, MUTED

__all__ = ["CAPTION_SIZE", "caption_lines", "gif_scale", "write_gif"]

CAPTION_SIZE = 13.0      # the caption's font size, in the picture's units (pt)
STATUS_SIZE = 11.0
LINE = 1.45              # line height, in font sizes
MIN_WIDTH = 560.0        # a caption is wrapped at the picture's width, or at this if wider

GIF_SCALE = 1.5          # pixels per CSS pixel of the SVG, for a picture of modest size
MAX_WIDTH = 1920         # a wider picture is drawn smaller, down to MIN_SCALE
MIN_SCALE = 0.75
PAD = 10.0               # around the caption, in pt
TRANSPARENT = 255        # the palette index of a pixel a frame leaves as it was
RULE = "#dee2e6"         # the line between the picture and the caption


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
    font = raster.font(100)
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
                  font=raster.font(font_size * px), anchor="ls")
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
    duration = round(seconds * 1000)
    palette = None
    count = 0
    with open(path, "wb") as out:
        writer = _Writer(out, duration)
        for picture, lines in zip(frames.images(), captions):
            frame = Image.new("RGB", size, "white")
            frame.paste(picture, (left, 0))
            frame.paste(_caption(lines, width, caption_height, scale).convert("RGB"),
                        (0, frames.height))
            if palette is None:   # the first frame has every colour of the marks
                palette = frame.quantize(colors=255, method=Image.Quantize.MEDIANCUT)
            writer.add(frame.quantize(palette=palette, dither=Image.Dither.NONE))
            count += 1
        out.write(b";")   # the GIF's trailer
    return count


class _Writer:
    """Writes a GIF frame by frame, each frame as the rectangle that changed since the one
    before, its unchanged pixels transparent: memory for two frames, whatever the count (Pillow's
    save_all keeps every frame until the end).  Frames share the first frame's palette, of 255
    colours, and colour 255 is the transparent one."""

    def __init__(self, out: Any, duration: int) -> None:
        self.out, self.duration = out, duration
        self.previous: Any = None

    def add(self, frame: Any) -> None:
        from PIL import GifImagePlugin, Image, ImageChops

        indices = Image.frombytes("L", frame.size, frame.tobytes())
        if self.previous is None:
            header, _ = GifImagePlugin.getheader(frame, info={"loop": 0, "duration": self.duration})
            self.out.write(b"".join(header))
            part, offset, extra = frame, (0, 0), {}
        else:
            delta = ImageChops.difference(indices, self.previous)
            box = delta.getbbox() or (0, 0, 1, 1)
            part = frame.crop(box)
            part.paste(TRANSPARENT, mask=delta.crop(box).point([255] + [0] * 255, "1"))
            offset, extra = box[:2], {"transparency": TRANSPARENT}
        data = GifImagePlugin.getdata(part, offset=offset, duration=self.duration, disposal=1,
                                      **extra)
        self.out.write(b"".join(data))
        self.previous = indices
