"""Recording: a graph's ops as a flat program, cut into chunks of repeated structure.

Named steps, each a function below:

1. slots(root): every node a slot, leaves first (0..L-1), then the op nodes in topological
   order (L..N-1); constants are not slots.
2. instructions(ops, slot): per op node an Instr(op, a, b), each operand an Operand: a slot or a
   constant.
3. cuts(instrs, n_leaves): chunk bounds, each chunk ending at the node of smallest shape hash
   among its possible ends, so wherever the structure repeats (the same network on each example,
   the links of a chain) so do the cuts.
4. chunk_structure(...): one chunk's Structure: per node (op, a, b) with operands as Refs
   relative to the chunk (Ref("t", k) its node k, Ref("x", i) its external operand i, Ref("c", j)
   its constant j), its external slots E and its constants K.  The structure, not the numbers,
   is the key of compiled code (codegen.py), so repeated chunks share one compiled function.

A Chunk replays through the compiled Code of its structure; a structure seen once is first run
by a small interpreter over the same registry functions (the same float operations in the same
order, so the same numbers) and compiled once it has been replayed COMPILE_AFTER times: recording
an irregular graph costs a few rebuilds of it, not a compile of every node.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any, NamedTuple

from .. import value as _value
from ..value import Value
from . import codegen

__all__ = ["Operand", "Instr", "Ref", "Chunk", "Recording", "slots", "instructions", "cuts",
           "chunk_structure", "record", "getter", "MIN_CHUNK", "MAX_CHUNK", "COMPILE_AFTER"]

MIN_CHUNK = 64
MAX_CHUNK = 600
COMPILE_AFTER = 3  # replays of a chunk run by the interpreter before its code is compiled
ROOT = 2           # escaping flag of the root: its gradient is the seed


class Operand(NamedTuple):
    """An op's operand in the whole recording: slot >= 0, or a constant (slot -1, its value)."""
    slot: int
    constant: float = 0.0


class Instr(NamedTuple):
    """One op node: its op name and operands (b is None for a unary op)."""
    op: str
    a: Operand
    b: Operand | None


class Ref(NamedTuple):
    """An operand inside a chunk: kind "t" (the chunk's node index), "x" (its external operand
    index) or "c" (its constant index); name is the variable the generated code uses."""
    kind: str
    number: int

    @property
    def name(self) -> str:
        return f"{self.kind}{self.number}"


Structure = tuple[tuple[str, Ref, "Ref | None"], ...]


# ---------------------------------------------------------------------------------------------
# 1-3: slots, instructions, cuts

def slots(order: list[Value]) -> tuple[list[Value], list[Value], dict[Value, int]]:
    """(leaves, op nodes, slot of each node): leaves first, then the ops in topological order."""
    leaves = [node for node in order if not node.op]
    ops = [node for node in order if node.op]
    slot = {node: i for i, node in enumerate(leaves)}
    slot.update((node, i) for i, node in enumerate(ops, len(leaves)))
    return leaves, ops, slot


def instructions(ops: list[Value], slot: dict[Value, int]) -> list[Instr]:
    """Each op node as an Instr (one Operand object per slot and per constant, shared)."""
    made: dict[Any, Operand] = {}

    def operand(x: Any) -> Operand:
        if isinstance(x, Value):
            found = made.get(x)
            if found is None:
                found = made[x] = Operand(slot[x])
            return found
        key = repr(x)
        found = made.get(key)
        if found is None:
            found = made[key] = Operand(-1, float(x))
        return found
    out = []
    for node in ops:
        xs = node.operands
        out.append(Instr(node.op, operand(xs[0]), operand(xs[1]) if len(xs) > 1 else None))
    return out


def _shape_hashes(instrs: list[Instr], n_leaves: int) -> list[int]:
    """A hash of each node's shape (op, the previous op, its operands' distances), the same
    wherever the structure repeats."""
    hashes = []
    before = ""
    for s, (op, a, b) in enumerate(instrs, n_leaves):
        da = s - a.slot if a.slot >= n_leaves else -1 if a.slot >= 0 else -2
        db = None if b is None else s - b.slot if b.slot >= n_leaves else -1 if b.slot >= 0 else -2
        hashes.append(hash((op, before, da, db)))
        before = op
    return hashes


def cuts(instrs: list[Instr], n_leaves: int) -> list[tuple[int, int]]:
    """Chunk bounds (start, end) over the op slots."""
    n = n_leaves + len(instrs)
    hashes = _shape_hashes(instrs, n_leaves)
    bounds = []
    start = n_leaves
    while start < n:
        if n - start <= MAX_CHUNK:
            end = n
        else:
            window = hashes[start - n_leaves + MIN_CHUNK - 1:start - n_leaves + MAX_CHUNK]
            end = start + MIN_CHUNK + window.index(min(window))
        bounds.append((start, end))
        start = end
    return bounds


# ---------------------------------------------------------------------------------------------
# 4: a chunk's structure

_refs: dict[tuple[str, int], Ref] = {}


def _ref(kind: str, number: int) -> Ref:
    """The one Ref of (kind, number): chunks share them (numbers are chunk-local, so few)."""
    found = _refs.get((kind, number))
    if found is None:
        found = _refs[(kind, number)] = Ref(kind, number)
    return found


def chunk_structure(instrs: list[Instr], n_leaves: int, start: int, end: int
                    ) -> tuple[Structure, tuple[int, ...], tuple[float, ...]]:
    """(structure, external slots E, constants K) of the chunk of slots start..end-1."""
    ext: dict[int, int] = {}
    consts: dict[str, int] = {}  # by repr: 0.0 and -0.0 differ, nan is one constant
    K: list[float] = []

    def ref(x: Operand) -> Ref:
        if x.slot >= start:
            return _ref("t", x.slot - start)
        if x.slot >= 0:
            return _ref("x", ext.setdefault(x.slot, len(ext)))
        key = repr(x.constant)
        if key not in consts:
            consts[key] = len(K)
            K.append(x.constant)
        return _ref("c", consts[key])

    nodes = [(op, ref(a), None if b is None else ref(b))
             for op, a, b in instrs[start - n_leaves:end - n_leaves]]
    return tuple(nodes), tuple(ext), tuple(K)


# ---------------------------------------------------------------------------------------------
# Chunks: the interpreter, then compiled code

class Chunk:
    """Nodes start..start+size-1: forward(X, K), backward(T, X, E, G, o, K) and local(T, X, K)
    (codegen.py), their external operands' slots E and their constants K."""

    __slots__ = ("start", "size", "E", "K", "get", "structure", "escaping", "key", "templates",
                 "code", "forward", "backward", "local", "_runs", "_program")

    def __init__(self, start: int, structure: Structure, escaping: bytes, E: tuple[int, ...],
                 K: tuple[float, ...], key: tuple, templates: codegen.Templates) -> None:
        self.start, self.size, self.E, self.K = start, len(structure), E, K
        self.get = getter(E)
        self.structure, self.escaping, self.key, self.templates = structure, escaping, key, templates
        self.code: codegen.Code | None = None
        self._runs = 0
        self._program: list[tuple] | None = None
        self.forward: Callable[..., Any] = self._interpret_forward
        self.backward: Callable[..., Any] = self._interpret_backward
        self.local: Callable[..., Any] = self._interpret_local

    def source(self) -> str:
        """The generated Python of this chunk."""
        return self.compile().source

    def compile(self) -> codegen.Code:
        """Use compiled code from now on (compiled now unless a chunk alike holds it)."""
        code = self.code
        if code is None:
            code = self.code = codegen.compiled(
                self.key, lambda: codegen.chunk_source(self.structure, self.escaping,
                                                       self.templates, len(self.E), len(self.K),
                                                       ROOT), self.templates)
            self.forward, self.backward, self.local = code.forward, code.backward, code.local
            self._program = None
        return code

    # -- the interpreter: the registry's float functions, in the compiled code's order --------
    def _prepared(self) -> list[tuple]:
        program = self._program
        if program is None:
            n_x, n_k = len(self.E), len(self.K)

            def index(r: Ref | None) -> int:
                if r is None:
                    return -1
                return r.number if r.kind == "x" else n_x + r.number if r.kind == "c" \
                    else n_x + n_k + r.number
            program = []
            for op, a, b in self.structure:
                p = _value.PRIMITIVES[op]
                program.append((p.forward, index(a), index(b), p.rules,
                                a.kind != "c", b is not None and b.kind != "c"))
            self._program = program
        return program

    def _count(self) -> bool:
        self._runs += 1
        if self._runs > COMPILE_AFTER:
            self.compile()
            return True
        return False

    def _interpret_forward(self, X: tuple, K: tuple) -> tuple:
        if self._count():
            return self.forward(X, K)
        L = [*X, *K]
        base = len(L)
        put = L.append
        for f, ia, ib, _, _, _ in self._prepared():
            put(f(L[ia]) if ib < 0 else f(L[ia], L[ib]))
        return tuple(L[base:])

    def _locals_of(self, L: list[float], k: int, entry: tuple) -> list[float]:
        _, ia, ib, rules, a_value, b_value = entry
        out = L[len(L) - self.size + k]
        args = (L[ia], out) if ib < 0 else (L[ia], L[ib], out)
        found = []
        if a_value:
            found.append(rules[0](*args))
        if b_value:
            found.append(rules[1](*args))
        return found

    def _interpret_local(self, T: tuple, X: tuple, K: tuple) -> tuple:
        if self.code is not None:
            return self.local(T, X, K)
        L = [*X, *K, *T]
        out: list[float] = []
        for k, entry in enumerate(self._prepared()):
            out += self._locals_of(L, k, entry)
        return tuple(out)

    def _interpret_backward(self, T: tuple, X: tuple, E: tuple, G: list, o: int, K: tuple
                            ) -> None:
        if self.code is not None:
            return self.backward(T, X, E, G, o, K)
        L = [*X, *K, *T]
        n_x, n_k = len(X), len(K)
        program = self._prepared()
        for k in range(self.size - 1, -1, -1):
            entry = program[k]
            g = G[o + k]
            locals_ = iter(self._locals_of(L, k, entry))
            for i, is_value in ((entry[1], entry[4]), (entry[2], entry[5])):
                if is_value:  # the same sum as the engine's: from 0.0, operand a then b
                    slot = E[i] if i < n_x else o + i - n_x - n_k
                    G[slot] += next(locals_) * g
        return None


def getter(E: tuple[int, ...] | list[int]) -> Callable[[list], tuple]:
    """A function of a list giving the tuple of its items at E (in C: operator.itemgetter)."""
    if not E:
        return lambda v: ()
    if len(E) == 1:
        e = E[0]
        return lambda v: (v[e],)
    return operator.itemgetter(*E)


# ---------------------------------------------------------------------------------------------
# The recording

class Recording(NamedTuple):
    """A recorded graph: its leaves and op nodes (slot order), and its chunks."""
    leaves: list[Value]
    ops: list[Value]
    chunks: list[Chunk]


def record(order: list[Value]) -> Recording:
    """Slots, instructions, cuts and chunk structures of a graph in topological order."""
    leaves, ops, slot = slots(order)
    n_leaves, n = len(leaves), len(order)
    instrs = instructions(ops, slot)
    del slot
    templates = codegen.Templates()
    for op in sorted({i.op for i in instrs}):
        templates.forward(op)
    token = tuple(map(id, templates.token))
    pieces = [chunk_structure(instrs, n_leaves, start, end) for start, end in cuts(instrs, n_leaves)]
    escaping = bytearray(n)  # a node used by a later chunk (or the root) starts from G
    for _, E, _ in pieces:
        for p in E:
            escaping[p] = 1
    if ops:
        escaping[n - 1] = ROOT
    chunks = []
    seen: dict[tuple, int] = {}
    start = n_leaves
    for structure, E, K in pieces:
        flags = bytes(escaping[start:start + len(structure)])
        key = (structure, flags, token)
        seen[key] = seen.get(key, 0) + 1
        chunks.append(Chunk(start, structure, flags, E, K, key, templates))
        start += len(structure)
    for chunk in chunks:  # a structure that repeats pays its compile once, now
        if seen[chunk.key] > 1 or codegen.is_compiled(chunk.key):
            chunk.compile()
    return Recording(leaves, ops, chunks)
