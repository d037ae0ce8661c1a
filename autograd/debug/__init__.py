"""Step-through debugging of backpropagation: the stepper, its JSON, the HTML player, the terminal.

    for step in backward_steps(loss):      # the pass of loss.backward(), one node at a time
        print(step)                         # dL/dw2 += dL/dz2 * dz2/dw2 = 0.1200 * 0.7311 = 0.0877

    python -m autograd.debug SCRIPT [ARGS...]   # pdb-like: stops at the script's first backward()
"""

from .export import to_json
from .player import Player, play, save_html
from .steps import Step, Term, backward_steps

__all__ = ["Player", "Step", "Term", "backward_steps", "play", "save_html", "to_json"]
