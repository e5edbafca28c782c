"""Readers for the shared benchmark instances, turning each into a nettestad Problem."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

from routing.model import Break, Facility, Problem, Stop, Vehicle, Window

SHARED = Path(__file__).resolve().parents[3] / "shared" / "benchmarks"


@dataclass(frozen=True, slots=True)
class Cvrp:
    """A VRPLIB CVRP instance as read from disk."""

    name: str
    coords: list[tuple[float, float]]
    demand: list[int]
    capacity: int
    min_vehicles: int
    bks: int


def read_cvrplib(path: Path) -> Cvrp:
    """Read a ``.vrp`` file and the best-known cost from its ``.sol`` next to it."""
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
    sol = path.with_suffix(".sol").read_text()
    cost = re.search(r"Cost\s*:?\s*(\d+)", sol)
    match = re.search(r"-k(\d+)", path.stem)
    return Cvrp(
        name=path.stem,
        coords=coords,
        demand=demand,
        capacity=int(header["CAPACITY"]),
        min_vehicles=int(match.group(1)) if match else 1,
        bks=int(cost.group(1)) if cost else 0,
    )


def cvrp_problem(inst: Cvrp, *, vehicles: int) -> Problem:
    """The instance as a Problem: rounded Euclidean distances, one capacity, no time limits."""
    n = len(inst.coords)
    dist = [[round(math.dist(inst.coords[i], inst.coords[j])) for j in range(n)] for i in range(n)]
    zero = [[0] * n for _ in range(n)]
    stops = tuple(
        Stop(id=str(i), location=i, demand=(inst.demand[i],), service_s=0) for i in range(1, n)
    )
    fleet = tuple(
        Vehicle(
            id=f"v{k}",
            capacity=(inst.capacity,),
            start_location=0,
            end_location=0,
            shift=Window(0, 10),
        )
        for k in range(vehicles)
    )
    return Problem(distance=dist, duration=zero, stops=stops, vehicles=fleet, name=inst.name)


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
    coords = [(float(r[1]), float(r[2])) for r in rows]
    n = len(coords)
    feet_per_second = mph * 5280 / 3600
    dist = [[0] * n for _ in range(n)]
    dur = [[0] * n for _ in range(n)]
    for i in range(n):
        xi, yi = coords[i]
        row_d, row_t = dist[i], dur[i]
        for j in range(n):
            feet = abs(xi - coords[j][0]) + abs(yi - coords[j][1])
            row_d[j] = round(feet)
            row_t[j] = math.ceil(feet / feet_per_second)
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
        duration=dur,
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
