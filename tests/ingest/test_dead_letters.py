"""Bad messages end as dead letters with a reason, and never stop the ingest service."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import paho.mqtt.client as mqtt
import psycopg
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from contracts.topics import UpKind, up_topic
from tests.helpers import poll
from twin.city import generate_bins
from twin.registry import upsert_bins


@pytest.fixture
def publisher(mqtt_address: tuple[str, int]) -> Any:
    """A plain QoS 1 publisher standing in for devices."""
    client = mqtt.Client(callback_api_version=CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    client.connect(*mqtt_address)
    client.loop_start()
    yield client
    client.disconnect()
    client.loop_stop()


def _count(db: psycopg.Connection[tuple[Any, ...]], sql: str) -> int:
    row = db.execute(sql).fetchone()
    return int(row[0]) if row else 0


def test_bad_messages_become_dead_letters_and_ingest_goes_on(
    db: psycopg.Connection[tuple[Any, ...]],
    running_ingest: Any,
    publisher: mqtt.Client,
    topic_root: str,
    fixture_bytes: Callable[[str], bytes],
) -> None:
    """Malformed, unknown-device and wrong-topic payloads are dead letters; the next valid one is stored."""
    upsert_bins(conn=db, sites=generate_bins(2, seed=1))  # registers fill-0001 and fill-0002
    topic = up_topic("fill-0001", UpKind.READING, root=topic_root)
    stranger = up_topic("fill-9999", UpKind.READING, root=topic_root)
    unknown = fixture_bytes("mqtt/reading_valid.json").replace(b"fill-0001", b"fill-9999")
    for t, payload in [
        (topic, fixture_bytes("mqtt/reading_truncated.json")),
        (stranger, unknown),
        (topic, fixture_bytes("mqtt/reading_other_device.json")),
        (topic, fixture_bytes("mqtt/binary_garbage.bin")),
    ]:
        publisher.publish(t, payload, qos=1).wait_for_publish(5)
    publisher.publish(topic, fixture_bytes("mqtt/reading_valid.json"), qos=1).wait_for_publish(5)

    poll(lambda: _count(db, "SELECT count(*) FROM fill_readings") == 2, what="the valid readings")
    letters = poll(
        lambda: db.execute(
            "SELECT code, reason, payload, device_id FROM dead_letters ORDER BY id"
        ).fetchall(),
        what="dead letters",
    )
    poll(lambda: _count(db, "SELECT count(*) FROM dead_letters") == 4, what="four dead letters")
    letters = db.execute(
        "SELECT code, reason, payload, device_id FROM dead_letters ORDER BY id"
    ).fetchall()
    codes = sorted(row[0] for row in letters)
    assert codes == ["device_mismatch", "not_json", "not_json", "unknown_device"]
    assert all(row[1] for row in letters), "every dead letter carries a reason"
    raw = {bytes(row[2]) for row in letters}
    assert fixture_bytes("mqtt/binary_garbage.bin") in raw, "the raw bytes are kept"
    mismatch = next(r for r in letters if r[0] == "device_mismatch")
    assert "fill-0002" in mismatch[1]


def test_redelivered_batch_is_stored_once_and_device_health_updates(
    db: psycopg.Connection[tuple[Any, ...]],
    running_ingest: Any,
    publisher: mqtt.Client,
    topic_root: str,
    fixture_bytes: Callable[[str], bytes],
) -> None:
    """The same batch published twice stores its readings once; the device is marked as seen."""
    upsert_bins(conn=db, sites=generate_bins(1, seed=1))
    topic = up_topic("fill-0001", UpKind.READING, root=topic_root)
    for _ in range(2):
        publisher.publish(topic, fixture_bytes("mqtt/reading_valid.json"), qos=1).wait_for_publish(
            5
        )
    poll(lambda: running_ingest.stats().received >= 2, what="both deliveries processed")
    assert _count(db, "SELECT count(*) FROM fill_readings") == 2
    assert running_ingest.stats().duplicates == 2
    battery = db.execute("SELECT battery_v, state FROM devices WHERE id = 'fill-0001'").fetchone()
    assert battery == (pytest.approx(3.58), "online")
