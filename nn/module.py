"""Module, Neuron, Layer and MLP: neural networks built from Values.

Every parameter is labelled with its dotted name (``layers.0.neurons.3.w.1``), so pictures and the
debugger name it; every Neuron call labels its output with the neuron's name (``layers.0.neurons.3``),
which is how ``autograd.draw(..., fold=True)`` finds the neuron inside a large graph.
"""

from __future__ import annotations

import functools
import numbers
import random
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence, Set
from typing import Any

from autograd import Value
from autograd.conventions import describe, dotted
from autograd.ops import activations

__all__ = ["ACTIVATIONS", "DEFAULT_SEED", "MLP", "Layer", "Module", "Neuron"]

ACTIVATIONS = ("linear", *activations())
"""The names an `activation` can take: "linear" (the weighted sum itself) and the activations of
autograd's registry of primitives (autograd.ops.activations(): "tanh", "sigmoid" (1 / (1 + e**-z)),
"relu" (max(0, z)), and any primitive registered with activation=True), each one graph node that
every view names by it."""

_APPLY: dict[str, Callable[..., Any]] = {}  # activation name -> its function, read from the registry


def _apply(activation: str) -> Callable[..., Any] | None:
    """The function of an activation (None for "linear"), as the registry has it."""
    if activation == "linear":
        return None
    f = _APPLY.get(activation)
    if f is None:
        _APPLY.update(activations())
        f = _APPLY[activation]
    return f


DEFAULT_SEED = 1337
"""The seed of the generator a module uses when it is given no `rng`, so runs are reproducible."""


def is_number(x: Any) -> bool:
    """A real number that is not a bool: int, float, or a NumPy scalar."""
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


def is_operand(x: Any) -> bool:
    """What a network or a loss takes as one input: a Value or a real number (bools too, as Value)."""
    return isinstance(x, (Value, numbers.Real))


def _check_count(n: Any, what: str) -> int:
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"{what} must be an int, got {describe(n)}")
    if n < 1:
        raise ValueError(f"{what} must be at least 1, got {n}")
    return n


def _check_activation(activation: Any, what: str = "activation") -> str:
    known = ("linear", *activations())
    if not isinstance(activation, str) or activation not in known:
        raise ValueError(f"{what} must be one of {', '.join(map(repr, known))}, "
                         f"got {activation!r}")
    return activation


# With no rng, each outermost module being built gets one generator seeded with DEFAULT_SEED,
# shared by every submodule built inside it: the same model every run, and submodules that
# start from different weights. Per thread, so the same MLP() is built whatever thread builds it.
_building = threading.local()


def _building_rng() -> random.Random | None:
    rng: random.Random | None = getattr(_building, "rng", None)
    return rng


def _check_rng(rng: Any) -> random.Random:
    if rng is None:
        return _building_rng() or random.Random(DEFAULT_SEED)
    if not isinstance(rng, random.Random):
        raise TypeError(f"rng must be a random.Random (or None for the fixed default seed), "
                        f"got {describe(rng)}")
    return rng


class Module:
    """Base of every network: its parameters, found by walking its attributes in order.

    A subclass only assigns its parameters and submodules as attributes (a Value, a Module, or
    a list of them); when its `__init__` returns, every parameter is labelled with its dotted
    name, and an enclosing module relabels them with its own prefix when it is built.
    """

    name: str = ""
    """The module's dotted path from the outermost module (`layers.0.neurons.3`); "" for that one."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        init = cls.__dict__.get("__init__")
        if init is None:
            return

        @functools.wraps(init)
        def __init__(self: Module, *args: Any, **kw: Any) -> None:
            outermost = _building_rng() is None
            if outermost:
                _building.rng = random.Random(DEFAULT_SEED)
            try:
                init(self, *args, **kw)
            finally:
                if outermost:
                    _building.rng = None
            self._assign_names()

        setattr(cls, "__init__", __init__)  # noqa: B010 (mypy refuses assigning a method)

    def _children(self) -> Iterator[tuple[str, Any]]:
        """(name, item) for each Value, Module, or list of them held as an attribute."""
        for key, item in vars(self).items():
            if key.startswith("_") or key == "name":
                continue
            if isinstance(item, (Value, Module)):
                yield key, item
            elif isinstance(item, (list, tuple)) and item and all(
                    isinstance(x, (Value, Module)) for x in item):
                for i, x in enumerate(item):
                    yield dotted(key, i), x

    def _walk(self, prefix: str, seen: set[int]) -> Iterator[tuple[str, Value | Module]]:
        """(dotted name, item) for this module's submodules and parameters, depth first.

        Each Value or Module reachable twice (tied weights, a submodule used twice) comes once,
        under its first name, as in PyTorch; `seen` holds the ids already given.
        """
        for key, item in self._children():
            if id(item) in seen:
                continue
            seen.add(id(item))
            name = dotted(prefix, key)  # the label format autograd reads (autograd.conventions)
            yield name, item
            if isinstance(item, Module):
                yield from item._walk(name, seen)

    def named_parameters(self) -> list[tuple[str, Value]]:
        """(dotted name, parameter) pairs, e.g. ('layers.0.neurons.3.w.1', Value(...)).

        A Value reachable twice is listed once, under its first name.
        """
        return [(name, item) for name, item in self._walk("", {id(self)})
                if isinstance(item, Value)]

    def parameters(self) -> list[Value]:
        """All parameters, in the order of named_parameters()."""
        return [p for _, p in self.named_parameters()]

    def zero_grad(self) -> None:
        """Set every parameter's .grad to 0.0."""
        for p in self.parameters():
            p.grad = 0.0

    def _assign_names(self) -> None:
        """Label each parameter with its dotted name and give each submodule its path.

        Runs when each __init__ returns (see __init_subclass__); an enclosing module runs it
        again when it is built, so the outermost module's names win. A Value or submodule
        reachable twice keeps its first name, the one named_parameters() gives.
        """
        self.name = ""
        for name, item in self._walk("", {id(self)}):
            if isinstance(item, Value):
                item.label = name
            else:
                item.name = name


def _as_inputs(x: Any, nin: int, who: str) -> list[Any]:
    if is_operand(x):
        x = [x]
    if isinstance(x, (Mapping, Set, str, bytes)):  # a dict would give its keys, a set no order
        raise TypeError(f"{who} takes a list of {nin} numbers or Values in order, got "
                        f"{describe(x)}; write list(...) of its values")
    try:
        xs = list(x)
    except TypeError:
        raise TypeError(f"{who} takes a list of {nin} numbers or Values, got {describe(x)}") from None
    if len(xs) != nin:
        raise ValueError(f"{who} takes a list of {nin} inputs, got {len(xs)}")
    for i, xi in enumerate(xs):
        if not is_operand(xi):
            raise TypeError(f"{who}: input {i} must be a number or a Value, got {describe(xi)}")
    return xs


class Neuron(Module):
    """One neuron: activation(w . x + b), weights uniform in [-1, 1], bias 0.

    activation is one of ACTIVATIONS: "linear", "relu", "tanh" (the default) or "sigmoid".
    Calling it on a list of nin numbers or Values returns one Value, labelled with the neuron's
    name inside a larger module (`layers.0.neurons.3`), which is how `draw(..., fold=True)`
    finds it.
    """

    def __init__(self, nin: int, activation: str = "tanh", *, rng: random.Random | None = None):
        self.nin: int = _check_count(nin, "nin")
        """How many inputs the neuron takes."""
        self._activation = _check_activation(activation)
        rng = _check_rng(rng)
        self.w: list[Value] = [Value(rng.uniform(-1.0, 1.0)) for _ in range(nin)]
        """The weights, one Value per input, labelled `w.0`, `w.1`, ... (with the module's prefix)."""
        self.b: Value = Value(0.0)
        """The bias, a Value labelled `b` (with the module's prefix)."""

    @property
    def activation(self) -> str:
        """The activation's name, one of ACTIVATIONS."""
        return self._activation

    def __call__(self, x: Sequence[float | Value]) -> Value:
        """activation(w . x + b) for a list of nin numbers or Values, as one Value."""
        return self._forward(_as_inputs(x, self.nin, f"Neuron({self.nin})"))

    def _forward(self, xs: list[Any]) -> Value:
        """The call on inputs already checked (by this neuron's Layer or MLP)."""
        act = self.b
        for wi, xi in zip(self.w, xs):
            act = act + wi * xi
        apply = _apply(self._activation)
        if apply is not None:
            act = apply(act)
        if self.name:
            act.label = self.name
        return act

    def __repr__(self) -> str:
        return f"Neuron({self.nin}, activation={self._activation!r})"


class Layer(Module):
    """nout neurons reading the same nin inputs, each with that activation (one of ACTIVATIONS);
    calling it always returns a list, one Value per neuron."""

    def __init__(self, nin: int, nout: int, activation: str = "tanh", *,
                 rng: random.Random | None = None):
        _check_count(nin, "nin")
        _check_count(nout, "nout")
        _check_activation(activation)
        rng = _check_rng(rng)
        self.nin, self.nout = nin, nout
        self.neurons: list[Neuron] = [Neuron(nin, activation, rng=rng) for _ in range(nout)]
        """The layer's neurons, named `neurons.0`, `neurons.1`, ... (with the module's prefix)."""

    def __call__(self, x: Sequence[float | Value]) -> list[Value]:
        """Each neuron's output for a list of nin numbers or Values: a list of nout Values."""
        return self._forward(_as_inputs(x, self.nin, f"Layer({self.nin}, {self.nout})"))

    def _forward(self, xs: list[Any]) -> list[Value]:
        return [n._forward(xs) for n in self.neurons]

    def __repr__(self) -> str:
        return f"Layer({self.nin}, {self.nout}, activation={self.neurons[0].activation!r})"


class MLP(Module):
    """A multi-layer perceptron: MLP(2, [16, 16, 1]) has two hidden layers of 16 neurons and one output.

    activation (the hidden layers) and output_activation (the last layer) are each one of
    "linear", "relu", "tanh", "sigmoid" (ACTIVATIONS).  A one-layer MLP (MLP(2, [3])) has no
    hidden layer: its one layer is the output layer and uses output_activation; an activation
    other than the default given to it is a ValueError that says to use output_activation.
    Weights start uniform in [-1, 1], biases at 0; with rng=None they come from
    random.Random(DEFAULT_SEED), a fixed seed (1337), so every run builds the same model; pass
    rng=random.Random(seed) for another.  Calling it returns a
    Value when the last layer has one neuron, else a list.
    """

    def __init__(self, nin: int, nouts: Sequence[int], activation: str = "tanh",
                 output_activation: str = "linear", *, rng: random.Random | None = None):
        _check_count(nin, "nin")
        if isinstance(nouts, int) or not isinstance(nouts, (list, tuple)):
            raise TypeError(f"nouts must be a list of layer sizes such as [16, 16, 1], "
                            f"got {describe(nouts)}")
        if not nouts:
            raise ValueError("nouts must list at least one layer size, got []")
        for i, n in enumerate(nouts):
            _check_count(n, f"nouts[{i}]")
        _check_activation(activation)
        _check_activation(output_activation, "output_activation")
        if len(nouts) == 1 and activation != "tanh":
            raise ValueError(f"MLP({nin}, {list(nouts)}) has one layer, the output layer, and no "
                             f"hidden layer for activation={activation!r}; use "
                             f"output_activation={activation!r}")
        rng = _check_rng(rng)
        sizes = [nin, *nouts]
        self.activation: str = activation
        """The hidden layers' activation (unused by a one-layer MLP)."""
        self.output_activation: str = output_activation
        """The last layer's activation."""
        last = len(nouts) - 1
        self.nin, self.nouts = nin, list(nouts)
        self.layers: list[Layer] = [Layer(sizes[i], sizes[i + 1],
                             output_activation if i == last else activation, rng=rng)
                       for i in range(len(nouts))]
        """The layers, first to last, named `layers.0`, `layers.1`, ..."""

    def __call__(self, x: Sequence[float | Value]) -> Value | list[Value]:
        """The network's output for a list of nin numbers or Values: a Value when the last layer
        has one neuron, else a list of Values."""
        out: list[Any] = _as_inputs(x, self.nin, f"MLP({self.nin}, {self.nouts})")
        for layer in self.layers:  # inputs checked once here; each layer's outputs are Values
            out = layer._forward(out)
        return out[0] if len(out) == 1 else out

    def __repr__(self) -> str:
        return (f"MLP({self.nin}, {self.nouts}, activation={self.activation!r}, "
                f"output_activation={self.output_activation!r})")
