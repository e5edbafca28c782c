"""Release times: a trip never leaves its depot or reload point before the stops on it are ready."""

from __future__ import annotations

import time
from dataclasses import replace

from routing import capacity, pipeline, trips
from routing.anneal import AnnealParams
from routing.check import check
from routing.model import Problem, Route, Solution, Visit, VisitKind, Window
from routing.solver import SolverParams, solve
from tests.routing.instances import late_loads, line, two_trips

PHASE = pipeline.PlanConfig(time_limit_s=120.0, solution_limit=20, iterations=300, seed=2)


def _departures(problem: Problem, route: Route) -> list[tuple[int, int]]:
    """Per trip, (latest moment it can have left its origin, latest release on it)."""
    release = {s.id: s.release_s for s in problem.stops}
    out: list[tuple[int, int]] = []
    origin = problem.vehicles[0].start_location
    trip: list[Visit] = []
    for visit in [*route.visits, None]:
        if visit is None or visit.kind is VisitKind.UNLOAD:
            if trip:
                first = trip[0]
                left = first.start - problem.duration[origin][first.location]
                out.append((left, max(release[v.ref] for v in trip)))
            trip = []
            if visit is not None:
                origin = visit.location
            continue
        trip.append(visit)
    return out


def test_trip_with_a_released_stop_never_leaves_before_it() -> None:
    """Every trip of the planned day leaves after the latest release of the stops it carries."""
    problem = late_loads()
    solution = pipeline.plan(problem, PHASE)
    report = check(problem, solution, require_all=True)
    assert report.ok, report.violations
    assert report.early_trips == 0
    trips_seen = [d for r in solution.routes for d in _departures(problem, r)]
    assert any(released == 9 * 3600 for _, released in trips_seen)
    for left, released in trips_seen:
        assert left >= released


def test_goods_released_late_get_a_trip_of_their_own_when_capacity_allows_one() -> None:
    """A truck big enough for one trip still makes two when the early stops close before a late
    load is released: the phase splits the route by the clock, not only by capacity."""
    base = late_loads()
    early = Window(6 * 3600, 7 * 3600)
    stops = tuple(
        replace(s, release_s=9 * 3600) if s.id == "c6" else replace(s, release_s=0, window=early)
        for s in base.stops
        if s.id in {"c1", "c2", "c3", "c6"}
    )
    truck = replace(base.vehicles[0], capacity=(1000,))
    problem = replace(base, stops=stops, vehicles=(truck,))
    solution = pipeline.plan(problem, PHASE)
    report = check(problem, solution, require_all=True)
    assert report.ok, report.violations
    unloads = [v for v in solution.routes[0].visits if v.kind is VisitKind.UNLOAD]
    assert len(unloads) == 2


def test_first_plan_by_insertion_keeps_release_times() -> None:
    """The trip phase's own first plan (when OR-Tools has none) also waits for released loads."""
    problem = late_loads()
    built = trips.construct_and_improve(
        problem, deadline=time.monotonic() + 5, params=AnnealParams(iterations=100)
    )
    report = check(problem, built, require_all=True)
    assert report.ok, report.violations
    for route in built.routes:
        for left, released in _departures(problem, route):
            assert left >= released


def test_first_plan_serves_no_stop_before_release_and_travel() -> None:
    """OR-Tools alone never starts a stop before its release plus the drive from the yard."""
    problem = late_loads()
    solution = solve(problem, SolverParams(time_limit_s=120.0, solution_limit=10))
    release = {s.id: s.release_s for s in problem.stops}
    for route in solution.routes:
        for visit in route.visits:
            if visit.kind is VisitKind.STOP and release[visit.ref]:
                assert visit.start >= release[visit.ref] + problem.duration[0][visit.location]


def test_checker_rejects_a_trip_that_leaves_too_early() -> None:
    """A hand-made plan that serves a stop released at 9:00 on a trip leaving at 6:00 fails the
    check, and the same plan passes once the stop is ready from the start."""
    dist, dur = line(3)
    base = two_trips()
    stop = replace(base.stops[0], id="late", location=1, window=Window(0, 48 * 3600))
    truck = replace(base.vehicles[0], shift=Window(6 * 3600, 14 * 3600))
    site = replace(base.facilities[0], location=2)
    six = 6 * 3600
    visits = [
        Visit(VisitKind.STOP, "late", 1, six + 120, six + 120, six + 180, (40, 5)),
        Visit(VisitKind.UNLOAD, site.id, 2, six + 300, six + 300, six + 900, (0, 0)),
    ]
    plan = Solution(
        routes=[Route(truck.id, six, six + 1140, visits)],
        unplanned=[],
        objective=0,
        distance=0,
        status="hand-made",
        solve_s=0.0,
    )
    late = Problem(dist, dur, (replace(stop, release_s=9 * 3600),), (truck,), (site,))
    report = check(late, plan, require_all=True)
    assert not report.ok
    assert report.early_trips == 1
    assert any("released" in v for v in report.violations)
    ready = Problem(dist, dur, (stop,), (truck,), (site,))
    assert check(ready, plan, require_all=True).ok


def test_days_with_release_times_skip_the_capacity_phase() -> None:
    """The capacity-only phase, which has no clock, never takes a day with release times."""
    dist, dur = line(4)
    base = late_loads()
    stops = tuple(replace(s, location=min(s.location, 3)) for s in base.stops)
    plain = Problem(dist, dur, tuple(replace(s, release_s=0) for s in stops), base.vehicles)
    assert capacity.applies(plain)
    assert not capacity.applies(Problem(dist, dur, stops, base.vehicles))
