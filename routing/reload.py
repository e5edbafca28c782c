"""Days with reloads at the depot and no break, planned by PyVRP's hybrid genetic search.

A reload day: every vehicle alike, starting and ending at one depot, unloading (reloading) there
between trips at no cost in time, with no break; stops may have windows and release times (a
trip leaves no earlier than its stops' goods are released). PyVRP models all of this natively
(reload depots, release times) and measured better than the trip phase on the reload benchmark
side by side (``bench/RESULTS.md``), so it plans these days. Seeded; with ``iterations`` the plan
does not depend on the machine.
"""

from __future__ import annotations

from routing.capacity import serve_in_order, solution_of, solve_model
from routing.model import Problem, Route, Solution, Vehicle, Visit, VisitKind


def applies(problem: Problem) -> bool:
    """Whether the day is a reload day: one kind of vehicle, reloads on the depot, no break.

    Every vehicle alike (capacity, depot, shift, costs), no break or other limit per route, no
    load on board at the start; every disposal site on the depot, free to use and open all shift;
    every stop due and open to every vehicle.
    """
    if not problem.stops or not problem.vehicles or not problem.facilities:
        return False
    first = problem.vehicles[0]
    if not all(_kind(v) == _kind(first) and _free(v) for v in problem.vehicles):
        return False
    depot, shift = first.start_location, first.shift
    for f in problem.facilities:
        if f.location != depot or f.unload_s or f.window.start > shift.start:
            return False
        if f.window.end < shift.end:
            return False
    return all(s.penalty is None and not s.allowed_vehicles for s in problem.stops)


def _kind(v: Vehicle) -> tuple[object, ...]:
    return (
        v.capacity,
        v.start_location,
        v.end_location,
        v.shift,
        v.fixed_cost,
        v.distance_cost,
        v.time_cost,
    )


def _free(v: Vehicle) -> bool:
    """No limit the reload model leaves out: breaks, span, stops or load per day, a load on board."""
    return (
        v.start_location == v.end_location
        and not v.breaks
        and v.max_duration_s is None
        and v.max_stops is None
        and v.max_day_load is None
        and v.initial_load is None
        and v.unload_before_return
    )


def solve(
    problem: Problem, *, deadline: float, iterations: int | None = None, seed: int = 1
) -> Solution | None:
    """PyVRP's best plan until ``deadline`` (or ``iterations``); None when it finds none feasible."""
    from pyvrp import Model

    vehicle = problem.vehicles[0]
    shift = vehicle.shift
    locs = [vehicle.start_location, *(s.location for s in problem.stops)]
    model = Model()
    places = [model.add_location(x=0, y=0) for _ in locs]
    depot = model.add_depot(places[0], tw_early=shift.start, tw_late=shift.end)
    model.add_vehicle_type(
        num_available=len(problem.vehicles),
        capacity=list(vehicle.capacity),
        start_depot=depot,
        end_depot=depot,
        fixed_cost=vehicle.fixed_cost,
        unit_distance_cost=vehicle.distance_cost,
        unit_duration_cost=vehicle.time_cost,
        tw_early=shift.start,
        tw_late=shift.end,
        reload_depots=[depot],
    )
    for place, stop in zip(places[1:], problem.stops, strict=True):
        model.add_client(
            place,
            delivery=list(stop.demand),
            service_duration=stop.service_s,
            tw_early=stop.window.start,
            tw_late=stop.window.end,
            release_time=stop.release_s,
        )
    result = solve_model(
        model, problem, locs, places, deadline=deadline, iterations=iterations, seed=seed
    )
    if result is None:
        return None
    routes = []
    for r in result.best.routes():
        trips: list[list[int]] = [[]]
        for call in list(r)[1:-1]:  # between the depot it leaves and the one it ends at
            if call.is_depot():
                trips.append([])  # a reload
            else:
                trips[-1].append(call.idx + 1)
        routes.append([t for t in trips if t])
    return _solution(problem, routes)


def _solution(problem: Problem, plans: list[list[list[int]]]) -> Solution:
    """PyVRP's trips (client numbers from 1) as a nettestad plan at the earliest times: each trip
    leaves when its stops' goods are released and ends with an unload on the depot."""
    dims = len(problem.vehicles[0].capacity)
    site = problem.facilities[0]
    out: list[Route] = []
    for k, vehicle in enumerate(problem.vehicles):
        trips = plans[k] if k < len(plans) else []
        clock = vehicle.shift.start
        visits: list[Visit] = []
        distance = 0
        for trip in trips:
            clock = max(clock, *(problem.stops[c - 1].release_s for c in trip))
            served, driven, clock, here = serve_in_order(
                problem, trip, here=vehicle.start_location, clock=clock, dims=dims
            )
            visits += served
            distance += driven
            distance += int(problem.distance[here][site.location])
            clock += int(problem.duration[here][site.location])
            visits.append(
                Visit(VisitKind.UNLOAD, site.id, site.location, clock, clock, clock, (0,) * dims)
            )
        out.append(Route(vehicle.id, vehicle.shift.start, clock, visits, distance=distance))
    return solution_of(problem, out)
