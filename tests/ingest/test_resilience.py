"""Ingest keeps going: a failing writer lane is restarted and reported, retained messages on up/
are dead-lettered once and never replayed."""

from __future__ import annotations

import json
import threading
import urllib.request
from datetime import UTC, datetime
from typing import Any

import paho.mqtt.client as mqtt
import psycopg
from paho.mqtt.enums import CallbackAPIVersion

from contracts.topics import UpKind, up_topic
from ingest.classify import Inbound
from ingest.service import IngestService
from tests.helpers import poll
from tests.ingest.conftest import count, ingest_settings, ingest_worker, register


class _FailsOnce(IngestService):
    """The real service, whose first acknowledgement raises: an error no one foresaw."""

    failed = False

    def _acknowledge(self, batch: list[Inbound]) -> None:
        if not self.failed:
            self.failed = True
            raise RuntimeError("unforeseen")
        super()._acknowledge(batch)


def _reading(device: str, seq: int) -> bytes:
    ts = datetime.now(UTC).replace(microsecond=0).isoformat()
    return json.dumps({"device_id": device, "readings": [{"seq": seq, "ts": ts}]}).encode()


def _client(port: int) -> mqtt.Client:
    client = mqtt.Client(callback_api_version=CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    client.connect("127.0.0.1", port)
    client.loop_start()
    return client


def test_a_failing_lane_is_restarted_and_alarms(
    *,
    db: psycopg.Connection[Any],
    database_url: str,
    topic_root: str,
    mqtt_address: tuple[str, int],
) -> None:
    """After a lane fails, it runs again: later readings are stored, and the restart shows in the
    metrics (health answers 200 again once the lane runs)."""
    device = register(db, 1)[0]
    settings = ingest_settings(
        database_url=database_url,
        root=topic_root,
        port=mqtt_address[1],
        client_id=f"ingest-{topic_root}",
        writers=1,
        metrics_enabled=True,
        metrics_port=0,
    )
    service = _FailsOnce(settings)
    service.start()
    writer = threading.Thread(target=service.run_writer, daemon=True)
    writer.start()
    publisher = _client(mqtt_address[1])
    try:
        assert service.wait_subscribed(10)
        topic = up_topic(device, UpKind.READING, root=topic_root)
        publisher.publish(topic, _reading(device, 1), qos=1).wait_for_publish(5)
        poll(lambda: service.stats().writer_restarts == 1, timeout=10, what="a lane restart")
        publisher.publish(topic, _reading(device, 2), qos=1).wait_for_publish(5)
        poll(
            lambda: count(db, "SELECT count(*) FROM fill_readings WHERE seq = 2") == 1,
            timeout=10,
            what="the next reading stored",
        )
        assert service.metrics is not None
        base = f"http://127.0.0.1:{service.metrics.port}"
        with urllib.request.urlopen(f"{base}/metrics", timeout=5) as response:  # noqa: S310 - local
            assert "nettestad_ingest_writer_restarts_total 1" in response.read().decode()
        poll(service.healthy, timeout=10, what="the lane running again")
        with urllib.request.urlopen(f"{base}/health", timeout=5) as response:  # noqa: S310 - local
            assert response.status == 200
    finally:
        publisher.disconnect()
        publisher.loop_stop()
        service.stop()
        writer.join(15)
        service.close()


def test_a_retained_message_is_dead_lettered_once_and_never_replayed(
    *,
    db: psycopg.Connection[Any],
    database_url: str,
    topic_root: str,
    mqtt_address: tuple[str, int],
) -> None:
    """A reading published with retain is one dead letter 'retained'; a restarted ingest does not
    receive it again."""
    device = register(db, 1)[0]
    settings = ingest_settings(
        database_url=database_url,
        root=topic_root,
        port=mqtt_address[1],
        client_id=f"ingest-{topic_root}",
    )
    topic = up_topic(device, UpKind.READING, root=topic_root)
    publisher = _client(mqtt_address[1])
    try:
        with ingest_worker(settings) as service:
            publisher.publish(topic, _reading(device, 5), qos=1, retain=True).wait_for_publish(5)
            poll(lambda: service.stats().received >= 1, timeout=10, what="the retained message")
        with ingest_worker(settings) as again:
            publisher.publish(topic, _reading(device, 6), qos=1).wait_for_publish(5)
            poll(lambda: again.stats().received >= 1, timeout=10, what="a live message")
            assert again.stats().received == 1  # only the live one: nothing replayed
        assert count(db, "SELECT count(*) FROM dead_letters WHERE code = 'retained'") == 1
        assert count(db, "SELECT count(*) FROM fill_readings") == 1
    finally:
        publisher.publish(topic, b"", qos=1, retain=True).wait_for_publish(5)
        publisher.disconnect()
        publisher.loop_stop()
