"""Dump reports over HTTP: who may report and follow them, where the cleanup goes, bad input."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient

from api.app import create_app
from api.auth import Role
from api.evidence_access import DirectoryEvidence
from api.route_sheet import BRUSSELS
from api.settings import ApiSettings
from tests.api.conftest import login
from tests.api.seed import PIXEL_PNG, seed_city, seed_detection, seed_plan
from tests.helpers import Conn

HERE = {"lat": "50.8290", "lon": "3.2660"}


def _all_day_shifts(db: Conn) -> None:
    """Crews and disposal sites at work around the clock, so a running route exists whenever the test runs."""
    db.execute(
        "UPDATE vehicles SET shift_start = '00:00', shift_end = '23:59', break_earliest = NULL"
    )
    db.execute(
        "UPDATE disposal_sites SET opens = '00:00', closes = '23:59', open_days = '{0,1,2,3,4,5,6}'"
    )


def _after_its_day(plan_day: date, reported_at: str) -> bool:
    """A report made after the seeded plan's day (a test run across midnight) waits for the
    next plan; on the plan's own day its route (six hours from its seeding) takes it in."""
    return datetime.fromisoformat(reported_at).astimezone(BRUSSELS).date() != plan_day


def test_a_crew_report_is_inserted_into_its_running_route_and_shown_on_the_sheet(
    client: TestClient, headers: dict[Role, dict[str, str]], db: Conn
) -> None:
    """A crew's report (GPS, photo) becomes a must-visit on today's route, due within 24 h."""
    seed_city(db)
    _all_day_shifts(db)
    plan_day = seed_plan(db, vehicle_id="veh-1")
    crew = headers[Role.CREW]
    key = str(uuid.uuid4())
    answer = client.post(
        "/api/v1/dumps",
        data={**HERE, "note": "matras en zakken", "client_key": key, "volume_l": "300"},
        files={"photo": ("stort.png", PIXEL_PNG, "image/png")},
        headers=crew,
    )
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["stored"] is True
    report = body["report"]
    assert report["source"] == "crew"
    assert report["has_photo"] is True
    due = datetime.fromisoformat(report["due_at"]) - datetime.fromisoformat(report["reported_at"])
    assert due == timedelta(hours=24)
    if _after_its_day(plan_day, report["reported_at"]):
        assert report["state"] == "next_plan"
        return
    assert report["state"] == "in_route", report["dispatch_note"]
    assert report["vehicle_id"] == "veh-1"
    assert report["state_nl"] == "in de route van veh-1"
    sheet = client.get("/api/v1/crew/route", headers=crew).json()
    dumps = [s for s in sheet["stops"] if s["kind"] == "dump"]
    assert len(dumps) == 1
    assert dumps[0]["label"] == "Sluikstort (ploeg)"

    again = client.post(
        "/api/v1/dumps", data={**HERE, "client_key": key}, headers=crew
    )  # a retried upload
    assert again.status_code == 201
    assert again.json()["stored"] is False
    assert again.json()["report"]["id"] == report["id"]

    listed = client.get("/api/v1/dumps", headers=headers[Role.COORDINATOR]).json()
    assert listed["open"] == 1
    assert listed["reports"][0]["id"] == report["id"]
    photo = client.get(f"/api/v1/dumps/{report['id']}/photo", headers=headers[Role.COORDINATOR])
    assert photo.status_code == 200
    assert photo.content == PIXEL_PNG


def test_a_citizen_report_without_a_running_route_waits_for_the_next_plan(
    client: TestClient, headers: dict[Role, dict[str, str]], db: Conn
) -> None:
    """With no plan for today a coordinator's citizen report waits, named as such, and is listed."""
    seed_city(db)
    coordinator = headers[Role.COORDINATOR]
    answer = client.post(
        "/api/v1/dumps", data={**HERE, "label": "Sluikstort Kapel"}, headers=coordinator
    )
    assert answer.status_code == 201, answer.text
    report = answer.json()["report"]
    assert report["source"] == "citizen"
    assert report["state"] == "next_plan"
    assert report["state_nl"] == "wacht op het volgende plan"
    assert "volgende plan" in report["dispatch_note"]
    listed = client.get("/api/v1/dumps", params={"open": "true"}, headers=coordinator).json()
    assert [r["label"] for r in listed["reports"]] == ["Sluikstort Kapel"]
    retry = client.post(f"/api/v1/dumps/{report['id']}/dispatch", headers=coordinator)
    assert retry.status_code == 200
    assert retry.json()["state"] == "next_plan"


def test_roles_and_bad_input_get_dutch_answers(
    client: TestClient, headers: dict[Role, dict[str, str]], db: Conn
) -> None:
    """Only the right roles report, follow and re-dispatch; bad input is refused in Dutch."""
    seed_city(db)
    assert client.post("/api/v1/dumps", data=HERE).status_code == 401
    assert client.post("/api/v1/dumps", data=HERE, headers=headers[Role.ADMIN]).status_code == 403
    assert client.get("/api/v1/dumps", headers=headers[Role.CREW]).status_code == 403
    assert client.get("/api/v1/dumps", headers=headers[Role.ENFORCEMENT]).status_code == 200
    made = client.post("/api/v1/dumps", data=HERE, headers=headers[Role.ENFORCEMENT])
    assert made.status_code == 201
    report_id = made.json()["report"]["id"]
    refused = client.post(f"/api/v1/dumps/{report_id}/dispatch", headers=headers[Role.CREW])
    assert refused.status_code == 403

    outside = client.post(
        "/api/v1/dumps", data={"lat": "95", "lon": "3.2"}, headers=headers[Role.CREW]
    )
    assert outside.status_code == 422
    assert outside.json()["message_nl"]
    not_an_image = client.post(
        "/api/v1/dumps",
        data=HERE,
        files={"photo": ("x.txt", b"hello", "text/plain")},
        headers=headers[Role.CREW],
    )
    assert not_an_image.status_code == 415
    assert not_an_image.json()["message_nl"] == "De foto is geen JPEG-, PNG- of WebP-beeld."
    future = (datetime.now(UTC) + timedelta(hours=3)).isoformat()
    late = client.post(
        "/api/v1/dumps", data={**HERE, "reported_at": future}, headers=headers[Role.CREW]
    )
    assert late.status_code == 422
    assert "toekomst" in late.json()["message_nl"]
    missing = client.get("/api/v1/dumps/999999/photo", headers=headers[Role.COORDINATOR])
    assert missing.status_code == 404
    assert missing.json()["message_nl"] == "Geen foto bij deze melding."
    listed = client.get("/api/v1/dumps", headers=headers[Role.COORDINATOR]).json()
    assert listed["open"] == 1, "refused reports store nothing"


def test_a_confirmed_camera_event_becomes_a_dump_report_once(
    api_settings: ApiSettings, accounts: dict[Role, str], db: Conn, tmp_path: Path
) -> None:
    """Enforcement's confirmation files one camera report, due 24 h after the detection."""
    seed_city(db)
    event = seed_detection(db, tmp_path, event_id="evt-dump-0001")
    app = create_app(api_settings, evidence_files=DirectoryEvidence(tmp_path))
    with TestClient(app) as client:
        officer = login(client, accounts[Role.ENFORCEMENT])
        url = "/api/v1/enforcement/events/evt-dump-0001/review"
        for _ in range(2):  # a double click
            done = client.post(
                url, json={"state": "confirmed", "reason": "zakken"}, headers=officer
            )
            assert done.status_code == 200, done.text
        listed = client.get("/api/v1/dumps", headers=officer).json()
    camera = [r for r in listed["reports"] if r["source"] == "camera"]
    assert len(camera) == 1
    assert camera[0]["event_id"] == "evt-dump-0001"
    detected = datetime.fromisoformat(event["manifest"]["detected_at"])
    reported = datetime.fromisoformat(camera[0]["reported_at"])
    assert reported == detected
    assert datetime.fromisoformat(camera[0]["due_at"]) == reported + timedelta(hours=24)
    assert camera[0]["state"] == "next_plan", "no plan today: the next plan takes it"


def test_a_crew_problem_report_of_dumping_becomes_a_dump_report_once(
    client: TestClient, headers: dict[Role, dict[str, str]], db: Conn
) -> None:
    """The crew app's 'dumping' problem with GPS files a dump report; a retried upload does not."""
    seed_city(db)
    key = str(uuid.uuid4())
    form = {
        "client_key": key,
        "kind": "dumping",
        "reported_at": datetime.now(UTC).isoformat(),
        "note": "zakken naast de glasbol",
        **HERE,
    }
    for _ in range(2):
        sent = client.post("/api/v1/crew/problems", data=form, headers=headers[Role.CREW])
        assert sent.status_code == 200, sent.text
    damage = {**form, "client_key": str(uuid.uuid4()), "kind": "damage"}
    assert client.post("/api/v1/crew/problems", data=damage, headers=headers[Role.CREW]).is_success
    listed = client.get("/api/v1/dumps", headers=headers[Role.COORDINATOR]).json()
    assert [(r["source"], r["note"]) for r in listed["reports"]] == [
        ("crew", "zakken naast de glasbol")
    ]


def test_two_reports_at_once_both_end_up_on_the_active_plan(
    client: TestClient, headers: dict[Role, dict[str, str]], db: Conn
) -> None:
    """Two re-plans of the same day are serialised: neither cleanup is lost from today's routes."""
    seed_city(db)
    _all_day_shifts(db)
    plan_day = seed_plan(db, vehicle_id="veh-1")
    coordinator = headers[Role.COORDINATOR]

    def send(k: int) -> int:
        answer = client.post(
            "/api/v1/dumps",
            data={"lat": f"{50.826 + k * 0.004:.4f}", "lon": "3.2660", "label": f"Stort {k}"},
            headers=coordinator,
        )
        assert answer.status_code == 201, answer.text
        return int(answer.json()["report"]["id"])

    with ThreadPoolExecutor(max_workers=2) as pool:
        ids = list(pool.map(send, (1, 2)))
    listed = {
        r["id"]: r for r in client.get("/api/v1/dumps", headers=coordinator).json()["reports"]
    }
    states = {listed[i]["state"] for i in ids}
    if any(_after_its_day(plan_day, listed[i]["reported_at"]) for i in ids):
        assert "next_plan" in states
        return
    assert states == {"in_route"}, [listed[i]["dispatch_note"] for i in ids]
    assert len({listed[i]["plan_id"] for i in ids}) == 1, "both on the one active plan"
