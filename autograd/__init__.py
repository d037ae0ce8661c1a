"""chainrule's autograd: a scalar-valued reverse-mode autograd engine built for seeing gradients.

Import name `autograd` (distribution `chainrule`); see README.md and API.md.
"""

from .value import Value
from .engine import grad, no_grad
from .check import AnomalyError, GradcheckError, detect_anomaly, gradcheck
from .debug import Step, Term, backward_steps, save_html, to_json
from .explain import explain
from .viz import draw, save_svg, to_svg

__all__ = ["Value", "grad", "no_grad",
           "gradcheck", "GradcheckError", "detect_anomaly", "AnomalyError",
           "draw", "to_svg", "save_svg",
           "backward_steps", "Step", "Term", "save_html", "to_json", "explain"]
