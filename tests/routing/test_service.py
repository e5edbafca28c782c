"""Planning a day from the database, storing it, and re-planning the rest of the day."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from db import plans
from routing.service import (
    NewDump,
    PlanParams,
    StopBlocked,
    StopDone,
    plan_day,
    replan,
)
from tests.routing.history import seed_city

DAY = date(2026, 3, 10)  # a Tuesday
EVE = datetime(2026, 3, 9, 21, 0, tzinfo=UTC)
# Bounded by OR-Tools' improving solutions and the phase's iterations, not by the clock.
FAST = PlanParams(time_limit_s=60.0, solution_limit=40, iterations=300, now=EVE)


def test_plan_day_stores_a_plan_with_routes_and_explanations(db: Any) -> None:
    """plan_day reads bins and history, plans every must-visit bin and stores the routes."""
    seed_city(db, bins=60, days=14, until=EVE)
    result = plan_day(conn=db, day=DAY, params=FAST)
    assert result.must_visit + result.optional > 0
    stops = plans.stops(conn=db, plan_id=result.plan_id)
    bins = [s for s in stops if s.kind == "bin"]
    assert len(bins) == result.planned_stops > 0
    # every route unloads before it returns to the depot
    by_vehicle: dict[str, list[plans.PlanStop]] = {}
    for s in stops:
        by_vehicle.setdefault(s.vehicle_id, []).append(s)
    for route in by_vehicle.values():
        assert route[-1].kind == "unload"
    for u in plans.unplanned(conn=db, plan_id=result.plan_id):
        assert u.reason
    header = plans.plan(conn=db, plan_id=result.plan_id)
    assert header is not None
    assert header.state == "active"


def test_replan_keeps_done_stops_and_adds_events(db: Any) -> None:
    """A re-plan keeps the done stops as they were, drops blocked ones and adds a new dump."""
    seed_city(db, bins=60, days=14, until=EVE)
    first = plan_day(conn=db, day=DAY, params=FAST)
    stops = [s for s in plans.stops(conn=db, plan_id=first.plan_id) if s.kind == "bin"]
    done, blocked = stops[0], stops[-1]
    now = done.end_at + timedelta(minutes=5)
    second = replan(
        conn=db,
        plan_id=first.plan_id,
        events=[
            StopDone(done.ref, done.end_at),
            StopBlocked(blocked.ref),
            NewDump("Sluikstort Heule", 50.838, 3.234),
        ],
        now=now,
        params=FAST,
    )
    new_stops = plans.stops(conn=db, plan_id=second.plan_id)
    kept = [s for s in new_stops if s.ref == done.ref]
    assert len(kept) == 1
    assert kept[0].state == "done"
    assert kept[0].start_at == done.start_at
    assert kept[0].vehicle_id == done.vehicle_id
    assert blocked.ref not in {s.ref for s in new_stops}
    assert any(s.kind == "fixed" for s in new_stops)
    others = [s for s in new_stops if s.state == "planned"]
    assert all(s.start_at >= now for s in others)
    assert plans.plan(conn=db, plan_id=first.plan_id).state == "superseded"  # type: ignore[union-attr]  # the plan exists
