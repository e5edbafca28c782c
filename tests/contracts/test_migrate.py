"""The migration runner on plain PostgreSQL, its checksums, and the guard around TimescaleDB
statements."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

import contracts
from db.conn import timescaledb_installed
from db.migrate import (
    MigrationChangedError,
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


def _checksums(url: str) -> dict[str, dict[str, str] | None]:
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT version, checksums FROM schema_migrations").fetchall()
    return {str(version): checksums for version, checksums in rows}


def _shipped(tmp_path: Path) -> Path:
    """A copy of the shipped migrations the test may change."""
    folder = tmp_path / "migrations"
    shutil.copytree(Path(contracts.__file__).parent / "migrations", folder)
    return folder


def test_every_applied_file_has_its_checksum(fresh_database: str) -> None:
    """Each applied step records the SHA-256 of the files it ran on its path, and only those."""
    upgrade(fresh_database, timescale=TimescaleMode.OFF)
    recorded = _checksums(fresh_database)
    migrations = load_migrations()
    assert recorded == {m.version: m.checksums(timescale=False) for m in migrations}
    spine = recorded["0001"]
    assert spine is not None
    assert set(spine) == {"0001_spine.sql", "0001_spine.plain.sql"}  # not the TimescaleDB file
    assert len(spine["0001_spine.sql"]) == 64


def test_a_database_migrated_before_checksums_upgrades_cleanly(fresh_database: str) -> None:
    """A database migrated by a release without checksums (no column) gets its pending steps and
    the checksums of every applied one at its next upgrade."""
    migrations = load_migrations()
    upgrade(fresh_database, timescale=TimescaleMode.OFF, migrations=migrations[:-2])
    with psycopg.connect(fresh_database) as conn:
        conn.execute("ALTER TABLE schema_migrations DROP COLUMN checksums")
    applied = upgrade(fresh_database, timescale=TimescaleMode.OFF, migrations=migrations)
    assert applied == [m.version for m in migrations[-2:]]
    assert _checksums(fresh_database) == {
        m.version: m.checksums(timescale=False) for m in migrations
    }
    assert upgrade(fresh_database, timescale=TimescaleMode.OFF) == []


def test_a_changed_applied_migration_is_refused(fresh_database: str, tmp_path: Path) -> None:
    """An applied file changed, or a variant added to an applied step, stops the upgrade before
    anything pending runs; restored, the upgrade goes on."""
    folder = _shipped(tmp_path)
    upgrade(fresh_database, timescale=TimescaleMode.OFF, migrations=load_migrations(folder))
    routing = folder / "0030_routing.sql"
    original = routing.read_text("utf-8")
    routing.write_text(original + "\nCREATE TABLE changed_later (id int);\n", "utf-8")
    (folder / "9990_later.sql").write_text("CREATE TABLE later (id int);\n", "utf-8")
    with pytest.raises(MigrationChangedError) as refused:
        upgrade(fresh_database, timescale=TimescaleMode.OFF, migrations=load_migrations(folder))
    message = str(refused.value)
    assert "0030_routing.sql was changed after it was applied" in message
    assert "\n" not in message
    assert "9990" not in _checksums(fresh_database)  # nothing pending ran

    routing.write_text(original, "utf-8")
    (folder / "0030_routing.plain.sql").write_text("SELECT 1;\n", "utf-8")
    with pytest.raises(MigrationChangedError, match=r"0030_routing\.plain\.sql was added"):
        upgrade(fresh_database, timescale=TimescaleMode.OFF, migrations=load_migrations(folder))

    (folder / "0030_routing.plain.sql").unlink()
    applied = upgrade(
        fresh_database, timescale=TimescaleMode.OFF, migrations=load_migrations(folder)
    )
    assert applied == ["9990"]


def test_the_command_names_the_changed_file_in_one_line(fresh_database: str) -> None:
    """`nettestad db upgrade` against a database whose applied step differs from its file prints
    one line naming the file, and exits 1 without a traceback."""
    upgrade(fresh_database, timescale=TimescaleMode.OFF)
    with psycopg.connect(fresh_database) as conn:
        conn.execute(
            """UPDATE schema_migrations
               SET checksums = checksums || '{"0010_ingest_health.sql": "0"}'::jsonb
               WHERE version = '0010'"""
        )
    result = subprocess.run(
        [sys.executable, "-m", "nettestad.cli", "db", "upgrade"],
        env={**os.environ, "NETTESTAD_DATABASE_URL": fresh_database},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "0010_ingest_health.sql was changed after it was applied" in lines[0]
    assert lines[0].startswith("nettestad db: ")
