"""The stepper's prompt: the Debugger that python -m autograd.debug installs with
engine.backward_interceptor, and the commands that move the pass (each one's help is its
docstring).

While installed, each backward() of the script comes to Debugger.intercept (tape.backward()
too; a batched Tape's with a note: its example 0); a pass it stops in runs through
backward_steps, one node at a time, so the grads are exactly those of backward().

The stepper in modules, one job each:
    debugger.py    the pass: where it stops, n, back, c, b, cl, q
    views.py       what it shows: p, e, l, w, g, and the names it finds nodes by
    prompt.py      pdb's habits: help, unknown commands, Ctrl-C, Tab, Python in the frame
    evaluation.py  that Python: node names in it ($NAME, mul#4), the frame first, write-back
    cli.py         python -m autograd.debug: the script run under the Debugger
"""

from __future__ import annotations

import os
from pathlib import Path
from types import FrameType
from typing import Any, TextIO

from ..names import Names, caller_scope, node_names
from ..value import Value
from .steps import BackwardSteps, Step
from .views import Views

__all__ = ["Debugger", "Quit"]


class Quit(BaseException):
    """Raised through the script by `quit` (a BaseException, so `except Exception` won't eat it)."""


def start_pass(root: Value, seed: float, frame: FrameType) -> BackwardSteps:
    """The pass of root.backward(seed) step by step, its nodes named from frame's variables
    (the frame that called backward()), as every view names them, and as a terminal can show
    them (a label's control characters as escapes)."""
    names = node_names(root, scope=caller_scope(frame)).printable()
    return BackwardSteps(root, seed, names=names)


class Debugger(Views):
    """The prompt, and the interceptor of backward() that steps each pass it stops in."""

    prompt = "(autograd) "
    commands = ("next", "back", "continue", "break", "clear", "print", "explain", "list", "where",
                "graph", "quit", "EOF", "help")

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
        self.locals: Any = {}                # its f_locals, as p and ! see (and set) them
        self.line_open = False               # the script's last output did not end its line
        self.seed = 1.0
        self.note = ""                       # what the pass is, when not plainly backward()
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
    def intercept(self, root: Value, seed: float, frame: FrameType, note: str = "") -> bool:
        """The backward_interceptor: True when it ran root's pass itself.  note says what the
        pass is when it is not plainly root.backward() (a batched Tape's example 0)."""
        self.passes += 1
        first = self.passes == 1 or self.stop_all or self.interrupted
        if self.html is not None:
            if first:
                self.write_html(root, frame, note)
            return False
        if self.end_of_input or not (first or self.breakpoints):
            return False
        # what ! assigns there reaches the script: at module level f_locals is the globals; in
        # a function, evaluation.write_back makes it the function's variables, as pdb does
        self.frame, self.locals, self.seed = frame, frame.f_locals, seed
        self.steps, self._words = start_pass(root, seed, frame), None
        self.start_grads = [node.grad for node in self.steps.nodes]
        self.stop_at = 0 if first else None
        self.note = note
        try:
            self.step_through(root)
        finally:
            self.steps.close()
            self.steps = self.step = self.frame = None
            self.locals, self._words = {}, None
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
                if stopped and self.stop_at is not None and step.index < self.stop_at:
                    self.show_status()  # a step that `next K` passes, shown as pdb's n shows each
                continue
            if not stopped:  # the first stop in this pass, at step 1 or a breakpoint
                self.fresh_line()
                self.say(f"backward() of {self.describe(root)} {self.location(self.frame)}")
                self.say(f"  {len(self.steps)} steps, one per node, from {self.name(root)} "
                         f"back to the leaves. n: next step, c: continue, h: help.")
                if self.note:
                    self.say(f"  This is {self.note}.")
                stopped = True
            at_break = self.at_breakpoint(step)
            if at_break and step.index != self.stop_at:
                self.say(f"breakpoint: {at_break}")
            self.interact()
        if stopped and not self.end_of_input:
            self.say(f"-- backward() done: {len(self.steps)} steps; the script goes on --")

    def at_breakpoint(self, step: Step) -> str | None:
        """The breakpoint step's node has (its label or name), if any."""
        if not self.breakpoints or self.steps is None:
            return None
        names = self.steps.names
        op_name = names.op_names.get(step.node) if isinstance(names, Names) else None
        for key in (step.node.label, names[step.node], op_name):
            if key and key in self.breakpoints:
                return key
        return None

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
            self.steps, self._words = start_pass(root, self.seed, self.frame), None
            for _ in range(target + 1):
                self.step = next(self.steps)
            self.stop_at = target

    def write_html(self, root: Value, frame: FrameType, note: str = "") -> None:
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
        self.fresh_line()
        self.say(f"autograd.debug: wrote {path}: the backward() of {self.describe(root, name)} "
                 f"{self.location(frame)}" + (f" ({note})" if note else ""))

    def say(self, text: str = "") -> None:
        super().say(text)
        self.line_open = False

    def fresh_line(self) -> None:
        """End the line the script left open (a progress bar's), so what follows starts on its own."""
        if self.line_open:
            self.say()

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

Without LABEL, list the breakpoints.  LABEL is a node's label or name, as typed (mul#4,
layers.0.neurons.0.w.0; $LABEL is the same as LABEL)."""
        label = arg.strip()
        if label.startswith("$") and len(label) > 1:
            label = label[1:]
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
        if label.startswith("$") and len(label) > 1:
            label = label[1:]
        if not label:
            self.breakpoints.clear()
            self.say("all breakpoints removed")
        elif label in self.breakpoints:
            self.breakpoints.remove(label)
            self.say(f"breakpoint removed: {label}")
        else:
            self.error(f"no breakpoint on {label!r}; breakpoints: {', '.join(self.breakpoints) or 'none'}")

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
    do_q = do_exit = do_quit
    complete_p = complete_print = Views.complete_python
    complete_e = complete_explain = complete_g = complete_graph = Views.complete_node
