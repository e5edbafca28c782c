"""The plans API: coordinators plan, re-plan and see all routes; a crew sees only its vehicle."""

from __future__ import annotations

from datetime import UTC, date, datetime
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
