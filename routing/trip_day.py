"""A day as plain lists for the trip phase (:mod:`routing.trips`), and the rules a route keeps.

A route is the order of a vehicle's stops. :func:`split` divides it into trips that fit the
vehicle, each closed at the site with the smallest detour; :func:`simulate` drives it on the clock
(windows, release times, the break, the working day) and prices it.
"""

from __future__ import annotations

import math
from array import array
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from routing.costs import penalty
from routing.model import Problem

TRIP_TIE = 1  # an unload costs at least this: of two equal splits, the one with fewer trips


@dataclass(frozen=True, slots=True)
class DayVehicle:
    capacity: tuple[int, ...]
    day_capacity: tuple[int, ...] | None
    max_stops: int
    start: int
    end: int
    max_span: int | None
    breaks: tuple[tuple[int, int, int], ...]  # (earliest start, latest start, duration)


@dataclass(slots=True)
class Day:
    """The problem as plain lists.

    Node 0 is the depot, nodes ``1 .. n - 1`` the stops, ``n .. n + facilities - 1`` the sites.
    The matrices are lists of rows of machine integers (:class:`array.array`), copied from numpy
    in one block each: as nested lists of Python integers a 3,000-stop day took 4-16 s to
    convert and a gigabyte more memory, and a row of machine integers reads as fast or faster.
    """

    n: int
    cost: list[array[int]]  # arc cost between all nodes (service at the origin included)
    dur: list[array[int]]  # travel time between all nodes
    via: list[array[int]]  # cheapest a -> site -> b over depot and stops (b = 0: the final unload)
    detour: list[array[int]]  # via - cost + TRIP_TIE: what an unload between a and b adds
    site: list[array[int]]  # which site gives ``via``
    demand: list[tuple[int, ...]]
    demand1: list[int]  # the first dimension alone
    service: list[int]
    opens: list[int]
    closes: list[int]
    release: list[int]  # per stop node, when its trip may leave at the earliest
    releases: bool  # any release above zero
    penalty: list[int]
    tight: list[bool]  # a window narrower than the working day
    near: list[list[int]]  # per stop node, the other stop nodes by closeness
    fixed: int
    vehicles: list[DayVehicle]
    matrix: np.ndarray  # ``cost`` as one array, for whole-day computations (the first tour)


def _rows(matrix: np.ndarray, code: str) -> list[array[int]]:
    """The rows of ``matrix`` as arrays of machine integers of type ``code``."""
    width = matrix.shape[1] if matrix.ndim == 2 else 0
    flat = array(code, np.ascontiguousarray(matrix, dtype=np.dtype(code)).tobytes())
    return [flat[i * width : (i + 1) * width] for i in range(len(matrix))]


def day_of(problem: Problem) -> Day:
    first = problem.vehicles[0]
    depot = first.start_location
    locs = [depot, *(s.location for s in problem.stops), *(f.location for f in problem.facilities)]
    n = 1 + len(problem.stops)
    idx = np.asarray(locs, dtype=np.int64)
    dist = _select(np.asarray(problem.distance, dtype=np.int64), idx)
    dur = _select(np.asarray(problem.duration, dtype=np.int64), idx)
    service = np.asarray(
        [0, *(s.service_s for s in problem.stops), *(f.unload_s for f in problem.facilities)],
        dtype=np.int64,
    )
    cost = dist * first.distance_cost + (dur + service[:, None]) * first.time_cost
    np.fill_diagonal(cost, 0)
    via = np.full((n, n), np.iinfo(np.int64).max // 4, dtype=np.int64)
    site = np.zeros((n, n), dtype=np.int32)
    for f in range(len(problem.facilities)):
        through = np.add.outer(cost[:n, n + f], cost[n + f, :n])
        better = np.less(through, via)
        np.copyto(via, through, where=better)
        np.copyto(site, f, where=better)
    near = _nearest(cost[:n, :n] + cost[:n, :n].T)
    dims = len(first.capacity)
    windows = [(0, 0), *((s.window.start, s.window.end) for s in problem.stops)]
    windows += [(f.window.start, f.window.end) for f in problem.facilities]
    vehicles = [
        DayVehicle(
            capacity=tuple(v.capacity),
            day_capacity=tuple(v.max_day_load) if v.max_day_load is not None else None,
            max_stops=v.max_stops if v.max_stops is not None else len(problem.stops),
            start=v.shift.start,
            end=v.shift.end,
            max_span=v.max_duration_s,
            breaks=tuple(
                sorted(
                    (b.earliest_start, b.latest_start, b.duration_s)
                    for b in v.breaks
                    # A break wholly outside the shift is no break at all (see routing.check).
                    if v.shift.start < b.latest_start + b.duration_s
                    and v.shift.end > b.earliest_start
                )
            ),
        )
        for v in problem.vehicles
    ]
    return Day(
        n=n,
        cost=_rows(cost, "q"),
        dur=_rows(dur, "q"),
        via=_rows(via, "q"),
        detour=_rows(via - cost[:n, :n] + TRIP_TIE, "q"),
        site=_rows(site, "i"),
        demand=[(0,) * dims, *(tuple(s.demand) for s in problem.stops)],
        demand1=[0, *(s.demand[0] if dims else 0 for s in problem.stops)],
        service=service.tolist(),
        opens=[w[0] for w in windows],
        closes=[w[1] for w in windows],
        release=[0, *(s.release_s for s in problem.stops)],
        releases=problem.has_releases,
        penalty=[0, *(penalty(s) for s in problem.stops)],
        tight=[
            False,
            *(
                s.window.start > min(v.shift.start for v in problem.vehicles)
                or s.window.end < max(v.shift.end for v in problem.vehicles)
                or s.release_s > min(v.shift.start for v in problem.vehicles)
                for s in problem.stops
            ),
        ],
        near=[[x for x in row if x not in (i, 0)] for i, row in enumerate(near.tolist())],
        fixed=first.fixed_cost,
        vehicles=vehicles,
        matrix=cost,
    )


def _select(matrix: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """The rows and columns ``idx`` of ``matrix`` (the matrix itself when they are all of it, in
    order, as on benchmark days: no copy of a 3,000-stop matrix)."""
    if len(idx) == len(matrix) and np.array_equal(idx, np.arange(len(matrix))):
        return matrix
    picked: np.ndarray = matrix[np.ix_(idx, idx)]
    return picked


_NEAR_KEPT = 300  # on large days, each stop keeps only this many nearest (the phase looks at 40)


def _nearest(sym: np.ndarray) -> np.ndarray:
    """Per node, the other nodes by closeness: all of them on days up to 1,000 stops, else the
    nearest ``_NEAR_KEPT`` (a full sort of a large day costs seconds and memory for nothing)."""
    n = len(sym)
    if n <= 1000:
        return np.argsort(sym, axis=1, kind="stable")
    part = np.argpartition(sym, _NEAR_KEPT, axis=1)[:, : _NEAR_KEPT + 1]
    order = np.argsort(np.take_along_axis(sym, part, axis=1), axis=1, kind="stable")
    return np.take_along_axis(part, order, axis=1)


def split(day: Day, seq: Sequence[int], capacity: tuple[int, ...]) -> list[int] | None:
    """The cheapest division of a route's stops into trips: the index of each trip's last stop.

    ``f[j]`` is the least extra cost of the unloads before stop ``j + 1`` when a trip ends at stop
    ``j``; the trip that ends there may start anywhere its load fits, and the cheapest start over
    that sliding window comes from a monotone queue, so the whole route costs linear time.
    """
    if len(capacity) == 1:
        return _split_one(day, seq, capacity[0])
    lowest = _earliest_starts(day, seq, capacity)
    if lowest is None:
        return None
    m = len(seq)
    detour = day.detour
    f = [0] * m
    start_of = [0] * m
    h = [0] * m
    window: deque[int] = deque()
    p = seq[0]
    for j in range(m):
        if j:
            x = seq[j]
            hj = h[j] = f[j - 1] + detour[p][x]  # the unload before x
            p = x
        else:
            hj = 0
        while window and h[window[-1]] >= hj:
            window.pop()
        window.append(j)
        lo = lowest[j]
        while window[0] < lo:
            window.popleft()
        first = window[0]
        f[j] = h[first]
        start_of[j] = first
    return _trip_ends(start_of)


def _trip_ends(start_of: Sequence[int]) -> list[int]:
    """The last stop of each trip, read back from each stop's best trip start."""
    ends, j = [], len(start_of) - 1
    while j >= 0:
        ends.append(j)
        j = start_of[j] - 1
    ends.reverse()
    return ends


def _split_one(day: Day, seq: Sequence[int], cap: int) -> list[int] | None:
    """:func:`split` for one load dimension, the earliest start of each trip found in the same
    pass (the most common case, and the phase's hottest loop but one)."""
    m = len(seq)
    detour, demand = day.detour, day.demand1
    f = [0] * m
    start_of = [0] * m
    h = [0] * m
    window: deque[int] = deque()
    p = seq[0]
    lo = load = 0
    for j in range(m):
        x = seq[j]
        load += demand[x]
        while load > cap:
            if lo == j:
                return None
            load -= demand[seq[lo]]
            lo += 1
        if j:
            hj = h[j] = f[j - 1] + detour[p][x]  # the unload before x
            p = x
        else:
            hj = 0
        while window and h[window[-1]] >= hj:
            window.pop()
        window.append(j)
        while window[0] < lo:
            window.popleft()
        first = window[0]
        f[j] = h[first]
        start_of[j] = first
    return _trip_ends(start_of)


def _earliest_starts(day: Day, seq: Sequence[int], capacity: tuple[int, ...]) -> list[int] | None:
    """Per stop, the first stop a trip ending there may start at; None if one stop is too big."""
    out = [0] * len(seq)
    lo = 0
    if len(capacity) == 1:  # the common case, without the loops over dimensions
        cap, demand = capacity[0], day.demand1
        load = 0
        for j, x in enumerate(seq):
            load += demand[x]
            while load > cap:
                if lo == j:
                    return None
                load -= demand[seq[lo]]
                lo += 1
            out[j] = lo
        return out
    dims = range(len(capacity))
    room = list(capacity)
    for j, x in enumerate(seq):
        q = day.demand[x]
        for d in dims:
            room[d] -= q[d]
        while any(r < 0 for r in room):
            if lo == j:
                return None
            q = day.demand[seq[lo]]
            for d in dims:
                room[d] += q[d]
            lo += 1
        out[j] = lo
    return out


Call = tuple[int, int, int]  # node, arrival, start of service


@dataclass(slots=True)
class Schedule:
    cost: int
    back: int
    calls: list[Call]
    breaks: list[tuple[int, int]]


def simulate(
    day: Day, k: int, seq: Sequence[int], ends: Sequence[bool], *, record: bool = False
) -> Schedule | None:
    """Drive route ``k`` at the earliest times; None if a window, the break or the day fails.

    The break goes as late as the services allow (stops with windows that close around the break
    are served first); if that fails, as early as it may start (waiting for a window that opens
    later may then absorb it). Each trip unloads at the site with the smallest detour; if that
    fails, at the cheapest one the vehicle need not wait for.

    A drive that fails says whether the break's placement or the wait for a site could have made
    a difference before it failed; a variant that differs only where nothing could is the same
    drive and is not run again.
    """
    seen = [False, False]  # the break's placement, a wait for a site: whether either mattered
    schedule = _drive(day, k, seq, ends, record, True, True, seen)
    if schedule is not None:
        return schedule
    placement, waiting = seen
    early_waiting = waiting  # in the drive with the break early: the same unless it is run
    if placement:
        seen = [False, False]
        schedule = _drive(day, k, seq, ends, record, False, True, seen)
        if schedule is not None:
            return schedule
        early_waiting = seen[1]
    impatient_placement = placement
    if waiting:
        seen = [False, False]
        schedule = _drive(day, k, seq, ends, record, True, False, seen)
        if schedule is not None:
            return schedule
        impatient_placement = seen[0]
    if early_waiting and impatient_placement:
        return _drive(day, k, seq, ends, record, False, False, seen)
    return None


_Break = tuple[int, int, int]  # earliest start, latest start, duration


def _drive(  # noqa: PLR0911, PLR0912, PLR0915, PLR0917 - one pass over the route keeps every rule on the same clock
    day: Day,
    k: int,
    seq: Sequence[int],
    ends: Sequence[bool],
    record: bool,
    late: bool,
    patient: bool,
    seen: list[bool],
) -> Schedule | None:
    """One simulation of route ``k`` with the break placed ``late`` or early (see :func:`_call`).

    A break still pending when the vehicle is back before its latest start is taken at the depot.
    ``seen`` records whether the break was pending at a call that began after its earliest start
    (where ``late`` decides), and whether a trip's first site made the vehicle wait (where
    ``patient`` decides).
    """
    vehicle = day.vehicles[k]
    if not seq:
        return Schedule(0, vehicle.start, [], [])
    cost, dur, service = day.cost, day.dur, day.service
    brk = vehicle.breaks[0] if vehicle.breaks else None
    pending = brk is not None
    b_early, b_latest, b_length = brk if brk is not None else (0, 0, 0)
    clock, here, total = vehicle.start, 0, day.fixed
    calls: list[Call] = []
    taken: list[tuple[int, int]] = []
    last = len(seq) - 1
    opens, closes = day.opens, day.closes
    leave = _trip_releases(day, seq, ends) if day.releases else None
    for i, c in enumerate(seq):
        if leave is not None and leave[i] > clock:
            clock = leave[i]  # the trip waits at the depot or the site for its goods
        # The same step as _call, inline: this loop is where the phase spends its time.
        arrive = clock + dur[here][c]
        begin = opens[c]
        if arrive > begin:  # noqa: PLR1730 - cheaper than a call to max in the hottest loop
            begin = arrive
        if pending:
            if begin >= b_early:
                seen[0] = True
            if begin + service[c] > b_latest or (not late and begin >= b_early):
                pause = clock if clock > b_early else b_early
                if pause > b_latest:
                    return None
                arrive += b_length
                begin = max(opens[c], arrive, pause + b_length)
                if begin > closes[c]:
                    return None
                taken.append((pause, b_length))
                pending = False
        if begin > closes[c]:
            return None
        total += cost[here][c]
        if record:
            calls.append((c, arrive, begin))
        clock, here = begin + service[c], c
        if not ends[i]:
            continue
        site = _unload(
            day,
            clock,
            here,
            seq[i + 1] if i < last else 0,
            (b_early, b_latest, b_length) if pending else None,
            late=late,
            patient=patient,
            seen=seen,
        )
        if site is None:
            return None
        node, (arrive, begin, pause) = site
        total += cost[here][node]
        if pause >= 0:
            taken.append((pause, b_length))
            pending = False
        if record:
            calls.append((node, arrive, begin))
        clock, here = begin + service[node], node
    back = clock + dur[here][0]
    total += cost[here][0]
    if pending:
        if b_early < back <= b_latest and back + b_length <= vehicle.end:
            taken.append((back, b_length))  # lunch at the depot after the round
        elif back > b_early:
            pause = clock if clock > b_early else b_early
            if pause > b_latest:
                return None
            back = max(back + b_length, pause + b_length)
            taken.append((pause, b_length))
    if back > vehicle.end:
        return None
    if vehicle.max_span is not None and back - vehicle.start > vehicle.max_span:
        return None
    return Schedule(total, back, calls, taken)


def _trip_releases(day: Day, seq: Sequence[int], ends: Sequence[bool]) -> list[int]:
    """Per position, the latest release on the trip if it begins that trip, else 0."""
    out = [0] * len(seq)
    first, latest = 0, 0
    release = day.release
    for i, c in enumerate(seq):
        latest = max(latest, release[c])
        if ends[i] or i == len(seq) - 1:
            out[first] = latest
            first, latest = i + 1, 0
    return out


def _call(
    day: Day,
    clock: int,
    here: int,
    y: int,
    brk: _Break | None,
    *,
    late: bool,
    seen: list[bool],
) -> tuple[int, int, int] | None:
    """(arrival, start of service, start of the break or -1) at node ``y``; None if too late.

    A pending break is taken before a service that would otherwise end after the break's latest
    start, or (``late`` false) before the first service that would start after its earliest start.
    """
    arrive = clock + day.dur[here][y]
    begin = max(day.opens[y], arrive)
    pause = -1
    if brk is not None:
        early, latest, length = brk
        if begin >= early:
            seen[0] = True
        if begin + day.service[y] > latest or (not late and begin >= early):
            pause = max(clock, early)
            if pause > latest:
                return None
            arrive += length
            begin = max(day.opens[y], arrive, pause + length)
    if begin > day.closes[y]:
        return None
    return arrive, begin, pause


def _unload(
    day: Day,
    clock: int,
    here: int,
    nxt: int,
    brk: _Break | None,
    *,
    late: bool,
    patient: bool,
    seen: list[bool],
) -> tuple[int, tuple[int, int, int]] | None:
    """The site to unload at between ``here`` and ``nxt``, and the call there.

    The one with the smallest detour if it is open (``patient``: even if the vehicle must wait
    for it); else the cheapest site it need not wait for, or else the one it can start at earliest.
    """
    n = day.n
    first = n + day.site[here][nxt]
    step = _call(day, clock, here, first, brk, late=late, seen=seen)
    if step is not None and step[1] > step[0]:
        seen[1] = True
    if step is not None and (patient or step[1] <= step[0]):
        return first, step
    cost = day.cost
    best: tuple[int, int, int] | None = None
    choice = None
    for s in range(n, len(cost)):
        got = _call(day, clock, here, s, brk, late=late, seen=seen)
        if got is None:
            continue
        key = (max(got[1] - got[0], 0), cost[here][s] + cost[s][nxt], s)
        if best is None or key < best:
            best, choice = key, (s, got)
    return choice


def split_timed(day: Day, k: int, seq: Sequence[int]) -> list[int] | None:  # noqa: PLR0912 - one dynamic programme over the clock and the cost
    """The cheapest split into trips that also keeps windows and release times on the clock.

    Like :func:`split`, but a trip may only start where the clock allows: it leaves once the
    previous one has unloaded and its own stops are released, and reaches each stop in its
    window. Each trip end keeps the cheapest such split before it (the earliest finish among
    equals), which is a heuristic, not an exact programme; breaks are left to the simulation.
    """
    vehicle = day.vehicles[k]
    lowest = _earliest_starts(day, seq, vehicle.capacity)
    if lowest is None:
        return None
    n, m = day.n, len(seq)
    cost, via, dur, service = day.cost, day.via, day.dur, day.service
    opens, closes, release = day.opens, day.closes, day.release
    unset = math.inf
    f: list[float] = [unset] * m
    finish = [0] * m
    start_of = [0] * m
    for j in range(m):
        ready = 0
        for i in range(j, lowest[j] - 1, -1):
            ready = max(ready, release[seq[i]])
            if i == 0:
                base, free, here = 0.0, vehicle.start, 0
            else:
                if f[i - 1] == unset:
                    continue
                p, x = seq[i - 1], seq[i]
                site = n + day.site[p][x]
                base = f[i - 1] + via[p][x] - cost[p][x] + TRIP_TIE
                if base > f[j]:
                    continue
                at = max(opens[site], finish[i - 1] + dur[p][site])
                if at > closes[site]:
                    continue
                free, here = at + service[site], site
            clock = max(free, ready)
            for x in seq[i : j + 1]:
                clock = max(opens[x], clock + dur[here][x])
                if clock > closes[x]:
                    break
                clock += service[x]
                here = x
            else:
                if (base, clock) < (f[j], finish[j]):
                    f[j], finish[j], start_of[j] = base, clock, i
    if f[m - 1] == unset:
        return None
    return _trip_ends(start_of)
