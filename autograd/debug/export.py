"""to_json: a graph and its backward pass as plain JSON data (for the HTML player, or any tool).

to_json describes a fresh pass: the one root.backward() makes when every .grad starts at 0.0,
so the same graph always gives the same document, whether or not backward() has run on it.
It leaves the graph as it found it: the .grad fields are saved, the pass is run with
backward_steps, and they are put back.  nodes[i]["grad"] is the grad node i holds after that
pass, d root / d node.
"""

from __future__ import annotations

import math
from contextlib import closing
from typing import Any

from ..engine import _check_value
from ..value import Value
from .steps import Step, backward_steps, kept_grads

__all__ = ["to_json", "json_number", "JSON_VERSION"]

JSON_VERSION = 1


def json_number(x: float) -> float | str:
    """x itself when finite; the strings "nan", "inf", "-inf" otherwise (JSON has no such numbers)."""
    if math.isfinite(x):
        return x
    if x != x:
        return "nan"
    return "inf" if x > 0 else "-inf"


def _run_fresh_pass(root: Value) -> tuple[list[Value], list[Step], list[float]]:
    """The steps of a pass from zero grads, and the grads after it; the graph's .grad restored."""
    steps = backward_steps(root)
    order = steps.nodes[::-1]
    with kept_grads(order), closing(steps):
        for node in order:
            node.grad = 0.0
        done = list(steps)
        after = [node.grad for node in order]
    return order, done, after


def to_json(root: Value) -> dict[str, Any]:
    """The graph of root and the steps of its backward pass as a dict that json.dumps accepts.

    {"version": 1, "nodes": [{"id", "label", "op", "data", "grad"}], "edges": [{"parent",
    "child", "local"}], "steps": [{"node", "upstream", "terms": [{"parent", "local",
    "contribution"}]}]}.  Ids are topological indices (the root has the largest); steps come in
    the order of the pass, one per node, leaves included (with no terms).  Non-finite numbers
    are the strings "nan", "inf" and "-inf".
    """
    _check_value(root, "to_json() root")
    return _document(*_run_fresh_pass(root))


def _document(order: list[Value], steps: list[Step], after: list[float]) -> dict[str, Any]:
    """to_json's dict from the result of _run_fresh_pass (the player reuses one pass for both)."""
    ids = {node: i for i, node in enumerate(order)}
    nodes = [{"id": i, "label": node.label, "op": node.op, "data": json_number(node.data),
              "grad": json_number(grad)}
             for i, (node, grad) in enumerate(zip(order, after))]
    edges = [{"parent": ids[parent], "child": i, "local": json_number(local)}
             for i, node in enumerate(order)
             for parent, local in zip(node.parents, node.local)]
    trace = [{"node": ids[step.node], "upstream": json_number(step.upstream),
              "terms": [{"parent": ids[t.parent], "local": json_number(t.local),
                         "contribution": json_number(t.contribution)} for t in step.terms]}
             for step in steps]
    return {"version": JSON_VERSION, "nodes": nodes, "edges": edges, "steps": trace}
