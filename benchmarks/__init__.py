"""Side-by-side timings of chainrule against micrograd, PyTorch and plain floats.

Run `python benchmarks/run.py`."""
