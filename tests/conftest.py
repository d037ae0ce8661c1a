"""Shared test settings: hypothesis profiles, and no silent skips in CI.

The default profile "ci" is derandomized (the same examples on every run and every machine, so a
failure in CI is a failure on your laptop) and prints the reproduction blob of any failure.
Set HYPOTHESIS_PROFILE=dev to explore new random examples, or =thorough for a long search.
"""

import os
import shutil
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", derandomize=True, print_blob=True, database=None, deadline=None, max_examples=100,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", print_blob=True, deadline=None, max_examples=100)
settings.register_profile("thorough", print_blob=True, deadline=None, max_examples=5000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


# In CI (.ci/run sets CHAINRULE_CI=1) the system tools are installed on purpose, so a test that
# would skip for want of one of them fails instead: a green CI then means they were exercised.
# This holds for a skip inside a test or fixture and for a whole module skipped at import
# (a module-level importorskip). Optional peers (torch, micrograd) may still skip.
_REQUIRED_IN_CI = ("dot", "chromium", "DejaVu", "numpy", "pexpect", "playwright", "graphviz-pure",
                   # the notebook's kernel and tools (tests/test_notebook.py)
                   "nbclient", "nbconvert", "nbformat", "ipykernel", "jupyter", "matplotlib",
                   # the documentation site (tests/test_docs.py)
                   "mkdocs")


def _fail_required_skip(report) -> None:
    if os.environ.get("CHAINRULE_CI") and report.skipped:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        if any(tool in reason for tool in _REQUIRED_IN_CI):
            report.outcome = "failed"
            report.longrepr = f"skipped, but CHAINRULE_CI=1 requires it to run: {reason}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    _fail_required_skip(outcome.get_result())


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    outcome = yield
    _fail_required_skip(outcome.get_result())


@pytest.fixture
def fast_switching():
    """Threads switch every microsecond, so that an unprotected read-modify-write of shared
    state is interleaved and shows (the thread tests of passes and tapes)."""
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(old)


def small_graph():
    """L = a*b + a with a = 2, b = -3 (topological order a, b, z, L): dL/da = b + 1 = -2, dL/db = a = 2.

    Shared by the stepper and to_json tests: `from conftest import small_graph`.
    """
    from autograd import Value

    a = Value(2.0, "a")
    b = Value(-3.0, "b")
    z = a * b
    z.label = "z"
    return a, b, z, z + a


# -- headless Chromium, for the player, the notebook's page and the pictures' fonts ------------

# IsolateSandboxedIframes off: Chromium would run the sandboxed iframe of play()._repr_html_ in a
# process of its own, whose requests Playwright can neither see nor route
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-features=IsolateSandboxedIframes"]


def chromium_executable() -> str:
    """Debian's chromium, or a skip (a failure under CHAINRULE_CI) naming what is missing."""
    found = "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else shutil.which("chromium")
    if found is None:
        pytest.skip("no chromium installed (apt-get install chromium)")
    return found


@pytest.fixture(scope="session")
def playwright():
    """Playwright's sync API, started once per run (a second one in the same thread cannot
    start while the first is running)."""
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright):
    """Headless Chromium driven by Playwright, shared by the tests of a run."""
    executable = chromium_executable()
    try:
        b = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
    except Exception as e:  # pragma: no cover - a broken browser install
        pytest.skip(f"chromium does not start: {e}")
    yield b
    b.close()


def tanh_graph():
    """L = tanh(a*b) + a: a reused, a few labelled nodes (the root too, so that every test
    names it L, whatever variable holds it)."""
    from autograd import Value

    a = Value(2.0, "a")
    b = Value(-0.25, "b")
    z = a * b
    z.label = "z"
    h = z.tanh()
    h.label = "h"
    L = h + a
    L.label = "L"
    return a, b, z, h, L


@pytest.fixture
def own_ops():
    """The registry of primitives, with the ops a test registers (autograd.primitive) taken out
    again after it: the registry is one per process, so a test's "softplus" would otherwise be
    another test's ValueError.  chainrule's own ops (registered when autograd or nn import) stay."""
    from autograd.value import PRIMITIVES

    before = set(PRIMITIVES)
    yield PRIMITIVES
    for name in set(PRIMITIVES) - before:
        module = getattr(PRIMITIVES[name].forward, "__module__", None) or ""
        if module.split(".")[0] not in ("autograd", "nn"):
            del PRIMITIVES[name]
