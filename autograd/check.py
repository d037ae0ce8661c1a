"""Checking gradients: gradcheck against finite differences, and detect_anomaly for NaN and inf.

gradcheck compares every derivative that grad() computes with central finite differences
(order=2: the Hessian from grad(create_graph=True) with finite differences of the gradient).

detect_anomaly() finds where a NaN or an infinity is born.  Inside it (in the thread that entered
it), every new Value remembers the line of user code that made it, each op checks its result,
and backward() and grad() run as a checked engine.Sweep.  The first op whose result is NaN or
infinite from finite inputs, or the first backward step that makes a gradient NaN or infinite,
raises AnomalyError with the op, the node, the input values and that line.  The engine calls the
checker registered here at those points; outside the context it pays nothing beyond the hook
check that no_grad already needs.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Sequence
from types import FrameType
from typing import Any

from ._util import as_float, describe, finite, format_number, printable
from .conventions import is_library_frame, library_package, list_of
from .engine import Sweep, anomaly_mode, grad, no_grad, set_anomaly_checker, topological_order
from .names import caller_scope, d, node_names
from .value import PRIMITIVES, Value

__all__ = ["gradcheck", "GradcheckError", "detect_anomaly", "AnomalyError", "check_graph",
           "wrong_nodes"]


# ---------------------------------------------------------------------------------------------
# gradcheck

class GradcheckError(AssertionError):
    """gradcheck found derivatives that disagree with finite differences; .failures lists them.

    Each failure is (what, analytic, numeric, error), what naming the input(s), e.g. "input 0 (x)".
    """

    def __init__(self, message: str, failures: list[tuple[str, float, float, float]]) -> None:
        super().__init__(message)
        self.failures = failures

    def __reduce__(self) -> tuple[Any, ...]:  # pickle and copy (multiprocessing, pytest-xdist)
        return (type(self), (str(self), self.failures))


def _check_points(inputs: Any) -> tuple[list[float], list[str]]:
    """The numbers to check at and the input labels; Values give their data and label."""
    items = list_of(inputs, "gradcheck(f, inputs)", "inputs", _is_point, "numbers", "a number")
    if not items:
        raise ValueError("gradcheck(f, inputs): inputs is empty; give at least one number")
    points, labels = [], []
    for i, x in enumerate(items):
        if isinstance(x, Value):
            points.append(x.data)
            labels.append(x.label or f"x{i}")
        else:
            p = as_float(x)
            assert p is not None  # list_of checked each with _is_point
            points.append(p)
            labels.append(f"x{i}")
    return points, labels


def _is_point(x: Any) -> bool:
    """A number (or a Value, checked at its data) that gradcheck can check at."""
    return isinstance(x, Value) or as_float(x) is not None


def _check_tolerance(name: str, x: Any, *, positive: bool) -> float:
    v = as_float(x)
    if v is None or isinstance(x, bool):
        raise TypeError(f"gradcheck(): {name} must be a number, got {describe(x)}")
    if not math.isfinite(v) or v < 0.0 or (positive and v == 0.0):
        need = "> 0" if positive else ">= 0"
        raise ValueError(f"gradcheck(): {name} must be finite and {need}, got {x!r}")
    return v


def _evaluate(f: Callable[..., Any], xs: list[Value]) -> Value:
    y = f(*xs)
    if not isinstance(y, Value):
        raise TypeError(f"gradcheck(): f must return a Value, got {describe(y)}; "
                        f"build the result from the Values f is given")
    return y


def _gradient(f: Callable[..., Any], points: list[float], labels: list[str]) -> list[float]:
    """The analytic gradient of f at points, as floats."""
    xs = [Value(p, label) for p, label in zip(points, labels)]
    return [g.data for g in grad(_evaluate(f, xs), xs)]


def _shifted(points: list[float], i: int, h: float) -> list[float]:
    moved = list(points)
    moved[i] += h
    return moved


def _agree(analytic: float, numeric: float, atol: float, rtol: float) -> bool:
    if analytic == numeric:  # also equal infinities
        return True
    return abs(analytic - numeric) <= atol + rtol * abs(numeric)  # False when either is nan


def gradcheck(f: Callable[..., Value], inputs: Sequence[float], *, eps: float = 1e-6,
              atol: float = 1e-5, rtol: float = 1e-3, order: int = 1) -> bool:
    """True when every derivative of f at inputs matches central finite differences, else raise.

    f is called as f(*values) with one Value per input and must return a Value.  order=1 checks
    d f / d x_i with (f(x + eps e_i) - f(x - eps e_i)) / 2 eps; order=2 also checks every
    d2 f / d x_i d x_j of grad(create_graph=True) against finite differences of the gradient.
    A derivative passes when |analytic - numeric| <= atol + rtol * |numeric|.  On any mismatch
    raises GradcheckError listing each failing input, its analytic and numeric values and the error.
    """
    if not callable(f):
        raise TypeError(f"gradcheck(f, inputs): f must be a function of Values, got {describe(f)}")
    points, labels = _check_points(inputs)
    eps = _check_tolerance("eps", eps, positive=True)
    atol = _check_tolerance("atol", atol, positive=False)
    rtol = _check_tolerance("rtol", rtol, positive=False)
    if order not in (1, 2) or isinstance(order, bool):
        raise ValueError(f"gradcheck(): order must be 1 or 2, got {order!r}")

    def name(i: int) -> str:
        return f"input {i} ({labels[i]})"

    failures: list[tuple[str, float, float, float]] = []
    checked = 0

    def compare(what: str, analytic: float, numeric: float) -> None:
        nonlocal checked
        checked += 1
        if not _agree(analytic, numeric, atol, rtol):
            failures.append((what, analytic, numeric, abs(analytic - numeric)))

    # first derivatives
    analytic = _gradient(f, points, labels)
    for i in range(len(points)):
        with no_grad():
            up = _evaluate(f, [Value(p) for p in _shifted(points, i, eps)]).data
            down = _evaluate(f, [Value(p) for p in _shifted(points, i, -eps)]).data
        compare(name(i), analytic[i], (up - down) / (2.0 * eps))

    if order == 2:
        xs = [Value(p, label) for p, label in zip(points, labels)]
        first = grad(_evaluate(f, xs), xs, create_graph=True)
        hessian = [[h.data for h in grad(g, xs)] for g in first]
        for j in range(len(points)):
            up_grad = _gradient(f, _shifted(points, j, eps), labels)
            down_grad = _gradient(f, _shifted(points, j, -eps), labels)
            for i in range(len(points)):
                numeric = (up_grad[i] - down_grad[i]) / (2.0 * eps)
                what = f"d2/d{labels[i]} d{labels[j]} (inputs {i}, {j})"
                compare(what, hessian[i][j], numeric)

    if failures:
        xs = [Value(p, label) for p, label in zip(points, labels)]
        wrong, _, _ = wrong_nodes(_evaluate(f, xs), eps=eps, atol=atol, rtol=rtol)
        kind = "derivative" if order == 1 else "first or second derivative"
        lines = [f"gradcheck failed: {len(failures)} of {checked} {kind}s differ from finite "
                 f"differences (eps={eps:g}, atol={atol:g}, rtol={rtol:g}):"]
        width = max(len(what) for what, *_ in failures)
        for what, a, n, err in failures:
            lines.append(f"  {what:<{width}}  analytic {a:.10g}, numeric {n:.10g}, error {err:.3g}")
        if wrong:
            lines.append("the first wrong local derivative (check_graph): " + wrong[0])
        raise GradcheckError("\n".join(lines), failures)
    return True


# ---------------------------------------------------------------------------------------------
# check_graph: every stored local derivative against its op's forward

def _slope(f: Callable[..., float], args: list[float], i: int,
           h: float) -> tuple[float, bool, float]:
    """(central difference of f in argument i, whether f has a kink or a pole there, how far
    the difference can be off by rounding alone).

    A kink: the one-sided slopes disagree by more than the central one could absorb, or the
    central difference over half the step is another number, as at a jump such as sign at 0,
    whose one-sided slopes are both 1/h.  A pole: f itself is NaN or infinite there (0/0).
    The rounding: f's values are each rounded to half an ulp, so their difference over 2h can
    be off by about epsilon * |f| / h (1e30 + b moves by no ulp when b moves by 1e-6)."""
    def at(d: float) -> float:
        moved = list(args)
        moved[i] += d
        return float(f(*moved))
    y, up, down = at(0.0), at(h), at(-h)
    central = (up - down) / (2.0 * h)
    right, left = (up - y) / h, (y - down) / h
    half = (at(h / 2) - at(-h / 2)) / h
    kink = (abs(right - left) > 1e-2 * (1.0 + abs(central))
            or abs(half - central) > 1e-2 * (1.0 + abs(central))
            or not math.isfinite(central) or not math.isfinite(y))
    rounding = sys.float_info.epsilon * max(abs(up), abs(down)) / h
    return central, kink, rounding


def wrong_nodes(root: Value, *, eps: float = 1e-6, atol: float = 1e-5,
                rtol: float = 1e-3) -> tuple[list[str], list[str], list[str]]:
    """(the wrong local derivatives of root's graph, the ones skipped at a kink or a pole, the
    stop-gradient ops skipped), one line each: node name, op, operand, rule value, numeric value
    and where the node was made; one line per stop-gradient op (primitive(..., stop_gradient=True))."""
    order = topological_order(root)
    names = node_names(root, order, caller_scope()).printable()
    wrong: list[str] = []
    skipped: list[str] = []
    stops: dict[str, int] = {}  # stop-gradient op -> its nodes in the graph
    for node in order:
        p = PRIMITIVES.get(node.op) if node.op else None
        if p is None:
            continue
        if p.stop_gradient:  # its rules are not its forward's slope, by design
            stops[p.name] = stops.get(p.name, 0) + 1
            continue
        operands = node.operands
        args = [float(x.data if isinstance(x, Value) else x) for x in operands]
        parents = [i for i, x in enumerate(operands) if isinstance(x, Value)]
        for i, local in zip(parents, node.local):
            which = f"operand {i} ({names[operands[i]]})" if len(operands) == 2 else \
                f"operand {names[operands[i]]}"
            numeric, kink, rounding = _slope(p.forward, args, i, eps * max(1.0, abs(args[i])))
            head = f"node {names[node]}, op {p.name!r}, {which}"
            if kink or not math.isfinite(args[i]):
                skipped.append(f"{head} at {args[i]!r} (a kink or a pole: not differentiable)")
            elif not _agree(local, numeric, atol + rounding, rtol):
                wrong.append(f"{head}: rule {local:.10g}, numeric {numeric:.10g}; "
                             f"{_made_text(node)}")
    stopped = [f"{op} is a stop-gradient ({count} node{'s' if count > 1 else ''}; its rules are "
               f"not its forward's slope, by design)" for op, count in stops.items()]
    return wrong, skipped, stopped


def check_graph(root: Value, *, eps: float = 1e-6, atol: float = 1e-5,
                rtol: float = 1e-3) -> bool:
    """True when every node's stored local derivatives match a central difference of its op's
    forward at that node's operands, built-in and user ops alike, else raise GradcheckError
    listing each wrong node: its name, op, operand, the rule's value, the numeric value and
    the line that made it (under detect_anomaly()).  Kinks and poles (relu at 0) are skipped
    and said so in the message, as are the nodes of a stop-gradient op (softmax's shift_max,
    whose slope is 0 by design); a graph whose only doubts are these passes."""
    if not isinstance(root, Value):
        raise TypeError(f"check_graph(root): root must be a Value, got {describe(root)}")
    eps = _check_tolerance("eps", eps, positive=True)
    atol = _check_tolerance("atol", atol, positive=False)
    rtol = _check_tolerance("rtol", rtol, positive=False)
    wrong, skipped, stopped = wrong_nodes(root, eps=eps, atol=atol, rtol=rtol)
    if wrong:
        lines = [f"check_graph: {len(wrong)} local derivative(s) differ from finite differences "
                 f"of their op (eps={eps:g}, atol={atol:g}, rtol={rtol:g}):"]
        lines += [f"  {w}" for w in wrong]
        if skipped:
            lines.append(f"skipped {len(skipped)} at a kink or pole:")
            lines += [f"  {k}" for k in skipped]
        lines += [f"skipped: {k}" for k in stopped]
        raise GradcheckError("\n".join(lines), [])
    return True


# ---------------------------------------------------------------------------------------------
# detect_anomaly

class AnomalyError(FloatingPointError):
    """An op made NaN or inf from finite inputs, or a backward step made a gradient NaN or inf.

    .node is the Value at fault, .op its op, .where the user's line that made it
    (file, line, source text) or None when unknown.
    """

    def __init__(self, message: str, node: Value, where: tuple[str, int, str] | None) -> None:
        super().__init__(message)
        self.node = node
        self.op = node.op
        self.where = where

    def __reduce__(self) -> tuple[Any, ...]:  # pickle and copy (multiprocessing, pytest-xdist)
        return (type(self), (str(self), self.node, self.where))


# Each Value made inside detect_anomaly() keeps the user frames (file, line) that made it in its
# own _made slot (empty on every other Value), so the record lives exactly as long as the Value:
# a loop that builds and drops graphs holds no more than one graph's records, and no registry
# has to be cleared.


def _made_at(node: Value) -> tuple[tuple[str, int], ...] | None:
    """The frames recorded for node by detect_anomaly(), or None when it was made outside."""
    try:
        return node._made
    except AttributeError:  # the slot is empty: made outside detect_anomaly()
        return None


def _user_frames() -> tuple[tuple[str, int], ...]:
    """(file, line) of the innermost caller outside autograd, and, when that is inside the nn
    package, of the innermost caller outside nn too (the user's own line)."""
    frame: FrameType | None = sys._getframe(1)
    while frame is not None and library_package(frame) == "autograd":
        frame = frame.f_back
    if frame is None:
        return ()
    found = [(frame.f_code.co_filename, frame.f_lineno)]
    if library_package(frame) == "nn":
        while frame is not None and is_library_frame(frame):
            frame = frame.f_back
        if frame is not None:
            found.append((frame.f_code.co_filename, frame.f_lineno))
    return tuple(found)


def _source(filename: str, lineno: int) -> str:
    import linecache  # here, not at the top: only an error message reads a source line

    return linecache.getline(filename, lineno).strip()


def _where(node: Value) -> tuple[str, int, str] | None:
    frames = _made_at(node)
    if not frames:
        return None
    filename, lineno = frames[-1]
    return filename, lineno, _source(filename, lineno)


def _made_text(node: Value) -> str:
    """Where node was made: the user's line, then (for nn code) the library line it ran."""
    frames = _made_at(node)
    if not frames:
        return "made outside detect_anomaly()"
    filename, lineno = frames[-1]
    text = f"made at {filename}:{lineno}: {_source(filename, lineno)}"
    if len(frames) > 1:
        inner_file, inner_line = frames[0]
        text += f" (in {inner_file}:{inner_line}: {_source(inner_file, inner_line)})"
    return text


def _describe_value(node: Value) -> str:
    """A Value as a message names it: by its label, else by the op that made it."""
    if node.label:
        return f"Value '{printable(node.label)}'"
    return f"the result of {node.op}" if node.op else "an unlabelled leaf"


def _finite_operand(x: Any) -> bool:
    """An operand (a Value, a float constant, or None: no operand) that is finite."""
    return x is None or finite(x.data if isinstance(x, Value) else x)


class _Checker:
    """What the engine calls while detect_anomaly() is on in a thread (engine.AnomalyChecker)."""

    def leaf(self, v: Value) -> None:
        v._made = _user_frames()

    def made(self, out: Value) -> None:
        out._made = _user_frames()
        if math.isfinite(out.data):
            return
        a, b = out.operands + (None,) * (2 - len(out.operands))
        if _finite_operand(a) and _finite_operand(b):
            raise AnomalyError(self._forward_message(out), out, _where(out))

    def replayed(self, out: Value, root: Value) -> AnomalyError:
        """The error for a Tape's replay making out nan or inf from finite inputs (the graph
        holding the replayed numbers): a rebuilt graph's, naming the node as every view does."""
        lines = self._forward_message(out).splitlines()[:-1]  # out has its label by now
        name = node_names(root, None, caller_scope()).printable()[out]
        lines[1] = f"  node {name} ({_describe_value(out)}): {lines[1].strip()}"
        return AnomalyError("Tape.forward(): " + "\n".join(lines), out, _where(out))

    @staticmethod
    def _forward_message(out: Value) -> str:
        inputs = out.operands
        values = " and ".join(repr(x.data if isinstance(x, Value) else x) for x in inputs)
        lines = [f"{out.op} made {out.data!r} from finite input{'s' if len(inputs) > 1 else ''} "
                 f"{values}",
                 f"  {_made_text(out)}"]
        for role, x in zip(("a", "b"), inputs):
            if isinstance(x, Value):
                lines.append(f"  input {role} = {x.data!r}: {_describe_value(x)}, {_made_text(x)}")
            else:
                lines.append(f"  input {role} = {x!r}: a constant")
        lines.append("  (the new Value is the error's .node; it has no label yet, as labels are "
                     "set after the op)")
        return "\n".join(lines)

    def failed(self, what: str, sweep: Sweep, index: int, node: Value, g: float,
               term: tuple[Value, float, float, float] | None) -> AnomalyError:
        """The error for step index of a checked pass: the seed g is not finite (term None), or
        term (parent, local, contribution, total) made the parent's gradient nan or inf."""
        if term is None:
            return AnomalyError(f"{what} was called with a non-finite grad {g!r}", node,
                                _where(node))
        names = node_names(sweep.root, sweep.order, caller_scope()).printable()
        parent, local, contribution, total = term
        root, here, there = names[sweep.root], names[node], names[parent]
        dR, dH, dT = d(root), d(here), d(there)
        clause = (f"{dR}/{dT} += {dR}/{dH} * {dH}/{dT} = "
                  f"{format_number(g)} * {format_number(local)} = {format_number(contribution)}")
        message = "\n".join([
            f"{what} step {index + 1}/{len(sweep)} made the gradient of {there} {total!r}: "
            f"{clause}",
            f"  node {here}: op {node.op}, data {node.data!r}, "
            f"d {here} / d {there} = {local!r}, {_made_text(node)}",
            f"  parent {there}: {'op ' + parent.op if parent.op else 'a leaf'}, "
            f"data {parent.data!r}, {_made_text(parent)}",
        ])
        return AnomalyError(message, node, _where(node))


set_anomaly_checker(_Checker())


class detect_anomaly(anomaly_mode):
    """Context manager: find the op or backward step where a NaN or an infinity is born.

    Inside it (in the thread that entered it) each new Value remembers the user's line that made
    it (the record lives as long as the Value, no longer); the first op giving NaN/inf from
    finite inputs, or the first backward() or grad() step making a gradient NaN/inf, raises
    AnomalyError.  Nests; leaving one never entered is a RuntimeError.
    """
