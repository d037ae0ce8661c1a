"""chainrule's autograd: a scalar-valued reverse-mode autograd engine built for seeing gradients.

Import name `autograd` (distribution `chainrule`); see README.md and API.md.
"""

from .value import Value
from .engine import grad, no_grad

__all__ = ["Value", "grad", "no_grad"]
