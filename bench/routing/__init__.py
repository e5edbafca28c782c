"""Benchmarks of route planning: CVRPLIB, the Kim et al. set, the city days, forecasting."""
