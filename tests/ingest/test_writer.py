"""The batch writer on the real database: late data, write methods, offline detection."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest

from contracts.topics import UpKind, up_topic
from db.readings import WriteMethod
from ingest.classify import Inbound
from ingest.writer import BatchWriter, OfflinePolicy
from tests.ingest.conftest import count, register

ROOT = "wtest"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "mqtt"


def _message(device: str, readings: list[tuple[int, datetime, float]], **fields: Any) -> Inbound:
    body = {
        "device_id": device,
        "readings": [
            {"seq": s, "ts": ts.isoformat(), "filling_level": level, **fields}
            for s, ts, level in readings
        ],
    }
    topic = up_topic(device, UpKind.READING, root=ROOT)
    return Inbound(topic, json.dumps(body).encode(), datetime.now(UTC), 0, 1)


def _writer(database_url: str, **extra: Any) -> BatchWriter:
    return BatchWriter(database_url=database_url, root=ROOT, stop=lambda: False, **extra)


def test_late_data_is_stored_at_its_own_timestamps(
    db: psycopg.Connection[Any], database_url: str
) -> None:
    """Three days of buffered readings arriving after newer ones land in their own hours."""
    device = register(db, 1)[0]
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    writer = _writer(database_url)
    assert writer.write([_message(device, [(100, now, 0.5)])])
    buffered = [
        (i, now - timedelta(days=3) + timedelta(hours=i), 0.9 if i % 2 else 0.0) for i in range(3)
    ]
    assert writer.write([_message(device, buffered, temperature_c=90.0)])
    writer.close()
    stored = [r[0] for r in db.execute("SELECT ts FROM fill_readings ORDER BY ts").fetchall()]
    assert stored == [ts for _, ts, _ in buffered] + [now]
    hours = db.execute("SELECT bucket, readings FROM fill_hourly ORDER BY bucket").fetchall()
    assert hours == [(ts, 1) for _, ts, _ in buffered] + [(now, 1)]
    assert count(db, "SELECT count(*) FROM bin_events") == 0, "old drops are not collections now"
    assert count(db, "SELECT count(*) FROM alerts WHERE kind = 'fire'") == 1, "but fire is raised"
    last = db.execute("SELECT last_reading_ts FROM device_health").fetchone()
    assert last == (now,)


@pytest.mark.parametrize("method", list(WriteMethod))
def test_every_write_method_stores_the_same_rows_once(
    db: psycopg.Connection[Any], database_url: str, method: WriteMethod
) -> None:
    """COPY, multi-row VALUES and executemany store a batch, and skip it when it comes again."""
    devices = register(db, 3)
    start = datetime(2026, 11, 1, tzinfo=UTC)
    batch = [
        _message(d, [(s, start + timedelta(minutes=15 * s), s / 10) for s in range(8)])
        for d in devices
    ]
    writer = _writer(database_url, method=method)
    assert writer.write(batch)
    assert writer.write(batch)
    writer.close()
    assert writer.stats.stored_readings == 24
    assert writer.stats.duplicates == 24
    assert count(db, "SELECT count(*) FROM fill_readings") == 24
    assert count(db, "SELECT sum(readings) FROM fill_hourly") == 24
    assert count(db, "SELECT sum(readings) FROM fill_daily") == 24
    average = db.execute("SELECT sum(fill_sum) / sum(fill_n) FROM fill_hourly").fetchone()
    assert average is not None
    assert average[0] == pytest.approx(0.35, abs=1e-6)


@pytest.mark.parametrize("method", list(WriteMethod))
def test_every_write_method_stores_the_contract_values_of_a_reading(
    db: psycopg.Connection[Any], database_url: str, method: WriteMethod
) -> None:
    """Status and quality are stored as the contract spells them, optional fields as given."""
    device = register(db, 1)[0]
    ts = datetime(2026, 11, 1, 8, 15, tzinfo=UTC)
    message = _message(
        device, [(7, ts, 1.0)], status="lidOpen", quality="blind_zone", distance_mm=40,
        temperature_c=12.5, battery_v=3.5, rssi_dbm=-90,
    )  # fmt: skip
    writer = _writer(database_url, method=method)
    assert writer.write([message])
    writer.close()
    row = db.execute(
        """SELECT device_id, ts, seq, distance_mm, filling_level, temperature_c, battery_v,
                  rssi_dbm, quality, status FROM fill_readings"""
    ).fetchone()
    assert row == (device, ts, 7, 40, 1.0, 12.5, 3.5, -90, "blind_zone", "lidOpen")


def test_a_silent_device_is_flagged_offline_and_cleared_when_heard_again(
    db: psycopg.Connection[Any], database_url: str
) -> None:
    """No message within 3 x its interval opens an offline alert; its next reading closes it."""
    device, quiet = register(db, 2)
    db.execute(
        "UPDATE devices SET config = '{\"report_interval_s\": 600}' WHERE id = %s", (device,)
    )
    now = datetime.now(UTC).replace(microsecond=0)
    writer = _writer(database_url, offline=OfflinePolicy(default_interval_s=3600, factor=3.0))
    assert writer.write([_message(device, [(1, now - timedelta(hours=1), 0.3)])])
    assert writer.write([_message(quiet, [(1, now - timedelta(hours=1), 0.3)])])
    assert writer.sweep_offline() == 1, "silent for 1 h: offline at 10 min x 3, not at 1 h x 3"
    assert writer.sweep_offline() == 0, "one open alert, not one per sweep"
    row = db.execute("SELECT device_id FROM alerts WHERE kind = 'offline'").fetchone()
    assert row == (device,)
    assert writer.write([_message(device, [(2, now, 0.35)])])
    writer.close()
    cleared = db.execute("SELECT cleared_at FROM alerts WHERE kind = 'offline'").fetchone()
    assert cleared is not None
    assert cleared[0] == now


def test_events_a_camera_dropped_are_counted_once(
    db: psycopg.Connection[Any], database_url: str
) -> None:
    """A dumping event's dropped_events adds to its camera's counter once, even when redelivered."""
    db.execute(
        "INSERT INTO hotspots (id, name, district, lat, lon) VALUES ('HS-01', 'x', 'y', 50.8, 3.3)"
    )
    db.execute("INSERT INTO devices (id, kind, hotspot_id) VALUES ('cam-0001', 'camera', 'HS-01')")
    event = json.loads((FIXTURES / "event_dumping.json").read_text())
    topic = up_topic("cam-0001", UpKind.EVENT, root=ROOT)

    def message(event_id: str, dropped: int) -> Inbound:
        body = {**event, "event_id": event_id, "dropped_events": dropped}
        return Inbound(topic, json.dumps(body).encode(), datetime.now(UTC), 0, 1)

    writer = _writer(database_url)
    assert writer.write([message("event-0001", 3), message("event-0002", 0)])
    assert writer.write([message("event-0001", 3)]), "the broker delivers the first one again"
    assert writer.write([message("event-0003", 2)])
    writer.close()
    assert count(db, "SELECT count(*) FROM dumping_events") == 3
    assert count(db, "SELECT dropped_events FROM devices WHERE id = 'cam-0001'") == 5


def _with_dropped(message: Inbound, dropped: int) -> Inbound:
    body = {**json.loads(message.payload), "dropped_readings": dropped}
    return Inbound(message.topic, json.dumps(body).encode(), message.received_at, 0, 1)


def test_a_batch_partly_stored_already_derives_from_its_new_readings_only(
    db: psycopg.Connection[Any], database_url: str
) -> None:
    """A batch mixing stored readings, new ones and a message twice stores and judges each once."""
    device = register(db, 1)[0]
    start = datetime(2026, 11, 1, tzinfo=UTC)
    first = [(s, start + timedelta(minutes=15 * s), 0.5) for s in range(3)]
    writer = _writer(database_url)
    assert writer.write([_message(device, first)])
    # seq 3 falls from 0.5 to 0.05: one collection, however often it comes
    later = [(3, start + timedelta(minutes=45), 0.05), (4, start + timedelta(minutes=60), 0.1)]
    redelivered = _with_dropped(_message(device, first), 5)  # its drops were counted before
    fresh = _with_dropped(_message(device, later), 7)
    assert writer.write([redelivered, fresh, fresh])
    writer.close()
    assert writer.stats.stored_readings == 5
    assert writer.stats.duplicates == 3 + 2, "stored before, or twice in the batch"
    assert count(db, "SELECT count(*) FROM fill_readings") == 5
    assert count(db, "SELECT sum(readings) FROM fill_hourly") == 5
    assert count(db, "SELECT sum(readings) FROM fill_daily") == 5
    assert count(db, "SELECT count(*) FROM bin_events WHERE kind = 'collection'") == 1
    assert count(db, "SELECT dropped_readings FROM devices") == 7
    last = db.execute("SELECT last_reading_ts FROM device_health").fetchone()
    assert last == (start + timedelta(minutes=60),)
