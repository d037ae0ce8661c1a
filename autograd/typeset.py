"""An explanation's lines as typeset math, for Jupyter (Explanation._repr_markdown_ and
_repr_latex_): dC/dw1 as a fraction of partials, delta2 as \\delta_{2}, sigmoid'(z1) as
\\sigma'(z_{1}), * as \\cdot, names as symbols (w_{1}, \\hat{y}).  MathJax and KaTeX ship with the
notebook front ends, so nothing is fetched from the network.
"""

from __future__ import annotations

import re

__all__ = ["markdown_text", "tex_text", "to_latex"]

_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<number>-?\d+(?:\.\d+)?(?:e[+-]?\d+)?(?![\w#]))
  | (?P<word>[A-Za-z_][\w.#']*)
  | (?P<open>\()
  | (?P<other>.)
""", re.VERBOSE | re.DOTALL)
_NAME = re.compile(r"[\w.#']+")  # a name as one word (names.atom's)
_DIFFERENTIAL = re.compile(r"d([\w.#']+|\()")  # dw1, d(y_hat - 0.2): where a fraction dC/dw1 may start
_GREEK = {"sigmoid": r"\sigma", "delta": r"\delta"}
_SYMBOLS = {"*": r"\cdot ", ">": r"\to ", "+": "+", "-": "-", "=": "=", "/": "/", ")": ")",
            ",": ",", ":": ":", "'": "'"}


_MATH_ESCAPES = {"\\": r"\backslash{}", "^": r"\hat{}", "~": r"\sim{}"}  # else \\ + the character


def tex_text(text: str) -> str:
    """text inside \\mathrm{} (math mode): TeX's special characters escaped."""
    return "".join(_MATH_ESCAPES.get(c, "\\" + c) if c in "\\{}$&#^_%~" else c for c in text)



def tex_prose(text: str) -> str:
    """text as prose inside math: runs of it in \\text{}, and TeX's special characters between
    them in math mode (\\{, \\$, \\backslash): MathJax's \\text{} takes no macros, and a $ in it
    would start math."""
    out: list[str] = []
    run: list[str] = []
    for c in text:
        if c in "\\{}$&#^_%~":
            if run:
                out.append(rf"\text{{{''.join(run)}}}")
                run = []
            out.append(_MATH_ESCAPES.get(c, "\\" + c))
        else:
            run.append(c)
    if run:
        out.append(rf"\text{{{''.join(run)}}}")
    return "".join(out)


def _tex_name(word: str) -> str:
    """A name as a symbol: x, w_{1}, \\hat{y}, z_{2}; \\mathrm{...} for longer ones."""
    m = re.fullmatch(r"([A-Za-z])_?(\d+)", word)
    if m:
        return f"{m.group(1)}_{{{m.group(2)}}}"
    if re.fullmatch(r"[A-Za-z]", word):
        return word
    m = re.fullmatch(r"([A-Za-z])_hat", word)
    if m:
        return rf"\hat{{{m.group(1)}}}"
    return rf"\mathrm{{{tex_text(word)}}}"


def _group(text: str, start: int) -> int:
    """The index just after the parenthesis group opening at start (or len(text))."""
    depth = 0
    for k in range(start, len(text)):
        depth += {"(": 1, ")": -1}.get(text[k], 0)
        if depth == 0:
            return k + 1
    return len(text)


def _operand(text: str, k: int) -> tuple[str, int]:
    """The name starting at k (a word, or a parenthesised group) as TeX, and where it ends."""
    if k < len(text) and text[k] == "(":
        end = _group(text, k)
        return rf"\left({to_latex(text[k + 1:end - 1])}\right)", end
    m = _NAME.match(text, k)
    if m is None:
        return "", k
    return _tex_name(m.group()), m.end()


def to_latex(text: str) -> str:
    """One line of an explanation's formulas as LaTeX math: dC/dw1 as a fraction of partials,
    delta2 as \\delta_{2}, sigmoid'(z1) as \\sigma'(z_{1}), * as \\cdot, names as symbols."""
    out: list[str] = []
    k = 0
    while k < len(text):
        m = _DIFFERENTIAL.match(text, k)
        if m and (k == 0 or not (text[k - 1].isalnum() or text[k - 1] in "_.#'")):
            top, after = _operand(text, k + 1)
            if text.startswith("/d", after) and top:
                bottom, end = _operand(text, after + 2)
                if bottom:
                    out.append(rf"\frac{{\partial {top}}}{{\partial {bottom}}}")
                    k = end
                    continue
        t = _TOKEN.match(text, k)
        assert t is not None
        kind, value = t.lastgroup, t.group()
        if kind == "space":
            out.append(" ")
        elif kind == "number":
            out.append(value)
        elif kind == "word":
            m = re.fullmatch(r"delta(\d*)", value)
            if m and (m.group(1) or not text.startswith("(", t.end())):
                out.append(rf"\delta_{{{m.group(1)}}}" if m.group(1) else r"\delta")
            elif value.endswith("'") and text.startswith("(", t.end()):
                base = value[:-1]
                out.append((_GREEK.get(base) or rf"\mathrm{{{tex_text(base)}}}") + "'")
            elif value == "delta" and text.startswith("(", t.end()):
                end = _group(text, t.end())
                out.append(rf"\delta_{{{_tex_name(text[t.end() + 1:end - 1])}}}")
                k = end
                continue
            elif text.startswith("(", t.end()) and value.isidentifier():
                out.append(rf"\mathrm{{{tex_text(value)}}}")
            else:
                out.append(_tex_name(value))
        elif kind == "open":
            out.append("(")
        else:
            out.append(_SYMBOLS.get(value) or tex_prose(value))
        k = t.end()
    return "".join(out).strip()


def markdown_text(text: str) -> str:
    """text as Markdown shows it literally: its markup characters escaped."""
    return re.sub(r"([\\`*_{}\[\]<>#+!|~$])", r"\\\1", text)
