"""The rest of a running day planned from its remaining plan (routing.rest), on plain data."""

from __future__ import annotations

from dataclasses import replace
from itertools import pairwise

import pytest

from routing import check, dumps, explain, rest
from routing.errors import PlanningError
from routing.model import Facility, Problem, Solution, Stop, Vehicle, VisitKind, Window
from routing.pipeline import PlanConfig, plan
from tests.routing.instances import trips_and_lunch

CONFIG = PlanConfig(time_limit_s=30.0, solution_limit=40, iterations=300, seed=3)


def _served(solution: Solution) -> set[str]:
    return {v.ref for r in solution.routes for v in r.visits if v.kind is VisitKind.STOP}


def _must_day(bins: int = 60, seed: int = 4) -> Problem:
    """Bins, two trucks with a lunch and two sites; every bin must be emptied."""
    day = trips_and_lunch(bins, seed=seed)
    return replace(day, stops=tuple(replace(s, penalty=None) for s in day.stops))


def _remaining(solution: Solution, now_s: int) -> dict[str, list[str]]:
    return {r.vehicle_id: [v.ref for v in r.visits if v.start >= now_s] for r in solution.routes}


def test_a_cleanup_costs_no_must_visit_stop_the_morning_plan_served() -> None:
    """A cleanup put on the running routes at 8:00 leaves every morning-served stop planned."""
    problem = _must_day(100, seed=6)  # planned from nothing, the rest of this day lost five
    morning = plan(problem, CONFIG)
    now_s = 8 * 3600
    still = {ref for refs in _remaining(morning, now_s).values() for ref in refs}
    morning_must = _served(morning) & still
    assert morning_must
    result = dumps.insert_cleanup(
        problem, morning, now_s=now_s, cleanups=[dumps.Cleanup("dump-1", 30, (20,))], config=CONFIG
    )
    assert morning_must <= _served(result.solution)
    assert check.check(result.problem, result.solution, require_must=False).ok


def test_a_replan_with_nothing_new_drives_no_more_than_the_remaining_plan() -> None:
    """Re-planning the rest of the day with nothing new never drives more than the plan left."""
    problem = _must_day()
    morning = plan(problem, CONFIG)
    now_s = 9 * 3600
    result = dumps.insert_cleanup(problem, morning, now_s=now_s, cleanups=[], config=CONFIG)
    later = result.problem
    where = {s.id: s.location for s in later.stops} | {f.id: f.location for f in later.facilities}
    left = 0
    for vehicle in later.vehicles:
        calls = [where[ref] for ref in _remaining(morning, now_s)[vehicle.id]]
        path = [vehicle.start_location, *calls, vehicle.end_location] if calls else []
        left += sum(later.distance[a][b] for a, b in pairwise(path))
    assert left > 0
    assert result.solution.distance <= left


def _line() -> Problem:
    """A depot and six bins on a line 2 km apart; one truck whose shift ends at 10:00."""
    points = 8
    dist = [[2000 * abs(a - b) for b in range(points)] for a in range(points)]
    dur = [[d * 180 // 1000 for d in row] for row in dist]  # 20 km/h
    stops = tuple(
        Stop(f"b{i}", i, (10,), 600, Window(0, 11 * 3600) if i != 3 else Window(0, 8 * 3600))
        for i in range(1, 7)
    )
    truck = Vehicle("t1", (1000,), 0, 0, Window(6 * 3600, 10 * 3600), distance_cost=1200)
    return Problem(dist, dur, stops, (truck,), (Facility("site", 7, 300),), name="line")


def test_a_crew_behind_loses_only_what_it_cannot_make_and_says_why_in_dutch() -> None:
    """A truck two hours behind keeps the stops it still makes; the others carry a Dutch reason."""
    problem = _line()
    late = replace(problem.vehicles[0], shift=Window(8 * 3600, 10 * 3600))
    rest_of_day = replace(problem, vehicles=(late,))
    remaining = {"t1": ["b1", "b2", "b3", "b4", "b5", "b6", "site"]}
    planned_problem, solution = rest.plan_rest(rest_of_day, remaining, CONFIG)
    assert check.check(planned_problem, solution, require_must=False).ok
    served = _served(solution)
    assert {"b1", "b2"} <= served
    codes = {u.stop_id: u.code for u in solution.unplanned}
    assert codes["b3"] == explain.Reason.BEHIND_WINDOW
    assert set(codes) == {f"b{i}" for i in range(1, 7)} - served
    for code in codes.values():
        assert explain.text_nl(code).startswith("stond in het plan, maar")


def test_a_replan_after_every_site_closed_is_refused_for_the_rest_of_the_day() -> None:
    """With every disposal site closed before the re-plan starts, the words say "rest of the day"."""
    problem = _line()
    closed = replace(problem.facilities[0], window=Window(6 * 3600, 8 * 3600))
    later = replace(problem.vehicles[0], shift=Window(9 * 3600, 10 * 3600), initial_load=(30,))
    with pytest.raises(PlanningError) as refused:
        rest.plan_rest(
            replace(problem, vehicles=(later,), facilities=(closed,)), {"t1": ["b4"]}, CONFIG
        )
    assert refused.value.code == "site_closed"
    assert "voor de rest van de dag gesloten" in refused.value.message_nl
    assert "hele werkdag" not in refused.value.message_nl


def test_a_replan_after_one_site_closed_unloads_at_the_other() -> None:
    """A site closed before the re-plan starts is left out; the rest of the day uses the other."""
    problem = _line()
    closed = replace(problem.facilities[0], window=Window(6 * 3600, 8 * 3600))
    other = Facility("other", 0, 300)
    later = replace(problem.vehicles[0], shift=Window(9 * 3600, 10 * 3600), initial_load=(30,))
    planned, solution = rest.plan_rest(
        replace(problem, vehicles=(later,), facilities=(closed, other)), {"t1": ["b1"]}, CONFIG
    )
    assert [f.id for f in planned.facilities] == ["other"]
    unloads = [v.ref for r in solution.routes for v in r.visits if v.kind is VisitKind.UNLOAD]
    assert unloads == ["other"]


def test_a_crew_past_its_shift_end_keeps_no_stop_and_each_says_why() -> None:
    """A truck free only after its shift has ended keeps no stop; each carries behind_shift."""
    problem = _line()
    over = replace(problem.vehicles[0], shift=Window(10 * 3600, 10 * 3600), initial_load=(30,))
    planned, solution = rest.plan_rest(
        replace(problem, vehicles=(over,)), {"t1": ["b4", "b5", "site"]}, CONFIG
    )
    assert check.check(planned, solution, require_must=False).ok
    assert not _served(solution)
    codes = {u.stop_id: u.code for u in solution.unplanned}
    assert codes["b4"] == codes["b5"] == explain.Reason.BEHIND_SHIFT


def test_a_long_cleanup_on_a_full_route_takes_the_place_of_as_few_optional_bins_as_it_needs() -> (
    None
):
    """On a route with no time to spare, the remaining plan takes a 25-minute cleanup in place of
    its two least-prized bins and keeps the others in their order."""
    dist = [[0, 1000, 1000], [1000, 0, 1000], [1000, 1000, 0]]
    dur = [[d * 180 // 1000 for d in row] for row in dist]  # 20 km/h: 3 minutes a leg
    prizes = {"b1": 900, "b2": 500, "b3": 800, "b4": 400, "b5": 700, "b6": 600}
    bins = tuple(
        Stop(ref, 1, (10,), 1000, Window(0, 24 * 3600), penalty=prize)
        for ref, prize in prizes.items()
    )
    cleanup = Stop("dump-1", 1, (50,), 1500, Window(0, 24 * 3600))
    start = 6 * 3600
    truck = Vehicle("t1", (1000,), 0, 0, Window(start, start + 2 * 180 + 6 * 1000 + 60))
    problem = Problem(dist, dur, (*bins, cleanup), (truck,), (Facility("site", 2, 300),))
    routes = {"t1": list(prizes)}
    assert rest._insert(rest._day(problem), routes, cleanup)
    assert sorted(routes["t1"]) == ["b1", "b3", "b5", "b6", "dump-1"]
    assert [r for r in routes["t1"] if r != "dump-1"] == ["b1", "b3", "b5", "b6"]
