"""Benchmarks of the camera unit: detection quality, privacy filter, evidence packaging."""
