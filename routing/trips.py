"""Ruin-and-recreate for days with disposal trips, time windows, breaks and a working day.

Guided local search in OR-Tools evaluates every move against the whole route with its time and load
dimensions; on days with long multi-trip routes (150 stops a vehicle, a dozen unloads) it makes
little progress. This phase works on a simpler picture of a vehicle's day: the order of its stops.
Where the unloads go follows from the order: after every change to a route, a small dynamic
programme splits its stops into trips that fit the vehicle and closes each trip at the facility
with the smallest detour (the final unload before the depot included). The schedule (windows,
breaks, the working day) is then simulated once per changed route; a change that breaks it is
thrown away.

Each iteration removes a few strings of neighbouring stops from routes near a random stop and puts
each back at its cheapest position next to one of its nearest stops (the capacity of the trip it
joins checked in constant time), accepted by simulated annealing, as in :mod:`routing.lns`.

Seeded; with ``iterations`` set the result does not depend on the machine.
"""

from __future__ import annotations

import logging
import random
import time
from array import array
from collections.abc import Callable, Sequence

import numpy as np

from routing import explain
from routing.anneal import AnnealParams, Cooling, accepts
from routing.costs import MUST_VISIT_PENALTY, objective
from routing.model import BreakTaken, Problem, Route, Solution, Visit, VisitKind
from routing.strings import insertion_order, remove_strings
from routing.trip_day import TRIP_TIE, Day, Schedule, day_of, simulate, split, split_timed

log = logging.getLogger(__name__)

_NEIGHBOURS = 40  # insertion positions are looked for next to this many nearest stops
_MAX_STRING = 10  # longest string removed from one route
_MEAN_REMOVED = 10  # stops removed per iteration on average
_BLINK = 0.01  # chance of skipping an insertion position
_WAITING = 10  # stops left out so far that get another chance in each iteration
_TRIES = 6  # positions tried for a stop whose window could be missed
_FULL_AFTER = 8  # stops in a row that do not fit: the vehicle's day is full
_LONG_WAIT_S = 900  # a first plan by tour leaves a stop for later rather than wait this long
_INSERTION_UP_TO = 1000  # stops up to which a first plan by insertion is also tried
_FOCUS = 0.5  # share of iterations that ruin around a must-visit stop left out, while any is


def applies(problem: Problem) -> bool:
    """Whether the phase can plan this day: disposal trips from one depot, one cost per vehicle.

    Vehicles may differ in capacity, shift, break and limits, but share the depot and their cost
    rates; every vehicle unloads before it returns, starts empty and has at most one break; no stop
    is tied to vehicles.
    """
    if not problem.stops or not problem.vehicles or not problem.facilities:
        return False
    first = problem.vehicles[0]
    rates = (first.distance_cost, first.time_cost, first.fixed_cost)
    for v in problem.vehicles:
        if (v.distance_cost, v.time_cost, v.fixed_cost) != rates:
            return False
        if v.start_location != first.start_location or v.end_location != first.start_location:
            return False
        if not v.unload_before_return or v.initial_load is not None:
            return False
        if len(v.breaks) > 1:  # the schedule simulation places one break
            return False
    return not any(s.allowed_vehicles for s in problem.stops)


class _Plan:
    """Routes as cycles through one sentinel node per vehicle (nodes ``n .. n + vehicles - 1``).

    ``trip`` names the trip a stop is on and ``ends`` marks the last stop of each trip (an unload
    follows it); ``loads`` holds each trip's load. The cost of a route is the one its schedule
    simulation found, so ``total`` is exact for every route that has been simulated.

    ``arrive``, ``done`` and ``latest`` are each node's times as of its route's last simulation
    (see :func:`_retime`): a quick bound on whether an insertion keeps the route on time, so that
    hopeless positions are not simulated. A sentinel's are the vehicle's return, start and end.
    A route re-split and simulated keeps its schedule in ``pending`` until a stop first looks at
    its times (most changed routes are thrown away, or ruined again, before one does).
    """

    __slots__ = (
        "arrive",
        "day_load",
        "done",
        "ends",
        "latest",
        "loads",
        "members",
        "next_trip",
        "pending",
        "pred",
        "route",
        "route_cost",
        "size",
        "succ",
        "total",
        "trip",
        "unserved",
    )

    def __init__(self, day: Day) -> None:
        count = day.n + len(day.vehicles)
        dims = len(day.demand[0])
        self.succ = list(range(count))
        self.pred = list(range(count))
        self.route = [-1] * count
        for k in range(len(day.vehicles)):
            self.route[day.n + k] = k
        self.trip = [-1] * count
        self.ends = [False] * count
        self.loads: dict[int, list[int]] = {}
        self.members: dict[int, int] = {}  # stops per trip
        self.next_trip = 0
        self.size = [0] * len(day.vehicles)
        self.day_load = [[0] * dims for _ in day.vehicles]
        self.route_cost = [0] * len(day.vehicles)
        self.unserved: set[int] = set()
        self.total = 0
        self.arrive = [0] * count
        self.done = [0] * count
        self.latest = [_NEVER] * count
        self.pending: list[Schedule | None] = [None] * len(day.vehicles)
        for k, vehicle in enumerate(day.vehicles):
            self.done[day.n + k] = vehicle.start

    def copy(self) -> _Plan:
        other = object.__new__(_Plan)
        other.succ, other.pred, other.route = self.succ[:], self.pred[:], self.route[:]
        other.trip, other.ends = self.trip[:], self.ends[:]
        other.loads = {t: x[:] for t, x in self.loads.items()}
        other.members = dict(self.members)
        other.next_trip = self.next_trip
        other.size, other.day_load = self.size[:], [x[:] for x in self.day_load]
        other.route_cost = self.route_cost[:]
        other.unserved = set(self.unserved)
        other.total = self.total
        other.arrive, other.done, other.latest = self.arrive[:], self.done[:], self.latest[:]
        other.pending = self.pending[:]
        return other

    def restore(self, other: _Plan) -> None:
        """Become ``other`` (a copy taken earlier)."""
        for name in _Plan.__slots__:
            setattr(self, name, getattr(other, name))

    def stops(self, day: Day, k: int) -> list[int]:
        """The stops of route ``k`` in order."""
        out, node = [], self.succ[day.n + k]
        while node < day.n:
            out.append(node)
            node = self.succ[node]
        return out

    def new_trip(self, dims: int) -> int:
        t = self.next_trip
        self.next_trip += 1
        self.loads[t] = [0] * dims
        self.members[t] = 0
        return t

    def link(self, day: Day, a: int, c: int, trip: int) -> None:
        """Put stop ``c`` right after node ``a`` on trip ``trip``."""
        b = self.succ[a]
        self.succ[a], self.pred[c], self.succ[c], self.pred[b] = c, a, b, c
        k = self.route[a]
        self.route[c] = k
        self.trip[c] = trip
        self.members[trip] += 1
        self.size[k] += 1
        load, day_load = self.loads[trip], self.day_load[k]
        for d, q in enumerate(day.demand[c]):
            load[d] += q
            day_load[d] += q
        self.unserved.discard(c)

    def unlink(self, day: Day, c: int) -> int:
        """Take stop ``c`` out of its route; returns the route."""
        a, b, k = self.pred[c], self.succ[c], self.route[c]
        if self.ends[c] and a < day.n and self.trip[a] == self.trip[c]:
            self.ends[a] = True  # the trip now ends one stop earlier
        self.succ[a], self.pred[b] = b, a
        self.route[c], self.ends[c] = -1, False
        self.size[k] -= 1
        load, day_load = self.loads[self.trip[c]], self.day_load[k]
        for d, q in enumerate(day.demand[c]):
            load[d] -= q
            day_load[d] -= q
        t = self.trip[c]
        self.members[t] -= 1
        if not self.members[t]:
            del self.loads[t], self.members[t]
        self.trip[c] = -1
        self.unserved.add(c)
        return k


def _refresh(day: Day, plan: _Plan, k: int) -> bool:
    """Re-split route ``k`` into trips and simulate it; False if the day does not work."""
    seq = plan.stops(day, k)
    vehicle = day.vehicles[k]
    if len(seq) > vehicle.max_stops:
        return False
    if vehicle.day_capacity is not None and any(
        a > b for a, b in zip(plan.day_load[k], vehicle.day_capacity, strict=True)
    ):
        return False
    given = [i for i, c in enumerate(seq) if plan.ends[c]]
    _drop_trips(plan, seq)
    dims = len(vehicle.capacity)
    cut: list[int] | None = None
    if seq:
        cut = split(day, seq, vehicle.capacity)
        if cut is None:
            return False
        _apply_cut(day, plan, seq, cut, dims)
    schedule = simulate(day, k, seq, [plan.ends[c] for c in seq], record=True)
    if schedule is None and cut is not None and day.releases:
        # The cheapest split may put goods released late on an early trip: split by the clock.
        timed = split_timed(day, k, seq)
        if timed is not None and timed != cut:
            _drop_trips(plan, seq)
            _apply_cut(day, plan, seq, timed, dims)
            schedule = simulate(day, k, seq, [plan.ends[c] for c in seq], record=True)
    if (
        schedule is None
        and cut is not None
        and given
        and given != cut
        and given[-1] == len(seq) - 1
    ):
        # The cheapest split may move an unload to where the clock no longer allows it: the
        # trips as they were given (each within the capacity, kept so by every insertion).
        _drop_trips(plan, seq)
        _apply_cut(day, plan, seq, given, dims)
        schedule = simulate(day, k, seq, [plan.ends[c] for c in seq], record=True)
    if schedule is None:
        return False
    plan.total += schedule.cost - plan.route_cost[k]
    plan.route_cost[k] = schedule.cost
    plan.pending[k] = schedule  # its times are taken when a stop first looks at them
    return True


_NEVER = 1 << 40  # a latest start that bounds nothing (a node not yet simulated)


def _times_of(day: Day, plan: _Plan, k: int, schedule: Schedule) -> None:
    """Take route ``k``'s times from its simulated ``schedule`` (recorded): when the vehicle
    arrives at and is done with each stop, and the latest each stop may begin with the rest of the
    route still on time (windows, the sites' hours and the working day; the break left out, so a
    bound, not a promise)."""
    plan.pending[k] = None
    n, dur, service, closes = day.n, day.dur, day.service, day.closes
    arrive, done, latest = plan.arrive, plan.done, plan.latest
    for x, arrival, start in schedule.calls:
        if x < n:
            arrive[x] = arrival
            done[x] = start + service[x]
    vehicle = day.vehicles[k]
    arrive[n + k] = schedule.back
    limit, after = vehicle.end, 0
    pauses = sorted(schedule.breaks, reverse=True)  # the break is taken again before the stops
    pause = pauses[0][0] if pauses else -1  # after it: their latest start makes room for it
    for x, _, start in reversed(schedule.calls):
        limit -= dur[x][after] + service[x]
        if start < pause:
            while pauses and start < pauses[0][0]:
                limit -= pauses.pop(0)[1]
            pause = pauses[0][0] if pauses else -1
        if limit > closes[x]:  # noqa: PLR1730 - cheaper than a call to min in a hot loop
            limit = closes[x]
        if x < n:
            latest[x] = limit
        after = x
    latest[n + k] = vehicle.end


def _retime(day: Day, plan: _Plan) -> None:
    """Simulate every route and take its times (after a first plan built without them)."""
    for k in range(len(day.vehicles)):
        seq = plan.stops(day, k)
        schedule = simulate(day, k, seq, [plan.ends[x] for x in seq], record=True)
        if schedule is not None:
            _times_of(day, plan, k, schedule)


def _on_time(day: Day, plan: _Plan, c: int, a: int, extra: int = 0) -> int:
    """The delay putting ``c`` right after node ``a`` brings to the rest of the route, or -1 if
    the route's last times show it cannot run on time so (``extra``: delay already added to the
    route since)."""
    n, dur = day.n, day.dur
    k = plan.route[a]
    schedule = plan.pending[k]
    if schedule is not None:
        _times_of(day, plan, k, schedule)
    b = plan.succ[a]
    here, there = (a if a < n else 0), (b if b < n else 0)
    leave = plan.done[a] + extra
    at = leave + dur[here][c]
    if at > day.closes[c]:
        return -1
    at = max(at, day.opens[c])
    delay = at + day.service[c] + dur[c][there] - leave - dur[here][there]
    if plan.arrive[b] + extra + delay > plan.latest[b]:
        return -1
    return max(delay, 0)


def _drop_trips(plan: _Plan, seq: Sequence[int]) -> None:
    """Forget the trips the stops of ``seq`` are on (before they are split again)."""
    trip, loads, members = plan.trip, plan.loads, plan.members
    for t in {trip[c] for c in seq}:
        loads.pop(t, None)
        members.pop(t, None)


def _apply_cut(day: Day, plan: _Plan, seq: Sequence[int], cut: list[int], dims: int) -> None:
    """Make the stops of ``seq`` into trips that end at the positions ``cut``."""
    begin = 0
    if dims == 1:  # the common case, without the loop over dimensions
        trip, ends, demand = plan.trip, plan.ends, day.demand1
        for last in cut:
            t = plan.new_trip(dims)
            plan.members[t] = last + 1 - begin
            total = 0
            for c in seq[begin : last + 1]:
                trip[c] = t
                ends[c] = False
                total += demand[c]
            plan.loads[t][0] = total
            ends[seq[last]] = True
            begin = last + 1
        return
    for last in cut:
        t = plan.new_trip(dims)
        load = plan.loads[t]
        plan.members[t] = last + 1 - begin
        for c in seq[begin : last + 1]:
            plan.trip[c] = t
            plan.ends[c] = False
            for d, q in enumerate(day.demand[c]):
                load[d] += q
        plan.ends[seq[last]] = True
        begin = last + 1


def _fits(load: list[int], demand: tuple[int, ...], capacity: tuple[int, ...]) -> bool:
    if len(load) == 1:
        return load[0] + demand[0] <= capacity[0]
    return all(a + b <= c for a, b, c in zip(load, demand, capacity, strict=True))


def _vehicle_room(day: Day, plan: _Plan, k: int, c: int) -> bool:
    vehicle = day.vehicles[k]
    if plan.size[k] >= vehicle.max_stops:
        return False
    if any(q > cap for q, cap in zip(day.demand[c], vehicle.capacity, strict=True)):
        return False  # too big for any trip of this vehicle
    return vehicle.day_capacity is None or _fits(
        plan.day_load[k], day.demand[c], vehicle.day_capacity
    )


def _positions(day: Day, plan: _Plan, c: int, after: Sequence[int]) -> list[tuple[int, int, int]]:
    """(extra cost, node, mode) of putting ``c`` right after each node of ``after``, for each way
    the capacity of the trip it would join allows.

    Modes: 0 on the trip of the node (or of its successor at the route's start), 1 first on the
    next trip, 2 a trip of its own between them.
    """
    n, cost, via = day.n, day.cost, day.via
    succ, route, ends, trip, loads = plan.succ, plan.route, plan.ends, plan.trip, plan.loads
    vehicles = day.vehicles
    demand = day.demand[c]
    to_c, via_c, from_depot = cost[c], via[c], cost[0]
    fits: dict[int, bool] = {}  # per trip
    out: list[tuple[int, int, int]] = []
    for a in after:
        b = succ[a]
        capacity = vehicles[route[a]].capacity
        if a >= n:
            if b >= n:
                continue
            t = trip[b]
            ok = fits.get(t)
            if ok is None:
                ok = fits[t] = _fits(loads[t], demand, capacity)
            if ok:
                out.append((from_depot[c] + to_c[b] - from_depot[b], a, 0))
            out.append((from_depot[c] + via_c[b] - from_depot[b] + TRIP_TIE, a, 2))
            continue
        t = trip[a]
        ok = fits.get(t)
        if ok is None:
            ok = fits[t] = _fits(loads[t], demand, capacity)
        if not ends[a]:
            if ok:
                out.append((cost[a][c] + to_c[b] - cost[a][b], a, 0))
            continue
        lb = 0 if b >= n else b
        base = via[a][lb]
        if ok:
            out.append((cost[a][c] + via_c[lb] - base, a, 0))
        if b < n:
            t = trip[b]
            ok = fits.get(t)
            if ok is None:
                ok = fits[t] = _fits(loads[t], demand, capacity)
            if ok:
                out.append((via[a][c] + to_c[b] - base, a, 1))
        out.append((via[a][c] + via_c[lb] - base + TRIP_TIE, a, 2))
    return out


def _insert(day: Day, plan: _Plan, a: int, c: int, mode: int) -> None:
    dims = len(day.demand[0])
    b = plan.succ[a]
    if a >= day.n:
        if b >= day.n or mode == 2:
            plan.link(day, a, c, plan.new_trip(dims))
            plan.ends[c] = True
        else:
            plan.link(day, a, c, plan.trip[b])
        return
    if not plan.ends[a] or mode == 0:
        plan.link(day, a, c, plan.trip[a])
        if plan.ends[a]:
            plan.ends[a], plan.ends[c] = False, True
        return
    if mode == 1:
        plan.link(day, a, c, plan.trip[b])
        return
    plan.link(day, a, c, plan.new_trip(dims))
    plan.ends[c] = True


def _ruin(day: Day, plan: _Plan, rng: random.Random) -> tuple[list[int], set[int], set[int]]:
    """Remove strings of stops from routes near a random stop.

    Returns the stops to put back, the routes touched, and which of the stops were left out before.
    """
    n = day.n
    used = [s for s in plan.size if s]
    if not used:
        return [], set(), set()
    missing = _missing(day, plan)
    if missing and rng.random() < _FOCUS:
        # Make room where a must-visit stop waits: the routes around it lose strings, and it goes
        # back first (see _recreate).
        seed = missing[rng.randrange(len(missing))]
    else:
        seed = rng.randrange(1, n)
    string_max = min(_MAX_STRING, sum(used) / len(used))
    ruined_max = 4 * _MEAN_REMOVED / (1 + string_max) - 1
    ruined_routes = int(rng.uniform(1, ruined_max + 1))
    removed, touched = remove_strings(
        plan,
        around=[seed, *day.near[seed]],
        n=n,
        routes=ruined_routes,
        longest=string_max,
        rng=rng,
        take=lambda node: plan.unlink(day, node),
    )
    # Stops left out so far (optional ones, or any the start could not place) try again too.
    waiting = sorted(plan.unserved - set(removed), key=lambda x: day.cost[seed][x])[:_WAITING]
    return removed + waiting, touched, set(waiting)


def _recreate(
    day: Day,
    plan: _Plan,
    removed: list[int],
    touched: set[int],
    rng: random.Random,
    *,
    checked: set[int],
) -> None:
    """Insert each removed stop at its cheapest position, or leave it out if that costs more.

    Stops with a window narrower than the working day, and ``checked`` ones, go to the cheapest
    position whose route still runs on time (a few tried, cheapest first); the rest go to the
    cheapest position and the route is checked once when the iteration ends.
    """
    order = insertion_order(removed, demand=day.demand, from_depot=day.cost[0], rng=rng)
    # must-visit stops that were left out go back first, before others take their room
    order.sort(key=lambda c: c not in checked or day.penalty[c] < MUST_VISIT_PENALTY)
    # Every position is first bounded by its route's times (see _on_time): a route the ruin took
    # stops from is simulated once, when a stop first looks at it (its times from before would
    # bound it too tightly), and a route that accepts a simulated stop takes the times of that
    # simulation. A stop with a window, or one left out so far, is then simulated at each
    # position it tries; the others go to their cheapest position within the bound, and their
    # routes are simulated when the iteration ends. Without the bound most trials of a full day
    # broke a route (bench/RESULTS.md).
    stale = set(touched)
    extra = [0] * len(day.vehicles)  # delay added to each route since its times were taken
    untimed: set[int] = set()  # routes whose simulation fails as they are: not bounded
    route = plan.route
    for c in order:
        penalty = day.penalty[c]
        options = sorted(_candidates(day, plan, c, rng))
        loose = not day.tight[c] and c not in checked
        tries = _TRIES
        for delta, a, mode in options:
            if delta >= penalty:
                break  # cheaper left out
            k = route[a]
            if k in stale:
                stale.discard(k)
                extra[k] = 0
                if not _retimed(day, plan, k):
                    untimed.add(k)
            late = 0 if k in untimed else _on_time(day, plan, c, a, extra[k])
            if late < 0:
                continue
            if loose:
                _insert(day, plan, a, c, mode)
                touched.add(k)
                _placed(day, plan, c, a, extra[k])
                extra[k] += late
                break
            _insert(day, plan, a, c, mode)
            if not _retimed(day, plan, k):
                plan.unlink(day, c)
                tries -= 1
                if not tries:
                    break
                continue
            touched.add(k)
            extra[k] = 0
            untimed.discard(k)
            break
        if route[c] < 0:
            plan.unserved.add(c)


def _retimed(day: Day, plan: _Plan, k: int) -> bool:
    """Take route ``k``'s times from a simulation of it as it is; False if it does not run."""
    seq = plan.stops(day, k)
    schedule = simulate(day, k, seq, [plan.ends[x] for x in seq], record=True)
    if schedule is None:
        return False
    _times_of(day, plan, k, schedule)
    return True


def _placed(day: Day, plan: _Plan, c: int, a: int, extra: int) -> None:
    """Estimate the times of ``c``, just put after ``a``, until its route is simulated again."""
    n, dur = day.n, day.dur
    b = plan.succ[c]
    here, there = (a if a < n else 0), (b if b < n else 0)
    arrive = plan.done[a] + extra + dur[here][c]
    plan.arrive[c] = arrive
    plan.done[c] = max(arrive, day.opens[c]) + day.service[c]
    plan.latest[c] = min(day.closes[c], plan.latest[b] - dur[c][there] - day.service[c])


def _candidates(day: Day, plan: _Plan, c: int, rng: random.Random) -> list[tuple[float, int, int]]:
    """(extra cost, node to follow, mode) for ``c`` next to its nearest stops.

    Every position on routes with room if no neighbour has room; an idle vehicle if one is left.
    """
    n = day.n
    route, pred = plan.route, plan.pred
    room: dict[int, bool] = {}
    seen: set[int] = set()
    after: list[int] = []
    draw = rng.random
    for u in day.near[c][:_NEIGHBOURS]:
        k = route[u]
        if k < 0:
            continue
        fits = room.get(k)
        if fits is None:
            fits = room[k] = _vehicle_room(day, plan, k, c)
        if not fits:
            continue
        a = pred[u]  # before u, then after it
        if a not in seen:
            seen.add(a)
            if draw() >= _BLINK:
                after.append(a)
        if u not in seen:
            seen.add(u)
            if draw() >= _BLINK:
                after.append(u)
    out: list[tuple[float, int, int]] = []
    out.extend(_positions(day, plan, c, after))
    if not out:
        out = _full_scan(day, plan, c)
    for k in range(len(day.vehicles)):
        if plan.size[k] == 0 and _vehicle_room(day, plan, k, c):
            out.append((day.cost[0][c] + day.via[c][0] + day.fixed, n + k, 0))
            break
    return out


def _full_scan(day: Day, plan: _Plan, c: int) -> list[tuple[float, int, int]]:
    """Every position for ``c`` on every used route with room for it."""
    n = day.n
    after: list[int] = []
    for k in range(len(day.vehicles)):
        if not plan.size[k] or not _vehicle_room(day, plan, k, c):
            continue
        a = n + k
        while True:
            after.append(a)
            a = plan.succ[a]
            if a >= n:
                break
    return list(_positions(day, plan, c, after))


def _start_plan(day: Day, problem: Problem, solution: Solution) -> _Plan | None:
    """The given solution's stop orders, re-split into trips; None if a route fails its check."""
    node_of = {s.id: i + 1 for i, s in enumerate(problem.stops)}
    by_vehicle = {r.vehicle_id: r for r in solution.routes}
    plan = _Plan(day)
    plan.unserved = set(range(1, day.n))
    dims = len(day.demand[0])
    for k, vehicle in enumerate(problem.vehicles):
        route = by_vehicle.get(vehicle.id)
        if route is None:
            continue
        a = day.n + k
        t = plan.new_trip(dims)
        for visit in route.visits:
            if visit.kind is VisitKind.STOP:
                c = node_of[visit.ref]
                plan.link(day, a, c, t)
                a = c
        # A route the phase cannot drive as given loses stops from its end until it can; they
        # wait for a place like any other stop left out.
        while not _refresh(day, plan, k):
            tail = plan.pred[day.n + k]
            if tail >= day.n:
                return None
            plan.unlink(day, tail)
    plan.total = sum(plan.route_cost) + sum(day.penalty[c] for c in plan.unserved)
    return plan


def improve(
    problem: Problem,
    solution: Solution,
    *,
    deadline: float,
    params: AnnealParams | None = None,
    on_improve: Callable[[int], None] | None = None,
) -> Solution:
    """Improve a plan of an :func:`applies` problem until ``deadline``; never returns a worse one.

    The plan's cost is the solver's objective: arc costs, fixed costs of used vehicles, and the
    penalty of every stop left out.
    """
    params = params or AnnealParams()
    if not applies(problem) or not solution.routes:
        return solution
    day = day_of(problem)
    rng = random.Random(params.seed)
    # The first plan only bounds release times from below: a trip of it may leave too early, and
    # such a plan is no fallback, however cheap.
    early = day.releases and _leaves_early(problem, solution)
    start = _start_plan(day, problem, solution)
    if start is None and early:
        start = _construct(day, rng)
    if start is None:
        log.debug("trips: the starting plan fails the phase's schedule; left as it is")
        return solution
    best = _anneal(day, start, deadline, params, rng, on_improve)
    if not early and best.total >= objective(problem, solution):
        return solution
    return _solution(problem, day, best, solution)


def _leaves_early(problem: Problem, solution: Solution) -> bool:
    from routing.check import check

    return check(problem, solution).early_trips > 0


def construct_and_improve(
    problem: Problem,
    *,
    deadline: float,
    params: AnnealParams | None = None,
    on_improve: Callable[[int], None] | None = None,
) -> Solution:
    """Plan an :func:`applies` problem from nothing: a first plan by insertion, reported through
    ``on_improve`` at once, then improved until ``deadline``."""
    params = params or AnnealParams()
    day = day_of(problem)
    rng = random.Random(params.seed)
    start = _construct_by_tour(day, rng)
    if day.n >= _INSERTION_UP_TO:  # both first plans: the one leaving fewer out, then the cheaper
        other = _construct_by_regions(day, random.Random(params.seed))
        log.debug(
            "trips: by tour %d left out, by regions %d",
            len(_missing(day, start)),
            len(_missing(day, other)),
        )
        if (len(_missing(day, other)), other.total) < (len(_missing(day, start)), start.total):
            start = other
    if day.n < _INSERTION_UP_TO:  # small enough to try insertion too: the cheaper one starts
        other = _construct(day, random.Random(params.seed))
        if other.total < start.total:
            start = other
    # the repair's own work is bounded; the clock only stops it when the search is timed
    if on_improve is not None:
        on_improve(start.total)
    clock = deadline if params.iterations is None else None
    if day.n >= _INSERTION_UP_TO and _missing(day, start):  # a full day: make room first
        _two_opt(day, start, clock)
    if _repair(day, start, clock) and on_improve is not None:
        on_improve(start.total)
    best = _anneal(day, start, deadline, params, rng, on_improve)
    return _solution(problem, day, best, None)


def _anneal(  # noqa: PLR0917 - private; the state of one search
    day: Day,
    current: _Plan,
    deadline: float,
    params: AnnealParams,
    rng: random.Random,
    on_improve: Callable[[int], None] | None,
) -> _Plan:
    """Ruin and recreate from ``current`` with annealed acceptance; the best plan seen."""
    best, best_cost = current.copy(), current.total
    start_cost = best_cost
    arcs = max(day.n - 1 + sum(1 for s in current.size if s), 1)
    served_cost = sum(current.route_cost)
    cooling = Cooling(
        params.start_temperature * served_cost / arcs,
        params.end_temperature * served_cost / arcs,
        params.iterations,
        deadline,
    )
    rejected = 0
    # No repair by ejection during the search: its own iterations place the stops left out
    # faster (half of them ruin around such a stop; bench/RESULTS.md).
    while (temperature := cooling.next()) is not None:
        trial = current.copy()
        removed, touched, waiting = _ruin(day, trial, rng)
        _recreate(day, trial, removed, touched, rng, checked=waiting)
        if not all(_refresh(day, trial, k) for k in sorted(touched)):
            rejected += 1
            continue
        trial.total = sum(trial.route_cost) + sum(day.penalty[c] for c in trial.unserved)
        if accepts(trial.total, current.total, temperature, rng):
            current = trial
            if current.total < best_cost:
                best, best_cost = current.copy(), current.total
                if on_improve is not None:
                    on_improve(best_cost)
    log.debug(
        "trips: %d iterations (%d broke a route), %d -> %d",
        cooling.done,
        rejected,
        start_cost,
        best_cost,
    )
    return best


def _construct(day: Day, rng: random.Random) -> _Plan:
    """A first plan by insertion: stops with narrow windows first (earliest closing first), then
    the rest from the farthest in; each at the cheapest position that keeps its route on time."""
    plan = _Plan(day)
    plan.unserved = set(range(1, day.n))
    stops = sorted(
        range(1, day.n),
        key=lambda c: (not day.tight[c], day.closes[c] if day.tight[c] else -day.cost[0][c]),
    )
    _insert_each(day, plan, stops, rng)
    return plan


def _insert_each(day: Day, plan: _Plan, stops: Sequence[int], rng: random.Random) -> None:
    """Insert ``stops`` one by one where their route still runs on time, in the given order."""
    for c in stops:
        before = plan.copy()
        plan.unserved.discard(c)
        touched: set[int] = set()
        _recreate(day, plan, [c], touched, rng, checked={c})
        if not all(_refresh(day, plan, k) for k in sorted(touched)):
            plan.restore(before)  # the new split into trips runs late: as it was, c left out
    plan.total = sum(plan.route_cost) + sum(day.penalty[c] for c in plan.unserved)


def _construct_by_tour(day: Day, rng: random.Random) -> _Plan:
    """A first plan for large days: one nearest-neighbour tour over every stop, cut into vehicle
    days (each vehicle takes the tour's next stops while its day still works, the trips split
    after each; a stop whose window would make it wait long is left for later), then the stops
    the tour could not place by insertion.

    Insertion alone spreads the first routes over the whole area on a day of thousands of stops
    and leaves hundreds out at a fleet that can serve them all; cutting one tour keeps each
    vehicle's day compact.
    """
    plan = _Plan(day)
    plan.unserved = set(range(1, day.n))
    dims = len(day.demand[0])
    waiting = list(reversed(_nearest_tour(day)))  # popped from the end: the tour's order
    left: list[int] = []
    for k, vehicle in enumerate(day.vehicles):
        a, trip = day.n + k, plan.new_trip(dims)
        misses: list[int] = []
        while waiting and len(misses) < _FULL_AFTER:
            c = waiting.pop()
            if not _vehicle_room(day, plan, k, c):
                misses.append(c)
                continue
            # The trips grow in the tour's order (a new one when the load would not fit), so the
            # day so far keeps its times; the cheapest split comes with the first improvement.
            if a < day.n and _fits(plan.loads[trip], day.demand[c], vehicle.capacity):
                plan.link(day, a, c, trip)
                plan.ends[a] = False
            else:
                plan.link(day, a, c, plan.new_trip(dims))
            plan.ends[c] = True
            seq = plan.stops(day, k)
            schedule = simulate(day, k, seq, [plan.ends[x] for x in seq], record=day.tight[c])
            if schedule is not None and not (day.tight[c] and _waits(schedule, c)):
                a, trip = c, plan.trip[c]
                plan.route_cost[k] = schedule.cost
                left += misses  # missed in the middle of the day: a window, not a full day
                misses = []
                continue
            plan.unlink(day, c)
            # A stop with a narrow window waits for another vehicle or the insertion after; any
            # other stop that does not fit, several in a row, ends the vehicle's day.
            (left if day.tight[c] else misses).append(c)
        waiting += reversed(misses)  # the day is full: the next vehicle starts with them
    left += waiting
    left = _append_by_clock(day, plan, left)
    plan.unserved = set(left)
    _retime(day, plan)
    order = sorted(left, key=lambda c: (not day.tight[c], day.closes[c]))
    _insert_each(day, plan, order, rng)
    return plan


def _append_by_clock(day: Day, plan: _Plan, stops: list[int]) -> list[int]:
    """Append ``stops`` to the ends of the routes, the route back earliest first, each time the
    nearest of those that open soonest; returns the stops that fit nowhere."""
    left = set(stops)
    dims = len(day.demand[0])
    backs = []
    for k in range(len(day.vehicles)):
        seq = plan.stops(day, k)
        schedule = simulate(day, k, seq, [plan.ends[x] for x in seq])
        backs.append((schedule.back if schedule is not None else day.vehicles[k].end, k))
    for _, k in sorted(backs):
        vehicle = day.vehicles[k]
        tail = plan.pred[day.n + k]
        a = tail if tail < day.n else day.n + k
        while left:
            here = a if a < day.n else 0
            seq = plan.stops(day, k)
            schedule = simulate(day, k, seq, [plan.ends[x] for x in seq])
            clock = schedule.back if schedule is not None else vehicle.start
            near = sorted(
                (c for c in left if clock + day.dur[here][c] <= day.closes[c]),
                key=lambda c: (max(day.opens[c], clock + day.dur[here][c]), day.cost[here][c]),
            )[: _TRIES * 3]
            for c in near:
                if not _vehicle_room(day, plan, k, c):
                    continue
                if a < day.n and _fits(plan.loads[plan.trip[a]], day.demand[c], vehicle.capacity):
                    plan.link(day, a, c, plan.trip[a])
                    plan.ends[a] = False
                else:
                    plan.link(day, a, c, plan.new_trip(dims))
                plan.ends[c] = True
                seq = plan.stops(day, k)
                done = simulate(day, k, seq, [plan.ends[x] for x in seq])
                if done is not None:
                    plan.route_cost[k] = done.cost
                    left.discard(c)
                    a = c
                    break
                plan.unlink(day, c)
            else:
                break  # nothing more fits this vehicle's day
    return sorted(left)


def _waits(schedule: Schedule, c: int) -> bool:
    """Whether the vehicle waits long at stop ``c`` for its window."""
    _, arrival, start = next(x for x in reversed(schedule.calls) if x[0] == c)
    return start - arrival > _LONG_WAIT_S


def _nearest_tour(day: Day) -> list[int]:
    """Every stop once, from the depot always to the nearest stop not yet visited."""
    cost = day.matrix[: day.n, : day.n].astype(np.float64)
    seen = np.zeros(day.n, dtype=bool)
    seen[0] = True
    tour: list[int] = []
    here = 0
    for _ in range(day.n - 1):
        row = np.where(seen, np.inf, cost[here])
        here = int(np.argmin(row))
        seen[here] = True
        tour.append(here)
    return tour


def _solution(problem: Problem, day: Day, plan: _Plan, start: Solution | None) -> Solution:
    dims = len(day.demand[0])
    routes: list[Route] = []
    lost: set[int] = set()
    for k, vehicle in enumerate(problem.vehicles):
        seq = plan.stops(day, k)
        schedule = simulate(day, k, seq, [plan.ends[c] for c in seq], record=True)
        if schedule is None or not seq:
            # Never expected (every route is simulated when it changes); if it happens, its
            # stops are listed as left out rather than lost.
            lost.update(seq)
            routes.append(Route(vehicle.id, vehicle.shift.start, vehicle.shift.start, []))
            continue
        visits: list[Visit] = []
        load = [0] * dims
        here = vehicle.start_location
        distance = 0
        for node, arrival, begin in schedule.calls:
            if node < day.n:
                stop = problem.stops[node - 1]
                load = [a + b for a, b in zip(load, stop.demand, strict=True)]
                kind, ref, location, busy = VisitKind.STOP, stop.id, stop.location, stop.service_s
            else:
                site = problem.facilities[node - day.n]
                load = [0] * dims
                kind, ref, location, busy = VisitKind.UNLOAD, site.id, site.location, site.unload_s
            visits.append(Visit(kind, ref, location, arrival, begin, begin + busy, tuple(load)))
            distance += int(problem.distance[here][location])
            here = location
        distance += int(problem.distance[here][vehicle.end_location])
        routes.append(
            Route(
                vehicle.id,
                vehicle.shift.start,
                schedule.back,
                visits,
                breaks=[BreakTaken(s, d) for s, d in schedule.breaks],
                distance=distance,
                cost=schedule.cost,
            )
        )
    unplanned = [explain.unplanned(problem, c - 1) for c in sorted(plan.unserved | lost)]
    return Solution(
        routes=routes,
        unplanned=unplanned,
        objective=plan.total,
        distance=sum(r.distance for r in routes),
        status=start.status if start is not None else "success",
        solve_s=start.solve_s if start is not None else 0.0,
        first_solution_s=start.first_solution_s if start is not None else None,
        history=start.history if start is not None else [],
    )


_EJECT_POSITIONS = 12  # positions on time for a stop left out that the repair tries
_EJECT_CANDIDATES = 8  # stops of the route, the most costly to visit first, it tries to move away
_EJECT_MAX = 3  # stops moved away at most to make room for one
_EARLY_S = 1800  # a position reaching a stop this long before its window opens is still tried
_REPAIR_SHARE = 0.15  # of the time left, the most one repair takes


def _repair(day: Day, plan: _Plan, deadline: float | None) -> int:
    """Place must-visit stops left out by moving another stop out of their way (an ejection).

    A stop left out on a tight day is most often one with a window that no route passes near in
    time. For each (narrowest window first), the positions on any route that reach it in its
    window are tried, cheapest first: if the route then runs late, one of its stops without a
    window (the most costly to visit first) moves to its best place on another route. Every route
    changed is simulated; nothing changes where no such move works. Returns the stops placed.
    """
    missing = sorted(
        _missing(day, plan), key=lambda c: (day.closes[c] - day.opens[c], day.closes[c], c)
    )
    if not missing:
        return 0
    started = time.monotonic()
    if deadline is not None:  # a share of the time left: the search needs the rest
        deadline = started + _REPAIR_SHARE * max(deadline - started, 0.0)
    times = _times(day, plan)
    placed = 0
    for c in missing:
        if deadline is not None and time.monotonic() >= deadline:
            break
        if _eject_for(day, plan, c, times):
            placed += 1
            for k in range(len(day.vehicles)):  # the two routes changed: their new times
                times.update(_times(day, plan, k))
    plan.total = sum(plan.route_cost) + sum(day.penalty[c] for c in plan.unserved)
    log.debug(
        "trips: repair placed %d of %d in %.1f s", placed, len(missing), time.monotonic() - started
    )
    return placed


def _missing(day: Day, plan: _Plan) -> list[int]:
    """The must-visit stops left out, in order."""
    return sorted(c for c in plan.unserved if day.penalty[c] >= MUST_VISIT_PENALTY)


def _times(day: Day, plan: _Plan, only: int | None = None) -> dict[int, int]:
    """When each stop's service ends (of route ``only``, or of every route)."""
    out: dict[int, int] = {}
    for k in range(len(day.vehicles)) if only is None else (only,):
        seq = plan.stops(day, k)
        schedule = simulate(day, k, seq, [plan.ends[x] for x in seq], record=True)
        if schedule is None:
            continue
        for node, _, start in schedule.calls:
            if node < day.n:
                out[node] = start + day.service[node]
        out[day.n + k] = day.vehicles[k].start
    return out


def _eject_for(day: Day, plan: _Plan, c: int, times: dict[int, int]) -> bool:
    """Put ``c`` on a route in its window, moving one other stop away if needed; True if done."""
    n = day.n
    after = [a for a in range(1, n) if plan.route[a] >= 0]
    after += [n + k for k in range(len(day.vehicles)) if plan.size[k]]
    on_time = [
        a
        for a in after
        if a in times
        and day.opens[c] - _EARLY_S <= times[a] + day.dur[a if a < n else 0][c] <= day.closes[c]
        and _vehicle_room(day, plan, plan.route[a], c)
    ]
    options = sorted(_positions(day, plan, c, on_time))[:_EJECT_POSITIONS]
    for _, a, mode in options:
        before = plan.copy()
        k = plan.route[a]
        _insert(day, plan, a, c, mode)
        if _refresh(day, plan, k):
            return True
        costly = _costly(day, plan, k, c)
        for x in costly:
            plan.unlink(day, x)
            if _refresh(day, plan, k) and _move(day, plan, x, k):
                return True
            plan.restore(before.copy())
            _insert(day, plan, a, c, mode)
        # One stop moved away is not enough: the most costly ones go until the route runs on time.
        moved: list[int] = []
        for x in costly[:_EJECT_MAX]:
            plan.unlink(day, x)
            moved.append(x)
            if _refresh(day, plan, k):
                if all(_move(day, plan, y, k) for y in moved):
                    return True
                break
        plan.restore(before)
    return False


def _costly(day: Day, plan: _Plan, k: int, c: int) -> list[int]:
    """The stops of route ``k`` without a window, other than ``c``, the most costly first."""
    cost, n = day.cost, day.n
    saving = []
    for x in plan.stops(day, k):
        if x == c or day.tight[x]:
            continue
        p, s = plan.pred[x], plan.succ[x]
        p, s = (p if p < n else 0), (s if s < n else 0)
        saving.append((cost[p][s] - cost[p][x] - cost[x][s], x))
    saving.sort()
    return [x for _, x in saving[:_EJECT_CANDIDATES]]


def _move(day: Day, plan: _Plan, x: int, k: int) -> bool:
    """Put ``x`` at its cheapest position on a route other than ``k`` that stays on time: the
    cheapest positions first, then the cheapest of each other route (one with time to spare may
    lie farther away)."""
    options = sorted(o for o in _full_scan(day, plan, x) if plan.route[o[1]] != k)
    per_route: dict[int, tuple[float, int, int]] = {}
    for o in options:
        per_route.setdefault(plan.route[o[1]], o)
    tries = options[:_TRIES] + sorted(o for o in per_route.values() if o not in options[:_TRIES])
    for _, a, mode in tries:
        if _on_time(day, plan, x, a) < 0:
            continue
        other = plan.route[a]
        snapshot = plan.copy()
        _insert(day, plan, a, x, mode)
        if _refresh(day, plan, other):
            return True
        plan.restore(snapshot)
    return False


_TWO_OPT_NEAR = 10  # a reversal is looked for between a stop and this many of its nearest
_TWO_OPT_PASSES = 3  # passes over each route at most


def _two_opt(day: Day, plan: _Plan, deadline: float | None) -> None:
    """Shorten each route by reversing stretches of it (2-opt with near neighbours).

    The first plan of a large day follows one tour cut into vehicle days, with stops put in
    later wherever they fit; its routes cross themselves. A reversal is tried when it shortens
    the route's stop-to-stop arcs, and kept when the route, re-split into trips and simulated,
    still runs on time and costs less.
    """
    cost = day.cost
    if deadline is not None:  # a share of the time left: the search needs the rest
        now = time.monotonic()
        deadline = now + _REPAIR_SHARE * max(deadline - now, 0.0)
    for k in range(len(day.vehicles)):
        for _ in range(_TWO_OPT_PASSES):
            if not _two_opt_pass(day, plan, k, cost, deadline):
                break


def _two_opt_pass(
    day: Day, plan: _Plan, k: int, cost: list[array[int]], deadline: float | None
) -> bool:
    """One pass of 2-opt over route ``k``; True if a reversal was kept."""
    seq = plan.stops(day, k)
    kept = False
    i = 0
    while i < len(seq):
        if deadline is not None and time.monotonic() >= deadline:
            return False
        nodes = [0, *seq, 0]
        where = {x: j for j, x in enumerate(nodes) if x}
        a, b = nodes[i], nodes[i + 1]
        for c in day.near[b][:_TWO_OPT_NEAR]:
            j = where.get(c)
            if j is None or j <= i + 1:
                continue
            d = nodes[j + 1]
            # a-b ... c-d becomes a-c ... b-d
            if cost[a][c] + cost[b][d] >= cost[a][b] + cost[c][d]:
                continue
            trial = seq[:i] + seq[i:j][::-1] + seq[j:]
            if _reorder(day, plan, k, trial):
                seq, kept = trial, True
                break
        else:
            i += 1
    return kept


def _reorder(day: Day, plan: _Plan, k: int, seq: list[int]) -> bool:
    """Give route ``k`` the stop order ``seq`` if it runs on time and costs less; True if so."""
    # Most orders tried are refused: judge the order's cheapest split on the clock first, and
    # change the plan only if it wins or if only the fallbacks of _refresh can tell.
    cut = split(day, seq, day.vehicles[k].capacity)
    if cut is None:
        return False
    ends = [False] * len(seq)
    for j in cut:
        ends[j] = True
    schedule = simulate(day, k, seq, ends)
    if schedule is not None and schedule.cost >= plan.route_cost[k]:
        return False  # _refresh would find this same schedule
    before = plan.copy()
    dims = len(day.demand[0])
    for x in plan.stops(day, k):
        plan.unlink(day, x)
    a, t = day.n + k, plan.new_trip(dims)
    for x in seq:
        plan.link(day, a, x, t)
        a = x
    if _refresh(day, plan, k) and plan.route_cost[k] < before.route_cost[k]:
        return True
    plan.restore(before)
    return False


_REGION_TRIES = 8  # positions on its own route, cheapest first, tried for a stop of a region


def _construct_by_regions(day: Day, rng: random.Random) -> _Plan:
    """A first plan for large days with windows: the nearest-neighbour tour cut into one region
    per vehicle by the work it holds, each region's stops put on its vehicle's route by insertion,
    the stops with windows first (earliest closing first), then the others from the farthest in.

    A vehicle that takes the tour's stops in the tour's order meets most stops with a window
    outside it; inserting them first gives each region a skeleton of calls at the right hours,
    and the stops without a window fill the time between. What a region cannot hold goes to any
    route by insertion afterwards.
    """
    plan = _Plan(day)
    plan.unserved = set(range(1, day.n))
    tour = _nearest_tour(day)
    regions = _regions(day, tour)
    left: list[int] = []
    for k, region in enumerate(regions):
        tight = sorted((c for c in region if day.tight[c]), key=lambda c: (day.closes[c], c))
        loose = sorted((c for c in region if not day.tight[c]), key=lambda c: -day.cost[0][c])
        for c in tight + loose:
            if not _insert_on(day, plan, k, c):
                left.append(c)
        _settle(day, plan, k)
    left = _append_by_clock(day, plan, left)
    plan.unserved = set(left)
    _retime(day, plan)
    order = sorted(left, key=lambda c: (not day.tight[c], day.closes[c]))
    _insert_each(day, plan, order, rng)
    return plan


def _regions(day: Day, tour: list[int]) -> list[list[int]]:
    """The tour cut into one run of stops per vehicle, each holding a share of the day's work
    (service, the drive from the stop before, unloading by load) in proportion to its hours."""
    work = []
    here = 0
    cap = max(day.vehicles[0].capacity[0], 1) if day.vehicles[0].capacity else 1
    unload = min((day.service[s] + day.dur[s][0] for s in range(day.n, len(day.cost))), default=0)
    for c in tour:
        work.append(day.service[c] + day.dur[here][c] + unload * day.demand1[c] / cap)
        here = c
    hours = [max(v.end - v.start - sum(b[2] for b in v.breaks), 1) for v in day.vehicles]
    total, share = sum(work), sum(hours)
    out: list[list[int]] = []
    i = 0
    for k in range(len(day.vehicles)):
        goal = total * hours[k] / share
        got = 0.0
        region: list[int] = []
        while i < len(tour) and (got < goal or k == len(day.vehicles) - 1):
            region.append(tour[i])
            got += work[i]
            i += 1
        out.append(region)
    return out


def _insert_on(day: Day, plan: _Plan, k: int, c: int) -> bool:
    """Put ``c`` at the cheapest position on route ``k`` that keeps it on time; True if done."""
    if not _vehicle_room(day, plan, k, c):
        return False
    if plan.size[k] == 0:
        options = [(0, day.n + k, 2)]
    else:
        after = [a for a in _nodes(day, plan, k) if _on_time(day, plan, c, a) >= 0]
        options = sorted(_positions(day, plan, c, after))
    for _, a, mode in options[:_REGION_TRIES]:
        _insert(day, plan, a, c, mode)
        seq = plan.stops(day, k)
        schedule = simulate(day, k, seq, [plan.ends[x] for x in seq], record=True)
        if schedule is not None:
            plan.total += schedule.cost - plan.route_cost[k]
            plan.route_cost[k] = schedule.cost
            _times_of(day, plan, k, schedule)
            return True
        plan.unlink(day, c)
    return False


def _nodes(day: Day, plan: _Plan, k: int) -> list[int]:
    """The sentinel of route ``k`` and its stops, in order."""
    out = [day.n + k]
    a = plan.succ[day.n + k]
    while a < day.n:
        out.append(a)
        a = plan.succ[a]
    return out


def _settle(day: Day, plan: _Plan, k: int) -> None:
    """Re-split route ``k`` into its cheapest trips if it still runs on time so."""
    before = plan.copy()
    if not _refresh(day, plan, k):
        plan.restore(before)
