"""Small helpers the tests share: polling with a deadline instead of sleeping, a served app, the
one value a query returns."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, LiteralString

import psycopg

from harness.local import free_port, poll, served

__all__ = ["free_port", "poll", "scalar", "served"]


def scalar(
    conn: psycopg.Connection[Any], query: LiteralString, params: Sequence[object] = ()
) -> Any:
    """The first column of the one row ``query`` returns; the test fails when there is no row."""
    row = conn.execute(query, params).fetchone()
    assert row is not None, f"no row for {query!r}"
    return row[0]
