"""Re-planning from what really happened: a crew ahead of plan, and two re-plans in a row."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from db import plans
from routing.service import PlanParams, StopDone, plan_day, replan
from tests.routing.history import seed_city

DAY = date(2026, 3, 10)  # a Tuesday
EVE = datetime(2026, 3, 9, 21, 0, tzinfo=UTC)
# Bounded by OR-Tools' improving solutions and the phase's iterations, not by the clock.
FIXED = PlanParams(time_limit_s=60.0, solution_limit=40, iterations=300, now=EVE)


def _bins(db: Any, plan_id: int, vehicle: str | None = None) -> list[plans.PlanStop]:
    return [
        s
        for s in plans.stops(conn=db, plan_id=plan_id)
        if s.kind != "unload" and (vehicle is None or s.vehicle_id == vehicle)
    ]


def _must_served(db: Any, plan_id: int) -> set[str]:
    return {s.ref for s in _bins(db, plan_id) if s.penalty is None}


def test_a_crew_ahead_of_plan_restarts_from_when_it_really_finished(db: Any) -> None:
    """A stop done an hour early lets the vehicle's next stop start before the old planned end."""
    seed_city(db, bins=60, days=14, until=EVE)
    morning = plan_day(conn=db, day=DAY, params=FIXED)
    route = _bins(db, morning.plan_id)
    vehicle = route[0].vehicle_id
    first = _bins(db, morning.plan_id, vehicle)[2]
    early = first.end_at - timedelta(hours=1)
    done_before = [StopDone(s.ref, early) for s in _bins(db, morning.plan_id, vehicle)[:3]]
    again = replan(conn=db, plan_id=morning.plan_id, events=done_before, now=early, params=FIXED)
    planned = [s for s in _bins(db, again.plan_id, vehicle) if s.state == "planned"]
    assert planned, "the vehicle keeps work after its early finish"
    assert planned[0].start_at < first.end_at


def test_two_replans_in_a_row_keep_every_must_visit_stop(db: Any) -> None:
    """Two re-plans after early finishes drop no must-visit stop the morning plan served."""
    seed_city(db, bins=60, days=14, until=EVE)
    morning = plan_day(conn=db, day=DAY, params=FIXED)
    must = _must_served(db, morning.plan_id)
    assert must
    plan_id = morning.plan_id
    done: set[str] = set()
    for _ in range(2):
        for vehicle in {s.vehicle_id for s in _bins(db, plan_id)}:
            todo = [s for s in _bins(db, plan_id, vehicle) if s.state == "planned"][:2]
            for s in todo:
                done.add(s.ref)
        rows = {s.ref: s for s in _bins(db, plan_id)}
        at = max(rows[r].end_at for r in done if r in rows) - timedelta(minutes=45)
        events = [StopDone(r, min(rows[r].end_at, at)) for r in sorted(done) if r in rows]
        plan_id = replan(conn=db, plan_id=plan_id, events=events, now=at, params=FIXED).plan_id
    after = _bins(db, plan_id)
    kept = {s.ref for s in after}
    assert must <= kept, sorted(must - kept)
    assert {s.ref for s in after if s.state == "done"} >= done
    left = plans.unplanned(conn=db, plan_id=plan_id)
    assert not [u for u in left if u.must_visit]


def test_the_demo_day_a_crew_an_hour_ahead_re_planned_twice_keeps_its_list(db: Any) -> None:
    """The demo: stops done an hour early, re-planned twice; the list keeps every stop it had."""
    seed_city(db, bins=60, days=14, until=EVE)
    morning = plan_day(conn=db, day=DAY, params=FIXED)
    must = _must_served(db, morning.plan_id)
    vehicle = max(
        {s.vehicle_id for s in _bins(db, morning.plan_id)},
        key=lambda v: len(_bins(db, morning.plan_id, v)),
    )
    route = _bins(db, morning.plan_id, vehicle)
    early = [StopDone(s.ref, s.end_at - timedelta(hours=1)) for s in route[:3]]
    first = replan(
        conn=db,
        plan_id=morning.plan_id,
        events=early,
        now=route[2].end_at - timedelta(hours=1),
        params=FIXED,
    )
    ahead = [s for s in _bins(db, first.plan_id, vehicle) if s.state == "planned"]
    assert ahead[0].start_at < route[2].end_at, "the truck goes on from its real finish"
    # the crew keeps the re-plan's times: three more stops done as the first re-plan says
    on_time = [StopDone(s.ref, s.end_at) for s in ahead[:3]]
    second = replan(
        conn=db,
        plan_id=first.plan_id,
        events=[*early, *on_time],
        now=ahead[2].end_at,
        params=FIXED,
    )
    after = _bins(db, second.plan_id)
    assert must <= {s.ref for s in after}, sorted(must - {s.ref for s in after})
    assert not [u for u in plans.unplanned(conn=db, plan_id=second.plan_id) if u.must_visit]
    assert len(_bins(db, second.plan_id, vehicle)) >= len(route) - 3
    assert len(after) >= len(_bins(db, morning.plan_id))
