"""Benchmarks of the city twin: collection policies compared over simulated weeks."""
