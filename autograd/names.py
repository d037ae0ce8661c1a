"""One name per node, for every view, as the course writes it.

Every view (pictures, the stepper, the player, str(step), explain, JSON) asks node_names() for
the names of a graph, so the same node has the same name everywhere.  A node is named by

    its label                      w1, z1 (what you set; .label is never changed)
    else the user's variable       C, y_hat, a1 (the variable holding it where you called)
    else the short expression      w1*x, y_hat - 0.2, sigmoid(z1) (its op on its operands' names)
    else its op and position       mul#6 (the expression is longer than MAX_EXPRESSION or taken)

Names are unique as printed by the one escaping rule of every view (_util.printable;
names.printable() gives them so): labels "a\\x00" and "a\\\\x00", which print alike, get their
positions.  The op#position form of every node is accepted wherever a name is typed (Names.find).

    scope = caller_scope()              # at a public entry point: the user's variables
    names = node_names(root, order, scope)
    names[node]                         # "C", "y_hat", "w1*x", "mul#6"
    names.kind(node)                    # "label", "variable", "expression" or "op"
"""

from __future__ import annotations

import re
import sys
import unicodedata
from collections.abc import Mapping
from types import CodeType, FrameType
from typing import Any

from ._util import printable
from .conventions import is_library_frame
from .graph import topological_order
from .value import Value

__all__ = ["MAX_EXPRESSION", "OP_WORDS", "Names", "atom", "caller_scope", "constant_text", "d",
           "float_variables", "kind", "node_names"]

# Readable words for the operator ops, used in the names of unnamed nodes (mul#5, add#7).
OP_WORDS = {"+": "add", "-": "sub", "*": "mul", "/": "div", "**": "pow"}

MAX_EXPRESSION = 20   # an expression longer than this names nothing: the node is op#position

_WORD = re.compile(r"[\w.#']+")


def kind(node: Value) -> str:
    """What made node, as the views show it: its op, or "leaf"."""
    return node.op or "leaf"


class Names(dict[Value, str]):
    """node -> its unique name in one graph (as typed: .printable() for a page or terminal).

    .kind(node) says where the name came from; .op_names[node] is node's op#position form (mul#6),
    which find() accepts too; .constants maps id(float) -> the user's variable holding that very
    float (x = 1.5; z1 = w1*x: explain writes the factor x).
    """

    def __init__(self) -> None:
        super().__init__()
        self.kinds: dict[Value, str] = {}
        self.op_names: dict[Value, str] = {}
        self.constants: dict[int, str] = {}

    def kind(self, node: Value) -> str:
        """"label" (the user set .label), "variable" (a variable of the user's code holds it),
        "expression" (the short expression that made it, w1*x) or "op" (op and position, mul#6)."""
        return self.kinds.get(node, "op")

    def printable(self) -> Names:
        """The same names as a page or a terminal shows them: what it cannot show written as
        escapes (_util.printable, the one rule of every view).  Names are unique as printed."""
        shown = Names()
        for node, name in self.items():
            shown[node] = printable(name)
        shown.kinds, shown.op_names, shown.constants = self.kinds, self.op_names, self.constants
        return shown

    def find(self, text: str) -> list[Value]:
        """The nodes text names: by name (as stored or as printed), by op#position (mul#6), or
        by label."""
        found = [n for n, name in self.items() if text in (name, printable(name))]
        if not found:
            found = [n for n, name in self.op_names.items() if name == text]
        if not found:
            found = [n for n in self if n.label and text in (n.label, printable(n.label))]
        return found


def caller_scope(frame: FrameType | None = None) -> dict[str, Any]:
    """The variables of the user's code that called into autograd, to name nodes after them.

    The user's frame is the first one, walking out from the caller, whose code is not in the
    autograd or nn packages (however deeply they call each other), or frame when given.  Its
    locals come first, then its globals (a script's or notebook's top-level variables); within
    each, in the order Python lists them (a function's arguments and locals in the order they
    appear in its code, a module's variables in the order they were first assigned).  So when
    several variables hold one node, node_names() picks the first of them, deterministically.
    A comprehension's own variables (the v of [explain(C, v) for v in ...]) name nothing: the
    names are those of the code around it, the same inside a comprehension as outside.
    """
    if frame is None:
        frame = sys._getframe(1)
        while frame is not None and is_library_frame(frame):
            frame = frame.f_back
    while frame is not None and frame.f_code.co_name in _COMPREHENSIONS:
        frame = frame.f_back  # a comprehension's own frame (Python < 3.12): the code around it
    if frame is None:
        return {}
    scope: dict[str, Any] = {}
    hidden = _comprehension_variables(frame.f_code)
    for var, obj in frame.f_locals.items():
        if var.isidentifier() and var not in hidden:  # not pytest's @py_assert1 nor .0
            scope.setdefault(var, obj)
    for var, obj in frame.f_globals.items():  # a script's or notebook's top-level variables
        if var.isidentifier():
            scope.setdefault(var, obj)
    return scope


_COMPREHENSIONS = ("<listcomp>", "<setcomp>", "<dictcomp>", "<genexpr>")
_HIDDEN_CACHE: dict[CodeType, frozenset[str]] = {}


def _comprehension_variables(code: CodeType) -> frozenset[str]:
    """The variables of comprehensions inlined into code (Python >= 3.12, PEP 709: they live in
    the frame of the code around them while they run); none before 3.12."""
    if sys.version_info < (3, 12):
        return frozenset()
    found = _HIDDEN_CACHE.get(code)
    if found is None:
        import dis  # only here: its import costs more than the rest of names.py
        found = frozenset(i.argval for i in dis.get_instructions(code)
                          if i.opname == "LOAD_FAST_AND_CLEAR")
        if len(_HIDDEN_CACHE) > 256:
            _HIDDEN_CACHE.clear()
        _HIDDEN_CACHE[code] = found
    return found


# ---------------------------------------------------------------------------------------------
# Writing names into formulas.

def atom(name: str) -> str:
    """name as one factor of a product: escaped (_util.printable), in parentheses unless it is
    one word (y_hat, layers.0.w.1, mul#6) or a call (sigmoid(z1))."""
    name = printable(name)
    return name if _WORD.fullmatch(name) or _is_call(name) else f"({name})"


def d(name: str) -> str:
    """The differential of name as the course writes it: dC, dw1, dy_hat; d(y_hat - 0.2) for an
    expression and d(one) for a plain word, which would read as another word (done)."""
    name = printable(name)
    if _WORD.fullmatch(name) and (len(name) == 1 or not name.isalpha()):
        return f"d{name}"
    return f"d({name})"


def _is_call(name: str) -> bool:
    """name is f(...) with the parentheses around everything after the word f."""
    m = re.match(r"[\w.]+\(", name)
    if not m or not name.endswith(")"):
        return False
    depth = 0
    for k in range(m.end() - 1, len(name)):
        depth += {"(": 1, ")": -1}.get(name[k], 0)
        if depth == 0:
            return k == len(name) - 1
    return False


def constant_text(c: float, constants: Mapping[int, str] | None = None) -> str:
    """A constant operand as a formula writes it: the user's variable holding that very float
    (x for x = 1.5), else the number (0.2, 2, nan)."""
    var = constants.get(id(c)) if constants else None
    if var is not None:
        return var
    return "nan" if c != c else f"{c:g}"


def float_variables(scope: Mapping[str, Any]) -> dict[int, str]:
    """id(f) -> the first variable in scope holding that very float f (names starting with "_"
    skipped): the constants constant_text writes by name (Names.constants)."""
    found: dict[int, str] = {}
    for var, obj in scope.items():
        if type(obj) is float and not var.startswith("_"):
            found.setdefault(id(obj), var)
    return found


# Binding strength of a name in an expression: a word or a call binds tightest.
_ATOM, _POW, _NEG, _MUL, _ADD, _LOOSE = 9, 4, 3, 2, 1, 0
_BINARY = {"+": (" + ", _ADD), "-": (" - ", _ADD), "*": ("*", _MUL), "/": ("/", _MUL),
           "**": ("**", _POW)}


def _strength(name: str) -> int:
    return _ATOM if _WORD.fullmatch(name) or _is_call(name) else _LOOSE


def _expression(node: Value, names: Mapping[Value, str], strengths: Mapping[Value, int],
                constants: Mapping[int, str]) -> tuple[str, int]:
    """node's op written on its operands' names ("w1*x", "y_hat - 0.2", "sigmoid(z1)") and how
    tightly it binds; operands in parentheses where the course would put them."""
    def operand(x: Any) -> tuple[str, int]:
        if isinstance(x, Value):
            return names[x], strengths[x]
        text = constant_text(x, constants)
        return text, (_NEG if text.startswith("-") else _ATOM)

    def wrap(part: tuple[str, int], at_least: int) -> str:
        return part[0] if part[1] >= at_least else f"({part[0]})"

    op, operands = node.op, [operand(x) for x in node.operands]
    if op in _BINARY and len(operands) == 2:
        symbol, s = _BINARY[op]
        a, b = operands
        if op == "**":
            return f"{wrap(a, _POW + 1)}**{wrap(b, _POW)}", _POW
        return f"{wrap(a, s)}{symbol}{wrap(b, s + 1)}", s
    if op == "neg" and len(operands) == 1:
        return f"-{wrap(operands[0], _POW)}", _NEG
    return f"{op}({', '.join(text for text, _ in operands)})", _ATOM


# ---------------------------------------------------------------------------------------------

def node_names(root: Value, order: list[Value] | None = None,
               scope: Mapping[str, Any] | None = None) -> Names:
    """A short, unique (as printed), readable name for every node of root's graph.

    A node's label when set; else the first variable in scope that holds it (names starting
    with "_" are skipped); else the short expression of its op on its operands' names (w1*x,
    y_hat - 0.2, sigmoid(z1); at most MAX_EXPRESSION characters, not a name already given, and
    only where no operand is itself named by its op: never w1*mul#3);
    else its op and topological index (mul#5, leaf#0).  Names are unique as printed: labels
    shared by several nodes all get the node's index (z1#4, z1#9); a variable whose name is some
    node's label gets its index too (the label wins); an op name already taken gets a letter
    (x#0b).
    """
    if order is None:
        order = topological_order(root)
    names = Names()
    kinds, op_names = names.kinds, names.op_names
    variables: dict[Value, str] = {}
    if scope:
        for var, obj in scope.items():
            if isinstance(obj, Value) and not var.startswith("_"):
                variables.setdefault(obj, var)
        names.constants = float_variables(scope)
    asked: dict[Value, str] = {}
    for i, node in enumerate(order):
        op_names[node] = f"{OP_WORDS.get(node.op, kind(node))}#{i}"
        if node.label:
            asked[node], kinds[node] = str(node.label), "label"  # str(): a label set to 42
        elif node in variables:
            asked[node], kinds[node] = variables[node], "variable"

    P = looks  # names are compared as printed: labels "a\x00" and "a\\x00" clash, "a " and "a" too
    labels: dict[str, int] = {}
    for node, name in asked.items():
        if kinds[node] == "label":
            labels[P(name)] = labels.get(P(name), 0) + 1
    # Who keeps the name it asked for: a label only it has, then (in topological order) each
    # variable not clashing with a label; a clash gets #index, and a name still taken gets the
    # next free letter (x, x and x#0: x#0b, x#1, x#0).  Then, in topological order (operands
    # first), each other node: its expression if short and free, else its op name.
    wanted: list[tuple[int, int, str]] = []  # (priority, index, name)
    for i, node in enumerate(order):
        if node not in asked:
            continue
        name = asked[node]
        if kinds[node] == "label":
            wanted.append((0, i, name) if labels[P(name)] == 1 else (1, i, f"{name}#{i}"))
        else:
            wanted.append((1, i, name) if name not in labels else (1, i, f"{name}#{i}"))
    taken: set[str] = set()  # names as printed
    for _, i, name in sorted(wanted, key=lambda w: w[:2]):
        if P(name) in taken:
            name += _free(P(name), taken)
        taken.add(P(name))
        names[order[i]] = name
    strengths: dict[Value, int] = {n: _strength(printable(name)) for n, name in names.items()}
    for node in order:
        if node in names:
            continue
        parents = node.parents
        if (node.op and all(kinds[p] != "op" for p in parents)
                and sum(len(names[p]) for p in parents) < MAX_EXPRESSION):  # else too long
            text, strength = _expression(node, names, strengths, names.constants)
            shown = P(text)
            if len(shown) <= MAX_EXPRESSION and shown not in taken and shown not in labels:
                names[node], kinds[node], strengths[node] = text, "expression", strength
                taken.add(shown)
                continue
        name = op_names[node]
        if name in taken:
            name += _free(name, taken)
        taken.add(name)
        names[node], kinds[node], strengths[node] = name, "op", _ATOM
    return names


def looks(text: str) -> str:
    """What text looks like where it is shown, the key names are told apart by: escaped
    (_util.printable), in Unicode's composed form (an e and a combining accent is the one
    character é) and without the spaces at either end that no view shows."""
    return unicodedata.normalize("NFC", printable(text)).strip()


def given_names(root: Value, order: list[Value], scope: Mapping[str, Any],
                names: Mapping[Value, str] | None, who: str) -> Mapping[Value, str]:
    """The names of a view given names=: names itself when it names every node of order (a
    view's own, the stepper's); else node_names() with names' entries put over them, which must
    leave no two nodes named alike (a ValueError from who, naming the name)."""
    if names is not None and all(n in names for n in order):
        return names
    computed = node_names(root, order, scope)
    if not names:
        return computed
    merged = Names()
    merged.update(computed)
    merged.kinds.update(computed.kinds)
    merged.op_names, merged.constants = computed.op_names, computed.constants
    merged.update((n, str(name)) for n, name in names.items() if n in merged)
    taken: dict[str, Value] = {}
    for n in order:
        if taken.setdefault(merged[n], n) is not n:
            raise ValueError(f"{who}(..., names=...): the name {merged[n]!r} would stand for two "
                             f"nodes of the graph; give names that differ")
    return merged


def _free(name: str, taken: set[str]) -> str:
    """The first letter b, c, ... z (then _27, _28, ...) that makes name + it not taken."""
    for letter in "bcdefghijklmnopqrstuvwxyz":
        if name + letter not in taken:
            return letter
    k = 27
    while f"{name}_{k}" in taken:
        k += 1
    return f"_{k}"
