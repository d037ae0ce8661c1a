"""What autograd knows of nn's conventions, in one place (autograd never imports nn).

Labels.  nn labels every parameter with its dotted name (`dotted`): a neuron's are
`<neuron>.w.<i>` and `<neuron>.b`, a Layer's neurons are `<layer>.neurons.<i>` (`neurons.<i>`
in a Layer of its own), and each Neuron call labels its output with the neuron's name.
Folding (viz/fold.py) and explain read labels back with the functions below.

Frames.  Code of the autograd and nn packages is chainrule's own: names (the user's variables)
and anomaly records (where a Value was made) look past its frames to the user's.

Errors.  A wrong argument is named by describe(x) ("str 'abc'"); a list of things is checked by
list_of, in autograd and nn alike.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from types import FrameType
from typing import Any

__all__ = ["LIBRARY_PACKAGES", "dotted", "parameter_neuron", "parameter_position",
           "neuron_layer", "library_package", "is_library_frame", "describe", "list_of"]

# ---------------------------------------------------------------------------------------------
# Labels

def dotted(prefix: str, key: object) -> str:
    """The dotted name of key inside prefix ("layers.0" and "neurons" -> "layers.0.neurons");
    key alone at the top (prefix "").  nn names every parameter and submodule with it."""
    return f"{prefix}.{key}" if prefix else str(key)


_PARAMETER = re.compile(r"(?P<neuron>.+)\.(?:w\.(?P<i>\d+)|b)\Z", re.DOTALL)
_NEURON = re.compile(r"(?:(?P<layer>.+)\.)?neurons\.\d+\Z", re.DOTALL)


def parameter_neuron(label: str) -> str | None:
    """The neuron whose weight or bias label names ("layers.0.neurons.3.w.1" ->
    "layers.0.neurons.3"), or None for any other label."""
    m = _PARAMETER.match(label)
    return m["neuron"] if m else None


def parameter_position(label: str) -> tuple[int, int]:
    """Where a neuron's parameter comes in its neuron: w.0, w.1, ..., then b."""
    m = _PARAMETER.match(label)
    if m is None:
        raise ValueError(f"not a neuron's parameter: {label!r}")
    return (1, 0) if m["i"] is None else (0, int(m["i"]))


def neuron_layer(label: str) -> str | None:
    """For a Layer's neuron ("layers.0.neurons.3"): its layer's name ("layers.0"), "" for a
    Layer of its own ("neurons.3"); None when label names no Layer's neuron."""
    m = _NEURON.match(label)
    if m is None:
        return None
    return m["layer"] or ""


# ---------------------------------------------------------------------------------------------
# Frames

LIBRARY_PACKAGES = ("autograd", "nn")


def library_package(frame: FrameType) -> str | None:
    """"autograd" or "nn" for a frame running code of that package, else None (the user's)."""
    name = frame.f_globals.get("__name__", "")
    if not isinstance(name, str):
        return None
    top = name.split(".")[0]
    return top if top in LIBRARY_PACKAGES else None


def is_library_frame(frame: FrameType) -> bool:
    """True for a frame running code of the autograd or nn packages."""
    return library_package(frame) is not None


# ---------------------------------------------------------------------------------------------
# Errors

def describe(x: Any) -> str:
    """x for an error message: its type and a short repr ("str 'abc'", "list [1, 2]")."""
    text = repr(x)
    if len(text) > 40:
        text = text[:37] + "..."
    return f"{type(x).__name__} {text}"


def list_of(items: Any, who: str, name: str, item: Callable[[Any], bool], plural: str,
            singular: str, *, hint: str = "", write: str = "x") -> list[Any]:
    """items as a list of things that pass item(), else a TypeError naming who's argument name:
    "who: name must be a list of plural" (one item alone: "got one Value; write [x]"), or
    "who: name[i] must be singular" for a wrong element."""
    expected = f"{who}: {name} must be a list of {plural}{hint}"
    if isinstance(items, (str, bytes)):
        raise TypeError(f"{expected}, got {describe(items)}")
    if item(items):
        raise TypeError(f"{expected}, got one {type(items).__name__}; write [{write}]")
    try:
        values = list(items)
    except TypeError:
        raise TypeError(f"{expected}, got {describe(items)}") from None
    for i, x in enumerate(values):
        if not item(x):
            raise TypeError(f"{who}: {name}[{i}] must be {singular}, got {describe(x)}")
    return values
