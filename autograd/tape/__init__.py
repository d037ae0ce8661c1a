"""Tape: record a graph once, replay it fast (see replay.py).

record.py cuts the graph into chunks of repeated structure, codegen.py writes each as readable
straight-line Python, replay.py is the Tape and its pending replays.
"""

from __future__ import annotations

from .replay import Tape

__all__ = ["Tape"]
