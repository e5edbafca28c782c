"""Benchmarks of the deployment: sizing of the database, the broker and backups."""
