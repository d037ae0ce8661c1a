"""The stepper's prompt: the Debugger that python -m autograd.debug installs with
engine.backward_interceptor, and its pdb-like commands (each one's help is its docstring).

While installed, each backward() of the script comes to Debugger.intercept; a pass it stops in
runs through backward_steps, one node at a time, so the grads are exactly those of backward().
"""

from __future__ import annotations

import difflib
import importlib
import keyword
import os
import tempfile
from pathlib import Path
from types import FrameType
from typing import Any, TextIO

from .._util import format_number, printable
from ..names import caller_scope, kind, node_names
from ..value import Value
from .places import shortest_path, shown_path
from .prompt import FAILED, Prompt
from .steps import BackwardSteps, Step, name_of

__all__ = ["Debugger", "Quit"]


class Quit(BaseException):
    """Raised through the script by `quit` (a BaseException, so `except Exception` won't eat it)."""


def start_pass(root: Value, seed: float, frame: FrameType) -> BackwardSteps:
    """The pass of root.backward(seed) step by step, its nodes named from frame's variables
    (the frame that called backward()), as every view names them, and as a terminal can show
    them (a label's control characters as escapes)."""
    names = node_names(root, scope=caller_scope(frame)).printable()
    return BackwardSteps(root, seed, names=names)


class Debugger(Prompt):
    """The prompt, and the interceptor of backward() that steps each pass it stops in."""

    prompt = "(autograd) "

    def __init__(self, *, stop_all: bool = False, html: str | None = None,
                 stdin: TextIO | None = None, stdout: TextIO | None = None) -> None:
        super().__init__(stdin=stdin, stdout=stdout)
        self.stop_all = stop_all
        self.html = html
        self.breakpoints: list[str] = []
        self.passes = 0            # backward() calls seen
        self.end_of_input = False  # after Ctrl-D: never stop again
        self.steps: BackwardSteps | None = None
        self.step: Step | None = None
        self.frame: FrameType | None = None  # the user's frame that called backward()
        self.locals: dict[str, Any] = {}     # its variables, as p and ! see (and set) them
        self.seed = 1.0
        self.start_grads: list[float] = []   # .grad of steps.nodes when the pass began
        self.stop_at: int | None = None      # the step `next` stops at; None: breakpoints only
        self.back_to: int | None = None      # the step `back` asked for
        self.graph_dir: str | None = None
        self.cwd = os.getcwd()               # file names below it are shown relative to it
        self.interrupted = False             # Ctrl-C while the script ran: stop at the next step

    def on_interrupt(self, signum: int, frame: FrameType | None) -> None:
        """SIGINT, as pdb takes it: while the script runs, stop at the next step of a pass (the
        one under way, or the next backward()); at the prompt, or pressed twice, interrupt."""
        if self.at_prompt or self.interrupted or self.end_of_input:
            raise KeyboardInterrupt
        self.interrupted = True
        self.say("\n--Interrupted: stopping at the next backward() step "
                 "(Ctrl-C again stops the script)--")

    # -- the pass --------------------------------------------------------------------------------
    def intercept(self, root: Value, seed: float, frame: FrameType) -> bool:
        """The backward_interceptor: True when it ran root's pass itself."""
        self.passes += 1
        first = self.passes == 1 or self.stop_all or self.interrupted
        if self.html is not None:
            if first:
                self.write_html(root, frame)
            return False
        if self.end_of_input or not (first or self.breakpoints):
            return False
        # at module level f_locals is the globals: assignments by ! then reach the script
        scope = frame.f_locals
        self.frame, self.locals, self.seed = frame, scope if scope is frame.f_globals else dict(scope), seed
        self.steps = start_pass(root, seed, frame)
        self.start_grads = [node.grad for node in self.steps.nodes]
        self.stop_at = 0 if first else None
        try:
            self.step_through(root)
        finally:
            self.steps.close()
            self.steps = self.step = self.frame = None
            self.locals = {}
        return True

    def stops_at(self, step: Step) -> bool:
        """Whether the prompt comes up at step: the one `next` asked for, or a breakpoint."""
        if self.end_of_input:
            return False
        if self.interrupted:
            self.interrupted = False
            return True
        return step.index == self.stop_at or bool(self.at_breakpoint(step))

    def step_through(self, root: Value) -> None:
        stopped = False
        assert self.steps is not None
        for step in self.steps_left():
            if not self.stops_at(step):
                continue
            if not stopped:  # the first stop in this pass, at step 1 or a breakpoint
                self.say(f"backward() of {self.describe(root)} {self.location(self.frame)}")
                self.say(f"  {len(self.steps)} steps, one per node, from {self.name(root)} "
                         f"back to the leaves. n: next step, c: continue, h: help.")
                stopped = True
            at_break = self.at_breakpoint(step)
            if at_break and step.index != self.stop_at:
                self.say(f"breakpoint: {at_break}")
            self.interact()
        if stopped and not self.end_of_input:
            self.say(f"-- backward() done: {len(self.steps)} steps; the script goes on --")

    def steps_left(self) -> Any:
        """The steps of the pass, from wherever `back` last put it."""
        while self.steps is not None:
            step = next(self.steps, None)
            if step is None:
                return
            self.step = step
            yield step

    def interact(self) -> None:
        """Show the step and read commands until one moves on; `back` re-runs the pass up to
        the step asked for, from the grads it started with, so they are bit for bit those of
        that step."""
        while True:
            self.show_status()
            self.prompt_loop()
            if self.back_to is None:
                return
            assert self.steps is not None
            target, self.back_to = self.back_to, None
            root = self.steps.root
            self.steps.close()
            for node, g in zip(self.steps.nodes, self.start_grads):
                node.grad = g
            assert self.frame is not None
            self.steps = start_pass(root, self.seed, self.frame)
            for _ in range(target + 1):
                self.step = next(self.steps)
            self.stop_at = target

    def write_html(self, root: Value, frame: FrameType) -> None:
        from .player import play

        path = Path(self.html)  # type: ignore[arg-type]
        if self.passes > 1:
            path = path.with_name(f"{path.stem}-{self.passes}{path.suffix}")
        try:
            player = play(root, names=node_names(root, scope=caller_scope(frame)))
            player.save(path)
        except Exception as e:  # noqa: BLE001 - an unwritable path, no Graphviz: report it, let the script go on
            self.error(f"autograd.debug: could not write the player of the backward() "
                       f"{self.location(frame)} to {path}: {type(e).__name__}: {e}")
            return
        name = player.names[root]  # the root's name as the player (and the prompt) names it
        self.say(f"autograd.debug: wrote {path}: the backward() of {self.describe(root, name)} "
                 f"{self.location(frame)}")

    # -- describing things ---------------------------------------------------------------------
    def location(self, frame: FrameType | None) -> str:
        """'at FILE:LINE: source', FILE relative to the starting directory when it is below it."""
        if frame is None:
            return ""
        import linecache

        code = frame.f_code
        source = linecache.getline(code.co_filename, frame.f_lineno).strip()
        return (f"at {shown_path(code.co_filename, self.cwd)}:{frame.f_lineno}"
                + (f": {source}" if source else ""))

    def name(self, node: Value) -> str:
        if self.steps is not None and node in self.steps.names:
            return self.steps.names[node]
        return name_of(node, {})

    def describe(self, node: Value, name: str | None = None) -> str:
        shown = printable(name) if name else self.name(node)
        return f"{shown} ({kind(node)}, data {format_number(node.data)})"

    def show_status(self) -> None:
        assert self.steps is not None and self.step is not None
        self.say(f"> {self.step.status(len(self.steps), data=True)}")
        for clause in self.step.clauses():
            self.say(f"  {clause}")

    def at_breakpoint(self, step: Step) -> str | None:
        if not self.breakpoints or self.steps is None:
            return None
        for key in (step.node.label, self.steps.names[step.node]):
            if key and key in self.breakpoints:
                return key
        return None

    def find(self, label: str) -> list[Value]:
        """The nodes of this pass whose label or name is label."""
        assert self.steps is not None
        names = self.steps.names
        return [n for n in self.steps.nodes
                if label in (n.label, names[n]) or (n.label and printable(n.label) == label)]

    def words(self) -> list[str]:
        """The labels and names of this pass's nodes (what b, p, e complete)."""
        if self.steps is None:
            return []
        return self.known()

    def variables(self) -> dict[str, Value]:
        """The nodes' names and labels that are Python names and pick out one node."""
        if self.steps is None:
            return {}
        found: dict[str, list[Value]] = {}
        for node in self.steps.nodes:
            for word in {self.steps.names[node], node.label}:
                if word.isidentifier() and not keyword.iskeyword(word):
                    found.setdefault(word, []).append(node)
        return {word: nodes[0] for word, nodes in found.items() if len(nodes) == 1}

    def evaluate(self, arg: str) -> Any:
        """A node's label or name gives the node; else arg is a Python expression."""
        nodes = self.find(arg)
        if nodes:
            return nodes[0]
        if arg.isidentifier() and arg not in self.namespace():
            self.error(f"no node or variable named {arg!r} here{self.close_to(arg)}")
            return FAILED
        return self.run_python(arg, "eval")

    def known(self) -> list[str]:
        assert self.steps is not None
        labels = (printable(n.label) for n in self.steps.nodes if n.label)
        return sorted({*self.steps.names.values(), *labels})

    def close_to(self, label: str) -> str:
        """'; did you mean z?' when label looks like a typo of a node's name, else ''."""
        close = difflib.get_close_matches(label, self.known(), n=3, cutoff=0.5)
        return f"; did you mean {', '.join(close)}?" if close else ""

    def node_line(self, node: Value) -> str:
        assert self.steps is not None
        steps = self.steps
        where = steps.nodes.index(node)
        text = (f"{self.name(node)} ({kind(node)}): data {format_number(node.data)}, "
                f"grad {format_number(node.grad)}")
        if self.step is not None and where <= self.step.index:
            current = node is self.step.node
            return text + (" (complete: this step)" if current else f" (complete: step {where + 1})")
        return (text + f" (upstream so far {format_number(steps.upstream(node))}, "
                       f"{steps.uses.get(node, 0)} use(s); its step is {where + 1})")

    # -- commands --------------------------------------------------------------------------------
    def do_next(self, arg: str) -> bool | None:
        """n(ext) [K]: take K steps (default 1).

Each step takes one node, whose upstream gradient is now complete, adds it to the node's .grad
and sends upstream * local derivative to each of its parents."""
        k = self.count(arg, "next")
        if k is None:
            return None
        assert self.step is not None
        self.stop_at = self.step.index + k
        return True

    def do_back(self, arg: str) -> bool | None:
        """back [K]: go K steps back (default 1), the .grad fields as they were at that step.

The pass is run again from the grads it started with, so they are bit for bit those of
that step."""
        k = self.count(arg, "back")
        if k is None:
            return None
        assert self.step is not None
        if self.step.index == 0:
            self.error("this is the first step of the pass; back goes no further")
            return None
        self.back_to = max(0, self.step.index - k)
        return True

    def do_continue(self, arg: str) -> bool:
        """c(ontinue): run on to the next breakpoint, or to the end of the pass."""
        self.stop_at = None
        return True

    def do_break(self, arg: str) -> None:
        """b(reak) [LABEL]: stop when the node LABEL is reached, in this pass or a later one.

Without LABEL, list the breakpoints.  LABEL is a node's label or name."""
        label = arg.strip()
        if not label:
            if self.breakpoints:
                self.say("breakpoints: " + ", ".join(self.breakpoints))
            else:
                self.say("no breakpoints; set one with: break LABEL")
            return
        note = "" if self.find(label) else (f" (not in this graph; will stop if a later pass "
                                             f"has it{self.close_to(label)})")
        if label not in self.breakpoints:
            self.breakpoints.append(label)
        self.say(f"breakpoint set: stop at {label}{note}")

    def do_clear(self, arg: str) -> None:
        """cl(ear) [LABEL]: remove the breakpoint on LABEL (without LABEL, all of them)."""
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
        """p(rint) [LABEL or EXPR]: show a node (default: the current one), or a Python value.

A node shows its data, grad, and its upstream gradient so far.  EXPR is evaluated in the frame
that called backward(), where the nodes' names and labels are variables too:
  p w1.grad * 2      p net.w1      p [v.grad for v in net.parameters()]"""
        arg = arg.strip()
        assert self.steps is not None and self.step is not None
        nodes = self.find(arg) if arg else [self.step.node]
        for node in nodes:
            self.say(self.node_line(node))
        if nodes:
            return
        value = self.evaluate(arg)
        if isinstance(value, Value) and value in self.steps.names:
            self.say(self.node_line(value))
        elif value is not FAILED:
            self.say(repr(value))

    def do_explain(self, arg: str) -> None:
        """e(xplain) [NAME]: d root / d NAME spelled out as the chain rule (default: this node).

The sum over every path from the root down to NAME of the product of the local derivatives
along it, each factor named and with its number.  NAME may be any expression giving a node."""
        assert self.step is not None
        node = self.evaluate(arg.strip()) if arg.strip() else self.step.node
        if node is FAILED:
            return
        if not isinstance(node, Value):
            self.error(f"explain takes a node, got {type(node).__name__}")
            return
        try:
            explain = importlib.import_module("autograd.explain").explain
        except ImportError:
            self.error("explain is not in this version of chainrule yet (no autograd.explain); "
                       "w shows the path to a node and p its numbers")
            return
        assert self.steps is not None
        self.say(str(explain(self.steps.root, node, names=self.steps.names)))

    def do_list(self, arg: str) -> None:
        """l(ist): the steps around this one: done, current (->) and next."""
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
            self.say(f"{mark} {j + 1:>4}  {self.name(node):<20} {kind(node):<8} "
                     f"data {format_number(node.data):>10}  {state}")
        if stop < len(nodes):
            self.say(f"   ... {len(nodes) - stop} more step(s)")

    def do_where(self, arg: str) -> None:
        """w(here): the path from the root down to the current node, with the local derivatives."""
        assert self.steps is not None and self.step is not None
        path = shortest_path(self.steps.root, self.step.node)
        for k, node in enumerate(path):
            mark = "->" if node is self.step.node else "  "
            extra = ""
            if k + 1 < len(path):
                parent = path[k + 1]
                local = dict(zip(node.parents, node.local))[parent]
                extra = f"   d{self.name(node)}/d{self.name(parent)} = {format_number(local)}"
            self.say(f"{mark} {'  ' * k}{self.name(node)} ({kind(node)}), "
                     f"data {format_number(node.data)}{extra}")

    def do_graph(self, arg: str) -> None:
        """g(raph) [FILE]: save an SVG of the graph with the current node highlighted.

Without FILE it goes to a temporary directory (the path is printed), never the current one."""
        assert self.steps is not None and self.step is not None
        path = arg.strip()
        if not path:
            if self.graph_dir is None:
                self.graph_dir = tempfile.mkdtemp(prefix="autograd-graphs-")
            path = os.path.join(self.graph_dir, f"pass{self.passes}-step{self.step.index + 1}.svg")
        try:
            from ..viz import picture  # the picture with this pass's names

            graph = picture(self.steps.root, names=self.steps.names, highlight=self.step.node)
            svg = graph.pipe(format="svg", encoding="utf-8", quiet=True)
            Path(path).write_text(svg, encoding="utf-8")
        except Exception as e:  # noqa: BLE001 - a missing dot, an unwritable path: report, keep the session
            self.error(f"could not save the graph: {type(e).__name__}: {e}")
            return
        self.say(f"wrote {path} ({self.name(self.step.node)} highlighted)")

    def do_quit(self, arg: str) -> None:
        """q(uit): stop the script here."""
        raise Quit()

    def do_EOF(self, arg: str) -> bool:
        """Ctrl-D (end of input): run the script to its end without stopping again."""
        self.say("")
        self.say("(end of input: running the script to its end)")
        self.end_of_input = True
        self.stop_at = None
        return True

    do_n = do_next
    do_c = do_cont = do_continue
    do_b = do_break
    do_cl = do_clear
    do_p = do_print
    do_e = do_explain
    do_l = do_list
    do_w = do_where
    do_g = do_graph
    do_q = do_exit = do_quit
    complete_p = complete_print = complete_e = complete_explain = Prompt.complete_python
