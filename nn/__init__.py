"""chainrule's nn: neurons, layers, MLPs, the two-node sigmoid network, losses and optimizers,
built on autograd.Value.

Documentation: docs/api/nn.md (every public name, with signatures and types) and the tutorials
docs/tutorials/two-nodes.md and docs/tutorials/training-fast.md; built as a site with
`pip install '.[docs]' && mkdocs build` (then open site/index.html).
"""

from .losses import binary_cross_entropy, hinge_loss, mse_loss
from .module import MLP, Layer, Module, Neuron
from .optim import SGD, Adam
from .softmax import cross_entropy, log_softmax, softmax
from .two_node import TwoNodeNetwork

__all__ = [
           "MLP",
           "SGD",
           "Adam",
           "Layer",
           "Module",
           "Neuron",
           "TwoNodeNetwork",
           "binary_cross_entropy",
           "cross_entropy",
           "hinge_loss",
           "log_softmax",
           "mse_loss",
           "softmax",
]
