"""Pictures of nn networks: fold=True, and the one size policy (MAX_SIZE, picture_plan)."""

import graphviz
import pytest
from viz_helpers import (
    names,
    nodes,
    parse,
    strokes,
    texts,
    use_renderer,
)

from autograd import Value, draw, to_svg, viz
from autograd.engine import topological_order
from nn import MLP, TwoNodeNetwork, hinge_loss, mse_loss

# each test that takes it runs once with dot and once with graphviz-pure (dot hidden)
renderer = pytest.fixture(params=["dot", "graphviz-pure"])(use_renderer)

# ---------------------------------------------------------------------------------------------
# fold

def small_mlp_loss():
    net = MLP(2, [2, 1])
    out = net([1.0, -2.0])
    loss = (out - 1.0) ** 2
    loss.backward()
    return net, out, loss


def test_fold_draws_each_neuron_call_as_one_named_box(renderer):
    _net, out, loss = small_mlp_loss()
    items = nodes(parse(to_svg(loss, fold=True)))
    v = names(loss)
    boxes = {texts(g)[0]: t for t, g in items.items()
             if t.startswith("v") and texts(g)[0].startswith("layers.")}
    assert set(boxes) == {"layers.0.neurons.0", "layers.0.neurons.1", "layers.1.neurons.0"}
    assert boxes["layers.1.neurons.0"] == v[out]
    assert texts(items[v[out]])[1:] == ["w·x + b, 4 ops",   # b + w0*h0 + w1*h1: two *, two +
                                        f"data {out.data:.4f}", f"grad {out.grad:.4f}"]
    assert texts(items[boxes["layers.0.neurons.0"]])[1] == "tanh(w·x + b), 5 ops"


def test_fold_draws_each_neurons_parameters_as_one_node(renderer):
    net, _out, loss = small_mlp_loss()
    items = nodes(parse(to_svg(loss, fold=True)))
    v = names(loss)
    neuron = net.layers[1].neurons[0]
    first = min(int(v[p][1:]) for p in neuron.parameters())
    rows = [neuron.name]
    for p in neuron.parameters():   # w.0, w.1, b
        rows += [p.label[len(neuron.name) + 1:], f"data {p.data:.4f}", f"grad {p.grad:.4f}"]
    assert texts(items[f"p{first}"]) == rows


def test_fold_hides_the_nodes_inside_a_call():
    _net, _out, loss = small_mlp_loss()
    items = nodes(parse(to_svg(loss, fold=True)))
    assert sorted(t[0] for t in items) == ["o"] * 2 + ["p"] * 3 + ["v"] * 5
    # drawn: 3 neuron boxes, out - 1 and its square (with their 2 ops), 3 parameter nodes


def test_fold_edge_carries_the_derivative_through_the_call():
    net, out, loss = small_mlp_loss()
    items = parse(to_svg(loss, fold=True, show_local=True))
    v = names(loss)
    w = net.layers[1].neurons[0].w
    h0 = next(h for h in topological_order(loss) if h.label == "layers.0.neurons.0" and h.op)
    h1 = next(h for h in topological_order(loss) if h.label == "layers.0.neurons.1" and h.op)
    # out = w0*h0 + w1*h1 + b: d out / d h0 = w0, d out / d h1 = w1
    assert texts(items[f"{v[h0]}->{v[out]}"][0]) == [f"{w[0].data:.4f}"]
    assert texts(items[f"{v[h1]}->{v[out]}"][0]) == [f"{w[1].data:.4f}"]


def test_fold_parameter_edge_stands_for_all_of_a_neurons_parameters():
    net, out, loss = small_mlp_loss()
    items = parse(to_svg(loss, fold=True, show_local=True))
    v = names(loss)
    first = min(int(v[p][1:]) for p in net.layers[1].neurons[0].parameters())
    assert texts(items[f"p{first}->{v[out]}"][0]) == []   # three derivatives: none written


def test_fold_frames_each_layer_call_in_a_cluster():
    net = MLP(2, [2, 1])
    loss = (net([1.0, -2.0]) - 1.0) ** 2 + (net([0.5, 0.5]) + 1.0) ** 2
    items = parse(to_svg(loss, fold=True))
    clusters = sorted(texts(g[0])[0] for t, g in items.items() if t.startswith("cluster"))
    assert clusters == ["layers.0", "layers.0", "layers.1", "layers.1"]


def declared(source):
    """{cluster name or "": [DOT nodes declared there]} from a draw() source."""
    out, where = {"": []}, ""
    for line in source.splitlines():
        words = line.split()
        if line.startswith("\tsubgraph "):
            where = words[1]
            out[where] = []
        elif line == "\t}":
            where = ""
        elif len(words) > 1 and words[1].startswith("[label="):
            out[where].append(words[0])
    return out


def test_fold_puts_a_layer_calls_neurons_and_their_parameters_in_its_cluster():
    net, _out, loss = small_mlp_loss()
    v = names(loss)
    hidden = [h for h in topological_order(loss) if h.label.startswith("layers.0.") and h.op]
    first = [min(int(v[p][1:]) for p in n.parameters()) for n in net.layers[0].neurons]
    assert sorted(declared(draw(loss, fold=True).source)["cluster0"]) == sorted(
        [v[h] for h in hidden] + [f"p{i}" for i in first])


def test_fold_keeps_shared_parameters_outside_the_clusters():
    net = MLP(2, [2, 1])
    loss = (net([1.0, -2.0]) - 1.0) ** 2 + (net([0.5, 0.5]) + 1.0) ** 2
    where = declared(draw(loss, fold=True).source)
    assert len(where) == 5   # the root graph and four layer calls
    assert sorted(n for n in where[""] if n.startswith("p")) == sorted(
        f"p{min(int(names(loss)[p][1:]) for p in n.parameters())}"
        for layer in net.layers for n in layer.neurons)
    assert all(n.startswith("v") for k, ns in where.items() if k for n in ns)


def test_fold_without_nn_labels_draws_everything():
    net = TwoNodeNetwork(w1=0.8, w2=-1.2)
    C = mse_loss(net(1.5), 0.2)
    assert draw(C, fold=True).source == draw(C).source


def test_fold_highlight_inside_a_call_highlights_the_box():
    _net, out, loss = small_mlp_loss()
    inner = out.parents[0]   # w0*h0 + w1*h1, inside the output neuron's call
    items = parse(to_svg(loss, fold=True, highlight=inner))
    assert viz.HIGHLIGHT in strokes(items[names(loss)[out]][0])


def test_fold_highlighted_parameter_marks_its_neurons_node_and_the_path():
    net, out, loss = small_mlp_loss()
    w = net.layers[0].neurons[1].w[0]
    items = parse(to_svg(loss, fold=True, highlight=w))
    v = names(loss)
    first = min(int(v[p][1:]) for p in net.layers[0].neurons[1].parameters())
    h1 = next(h for h in topological_order(loss) if h.label == "layers.0.neurons.1" and h.op)
    h0 = next(h for h in topological_order(loss) if h.label == "layers.0.neurons.0" and h.op)
    for title in (f"p{first}", v[h1], v[out], f"p{first}->{v[h1]}", f"{v[h1]}->{v[out]}"):
        assert viz.HIGHLIGHT in strokes(items[title][0]), title
    for title in (v[h0], f"{v[h0]}->{v[out]}"):
        assert viz.HIGHLIGHT not in strokes(items[title][0]), title


# ---------------------------------------------------------------------------------------------
# Scale

def moons_loss(n):
    """micrograd's moons setup: MLP(2, [16, 16, 1]) on n points, hinge loss plus L2."""
    model = MLP(2, [16, 16, 1], activation="relu")
    X = [[(i % 10) / 5 - 1.0, (i // 10) / 5 - 1.0] for i in range(n)]
    y = [1 if i % 3 else -1 for i in range(n)]
    loss = hinge_loss([model(x) for x in X], y) + 1e-4 * sum(p * p for p in model.parameters())
    loss.backward()
    return loss


def test_huge_graph_is_refused_with_advice():
    loss = moons_loss(100)
    assert len(topological_order(loss)) > 60_000
    with pytest.raises(ValueError, match="smaller part.*fold=True still gives.*MAX_SIZE"):
        draw(loss)
    with pytest.raises(ValueError, match="even folded.*smaller part"):
        draw(loss, fold=True)


def test_too_big_unless_folded_says_to_fold():
    loss = moons_loss(5)
    with pytest.raises(ValueError, match=r"pass fold=True .*\(\d[\d,]* then\)"):
        draw(loss)
    assert isinstance(draw(loss, fold=True), graphviz.Digraph)


def test_max_size_can_be_raised(monkeypatch):
    loss = moons_loss(5)
    monkeypatch.setattr(viz, "MAX_SIZE", 10 ** 9)
    assert isinstance(draw(loss), graphviz.Digraph)


def test_long_chain_is_refused_not_hung():
    x = Value(1.0)
    for _ in range(20_000):
        x = x * 1.0001
    with pytest.raises(ValueError, match="nodes and edges"):
        draw(x)


# ---------------------------------------------------------------------------------------------
# picture_plan: what every view may draw within MAX_SIZE

def neuron_graph():
    """n * n, n = tanh(w0*x + w1*y + b) labelled as nn labels a neuron call: 34 nodes and
    edges drawn whole, 12 folded."""
    x, y = Value(1.5, "x"), Value(2.0, "y")
    w0, w1, b = Value(0.5, "n.w.0"), Value(-0.3, "n.w.1"), Value(0.1, "n.b")
    n = (w0 * x + w1 * y + b).tanh()
    n.label = "n"
    return n * n


def test_picture_plan_is_the_whole_graph_when_it_fits():
    plan = viz.picture_plan(neuron_graph())
    assert (plan.kind, plan.fold, plan.size, plan.message) == ("full", False, 34, "")


def test_picture_plan_folds_when_only_that_fits(monkeypatch):
    monkeypatch.setattr(viz, "MAX_SIZE", 20)
    plan = viz.picture_plan(neuron_graph())
    assert (plan.kind, plan.fold, plan.size, plan.folded, plan.limit) == ("folded", True, 34, 12, 20)
    assert plan.message.startswith("Drawn folded")


def test_picture_plan_draws_nothing_when_nothing_fits_and_says_what_to_do(monkeypatch):
    monkeypatch.setattr(viz, "MAX_SIZE", 10)
    plan = viz.picture_plan(neuron_graph())
    assert (plan.kind, plan.fold, plan.size, plan.folded) == ("none", False, 34, 12)
    assert "smaller part" in plan.message and "fold=True still gives 12" in plan.message


def test_max_size_is_one_limit_set_from_the_package(monkeypatch):
    monkeypatch.setattr(viz, "MAX_SIZE", 33)
    assert viz.picture_plan(neuron_graph()).limit == 33
    with pytest.raises(ValueError, match="pass fold=True .*\\(12 then\\)"):
        draw(neuron_graph())
    viz.MAX_SIZE = 34
    assert draw(neuron_graph())
    assert not hasattr(viz.size, "MAX_SIZE")   # one home: the package


def test_draw_asks_the_same_plan():
    plan = viz.picture_plan(neuron_graph(), fold=True)
    assert (plan.kind, plan.size) == ("folded", 12)


def test_fold_keeps_two_models_of_the_same_shape_apart():
    # their neurons share names (layers.0.neurons.0 ...), never parameters
    import random

    m1, m2 = MLP(2, [2, 1], rng=random.Random(1)), MLP(2, [2, 1], rng=random.Random(2))
    x = [Value(0.5), Value(-1.0)]
    source = draw(m1(x) + m2(x), fold=True).source
    head = '<b>layers.0.neurons.0</b></td></tr><tr><td align="left">w.0'
    tables = [line for line in source.splitlines() if head in line]
    assert len(tables) == 2  # one parameter node per model's neuron
    assert all(t.count(">w.0<") == 1 and t.count(">b<") == 1 for t in tables)
