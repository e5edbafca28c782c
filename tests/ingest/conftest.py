"""Fixtures of the ingest tests: private brokers and databases, a stream of readings, workers."""

from __future__ import annotations

import json
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import psycopg
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from pydantic import SecretStr

from contracts.topics import UpKind, up_topic
from ingest.service import IngestService
from ingest.settings import IngestSettings
from tests.ingest.services import PrivateMosquitto, PrivatePostgres
from twin.city import generate_bins
from twin.registry import upsert_bins

START = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Stream:
    """A deterministic stream: ``messages`` per device, ``per_message`` readings each."""

    devices: list[str]
    messages: int
    per_message: int = 10

    @property
    def readings(self) -> int:
        """How many distinct readings the stream holds."""
        return len(self.devices) * self.messages * self.per_message

    def payloads(self, root: str) -> Iterator[tuple[str, bytes]]:
        """(topic, payload) of every message, devices interleaved as in a real city."""
        for m in range(self.messages):
            for device in self.devices:
                readings = []
                for k in range(self.per_message):
                    seq = m * self.per_message + k
                    readings.append(
                        {
                            "seq": seq,
                            "ts": (START + timedelta(minutes=15 * seq)).isoformat(),
                            "distance_mm": 600 - (seq % 40) * 10,
                            "filling_level": round((seq % 40) / 40, 3),
                            "temperature_c": 8.0,
                            "battery_v": 3.6,
                            "rssi_dbm": -80,
                        }
                    )
                body = {"device_id": device, "readings": readings}
                yield up_topic(device, UpKind.READING, root=root), json.dumps(body).encode()


def register(conn: psycopg.Connection[Any], n: int) -> list[str]:
    """Register ``n`` bins with their sensors; their device ids."""
    sites = generate_bins(n, seed=11)
    upsert_bins(conn=conn, sites=sites)
    return [s.device_id for s in sites]


class ReliablePublisher:
    """Publishes with QoS 1 and retries each message until the broker acknowledges it.

    That is at-least-once from the device side: across a broker restart a message may arrive
    twice, and ingest must still store it once.
    """

    def __init__(self, port: int, client_id: str) -> None:
        self.client = mqtt.Client(
            callback_api_version=CallbackAPIVersion.VERSION2,
            client_id=client_id,
            protocol=mqtt.MQTTv5,
        )
        self.client.max_queued_messages_set(0)
        # paho annotates the delays as int but waits any number of seconds: reconnect quickly.
        self.client.reconnect_delay_set(min_delay=0.2, max_delay=1)  # type: ignore[arg-type]
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()
        self.sent = 0

    def publish(self, topic: str, payload: bytes, *, deadline: float) -> None:
        """Return once the broker has the message (retrying through outages)."""
        while True:
            info = self.client.publish(topic, payload, qos=1)
            try:
                info.wait_for_publish(2)
                if info.is_published():
                    self.sent += 1
                    return
            except (RuntimeError, ValueError):
                time.sleep(0.1)  # not connected right now: back off, then publish again
            if time.monotonic() > deadline:
                raise TimeoutError("the broker did not take a message in time")

    def close(self) -> None:
        """Disconnect."""
        self.client.disconnect()
        self.client.loop_stop()


def publish_in_background(
    port: int, stream: Stream, root: str, *, per_second: float = 400, times: int = 1
) -> tuple[threading.Thread, list[BaseException]]:
    """Publish the stream at a steady rate from a thread; errors are collected, not lost."""
    errors: list[BaseException] = []

    def run() -> None:
        publisher = ReliablePublisher(port, f"pub-{root}")
        try:
            deadline = time.monotonic() + 120
            for topic, payload in stream.payloads(root):
                for _ in range(times):
                    publisher.publish(topic, payload, deadline=deadline)
                time.sleep(1 / per_second)  # pacing, so faults land mid-stream
        except BaseException as exc:  # noqa: BLE001 - reported by the test that started it
            errors.append(exc)
        finally:
            publisher.close()

    thread = threading.Thread(target=run, name="publisher", daemon=True)
    thread.start()
    return thread, errors


def count(conn: psycopg.Connection[Any], query: str) -> int:
    """The single integer a query returns."""
    row = conn.execute(query).fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def assert_stored_exactly_once(conn: psycopg.Connection[Any], stream: Stream) -> None:
    """Every reading of the stream is stored, once, and counted once in the hourly summary."""
    stored = count(conn, "SELECT count(*) FROM fill_readings")
    distinct = count(conn, "SELECT count(DISTINCT (device_id, seq)) FROM fill_readings")
    summarised = count(conn, "SELECT sum(readings) FROM fill_hourly")
    assert (stored, distinct, summarised) == (stream.readings,) * 3


def ingest_settings(
    *, database_url: str, root: str, port: int, client_id: str, **extra: Any
) -> IngestSettings:
    """Settings for an in-process ingest worker."""
    values: dict[str, Any] = {"metrics_enabled": False, **extra}
    return IngestSettings(
        database_url=SecretStr(database_url),
        topic_root=root,
        mqtt_host="127.0.0.1",
        mqtt_port=port,
        client_id=client_id,
        **values,
    )


@contextmanager
def ingest_worker(settings: IngestSettings) -> Iterator[IngestService]:
    """A real ingest service in a thread, subscribed before the block runs."""
    service = IngestService(settings)
    service.start()
    thread = threading.Thread(target=service.run_writer, name="ingest-writer", daemon=True)
    thread.start()
    assert service.wait_subscribed(10), "ingest did not subscribe within 10 s"
    try:
        yield service
    finally:
        service.stop()
        thread.join(30)
        service.close()
    assert not thread.is_alive(), "the ingest writer did not stop"


@pytest.fixture
def private_mosquitto(tmp_path: Path) -> Iterator[PrivateMosquitto]:
    """A Mosquitto with persistence of this test's own."""
    broker = PrivateMosquitto(tmp_path / "mosquitto")
    broker.start()
    yield broker
    broker.stop()


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    """A PostgreSQL cluster of this test's own, removed afterwards."""
    workdir = Path(tempfile.mkdtemp(prefix="nettestad-pg-"))
    try:
        server = PrivatePostgres(workdir)
        server.start()
        try:
            yield server
        finally:
            server.stop("immediate")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture
def stream_for() -> Callable[[psycopg.Connection[Any], int, int], Stream]:
    """Register bins and describe a stream over their sensors."""

    def make(conn: psycopg.Connection[Any], devices: int, messages: int) -> Stream:
        return Stream(register(conn, devices), messages)

    return make
