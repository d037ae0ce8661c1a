"""Where things are, as the stepper shows them: a file relative to where you started, and the
path from the root of a pass down to a node."""

from __future__ import annotations

import os
from collections import deque

from ..value import Value

__all__ = ["shown_path", "shortest_path"]


def shown_path(filename: str, cwd: str) -> str:
    """filename relative to cwd when it is below it (examples/train.py, as the user typed it),
    else as it is; like the traceback of `python examples/train.py` run from cwd."""
    path, cwd = os.path.realpath(filename), os.path.realpath(cwd)  # /tmp may be a symlink
    try:
        if os.path.commonpath([path, cwd]) != cwd:
            return filename
    except ValueError:  # another drive, or a mix of absolute and relative paths
        return filename
    return os.path.relpath(path, cwd)


def shortest_path(root: Value, target: Value) -> list[Value]:
    """A shortest path root -> ... -> target along parent edges (breadth-first)."""
    before: dict[Value, Value | None] = {root: None}
    queue = deque([root])
    while queue:
        node = queue.popleft()
        if node is target:
            break
        for parent in node.parents:
            if parent not in before:
                before[parent] = node
                queue.append(parent)
    path = [target]
    while before.get(path[-1]) is not None:
        path.append(before[path[-1]])  # type: ignore[arg-type]
    return path[::-1]
