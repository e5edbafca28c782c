"""The live twin plans from what ingest stored, so it waits for ingest before a morning plan."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from tests.helpers import Conn
from twin import LiveOperations
from twin.crew_channel import DbCrewChannel

NOW = datetime(2026, 12, 4, 4, 30, tzinfo=UTC)


def _ops(database_url: str, *, started: datetime, wait_s: float) -> LiveOperations:
    return LiveOperations(
        database_url,
        seed=7,
        crews=DbCrewChannel(database_url),
        ingest_wait_s=wait_s,
        started=started,
    )


def _store_reading(db: Conn, at: datetime) -> None:
    db.execute(
        """INSERT INTO bins (id, name, district, container_type, volume_l, depth_mm, lat, lon)
           VALUES ('KRT-T1', 'Testbak', 'Centrum', 'street_bin', 120, 1000, 50.83, 3.26)"""
    )
    db.execute("INSERT INTO devices (id, kind, bin_id) VALUES ('fs-t1', 'fill_sensor', 'KRT-T1')")
    db.execute(
        """INSERT INTO fill_readings (device_id, bin_id, ts, seq, filling_level, quality, status)
           VALUES ('fs-t1', 'KRT-T1', %s, 1, 0.4, 'ok', 'ok')""",
        (at,),
    )


def test_a_plan_at_the_start_of_the_replay_does_not_wait(database_url: str) -> None:
    """Before the twin has published for two hours there is nothing to wait for."""
    ops = _ops(database_url, started=NOW - timedelta(hours=1), wait_s=30)
    assert ops.wait_for_ingest(NOW)


def test_a_plan_waits_until_ingest_has_stored_the_recent_readings(
    database_url: str, db: Conn
) -> None:
    """A reading that ingest stores while the plan waits ends the wait."""
    ops = _ops(database_url, started=NOW - timedelta(hours=12), wait_s=30)
    result: list[bool] = []
    waiting = threading.Thread(target=lambda: result.append(ops.wait_for_ingest(NOW)))
    waiting.start()
    _store_reading(db, NOW - timedelta(minutes=40))
    waiting.join(30)
    assert result == [True]


def test_a_plan_goes_ahead_with_a_warning_when_ingest_stays_behind(
    database_url: str, db: Conn, caplog: pytest.LogCaptureFixture
) -> None:
    """Readings older than two hours past the deadline: the plan goes ahead, and says why."""
    _store_reading(db, NOW - timedelta(hours=5))
    ops = _ops(database_url, started=NOW - timedelta(hours=12), wait_s=0.3)
    assert not ops.wait_for_ingest(NOW)
    assert any("ingest is behind" in r.getMessage() for r in caplog.records)
