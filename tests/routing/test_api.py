"""The plans API: coordinators plan, re-plan and see all routes; a crew sees only its vehicle."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from api.auth import Role, create_user
from routing.service import PlanParams, plan_day
from tests.api.conftest import PASSWORD, login
from tests.routing.history import seed_city

DAY = "2026-03-10"
EVE = datetime(2026, 3, 9, 21, 0, tzinfo=UTC)


def test_plans_by_role(db: Any, client: TestClient, headers: dict[Role, dict[str, str]]) -> None:
    """A coordinator reads the whole plan; a crew reads its own vehicle's route and no other."""
    seed_city(db, bins=40, days=10, until=EVE)
    result = plan_day(
        conn=db,
        day=date(2026, 3, 10),
        params=PlanParams(time_limit_s=1, solution_limit=100, now=EVE),
    )
    full = client.get("/api/v1/plans", params={"day": DAY}, headers=headers[Role.COORDINATOR])
    assert full.status_code == 200, full.text
    body = full.json()
    assert body["id"] == result.plan_id
    vehicle = body["routes"][0]["vehicle_id"]
    assert body["routes"][0]["stops"]
    create_user(conn=db, username="ploeg", password=PASSWORD, role=Role.CREW, vehicle_id=vehicle)
    crew = login(client, "ploeg")
    own = client.get(f"/api/v1/plans/day/{DAY}/vehicle/{vehicle}", headers=crew)
    assert own.status_code == 200
    assert [r["vehicle_id"] for r in own.json()["routes"]] == [vehicle]
    other = client.get(f"/api/v1/plans/day/{DAY}/vehicle/veh-999", headers=crew)
    assert other.status_code == 403
    assert client.get("/api/v1/plans", params={"day": DAY}, headers=crew).status_code == 403
    assert client.get("/api/v1/plans", params={"day": DAY}).status_code == 401
    assert client.post("/api/v1/plans", json={"day": DAY}, headers=crew).status_code == 403
    far = client.post(
        "/api/v1/plans", json={"day": "2999-01-01"}, headers=headers[Role.COORDINATOR]
    )
    assert far.status_code == 422


def test_replan_endpoint_keeps_done_stop(
    db: Any, client: TestClient, headers: dict[Role, dict[str, str]]
) -> None:
    """POST replan with a done stop stores a new active plan that keeps that stop as done."""
    seed_city(db, bins=40, days=10, until=EVE)
    created = client.post(
        "/api/v1/plans", json={"day": DAY, "time_limit_s": 1}, headers=headers[Role.COORDINATOR]
    )
    assert created.status_code == 201, created.text
    plan_id = created.json()["plan_id"]
    plan = client.get(f"/api/v1/plans/{plan_id}", headers=headers[Role.COORDINATOR]).json()
    first = next(s for r in plan["routes"] for s in r["stops"] if s["kind"] == "bin")
    replanned = client.post(
        f"/api/v1/plans/{plan_id}/replan",
        json={
            "events": [{"type": "done", "ref": first["ref"], "at": first["end_at"]}],
            "now": first["end_at"],
            "time_limit_s": 1,
        },
        headers=headers[Role.ADMIN],
    )
    assert replanned.status_code == 201, replanned.text
    new = client.get("/api/v1/plans", params={"day": DAY}, headers=headers[Role.COORDINATOR]).json()
    assert new["id"] == replanned.json()["plan_id"] != plan_id
    kept = [s for r in new["routes"] for s in r["stops"] if s["ref"] == first["ref"]]
    assert [s["state"] for s in kept] == ["done"]
    bad = client.post(
        f"/api/v1/plans/{plan_id}/replan",
        json={"events": [{"type": "done"}]},
        headers=headers[Role.COORDINATOR],
    )
    assert bad.status_code == 422


def _old_plan(db: Any, day: date) -> int:
    """A plan as stored before plans were checked: active, with no flag in its summary."""
    db.execute("ALTER TABLE plans DROP CONSTRAINT plans_state_check")
    db.execute(
        "ALTER TABLE plans ADD CONSTRAINT plans_state_check CHECK (state IN ('active', 'superseded'))"
    )
    row = db.execute(
        "INSERT INTO plans (day, objective, distance_m, solve_s) VALUES (%s, 1, 1000, 0.5) RETURNING id",
        (day,),
    ).fetchone()
    db.execute(
        "INSERT INTO plan_routes (plan_id, vehicle_id, start_at, end_at, distance_m) VALUES (%s, 'veh-1', %s, %s, 1000)",
        (row[0], EVE, EVE),
    )
    db.execute(
        """INSERT INTO plan_stops (plan_id, vehicle_id, seq, kind, ref, name, lat, lon,
                                   arrival_at, start_at, end_at, load_l, load_kg, predicted_fill)
           VALUES (%s, 'veh-1', 1, 'bin', 'b-old', 'Oud', 50.83, 3.26, %s, %s, %s, 100, 12, 0.8)""",
        (row[0], EVE, EVE, EVE),
    )
    return int(row[0])


def test_plan_stored_before_checking_is_never_shown(
    db: Any, client: TestClient, headers: dict[Role, dict[str, str]]
) -> None:
    """After migration 0085 an old unchecked plan is not shown: the day and the plan answer 409
    in Dutch, a crew gets no route from it, and a new checked plan for the day is shown again."""
    plan_id = _old_plan(db, date(2026, 3, 10))
    create_user(conn=db, username="ploeg", password=PASSWORD, role=Role.CREW, vehicle_id="veh-1")
    crew = login(client, "ploeg")
    before = client.get("/api/v1/crew/route", params={"service_date": DAY}, headers=crew)
    assert [s["ref"] for s in before.json()["stops"]] == ["bin:b-old"]  # shown before 0085
    migration = Path(__file__).parents[2] / "contracts/migrations/0085_unchecked_plans.sql"
    db.execute(migration.read_text())
    coordinator = headers[Role.COORDINATOR]
    day = client.get("/api/v1/plans", params={"day": DAY}, headers=coordinator)
    assert day.status_code == 409
    assert "opnieuw" in day.json()["detail"]
    assert client.get(f"/api/v1/plans/{plan_id}", headers=coordinator).status_code == 409
    assert client.get(f"/api/v1/plans/day/{DAY}/vehicle/veh-1", headers=crew).status_code == 409
    sheet = client.get("/api/v1/crew/route", params={"service_date": DAY}, headers=crew)
    assert sheet.status_code == 200
    assert sheet.json()["stops"] == []
    seed_city(db, bins=40, days=10, until=EVE)
    result = plan_day(
        conn=db,
        day=date(2026, 3, 10),
        params=PlanParams(time_limit_s=1, solution_limit=100, now=EVE),
    )
    shown = client.get("/api/v1/plans", params={"day": DAY}, headers=coordinator)
    assert shown.status_code == 200
    assert shown.json()["id"] == result.plan_id
    assert shown.json()["summary"]["checked"] is True
