"""autograd.debug.evaluation: node names inside the stepper's Python, and the frame it runs in."""

import sys

import pytest

from autograd.debug.evaluation import namespace, readable_by_python, substitute, write_back

A, B, C = object(), object(), object()


def test_dollar_name_becomes_the_node_taking_the_longest_name_that_fits():
    source, bound = substitute("$w1*x.grad + $w1.grad", {"w1": A, "w1*x": B})
    names = sorted(bound, key=source.index)
    assert source == f"{names[0]}.grad + {names[1]}.grad"
    assert [bound[n] for n in names] == [B, A]


def test_names_python_cannot_read_become_the_node_without_a_dollar():
    words = {"layers.0.neurons.0.w.0": A, "mul#4": B, "mul#41": C}
    source, bound = substitute("layers.0.neurons.0.w.0.grad * mul#41.data - mul#4.data", words)
    a, c, b = (source.split()[i].split(".")[0] for i in (0, 2, 4))
    assert (bound[a], bound[c], bound[b]) == (A, C, B)


def test_readable_names_and_text_in_strings_are_left_to_python():
    words = {"w1": A, "mul#4": B, "w1*x": C}
    assert substitute("w1*x + w1", words) == ("w1*x + w1", {})
    assert substitute("'mul#4' + \"$w1\"", words) == ("'mul#4' + \"$w1\"", {})
    assert substitute("xmul#4", words) == ("xmul#4", {})  # not a word of its own


def test_a_dollar_naming_no_node_is_a_name_error():
    with pytest.raises(NameError, match=r"no node named 'nope\.grad' here"):
        substitute("$nope.grad", {"w1": A})


def test_readable_by_python():
    assert readable_by_python("w1") and readable_by_python("y_hat - 0.2")
    assert not readable_by_python("mul#4") and not readable_by_python("layers.0.w.1")


def test_the_frame_and_the_builtins_win_over_node_names():
    sum_node, z_node, x_node = object(), object(), object()
    x = 3.0
    frame = sys._getframe()
    scope = namespace(frame, frame.f_locals, {"sum": sum_node, "z": z_node, "x": x_node})
    assert "sum" not in scope and scope["z"] is z_node and scope["x"] == x


def test_write_back_makes_an_assignment_a_functions_variable():
    def f():
        lr = 0.1
        frame = sys._getframe()
        assigned = frame.f_locals
        assigned["lr"] = 0.5
        write_back(frame, assigned)
        return lr

    assert f() == 0.5
