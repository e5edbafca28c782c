"""An improvement phase on top of OR-Tools: re-optimise a few neighbouring routes at a time.

Guided local search on the whole day makes slow progress once the plan is good: each move is
checked against every route. A handful of neighbouring routes with their stops is a small problem
that the same solver nearly always solves to (near) optimality in a fraction of a second. Taking
a seed route and its nearest routes, re-solving them together, and keeping the result only when it
is cheaper, improves the plan step by step while the whole stays feasible (routes share nothing
but the stops they divide among themselves).
"""

from __future__ import annotations

import itertools
import logging
import random
import time
from collections.abc import Callable

from routing.model import Problem, Route, Solution, VisitKind
from routing.solver import MUST_VISIT_PENALTY

log = logging.getLogger(__name__)


def route_cost(problem: Problem, route: Route) -> int:
    """A route's cost as the solver counts it: arcs by distance and time, plus the fixed cost."""
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


def improve(
    problem: Problem,
    solution: Solution,
    *,
    solve_sub: Callable[[Problem, float], Solution],
    deadline: float,
    seed: int,
    routes_per_group: int = 40,
    sub_time_s: float = 1.0,
    on_improve: Callable[[int], None] | None = None,
) -> Solution:
    """Re-solve groups of neighbouring routes until ``deadline``; returns the improved solution."""
    rng = random.Random(seed)
    routes = {r.vehicle_id: r for r in solution.routes}
    stops = {s.id: s for s in problem.stops}
    costs = {vid: route_cost(problem, r) for vid, r in routes.items()}
    vehicles = {v.id: v for v in problem.vehicles}
    left_out = {u.stop_id: u for u in solution.unplanned}

    def penalty(stop_id: str) -> int:
        value = stops[stop_id].penalty
        return MUST_VISIT_PENALTY if value is None else value

    total = sum(costs.values()) + sum(penalty(i) for i in left_out)
    tries = gains = 0
    while time.monotonic() + 0.2 < deadline:
        used = [vid for vid, r in routes.items() if any(v.kind is VisitKind.STOP for v in r.visits)]
        if len(used) < 2:
            break
        near = _nearest_routes(problem, routes, used, rng, routes_per_group)
        idle = [vid for vid, r in routes.items() if not r.visits]
        group = near + idle[:1]  # one idle vehicle lets the group open a route if it pays
        on_routes = {v.ref for vid in group for v in routes[vid].visits if v.kind is VisitKind.STOP}
        # Stops left out so far get another chance in every group (nearest first, a few at most).
        anchor = next(iter(on_routes))
        waiting = sorted(
            left_out, key=lambda i: problem.distance[stops[anchor].location][stops[i].location]
        )[:10]
        ids = on_routes | set(waiting)
        sub = Problem(
            distance=problem.distance,
            duration=problem.duration,
            stops=tuple(stops[i] for i in sorted(ids)),
            vehicles=tuple(vehicles[vid] for vid in group),
            facilities=problem.facilities,
            name=f"{problem.name} part",
        )
        limit = min(sub_time_s, deadline - time.monotonic())
        if limit <= 0.05:
            break
        tries += 1
        result = solve_sub(sub, limit)
        if not result.routes:
            continue
        served = {v.ref for r in result.routes for v in r.visits if v.kind is VisitKind.STOP}
        new_costs = {r.vehicle_id: route_cost(problem, r) for r in result.routes}
        old = sum(costs[vid] for vid in group) + sum(penalty(i) for i in waiting)
        new = sum(new_costs.values()) + sum(penalty(i) for i in ids - served)
        if new < old:
            gains += 1
            for r in result.routes:
                routes[r.vehicle_id] = r
                costs[r.vehicle_id] = new_costs[r.vehicle_id]
            for u in result.unplanned:
                left_out[u.stop_id] = u
            for i in served:
                left_out.pop(i, None)
            total += new - old
            if on_improve is not None:
                on_improve(total)
    log.debug("decomposition: %d groups re-solved, %d improved", tries, gains)
    ordered = [routes[v.id] for v in problem.vehicles if v.id in routes]
    for r in ordered:
        r.distance = _distance(problem, r)
    return Solution(
        routes=ordered,
        unplanned=[left_out[s.id] for s in problem.stops if s.id in left_out],
        objective=total,
        distance=sum(r.distance for r in ordered),
        status=solution.status,
        solve_s=solution.solve_s,
        first_solution_s=solution.first_solution_s,
        history=solution.history,
    )


def _distance(problem: Problem, route: Route) -> int:
    if not route.visits:
        return 0
    vehicle = next(v for v in problem.vehicles if v.id == route.vehicle_id)
    locs = [vehicle.start_location, *(v.location for v in route.visits), vehicle.end_location]
    return sum(int(problem.distance[a][b]) for a, b in itertools.pairwise(locs))


def _nearest_routes(
    problem: Problem,
    routes: dict[str, Route],
    used: list[str],
    rng: random.Random,
    k: int,
) -> list[str]:
    """A random route and the routes closest to it, until the group holds ``k`` stops."""
    seed = rng.choice(used)
    seed_locs = [v.location for v in routes[seed].visits if v.kind is VisitKind.STOP]
    sample = seed_locs if len(seed_locs) <= 8 else rng.sample(seed_locs, 8)

    def closeness(vid: str) -> float:
        locs = [v.location for v in routes[vid].visits if v.kind is VisitKind.STOP]
        return min(problem.distance[a][b] for a in sample for b in locs)

    others = sorted((vid for vid in used if vid != seed), key=closeness)
    group, count = [seed], len(seed_locs)
    for vid in others:
        if count >= k or len(group) >= 12:
            break
        group.append(vid)
        count += sum(1 for v in routes[vid].visits if v.kind is VisitKind.STOP)
    return group
