"""Hostile messages through the real broker into the real ingest and database.

Hypothesis draws batches of messages around the contract (hostile timestamps at any offset,
values of the wrong type, encodings other than UTF-8, retained messages, subtopics outside the
contract) and publishes them. After each batch: the service is alive, every message is stored or
dead-lettered exactly once, and afterwards the API still answers 200.
"""

from __future__ import annotations

import itertools
import json
from collections import Counter
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import paho.mqtt.client as mqtt
import psycopg
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from paho.mqtt.enums import CallbackAPIVersion
from pydantic import SecretStr

from api.app import create_app
from api.auth import Role, create_user
from api.settings import ApiSettings
from db.devices import RegisteredDevice, load_devices
from ingest.classify import Inbound, plan_batch
from tests.helpers import poll
from tests.ingest.conftest import ingest_settings, ingest_worker, register

_unique = itertools.count(1)
PASSWORD = "correct horse battery"  # noqa: S105 - a test account's password
OFFSETS = st.integers(min_value=-14 * 60, max_value=14 * 60).map(
    lambda m: timezone(timedelta(minutes=m))
)
TIMESTAMP = st.one_of(
    st.datetimes(
        min_value=datetime(1, 1, 2),  # noqa: DTZ001 - hypothesis adds the offset
        max_value=datetime(9999, 12, 30),  # noqa: DTZ001 - hypothesis adds the offset
        timezones=OFFSETS,
    ).map(lambda d: d.isoformat()),
    st.datetimes(
        min_value=datetime(2026, 1, 1),  # noqa: DTZ001 - hypothesis adds the offset
        max_value=datetime(2026, 12, 1),  # noqa: DTZ001 - hypothesis adds the offset
        timezones=OFFSETS,
    ).map(lambda d: d.isoformat()),
    st.integers(min_value=0, max_value=2**40),
    st.sampled_from(["1764000000", "2026-11-20T06:00:00", "", "yesterday", None]),
)
JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
)


@st.composite
def reading(draw: st.DrawFn) -> dict[str, Any]:
    """A reading whose fields are mostly right, sometimes hostile."""
    value: dict[str, Any] = {
        "seq": next(_unique) if draw(st.integers(0, 4)) else draw(JUNK),
        "ts": draw(TIMESTAMP),
        "filling_level": draw(st.one_of(st.floats(0, 1), JUNK)),
    }
    if draw(st.booleans()):
        value["temperature_c"] = draw(st.one_of(st.floats(-40, 200), JUNK))
    if not draw(st.integers(0, 8)):
        value[draw(st.sampled_from(["fill", "quality", "status", "seq"]))] = draw(JUNK)
    return value


@st.composite
def message(draw: st.DrawFn, root: str, devices: list[str]) -> tuple[str, bytes, bool]:
    """(topic, payload, retain): unique, so each can be found again in the database."""
    device = draw(st.sampled_from([*devices, "fill-ghost"]))
    kind = draw(st.sampled_from(["reading"] * 6 + ["status", "event", "reading/x", "selfie"]))
    body: dict[str, Any] = {"dropped_readings": next(_unique)}
    body["device_id"] = draw(st.sampled_from([device, device, device, "fill-other", device + "\0"]))
    if kind == "status":
        body = {"device_id": body["device_id"], "state": draw(st.sampled_from(["online", "x"]))}
        body["detail"] = f"n{next(_unique)}"
        if draw(st.booleans()):
            body["ts"] = draw(TIMESTAMP)
    else:
        body["readings"] = draw(st.lists(reading(), min_size=0, max_size=3))
    text = json.dumps(body, allow_nan=True)
    encoding = draw(st.sampled_from(["utf-8"] * 8 + ["utf-16", "bom", "cut", "bytes"]))
    if encoding == "utf-16":
        payload = text.encode("utf-16")
    elif encoding == "bom":
        payload = b"\xef\xbb\xbf" + text.encode()
    elif encoding == "cut":
        payload = text.encode()[: max(30, len(text) // 2)]
    elif encoding == "bytes":
        payload = draw(st.binary(max_size=40)) + b"#%d" % next(_unique)
    else:
        payload = text.encode()
    topic = f"{root}/v1/dev/{device}/up/{kind}"
    return topic, payload, not draw(st.integers(0, 15))


def _publisher(port: int) -> mqtt.Client:
    client = mqtt.Client(
        callback_api_version=CallbackAPIVersion.VERSION2,
        client_id=f"fuzz-{next(_unique)}",
        protocol=mqtt.MQTTv5,
    )
    client.connect("127.0.0.1", port)
    client.loop_start()
    return client


def _verdicts(
    sent: list[tuple[str, bytes, bool]], devices: dict[str, RegisteredDevice], root: str
) -> list[bool]:
    """Whether ingest should store each message (decided message by message, as ingest does)."""
    now = datetime.now(UTC)
    out = []
    for topic, payload, retain in sent:
        plan = plan_batch([Inbound(topic, payload, now, retain=retain)], devices, root=root)
        out.append(not plan.dead_letters)
    return out


def _check_once(
    conn: psycopg.Connection[Any], topic: str, payload: bytes, stored: bool, *, sent: int
) -> None:
    """One dead letter per delivery of a refused message (``sent`` times so far), none otherwise."""
    row = conn.execute(
        "SELECT count(*) FROM dead_letters WHERE topic = %s AND payload = %s", (topic, payload)
    ).fetchone()
    letters = int(row[0]) if row else 0
    if not stored:
        assert letters == sent, (topic, payload[:200])
        return
    assert letters == 0, (topic, payload[:200])
    if topic.endswith("/up/reading"):
        body = json.loads(payload)
        for r in body["readings"]:
            found = conn.execute(
                "SELECT count(*) FROM fill_readings WHERE device_id = %s AND seq = %s",
                (body["device_id"], r["seq"]),
            ).fetchone()
            assert found == (1,), (topic, payload[:200])


def test_hostile_messages_through_broker_and_database(
    *,
    db: psycopg.Connection[Any],
    database_url: str,
    topic_root: str,
    mqtt_address: tuple[str, int],
) -> None:
    """Service alive, each message stored or dead-lettered exactly once, the API still 200."""
    devices = register(db, 3)
    registry = load_devices(conn=db)
    config = ingest_settings(
        database_url=database_url,
        root=topic_root,
        port=mqtt_address[1],
        client_id=f"ingest-{topic_root}",
    )
    publisher = _publisher(mqtt_address[1])
    retained: set[str] = set()
    deliveries: Counter[tuple[str, bytes]] = Counter()  # hypothesis repeats messages
    try:
        with ingest_worker(config) as service:

            @settings(
                max_examples=25,
                derandomize=True,  # the same examples on every run: CI never fails at random
                deadline=None,
                database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
            )
            @given(st.lists(message(topic_root, devices), min_size=1, max_size=8))
            def publish_and_check(sent: list[tuple[str, bytes, bool]]) -> None:
                before = service.stats().received
                for topic, payload, retain in sent:
                    deliveries[topic, payload] += 1
                    publisher.publish(topic, payload, qos=1, retain=retain).wait_for_publish(5)
                    if retain:
                        retained.add(topic)
                poll(
                    lambda: service.stats().received >= before + len(sent),
                    timeout=20,
                    what="every message processed",
                )
                assert service.healthy()
                for (topic, payload, _), stored in zip(
                    sent, _verdicts(sent, registry, topic_root), strict=True
                ):
                    _check_once(db, topic, payload, stored, sent=deliveries[topic, payload])

            publish_and_check()
            assert service.healthy()
            assert service.stats().writer_restarts == 0
    finally:
        for topic in retained:  # the shared broker keeps nothing of this test
            publisher.publish(topic, b"", qos=1, retain=True).wait_for_publish(5)
        publisher.disconnect()
        publisher.loop_stop()
    create_user(conn=db, username="coord9", password=PASSWORD, role=Role.COORDINATOR)
    with TestClient(create_app(ApiSettings(database_url=SecretStr(database_url)))) as client:
        assert client.get("/health").status_code == 200
        token = client.post(
            "/api/v1/auth/login",
            json={"username": "coord9", "password": PASSWORD},
        ).json()["token"]
        auth = {"Authorization": f"Bearer {token}"}
        for path in ("/api/v1/bins", "/api/v1/coordinator/map", "/api/v1/devices/health"):
            assert client.get(path, headers=auth).status_code == 200, path
