"""The planner on named tiny instances: multi-trip unloads, windows, breaks, explanations, seeds."""

from __future__ import annotations

from routing.check import check
from routing.model import VisitKind
from routing.solver import SolverParams, solve
from tests.routing.instances import lunch_and_windows, too_much, two_trips

# Bounded by the count of solutions, not by the clock (the time limit is only a safety net):
# the same plan under any load.
QUICK = SolverParams(time_limit_s=120.0, solution_limit=300)


def test_unloads_as_often_as_needed_and_before_returning() -> None:
    """A truck too small for the day unloads between trips and once more before the depot."""
    problem = two_trips()
    solution = solve(problem, QUICK)
    report = check(problem, solution, require_all=True)
    assert report.ok, report.violations
    visits = solution.routes[0].visits
    unloads = [v for v in visits if v.kind is VisitKind.UNLOAD]
    assert len(unloads) >= 3  # 240 l in a 100 l truck: three loads
    assert visits[-1].kind is VisitKind.UNLOAD
    assert max(v.load_after[0] for v in visits) <= 100


def test_windows_and_break_are_respected() -> None:
    """Every stop starts inside its window and the break starts between 11:00 and 12:00."""
    problem = lunch_and_windows()
    solution = solve(problem, QUICK)
    report = check(problem, solution, require_all=True)
    assert report.ok, report.violations
    route = solution.routes[0]
    assert len(route.breaks) == 1
    assert 11 * 3600 <= route.breaks[0].start <= 12 * 3600
    order = [v.ref for v in route.visits if v.kind is VisitKind.STOP]
    assert order.index("market") < order.index("station") < order.index("school")


def test_every_unplanned_stop_is_explained() -> None:
    """Stops that cannot or should not be served are left out, each with its own reason."""
    problem = too_much()
    solution = solve(problem, QUICK)
    reasons = {u.stop_id: u.reason for u in solution.unplanned}
    assert set(reasons) == {"huge", "late", "far-optional"}
    assert "capacity" in reasons["huge"]
    assert "time window" in reasons["late"]
    assert "penalty" in reasons["far-optional"]
    assert check(problem, solution).served == 1


def test_same_seed_same_plan() -> None:
    """Two runs with the same seed and solution limit give the same routes and cost."""
    problem = two_trips()
    params = SolverParams(time_limit_s=120.0, solution_limit=50, seed=4)
    first, second = solve(problem, params), solve(problem, params)
    assert first.objective == second.objective
    assert [[v.ref for v in r.visits] for r in first.routes] == [
        [v.ref for v in r.visits] for r in second.routes
    ]
