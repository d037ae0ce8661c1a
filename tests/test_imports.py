"""Imports are cheap: the engine and nn load without pictures, the debugger or graphviz."""

from __future__ import annotations

import subprocess
import sys

import pytest

# autograd.explain is not here: it loads with autograd (a lazy function named like its submodule
# would be shadowed by the module once imported); it is cheap (a few ms: no dataclasses, no graphviz)
HEAVY = ("graphviz", "autograd.viz", "autograd.debug", "autograd.tape",
         "subprocess", "json", "html", "numpy", "inspect", "linecache")


def loaded_after(code: str) -> set[str]:
    probe = code + "\nimport sys\nprint('\\n'.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return set(out.stdout.split())


@pytest.mark.parametrize("code", ["import nn",
                                  "import autograd\nautograd.Value(1.0) * 2",
                                  "from autograd import Value, grad, no_grad, gradcheck\n"
                                  "v = Value(1.0); (v * v).backward(); grad(v * v, [v])"])
def test_the_engine_and_nn_load_nothing_heavy(code):
    loaded = loaded_after(code)
    assert not [m for m in loaded if m.startswith(HEAVY)]


def test_pictures_and_the_debugger_load_on_first_use():
    loaded = loaded_after("import autograd\nautograd.to_json")
    assert "autograd.debug" in loaded


def test_every_public_name_is_there_and_listed():
    import autograd
    for name in autograd.__all__:
        assert getattr(autograd, name) is not None
    assert set(autograd.__all__) <= set(dir(autograd))
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        getattr(autograd, "nope")  # noqa: B009


def test_import_nn_loads_no_numpy():
    assert "numpy" not in loaded_after("import nn\nnn.MLP(2, [3, 1])([1.0, 2.0]).backward()")
