"""What the stepper shows of a pass: nodes by name, the Python values of `p`, explain, the steps
around this one, the path from the root, and pictures (the whole graph, the part under a node,
or folded).  Views is the Debugger's half that only looks; debugger.py moves the pass on.
"""

from __future__ import annotations

import builtins
import difflib
import importlib
import linecache
import os
import tempfile
from collections import deque
from pathlib import Path
from types import FrameType
from typing import Any

from .._util import format_number, printable
from ..engine import topological_order
from ..names import Names, atom, d, kind
from ..value import Value
from .prompt import FAILED, Prompt
from .steps import BackwardSteps, Step, name_of

__all__ = ["Views", "shortest_path", "shown_path"]


def shown_path(filename: str, cwd: str) -> str:
    """filename relative to cwd when it is below it (examples/train.py, as the user typed it),
    else as it is; like the traceback of `python examples/train.py` run from cwd."""
    path, cwd = os.path.realpath(filename), os.path.realpath(cwd)  # /tmp may be a symlink
    try:
        if os.path.commonpath([path, cwd]) != cwd:
            return filename
    except ValueError:  # another drive, or a mix of absolute and relative paths
        return filename
    return os.path.relpath(path, cwd)


def shortest_path(root: Value, target: Value) -> list[Value]:
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


class Views(Prompt):
    """The commands that look at the pass (p, e, l, w, g) and the words they name nodes by."""

    steps: BackwardSteps | None = None
    step: Step | None = None
    passes = 0
    cwd = ""
    graph_dir: str | None = None
    _words: dict[str, Value] | None = None  # words(), made once per pass

    # -- names -----------------------------------------------------------------------------------
    def name(self, node: Value) -> str:
        return name_of(node, self.steps.names if self.steps is not None else {})

    def describe(self, node: Value, name: str | None = None) -> str:
        shown = printable(name) if name else self.name(node)
        return f"{shown} ({kind(node)}, data {format_number(node.data)})"

    def location(self, frame: FrameType | None) -> str:
        """'at FILE:LINE: source', FILE relative to the starting directory when it is below it."""
        if frame is None:
            return ""
        code = frame.f_code
        source = linecache.getline(code.co_filename, frame.f_lineno).strip()
        return (f"at {shown_path(code.co_filename, self.cwd)}:{frame.f_lineno}"
                + (f": {source}" if source else ""))

    def find(self, label: str) -> list[Value]:
        """The nodes of this pass whose label or name is label (also as formulas write a name:
        (y_hat - 0.2)), or whose op#position form it is (mul#6)."""
        assert self.steps is not None
        names = self.steps.names
        found = [n for n in self.steps.nodes
                 if label in (n.label, names[n]) or (n.label and printable(n.label) == label)]
        if not found and isinstance(names, Names):  # the op#position form (mul#6) of any node
            found = [n for n in self.steps.nodes if names.op_names.get(n) == label]
        if not found and label.startswith("("):  # as formulas write it: dC/d(y_hat - 0.2)
            found = [n for n in self.steps.nodes if atom(names[n]) == label]
        return found

    def words(self) -> dict[str, Value]:
        """Each name or label of this pass's nodes that picks out one node -> that node (what
        b, p, e, g complete, what $NAME names, and the variables Python sees where the frame
        defines nothing of that name); and each node's op#position form (mul#6) that no name
        or label is, as find() takes it."""
        if self.steps is None:
            return {}
        if self._words is None:
            found: dict[str, list[Value]] = {}
            for node in self.steps.nodes:
                for word in {self.steps.names[node], printable(node.label), node.label} - {""}:
                    found.setdefault(word, []).append(node)
            words = {word: nodes[0] for word, nodes in found.items() if len(nodes) == 1}
            op_names = getattr(self.steps.names, "op_names", {})
            for node in self.steps.nodes:  # mul#6, where no name or label is that text
                op_name = op_names.get(node)
                if op_name and op_name not in found:
                    words[op_name] = node
            self._words = words
        return self._words

    def known(self) -> list[str]:
        assert self.steps is not None
        labels = (printable(n.label) for n in self.steps.nodes if n.label)
        return sorted({*self.steps.names.values(), *labels})

    def close_to(self, label: str) -> str:
        """'; did you mean z?' when label looks like a typo of a node's name, else ''."""
        close = difflib.get_close_matches(label, self.known(), n=3, cutoff=0.5)
        return f"; did you mean {', '.join(close)}?" if close else ""

    def defined(self, name: str) -> bool:
        """Whether Python in the frame has a variable (or a builtin) called name: it then wins
        over a node of that name, which $name still gives."""
        return name.isidentifier() and self.frame is not None and (
            name in self.locals or name in self.frame.f_globals or hasattr(builtins, name))

    def named(self, arg: str) -> list[Value]:
        """The nodes arg names: $NAME, or a name or label that the frame does not define."""
        if arg.startswith("$"):
            return self.find(arg[1:])
        return [] if self.defined(arg) else self.find(arg)

    def evaluate(self, arg: str) -> Any:
        """The node arg names (named()); else arg as Python in the frame."""
        nodes = self.named(arg)
        if nodes:
            return nodes[0]
        if arg.startswith("$") and arg[1:] in self.known():
            self.error(f"{arg[1:]!r} names several nodes: {', '.join(map(self.name, self.find(arg[1:])))}")
            return FAILED
        if arg.isidentifier() and not self.defined(arg) and arg not in self.namespace():
            self.error(f"no node or variable named {arg!r} here{self.close_to(arg)}")
            return FAILED
        return self.run_python(arg, "eval")

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

    def show_status(self) -> None:
        assert self.steps is not None and self.step is not None
        self.say(f"> {self.step.status(len(self.steps), data=True)}")
        for clause in self.step.clauses():
            self.say(f"  {clause}")

    # -- commands --------------------------------------------------------------------------------
    def do_print(self, arg: str) -> None:
        """p(rint) [NAME or EXPR]: show a node (default: the current one), or a Python value.

A node shows its data, grad, and its upstream gradient so far.  EXPR is evaluated in the frame
that called backward(), as pdb does; node names are variables there too, where the frame and
the builtins define nothing of that name, and names Python cannot read are read as the node
(mul#4, nn's layers.0.neurons.0.w.0); $NAME is always the node NAME:
  p w1.grad * 2      p net.w1      p layers.0.neurons.0.w.0.grad      p $mul#4.grad
A SystemExit (p exit()) is printed as any error: only q ends the script."""
        arg = arg.strip()
        assert self.steps is not None and self.step is not None
        nodes = self.named(arg) if arg else [self.step.node]
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
along it, each factor named and with its number.  NAME is a node's name or label ($NAME when
a variable has that name too), or any expression giving a node (e net.w1)."""
        assert self.step is not None
        arg = arg.strip()
        node = self.evaluate(arg) if arg else self.step.node
        if node is FAILED:
            return
        if not isinstance(node, Value):
            hint = f"; the node {arg} is ${arg}" if self.find(arg) else ""
            self.error(f"explain takes a node, got {type(node).__name__}{hint}")
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
                extra = f"   {d(self.name(node))}/{d(self.name(parent))} = {format_number(local)}"
            self.say(f"{mark} {'  ' * k}{self.name(node)} ({kind(node)}), "
                     f"data {format_number(node.data)}{extra}")

    def do_graph(self, arg: str) -> None:
        """g(raph) [NAME|fold] [FILE]: save an SVG of the graph, the current node highlighted.

g draws the whole graph; g NAME the part under the node NAME (everything it is computed
from); g fold each nn neuron call as one box (as draw(root, fold=True)).  Without FILE it goes
to a temporary directory (the path is printed), never the current one.  A graph too big to
draw says which of these fits."""
        assert self.steps is not None and self.step is not None
        parsed = self.graph_request(arg.strip())
        if parsed is None:
            return
        top, fold, path = parsed
        from ..viz import picture, picture_plan  # the picture with this pass's names

        plan = picture_plan(top, fold=fold)
        if plan.kind == "none":
            self.error(self.too_big(top, fold, plan.size, plan.folded, plan.limit))
            return
        if not path:
            if self.graph_dir is None:
                self.graph_dir = tempfile.mkdtemp(prefix="autograd-graphs-")
            part = "" if top is self.steps.root else "-" + "".join(
                c if c.isalnum() or c in "._-" else "_" for c in self.name(top))[:40]
            path = os.path.join(self.graph_dir, f"pass{self.passes}-step{self.step.index + 1}"
                                                f"{part}{'-folded' if fold else ''}.svg")
        current = self.step.node
        shown = current is top or current in set(topological_order(top))
        try:
            graph = picture(top, names=self.steps.names, highlight=current if shown else None,
                            fold=fold)
            svg = graph.pipe(format="svg", encoding="utf-8", quiet=True)
            Path(path).write_text(svg, encoding="utf-8")
        except Exception as e:  # noqa: BLE001 - a missing dot, an unwritable path: report, keep the session
            self.error(f"could not save the graph: {type(e).__name__}: {e}")
            return
        what = f"{self.name(current)} highlighted" if shown else \
            f"{self.name(current)} is not under {self.name(top)}"
        self.say(f"wrote {path} ({what})")

    do_p = do_print
    do_e = do_explain
    do_l = do_list
    do_w = do_where
    do_g = do_graph

    def graph_request(self, arg: str) -> tuple[Value, bool, str] | None:
        """g's argument as (top node, fold, FILE or ''), or None after saying what is wrong."""
        assert self.steps is not None
        root = self.steps.root
        if not arg:
            return root, False, ""
        word, _, rest = arg.partition(" ")
        if word == "fold" and not self.find("fold"):
            return root, True, rest.strip()
        for name, path in ((arg, ""), *((arg[:i], arg[i + 1:].strip()) for i in
                                       range(len(arg) - 1, 0, -1) if arg[i] == " ")):
            nodes = self.find(name[1:] if name.startswith("$") else name)
            if nodes:
                return nodes[0], False, path
            value = self.namespace().get(name) if name.isidentifier() else None
            if isinstance(value, Value) and value in self.steps.names:
                return value, False, path
        if " " in arg or arg.startswith("$"):
            self.error(f"no node named {arg.rsplit(' ', 1)[0]!r} here{self.close_to(arg)}")
            return None
        return root, False, arg

    def too_big(self, top: Value, fold: bool, size: int, folded: int | None, limit: int) -> str:
        """Why g cannot draw this, and the commands that draw a smaller picture."""
        assert self.step is not None
        what = "the graph" if top is (self.steps.root if self.steps else None) else \
            f"the graph under {self.name(top)}"
        ways = []
        if not fold and folded is not None and folded <= limit:
            ways.append(f"g fold draws each nn neuron call as one box ({folded:,} nodes and edges)")
        example = "" if self.step.node is top else f", e.g. g {self.name(self.step.node)}"
        ways.append(f"g NAME draws the part under one node{example}")
        return (f"{what} has {size:,} nodes and edges"
                f"{' even folded' if fold else ''}, more than autograd.viz.MAX_SIZE = {limit:,}: "
                + "; ".join(ways) + " (or !import autograd.viz; autograd.viz.MAX_SIZE = ... "
                "to draw more, slowly)")
