"""The planning pipeline: a checked plan or a named reason, never an unchecked one."""

from __future__ import annotations

from dataclasses import replace

import pytest

from routing import pipeline
from routing.check import check
from routing.errors import PlanCheckError, PlanningError
from routing.model import Facility, Visit, Window
from tests.routing.instances import lunch_and_windows, scattered_bins, too_much, two_trips

FIXED = pipeline.PlanConfig(time_limit_s=60.0, solution_limit=20, iterations=200)


def test_a_violation_names_its_rule_and_stop() -> None:
    """A visit moved outside its window is reported as a window violation at that stop."""
    problem = lunch_and_windows()
    solution = pipeline.plan(problem, FIXED)
    route = next(r for r in solution.routes if r.visits)
    i, visit = next((i, v) for i, v in enumerate(route.visits) if v.ref == "market")
    route.visits[i] = Visit(visit.kind, visit.ref, visit.location, 0, 0, 300, visit.load_after)
    violations = check(problem, solution).violations
    assert any(v.startswith("window:") and "market" in v for v in violations)
    assert "window:" in str(PlanCheckError(violations))


def test_capacity_only_days_go_to_pyvrp_and_are_checked() -> None:
    """A day with capacities only is planned by the PyVRP phase; every stop is served."""
    problem = scattered_bins()
    assert pipeline.phase_for(problem) is not None
    solution = pipeline.plan(problem, FIXED)
    assert check(problem, solution, require_all=True).ok


def test_a_day_too_big_for_the_fleet_lists_true_reasons() -> None:
    """Stops that do not fit are left out with a code; the plan still passes the check.

    (As in a re-plan: a morning plan refuses a must-visit stop no vehicle can reach.)
    """
    problem = too_much()
    solution = pipeline.plan(problem, replace(FIXED, refuse_unreachable=False))
    assert solution.unplanned
    assert all(u.code for u in solution.unplanned)
    assert check(problem, solution, require_must=False).ok


def test_a_site_closed_all_day_is_refused() -> None:
    """A disposal site open only at night raises a PlanningError naming the site."""
    night = (Facility("site", 7, 600, Window(20 * 3600, 23 * 3600)),)
    with pytest.raises(PlanningError) as refused:
        pipeline.plan(replace(two_trips(), facilities=night), FIXED)
    assert refused.value.code == "site_closed"
    assert "site" in refused.value.message_nl


def test_budget_grows_with_the_day() -> None:
    """Ten seconds up to 1,000 stops, then five more per hundred."""
    assert pipeline.default_budget(600) == 10.0
    assert pipeline.default_budget(3000) == 110.0
