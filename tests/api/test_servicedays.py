"""Coordinators see and change the service days per area over HTTP, with the proposal."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
from fastapi.testclient import TestClient

from api.auth import Role
from db import servicedays as rows
from tests.api.seed import seed_city
from tests.helpers import Conn
from tests.routing.history import seed_city as seed_city_with_history


def _put(
    client: TestClient, auth: dict[str, str], path: str, weekdays: list[int]
) -> httpx.Response:
    """PUT ``weekdays`` for ``service/area`` (``path``) as the user of ``auth``."""
    answer: httpx.Response = client.put(
        f"/api/v1/servicedays/{path}", json={"weekdays": weekdays}, headers=auth
    )
    return answer


def _area(body: dict[str, Any], service: str, area: str) -> dict[str, Any]:
    found = [a for a in body["areas"] if a["service"] == service and a["area"] == area]
    assert len(found) == 1, body["areas"]
    row: dict[str, Any] = found[0]
    return row


def test_every_area_is_listed_per_service_and_unset_ones_are_served_every_day(
    client: TestClient, headers: dict[Role, dict[str, str]], db: Conn
) -> None:
    """Centrum has street bins and an underground container, Heule a glass bank: three rows, all daily."""
    seed_city(db)
    answer = client.get("/api/v1/servicedays", headers=headers[Role.COORDINATOR])
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert [(a["area"], a["service"], a["containers"]) for a in body["areas"]] == [
        ("Centrum", "street", 2),
        ("Centrum", "crane", 1),
        ("Heule", "crane", 1),
    ]
    assert all(a["weekdays"] == list(range(7)) and not a["stored"] for a in body["areas"])
    assert body["unserved"] == []


def test_a_change_is_stored_under_the_coordinators_name_and_audited(
    client: TestClient, headers: dict[Role, dict[str, str]], db: Conn
) -> None:
    """Setting Centrum's street days to Monday and Thursday stores them by coordinator1, with an audit entry."""
    seed_city(db)
    answer = _put(client, headers[Role.COORDINATOR], "street/Centrum", [3, 0, 3])
    assert answer.status_code == 200, answer.text
    row = _area(answer.json(), "street", "Centrum")
    assert (row["weekdays"], row["stored"], row["updated_by"]) == ([0, 3], True, "coordinator1")
    assert [(r.area, r.weekdays, r.updated_by) for r in rows.all_rows(conn=db)] == [
        ("Centrum", [0, 3], "coordinator1")
    ]
    audit = db.execute(
        "SELECT action, object_id, detail FROM audit_log WHERE action = 'servicedays.set'"
    ).fetchall()
    assert audit == [("servicedays.set", "street/Centrum", {"weekdays": [0, 3]})]


def test_a_change_that_leaves_bins_unserved_names_each_of_them(
    client: TestClient, headers: dict[Role, dict[str, str]], db: Conn
) -> None:
    """No street days for Centrum is stored, and both its street bins are named in Dutch and English."""
    seed_city(db)
    answer = _put(client, headers[Role.COORDINATOR], "street/Centrum", [])
    assert answer.status_code == 200, answer.text
    unserved = answer.json()["unserved"]
    assert [u["bin_id"] for u in unserved] == ["kor-001", "kor-002"]
    assert (
        unserved[0]["message_nl"] == "bak kor-001 (Centrum, straatploeg) heeft geen ophaaldag meer"
    )
    assert unserved[0]["message_en"] == "bin kor-001 (Centrum, street) has no service day left"
    listed = client.get("/api/v1/servicedays", headers=headers[Role.COORDINATOR]).json()
    assert [u["bin_id"] for u in listed["unserved"]] == ["kor-001", "kor-002"]


def test_an_unknown_area_is_refused_in_dutch_and_nothing_is_stored(
    client: TestClient, headers: dict[Role, dict[str, str]], db: Conn
) -> None:
    """An area without containers answers 404 with a Dutch message naming it."""
    seed_city(db)
    answer = _put(client, headers[Role.COORDINATOR], "street/Atlantis", [1])
    assert answer.status_code == 404
    assert "Onbekend gebied 'Atlantis'" in answer.json()["message_nl"]
    assert rows.all_rows(conn=db) == []


def test_a_weekday_outside_the_week_is_refused(
    client: TestClient, headers: dict[Role, dict[str, str]], db: Conn
) -> None:
    """Weekday 7 and an unknown service answer 422 with a Dutch message; nothing is stored."""
    seed_city(db)
    bad_day = _put(client, headers[Role.COORDINATOR], "street/Centrum", [7])
    bad_service = _put(client, headers[Role.COORDINATOR], "boat/Centrum", [1])
    assert (bad_day.status_code, bad_service.status_code) == (422, 422)
    assert bad_day.json()["message_nl"]
    assert rows.all_rows(conn=db) == []


def test_a_crew_may_not_change_service_days(
    client: TestClient, headers: dict[Role, dict[str, str]], db: Conn
) -> None:
    """A crew account gets 403 and the plan stays as it was."""
    seed_city(db)
    answer = _put(client, headers[Role.CREW], "street/Centrum", [1])
    assert answer.status_code == 403
    assert rows.all_rows(conn=db) == []


def test_the_proposal_is_shown_without_storing_and_stored_when_taken_over(
    client: TestClient, headers: dict[Role, dict[str, str]], db: Conn
) -> None:
    """The proposal covers every area with days; only the POST stores it, once, audited."""
    seed_city_with_history(db, bins=30, days=7, until=datetime.now(UTC))
    areas = {b.district for b in rows.bin_areas(conn=db)}
    coordinator = headers[Role.COORDINATOR]
    shown = client.get("/api/v1/servicedays/proposal", headers=coordinator)
    assert shown.status_code == 200, shown.text
    proposed = shown.json()["areas"]
    assert {p["area"] for p in proposed} == areas
    assert all(p["weekdays"] and p["current"] == list(range(7)) for p in proposed)
    assert rows.all_rows(conn=db) == []
    taken = client.post("/api/v1/servicedays/proposal", headers=coordinator)
    assert taken.status_code == 200, taken.text
    stored = {(r.service, r.area): r.weekdays for r in rows.all_rows(conn=db)}
    assert stored == {(p["service"], p["area"]): p["weekdays"] for p in proposed}
    assert all(a["stored"] for a in taken.json()["areas"] if a["containers"])
    entries = db.execute(
        "SELECT count(*) FROM audit_log WHERE action = 'servicedays.proposal'"
    ).fetchone()
    assert entries == (1,)


def test_no_proposal_without_an_active_vehicle(
    client: TestClient, headers: dict[Role, dict[str, str]], db: Conn
) -> None:
    """Without a vehicle there is no depot to plan around: 409 with a Dutch message."""
    seed_city(db)
    db.execute("UPDATE vehicles SET active = false")
    answer = client.get("/api/v1/servicedays/proposal", headers=headers[Role.COORDINATOR])
    assert answer.status_code == 409
    assert "Geen actief voertuig" in answer.json()["message_nl"]
