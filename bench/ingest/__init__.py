"""Benchmarks of ingest: throughput and latency through a real broker into PostgreSQL."""
