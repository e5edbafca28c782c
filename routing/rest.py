"""The rest of a running day planned again, starting from what remains of its plan.

Both ways of re-planning a day - ``routing.service.replan`` (from the crews' reports, with the
database) and ``routing.dumps.insert_cleanup`` (a cleanup on plain data, for the twin) - come
here with the rest of the day as a :class:`~routing.model.Problem` (each vehicle starting where
and when it is free, with what it carries) and the remaining plan: per vehicle, its calls not
yet made, in order.

1. A disposal site that closed before the re-plan starts is left out of the rest of the day; when
   no site is open any more, the re-plan is refused: "voor de rest van de dag gesloten".
2. The remaining plan is timed from the actual positions and times by the check's own rules
   (travel, windows, the break, capacity per trip, unload before the depot, the shift's end): a
   crew ahead keeps every stop; a crew behind loses the stops it can no longer make, each with
   its reason. New stops (and stops a crew behind lost) go where they add least; a must-visit
   that fits nowhere takes the place of optional stops, the fewest of the least prize.
3. Guided local search starts from those routes (:func:`routing.solver.improve_from`), and only
   when they leave a must-visit stop out does the pipeline also plan the rest from nothing. A
   candidate replaces the remaining plan only when it passes the check (:mod:`routing.check`),
   serves every must-visit stop the remaining plan serves and costs less.

A must-visit stop the remaining plan held but the re-plan leaves out carries a reason that says
why (its crew is behind: the window is over, the shift is over, or no room is left), in Dutch
through :func:`routing.explain.text_nl`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import pairwise

from routing import check, costs, explain, pipeline
from routing.errors import PlanCheckError, PlanningError
from routing.model import (
    ALL_DAY,
    Break,
    BreakTaken,
    Problem,
    Route,
    Solution,
    Stop,
    Unplanned,
    Vehicle,
    Visit,
    VisitKind,
    Window,
)
from routing.solver import SolverParams, Strategy, improve_from

log = logging.getLogger(__name__)

# Improving solutions the search from the remaining plan looks for: the remaining plan is a good
# start, and on the city day the search's gains beyond these were below 2 km while each took
# 0.2-0.4 s (bench/RESULTS.md, "Re-planning"); a bound on solutions, not on time, also keeps a
# re-plan the same on any machine.
SEARCH_SOLUTIONS = 10


def open_sites(problem: Problem) -> Problem:
    """``problem`` without the disposal sites that closed before its vehicles start.

    Raises a :class:`PlanningError` when every site has closed for the rest of the day while the
    vehicles still have to unload before they return.
    """
    if not problem.facilities or not problem.vehicles:
        return problem
    first = min(v.shift.start for v in problem.vehicles)
    still = tuple(f for f in problem.facilities if f.window.end >= first)
    if len(still) == len(problem.facilities):
        return problem
    if not still and any(v.unload_before_return for v in problem.vehicles):
        closed = ", ".join(f"{f.id} (tot {_clock(f.window.end)})" for f in problem.facilities)
        raise PlanningError(
            "site_closed",
            f"stortplaats {closed} is voor de rest van de dag gesloten: de ploegen kunnen "
            f"vandaag na {_clock(first)} niet meer lossen; herplan morgen of verleng de "
            "openingsuren",
            f"disposal site {closed} is closed for the rest of the day: the crews cannot unload "
            f"after {_clock(first)} today",
        )
    return replace(problem, facilities=still)


@dataclass(frozen=True, slots=True)
class LeftOut:
    """A stop of the remaining plan its vehicle can no longer make, and why (a reason code)."""

    stop_id: str
    vehicle_id: str
    code: explain.Reason
    why: str  # English, with the times


@dataclass(slots=True)
class _State:
    """Where a vehicle is on a route being built: free from ``free`` at ``where``."""

    where: int
    free: int
    load: list[int]
    pending: list[Break]
    taken: list[BreakTaken] = field(default_factory=list)
    visits: list[Visit] = field(default_factory=list)

    def copy(self) -> _State:
        return _State(
            self.where,
            self.free,
            list(self.load),
            list(self.pending),
            list(self.taken),
            list(self.visits),
        )


def _start(vehicle: Vehicle) -> _State:
    dims = len(vehicle.capacity)
    return _State(
        vehicle.start_location,
        vehicle.shift.start,
        list(vehicle.initial_load or (0,) * dims),
        sorted(vehicle.breaks, key=lambda b: b.earliest_start),
    )


def _go(
    problem: Problem, st: _State, where: int, window: Window, *, home: bool = False
) -> int | None:
    """Travel to ``where``, taking a break on the way when due; the arrival, or None if a break
    is missed. A break is taken at the first departure after it may start, or on the way when the
    next service (``home``: the arrival) would otherwise begin after it must have started."""
    arrival = st.free + int(problem.duration[st.where][where])
    while st.pending:
        b = st.pending[0]
        begin = max(arrival, window.start)
        due = begin > b.earliest_start if home else begin > b.latest_start
        if st.free < b.earliest_start and not due:
            break
        at = max(st.free, b.earliest_start)
        if at > b.latest_start:
            return None
        st.taken.append(BreakTaken(at, b.duration_s))
        st.pending.pop(0)
        arrival = max(arrival + b.duration_s, at + b.duration_s)
    return arrival


@dataclass(frozen=True, slots=True)
class _Day:
    """The rest of the day being re-planned, with its stops by id (its routes are timed many
    times, each call looking its stop up)."""

    problem: Problem
    stops: dict[str, Stop]


def _day(problem: Problem) -> _Day:
    return _Day(problem, {s.id: s for s in problem.stops})


def _call(day: _Day, vehicle: Vehicle, st: _State, ref: str) -> str | None:
    """Make the call ``ref`` (a stop or a site) on ``st``; None, or why it cannot be made."""
    problem = day.problem
    stop = day.stops.get(ref)
    if stop is not None:
        window, service, location = stop.window, stop.service_s, stop.location
    else:
        site = next(f for f in problem.facilities if f.id == ref)
        window, service, location = site.window, site.unload_s, site.location
    arrival = _go(problem, st, location, window)
    if arrival is None:
        return "break"
    begin = max(arrival, window.start)
    if begin > window.end:
        return f"window:{arrival}"
    if stop is not None:
        load = [a + d for a, d in zip(st.load, stop.demand, strict=True)]
        if any(a > c for a, c in zip(load, vehicle.capacity, strict=True)):
            return "load"
        kind = VisitKind.STOP
    else:
        load = [0] * len(st.load)
        kind = VisitKind.UNLOAD
    st.visits.append(Visit(kind, ref, location, arrival, begin, begin + service, tuple(load)))
    st.where, st.free, st.load = location, begin + service, load
    return None


def _home(day: _Day, vehicle: Vehicle, st: _State) -> int | None:
    """Finish the route on ``st``: a last unload when loaded, then the depot; the time back at
    the depot, or None when the vehicle cannot be back within its shift."""
    problem = day.problem
    if any(st.load) and problem.facilities and vehicle.unload_before_return:
        best: tuple[int, _State] | None = None
        for site in problem.facilities:
            trial = st.copy()
            if _call(day, vehicle, trial, site.id) is not None:
                continue
            back = _go(problem, trial.copy(), vehicle.end_location, ALL_DAY, home=True)
            if back is not None and (best is None or back < best[0]):
                best = (back, trial)
        if best is None:
            return None
        st.where, st.free, st.load = best[1].where, best[1].free, best[1].load
        st.pending, st.taken, st.visits = best[1].pending, best[1].taken, best[1].visits
    back = _go(problem, st, vehicle.end_location, ALL_DAY, home=True)
    if back is None or back > vehicle.shift.end:
        return None
    return back


def _route(day: _Day, vehicle: Vehicle, refs: Sequence[str]) -> Route | None:
    """The route making ``refs`` in order, timed from the vehicle's start; None if one fails."""
    problem = day.problem
    st = _start(vehicle)
    for ref in refs:
        if _call(day, vehicle, st, ref) is not None:
            return None
    back = _home(day, vehicle, st)
    if back is None:
        return None
    distance = sum(
        int(problem.distance[a][b])
        for a, b in pairwise(
            [vehicle.start_location, *(x.location for x in st.visits), vehicle.end_location]
        )
    )
    if not st.visits:
        return Route(vehicle.id, vehicle.shift.start, vehicle.shift.start, [])
    return Route(vehicle.id, vehicle.shift.start, back, st.visits, st.taken, distance)


def _hold(day: _Day, vehicle: Vehicle, refs: Sequence[str]) -> tuple[list[str], list[LeftOut]]:
    """The calls of ``refs`` the vehicle can still make in order, and the stops it cannot."""
    st = _start(vehicle)
    kept: list[str] = []
    left: list[LeftOut] = []
    stops = day.stops
    for ref in refs:
        if ref not in stops and not any(st.load):
            continue  # nothing to unload (the stops before it were left out)
        trial = st.copy()
        why = _call(day, vehicle, trial, ref)
        back = None
        if why is None:
            back = _home(day, vehicle, trial.copy())
            if back is None:
                why = "shift"
        if why is None:
            st = trial
            kept.append(ref)
        elif ref in stops:
            left.append(_left_out(vehicle, st, stops[ref], why))
    return kept, left


def _left_out(vehicle: Vehicle, st: _State, stop: Stop, why: str) -> LeftOut:
    """The stop the vehicle cannot make from ``st``, with ``why`` in words and times."""
    if why.startswith("window:"):
        arrive = int(why.split(":")[1])
        return LeftOut(
            stop.id,
            vehicle.id,
            explain.Reason.BEHIND_WINDOW,
            f"{vehicle.id} can be there at {_clock(arrive)} at the earliest, its window closes at "
            f"{_clock(stop.window.end)}",
        )
    if why == "shift":
        return LeftOut(
            stop.id,
            vehicle.id,
            explain.Reason.BEHIND_SHIFT,
            f"{vehicle.id} is free at {_clock(st.free)}; with this stop it is not back by the end "
            f"of its shift at {_clock(vehicle.shift.end)}",
        )
    what = {"load": "its load", "break": "its break"}.get(why, why)
    return LeftOut(
        stop.id,
        vehicle.id,
        explain.Reason.BEHIND_ROOM,
        f"{vehicle.id} has no room left for it ({what})",
    )


def _insert(day: _Day, routes: dict[str, list[str]], stop: Stop, tries: int = 40) -> bool:
    """Put ``stop`` where it adds the least distance and the routes still hold; False if nowhere
    (an optional stop only where it costs less than its penalty)."""
    problem = day.problem
    options = []
    for vehicle in problem.vehicles:
        if stop.allowed_vehicles and vehicle.id not in stop.allowed_vehicles:
            continue
        refs = routes[vehicle.id]
        where = [
            vehicle.start_location,
            *(_location(day, r) for r in refs),
            vehicle.end_location,
        ]
        for i in range(len(refs) + 1):
            a, b = where[i], where[i + 1]
            extra = (
                problem.distance[a][stop.location]
                + problem.distance[stop.location][b]
                - problem.distance[a][b]
            )
            time_extra = (
                problem.duration[a][stop.location]
                + problem.duration[stop.location][b]
                - problem.duration[a][b]
            )
            cost = extra * vehicle.distance_cost + (time_extra + stop.service_s) * vehicle.time_cost
            if not refs:
                cost += vehicle.fixed_cost
            options.append((cost, vehicle.id, i))
    options.sort()
    vehicles = {v.id: v for v in problem.vehicles}
    for cost, vid, i in options[:tries]:
        if stop.penalty is not None and cost >= stop.penalty:
            return False
        refs = routes[vid]
        trial = [*refs[:i], stop.id, *refs[i:]]
        if _route(day, vehicles[vid], trial) is not None:
            routes[vid] = trial
            return True
    if stop.penalty is None:
        return _insert_for_optional(day, routes, stop, options[: tries // 2])
    return False


def _insert_for_optional(
    day: _Day,
    routes: dict[str, list[str]],
    stop: Stop,
    options: Sequence[tuple[int, str, int]],
    ejections: int = 16,
) -> bool:
    """Put the must-visit ``stop`` in place of optional stops of the route, the least prize
    first, as few as make it fit (at most ``ejections``); False if nowhere.

    A cleanup takes longer than a bin: on a full route one bin left out rarely makes room.
    """
    problem = day.problem
    stops = day.stops
    vehicles = {v.id: v for v in problem.vehicles}
    for _cost, vid, i in options:
        refs = routes[vid]
        optional = sorted(
            (k for k, r in enumerate(refs) if r in stops and stops[r].penalty is not None),
            key=lambda k: (stops[refs[k]].penalty, k),
        )
        trial = [*refs[:i], stop.id, *refs[i:]]
        out: set[int] = set()
        for k in optional[:ejections]:
            out.add(k if k < i else k + 1)
            fewer = [r for j, r in enumerate(trial) if j not in out]
            if _route(day, vehicles[vid], fewer) is not None:
                routes[vid] = fewer
                return True
    return False


def _location(day: _Day, ref: str) -> int:
    problem = day.problem
    stop = day.stops.get(ref)
    if stop is not None:
        return stop.location
    return next(f.location for f in problem.facilities if f.id == ref)


def _solution(day: _Day, routes: dict[str, list[str]], left: list[LeftOut]) -> Solution:
    """The timed, unchecked plan of ``routes``; stops not on them are unplanned with reasons."""
    problem = day.problem
    planned = []
    for vehicle in problem.vehicles:
        route = _route(day, vehicle, routes[vehicle.id])
        if route is None:  # only a vehicle with no call left that cannot be back in its shift
            route = Route(vehicle.id, vehicle.shift.start, vehicle.shift.start, [])
            routes[vehicle.id] = []
        planned.append(route)
    solution = Solution(planned, [], 0, 0, "remaining plan", 0.0)
    solution.unplanned = _reasons(problem, solution, left)
    solution.objective = costs.objective(problem, solution)
    return solution


def plan_rest(
    problem: Problem, remaining: Mapping[str, Sequence[str]], config: pipeline.PlanConfig
) -> tuple[Problem, Solution]:
    """A checked plan for the rest of the day, started from ``remaining``; the problem planned.

    ``remaining`` holds per vehicle id the ids of its stops and disposal sites not yet called at,
    in the order of the plan. Raises :class:`PlanningError` on bad input (nothing to store).
    """
    started = time.monotonic()
    problem = open_sites(problem)
    pipeline.validate(problem, refuse_unreachable=False)
    day = _day(problem)
    known = {s.id for s in problem.stops} | {f.id for f in problem.facilities}
    routes: dict[str, list[str]] = {}
    left: list[LeftOut] = []
    for vehicle in problem.vehicles:
        refs = [r for r in remaining.get(vehicle.id, ()) if r in known]
        routes[vehicle.id], out = _hold(day, vehicle, refs)
        left += out
    on_routes = {r for refs in routes.values() for r in refs}
    # new stops, and stops a crew behind lost (another crew may take them): must-visits first
    others = sorted(
        (s for s in problem.stops if s.id not in on_routes),
        key=lambda s: (s.penalty is not None, -(s.penalty or 0), s.id),
    )
    for stop in others:
        _insert(day, routes, stop)
    base = _solution(day, routes, left)
    report = check.check(problem, base, require_must=False)
    if not report.ok:  # rules the timing does not model (a stop limit, a day load, releases)
        log.error("the remaining plan, re-timed, breaks %s", report.violations[:3])
        return problem, pipeline.plan(problem, replace(config, refuse_unreachable=False))
    base.distance = report.distance
    # The search from the remaining plan: SEARCH_SOLUTIONS improving solutions, at most half the
    # budget. Only when the remaining plan cannot take every must-visit stop (a cleanup, a stop a
    # crew behind lost) does the pipeline plan the rest of the day from nothing as well: the
    # cheaper plan that keeps the remaining plan's must-visit stops wins, else the remaining plan.
    budget = config.budget(problem)
    must = {s.id for s in problem.stops if s.penalty is None}
    keep = served(base) & must
    short = bool(must - keep)
    params = SolverParams(
        time_limit_s=max(budget / (4 if short else 2) - (time.monotonic() - started), 0.1),
        seed=config.seed,
        strategy=Strategy.GLS,
        solution_limit=min(config.solution_limit or SEARCH_SOLUTIONS, SEARCH_SOLUTIONS),
    )
    chosen = base
    improved = improve_from(problem, routes, params)
    if improved is None and problem.stops:
        log.warning("the remaining plan is no start for OR-Tools (its model differs)")
    elif improved is not None:
        chosen = _better(problem, chosen, improved, keep)
    if must - served(chosen):
        rest_s = max(budget - (time.monotonic() - started), 0.5)
        try:
            scratch = pipeline.plan(
                problem, replace(config, refuse_unreachable=False, time_limit_s=rest_s)
            )
        except PlanCheckError as error:
            log.error("the rest of the day planned from nothing breaks %s", error.violations[:3])
        else:
            chosen = _better(problem, chosen, scratch, keep)
    chosen.unplanned = _reasons(problem, chosen, left)
    chosen.objective = costs.objective(problem, chosen)
    chosen.solve_s = time.monotonic() - started
    chosen.history = [(chosen.solve_s, chosen.objective)]
    chosen.first_solution_s = chosen.solve_s
    log.info(
        "re-planned %s from the remaining plan: %d/%d stops, %d of its stops left out, %.1f s",
        problem.name,
        sum(1 for r in chosen.routes for x in r.visits if x.kind is VisitKind.STOP),
        len(problem.stops),
        len(left),
        chosen.solve_s,
    )
    return problem, chosen


def _better(problem: Problem, current: Solution, other: Solution, keep: set[str]) -> Solution:
    """``other`` when it passes the check, serves every stop of ``keep`` and costs less than
    ``current``; else ``current``."""
    other.routes = _all_vehicles(problem, other.routes)
    report = check.check(problem, other, require_must=False)
    if not report.ok:
        log.error("a re-plan breaks %s; it is not taken", report.violations[:3])
        return current
    lost = keep - served(other)
    if lost:
        log.info("a re-plan leaves out %s of the remaining plan; it is not taken", sorted(lost)[:5])
        return current
    if costs.objective(problem, other) >= costs.objective(problem, current):
        return current
    other.distance = report.distance
    return other


def _reasons(problem: Problem, solution: Solution, left_out: list[LeftOut]) -> list[Unplanned]:
    """Every stop the plan leaves out; those the remaining plan held say why they no longer fit."""
    by_id = {x.stop_id: x for x in left_out}
    on = served(solution)
    out = []
    for i, stop in enumerate(problem.stops):
        if stop.id in on:
            continue
        x = by_id.get(stop.id)
        if x is None:
            out.append(explain.unplanned(problem, i))
        else:
            out.append(Unplanned(stop.id, f"{explain.text_en(x.code)}: {x.why}", x.code.value))
    return out


def _all_vehicles(problem: Problem, routes: list[Route]) -> list[Route]:
    """One route per vehicle, in the problem's order (idle vehicles with no visits)."""
    by_id = {r.vehicle_id: r for r in routes}
    return [
        by_id.get(v.id) or Route(v.id, v.shift.start, v.shift.start, []) for v in problem.vehicles
    ]


def served(solution: Solution) -> set[str]:
    """The stops a plan serves."""
    return {x.ref for r in solution.routes for x in r.visits if x.kind is VisitKind.STOP}


def _clock(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"
