"""Benchmarks: each prints its numbers; bench/RESULTS.md records them with command and load."""
