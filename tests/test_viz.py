"""Pictures: draw / to_svg / save_svg, rendered by dot and by graphviz-pure, read back as XML."""

import os
import re
import shutil
import stat
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import graphviz
import pytest

from autograd import Value, draw, save_svg, to_svg, viz
from autograd.engine import topological_order
from autograd.viz import render
from nn import MLP, TwoNodeNetwork, hinge_loss, mse_loss

SVG = "{http://www.w3.org/2000/svg}"
REAL_WHICH = shutil.which


def hide_dot(monkeypatch):
    """Make draw's renderer search behave as if Graphviz's dot were not installed."""
    monkeypatch.setattr(render.shutil, "which",
                        lambda name, *a, **k: None if name == "dot" else REAL_WHICH(name, *a, **k))


@pytest.fixture(params=["dot", "graphviz-pure"])
def renderer(request, monkeypatch):
    """Each test using it runs once with dot and once with graphviz-pure (dot hidden)."""
    if request.param == "dot":
        if REAL_WHICH("dot") is None:
            pytest.skip("Graphviz's dot is not installed")
    else:
        hide_dot(monkeypatch)
    return request.param


def parse(svg):
    """{title: [<g> element, ...]} for the nodes, edges and clusters of an SVG picture."""
    items = {}
    for g in ET.fromstring(svg).iter(SVG + "g"):
        if g.get("class") in ("node", "edge", "cluster"):
            items.setdefault(g.find(SVG + "title").text, []).append(g)
    return items


def nodes(items):
    """{title: <g>} for the nodes only."""
    return {t: g[0] for t, g in items.items() if g[0].get("class") == "node"}


def texts(g):
    return [t.text for t in g.iter(SVG + "text")]


def strokes(g):
    return {e.get("stroke") for e in g.iter() if e.get("stroke") not in (None, "none", "transparent")}


def stroke_width(edge):
    return float(edge.find(SVG + "path").get("stroke-width", "1"))


def rgb(color):
    return tuple(int(color[i:i + 2], 16) for i in (1, 3, 5))


def product():
    """L = a * b with a = 2, b = -3, after backward: a.grad = -3, b.grad = 2."""
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    L = a * b
    L.label = "L"
    L.backward()
    return a, b, L


def names(root):
    """{Value: DOT name} by the documented rule: v{i} at topological position i."""
    return {v: f"v{i}" for i, v in enumerate(topological_order(root))}


# ---------------------------------------------------------------------------------------------
# What is drawn

def test_value_node_shows_label_data_and_grad(renderer):
    a, _b, L = product()
    items = parse(to_svg(L))
    assert texts(items[names(L)[a]][0]) == ["a", "data 2.0000", "grad -3.0000"]
    assert texts(items[names(L)[L]][0]) == ["L", "data -6.0000", "grad 1.0000"]


def test_unlabelled_value_is_named_after_the_variable_that_holds_it(renderer):
    x = Value(0.5)
    y = x.exp()
    svg = to_svg(y, show_grad=False)
    items = parse(svg)
    assert texts(items["v0"][0]) == ["x", "data 0.5000"]
    assert texts(items["v1"][0]) == ["y", "data 1.6487"]


def test_unlabelled_value_without_a_variable_is_named_by_its_op_and_position(renderer):
    def build():
        return (Value(0.5) * 2.0).exp()   # no variable holds the leaf or the product
    svg = to_svg(build(), show_grad=False)
    items = parse(svg)
    assert [texts(items[f"v{i}"][0])[0] for i in range(3)] == ["leaf#0", "mul#1", "L"]


def test_names_are_those_of_every_view():
    from autograd.names import caller_scope, node_names
    w1 = Value(0.8, label="w1")
    x = Value(1.5)
    z1 = w1 * x
    a1 = z1.sigmoid()
    C = (a1 - 0.2) ** 2
    source = draw(C).source
    names = node_names(C, None, caller_scope())
    assert [names[v] for v in topological_order(C)] == ["w1", "x", "z1", "a1", "sub#4", "C"]
    for name in names.values():
        assert f">{name}<" in source


def name_cell(svg, title):
    """The <text> element of node title's name (its first text)."""
    return next(nodes(parse(svg))[title].iter(SVG + "text"))


def test_labels_inferred_names_and_op_names_look_different(renderer):
    a = Value(2.0, label="a")
    b = Value(-3.0)
    product = a * b
    svg = to_svg(product * 1.0)   # v0 a: label; v1 b, v2 product: variables; v3: L, an op name
    label, variable, op = name_cell(svg, "v0"), name_cell(svg, "v1"), name_cell(svg, "v3")
    assert (label.text, variable.text, op.text) == ("a", "b", "L")
    assert label.get("font-weight") == "bold" and label.get("font-style") is None
    assert variable.get("font-style") == "italic" and variable.get("font-weight") is None
    assert op.get("font-style") == "italic" and op.get("fill") == viz.style.MUTED
    assert variable.get("fill") != op.get("fill")


def test_a_label_wins_over_a_variable_and_is_never_changed():
    y = Value(1.0, label="given") * 2.0
    y.label = "result"
    assert texts(parse(to_svg(y))["v1"][0])[0] == "result"
    assert y.label == "result"
    x = Value(1.0)
    draw(x * 3.0)
    assert x.label == ""


def test_op_node_sits_between_operands_and_result(renderer):
    a, b, L = product()
    items = parse(to_svg(L))
    v = names(L)
    op = "o" + v[L][1:]
    assert texts(items[op][0]) == ["*"]
    assert f"{v[a]}->{op}" in items and f"{v[b]}->{op}" in items and f"{op}->{v[L]}" in items
    assert sum(1 for t in items if "->" in t) == 3


def test_nodes_are_named_by_topological_position():
    x = Value(1.0, label="x")
    y = (x * x + 1.0).sigmoid()
    order = topological_order(y)
    items = parse(to_svg(y))
    for i, v in enumerate(order):
        assert texts(items[f"v{i}"][0])[-2] == f"data {v.data:.4f}"
        assert (f"o{i}" in items) == bool(v.op)


def test_repeated_operand_gets_one_edge_per_use():
    x = Value(3.0, label="x")
    y = x * x
    y.backward()
    items = parse(to_svg(y, show_local=True))
    assert [texts(e) for e in items["v0->o1"]] == [["3.0000"], ["3.0000"]]


@pytest.mark.parametrize("make, text", [
    (lambda x: x * 2.0, "* 2.0000"),
    (lambda x: 2.0 * x, "2.0000 *"),
    (lambda x: 1 - x, "1.0000 -"),
    (lambda x: x - 0.5, "- 0.5000"),
    (lambda x: x ** 2, "** 2.0000"),
    (lambda x: 2 ** x, "2.0000 **"),
    (lambda x: x / 4, "/ 4.0000"),
    (lambda x: x * 1e-9, "* 1e-09"),
    (lambda x: x.tanh(), "tanh"),
])
def test_constant_operand_is_written_where_it_stands_in_the_one_number_format(make, text):
    y = make(Value(0.5, label="x"))
    assert texts(parse(to_svg(y))["o1"][0]) == [text]


def test_two_node_network_has_two_sigmoid_nodes(renderer):
    net = TwoNodeNetwork(w1=0.8, w2=-1.2, b1=0.1, b2=0.3)
    C = mse_loss(net(1.5), 0.2)
    C.backward()
    items = parse(to_svg(C))
    ops = [texts(g)[0] for t, g in nodes(items).items() if t.startswith("o")]
    assert ops.count("sigmoid") == 2
    labels = {texts(g)[0] for t, g in nodes(items).items() if t.startswith("v")}
    assert {"w1", "b1", "z1", "a1", "w2", "b2", "z2", "y_hat"} <= labels


def test_a_label_set_to_a_non_string_is_shown_as_text():
    x = Value(1.0)
    x.label = 42
    assert texts(parse(to_svg(x * 2.0, fold=True))["v0"][0])[0] == "42"


def test_non_finite_numbers_are_written_out():
    y = Value(-1.0, label="x").log()
    assert "data nan" in texts(parse(to_svg(y))["v1"][0])


def test_numbers_are_written_as_format_number_writes_them():
    # the debugger's rule (autograd._util.format_number): 4 decimals in [1e-2, 1e6), else 4 significant digits
    x = Value(123456.0, label="x")
    y = x * 1e-9
    assert texts(parse(to_svg(y, show_grad=False))["v1"][0]) == ["y", "data 0.0001235"]
    assert texts(parse(to_svg(y, show_grad=False))["v0"][0]) == ["x", "data 123456.0000"]


def test_small_and_large_numbers_use_scientific_notation():
    x = Value(1.23456e7, label="x")
    y = x * 1e-13
    assert texts(parse(to_svg(y, show_grad=False))["v1"][0]) == ["y", "data 1.235e-06"]
    assert texts(parse(to_svg(y, show_grad=False))["v0"][0]) == ["x", "data 1.235e+07"]


# ---------------------------------------------------------------------------------------------
# Options

def test_show_local_writes_each_edges_local_derivative(renderer):
    _a, _b, L = product()
    items = parse(to_svg(L, show_local=True))
    assert texts(items["v0->o2"][0]) == ["-3.0000"]   # dL/da = b
    assert texts(items["v1->o2"][0]) == ["2.0000"]    # dL/db = a
    assert texts(items["o2->v2"][0]) == []


def test_show_local_is_off_by_default():
    _a, _b, L = product()
    items = parse(to_svg(L))
    assert all(texts(g[0]) == [] for t, g in items.items() if "->" in t)


def test_show_local_uses_the_stored_local_derivatives():
    x = Value(0.3, label="x")
    y = x.sigmoid()
    items = parse(to_svg(y, show_local=True))
    assert texts(items["v0->o1"][0]) == [f"{y.local[0]:.4f}"]


def test_show_grad_false_hides_grads():
    _a, _b, L = product()
    svg = to_svg(L, show_grad=False)
    assert "grad" not in "".join(t for g in parse(svg).values() for t in texts(g[0]) if t)


def test_rankdir_is_passed_to_graphviz():
    _a, _b, L = product()
    assert "rankdir=TB" in draw(L, rankdir="TB").source
    assert "rankdir=LR" in draw(L).source


def test_highlight_marks_the_node_and_the_path_from_the_root(renderer):
    a, b, e = Value(2.0, label="a"), Value(-3.0, label="b"), Value(1.0, label="e")
    c = a * b
    d = c + e
    d.backward()
    v = names(d)                       # a v0, b v1, c v2 (o2), e v3, d v4 (o4)
    items = parse(to_svg(d, highlight=a))
    on_path = [v[a], v[c], v[d], "o2", "o4", f"{v[a]}->o2", "o2->v2", "v2->o4", "o4->v4"]
    off_path = [v[b], v[e], f"{v[b]}->o2", f"{v[e]}->o4"]
    for title in on_path:
        assert viz.HIGHLIGHT in strokes(items[title][0]), title
    for title in off_path:
        assert viz.HIGHLIGHT not in strokes(items[title][0]), title


def test_highlight_takes_a_list():
    a, b, L = product()
    items = parse(to_svg(L, highlight=[a, b]))
    assert all(viz.HIGHLIGHT in strokes(items[t][0]) for t in ("v0", "v1", "v2", "v0->o2", "v1->o2"))


def test_highlighted_node_is_drawn_thicker_than_the_path():
    a, _b, L = product()
    source = draw(L, highlight=a).source
    assert f'border="3" cellborder="0" cellspacing="0" cellpadding="3" columns="*" rows="*" ' \
           f'color="{viz.HIGHLIGHT}"' in source.split("\n\tv0 ")[1].split("\n")[0]


def test_gradient_sign_colours_the_grad_cell():
    _a, _b, L = product()   # a.grad = -3, b.grad = 2
    source = draw(L).source
    a_fill = source.split("grad -3.0000")[0].rsplit('bgcolor="', 1)[1][:7]
    b_fill = source.split("grad 2.0000")[0].rsplit('bgcolor="', 1)[1][:7]
    assert rgb(a_fill)[0] > rgb(a_fill)[2]   # negative: red
    assert rgb(b_fill)[2] > rgb(b_fill)[0]   # positive: blue


def test_edge_width_grows_with_the_gradient_it_carries(renderer):
    _a, _b, L = product()   # a's edge carries dL/da = -3, b's carries 2
    items = parse(to_svg(L))
    wide, narrow = items["v0->o2"][0], items["v1->o2"][0]
    assert stroke_width(wide) > stroke_width(narrow) > 1.0
    assert rgb(next(iter(strokes(wide))))[0] > rgb(next(iter(strokes(wide))))[2]
    assert rgb(next(iter(strokes(narrow))))[2] > rgb(next(iter(strokes(narrow))))[0]


def test_no_gradient_no_cue():
    a, b = Value(2.0), Value(3.0)
    items = parse(to_svg(a * b))   # backward never ran
    assert all(stroke_width(g[0]) == 1.0 for t, g in items.items() if "->" in t)


# ---------------------------------------------------------------------------------------------
# Escaping

NASTY = 'a{b}|c<d>"e"\\f&g <script>alert(1)</script> \\N\\G ]]> <!-- x -->'


def test_label_text_shows_as_typed(renderer):
    x = Value(1.0, label=NASTY)
    y = x * 2.0
    y.label = "<b>bold?</b> & 'quoted'"
    items = parse(to_svg(y))   # ET.fromstring: the SVG is well-formed XML
    shown = texts(items["v0"][0])
    assert len(NASTY) > viz.style.LABEL_WIDTH and "".join(shown[:2]) == NASTY   # wrapped once
    assert texts(items["v1"][0])[0] == "<b>bold?</b> & 'quoted'"


def test_newline_in_a_label_breaks_the_line(renderer):
    x = Value(1.0, label="first\nsecond")
    items = parse(to_svg(x))
    assert texts(items["v0"][0])[:2] == ["first", "second"]


def test_control_characters_are_shown_escaped_and_keep_the_svg_valid(renderer):
    x = Value(1.0, label="a\x00b\x1bc\tz")
    items = parse(to_svg(x))
    assert texts(items["v0"][0])[0] == "a\\x00b\\x1bc z"


def test_escaping_in_folded_names():
    w = Value(0.5, label="<n>.w.0")
    out = (w * 2.0).tanh()
    out.label = "<n>"
    items = parse(to_svg(out, fold=True))
    assert texts(items["v2"][0])[0] == "<n>"


# ---------------------------------------------------------------------------------------------
# Determinism

def test_same_graph_gives_the_same_source():
    def build():
        x, w = Value(1.5, label="x"), Value(0.8, label="w")
        y = (w * x + 0.1).sigmoid()
        y.backward()
        return y
    def source():   # no variable holds the root: both are named alike
        return draw(build(), show_local=True).source
    assert source() == source()


def test_same_mlp_graph_gives_the_same_folded_source():
    def build():
        net = MLP(2, [3, 1])
        loss = (net([0.5, -1.0]) - 1.0) ** 2
        loss.backward()
        return loss
    def source():
        return draw(build(), fold=True).source
    assert source() == source()


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
# Bad arguments

def test_root_must_be_a_value():
    with pytest.raises(TypeError, match="draw\\(\\) needs a Value, got str 'abc'"):
        draw("abc")
    with pytest.raises(TypeError, match="needs a Value"):
        to_svg(1.0)


def test_rankdir_must_be_known():
    with pytest.raises(ValueError, match="rankdir.*'LR', 'TB', 'RL', 'BT'.*'left'"):
        draw(Value(1.0), rankdir="left")


def test_highlight_must_be_in_the_graph():
    _a, _b, L = product()
    with pytest.raises(ValueError, match="not in the graph"):
        draw(L, highlight=Value(1.0))


def test_highlight_must_be_values():
    a, _b, L = product()
    with pytest.raises(TypeError, match="highlight"):
        draw(L, highlight="a")
    with pytest.raises(TypeError, match="highlight"):
        draw(L, highlight=[a, 3.0])
    with pytest.raises(TypeError, match="highlight"):
        draw(L, highlight=3.0)


def test_unknown_option_is_a_type_error():
    with pytest.raises(TypeError):
        to_svg(Value(1.0), colour="red")


# ---------------------------------------------------------------------------------------------
# Rendering

def generator(svg):
    return svg.split("Generated by ")[1].split("\n")[0]


def test_dot_is_used_when_installed():
    if REAL_WHICH("dot") is None:
        pytest.skip("Graphviz's dot is not installed")
    assert "graphviz-pure" not in generator(to_svg(Value(1.0)))


def test_graphviz_pure_is_used_without_dot(monkeypatch):
    hide_dot(monkeypatch)
    assert "graphviz-pure" in generator(to_svg(Value(1.0)))


def graphviz_pure_program():
    found = REAL_WHICH("graphviz-pure") or render.programs()[-1]
    assert "graphviz-pure" in found, "graphviz-pure is a dependency of chainrule"
    return found


def only_in(monkeypatch, folder):
    """Make the renderer search find programs in folder alone: not on PATH, no scripts folder."""
    monkeypatch.setattr(render.shutil, "which", lambda name, *a, path=None, **k:
                        REAL_WHICH(name, path=path) if path == str(folder) else None)
    monkeypatch.setattr(render.sysconfig, "get_path", lambda *a, **k: None)


def test_graphviz_pure_is_found_next_to_python(monkeypatch, tmp_path):
    os.symlink(graphviz_pure_program(), tmp_path / "graphviz-pure")
    only_in(monkeypatch, tmp_path)
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    assert "graphviz-pure" in generator(to_svg(Value(1.0)))


def test_graphviz_pure_is_found_in_the_scripts_folder(monkeypatch, tmp_path):
    scripts = tmp_path / "scripts"
    scripts.mkdir()
    os.symlink(graphviz_pure_program(), scripts / "graphviz-pure")
    only_in(monkeypatch, scripts)
    monkeypatch.setattr(render.sysconfig, "get_path", lambda name, *a: str(scripts))
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    assert "graphviz-pure" in generator(to_svg(Value(1.0)))


def test_broken_dot_falls_back_to_graphviz_pure(monkeypatch, tmp_path):
    fake = tmp_path / "dot"
    fake.write_text("#!/bin/sh\necho 'dot: broken' >&2\nexit 3\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setattr(render.shutil, "which", lambda name, *a, **k:
                        str(fake) if name == "dot" else REAL_WHICH(name, *a, **k))
    assert "graphviz-pure" in generator(to_svg(Value(1.0)))


def test_no_renderer_says_how_to_install_one(monkeypatch, tmp_path):
    only_in(monkeypatch, tmp_path)   # an empty folder
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    with pytest.raises(RuntimeError, match="pip install graphviz-pure.*apt install graphviz"):
        to_svg(Value(1.0))


def test_save_svg_writes_the_picture_and_returns_its_path(tmp_path):
    _a, _b, L = product()
    path = save_svg(L, tmp_path / "L.svg", show_local=True)
    assert path == tmp_path / "L.svg" and isinstance(path, Path)
    assert texts(parse(path.read_text(encoding="utf-8"))["v0->o2"][0]) == ["-3.0000"]
    assert save_svg(L, str(tmp_path / "s.svg")) == tmp_path / "s.svg"


def test_draw_returns_a_graphviz_digraph():
    _a, _b, L = product()
    assert isinstance(draw(L), graphviz.Digraph)


def test_jupyter_display_works_without_dot(monkeypatch, tmp_path):
    no_dot_on_path(monkeypatch, tmp_path)
    _a, _b, L = product()
    g = draw(L)
    bundle = g._repr_mimebundle_()
    assert list(bundle) == ["image/svg+xml"]
    assert texts(parse(bundle["image/svg+xml"])["v0"][0])[0] == "a"
    assert "graphviz-pure" in generator(bundle["image/svg+xml"])
    assert g._repr_svg_() == bundle["image/svg+xml"]
    assert g._repr_mimebundle_(include=["image/png"])["image/png"][:4] == b"\x89PNG"
    assert g._repr_mimebundle_(include=["image/svg+xml"], exclude=["image/svg+xml"]) == {}


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
# The Graph's own rendering: graphviz's pipe / render / view, run by dot or graphviz-pure

def no_dot_on_path(monkeypatch, tmp_path):
    """PATH holds graphviz-pure and no dot, as on a machine without Graphviz: graphviz's own
    machinery could not start `dot` either."""
    folder = tmp_path / "bin"
    folder.mkdir()
    os.symlink(graphviz_pure_program(), folder / "graphviz-pure")
    monkeypatch.setenv("PATH", str(folder))
    assert REAL_WHICH("dot") is None


def test_pipe_returns_svg_bytes_from_the_renderer(renderer):
    _a, _b, L = product()
    svg = draw(L).pipe(format="svg")
    assert isinstance(svg, bytes)
    assert texts(parse(svg)["v0"][0])[0] == "a"
    assert ("graphviz-pure" in generator(svg.decode("utf-8"))) == (renderer == "graphviz-pure")


def test_pipe_with_an_encoding_returns_text_without_dot(monkeypatch, tmp_path):
    no_dot_on_path(monkeypatch, tmp_path)
    _a, _b, L = product()
    svg = draw(L).pipe(format="svg", encoding="utf-8")
    assert isinstance(svg, str) and "graphviz-pure" in generator(svg)
    assert texts(parse(svg)["v1"][0])[0] == "b"


def test_pipe_writes_png_without_dot(monkeypatch, tmp_path):
    no_dot_on_path(monkeypatch, tmp_path)
    _a, _b, L = product()
    assert draw(L).pipe(format="png")[:8] == b"\x89PNG\r\n\x1a\n"


def test_to_svg_is_the_graphs_pipe():
    _a, _b, L = product()
    piped = draw(L, show_local=True).pipe(format="svg", encoding="utf-8")
    assert to_svg(L, show_local=True) == piped


def test_render_is_graphvizs_own_and_runs_dot(tmp_path):
    if REAL_WHICH("dot") is None:
        pytest.skip("Graphviz's dot is not installed")
    _a, _b, L = product()
    g = draw(L)
    path = g.render(directory=tmp_path, format="svg")
    assert path == os.fspath(tmp_path / "chainrule.gv.svg")   # graphviz: the source's name + .svg
    assert (tmp_path / "chainrule.gv").read_text(encoding="utf-8") == g.source
    assert texts(parse(Path(path).read_text(encoding="utf-8"))["v0"][0])[0] == "a"


def test_graph_overrides_only_pipe_of_graphvizs_machinery():
    own = {name for name in vars(viz.Graph) if not name.startswith("__")}
    assert own == {"pipe", "_repr_svg_"}


def test_a_format_graphviz_pure_lacks_is_graphvizs_error_saying_what_to_pass(monkeypatch, tmp_path):
    no_dot_on_path(monkeypatch, tmp_path)
    _a, _b, L = product()
    with pytest.raises(graphviz.CalledProcessError, match='(?s)"pdf" not recognized.*format="svg"'):
        draw(L).pipe(format="pdf")


def test_pipe_without_any_renderer_is_graphvizs_executable_not_found(monkeypatch, tmp_path):
    only_in(monkeypatch, tmp_path)   # an empty folder
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    _a, _b, L = product()
    with pytest.raises(graphviz.ExecutableNotFound, match="pip install graphviz-pure"):
        draw(L).pipe(format="svg")


# ---------------------------------------------------------------------------------------------
# Any str is a label (API.md): shown escaped, as typed, in SVG that parses as XML

@pytest.mark.parametrize("label, shown", [
    ("a\ufffeb", "a\\ufffeb"),                       # not XML: broke both renderers
    ("a\uffffb", "a\\uffffb"),
    ("a\ud800b\udfffc", "a\\ud800b\\udfffc"),        # lone surrogates
    ("a\x00b\x1b\x7fc\x85", "a\\x00b\\x1b\\x7fc\\x85"),
    ("\u202eright-to-left", "\\u202eright-to-left"),  # would reorder the text after it
    ("a\u2028b", "a\\u2028b"),
    ('<b>x</b> & "q" \'s\'', '<b>x</b> & "q" \'s\''),
    ("😀 ∂L/∂w", "😀 ∂L/∂w"),
])
def test_any_str_label_shows_as_typed(renderer, label, shown, tmp_path):
    x = Value(1.0, label=label)
    y = x * 2.0
    assert texts(parse(to_svg(y))["v0"][0])[0] == shown
    saved = save_svg(y, tmp_path / "y.svg").read_text(encoding="utf-8")
    assert texts(parse(saved)["v0"][0])[0] == shown


def test_any_str_shows_in_folded_names_and_layer_frames(renderer):
    w = Value(0.5, label="\uffff.neurons.0.w.0")
    out = (w * 2.0).tanh()
    out.label = "\uffff.neurons.0"
    items = parse(to_svg(out, fold=True))
    assert texts(items["v2"][0])[0] == "\\uffff.neurons.0"
    assert [texts(g[0])[0] for t, g in items.items() if t.startswith("cluster")] == ["\\uffff"]


def test_a_million_character_label_is_shortened_saying_by_how_much(renderer):
    x = Value(1.0, label="x" * 1_000_000)
    svg = to_svg(x * 2.0)
    shown = texts(parse(svg)["v0"][0])
    lines = viz.style.LABEL_CHARS // viz.style.LABEL_WIDTH
    assert shown[:lines] == ["x" * viz.style.LABEL_WIDTH] * lines   # wrapped
    assert shown[lines].strip() == f"… +{1_000_000 - viz.style.LABEL_CHARS:,} characters"
    assert len(svg) < 20_000   # a box of a readable size, not one millions of points wide
    assert len(x.label) == 1_000_000


def test_a_long_line_wraps_and_nothing_is_hidden():
    label = "".join(chr(ord("a") + i % 26) for i in range(120))
    shown = texts(parse(to_svg(Value(1.0, label=label)))["v0"][0])
    assert shown[:3] == [label[:50], label[50:100], label[100:]]
    assert not any("…" in t for t in shown)


def test_a_label_of_many_lines_shows_its_first_lines():
    x = Value(1.0, label="line\n" * 100_000)
    shown = texts(parse(to_svg(x))["v0"][0])
    assert shown[:viz.style.LABEL_LINES] == ["line"] * viz.style.LABEL_LINES
    hidden = 500_000 - (5 * viz.style.LABEL_LINES - 1)   # all but 8 lines and the 7 breaks
    assert shown[viz.style.LABEL_LINES].strip() == f"… +{hidden:,} characters"


def test_input_a_program_cannot_draw_is_reported_as_such_not_as_a_broken_install(renderer):
    with pytest.raises(graphviz.CalledProcessError) as failed:
        render.pipe("digraph { a [label=<\uffff>] }")   # raw DOT that no escaping went into
    message = str(failed.value)
    assert "not on this input" in message and "not well-formed" in message
    assert "install" not in message


def test_a_broken_program_is_still_reported_as_broken(monkeypatch, tmp_path):
    fake = tmp_path / "dot"
    fake.write_text("#!/bin/sh\necho 'dot: broken' >&2\nexit 3\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setattr(render.shutil, "which", lambda name, *a, **k:
                        str(fake) if name == "dot" else None)
    with pytest.raises(graphviz.CalledProcessError, match="(?s)dot: broken.*pip install graphviz-pure"):
        to_svg(Value(1.0))


# ---------------------------------------------------------------------------------------------
# Colour, numbers and fonts

def test_no_colour_before_any_gradient_exists(renderer):
    a, b = Value(2.0), Value(3.0)
    product = a * b
    total = product + 1.0   # backward never ran: every grad is 0
    edges = [g[0] for t, g in parse(to_svg(total)).items() if "->" in t]
    assert len(edges) == 5
    assert all(strokes(e) == {viz.style.EDGE} and stroke_width(e) == 1.0 for e in edges)
    fills = re.findall(r'bgcolor="([^"]*)">grad ', draw(total).source)
    assert fills == ["#ffffff"] * 4


def test_every_number_in_a_picture_is_written_by_format_number():
    from autograd._util import format_number
    x = Value(1.23456e-7, label="x")
    y = (x * 3.5 + 0.1) ** 2
    y.backward()
    svg = to_svg(y, show_local=True)
    numbers = [word for g in parse(svg).values() for t in texts(g[0]) if t
               for word in t.split() if word[0].isdigit() or word[0] == "-" and word != "-"]
    assert numbers and all(n == format_number(float(n)) for n in numbers), numbers


def test_text_is_laid_out_in_dejavu_sans_and_shown_with_a_stack_no_wider(renderer):
    _a, _b, L = product()
    assert 'fontname="DejaVu Sans"' in draw(L).source and "Arial" not in draw(L).source
    svg = to_svg(L, show_local=True)
    families = {t.get("font-family") for t in ET.fromstring(svg).iter(SVG + "text")}
    assert families == {viz.style.FONT_STACK}
    assert viz.style.FONT_STACK.startswith("'DejaVu Sans', Verdana")


# ---------------------------------------------------------------------------------------------
# picture(): the drawing other views ask for; picture_plan(): the one size policy

def test_picture_shows_the_grads_it_is_given_and_leaves_grad_alone():
    a, b, L = product()
    svg = viz.picture(L, grads={a: 5.0, b: 0.0, L: 0.0}).pipe(format="svg", encoding="utf-8")
    assert texts(parse(svg)["v0"][0])[-1] == "grad 5.0000"
    assert (a.grad, b.grad, L.grad) == (-3.0, 2.0, 1.0)


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
    assert viz.size.MAX_SIZE == 33 == viz.picture_plan(neuron_graph()).limit
    with pytest.raises(ValueError, match="pass fold=True .*\\(12 then\\)"):
        draw(neuron_graph())
    viz.size.MAX_SIZE = 34
    assert viz.MAX_SIZE == 34 and draw(neuron_graph())


def test_draw_asks_the_same_plan():
    plan = viz.picture_plan(neuron_graph(), fold=True)
    assert (plan.kind, plan.size) == ("folded", 12)


# ---------------------------------------------------------------------------------------------
# The house

def test_viz_reads_values_through_public_properties_and_no_private_names():
    import ast
    private_fields = {"_a", "_b", "_da", "_db", "_g"}
    for path in Path(viz.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute):
                assert node.attr not in private_fields, f"{path.name}: .{node.attr}"
            if isinstance(node, ast.ImportFrom) and node.level >= 1 and node.module != "style":
                for alias in node.names:
                    assert not alias.name.startswith("_"), f"{path.name} imports {alias.name}"


# ---------------------------------------------------------------------------------------------
# In Chromium with only DejaVu fonts: no text overflows its box

CHROMIUM = "/usr/bin/chromium"
DEJAVU = Path("/usr/share/fonts/truetype/dejavu")


@pytest.fixture(scope="module")
def dejavu_browser(tmp_path_factory):
    """Headless Chromium that sees the DejaVu fonts only: a fontconfig of that one folder, with
    the system's rendering settings (hinting, aliases) from /etc/fonts/conf.d."""
    sync_api = pytest.importorskip("playwright.sync_api")
    executable = CHROMIUM if Path(CHROMIUM).exists() else REAL_WHICH("chromium")
    if executable is None:
        pytest.skip("no chromium installed")
    if not DEJAVU.is_dir():
        pytest.skip(f"the DejaVu fonts are not in {DEJAVU}")
    folder = tmp_path_factory.mktemp("fontconfig")
    conf = folder / "fonts.conf"
    conf.write_text(f'<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>'
                    f'<dir>{DEJAVU}</dir><include ignore_missing="yes">/etc/fonts/conf.d</include>'
                    f"<cachedir>{folder / 'cache'}</cachedir></fontconfig>\n")
    env = {**os.environ, "FONTCONFIG_FILE": str(conf)}
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, env=env, args=[
            "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"])
        yield browser
        browser.close()


OVERFLOWS = """() => [...document.querySelectorAll('g.node')].flatMap(g => {
    const shapes = [...g.querySelectorAll('polygon, ellipse, path')].map(s => s.getBBox());
    const box = {x0: Math.min(...shapes.map(b => b.x)), y0: Math.min(...shapes.map(b => b.y)),
                 x1: Math.max(...shapes.map(b => b.x + b.width)),
                 y1: Math.max(...shapes.map(b => b.y + b.height))};
    return [...g.querySelectorAll('text')].map(t => [t.textContent, t.getBBox()])
        .filter(([_, b]) => b.x < box.x0 - 0.5 || b.x + b.width > box.x1 + 0.5
                            || b.y < box.y0 - 0.5 || b.y + b.height > box.y1 + 0.5)
        .map(([text, b]) => `${g.querySelector('title').textContent} ${text}: `
             + `${b.x.toFixed(1)}..${(b.x + b.width).toFixed(1)} outside `
             + `${box.x0.toFixed(1)}..${box.x1.toFixed(1)}`);
})"""


def font_pictures():
    """Bold labels, italic names, grads, local derivatives, folded boxes and parameter tables."""
    net = TwoNodeNetwork(w1=0.8, w2=-1.2, b1=0.1, b2=0.3)
    C = mse_loss(net(1.5), 0.2)
    C.label = "C"
    C.backward()
    mlp = MLP(2, [3, 1])
    x = Value(0.5)
    loss = (mlp([x, -1.0]) - 1.0) ** 2
    loss.backward()
    return [to_svg(C, show_local=True, highlight=net.w1, rankdir="TB"),
            to_svg(loss, fold=True, show_local=True), to_svg(loss)]


def test_no_text_overflows_its_box_with_only_dejavu_fonts(renderer, dejavu_browser):
    page = dejavu_browser.new_page()
    try:
        for svg in font_pictures():
            page.set_content(f"<!DOCTYPE html><html><body>{svg[svg.index('<svg'):]}</body></html>")
            family = page.evaluate("() => document.fonts.check('11px \"DejaVu Sans\"')")
            assert family
            assert page.evaluate(OVERFLOWS) == []
    finally:
        page.close()
