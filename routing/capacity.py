"""Days with capacities only, planned by PyVRP's hybrid genetic search.

On a pure capacity problem (one depot, one kind of vehicle, every stop due, no schedule that could
bind) PyVRP measured better than the project's own ruin-and-recreate at every budget tried (see
``bench/RESULTS.md``), so it replaced it. Seeded; with ``iterations`` the plan does not depend on
the machine.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from routing.costs import objective
from routing.model import Problem, Route, Solution, Vehicle, Visit, VisitKind


def applies(problem: Problem) -> bool:
    """Whether the day is a pure capacity problem: one depot, one kind of vehicle, all stops due.

    The schedule must not be able to bind beyond a limit on each route's duration: no facilities,
    no breaks, no other limits per route, every window covering the shift, with the shift long
    enough for every stop in one route.
    """
    if not problem.stops or not problem.vehicles or problem.facilities or problem.has_releases:
        return False
    return _one_kind_of_vehicle(problem) and _schedule_is_free(problem)


def _one_kind_of_vehicle(problem: Problem) -> bool:
    def kind(v: Vehicle) -> tuple[object, ...]:
        return (
            v.capacity,
            v.start_location,
            v.shift,
            v.fixed_cost,
            v.distance_cost,
            v.time_cost,
            v.max_duration_s,
        )

    first = kind(problem.vehicles[0])
    return all(
        kind(v) == first
        and v.start_location == v.end_location
        and not v.breaks
        and v.max_stops is None
        and v.max_day_load is None
        and v.initial_load is None
        for v in problem.vehicles
    )


def _schedule_is_free(problem: Problem) -> bool:
    shift = problem.vehicles[0].shift
    for s in problem.stops:
        if s.penalty is not None or s.allowed_vehicles:
            return False
        if s.window.start > shift.start or s.window.end < shift.end:
            return False
    locs = [problem.vehicles[0].start_location, *(s.location for s in problem.stops)]
    dur = np.asarray(problem.duration, dtype=np.int64)[np.ix_(locs, locs)]
    longest_day = int(dur.max()) * (len(locs) + 1) + sum(s.service_s for s in problem.stops)
    return longest_day <= shift.end - shift.start


def solve(
    problem: Problem, *, deadline: float, iterations: int | None = None, seed: int = 1
) -> Solution | None:
    """PyVRP's best plan until ``deadline`` (or ``iterations``); None when it finds none feasible."""
    from pyvrp import Model

    vehicle = problem.vehicles[0]
    locs = [vehicle.start_location, *(s.location for s in problem.stops)]
    model = Model()
    places = [model.add_location(x=0, y=0) for _ in locs]
    depot = model.add_depot(places[0])
    model.add_vehicle_type(
        num_available=len(problem.vehicles),
        capacity=list(vehicle.capacity),
        start_depot=depot,
        end_depot=depot,
        fixed_cost=vehicle.fixed_cost,
        unit_distance_cost=vehicle.distance_cost,
        unit_duration_cost=vehicle.time_cost,
        shift_duration=vehicle.max_duration_s if vehicle.max_duration_s is not None else 2**62,
    )
    for place, stop in zip(places[1:], problem.stops, strict=True):
        model.add_client(place, delivery=list(stop.demand), service_duration=stop.service_s)
    result = solve_model(
        model, problem, locs, places, deadline=deadline, iterations=iterations, seed=seed
    )
    if result is None:
        return None
    routes = [[a.idx + 1 for a in r if a.is_client()] for r in result.best.routes()]
    return _solution(problem, routes)


def solve_model(
    model: Any,
    problem: Problem,
    locs: list[int],
    places: list[Any],
    *,
    deadline: float,
    iterations: int | None,
    seed: int,
) -> Any:
    """Give a PyVRP model the edges between ``places`` (the problem's ``locs``) and solve it
    until ``deadline`` (or ``iterations``): its result, or None when it found nothing feasible."""
    from pyvrp.stop import MaxIterations, MaxRuntime, MultipleCriteria

    idx = np.asarray(locs, dtype=np.int64)
    dist = np.asarray(problem.distance, dtype=np.int64)[np.ix_(idx, idx)]
    dur = np.asarray(problem.duration, dtype=np.int64)[np.ix_(idx, idx)]
    for i, a in enumerate(places):
        for j, b in enumerate(places):
            if i != j:
                model.add_edge(a, b, distance=int(dist[i, j]), duration=int(dur[i, j]))
    remaining = max(deadline - time.monotonic(), 0.01)
    until: MaxRuntime | MultipleCriteria = MaxRuntime(remaining)
    if iterations is not None:
        until = MultipleCriteria([MaxIterations(iterations), MaxRuntime(remaining)])
    result = model.solve(stop=until, seed=seed, display=False)
    return result if result.is_feasible() else None


def solution_of(problem: Problem, routes: list[Route]) -> Solution:
    """A solution serving every stop on these routes, with its distance and objective."""
    solution = Solution(
        routes=routes,
        unplanned=[],
        objective=0,
        distance=sum(r.distance for r in routes),
        status="success",
        solve_s=0.0,
    )
    solution.objective = objective(problem, solution)
    return solution


def serve_in_order(
    problem: Problem, nodes: list[int], *, here: int, clock: int, dims: int
) -> tuple[list[Visit], int, int, int]:
    """Serve stops (numbered from 1) in order from ``here`` at ``clock``, each at the earliest
    time its window allows, with the load growing from empty: (visits, distance, clock, place)."""
    load = [0] * dims
    visits: list[Visit] = []
    distance = 0
    for node in nodes:
        stop = problem.stops[node - 1]
        arrival = clock + int(problem.duration[here][stop.location])
        begin = max(arrival, stop.window.start)
        load = [a + b for a, b in zip(load, stop.demand, strict=True)]
        visits.append(
            Visit(
                VisitKind.STOP,
                stop.id,
                stop.location,
                arrival,
                begin,
                begin + stop.service_s,
                tuple(load),
            )
        )
        distance += int(problem.distance[here][stop.location])
        clock = begin + stop.service_s
        here = stop.location
    return visits, distance, clock, here


def _solution(problem: Problem, nodes: list[list[int]]) -> Solution:
    """PyVRP's routes (client numbers from 1, the depot 0) as a nettestad plan."""
    dims = len(problem.vehicles[0].capacity)
    out: list[Route] = []
    for k, vehicle in enumerate(problem.vehicles):
        seq = nodes[k] if k < len(nodes) else []
        visits, distance, clock, here = serve_in_order(
            problem, seq, here=vehicle.start_location, clock=vehicle.shift.start, dims=dims
        )
        if visits:
            distance += int(problem.distance[here][vehicle.end_location])
            clock += int(problem.duration[here][vehicle.end_location])
        out.append(Route(vehicle.id, vehicle.shift.start, clock, visits, distance=distance))
    return solution_of(problem, out)
