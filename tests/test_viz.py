"""Pictures: what draw / to_svg / save_svg draw, named as every view names nodes, read back as XML."""

from pathlib import Path

import pytest
from viz_helpers import SVG, names, nodes, parse, product, rgb, stroke_width, strokes, texts, use_renderer

from autograd import Value, draw, save_svg, to_svg, viz
from autograd.engine import topological_order
from nn import MLP, TwoNodeNetwork, mse_loss

# each test that takes it runs once with dot and once with graphviz-pure (dot hidden)
renderer = pytest.fixture(params=["dot", "graphviz-pure"])(use_renderer)

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
    assert [texts(items[f"v{i}"][0])[0] for i in range(3)] == ["leaf#0", "mul#1", "exp#2"]


def test_names_are_those_of_every_view():
    from autograd.names import caller_scope, node_names
    w1 = Value(0.8, label="w1")
    x = Value(1.5)
    z1 = w1 * x
    a1 = z1.sigmoid()
    C = (a1 - 0.2) ** 2
    source = draw(C).source
    names = node_names(C, None, caller_scope())
    assert [names[v] for v in topological_order(C)] == ["w1", "x", "z1", "a1", "a1 - 0.2", "C"]
    for name in names.values():
        assert f">{name}<" in source


def name_cell(svg, title):
    """The <text> element of node title's name (its first text)."""
    return next(nodes(parse(svg))[title].iter(SVG + "text"))


def test_labels_inferred_names_and_op_names_look_different(renderer):
    a = Value(2.0, label="a")
    b = Value(-3.0)
    product = a * b
    svg = to_svg(product * 1.0)   # v0 a: label; v1 b, v2 product: variables; v3: product*1, made
    label, variable, op = name_cell(svg, "v0"), name_cell(svg, "v1"), name_cell(svg, "v3")
    assert (label.text, variable.text, op.text) == ("a", "b", "product*1")
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


def test_unknown_option_is_a_type_error_listing_draws_options(tmp_path):
    with pytest.raises(TypeError, match="to_svg.*'colour'.*rankdir, show_grad, show_local"):
        to_svg(Value(1.0), colour="red")
    with pytest.raises(TypeError, match="save_svg.*'scope'"):
        save_svg(Value(1.0), tmp_path / "x.svg", scope={})
    assert not (tmp_path / "x.svg").exists()


# ---------------------------------------------------------------------------------------------
# picture(): the drawing other views ask for; picture_plan(): the one size policy

def test_picture_names_nodes_as_the_view_that_asks_does():
    from autograd.names import node_names
    x = Value(1.0)
    y = x * 2.0
    given = parse(viz.picture(y, names=node_names(y)).pipe(format="svg", encoding="utf-8"))
    own = parse(to_svg(y))   # named from this frame's variables
    assert [texts(given[f"v{i}"][0])[0] for i in range(2)] == ["leaf#0", "mul#1"]
    assert [texts(own[f"v{i}"][0])[0] for i in range(2)] == ["x", "y"]


def test_picture_takes_any_mapping_of_names_and_styles_them_by_where_they_came_from():
    x, w = Value(1.0), Value(2.0, label="w")
    y = x * w
    svg = viz.picture(y, names={x: "x", w: "w", y: "mul#2"}).pipe(format="svg", encoding="utf-8")
    label, variable, op = name_cell(svg, "v1"), name_cell(svg, "v0"), name_cell(svg, "v2")
    assert (label.text, variable.text, op.text) == ("w", "x", "mul#2")
    assert label.get("font-weight") == "bold" and variable.get("font-style") == "italic"
    assert op.get("fill") == viz.style.MUTED


def test_picture_shows_the_grads_it_is_given_and_leaves_grad_alone():
    a, b, L = product()
    svg = viz.picture(L, grads={a: 5.0, b: 0.0, L: 0.0}).pipe(format="svg", encoding="utf-8")
    assert texts(parse(svg)["v0"][0])[-1] == "grad 5.0000"
    assert (a.grad, b.grad, L.grad) == (-3.0, 2.0, 1.0)


# ---------------------------------------------------------------------------------------------
# The house

def test_viz_reads_values_through_public_properties_and_no_private_names():
    import ast
    private_fields = {"_a", "_b", "_da", "_db", "_g"}
    for path in Path(viz.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute):
                assert node.attr not in private_fields, f"{path.name}: .{node.attr}"
            if isinstance(node, ast.ImportFrom) and node.level >= 1:
                for alias in node.names:
                    assert not alias.name.startswith("_"), f"{path.name} imports {alias.name}"


@pytest.mark.parametrize("flag", ["show_grad", "show_local", "fold"])
def test_a_flag_that_is_not_a_bool_is_a_type_error(flag):
    with pytest.raises(TypeError, match=f"{flag}=.*True or False.*str 'no'"):
        draw(Value(1.0) * 2.0, **{flag: "no"})


def test_a_constant_the_users_variable_holds_is_drawn_as_that_variable():
    x = 1.5  # the course's input as a plain float: explain and the stepper call it x too
    w1 = Value(0.8, label="w1")
    C = ((w1 * x).sigmoid() - 0.2) ** 2
    ops = [line for line in draw(C).source.splitlines() if "shape=ellipse" in line]
    assert any("label=<* x>" in line for line in ops)
    assert any("label=<- 0.2000>" in line for line in ops)  # a literal stays a number
