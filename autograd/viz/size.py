"""How big a picture may be: autograd.viz.MAX_SIZE, and what to draw of a graph within it.

Graphviz needs minutes for tens of thousands of nodes, so no picture has more than MAX_SIZE
nodes plus edges (Graphviz lays out 10,000 in about 5 s).  The one-sample graph of an
MLP(2, [16, 16, 1]) is about 3,500; folded (each nn neuron call one box), about 400.  Counting
and folding are linear in the size of the graph, so a refusal comes at once.

Every view asks picture_plan() (draw() for the picture it was asked for, the player for the
best that fits), so the limit and the advice live here alone:

    plan = picture_plan(root)          # fold=None: the whole graph, else folded, else nothing
    plan.kind                          # "full", "folded" or "none"
    plan.fold                          # draw it with fold=...
    plan.message                       # "" when full; else what was done or what to do

The limit is autograd.viz.MAX_SIZE, an ordinary variable of the package (its one home: set it
to raise the limit), read by max_size() whenever a plan is made.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field

from ..engine import topological_order
from ..value import Value
from .fold import Folding

__all__ = ["PicturePlan", "max_size", "picture_plan"]


def max_size() -> int:
    """autograd.viz.MAX_SIZE as it is now: the package (already loaded, as this module is part
    of it) holds the limit, so setting it there is all it takes."""
    return int(importlib.import_module(__package__).MAX_SIZE)

_SMALLER = "draw a smaller part, e.g. the loss of one sample instead of a batch"


@dataclass(frozen=True)
class PicturePlan:
    """What to draw of a graph: kind "full" (everything), "folded" (each nn neuron call one box)
    or "none" (too big); the sizes in nodes plus edges, the limit, and a message that says what
    was done ("folded") or what to do ("none"), in plain text."""

    kind: str
    size: int                 # the whole graph's picture
    folded: int | None        # the folded picture's, when it was counted and there is an nn call
    limit: int                # autograd.viz.MAX_SIZE when planned
    message: str
    folding: Folding = field(repr=False, compare=False)  # the picture's ("none": the last tried)

    @property
    def fold(self) -> bool:
        """Whether the picture to draw is folded."""
        return self.kind == "folded"


def picture_plan(root: Value, order: list[Value] | None = None, *,
                 fold: bool | None = None) -> PicturePlan:
    """What to draw of root's graph within autograd.viz.MAX_SIZE.

    fold=None (the player): the whole graph when it fits, else folded when that fits, else
    nothing.  fold=False or True (draw()): that picture, or kind "none" with the advice.
    order: topological_order(root), when the caller has it.
    """
    if order is None:
        order = topological_order(root)
    index = {node: i for i, node in enumerate(order)}
    limit = max_size()
    whole = Folding(order, index, fold=bool(fold))
    size = whole.size()
    if size <= limit:
        return PicturePlan("folded" if fold else "full", size, size if fold else None, limit,
                           "", whole)
    too_big = (f"this picture would have {size:,} nodes and edges{' even folded' if fold else ''}, "
               f"more than autograd.viz.MAX_SIZE = {limit:,} that Graphviz lays out in seconds")
    raise_it = "raise autograd.viz.MAX_SIZE (Graphviz may then take minutes)"
    if fold:
        return PicturePlan("none", size, size, limit, f"{too_big}; {_SMALLER}, or {raise_it}",
                           whole)
    folding = Folding(order, index, fold=True)
    folded = folding.size() if folding.boxes else None
    if folded is not None and folded <= limit:
        if fold is None:
            return PicturePlan("folded", size, folded, limit,
                               f"Drawn folded: each nn neuron call is one box, as the whole graph "
                               f"has {size:,} nodes and edges, more than autograd.viz.MAX_SIZE = "
                               f"{limit:,}.", folding)
        how = f"pass fold=True to draw each nn neuron call as one box ({folded:,} then)"
    elif folded is not None:
        how = f"{_SMALLER} (fold=True still gives {folded:,})"
    else:
        how = _SMALLER
    return PicturePlan("none", size, folded, limit, f"{too_big}; {how}, or {raise_it}", folding)
