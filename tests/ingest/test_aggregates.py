"""Late readings reach the hourly and daily aggregates, on plain tables and on TimescaleDB."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg

from contracts.topics import UpKind, up_topic
from db.migrate import uses_timescale
from ingest.classify import Inbound
from ingest.writer import BatchWriter
from tests.ingest.conftest import count, register

ROOT = "aggtest"


def _message(device: str, first_seq: int, times: list[datetime]) -> Inbound:
    readings = [
        {"seq": first_seq + i, "ts": ts.isoformat(), "filling_level": 0.5}
        for i, ts in enumerate(times)
    ]
    body = json.dumps({"device_id": device, "readings": readings}).encode()
    return Inbound(up_topic(device, UpKind.READING, root=ROOT), body, datetime.now(UTC), 0, 1)


def _run_refresh_policies(database_url: str) -> None:
    """On TimescaleDB, run the continuous-aggregate policies as the job scheduler would."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        if not uses_timescale(conn):
            return  # plain tables: ingest keeps the summaries in the readings' transaction
        jobs = conn.execute(
            """SELECT job_id FROM timescaledb_information.jobs
               WHERE proc_name = 'policy_refresh_continuous_aggregate' ORDER BY job_id"""
        ).fetchall()
        assert len(jobs) == 2
        for (job,) in jobs:
            conn.execute("CALL run_job(%s)", (job,))


def test_late_readings_are_counted_in_the_aggregates(
    db: psycopg.Connection[Any], database_url: str
) -> None:
    """Readings buffered 20 and 100 days arrive after the aggregates were filled and still count
    in fill_hourly and fill_daily exactly as in the raw table."""
    devices = register(db, 2)
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    writer = BatchWriter(database_url=database_url, root=ROOT, stop=lambda: False)
    recent = [now - timedelta(hours=h) for h in range(48, 0, -1)]
    assert writer.write([_message(d, 1000, recent) for d in devices])
    _run_refresh_policies(database_url)
    late = [now - timedelta(days=100, hours=h) for h in range(6)]
    late += [now - timedelta(days=20, hours=h) for h in range(6)]
    assert writer.write([_message(d, 0, late) for d in devices])
    writer.close()
    _run_refresh_policies(database_url)
    raw = count(db, "SELECT count(*) FROM fill_readings")
    assert raw == 2 * (48 + 12)
    assert count(db, "SELECT sum(readings) FROM fill_hourly") == raw
    assert count(db, "SELECT sum(readings) FROM fill_daily") == raw
