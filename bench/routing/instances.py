"""Readers for the shared benchmark instances, turning each into a nettestad Problem."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from routing.model import Break, Facility, Problem, Stop, Vehicle, Window

SHARED = Path(__file__).resolve().parents[3] / "shared" / "benchmarks"


@dataclass(frozen=True, slots=True)
class Cvrp:
    """A VRPLIB CVRP instance as read from disk.

    Distances are scaled by ``scale`` into integers (1 for rounded Euclidean instances, 1000 for
    those whose best known cost has decimals, i.e. unrounded distances); ``max_distance`` and
    ``service`` (the ``DISTANCE`` and ``SERVICE_TIME`` headers) are in the same scaled unit.
    """

    name: str
    coords: list[tuple[float, float]]
    demand: list[int]
    capacity: int
    min_vehicles: int
    bks: float
    scale: int = 1
    max_distance: int | None = None
    service: int = 0

    @property
    def vehicles(self) -> int:
        """The fleet offered: ``k`` of the name, else from the total demand, plus spare vehicles."""
        return self.min_vehicles + 3


def read_cvrplib(path: Path) -> Cvrp:
    """Read a ``.vrp`` file and the best-known cost from its ``.sol`` next to it (if any).

    Honours ``DISTANCE`` (a limit on each route's length) and ``SERVICE_TIME`` (added to a route's
    length per client). Without ``-k`` in the name the fleet follows from the total demand.
    """
    lines = path.read_text().splitlines()
    header: dict[str, str] = {}
    coords: list[tuple[float, float]] = []
    demand: list[int] = []
    section = ""
    for raw in lines:
        line = raw.strip()
        if not line or line == "EOF":
            continue
        if line.endswith("SECTION"):
            section = line
            continue
        if ":" in line and not section:
            key, value = line.split(":", 1)
            header[key.strip()] = value.strip()
            continue
        parts = line.split()
        if section == "NODE_COORD_SECTION":
            coords.append((float(parts[1]), float(parts[2])))
        elif section == "DEMAND_SECTION":
            demand.append(int(parts[1]))
    sol_path = path.with_suffix(".sol")
    sol = sol_path.read_text() if sol_path.exists() else ""
    cost = re.search(r"Cost\s*:?\s*([0-9.]+)", sol)
    bks = float(cost.group(1)) if cost else 0.0
    scale = 1 if bks == int(bks) else 1000
    capacity = int(header["CAPACITY"])
    match = re.search(r"-k(\d+)", path.stem)
    fleet = int(match.group(1)) if match else math.ceil(sum(demand) / capacity)
    limit = header.get("DISTANCE")
    return Cvrp(
        name=path.stem,
        coords=coords,
        demand=demand,
        capacity=capacity,
        min_vehicles=fleet,
        bks=bks,
        scale=scale,
        max_distance=round(float(limit) * scale) if limit else None,
        service=round(float(header.get("SERVICE_TIME", "0")) * scale),
    )


def cvrp_problem(inst: Cvrp, *, vehicles: int) -> Problem:
    """The instance as a Problem: scaled Euclidean distances, one capacity, the length limit.

    A route's length (distance plus service time per client) is its duration, so ``DISTANCE`` is
    each vehicle's longest working time.
    """
    xy = np.asarray(inst.coords, dtype=np.float64)
    euclid = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(axis=2))
    dist = np.rint(euclid * inst.scale).astype(np.int64)
    day = Window(0, 10**9)  # no time of day: only the route length may bind
    stops = tuple(
        Stop(
            id=str(i + 1), location=i, demand=(inst.demand[i],), service_s=inst.service, window=day
        )
        for i in range(1, len(inst.coords))
    )
    fleet = tuple(
        Vehicle(
            id=f"v{k}",
            capacity=(inst.capacity,),
            start_location=0,
            end_location=0,
            shift=day,
            max_duration_s=inst.max_distance,
        )
        for k in range(vehicles)
    )
    return Problem(
        distance=dist,
        duration=dist,
        stops=stops,
        vehicles=fleet,
        name=inst.name,
    )


@dataclass(frozen=True, slots=True)
class Kim:
    """A Kim et al. (2006) waste-collection instance."""

    name: str
    problem: Problem
    feet_per_mile: int = 5280


def _hhmm(text: str) -> int:
    value = int(text)
    return (value // 100) * 3600 + (value % 100) * 60


def read_kim(path: Path, *, vehicles: int) -> Kim:
    """Read a Kim instance: Manhattan feet for distance, seconds at the given speed for time."""
    lines = [line for line in path.read_text().splitlines() if line.strip()]
    capacity = float(lines[0].split()[0])
    day_total = float(lines[1].split()[0])
    max_stops = int(float(lines[2].split()[0]))
    lunch = int(float(lines[3].split()[0]))
    mph = float(lines[4].split()[0])
    rows = [line.split() for line in lines[6:]]
    xy = np.asarray([(float(r[1]), float(r[2])) for r in rows], dtype=np.float64)
    feet_per_second = mph * 5280 / 3600
    feet = np.abs(xy[:, None, 0] - xy[None, :, 0]) + np.abs(xy[:, None, 1] - xy[None, :, 1])
    dist = np.rint(feet).astype(np.int64)
    dur = np.ceil(feet / feet_per_second).astype(np.int64)
    del feet
    depot = 0
    stops, facilities = [], []
    day = Window(0, 24 * 3600)
    # Loads in hundredths of a yard, so fractional yards stay integers.
    for idx, r in enumerate(rows):
        kind = int(r[7])
        window = Window(_hhmm(r[3]), _hhmm(r[4]))
        if kind == 0:
            depot, day = idx, window
        elif kind == 2:
            facilities.append(
                Facility(id=f"L{r[0]}", location=idx, unload_s=int(r[5]), window=window)
            )
        else:
            stops.append(
                Stop(
                    id=r[0],
                    location=idx,
                    demand=(round(float(r[6]) * 100),),
                    service_s=int(r[5]),
                    window=window,
                )
            )
    lunch_break = Break(earliest_start=11 * 3600, latest_start=12 * 3600, duration_s=lunch)
    fleet = tuple(
        Vehicle(
            id=f"v{k}",
            capacity=(round(capacity * 100),),
            start_location=depot,
            end_location=depot,
            shift=day,
            breaks=(lunch_break,),
            max_stops=max_stops,
            max_day_load=(round(day_total * 100),) if day_total < 9000 else None,
        )
        for k in range(vehicles)
    )
    problem = Problem(
        distance=dist,
        duration=dur,  # type: ignore[arg-type]  # a 2-D array indexes like nested sequences
        stops=tuple(stops),
        vehicles=fleet,
        facilities=tuple(facilities),
        name=path.stem,
    )
    return Kim(name=path.stem, problem=problem)


@dataclass(frozen=True, slots=True)
class Reload:
    """A multi-trip VRPTW instance with reloads at the depot (VRPLIB with extra sections)."""

    name: str
    coords: list[tuple[float, float]]
    demand: list[int]
    windows: list[tuple[int, int]]
    release: list[int]
    service: int
    capacity: int
    vehicles: int
    bks: int

    def matrix(self) -> list[list[int]]:
        """Euclidean distance truncated to one decimal, times ten (the instances' convention)."""
        n = len(self.coords)
        return [
            [math.floor(10 * math.dist(self.coords[i], self.coords[j])) for j in range(n)]
            for i in range(n)
        ]


def read_reload(path: Path) -> Reload:
    """Read an MTVRPTWR instance; times are scaled by ten like the distances."""
    header: dict[str, str] = {}
    sections: dict[str, list[list[str]]] = {}
    section = ""
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line == "EOF":
            continue
        if line.endswith("SECTION"):
            section = line
            sections[section] = []
            continue
        if ":" in line and not section:
            key, value = line.split(":", 1)
            header[key.strip()] = value.strip()
            continue
        sections.setdefault(section, []).append(line.split())
    sol = path.with_suffix(".sol").read_text()
    cost = re.search(r"Cost\s*:?\s*(\d+)", sol)
    return Reload(
        name=path.stem,
        coords=[(float(r[1]), float(r[2])) for r in sections["NODE_COORD_SECTION"]],
        demand=[int(r[1]) for r in sections["DEMAND_SECTION"]],
        windows=[(10 * int(r[1]), 10 * int(r[2])) for r in sections["TIME_WINDOW_SECTION"]],
        release=[10 * int(r[1]) for r in sections.get("RELEASE_TIME_SECTION", [])],
        service=10 * int(header.get("SERVICE_TIME", "0")),
        capacity=int(header["CAPACITY"]),
        vehicles=int(header["VEHICLES"]),
        bks=int(cost.group(1)) if cost else 0,
    )


def reload_problem(inst: Reload) -> Problem:
    """The instance as a Problem: reloading is an unload at a facility placed on the depot.

    A client's release time (its goods reach the depot then) is the stop's ``release_s``: the trip
    that serves it leaves the depot no earlier. Every trip ends at the reload point, which costs
    nothing extra because it is the depot itself.
    """
    dist = inst.matrix()
    stops = tuple(
        Stop(
            id=str(i),
            location=i,
            demand=(inst.demand[i],),
            service_s=inst.service,
            window=Window(*inst.windows[i]),
            release_s=inst.release[i] if inst.release else 0,
        )
        for i in range(1, len(inst.coords))
    )
    fleet = tuple(
        Vehicle(
            id=f"v{k}",
            capacity=(inst.capacity,),
            start_location=0,
            end_location=0,
            shift=Window(*inst.windows[0]),
        )
        for k in range(inst.vehicles)
    )
    reload_site = (Facility(id="reload", location=0, unload_s=0),)
    return Problem(dist, dist, stops, fleet, reload_site, name=inst.name)
