"""The crews' route sheet, idempotent stop actions and problem reports."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import psycopg
from fastapi.testclient import TestClient

from api.auth import Role
from api.route_sheet import today_in_brussels
from tests.api.seed import PIXEL_PNG, seed_city, seed_plan


def test_route_sheet_actions_and_plan_changes(
    client: TestClient,
    headers: dict[Role, dict[str, str]],
    db: psycopg.Connection[tuple[Any, ...]],
) -> None:
    """A crew sees its vehicle's planned stops, acts on them once per key, and sees added stops."""
    seed_city(db)
    db.execute("UPDATE users SET vehicle_id = 'veh-1' WHERE role = 'crew'")
    seed_plan(db, vehicle_id="veh-1")
    crew = headers[Role.CREW]
    sheet = client.get("/api/v1/crew/route", headers=crew).json()
    assert [s["ref"] for s in sheet["stops"]] == ["bin:kor-001", "bin:kor-002", "bin:kor-003"]
    first = sheet["stops"][0]
    assert first["container_type"] == "street_bin"
    assert first["predicted_fill"] == 0.8
    assert first["navigation_url"].startswith("geo:50.828000,3.265000")
    assert first["status"] == "open"

    key = str(uuid.uuid4())
    action = {
        "client_key": key,
        "stop_ref": "bin:kor-001",
        "service_date": sheet["service_date"],
        "action": "done",
        "fill_seen": "full",
        "acted_at": datetime.now(UTC).isoformat(),
    }
    assert client.post("/api/v1/crew/actions", json=[action], headers=crew).json() == [
        {"client_key": key, "stored": True}
    ]
    # the same key again (a sync retried after a lost answer) is acknowledged, not stored
    assert (
        client.post("/api/v1/crew/actions", json=[action], headers=crew).json()[0]["stored"]
        is False
    )
    assert db.execute("SELECT count(*), min(bin_id) FROM stop_actions").fetchone() == (1, "kor-001")
    bad = {**action, "client_key": str(uuid.uuid4()), "action": "skipped"}
    assert client.post("/api/v1/crew/actions", json=[bad], headers=crew).status_code == 422

    sheet2 = client.get("/api/v1/crew/route", headers=crew).json()
    assert sheet2["stops"][0]["status"] == "done"
    assert sheet2["stops"][0]["fill_seen"] == "full"
    assert sheet2["version"] == sheet["version"], "a crew's own action is not a plan change"

    db.execute(
        """INSERT INTO extra_stops (service_date, kind, label, lat, lon, created_by)
           VALUES (%s, 'visit', 'Kermis opruimen', 50.83, 3.27, 'coordinator1')""",
        (today_in_brussels(),),
    )
    sheet3 = client.get("/api/v1/crew/route", headers=crew).json()
    assert sheet3["version"] != sheet["version"]
    assert sheet3["stops"][-1]["label"] == "Kermis opruimen"
    assert sheet3["stops"][-1]["added_during_day"] is True

    coordinator_view = client.get(
        "/api/v1/crew/route", params={"vehicle": "veh-1"}, headers=headers[Role.COORDINATOR]
    ).json()
    assert len(coordinator_view["stops"]) == 4


def test_problem_report_with_photo_and_gps_is_stored_once(
    client: TestClient,
    headers: dict[Role, dict[str, str]],
    db: psycopg.Connection[tuple[Any, ...]],
) -> None:
    """A problem report keeps its photo, hash and position; a resend with the same key adds nothing."""
    key = str(uuid.uuid4())
    form = {
        "client_key": key,
        "kind": "dumping",
        "reported_at": datetime.now(UTC).isoformat(),
        "note": "matras naast de glasbol",
        "lat": "50.84",
        "lon": "3.24",
        "accuracy_m": "8",
    }
    files = {"photo": ("p.png", PIXEL_PNG, "image/png")}
    first = client.post("/api/v1/crew/problems", data=form, files=files, headers=headers[Role.CREW])
    assert first.status_code == 200, first.text
    assert first.json()["stored"] is True
    again = client.post("/api/v1/crew/problems", data=form, files=files, headers=headers[Role.CREW])
    assert again.json()["stored"] is False
    listed = client.get("/api/v1/crew/problems", headers=headers[Role.COORDINATOR]).json()
    assert len(listed) == 1
    assert listed[0]["has_photo"] is True
    assert listed[0]["lat"] == 50.84
    photo = client.get(f"/api/v1/crew/problems/{key}/photo", headers=headers[Role.COORDINATOR])
    assert photo.content == PIXEL_PNG
    assert photo.headers["content-type"] == "image/png"
    text = {"photo": ("p.txt", b"hello", "text/plain")}
    refused = client.post(
        "/api/v1/crew/problems",
        data={**form, "client_key": str(uuid.uuid4())},
        files=text,
        headers=headers[Role.CREW],
    )
    assert refused.status_code == 415


def _action(service_date: str, **extra: Any) -> dict[str, Any]:
    return {
        "client_key": str(uuid.uuid4()),
        "stop_ref": "bin:kor-001",
        "service_date": service_date,
        "action": "done",
        "fill_seen": "half",
        "acted_at": datetime.now(UTC).isoformat(),
        **extra,
    }


def test_an_action_naming_another_author_is_refused_and_not_stored(
    client: TestClient,
    headers: dict[Role, dict[str, str]],
    db: psycopg.Connection[tuple[Any, ...]],
) -> None:
    """An action queued by one crew member and sent with another's session is refused (409, Dutch)."""
    seed_city(db)
    db.execute("UPDATE users SET vehicle_id = 'veh-1' WHERE role = 'crew'")
    crew = headers[Role.CREW]
    me = client.get("/api/v1/auth/me", headers=crew).json()
    day = today_in_brussels().isoformat()
    other = _action(day, author_id=me["id"] + 1000, author_vehicle="veh-1")
    refused = client.post("/api/v1/crew/actions", json=[other], headers=crew)
    assert refused.status_code == 409
    assert "andere gebruiker" in refused.json()["message_nl"]
    wrong_vehicle = _action(day, author_id=me["id"], author_vehicle="veh-9")
    assert (
        client.post("/api/v1/crew/actions", json=[wrong_vehicle], headers=crew).status_code == 409
    )
    assert db.execute("SELECT count(*) FROM stop_actions").fetchone() == (0,)
    own = _action(day, author_id=me["id"], author_vehicle="veh-1")
    assert client.post("/api/v1/crew/actions", json=[own], headers=crew).json()[0]["stored"] is True
    assert db.execute("SELECT user_id, vehicle_id FROM stop_actions").fetchone() == (
        me["id"],
        "veh-1",
    )


def test_a_problem_report_naming_another_author_is_refused(
    client: TestClient,
    headers: dict[Role, dict[str, str]],
    db: psycopg.Connection[tuple[Any, ...]],
) -> None:
    """A problem report carrying another user's id is refused and nothing is stored."""
    me = client.get("/api/v1/auth/me", headers=headers[Role.CREW]).json()
    form = {
        "client_key": str(uuid.uuid4()),
        "kind": "damage",
        "reported_at": datetime.now(UTC).isoformat(),
        "author_id": str(me["id"] + 1000),
    }
    response = client.post("/api/v1/crew/problems", data=form, headers=headers[Role.CREW])
    assert response.status_code == 409
    assert db.execute("SELECT count(*) FROM problem_reports").fetchone() == (0,)


def test_unload_and_dump_stops_close_without_a_fill_but_bins_need_one(
    client: TestClient,
    headers: dict[Role, dict[str, str]],
    db: psycopg.Connection[tuple[Any, ...]],
) -> None:
    """An unload stop and a cleared dump (with its volume) close without a fill; a bin does not."""
    seed_city(db)
    crew = headers[Role.CREW]
    day = today_in_brussels().isoformat()
    unload = _action(day, stop_ref="unload:imog:7", fill_seen=None)
    dump = _action(day, stop_ref="extra:12", fill_seen=None, volume_l=500)
    bin_without_fill = _action(day, fill_seen=None)
    assert client.post("/api/v1/crew/actions", json=[unload, dump], headers=crew).status_code == 200
    response = client.post("/api/v1/crew/actions", json=[bin_without_fill], headers=crew)
    assert response.status_code == 422
    assert response.json()["message_nl"] == "De invoer is ongeldig."
    rows = db.execute(
        "SELECT stop_ref, fill_seen, volume_l FROM stop_actions ORDER BY 1"
    ).fetchall()
    assert rows == [("extra:12", None, 500), ("unload:imog:7", None, None)]


def test_a_refused_photo_says_why_in_dutch_and_stores_nothing(
    client: TestClient,
    headers: dict[Role, dict[str, str]],
    db: psycopg.Connection[tuple[Any, ...]],
) -> None:
    """A photo that is not an image is refused with a Dutch reason; the report is not half-stored."""
    form = {
        "client_key": str(uuid.uuid4()),
        "kind": "damage",
        "reported_at": datetime.now(UTC).isoformat(),
    }
    heic = {"photo": ("IMG_0001.heic", b"\x00\x00\x00\x18ftypheic", "image/heic")}
    response = client.post(
        "/api/v1/crew/problems", data=form, files=heic, headers=headers[Role.CREW]
    )
    assert response.status_code == 415
    assert response.json()["message_nl"] == "De foto is geen JPEG-, PNG- of WebP-beeld."
    assert response.json()["fields"] == ["photo"]
    assert db.execute("SELECT count(*) FROM problem_reports").fetchone() == (0,)
