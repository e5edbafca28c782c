"""Same-day dump clearing: a cleanup goes onto a running route by a re-plan, or into the next plan."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from db import dumps as dump_db
from db import plans as store
from routing import dumps
from routing.model import Facility, Problem, Stop, Vehicle, VisitKind, Window
from routing.pipeline import PlanConfig, plan
from routing.service import PlanParams, plan_day
from tests.routing.history import seed_city

DAY = date(2026, 3, 10)  # a Tuesday
EVE = datetime(2026, 3, 9, 21, 0, tzinfo=UTC)
FIXED = PlanParams(time_limit_s=60.0, solution_limit=40, iterations=300, now=EVE)
CONFIG = PlanConfig(time_limit_s=30.0, solution_limit=40, iterations=300, seed=3)


def _grid() -> Problem:
    """A depot, twelve bins on a 4 x 3 grid 1 km apart, a site, and one spare point for a dump."""
    points = [(0, 0)] + [(x, y) for x in range(1, 5) for y in range(3)] + [(5, 0), (2, 4)]
    dist = [
        [round(1000 * ((ax - bx) ** 2 + (ay - by) ** 2) ** 0.5) for bx, by in points]
        for ax, ay in points
    ]
    dur = [[d * 120 // 1000 for d in row] for row in dist]
    stops = tuple(Stop(f"b{i}", i, (60,), 120) for i in range(1, 13))
    trucks = tuple(
        Vehicle(f"t{k}", (2000,), 0, 0, Window(6 * 3600, 14 * 3600), distance_cost=1200)
        for k in (1, 2)
    )
    return Problem(dist, dur, stops, trucks, (Facility("site", 13, 600),), name="grid")


def test_a_cleanup_joins_a_running_route_and_what_was_done_stays_done() -> None:
    """Mid-morning a dump is added: it is served after now, and no done stop is planned again."""
    problem = _grid()
    morning = plan(problem, CONFIG)
    now_s = 7 * 3600
    done_before = {
        v.ref
        for r in morning.routes
        for v in r.visits
        if v.start < now_s and v.kind is VisitKind.STOP
    }
    assert done_before, "the morning has started: some stops are done"
    result = dumps.insert_cleanup(
        problem,
        morning,
        now_s=now_s,
        cleanups=[dumps.Cleanup("dump-1", 14, (300,))],
        config=CONFIG,
    )
    assert result.left_out == ()
    visits = [(r.vehicle_id, v) for r in result.solution.routes for v in r.visits]
    dump = [v for _veh, v in visits if v.ref == "dump-1"]
    assert len(dump) == 1
    assert dump[0].start >= now_s
    replanned = {v.ref for _veh, v in visits if v.kind is VisitKind.STOP}
    assert not replanned & done_before, "a stop done before the dump came is not planned twice"
    all_stops = {s.id for s in problem.stops}
    assert all_stops <= replanned | done_before
    for vehicle in result.problem.vehicles:
        assert vehicle.shift.start >= now_s
        assert vehicle.fixed_cost == 0


def test_no_crew_out_means_the_cleanup_waits_for_the_next_plan() -> None:
    """After every shift has ended the cleanup is left out, to be planned the next morning."""
    problem = _grid()
    morning = plan(problem, CONFIG)
    result = dumps.insert_cleanup(
        problem,
        morning,
        now_s=15 * 3600,
        cleanups=[dumps.Cleanup("dump-late", 14, (300,))],
        config=CONFIG,
    )
    assert result.left_out == ("dump-late",)


def _report(conn: Any, at: datetime, label: str = "Sluikstort Budabrug") -> int:
    report_id, new = dump_db.insert_report(
        conn=conn,
        source="citizen",
        label=label,
        lat=50.8290,
        lon=3.2660,
        reported_at=at,
        due_at=dumps.due_at(at),
        created_by="coordinator1",
    )
    assert new
    return report_id


def test_a_report_during_the_shift_is_put_on_a_route_by_a_replan(db: Any) -> None:
    """A citizen's report at 09:00 becomes a stop of today's active plan, after 09:00."""
    seed_city(db, bins=40, days=14, until=EVE)
    morning = plan_day(conn=db, day=DAY, params=FIXED)
    at = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)  # 09:00 in Brussels
    first = [
        s
        for s in store.stops(conn=db, plan_id=morning.plan_id)
        if s.kind == "bin" and s.start_at < at
    ][:2]
    assert first, "the crews started before 09:00"
    _crew_did(db, [(f"bin:{s.ref}", s.end_at) for s in first])
    report_id = _report(db, at)
    result = dumps.dispatch(conn=db, report_id=report_id, now=at)
    assert result.dispatch == "in_route", result.note
    assert result.plan_id is not None
    assert result.plan_id != morning.plan_id
    stored = dump_db.report(conn=db, report_id=report_id)
    assert stored is not None
    assert stored.plan_id == result.plan_id
    assert stored.eta is not None
    assert stored.eta >= at
    assert stored.due_at == at + timedelta(hours=24)
    stop = [
        s
        for s in store.stops(conn=db, plan_id=result.plan_id)
        if s.ref == f"fixed:{stored.fixed_visit_id}"
    ]
    assert len(stop) == 1
    assert stop[0].penalty is None, "a cleanup is a must-visit"
    states = {s.ref: s.state for s in store.stops(conn=db, plan_id=result.plan_id)}
    assert all(states[s.ref] == "done" for s in first), "the crews' sheet actions count"
    tomorrow = DAY + timedelta(days=1)
    assert dumps.carry_over(conn=db, day=tomorrow, now=at) == 0, "planning tomorrow leaves it"
    assert dumps.carry_over(conn=db, day=tomorrow, now=at + timedelta(days=1)) == 1


def _crew_did(conn: Any, actions: list[tuple[str, datetime]]) -> None:
    user = conn.execute(
        "INSERT INTO users (username, display_name, role, password_hash) "
        "VALUES ('crew8', 'Ploeg', 'crew', 'x') RETURNING id"
    ).fetchone()
    for ref, at in actions:
        conn.execute(
            """INSERT INTO stop_actions (client_key, user_id, service_date, stop_ref, bin_id,
                                          action, fill_seen, acted_at)
               VALUES (gen_random_uuid(), %s, %s, %s, %s, 'done', 'full', %s)""",
            (user[0], DAY, ref, ref.removeprefix("bin:"), at),
        )


def test_a_report_with_no_route_running_goes_first_into_the_next_plan(db: Any) -> None:
    """Saturday night, no plan: the dump waits, and the next day that is planned takes it."""
    seed_city(db, bins=30, days=14, until=EVE)
    saturday_night = datetime(2026, 3, 7, 21, 0, tzinfo=UTC)
    report_id = _report(db, saturday_night)
    result = dumps.dispatch(conn=db, report_id=report_id, now=saturday_night)
    assert result.dispatch == "next_plan"
    assert "volgende plan" in result.note
    monday = plan_day(conn=db, day=DAY, params=FIXED)  # the next day anybody plans
    stored = dump_db.report(conn=db, report_id=report_id)
    assert stored is not None
    assert stored.visit_day == DAY
    assert stored.plan_id == monday.plan_id, "the carried-over cleanup is on a route"
    again = dumps.carry_over(conn=db, day=DAY + timedelta(days=1))
    assert again == 1, "not cleared yet: it would be carried on again"


def test_a_cleared_dump_is_not_carried_over(db: Any) -> None:
    """Once a crew marks the cleanup done, later plans no longer carry it."""
    seed_city(db, bins=10, days=3, until=EVE)
    at = datetime(2026, 3, 7, 21, 0, tzinfo=UTC)
    report_id = _report(db, at)
    dumps.dispatch(conn=db, report_id=report_id, now=at)
    stored = dump_db.report(conn=db, report_id=report_id)
    assert stored is not None
    user = db.execute(
        "INSERT INTO users (username, display_name, role, password_hash) "
        "VALUES ('crew9', 'Ploeg', 'crew', 'x') RETURNING id"
    ).fetchone()
    assert user is not None
    db.execute(
        """INSERT INTO stop_actions (client_key, user_id, service_date, stop_ref, action, acted_at)
           VALUES (gen_random_uuid(), %s, %s, %s, 'done', %s)""",
        (user[0], date(2026, 3, 8), f"fixed:{stored.fixed_visit_id}", at + timedelta(hours=12)),
    )
    assert dumps.carry_over(conn=db, day=DAY) == 0
    cleared = dump_db.report(conn=db, report_id=report_id)
    assert cleared is not None
    assert cleared.cleared_at == at + timedelta(hours=12)


def test_a_carried_over_cleanup_is_cleared_by_its_due_time(db: Any) -> None:
    """A cleanup carried over from yesterday, due at 06:09, is planned to be cleared by then."""
    seed_city(db, bins=40, days=14, until=EVE)
    yesterday = datetime(2026, 3, 9, 7, 0, tzinfo=UTC)  # 08:00 in Brussels
    report_id = _report(db, yesterday)
    waiting = dumps.dispatch(conn=db, report_id=report_id, now=datetime(2026, 3, 9, 21, tzinfo=UTC))
    assert waiting.dispatch == "next_plan"
    due = datetime(2026, 3, 10, 5, 9, tzinfo=UTC)  # 06:09 in Brussels, 9 min into the shifts
    db.execute("UPDATE dump_reports SET due_at = %s WHERE id = %s", (due, report_id))
    plan_day(conn=db, day=DAY, params=FIXED)
    stored = dump_db.report(conn=db, report_id=report_id)
    assert stored is not None
    assert stored.eta is not None
    assert stored.eta <= due


def test_a_cleanup_due_before_any_crew_can_be_there_is_still_planned(db: Any) -> None:
    """A due time no crew can make (06:01) does not refuse the day: the cleanup is planned."""
    seed_city(db, bins=40, days=14, until=EVE)
    report_id = _report(db, datetime(2026, 3, 9, 7, 0, tzinfo=UTC))
    dumps.dispatch(conn=db, report_id=report_id, now=datetime(2026, 3, 9, 21, tzinfo=UTC))
    due = datetime(2026, 3, 10, 5, 1, tzinfo=UTC)  # 06:01 in Brussels
    db.execute("UPDATE dump_reports SET due_at = %s WHERE id = %s", (due, report_id))
    plan_day(conn=db, day=DAY, params=FIXED)
    stored = dump_db.report(conn=db, report_id=report_id)
    assert stored is not None
    assert stored.eta is not None, "on a route, late rather than not at all"
