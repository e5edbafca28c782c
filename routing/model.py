"""The planning problem and its solution as plain data, independent of the database and the solver.

Units, so that every number the solver sees is an integer:

- time in seconds from the start of the planning day (local midnight for a city day);
- distance in the matrix's unit (metres for a city day; feet or rounded Euclidean units for
  benchmark instances);
- cost in the problem's cost unit. For a city day that is one micro-euro (1e-6 €): a truck at
  1.20 €/km costs 1200 per metre, a crew at 60 €/h about 16 667 per second, and a whole day stays
  far below the 64-bit limit while short arcs keep their precision after rounding.
- load in whole units per capacity dimension (litres of volume, kilograms of weight).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum


@dataclass(frozen=True, slots=True)
class Window:
    """When a service may start, in seconds from the start of the day (both inclusive)."""

    start: int
    end: int

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"time window ends before it starts: {self.start}..{self.end}")


ALL_DAY = Window(0, 48 * 3600)


@dataclass(frozen=True, slots=True)
class Stop:
    """A place to serve: a bin to empty, a dump to clear, a fixed visit.

    ``penalty`` is the cost of leaving it out; ``None`` means it must be served. ``release_s`` is
    when its load or task is ready: the trip that serves it may not leave its depot or the site of
    the previous unload before then (0: ready from the start of the day).
    """

    id: str
    location: int
    demand: tuple[int, ...]
    service_s: int
    window: Window = ALL_DAY
    penalty: int | None = None
    allowed_vehicles: tuple[str, ...] = ()  # empty: any vehicle
    release_s: int = 0


@dataclass(frozen=True, slots=True)
class Facility:
    """A disposal or transfer site where a vehicle unloads, as often as needed."""

    id: str
    location: int
    unload_s: int
    window: Window = ALL_DAY


@dataclass(frozen=True, slots=True)
class Break:
    """A legal break: ``duration_s`` starting somewhere in ``[earliest_start, latest_start]``."""

    earliest_start: int
    latest_start: int
    duration_s: int


@dataclass(frozen=True, slots=True)
class Vehicle:
    """One vehicle with its crew for the day, and what it costs to use."""

    id: str
    capacity: tuple[int, ...]
    start_location: int
    end_location: int
    shift: Window
    fixed_cost: int = 0
    distance_cost: int = 1  # per distance unit
    time_cost: int = 0  # per second on the road or at a stop
    max_duration_s: int | None = None
    breaks: tuple[Break, ...] = ()
    max_stops: int | None = None
    max_day_load: tuple[int, ...] | None = None  # total per day over all trips, per dimension
    unload_before_return: bool = True
    initial_load: tuple[int, ...] | None = None  # already on board (re-planning mid-day)


@dataclass(frozen=True, slots=True)
class Problem:
    """Everything the solver needs: matrices over locations, stops, facilities and vehicles."""

    distance: Sequence[Sequence[int]]
    duration: Sequence[Sequence[int]]
    stops: tuple[Stop, ...]
    vehicles: tuple[Vehicle, ...]
    facilities: tuple[Facility, ...] = ()
    name: str = "problem"

    def __post_init__(self) -> None:
        n = len(self.distance)
        if len(self.duration) != n:
            raise ValueError("distance and duration matrices differ in size")
        dims = {len(v.capacity) for v in self.vehicles}
        if len(dims) > 1:
            raise ValueError("all vehicles need the same capacity dimensions")
        dim = dims.pop() if dims else 0
        for stop in self.stops:
            if not 0 <= stop.location < n:
                raise ValueError(f"stop {stop.id} points outside the matrix")
            if len(stop.demand) != dim:
                raise ValueError(f"stop {stop.id} has {len(stop.demand)} demands, vehicles {dim}")
        ids = [s.id for s in self.stops] + [f.id for f in self.facilities]
        if len(ids) != len(set(ids)):
            raise ValueError("stop and facility ids must be unique")

    @property
    def has_releases(self) -> bool:
        """Whether any stop waits for a release time (a trip then departs after its stops')."""
        return any(s.release_s > 0 for s in self.stops)


class VisitKind(StrEnum):
    """What happens at a visit on a route."""

    STOP = "stop"
    UNLOAD = "unload"


@dataclass(frozen=True, slots=True)
class Visit:
    """One call on a route: arrival, start of service, and the load on board after it."""

    kind: VisitKind
    ref: str  # stop or facility id
    location: int
    arrival: int
    start: int
    end: int
    load_after: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class BreakTaken:
    """When a route's break happens."""

    start: int
    duration_s: int


@dataclass(slots=True)
class Route:
    """One vehicle's day in order."""

    vehicle_id: str
    start: int
    end: int
    visits: list[Visit]
    breaks: list[BreakTaken] = field(default_factory=list)
    distance: int = 0
    cost: int = 0


@dataclass(frozen=True, slots=True)
class Unplanned:
    """A stop left out of the plan, and why."""

    stop_id: str
    reason: str  # in English, for logs and benchmarks
    code: str = ""  # a reason code of routing.explain (its Dutch text is ``explain.text_nl``)


@dataclass(slots=True)
class Solution:
    """The best plan found within the time limit."""

    routes: list[Route]
    unplanned: list[Unplanned]
    objective: int
    distance: int
    status: str
    solve_s: float
    first_solution_s: float | None = None
    history: list[tuple[float, int]] = field(default_factory=list)  # (seconds, objective)

    @property
    def used_vehicles(self) -> int:
        """Vehicles that leave the depot."""
        return sum(1 for r in self.routes if r.visits)
