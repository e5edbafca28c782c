"""The route planner on OR-Tools: a :class:`~routing.model.Problem` in, a Solution out.

How the model is built (see ``docs/routing.md`` for the reasoning):

- Nodes are the vehicles' depots, the stops, and *copies* of each disposal facility. A copy is an
  optional node with zero penalty, so a vehicle unloads as often as it needs to (multi-trip).
- Each capacity dimension (volume, weight) is a unary transit vector: a stop adds its demand and a
  facility copy subtracts the largest capacity, with slack only at facility copies, so the load
  drops to anything from zero upwards there. With ``unload_before_return`` the load at the route's
  end must be zero: the last call before the depot is a facility.
- Time is one transit matrix (service at the origin plus travel), never a per-pair Python callback;
  windows bound the cumul variables; breaks are interval variables on the time dimension.
- Optional stops carry their penalty; must-visit stops carry ``MUST_VISIT_PENALTY`` so that an
  impossible day still yields a plan that names what could not be done, instead of no plan.

This module is OR-Tools only; :mod:`routing.pipeline` decides which phases run after it.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from routing import explain
from routing.costs import MUST_VISIT_PENALTY
from routing.model import (
    BreakTaken,
    Problem,
    Route,
    Solution,
    Visit,
    VisitKind,
)

log = logging.getLogger(__name__)

_BIG_TIME = 10 * 24 * 3600
_FACILITY_HOP = 10**9


class Strategy(StrEnum):
    """Which improvement phase runs after the first solution."""

    GLS = "gls"  # guided local search
    GREEDY = "greedy"  # stop at the first local optimum (quick answers)


@dataclass(frozen=True, slots=True)
class SolverParams:
    """How long and how the solver searches; the same params and seed give the same plan.

    With only ``time_limit_s`` the result depends on how fast the machine is; for a reproducible
    plan also set ``solution_limit`` (the search then stops after that many improving solutions).
    """

    time_limit_s: float = 10.0
    seed: int = 1
    strategy: Strategy = Strategy.GLS
    first_solution: str = "PATH_CHEAPEST_ARC"
    solution_limit: int | None = None


@dataclass(slots=True)
class _Nodes:
    """The solver's node list and what each node stands for."""

    location: list[int]
    kind: list[str]  # "depot", "stop", "facility"
    ref: list[int]  # index into problem.stops / problem.facilities / depot number


def _build_nodes(problem: Problem, copies: int | None) -> tuple[_Nodes, list[int], list[int]]:
    depots: dict[int, int] = {}
    nodes = _Nodes(location=[], kind=[], ref=[])
    starts: list[int] = []
    ends: list[int] = []
    for vehicle in problem.vehicles:
        for loc, out in ((vehicle.start_location, starts), (vehicle.end_location, ends)):
            if loc not in depots:
                depots[loc] = len(nodes.location)
                nodes.location.append(loc)
                nodes.kind.append("depot")
                nodes.ref.append(len(depots) - 1)
            out.append(depots[loc])
    for i, stop in enumerate(problem.stops):
        nodes.location.append(stop.location)
        nodes.kind.append("stop")
        nodes.ref.append(i)
    if problem.facilities:
        per_facility = copies if copies is not None else _facility_copies(problem)
        for i, facility in enumerate(problem.facilities):
            for _ in range(per_facility):
                nodes.location.append(facility.location)
                nodes.kind.append("facility")
                nodes.ref.append(i)
    return nodes, starts, ends


def _facility_copies(problem: Problem) -> int:
    """Enough unloads per facility for every trip the day could need, whichever site is used."""
    trips = 0
    for d in range(len(problem.vehicles[0].capacity)):
        total = sum(s.demand[d] for s in problem.stops)
        smallest = min(v.capacity[d] for v in problem.vehicles) or 1
        trips = max(trips, math.ceil(total / smallest))
    needed = trips + len(problem.vehicles)
    # Many sites share the trips between them: each needs only its share, with room to spare.
    share = math.ceil(needed / len(problem.facilities) * 1.5) + 1
    return max(1, min(needed, max(share, len(problem.vehicles) + 1)))


def _route_ends_via_facility(
    problem: Problem,
    nodes: _Nodes,
    dist: np.ndarray,
    travel: np.ndarray,
    ends: list[int],
) -> dict[tuple[int, int], int]:
    """Fold the last unload into the arc from a stop to the depot: the nearest facility on the way.

    Asking the search to insert a facility copy *and* a stop in one move is hard for single-node
    operators; an arc "stop → depot" that already passes a facility keeps every route legal with
    its final unload, and the intermediate unloads remain optional nodes. Returns, per
    (stop node, end node), which facility the final unload uses.
    """
    chosen: dict[tuple[int, int], int] = {}
    if not problem.facilities or not any(v.unload_before_return for v in problem.vehicles):
        return chosen
    first_copy: dict[int, int] = {}
    for node, (kind, ref) in enumerate(zip(nodes.kind, nodes.ref, strict=True)):
        if kind == "facility":
            first_copy.setdefault(ref, node)
    # The folded unload's hours are not modelled: fold only into sites open until every shift
    # has ended (when there are such sites), so a route never ends at a site already closed.
    last = max(v.shift.end for v in problem.vehicles)
    late = {
        ref: node for ref, node in first_copy.items() if problem.facilities[ref].window.end >= last
    }
    first_copy = late or first_copy
    sites = list(first_copy.items())
    site_nodes = np.asarray([node for _, node in sites])
    unload = np.asarray([problem.facilities[ref].unload_s for ref, _ in sites])
    stop_nodes = np.asarray([i for i, k in enumerate(nodes.kind) if k == "stop"])
    if stop_nodes.size == 0:
        return chosen
    for end in sorted(set(ends)):
        via_d = dist[np.ix_(stop_nodes, site_nodes)] + dist[site_nodes, end][None, :]
        best = np.argmin(via_d, axis=1)
        rows = np.arange(stop_nodes.size)
        dist[stop_nodes, end] = via_d[rows, best]
        f_nodes = site_nodes[best]
        travel[stop_nodes, end] = travel[stop_nodes, f_nodes] + unload[best] + travel[f_nodes, end]
        for i, node in enumerate(stop_nodes):
            chosen[(int(node), end)] = sites[int(best[i])][0]
    return chosen


def _node_matrix(matrix: Sequence[Sequence[int]], locations: list[int]) -> np.ndarray:
    full = np.asarray(matrix, dtype=np.int64)
    idx = np.asarray(locations, dtype=np.int64)
    return full[np.ix_(idx, idx)]


@dataclass(slots=True)
class _Model:
    """One OR-Tools model of a problem, with what is needed to read a solution back."""

    routing: pywrapcp.RoutingModel
    manager: pywrapcp.RoutingIndexManager
    nodes: _Nodes
    dist: np.ndarray
    time_dim: pywrapcp.RoutingDimension
    break_vars: dict[int, list[pywrapcp.IntervalVar]]
    final_site: dict[tuple[int, int], int]
    search: object
    history: list[tuple[float, int]]

    def extract(self, problem: Problem, assignment: pywrapcp.Assignment) -> Solution:
        """The solution an assignment of this model stands for."""
        return _extract(
            problem,
            self.routing,
            self.manager,
            self.nodes,
            assignment,
            self.dist,
            self.time_dim,
            self.break_vars,
            self.final_site,
        )


def _build(problem: Problem, params: SolverParams, started: float) -> _Model:
    """The routing model of ``problem``: nodes, costs, time, breaks, loads and disjunctions."""
    nodes, starts, ends = _build_nodes(problem, None)
    n = len(nodes.location)
    manager = pywrapcp.RoutingIndexManager(n, len(problem.vehicles), starts, ends)
    routing = pywrapcp.RoutingModel(manager)
    dist = _node_matrix(problem.distance, nodes.location)
    travel = _node_matrix(problem.duration, nodes.location)
    service = np.zeros(n, dtype=np.int64)
    for i, (kind, ref) in enumerate(zip(nodes.kind, nodes.ref, strict=True)):
        if kind == "stop":
            service[i] = problem.stops[ref].service_s
        elif kind == "facility":
            service[i] = problem.facilities[ref].unload_s
    final_site = _route_ends_via_facility(problem, nodes, dist, travel, ends)
    time_matrix = travel + service[:, None]
    np.fill_diagonal(time_matrix, 0)

    # Going from one unload straight to another never helps; pricing it keeps copies apart.
    is_facility = np.asarray([k == "facility" for k in nodes.kind])
    # Arc costs: one matrix per distinct (distance cost, time cost) pair of vehicles.
    cost_callbacks: dict[tuple[int, int], int] = {}
    for v, vehicle in enumerate(problem.vehicles):
        key = (vehicle.distance_cost, vehicle.time_cost)
        if key not in cost_callbacks:
            cost = dist * vehicle.distance_cost + time_matrix * vehicle.time_cost
            cost[np.ix_(is_facility, is_facility)] += _FACILITY_HOP
            cost_callbacks[key] = routing.RegisterTransitMatrix(cost.tolist())
        routing.SetArcCostEvaluatorOfVehicle(cost_callbacks[key], v)
        routing.SetFixedCostOfVehicle(vehicle.fixed_cost, v)

    time_cb = routing.RegisterTransitMatrix(time_matrix.tolist())
    horizon = max(v.shift.end for v in problem.vehicles) + 1
    routing.AddDimension(time_cb, _BIG_TIME, horizon, False, "time")
    time_dim = routing.GetDimensionOrDie("time")
    _add_windows(problem, routing, manager, nodes, time_dim)
    break_vars = _add_breaks(problem, routing, manager, time_dim, service)
    _add_loads(problem, routing, manager, nodes)
    _add_stop_limits(problem, routing, nodes)
    _add_disjunctions(problem, routing, manager, nodes)
    # One unload right after another never helps: forbid the arc instead of merely pricing it.
    copies = [manager.NodeToIndex(i) for i, k in enumerate(nodes.kind) if k == "facility"]
    for index in copies:
        routing.NextVar(index).RemoveValues([c for c in copies if c != index])

    history: list[tuple[float, int]] = []

    def on_solution() -> None:
        history.append((time.monotonic() - started, routing.CostVar().Value()))

    routing.AddAtSolutionCallback(on_solution)
    return _Model(
        routing,
        manager,
        nodes,
        dist,
        time_dim,
        break_vars,
        final_site,
        _search_parameters(params),
        history,
    )


def _nothing_to_plan(problem: Problem) -> Solution:
    return Solution(
        routes=[Route(v.id, v.shift.start, v.shift.start, []) for v in problem.vehicles],
        unplanned=[explain.unplanned(problem, i) for i in range(len(problem.stops))],
        objective=0,
        distance=0,
        status="success",
        solve_s=0.0,
    )


def _finish(
    model: _Model, problem: Problem, assignment: pywrapcp.Assignment | None, started: float
) -> Solution:
    elapsed = time.monotonic() - started
    status = _status_name(model.routing.status())
    if assignment is None:
        return Solution(
            routes=[],
            unplanned=[explain.unplanned(problem, i) for i in range(len(problem.stops))],
            objective=0,
            distance=0,
            status=status,
            solve_s=elapsed,
            history=model.history,
        )
    solution = model.extract(problem, assignment)
    solution.status = status
    solution.solve_s = elapsed
    solution.history = model.history
    solution.first_solution_s = model.history[0][0] if model.history else None
    return solution


def solve(problem: Problem, params: SolverParams | None = None) -> Solution:
    """Plan routes for ``problem``: the best solution found within the limits."""
    params = params or SolverParams()
    started = time.monotonic()
    if not problem.stops or not problem.vehicles:
        return _nothing_to_plan(problem)
    model = _build(problem, params, started)
    assignment = model.routing.SolveWithParameters(model.search)
    return _finish(model, problem, assignment, started)


def improve_from(
    problem: Problem, routes: Mapping[str, Sequence[str]], params: SolverParams | None = None
) -> Solution | None:
    """Guided local search started from ``routes`` (per vehicle id, stop and site ids in order).

    The answer costs at most what the given routes cost, so it serves every must-visit stop they
    serve. None when the model does not accept the given routes as they are (or has nothing to
    plan): the caller then keeps them or plans otherwise.
    """
    params = params or SolverParams()
    started = time.monotonic()
    if not problem.stops or not problem.vehicles:
        return None
    model = _build(problem, params, started)
    # Reading the given routes back runs the solver under the search's limits: reading gets its
    # own generous ones, the search from the routes its own.
    reading = _search_parameters(SolverParams(time_limit_s=_BIG_TIME, seed=params.seed))
    model.routing.CloseModelWithParameters(reading)
    assignment = model.routing.ReadAssignmentFromRoutes(_indices_of(problem, model, routes), True)
    if assignment is None:
        return None
    found = model.routing.SolveFromAssignmentWithParameters(assignment, model.search)
    if found is None:
        found = model.routing.ReadAssignmentFromRoutes(_indices_of(problem, model, routes), True)
    return _finish(model, problem, found, started)


def _indices_of(
    problem: Problem, model: _Model, routes: Mapping[str, Sequence[str]]
) -> list[list[int]]:
    """Per vehicle, the routing indices of its calls; each unload takes a free facility copy."""
    stop_node: dict[str, int] = {}
    copies: dict[str, list[int]] = {}
    for i, (kind, ref) in enumerate(zip(model.nodes.kind, model.nodes.ref, strict=True)):
        if kind == "stop":
            stop_node[problem.stops[ref].id] = i
        elif kind == "facility":
            copies.setdefault(problem.facilities[ref].id, []).append(i)
    out: list[list[int]] = []
    seen: set[int] = set()
    for vehicle in problem.vehicles:
        indices: list[int] = []
        for call in routes.get(vehicle.id, ()):
            node = stop_node.get(call)
            if node is None and copies.get(call):
                node = copies[call].pop(0)
            if node is None or node in seen:
                continue  # a stop not in the problem, or a site closed or out of copies
            seen.add(node)
            indices.append(model.manager.NodeToIndex(node))
        out.append(indices)
    return out


def _add_windows(
    problem: Problem,
    routing: pywrapcp.RoutingModel,
    manager: pywrapcp.RoutingIndexManager,
    nodes: _Nodes,
    time_dim: pywrapcp.RoutingDimension,
) -> None:
    # A trip leaves a depot or an unloading site, so a stop cannot be served before its release
    # plus the travel from the nearest of them: a relaxation of the release rule that the trip
    # phase (routing/trips.py) then enforces exactly.
    origins = sorted(
        {v.start_location for v in problem.vehicles} | {f.location for f in problem.facilities}
    )
    for node, (kind, ref) in enumerate(zip(nodes.kind, nodes.ref, strict=True)):
        if kind == "depot":
            continue
        window = problem.stops[ref].window if kind == "stop" else problem.facilities[ref].window
        index = manager.NodeToIndex(node)
        low, high = max(window.start, 0), min(window.end, int(time_dim.CumulVar(index).Max()))
        if kind == "stop" and problem.stops[ref].release_s > 0:
            stop = problem.stops[ref]
            reach = min(int(problem.duration[o][stop.location]) for o in origins)
            low = max(low, stop.release_s + reach)
        if low > high:  # the window lies outside every shift: the node cannot be visited
            routing.ActiveVar(index).SetValue(0)
            continue
        time_dim.CumulVar(index).SetRange(low, high)
    for v, vehicle in enumerate(problem.vehicles):
        time_dim.CumulVar(routing.Start(v)).SetRange(vehicle.shift.start, vehicle.shift.end)
        time_dim.CumulVar(routing.End(v)).SetRange(vehicle.shift.start, vehicle.shift.end)
        if vehicle.max_duration_s is not None:
            time_dim.SetSpanUpperBoundForVehicle(vehicle.max_duration_s, v)
        # Leaving as late as possible and returning as early as possible keeps shifts short.
        routing.AddVariableMinimizedByFinalizer(time_dim.CumulVar(routing.End(v)))
        routing.AddVariableMaximizedByFinalizer(time_dim.CumulVar(routing.Start(v)))


def _add_breaks(
    problem: Problem,
    routing: pywrapcp.RoutingModel,
    manager: pywrapcp.RoutingIndexManager,
    time_dim: pywrapcp.RoutingDimension,
    service: np.ndarray,
) -> dict[int, list[pywrapcp.IntervalVar]]:
    solver = routing.solver()
    out: dict[int, list[pywrapcp.IntervalVar]] = {}
    # A break may not interrupt a service: the solver needs the service time per routing index.
    per_index = [int(service[manager.IndexToNode(i)]) for i in range(routing.Size())]
    for v, vehicle in enumerate(problem.vehicles):
        if not vehicle.breaks:
            continue
        intervals = [
            solver.FixedDurationIntervalVar(
                b.earliest_start, b.latest_start, b.duration_s, False, f"break {vehicle.id} {k}"
            )
            for k, b in enumerate(vehicle.breaks)
        ]
        time_dim.SetBreakIntervalsOfVehicle(intervals, v, per_index)
        for interval in intervals:
            routing.AddIntervalToAssignment(interval)
        out[v] = intervals
    return out


def _add_loads(
    problem: Problem,
    routing: pywrapcp.RoutingModel,
    manager: pywrapcp.RoutingIndexManager,
    nodes: _Nodes,
) -> None:
    if not problem.vehicles:
        return
    dims = len(problem.vehicles[0].capacity)
    has_facilities = bool(problem.facilities)
    for d in range(dims):
        biggest = max(v.capacity[d] for v in problem.vehicles)
        transit = []
        for kind, ref in zip(nodes.kind, nodes.ref, strict=True):
            if kind == "stop":
                transit.append(problem.stops[ref].demand[d])
            elif kind == "facility":
                transit.append(-biggest)
            else:
                transit.append(0)
        cb = routing.RegisterUnaryTransitVector(transit)
        name = f"load{d}"
        routing.AddDimensionWithVehicleCapacity(
            cb,
            biggest if has_facilities else 0,
            [v.capacity[d] for v in problem.vehicles],
            False,
            name,
        )
        dim = routing.GetDimensionOrDie(name)
        for v, vehicle in enumerate(problem.vehicles):
            on_board = vehicle.initial_load[d] if vehicle.initial_load else 0
            dim.CumulVar(routing.Start(v)).SetValue(on_board)
        if has_facilities:
            for node, kind in enumerate(nodes.kind):
                if kind == "stop":
                    dim.SlackVar(manager.NodeToIndex(node)).SetValue(0)
            for v in range(len(problem.vehicles)):
                dim.SlackVar(routing.Start(v)).SetValue(0)
        if any(v.max_day_load is not None for v in problem.vehicles):
            day = routing.RegisterUnaryTransitVector([max(t, 0) for t in transit])
            caps = [
                v.max_day_load[d] if v.max_day_load is not None else 2**40 for v in problem.vehicles
            ]
            routing.AddDimensionWithVehicleCapacity(day, 0, caps, True, f"dayload{d}")


def _add_stop_limits(problem: Problem, routing: pywrapcp.RoutingModel, nodes: _Nodes) -> None:
    if all(v.max_stops is None for v in problem.vehicles):
        return
    cb = routing.RegisterUnaryTransitVector([1 if k == "stop" else 0 for k in nodes.kind])
    caps = [v.max_stops if v.max_stops is not None else len(nodes.kind) for v in problem.vehicles]
    routing.AddDimensionWithVehicleCapacity(cb, 0, caps, True, "stops")


def _add_disjunctions(
    problem: Problem,
    routing: pywrapcp.RoutingModel,
    manager: pywrapcp.RoutingIndexManager,
    nodes: _Nodes,
) -> None:
    vehicle_index = {v.id: i for i, v in enumerate(problem.vehicles)}
    for node, (kind, ref) in enumerate(zip(nodes.kind, nodes.ref, strict=True)):
        index = manager.NodeToIndex(node)
        if kind == "facility":
            routing.AddDisjunction([index], 0)
            continue
        if kind != "stop":
            continue
        stop = problem.stops[ref]
        if stop.penalty is not None:
            routing.AddDisjunction([index], stop.penalty)
        else:
            routing.AddDisjunction([index], MUST_VISIT_PENALTY)
        if stop.allowed_vehicles:
            routing.SetAllowedVehiclesForIndex(
                [vehicle_index[v] for v in stop.allowed_vehicles if v in vehicle_index], index
            )


def _search_parameters(params: SolverParams) -> object:
    search = pywrapcp.DefaultRoutingSearchParameters()
    search.first_solution_strategy = getattr(
        routing_enums_pb2.FirstSolutionStrategy, params.first_solution
    )
    search.local_search_metaheuristic = (
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
        if params.strategy is Strategy.GLS
        else routing_enums_pb2.LocalSearchMetaheuristic.GREEDY_DESCENT
    )
    search.time_limit.FromMilliseconds(max(1, int(params.time_limit_s * 1000)))
    if params.solution_limit is not None:
        search.solution_limit = params.solution_limit
        # Sub-searches stop at their own clock (0.1 s by default): a busy machine would then
        # find other solutions. A bound on solutions is meant to give the same plan anywhere.
        search.lns_time_limit.FromSeconds(60)
    return search


def _status_name(code: int) -> str:
    names = {
        0: "not_solved",
        1: "success",
        2: "partial_success_time_limit",
        3: "fail",
        4: "fail_timeout",
        5: "invalid",
        6: "infeasible",
        7: "optimal",
    }
    return names.get(code, f"status_{code}")


def _extract(  # noqa: PLR0917 - private, called once from solve() with its locals
    problem: Problem,
    routing: pywrapcp.RoutingModel,
    manager: pywrapcp.RoutingIndexManager,
    nodes: _Nodes,
    assignment: pywrapcp.Assignment,
    dist: np.ndarray,
    time_dim: pywrapcp.RoutingDimension,
    break_vars: dict[int, list[pywrapcp.IntervalVar]],
    final_site: dict[tuple[int, int], int],
) -> Solution:
    dims = len(problem.vehicles[0].capacity) if problem.vehicles else 0
    routes: list[Route] = []
    served: set[int] = set()
    total_distance = 0
    breaks_by_vehicle = {
        v: [
            BreakTaken(start=assignment.StartValue(b), duration_s=assignment.DurationValue(b))
            for b in intervals
            if assignment.PerformedValue(b)
        ]
        for v, intervals in break_vars.items()
    }
    for v, vehicle in enumerate(problem.vehicles):
        index = routing.Start(v)
        visits: list[Visit] = []
        load = list(vehicle.initial_load) if vehicle.initial_load else [0] * dims
        distance = 0
        prev_node = manager.IndexToNode(index)
        depart = assignment.Min(time_dim.CumulVar(index))
        clock = depart
        index = assignment.Value(routing.NextVar(index))
        while not routing.IsEnd(index):
            node = manager.IndexToNode(index)
            distance += int(dist[prev_node, node])
            start = assignment.Min(time_dim.CumulVar(index))
            kind, ref = nodes.kind[node], nodes.ref[node]
            arrival = clock + int(_travel(problem, nodes, prev_node, node))
            if kind == "stop":
                stop = problem.stops[ref]
                served.add(ref)
                load = [load[d] + stop.demand[d] for d in range(dims)]
                visits.append(
                    Visit(
                        VisitKind.STOP,
                        stop.id,
                        stop.location,
                        arrival,
                        start,
                        start + stop.service_s,
                        tuple(load),
                    )
                )
                clock = start + stop.service_s
            else:
                facility = problem.facilities[ref]
                load = [0] * dims
                visits.append(
                    Visit(
                        VisitKind.UNLOAD,
                        facility.id,
                        facility.location,
                        arrival,
                        start,
                        start + facility.unload_s,
                        tuple(load),
                    )
                )
                clock = start + facility.unload_s
            prev_node = node
            index = assignment.Value(routing.NextVar(index))
        end_node = manager.IndexToNode(index)
        distance += int(dist[prev_node, end_node]) if visits else 0
        site = final_site.get((prev_node, end_node))
        if visits and site is not None:
            facility = problem.facilities[site]
            there = clock + int(problem.duration[nodes.location[prev_node]][facility.location])
            there += sum(
                b.duration_s for b in breaks_by_vehicle.get(v, []) if clock <= b.start < there
            )
            begin = max(there, facility.window.start)
            load = [0] * dims
            visits.append(
                Visit(
                    VisitKind.UNLOAD,
                    facility.id,
                    facility.location,
                    there,
                    begin,
                    begin + facility.unload_s,
                    tuple(load),
                )
            )
        end = assignment.Min(time_dim.CumulVar(index))
        total_distance += distance
        routes.append(
            Route(
                vehicle_id=vehicle.id,
                start=depart if visits else vehicle.shift.start,
                end=end if visits else vehicle.shift.start,
                visits=visits,
                breaks=breaks_by_vehicle.get(v, []) if visits else [],
                distance=distance,
            )
        )
    unplanned = [
        explain.unplanned(problem, i) for i in range(len(problem.stops)) if i not in served
    ]
    return Solution(
        routes=routes,
        unplanned=unplanned,
        objective=int(assignment.ObjectiveValue()),
        distance=total_distance,
        status="",
        solve_s=0.0,
    )


def _travel(problem: Problem, nodes: _Nodes, a: int, b: int) -> int:
    return int(problem.duration[nodes.location[a]][nodes.location[b]])
