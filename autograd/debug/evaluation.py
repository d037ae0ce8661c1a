"""Python at the stepper's prompt, as pdb runs it: in the frame that called backward().

    source, bound = substitute("$mul#4.grad * 2", words)   # -> "__node0__.grad * 2", {...}
    scope = namespace(frame, frame_locals, nodes)          # the frame first, node names fill gaps
    write_back(frame, frame_locals)                        # `!lr = 0.5` reaches a function's lr

Node names that Python cannot read (`mul#4`, where # starts a comment; nn's dotted labels such
as `layers.0.neurons.0.w.0`) are replaced by the node before Python sees the text, and so is
`$NAME`, the way to name any node, even one whose name a variable of the frame also has.  Names
the frame or the builtins define are never shadowed by a node's name (a node labelled `sum`
leaves the builtin `sum` alone: `$sum` is the node).
"""

from __future__ import annotations

import builtins
import ctypes
import functools
import inspect
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from types import FrameType
from typing import Any, TextIO

__all__ = ["keep_stdin_open", "namespace", "readable_by_python", "substitute", "write_back"]

PLACEHOLDER = "__node{}__"


def _word_char(c: str) -> bool:
    return c.isalnum() or c == "_"


@functools.lru_cache(maxsize=1 << 16)
def readable_by_python(name: str) -> bool:
    """Whether Python reads name as the expression it looks like: `w1`, `y_hat - 0.2`; not
    `mul#4` (a comment) nor `layers.0.w.1` (a syntax error)."""
    if name.isidentifier():
        return True
    if "#" in name:
        return False
    try:
        compile(name, "<name>", "eval")
    except SyntaxError:
        return False
    return True


def _string_end(source: str, i: int) -> int:
    """The index just past the string literal that starts at source[i] (a quote)."""
    quote = source[i:i + 3] if source[i:i + 3] in ('"""', "'''") else source[i]
    j = i + len(quote)
    while j < len(source):
        if source[j] == "\\":
            j += 2
            continue
        if source.startswith(quote, j):
            return j + len(quote)
        j += 1
    return len(source)


def _name_at(source: str, i: int, words: Mapping[str, Any], only: set[str] | None) -> str | None:
    """The longest word of words (of only, when given) that source has at i as a whole word."""
    best = None
    for word in (only if only is not None else words):
        if (source.startswith(word, i) and (best is None or len(word) > len(best))
                and not (_word_char(word[-1]) and _word_char(source[i + len(word):i + len(word) + 1]))):
            best = word
    return best


def substitute(source: str, words: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """source with each `$NAME`, and each name of words that Python cannot read, replaced by a
    variable bound to words[name] (returned as a dict); a `$` naming no word is a NameError."""
    unreadable = {word for word in words if not readable_by_python(word)}
    out: list[str] = []
    bound: dict[str, Any] = {}
    slots: dict[str, str] = {}

    def bind(word: str) -> str:
        if word not in slots:
            slots[word] = PLACEHOLDER.format(len(slots))
            bound[slots[word]] = words[word]
        return slots[word]

    i = 0
    while i < len(source):
        c = source[i]
        if c in "'\"":
            end = _string_end(source, i)
            out.append(source[i:end])
            i = end
            continue
        at_start = i == 0 or not (_word_char(source[i - 1]) or source[i - 1] == ".")
        if c == "$":
            word = _name_at(source, i + 1, words, None)
            if word is None:
                typed = (source[i + 1:].split() or [""])[0]
                raise NameError(f"no node named {typed!r} here ($NAME takes the name or label "
                                f"of a node of this pass)")
            out.append(bind(word))
            i += 1 + len(word)
            continue
        if at_start and unreadable:
            word = _name_at(source, i, words, unreadable)
            if word is not None:
                out.append(bind(word))
                i += len(word)
                continue
        out.append(c)
        i += 1
    return "".join(out), bound


def namespace(frame: FrameType, frame_locals: Mapping[str, Any],
              nodes: Mapping[str, Any]) -> dict[str, Any]:
    """The globals Python runs with: the frame's globals and locals, and each node name of
    nodes that neither they nor the builtins define."""
    globals_ = frame.f_globals
    defined = globals_.get("__builtins__", builtins)
    if not isinstance(defined, dict):  # a module's __builtins__ may be the module itself
        defined = vars(defined)
    gaps = {name: node for name, node in nodes.items()
            if name not in frame_locals and name not in globals_ and name not in defined}
    return {**gaps, **globals_, **frame_locals}


def write_back(frame: FrameType, assigned: Any) -> None:
    """Make what Python at the prompt assigned in frame.f_locals (assigned) the function's own
    variables, as pdb does: PyFrame_LocalsToFast on Python 3.10-3.12 (from 3.13, PEP 667,
    f_locals writes through by itself).  Nothing to do for a module's frame, whose locals are
    its globals."""
    if sys.version_info >= (3, 13) or not frame.f_code.co_flags & inspect.CO_OPTIMIZED:
        return
    pending = dict(assigned)
    fresh = frame.f_locals  # the same dict, read again from the variables (which arms LocalsToFast)
    fresh.clear()
    fresh.update(pending)
    clear = sys.version_info < (3, 12)  # `!del x` unbinds x (3.12 would set it to None instead)
    ctypes.pythonapi.PyFrame_LocalsToFast(ctypes.py_object(frame), ctypes.c_int(clear))


class _Unclosable:
    """sys.stdin while Python runs at the prompt: exit() closes sys.stdin before it raises
    SystemExit, which would end the prompt's own input."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def close(self) -> None:
        pass

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)

    def __iter__(self) -> Iterator[str]:
        return iter(self._stream)


@contextmanager
def keep_stdin_open() -> Iterator[None]:
    """While active, sys.stdin.close() does nothing (sys.stdin is put back after, unless the
    code run meanwhile set it to something else)."""
    saved = sys.stdin
    guard = _Unclosable(saved) if saved is not None else None
    sys.stdin = guard
    try:
        yield
    finally:
        if sys.stdin is guard:
            sys.stdin = saved
