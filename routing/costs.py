"""What a plan costs, counted the way every phase and the solver count it.

Arc costs by distance and time (service at the origin included), the fixed cost of every vehicle
that leaves its depot, and the penalty of every stop left out. A must-visit stop left out costs
``MUST_VISIT_PENALTY``: far above any day's real cost (a city day is ~1e9 micro-euro) and far
below the 64-bit limit when summed, so an impossible day still yields a plan that names what could
not be done.
"""

from __future__ import annotations

from routing.model import Problem, Route, Solution, Stop, VisitKind

MUST_VISIT_PENALTY = 10**13


def penalty(stop: Stop) -> int:
    """The cost of leaving ``stop`` out of the plan."""
    return MUST_VISIT_PENALTY if stop.penalty is None else stop.penalty


def route_cost(problem: Problem, route: Route) -> int:
    """A route's cost: arcs by distance and time, plus the vehicle's fixed cost."""
    if not route.visits:
        return 0
    vehicle = next(v for v in problem.vehicles if v.id == route.vehicle_id)
    service = {s.id: s.service_s for s in problem.stops}
    unload = {f.id: f.unload_s for f in problem.facilities}
    total = vehicle.fixed_cost
    here, busy = vehicle.start_location, 0
    for visit in [*route.visits, None]:
        there = vehicle.end_location if visit is None else visit.location
        total += problem.distance[here][there] * vehicle.distance_cost
        total += (problem.duration[here][there] + busy) * vehicle.time_cost
        if visit is not None:
            here = visit.location
            busy = (service if visit.kind is VisitKind.STOP else unload)[visit.ref]
    return int(total)


def objective(problem: Problem, solution: Solution) -> int:
    """The whole plan's cost: its routes plus the penalty of every stop it leaves out."""
    left_out = {u.stop_id for u in solution.unplanned}
    return sum(route_cost(problem, r) for r in solution.routes) + sum(
        penalty(s) for s in problem.stops if s.id in left_out
    )


def served_count(solution: Solution) -> int:
    """How many stops the plan serves."""
    return sum(1 for r in solution.routes for v in r.visits if v.kind is VisitKind.STOP)
