"""Value: construction, attributes, every operator and method, comparisons, repr and errors."""

import math
import operator
from fractions import Fraction

import pytest

from autograd import Value

UNARY_METHODS = ["exp", "log", "tanh", "sigmoid", "relu", "sqrt", "sin", "cos"]


# -- construction ---------------------------------------------------------------------------------

@pytest.mark.parametrize("data, expected", [
    (2.5, 2.5), (3, 3.0), (-7, -7.0), (True, 1.0), (False, 0.0), (Fraction(1, 4), 0.25),
    (math.inf, math.inf), (-0.0, -0.0),
])
def test_data_is_stored_as_a_python_float(data, expected):
    v = Value(data)
    assert type(v.data) is float
    assert v.data == expected


def test_data_nan_is_kept():
    assert math.isnan(Value(math.nan).data)


def test_int_beyond_float_range_becomes_infinity_instead_of_raising():
    assert Value(10**400).data == math.inf
    assert Value(-10**400).data == -math.inf


def test_fraction_beyond_float_range_becomes_infinity():
    assert Value(Fraction(-10**400, 3)).data == -math.inf


def test_new_value_is_a_leaf_with_zero_grad_and_empty_label():
    v = Value(1.5)
    assert v.grad == 0.0 and type(v.grad) is float
    assert v.label == ""
    assert v.op == ""
    assert v.parents == ()
    assert v.local == ()
    assert v.operands == ()


def test_label_is_stored():
    assert Value(1.0, label="w1").label == "w1"
    assert Value(1.0, "b").label == "b"


def test_numpy_scalars_and_size_one_arrays_are_accepted():
    np = pytest.importorskip("numpy")
    assert Value(np.float64(2.5)).data == 2.5
    assert Value(np.int64(3)).data == 3.0
    assert Value(np.float32(0.5)).data == 0.5
    assert Value(np.array(1.5)).data == 1.5
    assert Value(np.array([[4.0]])).data == 4.0
    assert type(Value(np.float64(2.5)).data) is float


def test_value_has_slots_and_no_instance_dict():
    v = Value(1.0)
    assert not hasattr(v, "__dict__")
    with pytest.raises(AttributeError):
        v.something = 1


# -- construction errors name the type -------------------------------------------------------------

@pytest.mark.parametrize("bad, type_name", [
    ("abc", "str"), (None, "NoneType"), (1 + 2j, "complex"), ([1.0], "list"), ((1.0,), "tuple"),
    ({"x": 1}, "dict"), (b"1", "bytes"),
])
def test_value_of_a_non_number_raises_type_error_naming_the_type(bad, type_name):
    with pytest.raises(TypeError, match=rf"Value\(\) needs a number.*got {type_name}\b"):
        Value(bad)


def test_value_of_a_string_shows_the_string():
    with pytest.raises(TypeError, match="got str 'abc'"):
        Value("abc")


def test_value_of_a_value_raises_and_says_what_to_do():
    with pytest.raises(TypeError, match=r"got a Value.*detach\(\)"):
        Value(Value(1.0))


def test_value_of_a_numpy_array_of_size_two_raises_type_error_naming_the_type():
    np = pytest.importorskip("numpy")
    with pytest.raises(TypeError, match="got ndarray"):
        Value(np.array([1.0, 2.0]))


def test_value_of_an_empty_or_complex_numpy_array_raises_type_error():
    np = pytest.importorskip("numpy")
    with pytest.raises(TypeError, match="got ndarray"):
        Value(np.array([], dtype=float))
    with pytest.raises(TypeError, match="got ndarray"):
        Value(np.array([1 + 2j]))


@pytest.mark.parametrize("bad, type_name", [(3, "int"), (None, "NoneType"), (b"w", "bytes")])
def test_label_that_is_not_a_str_raises_type_error_naming_the_type(bad, type_name):
    with pytest.raises(TypeError, match=rf"label must be a str, got {type_name}\b"):
        Value(1.0, label=bad)


# -- binary operators ------------------------------------------------------------------------------

BINARY = [
    ("+", operator.add, 6.0, 2.0, 8.0),
    ("-", operator.sub, 6.0, 2.0, 4.0),
    ("*", operator.mul, 6.0, 2.0, 12.0),
    ("/", operator.truediv, 6.0, 2.0, 3.0),
    ("**", operator.pow, 6.0, 2.0, 36.0),
]


@pytest.mark.parametrize("name, op, a, b, expected", BINARY)
def test_value_op_value(name, op, a, b, expected):
    x, y = Value(a), Value(b)
    out = op(x, y)
    assert isinstance(out, Value)
    assert out.data == expected
    assert out.op == name
    assert out.parents == (x, y)
    assert out.operands == (x, y)
    assert len(out.local) == 2


@pytest.mark.parametrize("name, op, a, b, expected", BINARY)
@pytest.mark.parametrize("constant_type", [float, int])
def test_value_op_number_keeps_the_number_as_a_constant_not_a_parent(name, op, a, b, expected,
                                                                    constant_type):
    x = Value(a)
    out = op(x, constant_type(b))
    assert out.data == expected
    assert out.op == name
    assert out.parents == (x,)
    assert out.operands == (x, b)
    assert type(out.operands[1]) is float
    assert len(out.local) == 1


@pytest.mark.parametrize("name, op, a, b, expected", BINARY)
@pytest.mark.parametrize("constant_type", [float, int])
def test_number_op_value_keeps_operand_order(name, op, a, b, expected, constant_type):
    y = Value(b)
    out = op(constant_type(a), y)
    assert isinstance(out, Value)
    assert out.data == expected
    assert out.op == name
    assert out.parents == (y,)
    assert out.operands == (a, y)
    assert len(out.local) == 1


def test_bool_operands_count_as_numbers():
    x = Value(2.0)
    assert (x + True).data == 3.0
    assert (True * x).data == 2.0


def test_numpy_scalar_operands_on_either_side():
    np = pytest.importorskip("numpy")
    x = Value(3.0)
    assert (x * np.float64(2.0)).data == 6.0
    out = np.float64(2.0) ** x
    assert isinstance(out, Value) and out.data == 8.0


def test_product_of_a_value_with_itself_has_it_twice_as_parent():
    a = Value(3.0)
    out = a * a
    assert out.parents == (a, a)
    assert out.local == (3.0, 3.0)


def test_augmented_assignment_makes_a_new_node():
    a = Value(1.0)
    c = a
    c += 2.0
    assert c is not a
    assert a.data == 1.0 and c.data == 3.0
    assert c.parents == (a,)


def test_value_pow_value_depends_on_base_and_exponent():
    a, b = Value(2.0), Value(3.0)
    out = a ** b
    assert out.data == 8.0
    assert out.parents == (a, b)
    assert out.local == (12.0, 8.0 * math.log(2.0))


def test_number_pow_value_depends_on_the_exponent():
    b = Value(3.0)
    out = 2 ** b
    assert out.data == 8.0
    assert out.parents == (b,)
    assert out.local == (8.0 * math.log(2.0),)


# -- unary operators and methods -------------------------------------------------------------------

def test_negation():
    x = Value(2.0)
    out = -x
    assert out.data == -2.0
    assert out.op == "neg"
    assert out.parents == (x,)


def test_abs():
    x = Value(-2.5)
    out = abs(x)
    assert out.data == 2.5
    assert out.op == "abs"
    assert out.parents == (x,)


def test_unary_plus_is_the_same_value():
    x = Value(2.0)
    assert +x is x


@pytest.mark.parametrize("method, x, expected", [
    ("exp", 1.0, math.exp(1.0)), ("log", 2.0, math.log(2.0)), ("tanh", 0.5, math.tanh(0.5)),
    ("sigmoid", 0.0, 0.5), ("relu", -3.0, 0.0), ("relu", 3.0, 3.0), ("sqrt", 9.0, 3.0),
    ("sin", 1.0, math.sin(1.0)), ("cos", 1.0, math.cos(1.0)),
])
def test_method_computes_the_function_as_one_node(method, x, expected):
    v = Value(x)
    out = getattr(v, method)()
    assert out.data == expected
    assert out.op == method
    assert out.parents == (v,)
    assert len(out.local) == 1


def test_every_method_of_the_api_exists():
    for name in UNARY_METHODS + ["backward", "zero_grad", "detach"]:
        assert callable(getattr(Value, name))


def test_sigmoid_is_one_over_one_plus_exp_minus_x():
    for x in [-5.0, -1.0, 0.3, 2.0, 30.0]:
        assert Value(x).sigmoid().data == pytest.approx(1.0 / (1.0 + math.exp(-x)), rel=1e-15)


def test_ops_result_labels_are_empty():
    x = Value(1.0, label="x")
    assert (x + 1).label == ""
    assert x.tanh().label == ""


def test_chained_expression_builds_the_expected_graph():
    x, w, b = Value(2.0, "x"), Value(-3.0, "w"), Value(1.0, "b")
    z = w * x + b
    y = z.tanh()
    assert y.parents == (z,)
    assert z.op == "+"
    (wx, b2) = z.parents
    assert b2 is b
    assert wx.parents == (w, x)
    assert y.data == math.tanh(-5.0)


# -- operator errors -------------------------------------------------------------------------------

@pytest.mark.parametrize("op", [operator.add, operator.sub, operator.mul, operator.truediv,
                                operator.pow])
@pytest.mark.parametrize("bad, type_name", [("a", "str"), (None, "NoneType"), ([1.0], "list"),
                                            (1j, "complex")])
def test_operator_with_a_non_number_raises_type_error_naming_the_type(op, bad, type_name):
    if op is operator.mul and type_name in ("str", "list"):
        # Python tries sequence repetition last: "can't multiply sequence by non-int of type
        # 'Value'", a standard message that names the Value side instead.
        with pytest.raises(TypeError, match="sequence"):
            op(Value(1.0), bad)
        return
    with pytest.raises(TypeError, match=type_name):
        op(Value(1.0), bad)


@pytest.mark.parametrize("op", [operator.add, operator.sub, operator.mul, operator.truediv,
                                operator.pow])
@pytest.mark.parametrize("bad", ["a", None, [1.0], 1j])
def test_operator_with_a_non_number_on_the_left_raises_type_error(op, bad):
    # The reflected methods return NotImplemented (so other types can take over), and Python
    # then raises; its message names the type except for sequence repetition ("a" * v).
    with pytest.raises(TypeError):
        op(bad, Value(1.0))


# -- float, comparisons, equality, hashing ---------------------------------------------------------

def test_float_gives_data():
    assert float(Value(2.5)) == 2.5
    assert type(float(Value(2))) is float


@pytest.mark.parametrize("op, expected", [(operator.lt, True), (operator.le, True),
                                          (operator.gt, False), (operator.ge, False)])
def test_comparisons_compare_data_and_return_bool(op, expected):
    small, big = Value(1.0), Value(2.0)
    for other in (big, 2.0, 2):
        result = op(small, other)
        assert type(result) is bool
        assert result is expected


@pytest.mark.parametrize("op, expected", [(operator.lt, False), (operator.le, False),
                                          (operator.gt, True), (operator.ge, True)])
def test_comparisons_with_the_number_on_the_left(op, expected):
    result = op(3.0, Value(1.0))
    assert type(result) is bool
    assert result is expected


def test_equal_data_compares_le_and_ge_true_and_lt_gt_false():
    a, b = Value(1.0), Value(1.0)
    assert a <= b and a >= b
    assert not a < b and not a > b


def test_comparisons_with_nan_are_false():
    n = Value(math.nan)
    assert not n < 1.0 and not n <= 1.0 and not n > 1.0 and not n >= 1.0


@pytest.mark.parametrize("op", [operator.lt, operator.le, operator.gt, operator.ge])
def test_comparison_with_a_non_number_raises_type_error_naming_the_type(op):
    with pytest.raises(TypeError, match="str 'a'"):
        op(Value(1.0), "a")
    with pytest.raises(TypeError, match="NoneType"):
        op(Value(1.0), None)


def test_equality_is_identity_not_data():
    a, b = Value(1.0), Value(1.0)
    assert a == a
    assert not (a == b)
    assert a != b
    assert not (a == 1.0)


def test_values_key_dicts_and_sets_by_identity():
    a, b = Value(1.0), Value(1.0)
    d = {a: "a", b: "b"}
    assert d[a] == "a" and d[b] == "b"
    assert len({a, b, a}) == 2
    assert hash(a) == hash(a)


# -- repr and format -------------------------------------------------------------------------------

def test_repr_without_label():
    assert repr(Value(2.0)) == "Value(data=2.0, grad=0.0)"


def test_repr_with_label():
    v = Value(-1.5, label="w1")
    v.grad = 0.25
    assert repr(v) == "Value(data=-1.5, grad=0.25, label='w1')"


def test_repr_of_non_finite_numbers():
    assert repr(Value(math.inf)) == "Value(data=inf, grad=0.0)"
    assert repr(Value(math.nan)) == "Value(data=nan, grad=0.0)"


def test_format_spec_formats_data():
    assert f"{Value(2.0 / 3.0):.3f}" == "0.667"


# -- detach ----------------------------------------------------------------------------------------

def test_detach_is_a_new_leaf_with_the_same_data_and_label():
    x = Value(2.0, label="x")
    y = (x * 3.0).tanh()
    y.label = "y"
    d = y.detach()
    assert d is not y
    assert d.data == y.data
    assert d.label == "y"
    assert d.op == ""
    assert d.parents == ()
    assert d.grad == 0.0


def test_detach_does_not_copy_grad():
    x = Value(2.0)
    x.grad = 5.0
    assert x.detach().grad == 0.0


def test_help_on_value_explains_its_attributes_and_each_ops_derivative():
    import pydoc
    text = pydoc.render_doc(Value, renderer=pydoc.plaintext)
    assert "The number this node holds" in text and "d root / d self summed by backward()" in text
    assert "derivative sigmoid * (1 - sigmoid), the course's sigmoid'(z)" in text
    assert "d/dself = other, d/dother = self." in (Value.__mul__.__doc__ or "")
    assert Value.__rmul__.__doc__ == Value.__mul__.__doc__


# -- the generic functions rules are written with ------------------------------------------------

def test_generic_helpers_give_floats_on_floats():
    import autograd.value as vops
    assert vops.step(2.0) == 1.0 and vops.step(0.0) == 0.0 and vops.step(-1) == 0.0
    assert vops.sign(-3.0) == -1.0 and vops.sign(0.0) == 0.0 and vops.sign(math.nan) == 0.0
    assert vops.mul0(0.0, math.inf) == 0.0 and vops.mul0(2.0, 3.0) == 6.0
    assert math.isnan(vops.mul0(math.nan, 0.0))
    assert vops.xlogy(0.0, 0.0) == 0.0 and vops.xlogy(2.0, math.e) == 2.0
    assert vops.powlog(0.0, 0.0, 2.0) == 0.0 and vops.powlog(1.0, 0.0, 0.0) == 0.0
    assert math.isnan(vops.powlog(0.0, -0.5, 1100.0))
    assert type(vops.exp(1)) is float


def test_generic_helpers_give_nodes_on_values():
    import autograd.value as vops
    x = Value(-2.0)
    for f, op in [(vops.step, "step"), (vops.sign, "sign"), (vops.exp, "exp")]:
        y = f(x)
        assert isinstance(y, Value) and y.op == op and y.parents == (x,)
    assert vops.sign(x).data == -1.0 and vops.step(x).data == 0.0
    y = vops.mul0(x, 3.0)
    assert y.op == "mul0" and y.data == -6.0 and y.parents == (x,) and y.local == (3.0,)
    y = vops.mul0(3.0, x)
    assert y.data == -6.0 and y.parents == (x,) and y.local == (3.0,)


def test_generic_helpers_call_the_method_of_the_same_name_on_anything_else():
    # the Tape's symbols (or any other type) get the op by a method of the same name, called
    # with all the operands in order
    import autograd.value as vops

    class Sym:
        def __init__(self, text):
            self.text = text

        def step(self):
            return Sym(f"step({self.text})")

        def log_base(a, b):
            return Sym(f"log_base({getattr(a, 'text', a)!s}, {getattr(b, 'text', b)!s})")

    assert vops.step(Sym("a")).text == "step(a)"
    assert vops.log_base(2.0, Sym("b")).text == "log_base(2.0, b)"
    assert vops.log_base(Sym("a"), 2.0).text == "log_base(a, 2.0)"
    with pytest.raises(TypeError, match="sign"):
        vops.sign(Sym("a"))


def test_op_is_read_only_and_says_why():
    # the op names the rules every pass reads: changing it would make them read another op's
    x = Value(2.0)
    y = x * x
    with pytest.raises(AttributeError, match=r"Value.op is read-only.*'\*'"):
        y.op = "hack"
    assert y.op == "*"
    y.backward()
    assert x.grad == 4.0
