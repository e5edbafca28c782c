"""Ruin-and-recreate on top of OR-Tools: which days it takes, and that it only ever improves."""

from __future__ import annotations

from routing.check import check
from routing.lns import applies
from routing.solver import SolverParams, solve
from tests.routing.instances import lunch_and_windows, scattered_bins, too_much, two_trips

START = SolverParams(time_limit_s=5.0, solution_limit=30, seed=2)
WITH_LNS = SolverParams(
    time_limit_s=10.0, solution_limit=30, seed=2, lns_share=0.5, lns_iterations=1500
)


def _orders(solution: object) -> list[list[str]]:
    return [[v.ref for v in r.visits] for r in solution.routes]  # type: ignore[attr-defined]  # a Solution, typed loosely to keep the helper short


def test_only_days_with_capacities_alone_qualify() -> None:
    """Unloads, breaks, windows or optional stops keep the day with OR-Tools alone."""
    assert applies(scattered_bins())
    assert not applies(two_trips())  # disposal site
    assert not applies(lunch_and_windows())  # break and windows
    assert not applies(too_much())  # optional stop, unreachable window


def test_improves_on_the_ortools_plan_and_stays_feasible() -> None:
    """The phase serves every bin within capacity and costs less than where OR-Tools stopped."""
    problem = scattered_bins()
    start = solve(problem, START)
    improved = solve(problem, WITH_LNS)
    report = check(problem, improved, require_all=True)
    assert report.ok, report.violations
    assert improved.objective < start.objective
    assert improved.distance == report.distance
    assert all(max(v.load_after[0] for v in r.visits) <= 150 for r in improved.routes if r.visits)


def test_same_seed_and_iterations_same_plan() -> None:
    """With an iteration count the phase gives the same routes on every run."""
    problem = scattered_bins()
    first, second = solve(problem, WITH_LNS), solve(problem, WITH_LNS)
    assert first.objective == second.objective
    assert _orders(first) == _orders(second)


def test_a_multi_trip_day_is_left_to_the_trip_phase() -> None:
    """Asking for ruin-and-recreate on a multi-trip day gives a feasible plan all the same."""
    problem = two_trips()
    solution = solve(problem, SolverParams(time_limit_s=2.0, solution_limit=300, lns_share=0.5))
    assert check(problem, solution, require_all=True).ok
