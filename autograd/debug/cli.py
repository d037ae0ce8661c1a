"""python -m autograd.debug SCRIPT [ARGS...]: step through a script's backward passes, like pdb.

The script runs as __main__ (sys.argv = [SCRIPT, *ARGS], its directory first on sys.path) while
Value.backward is patched: the first backward() call stops at a prompt, `(autograd) `, with the
first step of the pass done.  The pass then goes on through backward_steps, so the grads are
exactly those of backward().  Value.backward is restored when the script ends.
"""

from __future__ import annotations

import argparse
import cmd
import difflib
import os
import runpy
import sys
import traceback
from collections import deque
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from types import FrameType, TracebackType
from typing import TextIO

from .._util import format_number
from ..names import kind as _kind
from ..value import Value
from .steps import BackwardSteps, Step, backward_steps

__all__ = ["main", "Debugger"]

PROG = "python -m autograd.debug"

HELP = """\
Commands (as in pdb; an empty line repeats the last command):
  n(ext) [K]       take K steps (default 1)
  c(ontinue)       run on to the next breakpoint, or to the end of the pass
  b(reak) [LABEL]  stop when the node LABEL is reached, in this pass or a later one;
                   without LABEL, list the breakpoints
  cl(ear) [LABEL]  remove the breakpoint on LABEL (without LABEL, all of them)
  p(rint) [LABEL]  show a node: data, grad, and its upstream gradient so far (default: this one)
  l(ist)           the steps around this one: done, current (->) and next
  w(here)          the path from the root down to the current node
  g(raph) [FILE]   save an SVG of the graph with the current node highlighted
  h(elp)           this help
  q(uit)           stop the script here
End of input (Ctrl-D) runs the script to its end without stopping again.
Nodes are named by their labels; unlabelled ones by op and position (mul#5), the root "L"."""


class Quit(BaseException):
    """Raised through the script by `quit` (a BaseException, so `except Exception` won't eat it)."""


class Debugger(cmd.Cmd):
    """The prompt, and the patched backward() that steps each pass it stops in."""

    prompt = "(autograd) "

    def __init__(self, *, stop_all: bool = False, html: str | None = None,
                 stdin: TextIO | None = None, stdout: TextIO | None = None) -> None:
        super().__init__(stdin=stdin, stdout=stdout)
        self.stop_all = stop_all
        self.html = html
        self.breakpoints: list[str] = []
        self.passes = 0            # backward() calls seen
        self.stopped = False       # whether we ever stopped at the prompt
        self.end_of_input = False  # after Ctrl-D: never stop again
        self.steps: BackwardSteps | None = None
        self.step: Step | None = None
        self.done: set[Value] = set()
        self.countdown = 0         # stop when it reaches 0; continue: -1 (breakpoints only)
        self.cwd = os.getcwd()     # file names below it are shown relative to it

    # -- output --------------------------------------------------------------------------------
    def say(self, text: str = "") -> None:
        self.stdout.write(text + "\n")
        self.stdout.flush()

    def error(self, text: str) -> None:
        self.say(f"*** {text}")

    # -- the patched backward ------------------------------------------------------------------
    def backward(self, original: Callable[[Value, float], None], root: Value, grad: float,
                 caller: FrameType | None) -> None:
        """What root.backward(grad) does while the script runs under the debugger."""
        self.passes += 1
        if self.html is not None:
            if self.passes == 1 or self.stop_all:
                self.write_html(root, caller)
            original(root, grad)
            return
        stop_now = not self.end_of_input and (self.passes == 1 or self.stop_all)
        if not stop_now and not (self.breakpoints and not self.end_of_input):
            original(root, grad)
            return
        steps = backward_steps(root, grad)
        self.steps, self.done = steps, set()
        stopped_here = False
        self.countdown = 1 if stop_now else -1
        try:
            with closing(steps):
                for step in steps:
                    self.step = step
                    self.done.add(step.node)
                    if self.end_of_input:
                        continue
                    at_break = self.at_breakpoint(step)
                    if self.countdown > 0:
                        self.countdown -= 1
                    if self.countdown == 0 or at_break:
                        if not stopped_here:  # the first stop in this pass, at step 1 or a breakpoint
                            self.say(f"backward() of {self.describe(root)} {self.location(caller)}")
                            self.say(f"  {len(steps)} steps, one per node, from {steps.names[root]} "
                                     f"back to the leaves. n: next step, c: continue, h: help.")
                        if at_break and self.countdown != 0:
                            self.say(f"breakpoint: {at_break}")
                        self.stopped = stopped_here = True
                        self.show_status()
                        self.prompt_loop()
            if stopped_here and not self.end_of_input:
                self.say(f"-- backward() done: {len(steps)} steps; the script goes on --")
        finally:
            self.steps = self.step = None

    def prompt_loop(self) -> None:
        """Read commands until one moves on; Ctrl-C at the prompt only interrupts the line."""
        while True:
            try:
                self.cmdloop()
                return
            except KeyboardInterrupt:
                self.say("\n--KeyboardInterrupt-- (q quits)")

    def write_html(self, root: Value, caller: FrameType | None) -> None:
        from ..names import caller_scope, node_names
        from .player import play

        path = Path(self.html)  # type: ignore[arg-type]
        if self.passes > 1:
            path = path.with_name(f"{path.stem}-{self.passes}{path.suffix}")
        try:
            player = play(root, names=node_names(root, scope=caller_scope(caller)))
            player.save(path)
            name = player.names[root]  # the root's name as the player (and the prompt) names it
        except Exception as e:  # an unwritable path, no Graphviz: report it, let the script go on
            self.error(f"autograd.debug: could not write the player of the backward() "
                       f"{self.location(caller)} to {path}: {type(e).__name__}: {e}")
            return
        self.say(f"autograd.debug: wrote {path}: the backward() of {self.describe(root, name)} "
                 f"{self.location(caller)}")

    # -- describing things ---------------------------------------------------------------------
    def location(self, frame: FrameType | None) -> str:
        """'at FILE:LINE: source', FILE relative to the starting directory when it is below it."""
        if frame is None:
            return ""
        import linecache

        code = frame.f_code
        source = linecache.getline(code.co_filename, frame.f_lineno).strip()
        return (f"at {_shown_path(code.co_filename, self.cwd)}:{frame.f_lineno}"
                + (f": {source}" if source else ""))

    def name(self, node: Value) -> str:
        if self.steps is not None and node in self.steps.names:
            return self.steps.names[node]
        return node.label or _kind(node)

    def describe(self, node: Value, name: str | None = None) -> str:
        return f"{name or self.name(node)} ({_kind(node)}, data {format_number(node.data)})"

    def show_status(self) -> None:
        steps, step = self.steps, self.step
        assert steps is not None and step is not None
        self.say(f"> {step.status(len(steps), data=True)}")
        for clause in step.clauses():
            self.say(f"  {clause}")

    def at_breakpoint(self, step: Step) -> str | None:
        if not self.breakpoints or self.steps is None:
            return None
        for key in (step.node.label, self.steps.names[step.node]):
            if key and key in self.breakpoints:
                return key
        return None

    def find(self, label: str, *, quiet: bool = False) -> list[Value]:
        """The nodes of this pass whose label or name is label; prints help when there are none."""
        assert self.steps is not None
        names = self.steps.names
        found = [n for n in self.steps.nodes if n.label == label or names[n] == label]
        if not found and not quiet:
            known = self.known()
            shown = ", ".join(known[:12]) + (", ..." if len(known) > 12 else "")
            self.error(f"no node labelled {label!r} in this graph{self.close_to(label)} "
                       f"(nodes: {shown})")
        return found

    def known(self) -> list[str]:
        assert self.steps is not None
        return sorted({*self.steps.names.values(), *(n.label for n in self.steps.nodes if n.label)})

    def close_to(self, label: str) -> str:
        """'; did you mean z?' when label looks like a typo of a node's name, else ''."""
        close = difflib.get_close_matches(label, self.known(), n=3, cutoff=0.5)
        return f"; did you mean {', '.join(close)}?" if close else ""

    def not_here(self, label: str) -> str:
        return f"not in this graph; will stop if a later pass has it{self.close_to(label)}"

    def node_line(self, node: Value) -> str:
        assert self.steps is not None
        steps = self.steps
        where = steps.nodes.index(node) + 1
        text = f"{self.name(node)} ({_kind(node)}): data {format_number(node.data)}, grad {format_number(node.grad)}"
        if node in self.done:
            current = self.step is not None and node is self.step.node
            return text + (" (complete: this step)" if current else f" (complete: step {where})")
        return (text + f" (upstream so far {format_number(self.steps.upstream(node))}, "
                       f"{steps.uses.get(node, 0)} use(s); its step is {where})")

    # -- commands --------------------------------------------------------------------------------
    def do_next(self, arg: str) -> bool | None:
        """n(ext) [K]: take K steps (default 1)."""
        arg = arg.strip()
        k = 1
        if arg:
            try:
                k = int(arg)
            except ValueError:
                self.error(f"next takes a number of steps, got {arg!r}")
                return None
            if k < 1:
                self.error(f"next takes a number of steps >= 1, got {k}")
                return None
        self.countdown = k
        return True

    def do_continue(self, arg: str) -> bool:
        """c(ontinue): run on to the next breakpoint, or to the end of the pass."""
        self.countdown = -1
        return True

    def do_break(self, arg: str) -> None:
        """b(reak) [LABEL]: stop at the node LABEL, in this pass or a later one; or list them."""
        label = arg.strip()
        if not label:
            if self.breakpoints:
                self.say("breakpoints: " + ", ".join(self.breakpoints))
            else:
                self.say("no breakpoints; set one with: break LABEL")
            return
        note = "" if self.find(label, quiet=True) else f" ({self.not_here(label)})"
        if label not in self.breakpoints:
            self.breakpoints.append(label)
        self.say(f"breakpoint set: stop at {label}{note}")

    def do_clear(self, arg: str) -> None:
        """cl(ear) [LABEL]: remove the breakpoint on LABEL, or all of them."""
        label = arg.strip()
        if not label:
            self.breakpoints.clear()
            self.say("all breakpoints removed")
        elif label in self.breakpoints:
            self.breakpoints.remove(label)
            self.say(f"breakpoint removed: {label}")
        else:
            self.error(f"no breakpoint on {label!r}; breakpoints: {', '.join(self.breakpoints) or 'none'}")

    def do_print(self, arg: str) -> None:
        """p(rint) [LABEL]: show a node (default: the current one)."""
        label = arg.strip()
        nodes = [self.step.node] if not label and self.step else self.find(label)
        for node in nodes:
            self.say(self.node_line(node))

    def do_list(self, arg: str) -> None:
        """l(ist): the steps around this one."""
        assert self.steps is not None and self.step is not None
        nodes, i = self.steps.nodes, self.step.index
        start, stop = max(0, i - 3), min(len(nodes), i + 8)
        for j in range(start, stop):
            node = nodes[j]
            mark = "->" if j == i else "  "
            if j <= i:
                state = f"grad {format_number(node.grad)}" + (" (done)" if j < i else "")
            else:
                state = f"upstream so far {format_number(self.steps.upstream(node))}"
            self.say(f"{mark} {j + 1:>4}  {self.name(node):<20} {_kind(node):<8} data {format_number(node.data):>10}  {state}")
        if stop < len(nodes):
            self.say(f"   ... {len(nodes) - stop} more step(s)")

    def do_where(self, arg: str) -> None:
        """w(here): the path from the root down to the current node."""
        assert self.steps is not None and self.step is not None
        path = _path(self.steps.root, self.step.node)
        for k, node in enumerate(path):
            mark = "->" if node is self.step.node else "  "
            extra = ""
            if k + 1 < len(path):
                child = node
                parent = path[k + 1]
                local = dict(zip(child.parents, child.local))[parent]
                extra = f"   d{self.name(child)}/d{self.name(parent)} = {format_number(local)}"
            self.say(f"{mark} {'  ' * k}{self.name(node)} ({_kind(node)}), data {format_number(node.data)}{extra}")

    def do_graph(self, arg: str) -> None:
        """g(raph) [FILE]: save an SVG of the graph with the current node highlighted."""
        assert self.steps is not None and self.step is not None
        path = arg.strip() or f"autograd_step{self.step.index + 1}.svg"
        try:
            from .. import viz

            saved = viz.save_svg(self.steps.root, path, highlight=self.step.node)
        except Exception as e:  # a missing dot, an unwritable path: report, keep the session
            self.error(f"could not save the graph: {type(e).__name__}: {e}")
            return
        self.say(f"wrote {saved} ({self.name(self.step.node)} highlighted)")

    def do_help(self, arg: str) -> None:
        """h(elp): the commands."""
        self.say(HELP)

    def do_quit(self, arg: str) -> None:
        """q(uit): stop the script here."""
        raise Quit()

    def do_EOF(self, arg: str) -> bool:
        self.say("")
        self.say("(end of input: running the script to its end)")
        self.end_of_input = True
        self.countdown = -1
        return True

    do_n = do_next
    do_c = do_cont = do_continue
    do_b = do_break
    do_cl = do_clear
    do_p = do_print
    do_l = do_list
    do_w = do_where
    do_g = do_graph
    do_h = do_help
    do_q = do_exit = do_quit

    def default(self, line: str) -> None:
        self.error(f"unknown command {line.split()[0]!r}")
        self.say(HELP)

    def emptyline(self) -> bool:
        if self.lastcmd:
            return self.onecmd(self.lastcmd)
        return False


def _shown_path(filename: str, cwd: str) -> str:
    """filename relative to cwd when it is below it (examples/train.py, as the user typed it),
    else as it is; like the traceback of `python examples/train.py` run from cwd."""
    path, cwd = os.path.realpath(filename), os.path.realpath(cwd)  # /tmp may be a symlink
    try:
        if os.path.commonpath([path, cwd]) != cwd:
            return filename
    except ValueError:  # another drive, or a mix of absolute and relative paths
        return filename
    return os.path.relpath(path, cwd)


def _path(root: Value, target: Value) -> list[Value]:
    """A shortest path root -> ... -> target along parent edges (breadth-first)."""
    before: dict[Value, Value | None] = {root: None}
    queue = deque([root])
    while queue:
        node = queue.popleft()
        if node is target:
            break
        for parent in node.parents:
            if parent not in before:
                before[parent] = node
                queue.append(parent)
    path = [target]
    while before.get(path[-1]) is not None:
        path.append(before[path[-1]])  # type: ignore[arg-type]
    return path[::-1]


def _user_traceback(tb: TracebackType | None, script: str) -> TracebackType | None:
    """The traceback from the script's own first frame on (runpy and us left out)."""
    start = tb
    while start is not None and os.path.abspath(start.tb_frame.f_code.co_filename) != script:
        start = start.tb_next
    return start or tb


def main(argv: list[str] | None = None) -> int:
    """Run a script under the stepper; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog=PROG, usage=f"{PROG} [--all] [--html FILE] SCRIPT [ARGS...]",
        description="Run a Python script and stop at its first backward() to step through "
                    "the pass one node at a time (like python -m pdb).",
        epilog=HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--all", action="store_true", help="stop at every backward(), not only the first")
    parser.add_argument("--html", metavar="FILE",
                        help="write the HTML player of the first backward() to FILE (with --all: "
                             "of each, as FILE-2.html, ...) instead of prompting")
    # SCRIPT is optional to argparse only so that its missing is reported here, without calling
    # the optional ARGS required as well
    parser.add_argument("script", nargs="?", metavar="SCRIPT", help="the Python script to run")
    parser.add_argument("args", nargs=argparse.REMAINDER, metavar="ARGS",
                        help="its arguments (optional)")
    opts = parser.parse_args(argv)
    if opts.script is None:
        parser.error(f"give the SCRIPT to run (its ARGS are optional), e.g. {PROG} train.py")

    script = os.path.abspath(opts.script)
    if not os.path.isfile(script):
        parser.error(f"no such script: {opts.script}")

    debugger = Debugger(stop_all=opts.all, html=opts.html)
    original = Value.backward

    def backward(self: Value, grad: float = 1.0) -> None:
        debugger.backward(original, self, grad, sys._getframe(1))

    backward.__doc__ = original.__doc__
    saved_argv, saved_path = sys.argv[:], sys.path[:]
    sys.argv = [script, *opts.args]
    sys.path.insert(0, os.path.dirname(script))  # as `python SCRIPT` would, keeping the rest
    Value.backward = backward  # type: ignore[method-assign]
    status = 0
    try:
        runpy.run_path(script, run_name="__main__")
    except Quit:
        debugger.say("autograd.debug: quit")
    except SystemExit as e:
        status = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        if e.code is not None and not isinstance(e.code, int):
            print(e.code, file=sys.stderr)
    except BaseException as e:  # the script failed: show its traceback, as Python would
        traceback.print_exception(type(e), e, _user_traceback(e.__traceback__, script))
        status = 1
    finally:
        Value.backward = original  # type: ignore[method-assign]
        sys.argv, sys.path[:] = saved_argv, saved_path
    if debugger.passes == 0:
        debugger.say(f"autograd.debug: {opts.script} finished without calling backward()")
    return status

