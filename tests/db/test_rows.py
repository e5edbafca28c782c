"""Rows built by position must still land in the right fields."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import psycopg
import pytest

from db.conn import Conn, connect, with_database
from db.rows import ordered_row


@dataclass(frozen=True, slots=True)
class Pair:
    """Two columns of different types, so a swap cannot go unnoticed."""

    name: str
    count: int


@pytest.fixture
def conn(server_url: str) -> Iterator[Conn]:
    """A connection to the server's maintenance database (no schema needed)."""
    with connect(with_database(server_url, "postgres")) as c:
        yield c


def test_columns_in_field_order_become_the_dataclass(conn: Conn) -> None:
    """Each column fills the field of its name."""
    with conn.cursor(row_factory=ordered_row(Pair)) as cur:
        rows = cur.execute("SELECT 'a' AS name, 2 AS count UNION ALL SELECT 'b', 3").fetchall()
    assert rows == [Pair(name="a", count=2), Pair(name="b", count=3)]


def test_columns_out_of_order_are_refused(conn: Conn) -> None:
    """A statement whose columns are reordered fails instead of swapping the fields."""
    with (
        conn.cursor(row_factory=ordered_row(Pair)) as cur,
        pytest.raises(psycopg.ProgrammingError, match="not the fields of Pair"),
    ):
        cur.execute("SELECT 2 AS count, 'a' AS name").fetchall()
