"""A griffe extension for the API reference: what the source's text alone does not show.

mkdocstrings reads the code statically (griffe), which is what gives signatures with their types
in source order.  Three things exist only when the code runs:
- the methods made by `primitive(...)` in a class body (or by value.py's `_register(...)`, which
  calls it: Value's operators and exp, log, tanh, ...): griffe sees an assignment, or nothing for
  `__add__, __radd__ = _register(...)`; here each becomes a method with its signature and the
  docstring `doc=...` gave it;
- the docstrings of `__slots__` given as a dict (Value.data, .grad, .label, .op), and of
  properties made by `property(getter, doc=...)` (TwoNodeNetwork.z1, ...);
- the functions a module gets from `primitive(...)` and lists in `__all__` (autograd.ops' exp,
  log, ...): griffe sees `exp = _value.exp`, an attribute; here each becomes a function with the
  signature and docstring it has when the code runs.
Everything else stays as griffe read it.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import types

import griffe

PACKAGES = ("autograd", "nn")
MAKERS = ("primitive", "_register")  # value.py's class body: _register(...) is primitive(...) + methods


def _primitive_lines(cls: griffe.Class) -> dict[str, int]:
    """name -> line of the `primitive(...)` statement that makes it, in this class's body."""
    try:
        tree = ast.parse(cls.module.filepath.read_text(encoding="utf-8"))  # type: ignore[union-attr]
    except (OSError, AttributeError, SyntaxError):
        return {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and node.name == cls.name and node.lineno == cls.lineno:
            lines = {}
            for stmt in node.body:
                if (isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Call)
                        and isinstance(stmt.value.func, ast.Name) and stmt.value.func.id in MAKERS):
                    for target in stmt.targets:
                        names = target.elts if isinstance(target, ast.Tuple) else [target]
                        for name in names:
                            if isinstance(name, ast.Name):
                                lines[name.id] = stmt.lineno
            return lines
    return {}


def _function(name: str, value: types.FunctionType, lineno: int | None, *, method: bool) -> griffe.Function:
    """A griffe function for a function made at run time: its parameters (operands typed
    Value | float), its return type and its docstring."""
    params = [griffe.Parameter(p.name, kind=griffe.ParameterKind.positional_or_keyword,
                               annotation=None if method and p.name == "self" else "Value | float")
              for p in inspect.signature(value).parameters.values()]
    func = griffe.Function(name, lineno=lineno, endlineno=lineno, parameters=griffe.Parameters(*params),
                           returns="Value" if method else "Value | float")
    func.docstring = griffe.Docstring(inspect.cleandoc(value.__doc__ or ""), parent=func)
    return func


class RuntimeMembers(griffe.Extension):
    def on_module(self, *, mod: griffe.Module, loader: griffe.GriffeLoader, **kwargs) -> None:
        if mod.package.name not in PACKAGES:
            return
        try:
            runtime = importlib.import_module(mod.path)
        except ImportError:
            return
        for name in getattr(runtime, "__all__", ()):
            value = getattr(runtime, name, None)
            member = mod.members.get(name)
            if (isinstance(value, types.FunctionType) and hasattr(value, "__chainrule_op__")
                    and isinstance(member, griffe.Attribute)):
                mod.set_member(name, _function(name, value, member.lineno, method=False))

    def on_class(self, *, cls: griffe.Class, loader: griffe.GriffeLoader, **kwargs) -> None:
        if cls.package.name not in PACKAGES:
            return
        try:
            runtime = getattr(importlib.import_module(cls.module.path), cls.name)
        except (ImportError, AttributeError):
            return
        made = _primitive_lines(cls)
        slots = vars(runtime).get("__slots__")
        slot_docs = slots if isinstance(slots, dict) else {}
        for name, value in vars(runtime).items():
            if name in made and isinstance(value, types.FunctionType):
                cls.set_member(name, _function(name, value, made[name], method=True))
            elif (isinstance(value, property) and value.__doc__ and name in cls.members
                  and not cls.members[name].docstring):  # x = property(getter, doc=...)
                member = cls.members[name]
                member.docstring = griffe.Docstring(inspect.cleandoc(value.__doc__), parent=member)
            elif (isinstance(value, types.MemberDescriptorType) and slot_docs.get(name)
                  and name in cls.members and not cls.members[name].docstring):
                member = cls.members[name]  # help() reads a slot's doc from __slots__ too
                member.docstring = griffe.Docstring(slot_docs[name], parent=member)
        if made:  # the methods added last go where their statements stand (members_order: source)
            members = sorted(cls.members.items(), key=lambda item: item[1].lineno or 0)
            cls.members.clear()
            cls.members.update(members)
