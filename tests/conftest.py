"""Shared test settings: hypothesis profiles.

The default profile "ci" is derandomized (the same examples on every run and every machine, so a
failure in CI is a failure on your laptop) and prints the reproduction blob of any failure.
Set HYPOTHESIS_PROFILE=dev to explore new random examples, or =thorough for a long search.
"""

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", derandomize=True, print_blob=True, database=None, deadline=None, max_examples=100,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", print_blob=True, deadline=None, max_examples=100)
settings.register_profile("thorough", print_blob=True, deadline=None, max_examples=5000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
