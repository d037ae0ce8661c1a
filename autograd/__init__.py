"""chainrule's autograd: a scalar-valued reverse-mode autograd engine built for seeing gradients.

Import name `autograd` (distribution `chainrule`).  The engine and explain load with the
package; pictures (graphviz), the debugger and Tape load on first use, so `import autograd` (and
`import nn`) stays cheap.

Every public name's docstring is its reference: help(autograd.Value), help(autograd.explain),
help(autograd.primitive), help(nn.MLP), ... (`__all__` below lists them; autograd.ops holds the
functions derivative rules are written with).  In the source repository, the documentation site
(`pip install '.[docs]' && mkdocs build`, then open site/index.html) renders them with tutorials:
    docs/api/autograd.md                every public name, with signatures and types
    docs/tutorials/two-nodes.md         the chain rule on two nodes: by hand, pictures, explain, the player
    docs/tutorials/wrong-gradient.md    gradcheck, check_graph, detect_anomaly, the stepper
    docs/tutorials/training-fast.md     rebuilding, Tape, batches, the benchmark numbers
    docs/tutorials/teaching.md          names, pictures, folding, the player in slides and notebooks
    docs/tutorials/own-ops.md           primitive(), rules for any order, check_graph on your op
"""

from __future__ import annotations

import importlib
from typing import Any

from .check import AnomalyError, GradcheckError, check_graph, detect_anomaly, gradcheck
from .engine import grad, no_grad
from .explain import explain  # not lazy: the submodule autograd.explain would shadow the name
from .value import Value, primitive

__all__ = ["Value", "grad", "no_grad",
           "gradcheck", "GradcheckError", "detect_anomaly", "AnomalyError",
           "draw", "to_svg", "save_svg", "save_png", "save_gif",
           "backward_steps", "Step", "Term", "save_html", "to_json", "play",
           "explain", "Tape", "primitive", "check_graph"]

# name -> the module that defines it, imported when the name is first used (PEP 562)
_LAZY = {
    "draw": "viz", "to_svg": "viz", "save_svg": "viz", "save_png": "viz", "save_gif": "viz",
    "backward_steps": "debug", "Step": "debug", "Term": "debug", "save_html": "debug",
    "to_json": "debug", "play": "debug",
    "Tape": "tape",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'autograd' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value  # later uses skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
