"""A griffe extension for the API reference: what the source's text alone does not show.

mkdocstrings reads the code statically (griffe), which is what gives signatures with their types
in source order.  Two things of chainrule's classes exist only when the code runs:
- the methods made by `primitive(...)` in a class body (Value's operators and exp, log, tanh, ...):
  griffe sees an assignment, or nothing for `__add__, __radd__ = primitive(...)`; here each
  becomes a method with its signature and the docstring `primitive(..., doc=...)` gave it;
- the docstrings of `__slots__` given as a dict (Value.data, .grad, .label, .op), and of
  properties made by `property(getter, doc=...)` (TwoNodeNetwork.z1, ...).
Everything else stays as griffe read it.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import types

import griffe

PACKAGES = ("autograd", "nn")


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
                        and isinstance(stmt.value.func, ast.Name) and stmt.value.func.id == "primitive"):
                    for target in stmt.targets:
                        names = target.elts if isinstance(target, ast.Tuple) else [target]
                        for name in names:
                            if isinstance(name, ast.Name):
                                lines[name.id] = stmt.lineno
            return lines
    return {}


class RuntimeMembers(griffe.Extension):
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
                params = [griffe.Parameter(p.name, kind=griffe.ParameterKind.positional_or_keyword,
                                           annotation=None if p.name == "self" else "Value | float")
                          for p in inspect.signature(value).parameters.values()]
                func = griffe.Function(name, lineno=made[name], endlineno=made[name],
                                       parameters=griffe.Parameters(*params), returns="Value")
                func.docstring = griffe.Docstring(inspect.cleandoc(value.__doc__ or ""), parent=func)
                cls.set_member(name, func)
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
