"""Prompt: the pdb habits of the stepper's command line, apart from any backward pass.

help from the do_* docstrings (`help` lists their first lines, `help CMD` prints one), a one-line
`*** Unknown command`, an empty line repeating the last command, Ctrl-C interrupting only the
line, Python (`p EXPR`, `!STATEMENT`) in a frame of the user's code (evaluation.py), and Tab
completion of commands, node names (mul#4, layers.0.neurons.0.w.0, $NAME, NAME.attribute) and
the frame's names and attributes.
"""

from __future__ import annotations

import cmd
import difflib
import keyword
import rlcompleter
import traceback
from collections.abc import Iterable
from types import FrameType
from typing import Any

from .evaluation import keep_stdin_open, namespace, substitute, write_back

__all__ = ["FAILED", "Prompt"]

FAILED: Any = object()  # what running Python gives after it printed the error

# Characters that end a word for Tab, as pdb's; without # and $, which node names contain (mul#4)
COMPLETER_DELIMS = " \t\n`@%^&*()=+[{]}\\|;:'\",<>?!"


def _starts_word(text: str, i: int) -> bool:
    """Whether a word (a node name) may start at text[i]: not inside a word nor after a dot."""
    return i == 0 or not (text[i - 1].isalnum() or text[i - 1] in "_.")


class Prompt(cmd.Cmd):
    """cmd.Cmd with pdb's habits.  A subclass sets frame and locals (where Python runs) and
    gives words() (node names: what completes after a command, and what $NAME can name)."""

    doc_header = ("Commands (help COMMAND for one; an empty line repeats the last; "
                  "!STATEMENT runs Python):")

    commands: tuple[str, ...] = ()  # the order help lists the commands in (the rest after)
    frame: FrameType | None = None
    locals: Any = {}  # the frame's f_locals (its globals at module level), where ! assigns
    at_prompt = False  # reading a command (Ctrl-C then interrupts the line only)

    def words(self) -> dict[str, Any]:
        """Each name or label that picks out one node -> that node."""
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

    def preloop(self) -> None:
        self._delims = None
        if self.use_rawinput and self.completekey:
            try:
                import readline
            except ImportError:
                return
            self._delims = readline.get_completer_delims()
            readline.set_completer_delims(COMPLETER_DELIMS)

    def postloop(self) -> None:
        delims = getattr(self, "_delims", None)
        if delims is not None:
            import readline
            readline.set_completer_delims(delims)

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
                    lines.append((fn.__name__[3:], f"  {usage:<28} {what}"))
        order = {name: i for i, name in enumerate(cls.commands)}
        lines.sort(key=lambda line: order.get(line[0], len(order)))
        return "\n".join(line for _, line in lines)

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
        """What Python sees: the frame's globals and locals, node names where they define nothing."""
        assert self.frame is not None
        nodes = {w: n for w, n in self.words().items() if w.isidentifier() and not keyword.iskeyword(w)}
        return namespace(self.frame, self.locals, nodes)

    def run_python(self, source: str, mode: str) -> Any:
        """eval (mode "eval") or run ("single") source in the frame, node names ($NAME, mul#4)
        read as the nodes; assignments go to its variables (a function's too, as pdb writes
        them back).  An error, SystemExit included (`p exit()`), is printed as pdb does and
        gives FAILED: only q ends the script."""
        assert self.frame is not None
        try:
            source, bound = substitute(source, self.words())
            code = compile(source, "<stdin>", mode)
            with keep_stdin_open():
                return eval(code, {**self.namespace(), **bound}, self.locals)
        except (Exception, SystemExit) as e:  # noqa: BLE001 - any error of the user's code, reported as pdb does
            self.error(traceback.format_exception_only(type(e), e)[-1].strip()
                       + (" (the script goes on; q quits)" if isinstance(e, SystemExit) else ""))
            return FAILED
        finally:
            write_back(self.frame, self.locals)

    # -- Tab completion (readline) -----------------------------------------------------------------
    def completenames(self, text: str, *ignored: Any) -> list[str]:
        return [name for name in self.command_names() if name.startswith(text)]

    def complete_words(self, words: Iterable[str], line: str, begidx: int, endidx: int) -> list[str]:
        """The words that complete what is typed before the cursor (the longest typed piece that
        starts some of them: `mul#`, `layers.0.ne`, `$y_h`), or, after `NAME.`, the node's
        attributes; each as the text readline replaces from begidx."""
        words = sorted(words)
        before = line[:endidx]
        start = len(line) - len(line.lstrip())
        start += len(line[start:].split(" ", 1)[0]) + 1  # the argument, after the command
        nodes = self.words()
        for s in range(min(start, endidx), endidx + 1):
            if not _starts_word(before, s) or (s == endidx and before[s - 1:s] == "#"):
                continue
            typed = before[s:]
            found = [w for w in words if w.startswith(typed)]
            if not found:
                name, dot, attr = typed.rpartition(".")
                if dot and name in nodes and (attr.isidentifier() or attr == ""):
                    found = [f"{name}.{a}" for a in dir(nodes[name])
                             if a.startswith(attr) and not a.startswith("_")]
            if found:
                return [line[begidx:s] + w if s >= begidx else w[begidx - s:] for w in found]
        return []

    def completedefault(self, text: str, line: str, begidx: int, endidx: int) -> list[str]:
        """Node names (b, cl); after !, what p completes."""
        if line.lstrip().startswith("!"):
            return self.complete_python(text, line, begidx, endidx)
        return self.complete_words(self.words(), line, begidx, endidx)

    def complete_node(self, text: str, line: str, begidx: int, endidx: int) -> list[str]:
        """Node names ($NAME after a $), then the frame's own variables and their attributes
        (e, g): what can name a node, not the builtins."""
        words = list(self.words())
        if "$" in line[:endidx]:
            words += [f"${w}" for w in words]
        found = self.complete_words(words, line, begidx, endidx)
        if not found and self.frame is not None and text.strip():
            found = self._python_names(text, builtins=False)
        return found

    def complete_python(self, text: str, line: str, begidx: int, endidx: int) -> list[str]:
        """Node names, $NAME, then anything Python knows there (p): names and attributes."""
        found = self.complete_node(text, line, begidx, endidx)
        if self.frame is not None and text.strip():
            found += [m for m in self._python_names(text, builtins=True) if m not in found]
        return found

    def _python_names(self, text: str, *, builtins: bool) -> list[str]:
        """What rlcompleter completes text to in the frame (with builtins), or the frame's own
        names and attributes (without)."""
        completer = rlcompleter.Completer(self.namespace())
        if "." in text:
            return [m for m in completer.attr_matches(text) if not m.split(".")[-1].startswith("_")]
        if not builtins:
            assert self.frame is not None
            return sorted({n for n in (*self.frame.f_globals, *self.locals)
                           if n.startswith(text) and not n.startswith("__")})
        found, state = [], 0
        while (match := completer.complete(text, state)) is not None:
            found.append(match)
            state += 1
        return found
