"""nn: modules, names as labels, calling conventions, losses and optimizers."""

import math
import random
import subprocess
import sys
import threading

import pytest

from autograd import Value
from nn import MLP, SGD, Adam, Layer, Module, Neuron, binary_cross_entropy, hinge_loss, mse_loss
from nn.module import ACTIVATIONS

# -- modules ---------------------------------------------------------------------------------

def test_mlp_named_parameters_are_dotted_paths_in_order():
    model = MLP(2, [3, 1])
    names = [n for n, _ in model.named_parameters()]
    assert names[:3] == ["layers.0.neurons.0.w.0", "layers.0.neurons.0.w.1", "layers.0.neurons.0.b"]
    assert names[-1] == "layers.1.neurons.0.b"
    assert len(names) == 3 * (2 + 1) + 1 * (3 + 1)


def test_parameters_carry_their_names_as_labels():
    model = MLP(3, [4, 4, 2])
    for name, p in model.named_parameters():
        assert p.label == name


def test_parameters_are_the_values_of_named_parameters():
    model = MLP(2, [2, 1])
    assert model.parameters() == [p for _, p in model.named_parameters()]
    assert all(isinstance(p, Value) for p in model.parameters())


def test_layer_and_neuron_names_when_standalone():
    layer = Layer(2, 2)
    assert [n for n, _ in layer.named_parameters()][:3] == ["neurons.0.w.0", "neurons.0.w.1", "neurons.0.b"]
    neuron = Neuron(2)
    assert [n for n, _ in neuron.named_parameters()] == ["w.0", "w.1", "b"]


def test_neuron_computes_activation_of_weighted_sum():
    n = Neuron(2, activation="tanh")
    n.w[0].data, n.w[1].data, n.b.data = 0.5, -1.5, 0.25
    out = n([2.0, 1.0])
    assert out.data == math.tanh(0.25 + 0.5 * 2.0 + -1.5 * 1.0)


@pytest.mark.parametrize("activation, f", [
    ("linear", lambda z: z),
    ("relu", lambda z: max(z, 0.0)),
    ("tanh", math.tanh),
    ("sigmoid", lambda z: 1.0 / (1.0 + math.exp(-z))),
])
def test_each_activation(activation, f):
    n = Neuron(1, activation=activation)
    n.w[0].data, n.b.data = 2.0, -0.5
    for x in (-1.0, 0.1, 3.0):
        assert n([x]).data == pytest.approx(f(2.0 * x - 0.5), rel=1e-15)


def test_neuron_outputs_are_labelled_with_the_neuron_name():
    model = MLP(2, [3, 1])
    out = model([1.0, -1.0])
    assert out.label == "layers.1.neurons.0"
    hidden = model.layers[0]([1.0, -1.0])
    assert [h.label for h in hidden] == [f"layers.0.neurons.{i}" for i in range(3)]


def test_gradients_reach_every_parameter():
    model = MLP(2, [4, 1], activation="tanh")
    out = model([0.3, -0.7])
    out.backward()
    assert all(p.grad != 0.0 for p in model.parameters())


def test_layer_always_returns_a_list():
    assert isinstance(Layer(2, 1)([1.0, 2.0]), list)
    assert len(Layer(2, 3)([1.0, 2.0])) == 3


def test_mlp_returns_a_value_for_one_output_and_a_list_otherwise():
    assert isinstance(MLP(2, [3, 1])([1.0, 2.0]), Value)
    out = MLP(2, [3, 2])([1.0, 2.0])
    assert isinstance(out, list) and len(out) == 2


def test_mlp_with_a_one_neuron_hidden_layer():
    model = MLP(2, [16, 1, 1])
    assert isinstance(model([0.5, 0.5]), Value)


def test_mlp_accepts_values_as_inputs_and_differentiates_them():
    model = MLP(2, [3, 1])
    x = [Value(0.5), Value(-0.2)]
    model(x).backward()
    assert x[0].grad != 0.0


def test_default_rng_makes_runs_reproducible():
    code = "from nn import MLP; print([p.data for p in MLP(2, [4, 1]).parameters()])"
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True).stdout for _ in range(2)]
    assert runs[0] == runs[1] and runs[0].startswith("[")


def test_default_rng_gives_the_same_model_each_time():
    a, b = MLP(2, [4, 1]), MLP(2, [4, 1])
    assert [p.data for p in a.parameters()] == [p.data for p in b.parameters()]


def test_submodules_of_a_custom_module_start_from_different_weights():
    class Twin(Module):
        def __init__(self):
            self.left = Neuron(2)
            self.right = Neuron(2)
    twin = Twin()
    assert [p.data for p in twin.left.w] != [p.data for p in twin.right.w]


def test_neurons_of_a_layer_differ():
    layer = Layer(2, 3)
    assert len({tuple(p.data for p in n.w) for n in layer.neurons}) == 3


def test_rng_controls_initialisation():
    a = MLP(2, [4, 1], rng=random.Random(1))
    b = MLP(2, [4, 1], rng=random.Random(2))
    assert [p.data for p in a.parameters()] != [p.data for p in b.parameters()]


def test_output_activation_applies_to_last_layer_only():
    model = MLP(1, [2, 1], activation="relu", output_activation="sigmoid")
    assert [n.activation for n in model.layers[0].neurons] == ["relu", "relu"]
    assert model.layers[1].neurons[0].activation == "sigmoid"
    assert 0.0 < model([0.3]).data < 1.0


def test_zero_grad_clears_every_parameter():
    model = MLP(2, [3, 1])
    model([1.0, 1.0]).backward()
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


def test_custom_module_finds_nested_modules_and_values():
    class Net(Module):
        def __init__(self):
            self.body = MLP(1, [2])
            self.scale = Value(2.0)
    net = Net()
    names = [n for n, _ in net.named_parameters()]
    assert names[0] == "body.layers.0.neurons.0.w.0" and names[-1] == "scale"
    assert net.scale.label == "scale"


def test_custom_module_labels_match_names_and_are_unique():
    class Net(Module):
        def __init__(self):
            self.l1 = Layer(2, 2)
            self.l2 = Layer(2, 1)

        def __call__(self, x):
            return self.l2(self.l1(x))[0]
    net = Net()
    assert [p.label for p in net.parameters()] == [n for n, _ in net.named_parameters()]
    assert len({p.label for p in net.parameters()}) == len(net.parameters())
    assert net([1.0, 2.0]).label == "l2.neurons.0"


def test_a_subclass_calling_super_init_is_named_once_built():
    class Wide(MLP):
        def __init__(self):
            super().__init__(2, [3, 1])
            self.extra = Value(1.0)
    w = Wide()
    assert w.extra.label == "extra"
    assert w.layers[0].neurons[0].w[0].label == "layers.0.neurons.0.w.0"


def test_a_neuron_used_twice_is_listed_once_under_its_first_name():
    class Twice(Module):
        def __init__(self):
            self.first = Neuron(2)
            self.second = self.first
    net = Twice()
    assert [n for n, _ in net.named_parameters()] == ["first.w.0", "first.w.1", "first.b"]
    assert [p.label for p in net.parameters()] == ["first.w.0", "first.w.1", "first.b"]
    assert net.second.name == "first"


def test_tied_weights_are_listed_once_under_their_first_name():
    class Tied(Module):
        def __init__(self):
            self.encoder = Layer(2, 2)
            self.decoder = Layer(2, 2)
            self.decoder.neurons[1].w[0] = self.encoder.neurons[0].w[1]
            self.again = [self.encoder.neurons[0].b, Value(3.0)]
    net = Tied()
    names = [n for n, _ in net.named_parameters()]
    assert len(names) == len(set(map(id, net.parameters()))) == 6 + 6 - 1 + 1  # + again.1
    assert "decoder.neurons.1.w.0" not in names and "again.0" not in names
    assert net.decoder.neurons[1].w[0].label == "encoder.neurons.0.w.1"
    assert net.again[1].label == "again.1"


def test_a_layer_repeated_in_a_list_is_stepped_once():
    class Repeat(Module):
        def __init__(self):
            layer = Layer(1, 1, "linear")
            self.blocks = [layer, layer]

        def __call__(self, x):
            for block in self.blocks:
                x = block(x)
            return x[0]
    net = Repeat()
    w = net.blocks[0].neurons[0].w[0]
    w.data = 0.5
    assert net.parameters() == [w, net.blocks[0].neurons[0].b]
    net([2.0]).backward()  # y = w * (w * 2): dy/dw = 4w = 2
    SGD(net.parameters(), lr=0.1).step()
    assert w.data == pytest.approx(0.5 - 0.1 * 2.0)


def test_the_default_generator_is_per_thread():
    # A module under construction in one thread must not lend its generator to another thread:
    # the same MLP() is built whatever thread builds it, and so is the module it interrupted.
    def build_slow(started=None, release=None):
        class Slow(Module):
            def __init__(self):
                self.first = Neuron(2)
                if started is not None:
                    started.set()
                    release.wait(10)
                self.second = Neuron(2)
        return Slow()

    alone = [p.data for p in build_slow().parameters()]
    reference = [p.data for p in MLP(2, [4, 1]).parameters()]
    started, release, built = threading.Event(), threading.Event(), []
    worker = threading.Thread(target=lambda: built.append(build_slow(started, release)))
    worker.start()
    try:
        assert started.wait(10)
        concurrent = [p.data for p in MLP(2, [4, 1]).parameters()]
    finally:
        release.set()
        worker.join()
    assert concurrent == reference
    assert [p.data for p in built[0].parameters()] == alone


# -- bad arguments -----------------------------------------------------------------------------

@pytest.mark.parametrize("make, error, message", [
    (lambda: Neuron(0), ValueError, "nin must be at least 1, got 0"),
    (lambda: Neuron(2.5), TypeError, "nin must be an int, got float"),
    (lambda: Neuron(True), TypeError, "nin must be an int, got bool"),
    (lambda: Neuron(2, activation="softmax"), ValueError,
     "activation must be one of 'linear', 'tanh', 'sigmoid', 'relu', got 'softmax'"),
    (lambda: Layer(2, 0), ValueError, "nout must be at least 1"),
    (lambda: MLP(2, 16), TypeError, "nouts must be a list of layer sizes"),
    (lambda: MLP(2, []), ValueError, "nouts must list at least one layer size"),
    (lambda: MLP(2, [16, 0]), ValueError, r"nouts\[1\] must be at least 1"),
    (lambda: MLP(2, [1], output_activation="soft"), ValueError, "output_activation must be one of"),
    (lambda: MLP(2, [1], rng=42), TypeError, "rng must be a random.Random"),
])
def test_bad_constructor_arguments_raise_clear_errors(make, error, message):
    with pytest.raises(error, match=message):
        make()


def test_wrong_number_of_inputs():
    with pytest.raises(ValueError, match=r"MLP\(2, \[3, 1\]\) takes a list of 2 inputs, got 3"):
        MLP(2, [3, 1])([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"Neuron\(3\) takes a list of 3 inputs, got 2"):
        Neuron(3)([1.0, 2.0])


def test_non_number_inputs():
    with pytest.raises(TypeError, match="input 1 must be a number or a Value, got str"):
        Layer(2, 1)([1.0, "2"])
    with pytest.raises(TypeError, match="takes a list of 2 numbers or Values, got NoneType"):
        MLP(2, [1])(None)


# -- losses ----------------------------------------------------------------------------------

def test_mse_loss_of_lists_is_the_mean_squared_error():
    pred = [Value(1.0), Value(2.0), Value(4.0)]
    loss = mse_loss(pred, [0.0, 2.0, 1.0])
    assert loss.data == pytest.approx((1.0 + 0.0 + 9.0) / 3)
    loss.backward()
    assert [p.grad for p in pred] == pytest.approx([2 * 1.0 / 3, 0.0, 2 * 3.0 / 3])


def test_mse_loss_of_one_value():
    p = Value(0.5)
    loss = mse_loss(p, 0.2)
    assert loss.data == pytest.approx(0.09)
    loss.backward()
    assert p.grad == pytest.approx(0.6)


def test_hinge_loss_is_mean_of_relu_one_minus_margin():
    scores = [Value(2.0), Value(0.5), Value(-0.3)]
    loss = hinge_loss(scores, [1, 1, 1])
    assert loss.data == pytest.approx((0.0 + 0.5 + 1.3) / 3)
    loss.backward()
    assert [s.grad for s in scores] == pytest.approx([0.0, -1 / 3, -1 / 3])


def test_hinge_loss_rejects_labels_other_than_plus_minus_one():
    with pytest.raises(ValueError, match="labels must be -1 or \\+1, got 0"):
        hinge_loss([Value(1.0)], [0])


def test_binary_cross_entropy_matches_the_formula():
    p = Value(0.8)
    loss = binary_cross_entropy(p, 1.0)
    assert loss.data == pytest.approx(-math.log(0.8))
    loss.backward()
    assert p.grad == pytest.approx(-1 / 0.8)


@pytest.mark.parametrize("z", [-1000.0, -50.0, -3.0, 0.0, 2.0, 40.0, 1000.0])
@pytest.mark.parametrize("t", [0.0, 0.3, 1.0])
def test_binary_cross_entropy_of_a_sigmoid_is_stable_at_any_logit(z, t):
    zv = Value(z)
    loss = binary_cross_entropy(zv.sigmoid(), t)
    softplus = max(z, 0.0) + math.log1p(math.exp(-abs(z)))
    assert loss.data == pytest.approx(softplus - t * z, rel=1e-12)
    loss.backward()
    s = 1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0
    assert zv.grad == pytest.approx(s - t, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("z, t", [(-3.0, 1.0), (0.5, 0.0), (2.0, 0.3), (-30.0, 0.7)])
def test_binary_cross_entropy_goes_through_the_prediction(z, t):
    zv = Value(z)
    p = zv.sigmoid()
    loss = binary_cross_entropy(p, t)
    loss.backward()
    assert p in loss_graph(loss)
    assert p.grad == pytest.approx(-t / p.data + (1 - t) / (1 - p.data), rel=1e-12)


def loss_graph(root):
    from autograd.engine import topological_order
    return set(topological_order(root))


def test_binary_cross_entropy_of_a_plain_probability_is_finite_at_0_and_1():
    for p, t in ((0.0, 1.0), (1.0, 0.0)):
        loss = binary_cross_entropy(Value(p), t)
        assert loss.data == pytest.approx(100.0)


def test_binary_cross_entropy_rejects_targets_outside_0_1():
    with pytest.raises(ValueError, match=r"targets must be in \[0, 1\], got 2.0"):
        binary_cross_entropy(Value(0.5), 2.0)


@pytest.mark.parametrize("loss", [mse_loss, hinge_loss, binary_cross_entropy])
def test_losses_reject_lists_of_different_lengths(loss):
    with pytest.raises(ValueError, match="pred has 2 items but target has 1"):
        loss([Value(0.5), Value(0.5)], [1])


@pytest.mark.parametrize("loss", [mse_loss, hinge_loss, binary_cross_entropy])
def test_losses_reject_empty_lists(loss):
    with pytest.raises(ValueError, match="empty"):
        loss([], [])


def test_losses_reject_non_numbers():
    with pytest.raises(TypeError, match="each target must be a number or a Value, got str"):
        mse_loss([Value(1.0)], ["1"])


# -- optimizers ------------------------------------------------------------------------------

def test_sgd_step_moves_against_the_gradient():
    p = Value(1.0)
    p.grad = 0.5
    SGD([p], lr=0.1).step()
    assert p.data == 1.0 - 0.1 * 0.5


def test_sgd_momentum_accumulates_velocity():
    p = Value(1.0)
    opt = SGD([p], lr=0.1, momentum=0.9)
    p.grad = 1.0
    opt.step()
    opt.step()
    # v1 = 1, v2 = 0.9 * 1 + 1 = 1.9
    assert p.data == pytest.approx(1.0 - 0.1 * 1.0 - 0.1 * 1.9, rel=1e-15)


def test_adam_first_step_moves_by_lr_times_sign_of_gradient():
    p, q = Value(1.0), Value(1.0)
    p.grad, q.grad = 3.0, -0.01
    Adam([p, q], lr=0.01).step()
    assert p.data == pytest.approx(1.0 - 0.01, rel=1e-6)
    assert q.data == pytest.approx(1.0 + 0.01, rel=1e-5)


def test_adam_matches_the_update_rule_over_two_steps():
    p = Value(0.0)
    opt = Adam([p], lr=0.1, betas=(0.5, 0.75), eps=0.0)
    p.grad = 1.0
    opt.step()
    p.grad = 3.0
    opt.step()
    m = 0.5 * 0.5 * 1.0 + 0.5 * 3.0
    v = 0.75 * 0.25 * 1.0 + 0.25 * 9.0
    expected = -0.1 - 0.1 * (m / (1 - 0.25)) / math.sqrt(v / (1 - 0.75 ** 2))
    assert p.data == pytest.approx(expected, rel=1e-12)


def test_optimizer_zero_grad():
    ps = [Value(1.0), Value(2.0)]
    for p in ps:
        p.grad = 1.0
    SGD(ps).zero_grad()
    assert [p.grad for p in ps] == [0.0, 0.0]


def test_training_an_mlp_reduces_the_loss():
    model = MLP(2, [4, 1], rng=random.Random(0))
    X, y = [[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]], [1.0, 1.0, -1.0, -1.0]
    opt = SGD(model.parameters(), lr=0.05, momentum=0.5)
    losses = []
    for _ in range(200):
        loss = mse_loss([model(x) for x in X], y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.data)
    assert losses[-1] < 0.01 * losses[0]


@pytest.mark.parametrize("make, error, message", [
    (lambda: SGD(Value(1.0)), TypeError, "got one Value; write \\[v\\]"),
    (lambda: SGD([]), ValueError, "empty list of parameters"),
    (lambda: SGD([1.0]), TypeError, r"params\[0\] must be a Value, got float"),
    (lambda: SGD([Value(1.0)], lr=0), ValueError, r"SGD lr must be in \(0.0, inf\), got 0.0"),
    (lambda: SGD([Value(1.0)], momentum=1.0), ValueError, "SGD momentum must be in"),
    (lambda: SGD([Value(1.0)], lr="fast"), TypeError, "SGD lr must be a number, got str"),
    (lambda: Adam([Value(1.0)], betas=0.9), TypeError, "betas must be a pair"),
    (lambda: Adam([Value(1.0)], betas=(0.9, 1.5)), ValueError, r"Adam betas\[1\] must be in"),
    (lambda: Adam(None), TypeError,
     r"Adam: params must be a list of Values \(e.g. model.parameters\(\)\), got NoneType"),
])
def test_optimizer_bad_arguments(make, error, message):
    with pytest.raises(error, match=message):
        make()


# -- NumPy numbers are numbers -----------------------------------------------------------------

def test_numpy_numbers_are_accepted_wherever_numbers_are():
    np = pytest.importorskip("numpy")
    model = MLP(2, [3, 1], rng=random.Random(0))
    assert model(np.array([1, 2])).data == model([1.0, 2.0]).data
    assert mse_loss(Value(0.5), np.float32(1.0)).data == pytest.approx(0.25)
    assert hinge_loss([Value(0.5)], [np.int64(1)]).data == pytest.approx(0.5)
    from nn import TwoNodeNetwork
    assert TwoNodeNetwork(w1=np.float64(0.5))(np.int64(1)).data == TwoNodeNetwork(w1=0.5)(1.0).data
    p = Value(1.0)
    p.grad = 1.0
    SGD([p], lr=np.float32(0.5)).step()
    assert p.data == 0.5


# -- bad input and small fixes (issue 18) -------------------------------------------------------

@pytest.mark.parametrize("make", [lambda: MLP(2, [1]), lambda: Layer(2, 1), lambda: Neuron(2)])
def test_a_dict_of_inputs_is_refused_not_read_by_its_keys(make):
    with pytest.raises(TypeError, match="in order, got dict"):
        make()({0: 1.0, 1: 2.0})


def test_a_one_layer_mlp_given_a_hidden_activation_says_to_use_output_activation():
    with pytest.raises(ValueError, match="use output_activation='sigmoid'"):
        MLP(2, [3], activation="sigmoid")
    model = MLP(2, [3], output_activation="sigmoid")
    assert [n.activation for n in model.layers[0].neurons] == ["sigmoid"] * 3
    assert repr(model) == "MLP(2, [3], activation='tanh', output_activation='sigmoid')"


def test_neurons_take_their_activations_from_the_registry():
    from autograd.ops import activations

    assert set(activations()) == {"tanh", "sigmoid", "relu"}
    assert set(ACTIVATIONS) == {"linear", *activations()}
    out = Neuron(1, "relu")([1.0])
    assert out.parents[0].op == "+" and Neuron(1, "relu")([1.0]).op == "relu"
