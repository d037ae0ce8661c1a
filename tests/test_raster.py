"""Pictures for slides: save_png and save_gif, read back with Pillow; with and without Graphviz's dot."""

import re
import subprocess
import sys
import xml.etree.ElementTree as ET

import graphviz
import pytest
from PIL import Image, ImageFont
from viz_helpers import SVG, product, use_renderer

import autograd
from autograd import Value, backward_steps, draw, save_gif, save_png, save_svg, to_svg, viz
from autograd.viz import animation, gif, raster
from nn import MLP, TwoNodeNetwork, mse_loss

# each test that takes it runs once with dot and once with graphviz-pure (dot hidden)
renderer = pytest.fixture(params=["dot", "graphviz-pure"])(use_renderer)


def course_network():
    """The two-node network of the course on x = 1.5 with the loss C = (y_hat - 0.2)**2."""
    net = TwoNodeNetwork(w1=0.5, w2=-1.0)
    y_hat = net(1.5)
    C = (y_hat - 0.2) ** 2
    return C


def svg_size_px(svg):
    """The SVG's width and height in CSS pixels (Graphviz writes pt: 1 pt = 4/3 px)."""
    m = re.search(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"', svg)
    return float(m[1]) * 4 / 3, float(m[2]) * 4 / 3


def dark_pixels(image, box):
    """How many pixels of box (x0, y0, x1, y1) are nearly black (text is #343a40)."""
    crop = image.convert("L").crop(box)
    return sum(1 for v in crop.tobytes() if v < 110)


# ---------------------------------------------------------------------------------------------
# save_png

@pytest.mark.parametrize("scale", [1.0, 2.0, 0.5])
def test_save_png_is_the_svg_at_scale_times_its_size(renderer, scale, tmp_path):
    C = course_network()
    w, h = svg_size_px(to_svg(C))
    path = save_png(C, tmp_path / "C.png", scale=scale)
    assert path == tmp_path / "C.png"
    with Image.open(path) as image:
        assert image.format == "PNG"
        assert image.size == (round(w * scale), round(h * scale))


def test_save_png_default_scale_is_two(tmp_path):
    _a, _b, L = product()
    w, h = svg_size_px(to_svg(L))
    with Image.open(save_png(L, str(tmp_path / "L.png"))) as image:
        assert image.size == (round(2 * w), round(2 * h))


def test_save_png_draws_the_text(renderer, tmp_path):
    """Where the SVG puts the text 'grad -3.0000' the PNG has dark pixels, and none beside it."""
    _a, _b, L = product()
    svg = to_svg(L)
    root = ET.fromstring(svg)
    tx, ty = map(float, re.search(r"translate\(([-\d.]+) ([-\d.]+)\)",
                                  root.find(SVG + "g").get("transform")).groups())
    text = next(t for t in root.iter(SVG + "text") if t.text == "grad -3.0000")
    x, y, size = float(text.get("x")), float(text.get("y")), float(text.get("font-size"))
    k = 2 * 4 / 3   # pixels per pt at scale 2
    box = (int((x + tx) * k) + 2, int((y + ty - 0.7 * size) * k), int((x + tx + 6 * size) * k),
           int((y + ty) * k))
    with Image.open(save_png(L, tmp_path / "L.png", scale=2)) as image:
        assert dark_pixels(image, box) > 300          # 12 characters at 29 px
    # the same picture without its texts has no dark pixel there: the count is the text's
    blank = re.sub(r"<text\b[^>]*>[^<]*</text>", "", svg)
    (tmp_path / "blank.png").write_bytes(raster.png(blank, 2.0))
    with Image.open(tmp_path / "blank.png") as image:
        assert dark_pixels(image, box) == 0


def test_the_shipped_fonts_are_dejavu_sans():
    for style, name in [("regular", "Book"), ("bold", "Bold"), ("italic", "Oblique")]:
        font = ImageFont.truetype(raster.font_file(style), size=12)
        assert font.getname() == ("DejaVu Sans", name)
    assert raster.covers("dC/dw1 += 0.1 * σ'(z) ∂ → ·") and not raster.covers("😀")


def test_save_png_takes_draws_options(tmp_path):
    _a, _b, L = product()
    plain = Image.open(save_png(L, tmp_path / "a.png", scale=1))
    local = Image.open(save_png(L, tmp_path / "b.png", scale=1, show_local=True, rankdir="TB"))
    assert plain.size != local.size
    with pytest.raises(TypeError, match="save_png.*'colour'.*rankdir"):
        save_png(L, tmp_path / "c.png", colour="red")


@pytest.mark.parametrize("scale, error", [(0, ValueError), (-1.0, ValueError),
                                          (float("nan"), ValueError), ("2", TypeError),
                                          (True, TypeError)])
def test_save_png_refuses_a_scale_that_is_not_a_positive_number(scale, error, tmp_path):
    _a, _b, L = product()
    with pytest.raises(error, match="scale"):
        save_png(L, tmp_path / "L.png", scale=scale)
    assert not (tmp_path / "L.png").exists()


def test_save_png_refuses_a_picture_of_gigapixels_saying_which_scale_fits(tmp_path):
    _a, _b, L = product()
    with pytest.raises(ValueError, match=r"scale=200 .*pixels.*pass scale=\d+(\.\d+)? or less"):
        save_png(L, tmp_path / "L.png", scale=200)


def test_save_png_shows_any_label(tmp_path):
    x = Value(1.0, label="<b>\x00 😀")
    with Image.open(save_png(x * 2.0, tmp_path / "x.png")) as image:
        assert image.size[0] > 100


# ---------------------------------------------------------------------------------------------
# save_gif

def frames_of(path):
    with Image.open(path) as image:
        out = []
        for k in range(image.n_frames):
            image.seek(k)
            out.append((image.convert("RGB"), image.info.get("duration")))
        return out, image.info.get("loop")


def test_save_gif_has_one_frame_per_step_each_seconds_per_step(renderer, tmp_path):
    C = course_network()
    steps = len(list(backward_steps(C)))
    assert steps == 13   # x w1 w1*x b1 z1 a1 w2 w2*a1 b2 z2 y_hat (y_hat - 0.2) C
    path = save_gif(C, tmp_path / "C.gif")
    assert path == tmp_path / "C.gif"
    frames, loop = frames_of(path)
    assert len(frames) == steps
    assert [d for _, d in frames] == [800] * steps
    assert loop == 0   # plays over and over
    assert len({f.size for f, _ in frames}) == 1


def test_save_gif_seconds_per_step(tmp_path):
    _a, _b, L = product()
    frames, _ = frames_of(save_gif(L, tmp_path / "L.gif", seconds_per_step=0.25))
    assert [d for _, d in frames] == [250, 250, 250]


def accent_pixels(image):
    r, g, b = (int(animation.ACCENT[i:i + 2], 16) for i in (1, 3, 5))
    return sum(1 for p in zip(*[iter(image.tobytes())] * 3) if abs(p[0] - r) < 12 and abs(p[1] - g) < 12
               and abs(p[2] - b) < 12)


def test_each_frame_marks_its_step_and_the_grads_fill_in(tmp_path):
    """L = a * b: step 1 is L (its oval and border orange, the edges into it orange), steps 2
    and 3 the leaves; each frame differs from the one before, and the caption changes."""
    _a, _b, L = product()
    frames, _ = frames_of(save_gif(L, tmp_path / "L.gif"))
    assert all(accent_pixels(f) > 50 for f, _ in frames)
    assert all(a.tobytes() != b.tobytes() for (a, _), (b, _) in zip(frames, frames[1:]))


def test_a_frame_drawn_in_parts_equals_the_frame_drawn_whole(tmp_path):
    """Frames are redrawn only where their step changed them: the last frame must be what
    drawing its state from scratch gives."""
    C = course_network()
    from autograd.debug.steps import fresh_pass
    from autograd.engine import topological_order
    from autograd.names import node_names
    from autograd.viz.size import picture_plan

    order = topological_order(C)
    names = node_names(C, order)
    run = fresh_pass(C, names.printable())
    svg = viz.picture(C, names=names, grads=run.grads).pipe(format="svg", encoding="utf-8")
    frames = animation.Frames(run, svg, picture_plan(C, order), 1.0, quiet_edges=True)
    picture = list(frames.images())[-1]   # one image, drawn over step by step
    whole = frames._draw()
    diff = [abs(p - q) for p, q in zip(picture.convert("L").tobytes(), whole.convert("L").tobytes())]
    # the same, but for the antialiasing of a few edge pixels (resvg's, by where a tile starts)
    assert len(diff) == frames.width * frames.height > 300_000
    assert sum(d > 8 for d in diff) < len(diff) / 2000 and max(diff) < 64


def test_save_gif_folds_a_network(tmp_path):
    model = MLP(2, [2, 1])
    loss = mse_loss(model([0.5, -1.0]), 1.0)
    steps = len(list(backward_steps(loss)))
    frames, _ = frames_of(save_gif(loss, tmp_path / "mlp.gif", fold=True))
    assert len(frames) == steps


def test_save_gif_leaves_the_grads_alone(tmp_path):
    a, b, L = product()
    save_gif(L, tmp_path / "L.gif")
    assert (a.grad, b.grad, L.grad) == (-3.0, 2.0, 1.0)


@pytest.mark.parametrize("seconds, error", [(0, ValueError), (0.01, ValueError),
                                            (float("inf"), ValueError), ("1", TypeError)])
def test_save_gif_refuses_a_time_a_gif_cannot_hold(seconds, error, tmp_path):
    _a, _b, L = product()
    with pytest.raises(error, match="seconds_per_step"):
        save_gif(L, tmp_path / "L.gif", seconds_per_step=seconds)


def test_captions_wrap_to_the_width():
    C = course_network()
    step = next(iter(backward_steps(C)))
    lines = gif.caption_lines(step, 12, 120.0)
    font = ImageFont.truetype(raster.font_file(), size=100)
    assert len(lines) > 2
    assert all(font.getlength(t) * size / 100 <= 120.0 for t, size, _ in lines)
    chain_rule = [t for t, size, _ in lines if size == gif.CAPTION_SIZE]
    assert " ".join(chain_rule) == " ".join(" ".join(step.clauses()).split())


# ---------------------------------------------------------------------------------------------
# Suffixes, render() without dot, imports

@pytest.mark.parametrize("writer, path, names", [
    (save_svg, "x.png", "save_png"), (save_svg, "x.gif", "save_gif"),
    (save_png, "x.svg", "save_svg"), (save_png, "x.gif", "save_gif"),
    (save_gif, "x.png", "save_png"), (save_gif, "x.svg", "save_svg"),
    (save_png, "x.html", "save_html"), (save_png, "x.jpg", r"\.png"), (save_svg, "x", r"\.svg"),
])
def test_a_wrong_suffix_is_a_value_error_naming_the_right_function(writer, path, names, tmp_path):
    _a, _b, L = product()
    with pytest.raises(ValueError, match=names):
        writer(L, tmp_path / path)
    assert list(tmp_path.iterdir()) == []


def test_suffixes_are_case_blind(tmp_path):
    _a, _b, L = product()
    assert save_png(L, tmp_path / "X.PNG", scale=1).exists()
    assert save_svg(L, tmp_path / "X.Svg").exists()


def test_render_without_dot_says_to_use_save_png(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))   # no dot, as on a machine without Graphviz
    _a, _b, L = product()
    with pytest.raises(graphviz.ExecutableNotFound, match="save_png"):
        draw(L).render(directory=tmp_path, format="png")
    with pytest.raises(graphviz.ExecutableNotFound, match="save_png"):
        draw(L).view(directory=tmp_path)


def test_save_png_and_save_gif_are_lazy_public_names():
    assert {"save_png", "save_gif"} <= set(autograd.__all__)
    code = ("import autograd, sys\nfrom autograd import draw, save_png, save_gif\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('PIL', 'resvg_py', 'numpy')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_max_size_is_a_plain_variable_of_the_package(monkeypatch):
    assert type(viz) is type(autograd)   # no class of its own
    monkeypatch.setattr(viz, "MAX_SIZE", 3)
    _a, _b, L = product()
    assert viz.picture_plan(L).limit == 3
    with pytest.raises(ValueError, match="MAX_SIZE = 3"):
        draw(L)


def test_the_gif_writer_stores_changes_and_reads_back_every_frame_exactly(tmp_path):
    """Frames are written as the rectangle that changed, unchanged pixels transparent: decoded,
    each frame is the image given, pixel for pixel."""
    from PIL import ImageDraw

    base = Image.new("RGB", (60, 40), "white")
    ImageDraw.Draw(base).rectangle((5, 5, 20, 20), fill="#d9480f")
    palette = base.quantize(colors=255)
    shown = []
    with open(tmp_path / "w.gif", "wb") as out:
        writer = gif._Writer(out, 300)
        for k in range(4):
            frame = base.copy()
            ImageDraw.Draw(frame).rectangle((30 + 5 * k, 10, 40 + 5 * k, 30), fill="#d9480f")
            p = frame.quantize(palette=palette, dither=Image.Dither.NONE)
            shown.append(p.convert("RGB").tobytes())
            writer.add(p)
        out.write(b";")
    frames, loop = frames_of(tmp_path / "w.gif")
    assert [f.tobytes() for f, _ in frames] == shown
    assert [d for _, d in frames] == [300] * 4 and loop == 0
