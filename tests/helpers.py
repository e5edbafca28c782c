"""Small helpers the tests share: polling with a deadline instead of sleeping, a served app."""

from __future__ import annotations

from harness.local import free_port, poll, served

__all__ = ["free_port", "poll", "served"]
