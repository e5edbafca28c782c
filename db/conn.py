"""Database connections and the TimescaleDB check, shared by every service that stores data."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

# The one connection type of the project: rows are tuples unless a query asks for a typed row
# (``psycopg.rows.class_row``) on its cursor.
Conn = psycopg.Connection[tuple[object, ...]]


def connect(url: str, *, autocommit: bool = False) -> Conn:
    """Open one connection; services that serve requests use a pool built on the same URL."""
    return psycopg.connect(url, autocommit=autocommit, connect_timeout=10)


def database_name(url: str) -> str:
    """The database a URL points at."""
    return urlsplit(url).path.lstrip("/") or "postgres"


def with_database(url: str, name: str) -> str:
    """The same server URL pointing at another database."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def ensure_database(url: str) -> bool:
    """Create the database a URL points at when it does not exist; True when it was created."""
    name = database_name(url)
    with connect(with_database(url, "postgres"), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if exists:
            return False
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return True


def drop_database(url: str) -> None:
    """Drop the database a URL points at (tests use a database of their own)."""
    name = database_name(url)
    with connect(with_database(url, "postgres"), autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def timescaledb_installed(conn: Conn) -> bool:
    """Whether the TimescaleDB extension is active in this database."""
    row = conn.execute("SELECT 1 FROM pg_extension WHERE extname = 'timescaledb'").fetchone()
    return row is not None
