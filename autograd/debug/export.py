"""to_json: a graph and its backward pass as plain JSON data (for the HTML player, or any tool).

to_json describes a fresh pass: the one root.backward() makes when every .grad starts at 0.0,
so the same graph always gives the same document, whether or not backward() has run on it.
The pass runs in its own storage (steps.fresh_pass): no .grad is read or written.
nodes[i]["grad"] is what node i's .grad would be after that pass, d root / d node.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._util import json_number
from ..engine import locked, topological_order
from ..names import caller_scope, node_names
from ..value import Value
from .steps import FreshPass, fresh_pass

__all__ = ["to_json", "document", "JSON_VERSION"]

JSON_VERSION = 1


def to_json(root: Value) -> dict[str, Any]:
    """The graph of root and the steps of its backward pass as a dict that json.dumps accepts.

    {"version": 1, "nodes": [{"id", "name", "label", "op", "data", "grad"}], "edges": [{"parent",
    "child", "local"}], "steps": [{"node", "upstream", "terms": [{"parent", "local",
    "contribution"}]}]}.  Ids are topological indices (the root has the largest); steps come in
    the order of the pass, one per node, leaves included (with no terms).  "name" is the name
    every view gives the node (its label, else your variable's name, else op#id).  Non-finite
    numbers are the strings "nan", "inf" and "-inf".
    """
    if not isinstance(root, Value):
        raise TypeError(f"to_json() root must be a Value, got {type(root).__name__}")
    return locked(_to_json, root, caller_scope())


def _to_json(root: Value, scope: Mapping[str, Any]) -> dict[str, Any]:
    """to_json()'s work, holding the engine's lock: no other thread's Tape replay is written into
    the graph while it is read (the document is one replay's numbers, never a mix of two)."""
    order = topological_order(root)  # one order for the names and the pass
    return document(fresh_pass(root, node_names(root, order, scope), order))


def document(run: FreshPass) -> dict[str, Any]:
    """to_json's dict for a fresh pass (the player builds on the same document)."""
    order = run.order
    ids = {node: i for i, node in enumerate(order)}
    nodes = [{"id": i, "name": run.names[node], "label": node.label, "op": node.op,
              "data": json_number(node.data), "grad": json_number(run.grads[node])}
             for i, node in enumerate(order)]
    edges = [{"parent": ids[parent], "child": i, "local": json_number(local)}
             for i, node in enumerate(order)
             for parent, local in zip(node.parents, node.local)]
    trace = [{"node": ids[step.node], "upstream": json_number(step.upstream),
              "terms": [{"parent": ids[t.parent], "local": json_number(t.local),
                         "contribution": json_number(t.contribution)} for t in step.terms]}
             for step in run.steps]
    return {"version": JSON_VERSION, "nodes": nodes, "edges": edges, "steps": trace}
