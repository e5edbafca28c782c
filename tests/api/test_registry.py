"""The asset registry's API: bins, fleet, sites, cameras and sensors, each change audited."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from api.auth import Role
from tests.api.seed import seed_city
from tests.helpers import Conn

H = dict[Role, dict[str, str]]
BIN = {
    "id": "kor-900",
    "name": "Schouwburgplein",
    "district": "Centrum",
    "container_type": "street_bin",
    "volume_l": 120,
    "depth_mm": 900,
    "lat": 50.8275,
    "lon": 3.2655,
}


def _audit(db: Conn, action: str) -> list[tuple[Any, ...]]:
    return db.execute(
        "SELECT username, object_type, object_id, detail FROM audit_log WHERE action = %s",
        (action,),
    ).fetchall()


def test_coordinator_adds_a_bin_and_the_audit_log_names_them(
    client: TestClient, headers: H, db: Conn
) -> None:
    """A new bin is stored with defaults for what was left out, and the audit log says who."""
    answer = client.post("/api/v1/registry/bins", json=BIN, headers=headers[Role.COORDINATOR])
    assert answer.status_code == 201, answer.text
    assert answer.json()["threshold"] == 0.8
    assert answer.json()["place_type"] == "street"
    assert _audit(db, "registry.create")[0][:3] == ("coordinator1", "bin", "kor-900")


def test_a_bad_bin_gets_dutch_messages_per_field_and_nothing_is_stored(
    client: TestClient, headers: H, db: Conn
) -> None:
    """Bad values are refused field by field in Dutch; no row and no audit entry appear."""
    bad = {**BIN, "volume_l": 0, "lat": "noord", "container_type": "kist"}
    answer = client.post("/api/v1/registry/bins", json=bad, headers=headers[Role.ADMIN])
    assert answer.status_code == 422
    problems = {p["field"]: p["message"] for p in answer.json()["detail"]["problems"]}
    assert problems["volume_l"] == "moet tussen 1 en 100000 liggen"
    assert problems["lat"].startswith("geen getal")
    assert problems["container_type"].startswith("moet een van")
    assert db.execute("SELECT count(*) FROM bins").fetchone() == (0,)
    assert _audit(db, "registry.create") == []


def test_changing_a_bin_records_what_changed(client: TestClient, headers: H, db: Conn) -> None:
    """A change is stored in place and the audit entry holds the old and new value."""
    seed_city(db)
    answer = client.put(
        "/api/v1/registry/bins/kor-001",
        json={**BIN, "id": "ignored", "name": "Grote Markt 1A", "volume_l": 240},
        headers=headers[Role.COORDINATOR],
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["id"] == "kor-001"
    assert answer.json()["sensor_id"] == "fs-kor-001"
    detail = _audit(db, "registry.update")[0][3]
    assert detail["volume_l"] == {"van": 120, "naar": 240}


def test_a_duplicate_bin_id_is_a_conflict(client: TestClient, headers: H, db: Conn) -> None:
    """Adding a bin whose id exists answers 409 in Dutch."""
    seed_city(db)
    answer = client.post(
        "/api/v1/registry/bins", json={**BIN, "id": "kor-001"}, headers=headers[Role.ADMIN]
    )
    assert answer.status_code == 409
    assert answer.json()["detail"] == "Vuilbak kor-001 bestaat al"


def test_bin_search_finds_by_name_and_hides_retired_bins(
    client: TestClient, headers: H, db: Conn
) -> None:
    """Searching matches part of a name; a retired bin is left out unless asked for."""
    seed_city(db)
    h = headers[Role.COORDINATOR]
    assert client.delete("/api/v1/registry/bins/kor-002", headers=h).json()["active"] is False
    found = client.get("/api/v1/registry/bins", params={"q": "station"}, headers=h).json()
    assert found["bins"] == []
    found = client.get(
        "/api/v1/registry/bins", params={"q": "station", "retired": "true"}, headers=h
    ).json()
    assert [b["id"] for b in found["bins"]] == ["kor-002"]
    assert found["total"] == 1


def test_a_vehicle_needs_a_known_depot_and_a_known_type(client: TestClient, headers: H) -> None:
    """A crane truck is added at the seeded depot; an unknown depot or type is refused."""
    h = headers[Role.COORDINATOR]
    truck = {
        "id": "veh-9",
        "name": "Kraanwagen 3",
        "vehicle_type": "crane",
        "depot_id": "depot-kortrijk",
        "capacity_l": 30000,
        "capacity_kg": 8000,
    }
    assert client.post("/api/v1/registry/vehicles", json=truck, headers=h).status_code == 201
    lost = client.post(
        "/api/v1/registry/vehicles",
        json={**truck, "id": "veh-10", "depot_id": "nergens"},
        headers=h,
    )
    assert lost.status_code == 422
    assert "niet bestaat" in lost.json()["detail"]
    wrong = client.post(
        "/api/v1/registry/vehicles",
        json={**truck, "id": "veh-11", "vehicle_type": "bus"},
        headers=h,
    )
    assert wrong.json()["detail"]["problems"][0]["field"] == "vehicle_type"
    types = {
        v["id"]: v["vehicle_type"]
        for v in client.get("/api/v1/registry/vehicles", headers=h).json()
    }
    assert types["veh-9"] == "crane"
    assert types["veh-6"] == "van"


def test_a_disposal_site_keeps_its_opening_days_and_hours(client: TestClient, headers: H) -> None:
    """Changing a site's days and hours is stored and read back."""
    h = headers[Role.ADMIN]
    answer = client.put(
        "/api/v1/registry/disposal-sites/imog-harelbeke",
        json={"name": "IMOG Harelbeke", "lat": 50.85, "lon": 3.31, "opens": "07:30",
              "closes": "16:00", "open_days": [0, 1, 2, 3, 4]},
        headers=h,
    )  # fmt: skip
    assert answer.status_code == 200, answer.text
    site = next(
        s for s in client.get("/api/v1/registry/disposal-sites", headers=h).json()
        if s["id"] == "imog-harelbeke"
    )  # fmt: skip
    assert (site["opens"], site["closes"], site["open_days"]) == (
        "07:30:00",
        "16:00:00",
        [0, 1, 2, 3, 4],
    )


def test_a_crew_gets_a_shift_with_a_break(client: TestClient, headers: H, db: Conn) -> None:
    """A shift on weekdays with a break is stored; one ending before it starts is refused."""
    h = headers[Role.COORDINATOR]
    shift = {"weekdays": "0,1,2,3,4", "starts": "06:00", "ends": "14:30",
             "break_start": "10:00", "break_minutes": 30}  # fmt: skip
    answer = client.post("/api/v1/registry/crews/ploeg-1/shifts", json=shift, headers=h)
    assert answer.status_code == 201, answer.text
    assert answer.json()[0]["weekdays"] == [0, 1, 2, 3, 4]
    backwards = client.post(
        "/api/v1/registry/crews/ploeg-1/shifts", json={**shift, "ends": "05:00"}, headers=h
    )
    assert backwards.status_code == 422
    assert db.execute("SELECT count(*) FROM crew_shifts").fetchone() == (1,)


def test_a_camera_is_registered_moved_and_retired(client: TestClient, headers: H, db: Conn) -> None:
    """A camera at a hotspot can be pointed at another and taken out of service."""
    seed_city(db)
    h = headers[Role.COORDINATOR]
    hotspot = {"id": "hs-station", "name": "Stationsplein", "district": "Centrum",
               "lat": 50.8246, "lon": 3.2642}  # fmt: skip
    assert client.post("/api/v1/registry/hotspots", json=hotspot, headers=h).status_code == 201
    body = {"id": "cam-heule-9", "hotspot_id": "hs-glas-heule"}
    assert client.post("/api/v1/registry/cameras", json=body, headers=h).status_code == 201
    moved = client.put(
        "/api/v1/registry/cameras/cam-heule-9", json={"hotspot_id": "hs-station"}, headers=h
    )
    assert moved.json()["hotspot_id"] == "hs-station"
    retired = client.delete("/api/v1/registry/cameras/cam-heule-9", headers=h)
    assert retired.json()["revoked_at"] is not None
    assert client.delete("/api/v1/registry/cameras/cam-heule-9", headers=h).status_code == 409


def test_a_sensor_swap_keeps_the_bins_readings_and_its_history(
    client: TestClient, headers: H, db: Conn
) -> None:
    """After a swap the bin has the new sensor, the old one is out of service, readings stay."""
    seed_city(db)
    h = headers[Role.COORDINATOR]
    answer = client.post(
        "/api/v1/registry/sensors/swap",
        json={"device_id": "fs-kor-001-b", "bin_id": "kor-001"},
        headers=h,
    )
    assert answer.status_code == 201, answer.text
    history = answer.json()["pairings"]
    assert [(p["device_id"], p["removed_reason"]) for p in history] == [
        ("fs-kor-001-b", None),
        ("fs-kor-001", "swap"),
    ]
    assert history[0]["installed_by"] == "coordinator1"
    assert (
        client.get("/api/v1/registry/bins/kor-001", headers=h).json()["sensor_id"] == "fs-kor-001-b"
    )
    assert db.execute(
        "SELECT revoked_at IS NOT NULL FROM devices WHERE id = 'fs-kor-001'"
    ).fetchone() == (True,)
    assert db.execute("SELECT count(*) FROM fill_readings WHERE bin_id = 'kor-001'").fetchone() == (
        1,
    )
    assert _audit(db, "registry.sensor_swap")[0][3]["old_device_id"] == "fs-kor-001"


def test_installing_on_a_bin_that_has_a_sensor_is_refused(
    client: TestClient, headers: H, db: Conn
) -> None:
    """A second sensor on a bin needs a swap, not an install."""
    seed_city(db)
    answer = client.post(
        "/api/v1/registry/sensors/install",
        json={"device_id": "fs-extra-1", "bin_id": "kor-001"},
        headers=headers[Role.ADMIN],
    )
    assert answer.status_code == 409
    assert "wissel" in answer.json()["detail"]


def test_a_retired_sensor_leaves_the_history_closed(
    client: TestClient, headers: H, db: Conn
) -> None:
    """Retiring a sensor closes its pairing with the reason and who did it."""
    seed_city(db)
    answer = client.post("/api/v1/registry/sensors/fs-hel-001/retire", headers=headers[Role.ADMIN])
    assert answer.status_code == 200, answer.text
    pairing = answer.json()["pairings"][0]
    assert (pairing["removed_reason"], pairing["removed_by"]) == ("retire", "admin1")


def test_crews_and_enforcement_may_not_edit_the_registry(client: TestClient, headers: H) -> None:
    """Only coordinators and admins reach the registry."""
    for role in (Role.CREW, Role.ENFORCEMENT):
        answer = client.post("/api/v1/registry/bins", json=BIN, headers=headers[role])
        assert answer.status_code == 403
