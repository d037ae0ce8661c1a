"""gradcheck (derivatives against finite differences) and detect_anomaly (where NaN and inf are born)."""

import gc
import math

import pytest

import autograd.value as value_module
from autograd import AnomalyError, GradcheckError, Value, detect_anomaly, grad, gradcheck, no_grad
from autograd.engine import is_anomaly_enabled
from autograd.value import PRIMITIVES

# -- gradcheck --------------------------------------------------------------------------------


def test_gradcheck_passes_on_correct_derivatives():
    assert gradcheck(lambda x, y: (x * y).tanh() + x.exp() / y - (x ** y).sqrt(), [0.7, 1.3]) is True


def test_gradcheck_passes_on_every_primitive():
    fs = [lambda x: -x, lambda x: abs(x), lambda x: x.exp(), lambda x: x.log(), lambda x: x.tanh(),
          lambda x: x.sigmoid(), lambda x: x.relu(), lambda x: x.sqrt(), lambda x: x.sin(),
          lambda x: x.cos(), lambda x: x ** 3, lambda x: 2 ** x, lambda x: 1 / x, lambda x: 3 - x]
    for f in fs:
        assert gradcheck(f, [0.8])


def test_gradcheck_passes_second_derivatives_with_order_2():
    assert gradcheck(lambda x, y: (x * y).tanh() * x.sin() + y ** 3, [0.4, -0.9], order=2) is True


def test_a_gradient_cut_by_detach_fails_with_the_input_and_both_values():
    # f(x) = x * x.detach() has value x^2 but analytic gradient x: at x = 3, 3 instead of 6
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda x: x * x.detach(), [3.0])
    ((what, analytic, numeric, error),) = info.value.failures
    assert what == "input 0 (x0)"
    assert analytic == 3.0
    assert numeric == pytest.approx(6.0, abs=1e-6)
    assert error == pytest.approx(3.0, abs=1e-6)
    message = str(info.value)
    assert "input 0 (x0)" in message and "analytic 3," in message
    assert "numeric 6" in message or "numeric 5.99999" in message
    assert "error 3" in message


def test_only_the_failing_inputs_are_listed():
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda x, y: x * y + y.detach() * y, [2.0, 5.0])
    assert [f[0] for f in info.value.failures] == ["input 1 (x1)"]
    assert "input 0" not in str(info.value)


def test_inputs_given_as_values_are_named_by_their_labels():
    with pytest.raises(GradcheckError, match=r"input 1 \(w\)"):
        gradcheck(lambda b, w: b + w * w.detach(), [Value(1.0, "b"), Value(2.0, "w")])


def test_a_wrong_second_derivative_fails_only_with_order_2(monkeypatch):
    # the float rule of sin stays right (it was bound at import), the Value rule used by
    # grad(create_graph=True) now drops the dependence of cos(x) on x
    sin = PRIMITIVES["sin"]
    (rule,) = sin.rules
    monkeypatch.setitem(PRIMITIVES, "sin", sin._replace(
        rules=(lambda a, out: rule(a.detach() if isinstance(a, Value) else a, out),)))
    assert gradcheck(lambda x: x.sin(), [0.5])
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda x: x.sin(), [0.5], order=2)
    ((what, analytic, numeric, _),) = info.value.failures
    assert what == "d2/dx0 dx0 (inputs 0, 0)"
    assert analytic == 0.0 and numeric == pytest.approx(-math.sin(0.5), abs=1e-6)


def test_tolerances_decide_what_passes():
    def f(x):  # analytic 2.001 at x = 1, numeric 2.002: an error of 0.001
        return x * x + 0.001 * x * x.detach()
    with pytest.raises(GradcheckError):
        gradcheck(f, [1.0], rtol=0.0, atol=1e-4)
    assert gradcheck(f, [1.0], rtol=0.0, atol=1e-2)
    assert gradcheck(f, [1.0], rtol=1e-3, atol=0.0)


@pytest.mark.parametrize("f, inputs, message", [
    ("not a function", [1.0], "f must be a function"),
    (lambda x: x, "1.0", "inputs must be a list of numbers"),
    (lambda x: x, 1.0, "inputs must be a list of numbers"),
    (lambda x: x, Value(1.0), "inputs must be a list of numbers"),
    (lambda x: x, [None], r"inputs\[0\] must be a number, got NoneType"),
    (lambda x: x, ["a"], r"inputs\[0\] must be a number, got str"),
    (lambda x: 3.0, [1.0], "f must return a Value, got float"),
])
def test_bad_arguments_raise_type_errors_that_say_what_was_given(f, inputs, message):
    with pytest.raises(TypeError, match=message):
        gradcheck(f, inputs)


@pytest.mark.parametrize("kwargs", [{"order": 3}, {"eps": 0.0}, {"atol": -1.0}, {"rtol": math.nan}])
def test_bad_settings_raise_value_errors(kwargs):
    with pytest.raises(ValueError):
        gradcheck(lambda x: x * x, [1.0], **kwargs)


# -- detect_anomaly: forward -----------------------------------------------------------------------

def test_an_op_making_nan_from_finite_inputs_raises_with_op_values_and_source_line():
    x = Value(-2.0, "x")
    with detect_anomaly():
        with pytest.raises(AnomalyError) as info:
            h = x.log()  # the line the error must show
    error = info.value
    assert error.op == "log" and math.isnan(error.node.data)
    assert error.where[0] == __file__ and error.where[2] == "h = x.log()  # the line the error must show"
    message = str(error)
    assert "log" in message and "-2.0" in message and "'x'" in message
    assert f"{__file__}:{error.where[1]}: h = x.log()" in message


def test_the_forward_message_names_inputs_by_label_or_op_and_says_the_result_has_no_label_yet():
    with detect_anomaly():
        p = Value(0.8, "p")
        q = 1.0 - p * 1.25
        with pytest.raises(AnomalyError) as info:
            q.log()
    message = str(info.value)
    assert "input a = 0.0: the result of -, made at " in message
    assert "unlabelled" not in message
    assert message.endswith("(the new Value is the error's .node; it has no label yet, "
                            "as labels are set after the op)")


def test_an_op_making_inf_from_finite_inputs_raises():
    with detect_anomaly():
        with pytest.raises(AnomalyError, match="exp"):
            Value(1000.0).exp()
        with pytest.raises(AnomalyError, match=r"/ made inf from finite inputs 1.0 and 0.0"):
            Value(1.0) / 0


def test_the_input_lines_of_user_code_are_named_too():
    with detect_anomaly():
        z = Value(-1.0, "z")  # made here
        with pytest.raises(AnomalyError) as info:
            z.sqrt()
    assert "z = Value(-1.0, \"z\")  # made here" in str(info.value)


def test_nan_from_nan_inputs_is_not_an_anomaly():
    x = Value(math.nan)
    with detect_anomaly():
        y = x + 1.0
    assert math.isnan(y.data)


def test_outside_the_context_nan_is_silent():
    with detect_anomaly():
        pass
    assert math.isnan(Value(-1.0).log().data)


def test_anomalies_are_caught_under_no_grad_too():
    with detect_anomaly(), no_grad():
        with pytest.raises(AnomalyError):
            Value(-1.0).log()
        assert Value(2.0).exp().parents == ()


def test_a_nan_born_inside_nn_names_the_nn_line_and_the_users_line():
    nn = pytest.importorskip("nn")
    net = nn.TwoNodeNetwork(w1=1e308, w2=1.0)
    with detect_anomaly():
        with pytest.raises(AnomalyError) as info:
            net(10.0)  # the user's line
    message = str(info.value)
    assert "nn" in message and "two_node.py" in message
    assert "net(10.0)  # the user's line" in message


# -- detect_anomaly: backward ----------------------------------------------------------------------

def test_a_backward_step_making_a_gradient_inf_raises_naming_node_and_line():
    with detect_anomaly():
        x = Value(0.0, "x")
        y = x.sqrt()  # d sqrt / dx = inf at 0
        y.label = "y"
        loss = y * 2.0
        with pytest.raises(AnomalyError) as info:
            loss.backward()
    error = info.value
    assert error.node is y and error.op == "sqrt"
    message = str(error)
    assert "backward() step 2/3 made the gradient of x inf" in message  # 1-based, as the stepper
    assert "node y: op sqrt" in message and "parent x: a leaf" in message
    assert "y = x.sqrt()  # d sqrt / dx = inf at 0" in message
    assert all(n._g == 0.0 for n in (x, y, loss))


def test_zero_times_an_infinite_local_derivative_is_caught_as_nan():
    with detect_anomaly():
        x = Value(0.0, "x")
        y = x.sqrt() * 0.0
        with pytest.raises(AnomalyError, match="nan"):
            y.backward()


def test_backward_in_anomaly_mode_gives_the_same_grads():
    def run():
        x, w = Value(0.3, "x"), Value(-1.7, "w")
        y = ((x * w).tanh() + x.exp() * w).sigmoid()
        y.backward(0.5)
        return x.grad, w.grad
    plain = run()
    with detect_anomaly():
        checked = run()
    assert checked == plain


def test_grad_inside_the_context_is_checked_like_backward():
    with detect_anomaly():
        x = Value(0.0, "x")
        y = x.sqrt()
        with pytest.raises(AnomalyError) as info:
            grad(y, [x])
    assert info.value.node is y
    assert str(info.value).startswith("grad() step 1/2 made the gradient of x inf")
    assert x._g == 0.0 and y._g == 0.0


def test_grad_inside_the_context_gives_the_same_floats_and_leaves_grad_alone():
    def run():
        x, w = Value(0.3, "x"), Value(-1.7, "w")
        y = ((x * w).tanh() + x.exp() * w).sigmoid() * x
        w.grad = 5.0
        return [g.data for g in grad(y, [x, w, Value(2.0)])], (x.grad, w.grad, y.grad)
    plain = run()
    with detect_anomaly():
        checked = run()
    assert checked == plain
    assert checked[1] == (0.0, 5.0, 0.0)


def test_without_the_context_backward_lets_inf_through():
    x = Value(0.0)
    y = x.sqrt()
    y.backward()
    assert x.grad == math.inf


# -- detect_anomaly: state ----------------------------------------------------------------------

original_init = Value.__init__


def test_leaving_the_context_turns_every_hook_off():
    with detect_anomaly():
        assert is_anomaly_enabled() and value_module._hook is not None
    assert not is_anomaly_enabled() and value_module._hook is None  # the fast path: one None check
    assert Value.__init__ is original_init


def test_an_exception_inside_still_restores_the_state():
    with pytest.raises(AnomalyError):
        with detect_anomaly():
            Value(-1.0).log()
    assert not is_anomaly_enabled() and value_module._hook is None and Value.__init__ is original_init


def test_nested_contexts_stay_on_until_the_outermost_exits():
    with detect_anomaly():
        with detect_anomaly():
            pass
        with pytest.raises(AnomalyError):
            Value(-1.0).log()
    assert not is_anomaly_enabled() and Value.__init__ is original_init
    Value(-1.0).log()


def live_values() -> int:
    gc.collect()
    return sum(1 for o in gc.get_objects() if type(o) is Value)


def test_a_training_loop_inside_the_context_keeps_only_the_graphs_it_still_holds():
    w = Value(0.5, "w")
    with detect_anomaly():
        counts = []
        for _ in range(20):
            loss = ((w * 1.5 + 0.25).tanh() - 1.0) ** 2  # 6 Values, dropped at the next turn
            loss.backward()
            counts.append(live_values())
    assert counts[-1] == counts[0]


def test_a_value_keeps_the_line_that_made_it_for_as_long_as_it_lives():
    with detect_anomaly():
        z = Value(-1.0, "z")  # z's line
    with detect_anomaly():
        with pytest.raises(AnomalyError) as info:
            z.sqrt()
    assert "z = Value(-1.0, \"z\")  # z's line" in str(info.value)


def test_values_made_outside_the_context_have_no_record():
    z = Value(-1.0, "z")
    with detect_anomaly():
        with pytest.raises(AnomalyError) as info:
            z.log()
    assert "made outside detect_anomaly()" in str(info.value)


# -- primitive(): your own ops ------------------------------------------------------------------

import itertools as _itertools  # noqa: E402

_fresh = _itertools.count()


def fresh(name: str) -> str:
    """A name not registered yet (the registry is process-wide)."""
    return f"{name}_{next(_fresh)}"


def softplus_forward(a: float) -> float:
    return math.log1p(math.exp(a)) if a < 30 else a


def test_a_user_primitive_is_a_node_on_values_and_a_float_on_numbers():
    from autograd import primitive
    from autograd.ops import sigmoid
    name = fresh("softplus")
    softplus = primitive(name, softplus_forward, lambda a, out: sigmoid(a))
    z = Value(0.5, label="z")
    y = softplus(z)
    assert y.op == name and y.parents == (z,) and y.data == math.log1p(math.exp(0.5))
    assert y.local == (1.0 / (1.0 + math.exp(-0.5)),)
    assert softplus(0.5) == y.data and type(softplus(0.5)) is float
    y.backward()
    assert z.grad == y.local[0]
    # the rule is written with autograd.ops: any order of grad() works
    (g,) = grad(y, [z], create_graph=True)
    (h,) = grad(g, [z])
    s = 1.0 / (1.0 + math.exp(-0.5))
    assert h.data == pytest.approx(s * (1.0 - s), rel=1e-15)
    assert gradcheck(lambda x: softplus(x * 2.0), [0.3], order=2)


def test_a_name_already_registered_is_a_value_error():
    from autograd import primitive
    with pytest.raises(ValueError, match="'exp' is registered already"):
        primitive("exp", math.exp, lambda a, out: out)


def test_a_rule_that_works_only_on_floats_serves_backward_and_create_graph_names_the_op():
    from autograd import primitive
    name = fresh("floaty")
    floaty = primitive(name, math.sin, lambda a, out: math.cos(a))  # math.cos takes no Value
    x = Value(0.5)
    y = floaty(x)
    y.backward()
    assert x.grad == math.cos(0.5)
    with pytest.raises(TypeError, match=f"rule of op '{name}' works only on floats"):
        grad(y, [x], create_graph=True)


def test_pickling_a_graph_whose_op_is_not_registered_when_loading_names_the_op():
    import pickle

    from autograd import primitive
    name = fresh("gone")
    gone = primitive(name, math.sin, lambda a, out: value_module.cos(a))
    data = pickle.dumps(gone(Value(0.5)) * 2.0)
    assert pickle.loads(data).data == 2.0 * math.sin(0.5)
    del value_module.PRIMITIVES[name]  # as in a new process where it was never defined
    with pytest.raises(TypeError, match=f"op '{name}', which is not registered"):
        pickle.loads(data)


# -- check_graph: a wrong local derivative pinned to its node and line ----------------------------

def test_check_graph_passes_on_every_built_in_op():
    from autograd import check_graph
    x, y = Value(0.7, label="x"), Value(1.3, label="y")
    z = ((x * y).tanh() + x.exp() / y - (x ** y).sqrt() + abs(x - y) + x.sigmoid() * y.log()
         + (x.sin() * y.cos()).relu() - 2.0 ** x)
    assert check_graph(z) is True


def test_check_graph_names_the_wrong_node_op_operand_values_and_line():
    from autograd import check_graph
    name = fresh("softplus")
    # the planted mistake: sigmoid(-a) instead of sigmoid(a)
    wrong = __import__("autograd").primitive(name, softplus_forward,
                                             lambda a, out: value_module.sigmoid(-a))
    with detect_anomaly():
        z = Value(0.5, label="z")
        h = wrong(z)  # the line check_graph names
        loss = h * 3.0
    with pytest.raises(GradcheckError) as info:
        check_graph(loss)
    message = str(info.value)
    assert "1 local derivative" in message
    assert f"node h, op '{name}', operand z" in message
    s = 1.0 / (1.0 + math.exp(0.5))
    assert f"rule {s:.10g}" in message
    assert f"numeric {1.0 - s:.6g}" in message
    assert "h = wrong(z)  # the line check_graph names" in message
    assert "op '*'" not in message  # the right nodes are not listed


def test_check_graph_skips_kinks_and_says_so():
    from autograd import check_graph
    name = fresh("badrelu")
    bad = __import__("autograd").primitive(name, value_module.ieee.relu,
                                           lambda a, out: value_module.step(a) * 2.0)
    x = Value(0.0, label="x")
    assert check_graph(x.relu() + abs(x))  # both at their kink: skipped, not failed
    with pytest.raises(GradcheckError) as info:
        check_graph(bad(Value(1.0, label="w")) + x.relu())
    assert "skipped 1 at a kink" in str(info.value) and "op 'relu', operand x" in str(info.value)


def test_check_graph_skips_a_jump_whose_one_sided_slopes_agree():
    """grad(abs(x), create_graph=True) at x = 0 holds sign(0): a jump from -1 to 1 whose two
    one-sided difference quotients are equal (1/h each), so it looked smooth with slope 1/h."""
    from autograd import check_graph
    x = Value(0.0, label="x")
    g, = grad(abs(x) * 3.0, [x], create_graph=True)
    assert check_graph(g)


def test_check_graph_skips_a_node_whose_value_is_nan_as_a_pole():
    """0/0 is nan: its rule for b (-a/b**2, nan) is not compared with the numeric 0."""
    from autograd import check_graph
    assert check_graph(Value(0.0, label="a") / Value(0.0, label="b"))


def test_check_graph_allows_what_rounding_hides_from_a_finite_difference():
    """1e30 + b does not move when b moves by 1e-6: the numeric slope 0 is within rounding of
    the rule's 1."""
    from autograd import check_graph
    assert check_graph(Value(1e30, label="a") + Value(1.0, label="b"))


def test_check_graph_still_finds_a_wrong_rule_on_large_numbers():
    from autograd import check_graph
    name = fresh("twice")
    twice = __import__("autograd").primitive(name, lambda a: 2.0 * a, lambda a, out: 3.0)
    with pytest.raises(GradcheckError, match=f"op '{name}'"):
        check_graph(twice(Value(1e30, label="a")))


def test_gradcheck_names_the_first_wrong_node():
    name = fresh("sq")
    sq = __import__("autograd").primitive(name, lambda a: a * a, lambda a, out: a)  # not 2a
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda x: sq(x).exp(), [1.5])
    message = str(info.value)
    assert "input 0 (x0)" in message
    assert f"the first wrong local derivative (check_graph): node {name}" in message


def test_the_same_code_run_again_registers_the_op_anew_as_a_notebook_cell_rerun_does():
    from autograd import primitive
    name = fresh("cell")
    made = [primitive(name, lambda a: 2.0 * a, lambda a, out: 2.0) for _ in range(2)]
    assert made[1](Value(1.5)).data == 3.0 and made[0](1.5) == 3.0
    with pytest.raises(ValueError, match="registered already"):
        primitive(name, lambda a: 3.0 * a, lambda a, out: 3.0)  # other code, same name


def mlp_cross_entropy_loss(activation=None):
    """The mean cross-entropy of a 2-4-3 MLP on two examples: every node of nn's softmax (the
    shift by the largest logit included); activation(z) is applied to the first logit."""
    from nn import MLP, cross_entropy
    net = MLP(2, [4, 3], rng=__import__("random").Random(3))
    rows = []
    for x in ([0.5, -1.0], [1.0, 2.0]):
        logits = net(x)
        if activation is not None:
            logits = [activation(logits[0])] + logits[1:]
        rows.append(logits)
    return cross_entropy(rows, [0, 2])


def test_check_graph_passes_on_an_mlp_cross_entropy_loss():
    from autograd import check_graph
    assert check_graph(mlp_cross_entropy_loss()) is True


def test_check_graph_finds_a_planted_wrong_rule_in_an_mlp_cross_entropy_loss():
    from autograd import check_graph, primitive
    name = fresh("softplus")
    wrong = primitive(name, softplus_forward, lambda a, out: value_module.sigmoid(-a))  # not (a)
    with pytest.raises(GradcheckError) as info:
        check_graph(mlp_cross_entropy_loss(wrong))
    message = str(info.value)
    assert "2 local derivative(s) differ" in message  # one softplus node per example
    assert message.count(f"op '{name}'") == 2 and "op 'shift_max'" not in message


def test_check_graph_says_it_skipped_the_stop_gradient_of_softmax():
    from autograd import check_graph, primitive
    name = fresh("sq")
    sq = primitive(name, lambda a: a * a, lambda a, out: a)  # not 2a
    with pytest.raises(GradcheckError) as info:
        check_graph(mlp_cross_entropy_loss(sq))
    assert "skipped: shift_max is a stop-gradient (4 nodes" in str(info.value)


def test_a_stop_gradient_op_is_skipped_by_check_graph_and_its_rule_still_used():
    from autograd import check_graph, primitive
    name = fresh("stopped")
    stopped = primitive(name, lambda a: 3.0 * a, lambda a, out: 0.0, stop_gradient=True)
    x = Value(0.5, label="x")
    y = stopped(x) + x
    assert check_graph(y) is True
    y.backward()
    assert x.grad == 1.0

