"""Whole-database statements of backup and restore: a consistent snapshot, row counts, the
schema's versions, whether a database is empty, TimescaleDB's restore procedure."""

from __future__ import annotations

from collections.abc import Iterable

from psycopg import sql

from db.conn import Conn


def begin_snapshot(*, conn: Conn) -> str:
    """Open a read-only repeatable-read transaction and export its snapshot (for ``pg_dump
    --snapshot``); what this connection reads next sees exactly what the dump sees."""
    conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
    row = conn.execute("SELECT pg_export_snapshot()").fetchone()
    assert row is not None
    return str(row[0])


def row_counts(*, conn: Conn, tables: Iterable[str]) -> dict[str, int]:
    """The number of rows of each of these tables that exists in the public schema."""
    present = {
        str(r[0])
        for r in conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchall()
    }
    counts = {}
    for table in tables:
        if table in present:
            row = conn.execute(
                sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))
            ).fetchone()
            counts[table] = int(str(row[0])) if row else 0
    return counts


def schema_versions(*, conn: Conn) -> list[str]:
    """The migrations applied, in order."""
    rows = conn.execute("SELECT version FROM schema_migrations ORDER BY version").fetchall()
    return [str(r[0]) for r in rows]


def user_tables(*, conn: Conn) -> int:
    """How many tables the database holds; tables an extension owns do not count (the
    TimescaleDB image creates the extension, and with it its catalog, in a new database)."""
    row = conn.execute(
        """SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE c.relkind IN ('r', 'p')
             AND n.nspname NOT IN ('pg_catalog', 'information_schema')
             AND n.nspname NOT LIKE 'pg\\_toast%%'
             AND NOT EXISTS (SELECT 1 FROM pg_depend d
                             WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                               AND d.deptype = 'e')"""
    ).fetchone()
    return int(str(row[0])) if row else 0


def timescale_pre_restore(*, conn: Conn) -> None:
    """TimescaleDB's restore procedure, first step: its catalog, background jobs paused."""
    conn.execute("CREATE EXTENSION IF NOT EXISTS timescaledb")
    conn.execute("SELECT timescaledb_pre_restore()")


def timescale_post_restore(*, conn: Conn) -> None:
    """TimescaleDB's restore procedure, last step: background jobs back on."""
    conn.execute("SELECT timescaledb_post_restore()")


def run_script(*, conn: Conn, script: str) -> None:
    """Run a migration's SQL again (an idempotent one: roles and grants after a restore)."""
    conn.execute(script.encode())
