"""The spine end to end: simulator → Mosquitto → ingest → PostgreSQL → API."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from api.app import create_app
from api.auth import Role, create_user
from api.settings import ApiSettings
from config.settings import ServiceSettings
from db.conn import connect
from tests.helpers import poll
from twin.city import generate_bins
from twin.fleet import Fleet, FleetParams, run
from twin.publisher import MqttPublisher, register_sites
from twin.sensors import SensorFaults

PASSWORD = "end-to-end password"  # noqa: S105 - a test account's password


def test_simulated_readings_reach_the_api(service_env: dict[str, str], running_ingest: Any) -> None:
    """Readings the simulator publishes appear, through the real broker and database, in the API."""
    settings = ServiceSettings()
    sites = generate_bins(12, seed=3)
    register_sites(settings, sites)
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=6)
    fleet = Fleet(
        sites, params=FleetParams(seed=3, speed=1e6, faults=SensorFaults.none()), start=start
    )
    with MqttPublisher(settings, client_id=f"sim-{settings.topic_root}") as publisher:
        sent = run(
            fleet,
            publisher.publish,
            root=settings.topic_root,
            stop=threading.Event(),
            until=start + timedelta(hours=5),
        )
    assert sent == 12 * 5  # 20 measurements per bin, uploaded four at a time

    with connect(settings.database_url.get_secret_value(), autocommit=True) as conn:
        create_user(conn=conn, username="coord", password=PASSWORD, role=Role.COORDINATOR)
    with TestClient(create_app(ApiSettings())) as client:
        login = client.post("/api/v1/auth/login", json={"username": "coord", "password": PASSWORD})
        assert login.status_code == 200, login.text
        client.headers["Authorization"] = f"Bearer {login.json()['token']}"

        def all_bins_filled() -> list[dict[str, Any]] | None:
            features = client.get("/api/v1/bins").json()["features"]
            ok = len(features) == 12 and all(f["properties"]["reading_ts"] for f in features)
            return features if ok else None

        features = poll(all_bins_filled, timeout=20, what="a latest reading for every bin")
        newest = max(datetime.fromisoformat(f["properties"]["reading_ts"]) for f in features)
        assert newest == start + timedelta(hours=5)
        assert features[0]["geometry"]["type"] == "Point"

        history = client.get(
            f"/api/v1/bins/{sites[0].bin_id}/readings",
            params={"start": start.isoformat(), "end": (start + timedelta(hours=6)).isoformat()},
        )
        assert history.status_code == 200
        readings = history.json()["readings"]
        assert len(readings) == 20
        assert [r["seq"] for r in readings] == list(range(1, 21))

        assert client.get("/health").json() == {"status": "ok", "database": "ok"}
        page = client.get("/")
        assert page.status_code == 200
        assert 'lang="nl-BE"' in page.text
        assert client.get("/api/v1/bins/NOPE/readings").status_code == 404
        bad = client.get(f"/api/v1/bins/{sites[0].bin_id}/readings", params={"start": "yesterday"})
        assert bad.status_code == 422
