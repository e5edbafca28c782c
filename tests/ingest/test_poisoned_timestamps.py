"""Readings stored before the time window was enforced no longer poison their device or reads."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg

from contracts.topics import UpKind, up_topic
from db.migrate import upgrade
from ingest.classify import Inbound
from ingest.writer import BatchWriter
from tests.conftest import TIMESCALE
from tests.ingest.conftest import count, register

ROOT = "poison"
UNREADABLE = ("9999-12-31T23:00:00-14:00", "0001-01-01T00:00:00+01:00", "2999-01-01T00:00:00Z")


def _store_unreadable(conn: psycopg.Connection[Any], device: str) -> None:
    """What an earlier ingest stored: timestamps psycopg cannot read back, and one in 2999."""
    conn.execute("ALTER TABLE fill_readings DROP CONSTRAINT IF EXISTS fill_readings_ts_readable")
    for seq, ts in enumerate(UNREADABLE):
        conn.execute(
            """INSERT INTO fill_readings (device_id, bin_id, ts, seq, filling_level, quality, status)
               SELECT id, bin_id, %s::text::timestamptz, %s, 0.5, 'ok', 'ok' FROM devices
               WHERE id = %s""",
            (ts, seq, device),
        )
    conn.execute(
        """INSERT INTO device_health (device_id, bin_id, last_reading_ts)
           SELECT id, bin_id, %s::text::timestamptz FROM devices WHERE id = %s
           ON CONFLICT (device_id) DO UPDATE SET last_reading_ts = EXCLUDED.last_reading_ts""",
        (UNREADABLE[0], device),
    )
    conn.execute(
        "UPDATE devices SET last_seen_at = %s::text::timestamptz WHERE id = %s",
        (UNREADABLE[0], device),
    )
    conn.execute("DELETE FROM schema_migrations WHERE version = '0050'")


def test_migration_moves_unreadable_readings_to_dead_letters(
    db: psycopg.Connection[Any], database_url: str
) -> None:
    """After migration 0050 every row reads back, the readings are dead letters, and the device's
    next reading is stored instead of being refused."""
    device = register(db, 1)[0]
    db.commit()
    with psycopg.connect(database_url, autocommit=True) as conn:
        _store_unreadable(conn, device)
    assert upgrade(database_url, timescale=TIMESCALE) == ["0050"]
    with psycopg.connect(database_url) as conn:
        assert conn.execute("SELECT ts FROM fill_readings").fetchall() == []
        conn.execute("SELECT last_reading_ts, overflow_since FROM device_health").fetchall()
        assert conn.execute("SELECT last_seen_at FROM devices").fetchall() == [(None,)]
        assert count(
            conn, "SELECT count(*) FROM dead_letters WHERE code = 'timestamp_out_of_window'"
        ) == len(UNREADABLE)
    now = datetime.now(UTC).replace(microsecond=0)
    body = {"device_id": device, "readings": [{"seq": 9, "ts": now.isoformat()}]}
    message = Inbound(
        up_topic(device, UpKind.READING, root=ROOT),
        json.dumps(body).encode(),
        now + timedelta(seconds=1),
    )
    writer = BatchWriter(database_url=database_url, root=ROOT, stop=lambda: False)
    assert writer.write([message])
    writer.close()
    assert writer.stats.stored_readings == 1
