"""Development tooling: the real parts, started locally for the tests and the benchmarks (polling
with a deadline, a free port, a served app, a locked-down Mosquitto, the MicroPython interpreter,
the bad-input corpus), and the import-contract check ``./manage check`` runs. Nothing in the
product imports this package; it is not part of the image."""

from harness.local import free_port, poll, served

__all__ = ["free_port", "poll", "served"]
