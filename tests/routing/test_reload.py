"""Days with reloads at the depot and no break: PyVRP plans them (routing/reload.py)."""

from __future__ import annotations

from dataclasses import replace

from routing import pipeline
from routing.check import check
from routing.model import Break, Problem, VisitKind
from tests.routing.instances import late_loads

PHASE = pipeline.PlanConfig(time_limit_s=60.0, iterations=300, seed=2)


def _reload_day() -> Problem:
    """Six containers, two released at 9:00; the truck reloads on its yard at no cost in time."""
    day = late_loads()
    return replace(day, facilities=(replace(day.facilities[0], unload_s=0),))


def test_reload_day_goes_to_pyvrp() -> None:
    """A day with reloads on the depot and no break is planned by PyVRP, not the trip phase."""
    phase = pipeline.phase_for(_reload_day())
    assert phase is not None
    assert phase.name == "pyvrp-reload"


def test_a_break_keeps_the_trip_phase() -> None:
    """The same day with a lunch break stays with the trip phase (PyVRP has no break in a window)."""
    day = _reload_day()
    lunch = (Break(11 * 3600, 12 * 3600, 1800),)
    truck = replace(day.vehicles[0], breaks=lunch)
    phase = pipeline.phase_for(replace(day, vehicles=(truck,)))
    assert phase is not None
    assert phase.name == "trips"


def test_reload_plan_serves_all_and_waits_for_released_goods() -> None:
    """PyVRP's plan passes the check with every stop served and no trip leaving before its goods."""
    day = _reload_day()
    solution = pipeline.plan(day, PHASE)
    report = check(day, solution, require_all=True)
    assert report.ok, report.violations
    assert report.early_trips == 0
    unloads = [v for v in solution.routes[0].visits if v.kind is VisitKind.UNLOAD]
    assert len(unloads) >= 3  # 240 l on a 100 l truck
    assert solution.routes[0].visits[-1].kind is VisitKind.UNLOAD


def test_day_that_cannot_hold_every_stop_still_gets_a_plan() -> None:
    """When PyVRP finds no plan serving every stop, the trip phase plans the day and lists the
    stop that does not fit with its reason."""
    day = _reload_day()
    huge = replace(day.stops[0], demand=(500,))
    day = replace(day, stops=(huge, *day.stops[1:]))
    solution = pipeline.plan(day, PHASE)
    report = check(day, solution, require_must=False)
    assert report.ok, report.violations
    assert [u.stop_id for u in solution.unplanned] == [huge.id]
    assert solution.unplanned[0].code == "too_big"
