"""Alarms, health, security events and trends, from a published message to the API."""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import paho.mqtt.client as mqtt
import psycopg
import pytest
from fastapi.testclient import TestClient
from paho.mqtt.enums import CallbackAPIVersion
from pydantic import SecretStr

from api.app import create_app
from api.auth import Role, create_user
from api.settings import ApiSettings
from contracts.topics import UpKind, up_topic
from tests.helpers import poll, scalar
from tests.ingest.conftest import count, ingest_settings, ingest_worker, register

PASSWORD = "a long test password"  # noqa: S105 - a test account's password


@pytest.fixture
def api(database_url: str, db: psycopg.Connection[Any]) -> Iterator[TestClient]:
    """The API on this test's database, with a coordinator and a crew account."""
    create_user(conn=db, username="coord", password=PASSWORD, role=Role.COORDINATOR)
    create_user(conn=db, username="crew", password=PASSWORD, role=Role.CREW, vehicle_id="v1")
    settings = ApiSettings(database_url=SecretStr(database_url), pool_min=1, pool_max=4)
    with TestClient(create_app(settings)) as client:
        yield client


def _login(client: TestClient, username: str) -> dict[str, str]:
    response = client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    client.cookies.clear()
    return {"Authorization": f"Bearer {response.json()['token']}"}


@pytest.fixture
def publisher(mqtt_address: tuple[str, int]) -> Iterator[mqtt.Client]:
    """A plain QoS 1 publisher standing in for devices."""
    client = mqtt.Client(callback_api_version=CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    client.connect(*mqtt_address)
    client.loop_start()
    yield client
    client.disconnect()
    client.loop_stop()


def _reading(device: str, seq: int, ts: datetime, **fields: object) -> bytes:
    reading = {"seq": seq, "ts": ts.isoformat(), "filling_level": 0.4, "distance_mm": 500}
    return json.dumps({"device_id": device, "readings": [{**reading, **fields}]}).encode()


def test_a_fire_alarm_is_in_the_api_within_a_second_of_being_stored(
    *,
    db: psycopg.Connection[Any],
    database_url: str,
    topic_root: str,
    mqtt_address: tuple[str, int],
    api: TestClient,
    publisher: mqtt.Client,
) -> None:
    """A burning bin's alert is listed for coordinators within 1 s of its reading's commit."""
    device = register(db, 2)[0]
    bin_id = scalar(db, "SELECT bin_id FROM devices WHERE id = %s", (device,))
    coordinator = _login(api, "coord")
    settings = ingest_settings(
        database_url=database_url,
        root=topic_root,
        port=mqtt_address[1],
        client_id=f"ingest-{topic_root}",
    )
    with ingest_worker(settings):
        now = datetime.now(UTC).replace(microsecond=0)
        body = _reading(device, 1, now, status="burning", temperature_c=85.0)
        publisher.publish(up_topic(device, UpKind.READING, root=topic_root), body, 1)
        poll(
            lambda: count(db, "SELECT count(*) FROM fill_readings WHERE status = 'burning'"),
            interval=0.01,
            what="the burning reading stored",
        )
        stored_at = time.monotonic()

        def listed() -> list[dict[str, Any]]:
            alerts = api.get("/api/v1/alerts", headers=coordinator).json()
            return [a for a in alerts if a["bin_id"] == bin_id and a["kind"] == "fire"]

        fire = poll(listed, timeout=1.0, interval=0.01, what="the fire alert in the API")
        assert time.monotonic() - stored_at <= 1.0
    assert fire[0]["severity"] == "critical"
    assert fire[0]["observed_at"].startswith(now.isoformat()[:19])
    assert api.get("/api/v1/alerts", headers=_login(api, "crew")).status_code == 403
    assert api.get("/api/v1/alerts").status_code == 401
    ack = api.post(f"/api/v1/alerts/{fire[0]['id']}/acknowledge", headers=coordinator)
    assert ack.status_code == 200
    assert api.post("/api/v1/alerts/999999/acknowledge", headers=coordinator).status_code == 404


def test_health_events_security_and_trends_reach_the_api(
    *,
    db: psycopg.Connection[Any],
    database_url: str,
    topic_root: str,
    mqtt_address: tuple[str, int],
    api: TestClient,
    publisher: mqtt.Client,
) -> None:
    """A day of readings gives hourly trends, a collection, device health; an impersonation is logged."""
    device, other = register(db, 2)
    bin_id = scalar(db, "SELECT bin_id FROM devices WHERE id = %s", (device,))
    headers = _login(api, "coord")
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=6)
    settings = ingest_settings(
        database_url=database_url,
        root=topic_root,
        port=mqtt_address[1],
        client_id=f"ingest-{topic_root}",
        metrics_enabled=True,
        metrics_port=0,
    )
    with ingest_worker(settings) as service:
        topic = up_topic(device, UpKind.READING, root=topic_root)
        levels = [0.5, 0.6, 0.7, 0.8, 0.05, 0.1]  # emptied at the fifth reading
        for seq, level in enumerate(levels):
            ts = start + timedelta(hours=seq)
            publisher.publish(topic, _reading(device, seq, ts, filling_level=level), 1)
        spoof = _reading(other, 1, start)  # device's credentials, the other's name
        publisher.publish(topic, spoof, 1).wait_for_publish(5)
        poll(lambda: count(db, "SELECT count(*) FROM security_events"), what="security event")
        poll(lambda: count(db, "SELECT count(*) FROM fill_readings") == 6, what="six readings")
        assert service.metrics is not None
        url = f"http://127.0.0.1:{service.metrics.port}/metrics"

        def scraped() -> str:
            with urllib.request.urlopen(url, timeout=5) as response:
                text: str = response.read().decode()
            # the counters move just after the commit that made the rows visible
            counted = "nettestad_ingest_readings_stored_total 6" in text
            return text if counted and "nettestad_ingest_dead_letters_total 1" in text else ""

        metrics = poll(scraped, what="the stored readings and the dead letter counted")
    assert "nettestad_ingest_queue_depth" in metrics

    trend = api.get(f"/api/v1/trends/bins/{bin_id}", headers=headers).json()
    assert [round(b["fill_avg"], 2) for b in trend["buckets"]] == levels
    districts = api.get("/api/v1/trends/districts", headers=headers).json()
    assert sum(row["readings"] for row in districts) == 6
    events = api.get("/api/v1/bin-events", headers=headers, params={"bin_id": bin_id}).json()
    assert [(e["kind"], e["fill_before"], e["fill_after"]) for e in events] == [
        ("collection", pytest.approx(0.8), pytest.approx(0.05))
    ]
    health = {d["device_id"]: d for d in api.get("/api/v1/devices/health", headers=headers).json()}
    assert health[device]["last_seen_at"] is not None
    assert not health[device]["offline"]
    assert health[other]["offline"], "a device never heard from counts as offline"
    security = api.get("/api/v1/security-events", headers=headers)
    assert security.status_code == 403, "security events are for administrators"
    row = db.execute("SELECT topic_device_id, claimed_device_id FROM security_events").fetchone()
    assert row == (device, other)
