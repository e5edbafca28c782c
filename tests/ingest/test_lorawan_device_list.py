"""The coordinator's device list shows each kind for what it is: our sensors with their radio,
LoRaWAN sensors with codec and DevEUI, cameras as cameras, each offline by its own interval."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from api.app import create_app
from api.auth import Role, create_user
from api.settings import ApiSettings
from devices import (
    LoRaWANSensor,
    register_camera,
    register_fill_sensor,
    register_lorawan_sensor,
)

PASSWORD = "a long test password"  # noqa: S105 - a test account's password


@pytest.fixture
def api(database_url: str, db: psycopg.Connection[Any]) -> Iterator[TestClient]:
    """The API on this test's database, with a coordinator logged in."""
    create_user(conn=db, username="coord", password=PASSWORD, role=Role.COORDINATOR)
    settings = ApiSettings(database_url=SecretStr(database_url), pool_min=1, pool_max=2)
    with TestClient(create_app(settings)) as client:
        response = client.post(
            "/api/v1/auth/login", json={"username": "coord", "password": PASSWORD}
        )
        assert response.status_code == 200, response.text
        yield client


def test_each_kind_is_listed_for_what_it_is(api: TestClient, db: psycopg.Connection[Any]) -> None:
    """Wi-Fi and cellular sensors, a LoRaWAN sensor and a camera, each with its own fields; a
    camera heard from through its events is not offline, a LoRaWAN sensor silent for three
    of its reporting intervals is."""
    db.execute(
        """INSERT INTO bins (id, name, district, container_type, category, volume_l, depth_mm,
               lat, lon)
           SELECT 'bin-d-' || i, 'Plein ' || i, 'Centrum', 'street_bin', 'fixed', 120, 900,
                  50.83, 3.26 FROM generate_series(1, 3) i;
           INSERT INTO hotspots (id, name, district, lat, lon)
           VALUES ('hs-d-1', 'Broeltorens', 'Centrum', 50.83, 3.27)"""
    )
    register_fill_sensor(conn=db, device_id="fs-d-0001", bin_id="bin-d-1")
    register_fill_sensor(conn=db, device_id="fs-d-0002", bin_id="bin-d-2", radio="cellular")
    register_lorawan_sensor(
        conn=db, device_id="lw-d-0003", bin_id="bin-d-3",
        sensor=LoRaWANSensor("a84041000181d003", "dragino-ldds75", report_interval_s=1200),
    )  # fmt: skip
    register_camera(conn=db, device_id="cam-d-01", hotspot_id="hs-d-1", heartbeat_s=600)
    now = datetime.now(UTC)
    db.execute(
        "UPDATE devices SET last_seen_at = %s WHERE id = 'lw-d-0003'", (now - timedelta(hours=2),)
    )
    db.execute(
        """INSERT INTO dumping_events (event_id, device_id, hotspot_id, seq, started_at,
               detected_at, bbox, object_area_px, person_present, vehicle_present, score)
           VALUES ('ev-d-0001', 'cam-d-01', 'hs-d-1', 1, %s, %s, '{1,2,3,4}', 12, false, false,
                   0.9)""",
        (now - timedelta(minutes=6), now - timedelta(minutes=5)),
    )
    listed = {d["device_id"]: d for d in api.get("/api/v1/devices/health").json()}
    picked = {
        k: (d["kind"], d["radio"], d["codec"], d["dev_eui"], d["offline"])
        for k, d in listed.items()
    }
    assert picked == {
        "fs-d-0001": ("fill_sensor", "wifi", None, None, True),
        "fs-d-0002": ("fill_sensor", "cellular", None, None, True),
        "lw-d-0003": ("fill_sensor", "lorawan", "dragino-ldds75", "a84041000181d003", True),
        "cam-d-01": ("camera", None, None, None, False),
    }
    assert listed["lw-d-0003"]["report_interval_s"] == 1200
    assert listed["cam-d-01"]["last_seen_at"] is not None
