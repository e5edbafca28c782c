"""The bad-input corpus (tests/fixtures/mqtt_bad_inputs.json) turned into messages as ingest
receives them, with the devices they claim to come from: the ingest tests and the writer bench
both use it."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg

from db.devices import RegisteredDevice
from ingest.classify import Inbound

ROOT = "badin"
FILL, CAM = "fill-bad1", "cam-bad1"
CASES: list[dict[str, Any]] = json.loads(
    (
        Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "mqtt_bad_inputs.json"
    ).read_text()
)["cases"]
DEVICES = {
    FILL: RegisteredDevice(FILL, "fill_sensor", "bin-bad", None),
    CAM: RegisteredDevice(CAM, "camera", None, "HS-BAD"),
}


def _fill(text: str, now: datetime, root: str) -> str:
    hour_ago = now - timedelta(hours=1)
    for token, value in (
        ("@ROOT@", root),
        ("@FILL@", FILL),
        ("@CAM@", CAM),
        ("@NOW-1H+30S@", (hour_ago + timedelta(seconds=30)).isoformat()),
        ("@NOW-1H@", hour_ago.isoformat()),
        ("@NOW+1H@", (now + timedelta(hours=1)).isoformat()),
    ):
        text = text.replace(token, value)
    return text


def inbound(case: dict[str, Any], now: datetime, root: str = ROOT) -> Inbound:
    """The message a case describes, as ingest receives it."""
    if "payload_hex" in case:
        payload = bytes.fromhex(case["payload_hex"])
    elif "payload_repeat" in case:
        text, times = case["payload_repeat"]
        payload = (text * times).encode()
    else:
        payload = _fill(case["payload"], now, root).encode()
    if "pad_to" in case:
        payload = payload.ljust(case["pad_to"])
    topic = _fill(case["topic"], now, root)
    return Inbound(topic, payload, now, 0, 1, retain=bool(case.get("retain")))


def register_bad_devices(conn: psycopg.Connection[Any]) -> None:
    """The fill sensor, hotspot and camera the fixture's messages come from."""
    conn.execute(
        """INSERT INTO bins (id, name, district, container_type, volume_l, depth_mm, lat, lon)
           VALUES ('bin-bad', 'Proef', 'Centrum', 'street_bin', 120, 900, 50.83, 3.26)"""
    )
    conn.execute(
        "INSERT INTO devices (id, kind, bin_id) VALUES (%s, 'fill_sensor', 'bin-bad')", (FILL,)
    )
    conn.execute(
        "INSERT INTO hotspots (id, name, district, lat, lon) "
        "VALUES ('HS-BAD', 'Proef', 'Centrum', 50.83, 3.26)"
    )
    conn.execute(
        "INSERT INTO devices (id, kind, hotspot_id) VALUES (%s, 'camera', 'HS-BAD')", (CAM,)
    )
    conn.commit()
