"""Prompt: the pdb habits of the stepper's command line, apart from any backward pass.

help from the do_* docstrings (`help` lists their first lines, `help CMD` prints one), a one-line
`*** Unknown command`, an empty line repeating the last command, Ctrl-C interrupting only the
line, Python (`p EXPR`, `!STATEMENT`) in a frame of the user's code, and Tab completion of
commands, words (the Debugger's node names) and the frame's names and attributes.
"""

from __future__ import annotations

import cmd
import difflib
import rlcompleter
import traceback
from types import FrameType
from typing import Any

__all__ = ["FAILED", "Prompt"]

FAILED: Any = object()  # what running Python gives after it printed the error


class Prompt(cmd.Cmd):
    """cmd.Cmd with pdb's habits.  A subclass sets frame and locals (where Python runs) and
    gives words() (what completes after a command) and variables() (extra names for Python)."""

    doc_header = ("Commands (help COMMAND for one; an empty line repeats the last; "
                  "!STATEMENT runs Python):")

    frame: FrameType | None = None
    locals: dict[str, Any] = {}  # noqa: RUF012 - replaced per frame, never mutated here
    at_prompt = False  # reading a command (Ctrl-C then interrupts the line only)

    def words(self) -> list[str]:
        return []

    def variables(self) -> dict[str, Any]:
        return {}

    # -- output --------------------------------------------------------------------------------
    def say(self, text: str = "") -> None:
        self.stdout.write(text + "\n")
        self.stdout.flush()

    def error(self, text: str) -> None:
        self.say(f"*** {text}")

    def prompt_loop(self) -> None:
        """Read commands until one moves on; Ctrl-C at the prompt only interrupts the line."""
        self.at_prompt = True
        try:
            while True:
                try:
                    self.cmdloop()
                    return
                except KeyboardInterrupt:
                    self.say("\n--KeyboardInterrupt-- (q quits)")
        finally:
            self.at_prompt = False

    # -- commands --------------------------------------------------------------------------------
    def do_help(self, arg: str) -> None:
        """h(elp) [COMMAND]: list the commands, or show the help of one."""
        if arg.strip():
            super().do_help(arg.strip())
            return
        self.say(self.doc_header)
        self.say(self.summary())

    do_h = do_help

    @classmethod
    def summary(cls) -> str:
        """One line per command, the first line of its docstring, as `help` lists them."""
        seen, lines = set(), []
        for klass in cls.__mro__[:cls.__mro__.index(Prompt) + 1]:
            for name, fn in vars(klass).items():
                if name.startswith("do_") and fn not in seen and fn.__doc__:
                    seen.add(fn)
                    usage, _, what = fn.__doc__.splitlines()[0].partition(": ")
                    lines.append(f"  {usage:<24} {what}")
        return "\n".join(lines)

    def default(self, line: str) -> None:
        """!STATEMENT runs one Python statement in the frame; anything else is not a command."""
        if line.startswith("!"):
            self.run_python(line[1:] + "\n", "single")
            return
        word = line.split()[0]
        close = difflib.get_close_matches(word, self.command_names(), n=1)
        self.error(f"Unknown command: {word!r}" + (f"; did you mean {close[0]}?" if close else "")
                   + " (help lists the commands)")

    def emptyline(self) -> bool:
        if self.lastcmd:
            return bool(self.onecmd(self.lastcmd))
        return False

    def onecmd(self, line: str) -> bool:
        try:
            return bool(super().onecmd(line))
        except Exception as e:  # noqa: BLE001 - a command's own failure: report it, keep the session
            self.error(f"{type(e).__name__}: {e}")
            return False

    def command_names(self) -> list[str]:
        return [name[3:] for name in self.get_names() if name.startswith("do_") and name != "do_EOF"]

    def count(self, arg: str, command: str) -> int | None:
        """The K of `next K` / `back K` (default 1), or None after saying what is wrong."""
        try:
            k = int(arg) if arg.strip() else 1
        except ValueError:
            self.error(f"{command} takes a number of steps, got {arg.strip()!r}")
            return None
        if k < 1:
            self.error(f"{command} takes a number of steps >= 1, got {k}")
            return None
        return k

    # -- Python in the frame -------------------------------------------------------------------------
    def namespace(self) -> dict[str, Any]:
        """What Python sees: the frame's globals, variables() over them, its locals over both."""
        assert self.frame is not None
        return {**self.frame.f_globals, **self.variables(), **self.locals}

    def run_python(self, source: str, mode: str) -> Any:
        """eval (mode "eval") or run ("single") source in the frame; assignments go to its
        variables.  An error is printed as pdb does and gives FAILED."""
        try:
            code = compile(source, "<stdin>", mode)
            return eval(code, self.namespace(), self.locals)
        except Exception as e:  # noqa: BLE001 - any error of the user's code, reported as pdb does
            self.error(traceback.format_exception_only(type(e), e)[-1].strip())
            return FAILED

    # -- Tab completion (readline) -----------------------------------------------------------------
    def completenames(self, text: str, *ignored: Any) -> list[str]:
        return [name for name in self.command_names() if name.startswith(text)]

    def completedefault(self, text: str, line: str, begidx: int, endidx: int) -> list[str]:
        """words() that start with the typed word (whole words: readline splits mul#6 at #)."""
        typed = line[:endidx].split(" ")[-1]
        cut = len(typed) - len(text)
        return [word[cut:] for word in self.words() if word.startswith(typed)]

    def complete_python(self, text: str, line: str, begidx: int, endidx: int) -> list[str]:
        """words(), then the frame's names and attributes (p net.w<Tab>)."""
        found = self.completedefault(text, line, begidx, endidx)
        if self.frame is not None:
            completer = rlcompleter.Completer(self.namespace())
            state = 0
            while (match := completer.complete(text, state)) is not None:
                if match not in found:
                    found.append(match)
                state += 1
        return found
