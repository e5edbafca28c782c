"""The migration runner on plain PostgreSQL, and the guard around TimescaleDB statements."""

from __future__ import annotations

import os
import subprocess
import sys

import psycopg
import pytest

from db.conn import timescaledb_installed
from db.migrate import (
    TimescaleMode,
    failed_jobs,
    load_migrations,
    timescale_preloaded,
    upgrade,
    uses_timescale,
)


def test_upgrade_creates_schema_and_is_idempotent(fresh_database: str) -> None:
    """A first upgrade applies every migration; a second applies none."""
    applied = upgrade(fresh_database, timescale=TimescaleMode.OFF)
    assert applied == [m.version for m in load_migrations()]
    assert upgrade(fresh_database, timescale=TimescaleMode.OFF) == []
    with psycopg.connect(fresh_database) as conn:
        tables = {
            r[0]
            for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        }
    assert {"bins", "devices", "fill_readings", "dead_letters", "dumping_events"} <= tables


def test_plain_path_indexes_the_time_series(fresh_database: str) -> None:
    """Without TimescaleDB the readings get a per-bin time index and a BRIN index on time."""
    upgrade(fresh_database, timescale=TimescaleMode.OFF)
    with psycopg.connect(fresh_database) as conn:
        indexes = {
            r[0]: r[1]
            for r in conn.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'fill_readings'"
            )
        }
        assert not uses_timescale(conn)
        assert not timescaledb_installed(conn)
    assert "brin" in indexes["fill_readings_ts_brin"]
    assert "bin_id, ts DESC" in indexes["fill_readings_bin_ts"]


def test_auto_mode_matches_what_the_server_offers(fresh_database: str) -> None:
    """Auto mode takes the TimescaleDB path exactly when the server has the extension installed
    and preloaded (installed alone is not enabled: CREATE EXTENSION would end the session)."""
    upgrade(fresh_database, timescale=TimescaleMode.AUTO)
    with psycopg.connect(fresh_database) as conn:
        available = conn.execute(
            "SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb'"
        ).fetchone()
        row = conn.execute("SELECT current_setting('shared_preload_libraries')").fetchone()
        preloaded = row is not None and "timescaledb" in str(row[0])
        assert uses_timescale(conn) == (available is not None and preloaded)
        if uses_timescale(conn):
            hyper = conn.execute(
                "SELECT 1 FROM timescaledb_information.hypertables "
                "WHERE hypertable_name = 'fill_readings'"
            ).fetchone()
            assert hyper is not None


def test_preload_is_read_from_the_server_setting(database_url: str) -> None:
    """The preload check reads shared_preload_libraries as the server reports it."""
    with psycopg.connect(database_url) as conn:
        row = conn.execute("SELECT current_setting('shared_preload_libraries')").fetchone()
        assert row is not None
        listed = [lib.strip().strip('"') for lib in str(row[0]).split(",")]
        assert timescale_preloaded(conn) == ("timescaledb" in listed)


def test_failed_jobs_are_reported(fresh_database: str) -> None:
    """`nettestad db check` lists failed TimescaleDB jobs and exits 1, or says there are none."""
    upgrade(fresh_database, timescale=TimescaleMode.AUTO)
    with psycopg.connect(fresh_database) as conn:
        failed = failed_jobs(conn)
    result = subprocess.run(
        [sys.executable, "-m", "nettestad.cli", "db", "check"],
        env={**os.environ, "NETTESTAD_DATABASE_URL": fresh_database},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == (1 if failed else 0), result.stderr
    assert ("no failed background jobs" in result.stdout) == (not failed)


@pytest.mark.skipif(
    os.environ.get("NETTESTAD_TEST_TIMESCALE") == "on",
    reason="this server has TimescaleDB; the refusal only happens without it",
)
def test_insisting_on_timescale_fails_clearly_without_it(fresh_database: str) -> None:
    """Asking for TimescaleDB on a server without it stops with a message saying so."""
    with psycopg.connect(fresh_database.rsplit("/", 1)[0] + "/postgres") as conn:
        if conn.execute(
            "SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb'"
        ).fetchone():
            pytest.skip("this server has TimescaleDB")
    with pytest.raises(RuntimeError, match="timescaledb"):
        upgrade(fresh_database, timescale=TimescaleMode.ON)


def test_duplicate_reading_is_stored_once(db: psycopg.Connection[tuple[object, ...]]) -> None:
    """The readings' key (device, time, sequence) turns a second delivery into a no-op."""
    db.execute(
        "INSERT INTO bins (id, name, district, container_type, volume_l, depth_mm, lat, lon)"
        " VALUES ('B1', 'Grote Markt', 'Centrum', 'street_bin', 60, 700, 50.83, 3.26)"
    )
    insert = (
        "INSERT INTO fill_readings (device_id, bin_id, ts, seq, quality, status) VALUES "
        "('fill-0001', 'B1', '2026-11-28T10:00Z', 7, 'ok', 'ok') ON CONFLICT DO NOTHING"
    )
    assert db.execute(insert).rowcount == 1
    assert db.execute(insert).rowcount == 0
