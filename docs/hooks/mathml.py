"""MkDocs hook: the math of every page ($...$ and $$...$$, found by pymdownx.arithmatex in its
generic mode) becomes MathML at build time, with latex2mathml.

Browsers render MathML themselves, so a page loads no math script and no font from anywhere:
the site stays readable offline and from file://.  A formula latex2mathml cannot read fails the
build, naming the page and the formula.
"""

from __future__ import annotations

import html
import re

from latex2mathml.converter import convert
from mkdocs.exceptions import PluginError

# what arithmatex (generic: true) writes: \( \) inline, \[ \] for a display formula
_MATH = re.compile(r'<(span|div) class="arithmatex">\s*\\([(\[])(.*?)\\[)\]]\s*</\1>', re.S)


def on_page_content(html_text: str, page, config, files) -> str:
    def mathml(match: re.Match[str]) -> str:
        tex = html.unescape(match.group(3))
        display = "block" if match.group(2) == "[" else "inline"
        try:
            return convert(tex, display=display)
        except Exception as e:
            raise PluginError(f"{page.file.src_path}: cannot render the formula {tex!r}: {e}") from e

    return _MATH.sub(mathml, html_text)
