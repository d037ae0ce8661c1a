"""Side-by-side timings of chainrule against micrograd, PyTorch and plain floats: `python benchmarks/run.py`."""
