"""Rendering: DOT source -> SVG (or png, ...) by Graphviz's dot, else the graphviz-pure program.

    programs()                  dot on PATH, then graphviz-pure (on PATH or next to Python)
    pipe(source, format="svg")  the bytes the first program that works writes
    Graph                       a graphviz.Digraph whose pipe() (and so its Jupyter display,
                                _repr_mimebundle_ -> _repr_image_svg_xml -> pipe) uses pipe()

Both programs take dot's command line (`-Kdot -Tsvg`, the source on stdin).  dot is tried first
and graphviz-pure when dot is missing or fails.  Errors are graphviz's own classes, so code
written for graphviz.Digraph.pipe() keeps working: graphviz.ExecutableNotFound when neither
program can be found or started (the message says how to install one), graphviz.CalledProcessError
when they ran and failed.  A failure is then told apart by running the same program on an empty
graph: if that works, the program is fine and the input is what it could not draw, and the
message says so (and what the program said) instead of advising a reinstall.

The SVG asks for style.FONT_STACK where Graphviz measured style.FONT, so the text fits its boxes
with the fonts the viewer has.  Graph.render() and Graph.view() are graphviz's own (they run
Graphviz's dot); without dot they raise graphviz.ExecutableNotFound naming save_png() and
save_svg(), which write a picture without Graphviz.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import Any

import graphviz

from .style import FONT, FONT_STACK

__all__ = ["INSTALL", "Graph", "NoRenderer", "RenderFailed", "pipe", "programs"]

INSTALL = ("install one of them: `pip install graphviz-pure` (a self-contained Graphviz), or "
           "Graphviz itself (`apt install graphviz`, `brew install graphviz`, or graphviz.org)")

_FONT_ATTR = re.compile(rb'(<text\b[^>]*?) font-family="' + re.escape(FONT.encode()) + rb'"')
_STACK_ATTR = b'\\1 font-family="' + FONT_STACK.encode() + b'"'
_EMPTY = b"digraph { }"


def programs() -> list[str]:
    """The programs that can lay out DOT, best first: Graphviz's dot, then graphviz-pure."""
    found = []
    dot = shutil.which("dot")
    if dot:
        found.append(dot)
    pure = shutil.which("graphviz-pure")
    if not pure:  # a venv's or user's scripts folder need not be on PATH
        folders = [Path(sys.executable).parent, sysconfig.get_path("scripts"),
                   sysconfig.get_path("scripts", f"{os.name}_user")]
        for folder in dict.fromkeys(str(f) for f in folders if f):
            pure = shutil.which("graphviz-pure", path=folder)
            if pure:
                break
    if pure:
        found.append(pure)
    return found


class NoRenderer(graphviz.ExecutableNotFound):
    """Neither dot nor graphviz-pure could be found or started: graphviz's error, with advice."""

    def __init__(self, message: str) -> None:
        RuntimeError.__init__(self, message)


class RenderFailed(graphviz.CalledProcessError):
    """The programs ran and failed: graphviz's error, saying what each said and whose fault."""

    def __init__(self, message: str, returncode: int, cmd: list[str], output: bytes,
                 stderr: bytes) -> None:
        super().__init__(returncode, cmd, output=output, stderr=stderr)
        self.message = message

    def __str__(self) -> str:
        return self.message


def _said(done: subprocess.CompletedProcess[bytes]) -> str:
    return done.stderr.decode("utf-8", "replace").strip() or "no output"


def pipe(source: str | bytes, format: str = "svg", *, args: list[str] | None = None,
         quiet: bool = True) -> bytes:
    """source laid out and written as format by dot (or graphviz-pure when dot is missing or
    fails): the program's stdout.  args: the program's arguments instead of -Kdot -T{format}.
    quiet=False passes the program's warnings on to stderr."""
    data = source.encode("utf-8") if isinstance(source, str) else source
    args = args if args is not None else ["-Kdot", f"-T{format}"]
    found = programs()
    if not found:
        raise NoRenderer(f"Drawing a graph needs Graphviz's `dot` or the `graphviz-pure` program, "
                         f"and neither was found on PATH or next to {sys.executable}; {INSTALL}")
    failures, input_failures, failed = [], [], None
    for program in found:
        try:
            done = subprocess.run([program, *args], input=data, capture_output=True, check=False)
        except OSError as e:
            failures.append(f"{program}: {e}")
            continue
        if done.returncode == 0 and done.stdout:
            if not quiet and done.stderr:
                sys.stderr.write(done.stderr.decode("utf-8", "replace"))
                sys.stderr.flush()
            return _font_stack(done.stdout) if "-Tsvg" in args else done.stdout
        failed = done
        said = f"{program} exited with status {done.returncode}: {_said(done)}"
        if _works(program, args):
            input_failures.append(said)
        else:
            failures.append(said)
    if failed is None:  # none of them could be started
        raise NoRenderer("Could not start a program to draw the graph:\n  " + "\n  ".join(failures)
                         + f"\n{INSTALL}")
    if input_failures:
        message = ("Could not draw this graph: the program works, but not on this input "
                   "(a label or option it cannot take; please report it with the label):\n  "
                   + "\n  ".join(input_failures + failures))
    else:
        message = ("Could not render the graph:\n  " + "\n  ".join(failures) +
                   f"\nIf a program is broken, {INSTALL}.  graphviz-pure writes svg, png, jpeg and "
                   f"the text formats but not pdf: pass format=\"svg\" or \"png\", or install "
                   f"Graphviz itself for the others")
    raise RenderFailed(message, failed.returncode or 1, failed.args, failed.stdout, failed.stderr)


def _works(program: str, args: list[str]) -> bool:
    """Whether program, run with args, draws an empty graph: if it does, it is not broken."""
    try:
        done = subprocess.run([program, *args], input=_EMPTY, capture_output=True, check=False)
    except OSError:
        return False
    return done.returncode == 0 and bool(done.stdout)


def _font_stack(svg: bytes) -> bytes:
    """The SVG with FONT_STACK wherever Graphviz wrote FONT, its measuring font."""
    return _FONT_ATTR.sub(_STACK_ATTR, svg)


class Graph(graphviz.Digraph):
    """A graphviz.Digraph whose pipe() uses dot or graphviz-pure (render.pipe), and with it
    the Jupyter display (graphviz's _repr_mimebundle_ calls pipe())."""

    def pipe(self, format: str | None = None, renderer: str | None = None,
             formatter: str | None = None, neato_no_op: bool | int | None = None,
             quiet: bool = False, *, engine: str | None = None,
             encoding: str | None = None) -> Any:
        """graphviz's pipe(): the source laid out by engine and written as format (bytes, or
        str when encoding is given), run by dot or graphviz-pure."""
        format = format or self.format
        engine = engine or self.engine
        if format not in graphviz.FORMATS:
            raise ValueError(f"unknown format: {format!r}")
        if engine not in graphviz.ENGINES:
            raise ValueError(f"unknown engine: {engine!r}")
        if formatter is not None and renderer is None:
            raise graphviz.RequiredArgumentError("formatter given without renderer")
        if renderer is not None and renderer not in graphviz.RENDERERS:
            raise ValueError(f"unknown renderer: {renderer!r}")
        if formatter is not None and formatter not in graphviz.FORMATTERS:
            raise ValueError(f"unknown formatter: {formatter!r}")
        flag = ":".join(f for f in (format, renderer, formatter) if f is not None)
        args = [f"-K{engine}", f"-T{flag}"] + ([f"-n{int(neato_no_op):d}"] if neato_no_op else [])
        out = pipe(self.source.encode(self.encoding), args=args, quiet=quiet)
        return out.decode(encoding) if encoding is not None else out

    def render(self, *args: Any, **kwargs: Any) -> Any:
        """graphviz's render(): it runs Graphviz's own dot.  Without dot, a
        graphviz.ExecutableNotFound that says what writes a file without it."""
        try:
            return super().render(*args, **kwargs)
        except graphviz.ExecutableNotFound as e:
            raise NoRenderer(f"Graph.render() runs Graphviz's own `dot`, which is not installed "
                             f"({e}).  Without it, write the picture with autograd.save_png(root, "
                             f"'x.png'), save_svg(root, 'x.svg') or save_gif(root, 'x.gif') (they "
                             f"need no Graphviz), or take the bytes of graph.pipe(format='svg' or "
                             f"'png'); or install Graphviz (`apt install graphviz`, `brew install graphviz`, "
                             f"or graphviz.org)") from e

    def view(self, *args: Any, **kwargs: Any) -> Any:
        """graphviz's view(): render() and open the file, which needs Graphviz's own dot."""
        try:
            return super().view(*args, **kwargs)
        except graphviz.ExecutableNotFound as e:
            raise NoRenderer(f"Graph.view() runs Graphviz's own `dot`, which is not installed "
                             f"({e}).  Without it, write the picture with autograd.save_png(root, "
                             f"'x.png') or save_svg(root, 'x.svg') and open that file") from e

    def _repr_svg_(self) -> str:
        """The SVG, for front-ends that predate _repr_mimebundle_."""
        return self.pipe(format="svg", encoding="utf-8")
