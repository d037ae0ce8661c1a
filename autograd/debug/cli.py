"""python -m autograd.debug SCRIPT [ARGS...]: step through a script's backward passes, like pdb.

The script runs as __main__ (sys.argv = [SCRIPT, *ARGS], its directory first on sys.path) with
the Debugger installed by engine.backward_interceptor (nothing is patched): the first backward()
call stops at a prompt, `(autograd) `, with the first step of the pass done.  The pass goes on
through backward_steps, so the grads are exactly those of backward().  The exit status is the
script's, as with `python SCRIPT` (1 after an exception, 130 after Ctrl-C).
"""

from __future__ import annotations

import argparse
import os
import runpy
import signal
import sys
import traceback
from types import TracebackType
from typing import Any, TextIO

from ..engine import backward_interceptor
from .debugger import Debugger, Quit

__all__ = ["Debugger", "main"]

PROG = "python -m autograd.debug"


def _user_traceback(tb: TracebackType | None) -> TracebackType | None:
    """The traceback without its first frames, ours and runpy's: what `python SCRIPT` shows
    (None for a SyntaxError in the script, which python shows without a traceback)."""
    while tb is not None and tb.tb_frame.f_globals.get("__name__") in (__name__, runpy.__name__):
        tb = tb.tb_next
    return tb


class _Watched:
    """The script's sys.stdout or sys.stderr, noting whether its last output left a line open
    (a progress bar's `\\r`), so that the stepper starts its own output on a fresh line."""

    def __init__(self, stream: TextIO, debugger: Debugger) -> None:
        self._stream, self._debugger = stream, debugger

    def write(self, text: str) -> int:
        if text:
            self._debugger.line_open = not text.endswith("\n")
        return self._stream.write(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def main(argv: list[str] | None = None) -> int:
    """Run a script under the stepper; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog=PROG, usage=f"{PROG} [--all] [--html FILE] SCRIPT [ARGS...]",
        description="Run a Python script and stop at its first backward() to step through "
                    "the pass one node at a time (like python -m pdb).",
        epilog="Commands at the prompt (as in pdb):\n" + Debugger.summary(),
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--all", action="store_true", help="stop at every backward(), not only the first")
    parser.add_argument("--html", metavar="FILE",
                        help="write the HTML player of the first backward() to FILE (with --all: "
                             "of each, as FILE-2.html, ...) instead of prompting")
    # SCRIPT is optional to argparse only so that its missing is reported here, without calling
    # the optional ARGS required as well
    parser.add_argument("script", nargs="?", metavar="SCRIPT", help="the Python script to run")
    parser.add_argument("args", nargs=argparse.REMAINDER, metavar="ARGS",
                        help="its arguments (optional)")
    opts = parser.parse_args(argv)
    if opts.script is None:
        parser.error(f"give the SCRIPT to run (its ARGS are optional), e.g. {PROG} train.py")

    script = os.path.abspath(opts.script)
    if not os.path.isfile(script):
        parser.error(f"no such script: {opts.script}")

    debugger = Debugger(stop_all=opts.all, html=opts.html)
    saved_argv, saved_path, saved_streams = sys.argv[:], sys.path[:], (sys.stdout, sys.stderr)
    sys.argv = [script, *opts.args]
    sys.path.insert(0, os.path.dirname(script))  # as `python SCRIPT` would, keeping the rest
    handler = signal.getsignal(signal.SIGINT)
    try:
        if handler is signal.default_int_handler:  # not when SIGINT is ignored (nohup)
            signal.signal(signal.SIGINT, debugger.on_interrupt)
        sys.stdout, sys.stderr = (_Watched(stream, debugger) for stream in saved_streams)
        with backward_interceptor(debugger.intercept):
            runpy.run_path(script, run_name="__main__")
        status = 0
    except Quit:
        debugger.say("autograd.debug: quit")
        return 0
    except SystemExit as e:
        status = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        if e.code is not None and not isinstance(e.code, int):
            print(e.code, file=sys.stderr)
    except BaseException as e:  # noqa: BLE001 - the script failed: show its traceback, as Python would
        traceback.print_exception(type(e), e, _user_traceback(e.__traceback__))
        return 130 if isinstance(e, KeyboardInterrupt) else 1
    finally:
        sys.argv, sys.path[:] = saved_argv, saved_path
        if isinstance(sys.stdout, _Watched) and isinstance(sys.stderr, _Watched):
            sys.stdout, sys.stderr = saved_streams
        signal.signal(signal.SIGINT, handler)
    if debugger.passes == 0:
        debugger.say(f"autograd.debug: {opts.script} finished without calling backward()")
    return status
