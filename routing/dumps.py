"""Same-day dump clearing: a dump becomes a cleanup stop with a due time on a running route.

A dump the city learns of - a camera event enforcement confirmed, a crew's or a citizen's
report - must be cleared within :data:`DUE_WITHIN` of the report, most of them within the working
day. :func:`dispatch` does that with the database: when a route of the day still runs long enough,
the day is re-planned from what the crews have done (``routing.service.replan``, from the
remaining plan by :func:`routing.rest.plan_rest`) with the cleanup as a must-visit stop, so a crew finds it on its sheet; when no
route runs (a weekend, the night, every crew nearly home) or none can take it, the cleanup is a
must-visit of the next plan (:func:`carry_over` moves it to whichever day is planned next).

:func:`insert_cleanup` is the same step on plain data, for the city twin: the rest of a planned
day from ``now`` - where each vehicle is, what it carries, which stops remain - with the
cleanups added, planned again from the remaining plan by :func:`routing.rest.plan_rest` (no
must-visit stop the remaining plan serves is given up for a cleanup: one that fits nowhere is
left out, for the next morning's plan).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

from db import Conn
from db import dumps as db
from routing import explain, pipeline, rest
from routing.forecast import BRUSSELS
from routing.model import Break, Problem, Solution, Stop, Vehicle, Visit, VisitKind, Window

log = logging.getLogger(__name__)
DUE_WITHIN = timedelta(hours=24)
CLEANUP_SERVICE_S = 900  # loading a pile of bags, a mattress, a few boxes
# A shift that ends within this is not re-planned: the crew is on its way home.
LAST_CALL = timedelta(minutes=45)
# A re-plan holds a request: bounded by iterations and OR-Tools' improving solutions, so the
# same input gives the same plan, and by a few seconds at most.
REPLAN_TIME_S = 8.0
REPLAN_SOLUTIONS = 40
REPLAN_ITERATIONS = 400


def due_at(reported_at: datetime) -> datetime:
    """When a dump reported at ``reported_at`` must be cleared by."""
    return reported_at + DUE_WITHIN


def with_due_times(problem: Problem, due: Mapping[str, int]) -> tuple[Problem, set[str]]:
    """``problem`` with each cleanup due during the day (``due``: stop id -> seconds after
    midnight) served by its due time, where a vehicle can make it; the stops so bound. A due
    time after every shift binds nothing; one already past or out of reach leaves the cleanup a
    plain must-visit (as early as the plan allows)."""
    if not due or not problem.vehicles:
        return problem, set()
    last = max(v.shift.end for v in problem.vehicles)
    stops = list(problem.stops)
    bound: set[str] = set()
    for i, stop in enumerate(stops):
        deadline = due.get(stop.id)
        if deadline is None or deadline >= min(stop.window.end, last):
            continue
        if deadline < stop.window.start:
            continue
        tight = replace(stop, window=Window(stop.window.start, deadline))
        trial = replace(problem, stops=(tight,))
        if explain.reachable(trial, 0):
            stops[i] = tight
            bound.add(stop.id)
        else:
            log.warning("cleanup %s is due before any crew can be there: planned without", stop.id)
    return replace(problem, stops=tuple(stops)), bound


def plan_by_due(
    problem: Problem, due: Mapping[str, int], config: pipeline.PlanConfig
) -> tuple[Problem, Solution]:
    """Plan a day whose cleanups are due by ``due`` (see :func:`with_due_times`): the problem as
    planned and its solution. When a bound cleanup does not fit by its due time, the day is
    planned again without the due times (the cleanup late rather than not at all)."""
    timed, bound = with_due_times(problem, due)
    solution = pipeline.plan(timed, config)
    if bound & {u.stop_id for u in solution.unplanned}:
        log.warning("cleanups due today do not fit by their due time: planned without")
        return problem, pipeline.plan(problem, config)
    return timed, solution


@dataclass(frozen=True, slots=True)
class Cleanup:
    """A dump to clear, on plain data: where it is in the matrices and what it takes."""

    id: str
    location: int
    demand: tuple[int, ...]
    service_s: int = CLEANUP_SERVICE_S


@dataclass(frozen=True, slots=True)
class Reinsertion:
    """The rest of a day planned again: what was done stays, the new plan covers the rest."""

    done: dict[str, list[Visit]]  # per vehicle, the calls started before ``now``
    problem: Problem  # the rest of the day
    solution: Solution
    left_out: tuple[str, ...]  # cleanups no route could take: they go to the next plan


def _position(
    vehicle: Vehicle, visits: Sequence[Visit], now_s: int
) -> tuple[int, int, tuple[int, ...] | None, list[Visit]]:
    """Where a vehicle is free next, from when, with what load, and the calls it has made."""
    done = [v for v in visits if v.start < now_s]
    if not done:
        return vehicle.start_location, max(now_s, vehicle.shift.start), vehicle.initial_load, []
    last = done[-1]
    return last.location, max(now_s, last.end), last.load_after, done


def insert_cleanup(
    problem: Problem,
    solution: Solution,
    *,
    now_s: int,
    cleanups: Sequence[Cleanup],
    config: pipeline.PlanConfig | None = None,
    distance: Sequence[Sequence[int]] | None = None,
    duration: Sequence[Sequence[int]] | None = None,
) -> Reinsertion:
    """Re-plan the rest of ``problem``'s day from ``now_s`` with ``cleanups`` as must-visits.

    A call already started counts as done; the calls not yet started are the remaining plan the
    rest of the day starts from. Only vehicles that went out stay in the plan (a crew not on duty
    is not called in). ``distance``/``duration`` extend the matrices when the
    cleanups lie at new locations (the old locations keep their indices).
    """
    routes = {r.vehicle_id: r for r in solution.routes}
    done: dict[str, list[Visit]] = {}
    served: set[str] = set()
    remaining: dict[str, list[str]] = {}
    vehicles = []
    for v in problem.vehicles:
        route = routes.get(v.id)
        if route is None or not route.visits:
            continue
        location, free_s, load, calls = _position(v, route.visits, now_s)
        done[v.id] = calls
        served |= {c.ref for c in calls if c.kind is VisitKind.STOP}
        remaining[v.id] = [c.ref for c in route.visits[len(calls) :]]
        if free_s >= v.shift.end:
            continue
        taken = any(b.start < now_s for b in route.breaks)
        breaks = (
            ()
            if taken
            else tuple(
                Break(max(b.earliest_start, free_s), max(b.latest_start, free_s), b.duration_s)
                for b in v.breaks
            )
        )
        vehicles.append(
            replace(
                v,
                start_location=location,
                shift=Window(free_s, v.shift.end),
                fixed_cost=0,  # the crew is out already
                breaks=breaks,
                initial_load=load,
            )
        )
    if not vehicles:  # every crew is home: nothing to re-plan today
        left = tuple(c.id for c in cleanups)
        return Reinsertion(done, problem, Solution([], [], 0, 0, "no vehicle", 0.0), left)
    dims = len(problem.vehicles[0].capacity)
    todo = [s for s in problem.stops if s.id not in served]
    todo += [
        Stop(
            id=c.id,
            location=c.location,
            demand=(tuple(c.demand) + (0,) * dims)[:dims],
            service_s=c.service_s,
            window=Window(now_s, 48 * 3600),
        )
        for c in cleanups
    ]
    later = Problem(
        distance=distance if distance is not None else problem.distance,
        duration=duration if duration is not None else problem.duration,
        stops=tuple(todo),
        vehicles=tuple(vehicles),
        facilities=problem.facilities,
        name=f"{problem.name} from {now_s}",
    )
    # from the remaining plan: no must-visit stop it serves is lost to make room (routing.rest)
    later, planned = rest.plan_rest(later, remaining, config or pipeline.PlanConfig())
    missing = {u.stop_id for u in planned.unplanned}
    return Reinsertion(done, later, planned, tuple(c.id for c in cleanups if c.id in missing))


@dataclass(frozen=True, slots=True)
class Dispatched:
    """Where a dump report went."""

    report_id: int
    dispatch: str  # 'in_route' or 'next_plan'
    visit_day: date
    plan_id: int | None
    vehicle_id: str | None
    eta: datetime | None
    note: str  # Dutch, for the coordinator


def _local_day(at: datetime) -> date:
    return at.astimezone(BRUSSELS).date()


def dispatch(*, conn: Conn, report_id: int, now: datetime | None = None) -> Dispatched:
    """Put a report's cleanup on a running route of today, else into the next plan.

    The report gets a fixed visit (a must-visit for the planner) on today; a re-plan of today's
    active plan routes it when a route still runs long enough and one can take it in.
    Otherwise the visit waits: :func:`carry_over` moves it to the next day that is planned.
    """
    from routing import service  # the service plans with the database; imported when used

    now = now or datetime.now(UTC)
    found = db.report(conn=conn, report_id=report_id)
    if found is None:
        raise LookupError(f"no dump report {report_id}")
    today = _local_day(now)
    # a second report arriving meanwhile waits, then re-plans the plan this one stores
    db.lock_day(conn=conn, day=today)
    visit_id = found.fixed_visit_id
    if visit_id is None:
        visit_id = db.book_visit(
            conn=conn,
            report_id=report_id,
            day=today,
            name=found.label,
            lat=found.lat,
            lon=found.lon,
            volume_l=found.volume_l,
        )
    elif found.visit_day is not None and found.visit_day < today:
        db.move_visit(conn=conn, visit_id=visit_id, day=today)
    running = db.running_plan(conn=conn, day=today)
    if running is None or running.shifts_end is None or running.shifts_end - LAST_CALL <= now:
        why = (
            "geen route vandaag: eerste stop van het volgende plan"
            if running is None
            else "de routes van vandaag zijn (bijna) klaar: in het volgende plan"
        )
        return _waits(conn, report_id, today, why)
    # what the crews did so far, from their sheets: the re-plan starts from there
    actuals: list[service.Event] = [
        service.StopDone(a.ref, a.acted_at) if a.action == "done" else service.StopBlocked(a.ref)
        for a in db.sheet_actions(conn=conn, day=today)
    ]
    result = service.replan(
        conn=conn,
        plan_id=running.plan_id,
        events=[
            *actuals,
            service.NewDump(
                name=found.label,
                lat=found.lat,
                lon=found.lon,
                volume_l=found.volume_l,
                weight_kg=found.volume_l // 4,
                service_s=CLEANUP_SERVICE_S,
                fixed_visit_id=visit_id,
            ),
        ],
        now=now,
        params=service.PlanParams(
            time_limit_s=REPLAN_TIME_S,
            solution_limit=REPLAN_SOLUTIONS,
            iterations=REPLAN_ITERATIONS,
        ),
    )
    placed = db.report(conn=conn, report_id=report_id)
    if placed is None or placed.plan_id != result.plan_id or placed.vehicle_id is None:
        return _waits(conn, report_id, today, "geen ploeg kon het vandaag nog halen")
    db.set_dispatch(
        conn=conn,
        report_id=report_id,
        dispatch="in_route",
        note=f"in de route van {placed.vehicle_id}",
        plan_id=result.plan_id,
        vehicle_id=placed.vehicle_id,
        eta=placed.eta,
    )
    return Dispatched(
        report_id,
        "in_route",
        today,
        result.plan_id,
        placed.vehicle_id,
        placed.eta,
        f"in de route van {placed.vehicle_id}",
    )


def _waits(conn: Conn, report_id: int, day: date, note: str) -> Dispatched:
    db.set_dispatch(conn=conn, report_id=report_id, dispatch="next_plan", note=note)
    return Dispatched(report_id, "next_plan", day, None, None, None, note)


def carry_over(*, conn: Conn, day: date, now: datetime | None = None) -> int:
    """Before ``day`` is planned: bring every uncleared cleanup of earlier days onto ``day``.

    Cleanups on a route of today's plan stay there until today is over.
    """
    today = _local_day(now or datetime.now(UTC))
    return db.carry_over(conn=conn, day=day, today=today)
