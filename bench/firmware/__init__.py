"""Benchmarks of the bin sensor firmware: energy budget and heap."""
