"""The benchmark suite (issue 8): ``make bench`` and ``make bench-smoke``; see bench/run.py."""
