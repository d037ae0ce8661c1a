"""MkDocs hook: a page holding `<!-- notebook: PATH -->` shows that notebook run at build time.

The notebook (stored without outputs) runs top to bottom in a fresh ipykernel of this very
Python, importing autograd and nn from this checkout, in an empty temporary directory; a cell
that raises fails the build (CHAINRULE_DOCS_NOTEBOOK=skip shows it not run, for a quick
build).  Markdown cells become the page's Markdown (their math goes through
the math hook like any page's); code cells become Python blocks; outputs follow each cell: text
as text blocks, and SVG, HTML (the player's sandboxed iframe) and PNG (as a data: URL) as they
are, put into the page after Markdown has run so that nothing rewrites them.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import re
import sys
import tempfile
import time
from pathlib import Path

from mkdocs.exceptions import PluginError

log = logging.getLogger("mkdocs.hooks.notebook")

MARKER = re.compile(r"<!-- notebook: (\S+) -->")
CELL_SECONDS = 120  # the longest one cell may take (a cold matplotlib on a busy machine)

# page source path -> the HTML of its outputs, by placeholder number
_outputs: dict[str, list[str]] = {}


def _kernel_manager(home: Path, source: Path):
    """A manager for an ipykernel of this interpreter that imports autograd from `source`,
    with its kernelspec, IPython directory and connection file under `home`."""
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager

    spec = home / "kernels" / "python3"
    spec.mkdir(parents=True)
    path = os.pathsep.join(p for p in (str(source), os.environ.get("PYTHONPATH", "")) if p)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "chainrule docs", "language": "python",
        "env": {"PYTHONPATH": path, "IPYTHONDIR": str(home / "ipython"), "MPLBACKEND": "Agg"},
    }), encoding="utf-8")
    specs = KernelSpecManager(kernel_dirs=[str(home / "kernels")], ensure_native_kernel=False)
    # ipc: the kernel talks through files under home, not TCP ports
    return KernelManager(kernel_name="python3", kernel_spec_manager=specs, transport="ipc",
                         ip=str(home / "kernel-ipc"), connection_file=str(home / "connection.json"))


def run_notebook(path: Path, source: Path):
    """The notebook at `path` after running every cell; a cell that raises is a PluginError."""
    import nbclient
    import nbformat

    nb = nbformat.read(path, as_version=4)
    with tempfile.TemporaryDirectory(prefix="chainrule-docs-") as tmp:
        home, work = Path(tmp) / "kernel", Path(tmp) / "work"
        home.mkdir()
        work.mkdir()
        km = _kernel_manager(home, source)
        client = nbclient.NotebookClient(nb, km=km, timeout=CELL_SECONDS,
                                         resources={"metadata": {"path": str(work)}})
        start = time.perf_counter()
        try:
            client.execute()
        except nbclient.exceptions.CellExecutionError as e:
            raise PluginError(f"{path}: a cell raised while building the docs:\n{e}") from e
        finally:
            if km.has_kernel:  # nbclient leaves a kernel it did not start running
                km.shutdown_kernel(now=False)
        log.info("ran %s in %.1f s", path.name, time.perf_counter() - start)
    return nb


def _text_block(text: str) -> str:
    fence = "````" if "```" in text else "```"
    return f"{fence}text\n{text.rstrip()}\n{fence}\n"


def _rich_output(data: dict) -> str | None:
    """The HTML of one display_data / execute_result output, or None for plain text only."""
    if "image/svg+xml" in data:
        svg = data["image/svg+xml"]
        svg = re.sub(r"^\s*<\?xml[^>]*\?>\s*(<!DOCTYPE[^>]*>\s*)?", "", svg)
        return f'<div class="nb-output nb-svg">{svg}</div>'
    if "text/html" in data:
        return f'<div class="nb-output nb-html">{data["text/html"]}</div>'
    for mime in ("image/png", "image/jpeg"):
        if mime in data:
            payload = data[mime].replace("\n", "")
            base64.b64decode(payload, validate=True)  # a broken image fails the build
            image = f'<img alt="output" src="data:{mime};base64,{payload}">'
            return f'<div class="nb-output nb-image">{image}</div>'
    return None


def notebook_markdown(nb, page_key: str) -> str:
    """The notebook as Markdown, its rich outputs as placeholders filled in on_page_content."""
    parts: list[str] = []
    outputs = _outputs.setdefault(page_key, [])
    first_heading_done = False
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            text = cell.source
            if not first_heading_done and text.lstrip().startswith("# "):
                text = text.lstrip().split("\n", 1)[1] if "\n" in text.lstrip() else ""
                first_heading_done = True  # the page's own title stands for the notebook's
            parts.append(text + "\n")
        elif cell.cell_type == "code":
            parts.append(f'```python title="In [{cell.execution_count}]"\n{cell.source.rstrip()}\n```\n')
            for out in cell.outputs:
                if out.output_type == "stream":
                    parts.append(_text_block(out.text))
                elif out.output_type in ("display_data", "execute_result"):
                    rich = _rich_output(out.get("data", {}))
                    if rich is None:
                        parts.append(_text_block(out.get("data", {}).get("text/plain", "")))
                    else:
                        outputs.append(rich)
                        parts.append(f'<div class="nb-placeholder" data-n="{len(outputs) - 1}"></div>\n')
    return "\n".join(parts)


def on_page_markdown(markdown: str, page, config, files) -> str:
    match = MARKER.search(markdown)
    if match is None:
        return markdown
    root = Path(config.config_file_path).resolve().parent
    path = root / match.group(1)
    if not path.is_file():
        raise PluginError(f"{page.file.src_path}: no notebook at {match.group(1)}")
    _outputs[page.file.src_path] = []
    if os.environ.get("CHAINRULE_DOCS_NOTEBOOK") == "skip":  # a quick build: cells without outputs
        import nbformat

        nb = nbformat.read(path, as_version=4)
    else:
        nb = run_notebook(path, root)
    return markdown[:match.start()] + notebook_markdown(nb, page.file.src_path) + markdown[match.end():]


def on_page_content(html_text: str, page, config, files) -> str:
    outputs = _outputs.pop(page.file.src_path, None)
    if outputs is None:
        return html_text

    def fill(match: re.Match[str]) -> str:
        return outputs[int(match.group(1))]

    return re.sub(r'<div class="nb-placeholder" data-n="(\d+)"></div>', fill, html_text)

