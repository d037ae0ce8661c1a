"""Properties of backward(), grad() and topological_order() on random expression graphs.

Hypothesis draws small programs: a few leaves, then steps that each apply an op to earlier nodes
(or to an earlier node and a constant). Operands are drawn from all earlier nodes, so
subexpressions are shared and the same node often appears on both sides of an op.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import op_table
from hypothesis import assume, given
from hypothesis import strategies as st

from autograd import Value, grad
from autograd.engine import topological_order

# every op of the registry (tests/op_table.py): a new op joins these programs without a line here
UNARY: dict[str, Callable[[Any], Any]] = {op: f for op, (f, _) in op_table.UNARY.items()}
BINARY: dict[str, Callable[[Any, Any], Any]] = {op: f for op, (f, _) in op_table.BINARY.items()}


@dataclass(frozen=True)
class Program:
    """leaves: the input numbers; steps: (op, form, i, other) with form "u" (op(nodes[i])),
    "vv" (nodes[i] op nodes[other]), "vc" (nodes[i] op other) or "cv" (other op nodes[i])."""
    leaves: tuple[float, ...]
    steps: tuple[tuple[str, str, int, Any], ...]

    def run(self, leaves: list[Any], const: Callable[[float], Any] = float) -> list[Any]:
        """All nodes (leaves first, output last), computed on leaves of any number-like type."""
        nodes = list(leaves)
        for op, form, i, other in self.steps:
            if form == "u":
                nodes.append(UNARY[op](nodes[i]))
            elif form == "vv":
                nodes.append(BINARY[op](nodes[i], nodes[other]))
            elif form == "vc":
                nodes.append(BINARY[op](nodes[i], const(other)))
            else:
                nodes.append(BINARY[op](const(other), nodes[i]))
        return nodes

    def values(self) -> tuple[list[Value], list[Value]]:
        """(leaves, all nodes) as Values."""
        xs = [Value(x, label=f"x{i}") for i, x in enumerate(self.leaves)]
        return xs, self.run(xs)

    def output_at(self, leaves: list[float]) -> float:
        return self.run([Value(x) for x in leaves])[-1].data


@st.composite
def programs(draw, ops: list[str], leaf: st.SearchStrategy, const: st.SearchStrategy,
             max_steps: int = 12) -> Program:
    n_leaves = draw(st.integers(1, 4))
    leaves = tuple(draw(leaf) for _ in range(n_leaves))
    steps = []
    for k in range(draw(st.integers(1, max_steps))):
        size = n_leaves + k
        op = draw(st.sampled_from(ops))
        i = size - 1 - draw(st.integers(0, size - 1))  # shrinks towards chains
        if op in UNARY:
            steps.append((op, "u", i, None))
            continue
        form = draw(st.sampled_from(["vv", "vc", "cv"]))
        other = draw(st.integers(0, size - 1)) if form == "vv" else draw(const)
        steps.append((op, form, i, other))
    return Program(leaves, tuple(steps))


def same(x: float, y: float) -> bool:
    """x == y, with nan equal to nan."""
    return x == y or (x != x and y != y)


ALL_OPS = sorted(UNARY) + sorted(BINARY)
ANY_FLOAT = st.floats(allow_nan=True, allow_infinity=True)
MODERATE = st.floats(-3.0, 3.0)
ANY_PROGRAM = programs(ALL_OPS, st.one_of(MODERATE, ANY_FLOAT), st.one_of(MODERATE, ANY_FLOAT))


# -- exact agreement between the passes ------------------------------------------------------------

@given(ANY_PROGRAM)
def test_backward_equals_grad_exactly(program):
    xs, nodes = program.values()
    y = nodes[-1]
    expected = [g.data for g in grad(y, xs)]
    y.backward()
    assert all(same(x.grad, g) for x, g in zip(xs, expected)), (expected, [x.grad for x in xs])


@given(ANY_PROGRAM)
def test_grad_with_create_graph_equals_backward_exactly(program):
    xs, nodes = program.values()
    y = nodes[-1]
    first = [g.data for g in grad(y, xs, create_graph=True)]
    y.backward()
    assert all(same(x.grad, g) for x, g in zip(xs, first)), (first, [x.grad for x in xs])


@given(ANY_PROGRAM)
def test_backward_twice_gives_exactly_twice_on_every_node(program):
    _, nodes = program.values()
    y = nodes[-1]
    y.backward()
    order = topological_order(y)
    once = [n.grad for n in order]
    y.backward()
    assert all(same(n.grad, 2.0 * g) for n, g in zip(order, once))


@given(ANY_PROGRAM)
def test_grad_never_touches_grad_fields(program):
    xs, nodes = program.values()
    y = nodes[-1]
    for k, n in enumerate(nodes):
        n.grad = float(k)
    grad(y, xs)
    grad(y, xs, create_graph=True)
    assert [n.grad for n in nodes] == [float(k) for k in range(len(nodes))]


# -- topological order -----------------------------------------------------------------------------

def reachable(root: Value) -> set[int]:
    """ids of every node root depends on, by a plain worklist over .parents."""
    seen, todo = set(), [root]
    while todo:
        n = todo.pop()
        if id(n) not in seen:
            seen.add(id(n))
            todo.extend(n.parents)
    return seen


@given(ANY_PROGRAM)
def test_topological_order_lists_each_reachable_node_once_parents_first_root_last(program):
    _, nodes = program.values()
    y = nodes[-1]
    order = topological_order(y)
    position = {id(n): k for k, n in enumerate(order)}
    assert len(position) == len(order)
    assert set(position) == reachable(y)
    assert order[-1] is y
    for n in order:
        for p in n.parents:
            assert position[id(p)] < position[id(n)]


@given(ANY_PROGRAM)
def test_topological_order_is_deterministic(program):
    _, nodes = program.values()
    assert topological_order(nodes[-1]) == topological_order(nodes[-1])


# -- exact rational gradients for + - * ----------------------------------------------------------

class Dual:
    """A number with its exact gradient with respect to the leaves (forward mode, Fractions)."""

    __slots__ = ("v", "d")

    def __init__(self, v: Fraction, d: tuple[Fraction, ...]) -> None:
        self.v, self.d = v, d

    def _lift(self, other: Any) -> Dual:
        return other if isinstance(other, Dual) else Dual(other, (Fraction(0),) * len(self.d))

    def __add__(self, other: Any) -> Dual:
        o = self._lift(other)
        return Dual(self.v + o.v, tuple(a + b for a, b in zip(self.d, o.d)))

    def __sub__(self, other: Any) -> Dual:
        o = self._lift(other)
        return Dual(self.v - o.v, tuple(a - b for a, b in zip(self.d, o.d)))

    def __mul__(self, other: Any) -> Dual:
        o = self._lift(other)
        return Dual(self.v * o.v, tuple(a * o.v + self.v * b for a, b in zip(self.d, o.d)))

    def __radd__(self, other: Any) -> Dual:
        return self._lift(other) + self

    def __rsub__(self, other: Any) -> Dual:
        return self._lift(other) - self

    def __rmul__(self, other: Any) -> Dual:
        return self._lift(other) * self


class Magnitude(Dual):
    """The same program with every sign made positive (a - b counted as a + b): its value and
    gradient bound the size of every term the float computation adds, so the rounding error."""

    __slots__ = ()

    def _lift(self, other: Any) -> Dual:
        return other if isinstance(other, Dual) else Magnitude(abs(other), (0.0,) * len(self.d))

    def __add__(self, other: Any) -> Dual:
        o = self._lift(other)
        return Magnitude(self.v + o.v, tuple(a + b for a, b in zip(self.d, o.d)))

    __sub__ = __add__

    def __mul__(self, other: Any) -> Dual:
        o = self._lift(other)
        return Magnitude(self.v * o.v, tuple(a * o.v + self.v * b for a, b in zip(self.d, o.d)))


def leaves_as(cls: type, xs: tuple[Any, ...]) -> list[Any]:
    """The leaves as Duals (or Magnitudes): leaf i has gradient e_i."""
    zero, one = (Fraction(0), Fraction(1)) if cls is Dual else (0.0, 1.0)
    return [cls(x, tuple(one if j == i else zero for j in range(len(xs))))
            for i, x in enumerate(xs)]


# floats with at most 21 significant bits, so that exact rationals stay small
SHORT_FLOAT = st.integers(-2**20, 2**20).map(lambda k: k / 2**16)
POLYNOMIAL = programs(["+", "-", "*"], SHORT_FLOAT, SHORT_FLOAT, max_steps=12)
UNIT_ROUNDOFF = 2.0 ** -53


@given(POLYNOMIAL)
def test_backward_matches_the_exact_rational_gradient_within_rounding(program):
    xs, nodes = program.values()
    assume(all(n.data == 0.0 or 1e-100 < abs(n.data) < 1e100 for n in nodes))
    nodes[-1].backward()
    exact = program.run(leaves_as(Dual, tuple(Fraction(x) for x in program.leaves)),
                        const=Fraction)[-1]
    bound = program.run(leaves_as(Magnitude, tuple(abs(x) for x in program.leaves)),
                        const=abs)[-1]
    k = 3 * (len(program.steps) + 1)  # rounding steps along any path, forward and backward
    for x, g, m in zip(xs, exact.d, bound.d):
        error = abs(Fraction(x.grad) - g)
        assert error <= Fraction(k * UNIT_ROUNDOFF * m * 1.01), (x.label, x.grad, float(g), m)


@given(POLYNOMIAL)
def test_forward_value_matches_the_exact_rational_value_within_rounding(program):
    _, nodes = program.values()
    assume(all(n.data == 0.0 or 1e-100 < abs(n.data) < 1e100 for n in nodes))
    exact = program.run(leaves_as(Dual, tuple(Fraction(x) for x in program.leaves)),
                        const=Fraction)[-1]
    bound = program.run(leaves_as(Magnitude, tuple(abs(x) for x in program.leaves)),
                        const=abs)[-1]
    k = len(program.steps) + 1
    assert abs(Fraction(nodes[-1].data) - exact.v) <= Fraction(k * UNIT_ROUNDOFF * bound.v * 1.01)


# -- central finite differences on smooth graphs ---------------------------------------------------

SMOOTH = programs(["+", "-", "*", "tanh", "sigmoid", "sin", "cos", "exp"], st.floats(-2.0, 2.0),
                  st.floats(-2.0, 2.0), max_steps=10)


def finite_difference(f: Callable[[float], float], x: float) -> tuple[float, float]:
    """(df/dx by Richardson-extrapolated central differences, an estimate of its error)."""
    h = 1e-3 * max(1.0, abs(x))
    d1 = (f(x + h) - f(x - h)) / (2 * h)
    d2 = (f(x + h / 2) - f(x - h / 2)) / h
    return (4 * d2 - d1) / 3, abs(d2 - d1)


def along(program: Program, i: int) -> Callable[[float], float]:
    """The output as a function of leaf i, the other leaves fixed."""
    def f(t: float) -> float:
        leaves = list(program.leaves)
        leaves[i] = t
        return program.output_at(leaves)
    return f


def tame(nodes: list[Value]) -> bool:
    return all(abs(n.data) < 50.0 for n in nodes)


@given(SMOOTH)
def test_backward_matches_central_finite_differences(program):
    xs, nodes = program.values()
    assume(tame(nodes))
    nodes[-1].backward()
    for i, x in enumerate(xs):
        numeric, error = finite_difference(along(program, i), x.data)
        tolerance = 1e-7 * max(1.0, abs(numeric)) + error
        assert abs(x.grad - numeric) <= tolerance, (i, x.grad, numeric, error)


@given(SMOOTH)
def test_second_derivatives_match_finite_differences_of_first_derivatives(program):
    xs, nodes = program.values()
    assume(tame(nodes))
    first = grad(nodes[-1], xs, create_graph=True)
    for i in range(len(xs)):
        second = [g.data for g in grad(first[i], xs)]
        for j in range(len(xs)):
            def dfi(t: float, i: int = i, j: int = j) -> float:
                leaves = list(program.leaves)
                leaves[j] = t
                vs = [Value(x) for x in leaves]
                return grad(program.run(vs)[-1], [vs[i]])[0].data
            numeric, error = finite_difference(dfi, program.leaves[j])
            tolerance = 1e-6 * max(1.0, abs(numeric)) + error
            assert abs(second[j] - numeric) <= tolerance, (i, j, second[j], numeric, error)
