"""A day's work for the twin's crews, planned by nettestad's planning pipeline (``routing.pipeline``).

Both policies hand the planner the same kind of day: the stops they want served (bins with their
expected load, dumps to clear), the Nette Stad fleet, the depot and the disposal sites, with the
same travel model. Only the choice of stops differs, so the comparison measures the policy and
not the router. Costs use the planner's micro-euro scale (see ``routing/model.py``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Protocol

import numpy as np
import numpy.typing as npt

from routing import (
    Break,
    Facility,
    PlanConfig,
    Problem,
    Solution,
    Stop,
    Vehicle,
    VisitKind,
    Window,
    crews_for_day,
    dumps,
    hotspots,
)
from twin.city import City, Site
from twin.dumping import BRUSSELS

DETOUR = 1.35  # road distance over great-circle distance in Kortrijk's street grid (assumed)
SPEED_KMH = 24.0  # average town driving speed of a small refuse truck with stops (assumed)
SHIFT = (time(6, 0), time(14, 0))
BREAK = (time(9, 30), time(11, 0), 30)  # a 30-minute break starting between 9:30 and 11:00
SERVICE_S = {
    "street_bin": 75,
    "underground": 360,
    "glass": 420,
    "dump": 900,
    "check": hotspots.CHECK_SERVICE_S,
}
PER_KM = 1_200_000 // 1000  # 1.20 €/km, per metre, in micro-euro
# Crews are paid per shift, not per route hour: a crew that goes out costs its whole shift
# (8 h at 60 €/h for a two-person crew) and the vehicle's day (40 €); its hours inside the shift
# cost nothing more, so the planner saves shifts and kilometres.
PER_SECOND = 0
SHIFT_EUR = 8 * 60
VEHICLE_DAY = (SHIFT_EUR + 40) * 1_000_000
SOLUTION_LIMIT = 80
# The improvement phase's iterations: the same plan on every run (docs/twin.md).
PHASE_ITERATIONS = 100


@dataclass(frozen=True, slots=True)
class TruckType:
    """One vehicle of the Nette Stad fleet (assumed, see docs/twin.md)."""

    vehicle_id: str
    capacity_l: int  # loose litres before unloading
    serves: tuple[str, ...]  # container types it can empty


FLEET: tuple[TruckType, ...] = (
    TruckType("ploeg-1", 14_000, ("street_bin", "dump", "check")),
    TruckType("ploeg-2", 14_000, ("street_bin", "dump", "check")),
    TruckType("ploeg-3", 14_000, ("street_bin", "dump", "check")),
    TruckType("kraan-1", 24_000, ("underground", "glass")),
)


@dataclass(frozen=True, slots=True)
class StopRequest:
    """Something a policy wants done today."""

    ref: str  # bin id or dump id
    kind: str  # container type, or 'dump'
    lat: float
    lon: float
    litres: int
    penalty: int | None  # None: must be served
    due: datetime | None = None  # a cleanup's due time (``routing.dumps.due_at``)


@dataclass(frozen=True, slots=True)
class PlannedVisit:
    """One call on a planned route, in local time."""

    ref: str
    kind: str  # 'stop' or 'unload'
    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class PlannedRoute:
    """One crew's day."""

    vehicle_id: str
    start: datetime
    end: datetime
    visits: tuple[PlannedVisit, ...]
    km: float


@dataclass(frozen=True, slots=True)
class ServicePlan:
    """One service's part of the day as the planner saw it (for re-planning during the day)."""

    trucks: tuple[TruckType, ...]  # the vehicles of the problem, in its order
    requests: tuple[StopRequest, ...]  # the problem's stops, in its order
    problem: Problem
    solution: Solution


@dataclass(frozen=True, slots=True)
class DayPlan:
    """Every route of a day, and the stops the planner left out."""

    day: date
    routes: tuple[PlannedRoute, ...]
    unplanned: tuple[str, ...]
    services: tuple[ServicePlan, ...] = ()

    @property
    def km(self) -> float:
        """Kilometres driven by all crews."""
        return sum(r.km for r in self.routes)

    @property
    def shifts(self) -> int:
        """Crews that went out (each a paid shift)."""
        return sum(1 for r in self.routes if r.visits)

    @property
    def crew_hours(self) -> float:
        """Hours from leaving the depot to returning, over every crew that went out."""
        return sum((r.end - r.start).total_seconds() / 3600 for r in self.routes if r.visits)


def road_metres(a: tuple[float, float], b: tuple[float, float]) -> int:
    """Great-circle distance times the detour factor, in metres."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return round(2 * 6_371_000 * math.asin(math.sqrt(h)) * DETOUR)


def _matrices(points: Sequence[tuple[float, float]]) -> tuple[list[list[int]], list[list[int]]]:
    distance = [[road_metres(a, b) for b in points] for a in points]
    return distance, _durations(np.asarray(distance, dtype=np.int64)).tolist()


def _durations(distance: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Seconds at the twin's driving speed (rounded as ``round`` does: half to even)."""
    seconds: npt.NDArray[np.int64] = np.rint(distance * (3.6 / SPEED_KMH)).astype(np.int64)
    return seconds


class CityMatrix:
    """Road metres and seconds between every point of a city, computed once.

    The depot, the disposal sites, every container and every hotspot; a day's problem takes its
    rows and columns from here instead of computing great-circle distances again every day. A
    point that is not in the city is computed when asked for (the same figures either way).
    """

    def __init__(self, city: City) -> None:
        points = [(city.depot.lat, city.depot.lon)]
        points += [(s.lat, s.lon) for s in city.disposal]
        points += [(b.lat, b.lon) for b in city.bins]
        points += [(h.lat, h.lon) for h in city.hotspots]
        self.index: dict[tuple[float, float], int] = {}
        for p in points:
            self.index.setdefault(p, len(self.index))
        unique = list(self.index)
        self.distance = np.array(
            [[road_metres(a, b) for b in unique] for a in unique], dtype=np.int64
        )
        self.duration = _durations(self.distance)

    def matrices(
        self, points: Sequence[tuple[float, float]]
    ) -> tuple[list[list[int]], list[list[int]]]:
        """The distance and duration matrices between ``points``, in their order."""
        if any(p not in self.index for p in points):
            return _matrices(points)
        idx = np.array([self.index[p] for p in points], dtype=np.int64)
        grid = np.ix_(idx, idx)
        return self.distance[grid].tolist(), self.duration[grid].tolist()


_CITY_MATRICES: dict[int, tuple[City, CityMatrix]] = {}


def city_matrix(city: City) -> CityMatrix:
    """The city's matrix, computed on first use and kept for the few cities a process plans."""
    found = _CITY_MATRICES.get(id(city))
    if found is not None and found[0] is city:
        return found[1]
    if len(_CITY_MATRICES) >= 8:
        _CITY_MATRICES.clear()
    matrix = CityMatrix(city)
    _CITY_MATRICES[id(city)] = (city, matrix)
    return matrix


def _seconds(t: time) -> int:
    return t.hour * 3600 + t.minute * 60


def build_problem(
    city: City, day: date, requests: Sequence[StopRequest], trucks: Sequence[TruckType]
) -> Problem:
    """The planner's problem: locations are the depot, the disposal sites, then the stops."""
    sites: list[Site] = [city.depot, *city.disposal]
    points = [(s.lat, s.lon) for s in sites] + [(r.lat, r.lon) for r in requests]
    distance, duration = city_matrix(city).matrices(points)
    shift = Window(_seconds(SHIFT[0]), _seconds(SHIFT[1]))
    rest = Break(_seconds(BREAK[0]), _seconds(BREAK[1]), BREAK[2] * 60)
    vehicles = tuple(
        Vehicle(
            id=t.vehicle_id,
            capacity=(t.capacity_l,),
            start_location=0,
            end_location=0,
            shift=shift,
            fixed_cost=VEHICLE_DAY,
            distance_cost=PER_KM,
            time_cost=PER_SECOND,
            breaks=(rest,),
        )
        for t in trucks
    )
    smallest = min(t.capacity_l for t in trucks)
    stops = tuple(
        Stop(
            id=r.ref,
            location=len(sites) + i,
            demand=(min(r.litres, smallest),),
            service_s=SERVICE_S.get(r.kind, 120),
            penalty=r.penalty,
        )
        for i, r in enumerate(requests)
    )
    facilities = tuple(
        Facility(id=s.site_id, location=1 + k, unload_s=s.unload_min * 60)
        for k, s in enumerate(city.disposal)
    )
    return Problem(
        distance=distance,
        duration=duration,
        stops=stops,
        vehicles=vehicles,
        facilities=facilities,
        name=f"kortrijk-{day.isoformat()}",
    )


def _groups() -> dict[tuple[str, ...], list[TruckType]]:
    """Trucks that serve the same containers form one planning problem."""
    groups: dict[tuple[str, ...], list[TruckType]] = {}
    for truck in FLEET:
        groups.setdefault(truck.serves, []).append(truck)
    return groups


def _solve(
    problem: Problem, due: dict[str, int], *, seed: int, time_limit_s: float
) -> tuple[Problem, Solution]:
    # The product's pipeline, with the cleanups due today bound to their due time as the
    # product's morning plan does (``routing.dumps.plan_by_due``); bounds on OR-Tools' improving
    # solutions and on the improvement phase's iterations (not only time) make the plan the same
    # on every run.
    config = PlanConfig(
        time_limit_s=time_limit_s,
        seed=seed,
        solution_limit=SOLUTION_LIMIT,
        iterations=PHASE_ITERATIONS,
    )
    return dumps.plan_by_due(problem, due, config)


def _first_count(requests: Sequence[StopRequest], available: int) -> int:
    """The crews the must-visit service time alone needs (a day at 70 % service)."""
    shift_s = _seconds(SHIFT[1]) - _seconds(SHIFT[0]) - BREAK[2] * 60
    service = sum(SERVICE_S.get(r.kind, 120) for r in requests if r.penalty is None)
    return min(max(1, math.ceil(service / (0.7 * shift_s))), available)


def plan_day(
    city: City, day: date, requests: Sequence[StopRequest], *, seed: int, time_limit_s: float
) -> DayPlan:
    """Plan ``day`` with the route planner; deterministic for a seed (solution-count bound).

    Street crews (bins and dumps) and the crane truck (underground and glass) are planned as
    separate problems, as they are separate services that share only the depot; each sends out
    as many crews as the day's work pays for (``routing.horizon.crews_for_day``: every must-visit
    stop served, an extra shift only when its prizes and saved kilometres pay for it).
    """
    routes: list[PlannedRoute] = []
    unplanned: list[str] = []
    services: list[ServicePlan] = []
    for serves, trucks in _groups().items():
        mine = [r for r in requests if r.kind in serves]
        if not mine:
            continue

        def build(
            k: int, mine: list[StopRequest] = mine, trucks: list[TruckType] = trucks
        ) -> Problem:
            return build_problem(city, day, mine, trucks[:k])

        midnight = datetime.combine(day, time(0), tzinfo=BRUSSELS)
        due = {r.ref: int((r.due - midnight).total_seconds()) for r in mine if r.due is not None}
        planned: dict[int, Problem] = {}  # crews -> the problem as planned (due times bound)

        def solve(
            problem: Problem, due: dict[str, int] = due, planned: dict[int, Problem] = planned
        ) -> Solution:
            timed, solution = _solve(problem, due, seed=seed, time_limit_s=time_limit_s)
            planned[len(problem.vehicles)] = timed
            return solution

        decision = crews_for_day(
            build,
            solve,
            available=len(trucks),
            first=_first_count(mine, len(trucks)),
        )
        solution = decision.solution
        unplanned += [u.stop_id for u in solution.unplanned]
        routes += [
            planned_route(day, r.vehicle_id, (r.start, r.end), r.visits, r.distance)
            for r in solution.routes
            if r.visits
        ]
        services.append(
            ServicePlan(
                tuple(trucks[: decision.crews]),
                tuple(mine),
                planned.get(decision.crews, build(decision.crews)),
                solution,
            )
        )
    return DayPlan(
        day=day, routes=tuple(routes), unplanned=tuple(unplanned), services=tuple(services)
    )


class Call(Protocol):
    """A planner's call on a route (``routing.model.Visit``), as far as a crew sheet needs it."""

    @property
    def ref(self) -> str:
        """The stop or facility id."""

    @property
    def kind(self) -> VisitKind:
        """A stop or an unloading."""

    @property
    def location(self) -> int:
        """Where, as an index of the problem's matrices."""

    @property
    def start(self) -> int:
        """Start of service, seconds after midnight."""

    @property
    def end(self) -> int:
        """End of service, seconds after midnight."""


def planned_route(
    day: date, vehicle_id: str, span: tuple[int, int], calls: Sequence[Call], metres: int
) -> PlannedRoute:
    """A planner's route in local time; ``metres`` it drives over the day."""
    midnight = datetime.combine(day, time(0), tzinfo=BRUSSELS)

    def at(seconds: int) -> datetime:
        return midnight + timedelta(seconds=seconds)

    return PlannedRoute(
        vehicle_id=vehicle_id,
        start=at(span[0]),
        end=at(span[1]),
        visits=tuple(
            PlannedVisit(
                v.ref, "unload" if v.kind is VisitKind.UNLOAD else "stop", at(v.start), at(v.end)
            )
            for v in calls
        ),
        km=metres / 1000,
    )
