"""chainrule's nn: neurons, layers, MLPs and the two-node sigmoid network, built on autograd.Value."""

from .losses import binary_cross_entropy, hinge_loss, mse_loss
from .module import MLP, Layer, Module, Neuron
from .optim import SGD, Adam
from .two_node import TwoNodeNetwork

__all__ = ["Module", "Neuron", "Layer", "MLP", "TwoNodeNetwork",
           "mse_loss", "binary_cross_entropy", "hinge_loss", "SGD", "Adam"]
