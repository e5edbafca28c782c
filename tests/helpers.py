"""Small helpers the tests share: polling with a deadline instead of sleeping, a served app, the
one value a query returns."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, LiteralString

import psycopg

from harness.local import free_port, poll, served

# The tests' connection type: like ``db.Conn``, with rows typed loosely (tests do arithmetic on
# the values they read back).
Conn = psycopg.Connection[tuple[Any, ...]]

__all__ = ["Conn", "RecordingSender", "free_port", "poll", "scalar", "served"]


def scalar(
    conn: psycopg.Connection[Any], query: LiteralString, params: Sequence[object] = ()
) -> Any:
    """The first column of the one row ``query`` returns; the test fails when there is no row."""
    row = conn.execute(query, params).fetchone()
    assert row is not None, f"no row for {query!r}"
    return row[0]


class RecordingSender:
    """Stands in for the camera's broker connection (the camera is hardware we do not have):
    remembers the commands it was given, and refuses them like an unreachable broker while
    ``online`` is False."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, Any]]] = []
        self.online = True

    def send(self, device_id: str, command: dict[str, Any]) -> bool:
        """Remember the command; False, without remembering it, while offline."""
        if not self.online:
            return False
        self.sent.append((device_id, command))
        return True
