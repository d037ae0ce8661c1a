"""chainrule's nn: neurons, layers, MLPs, the two-node sigmoid network, losses and optimizers,
built on autograd.Value."""

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
