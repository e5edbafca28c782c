"""Named tiny instances for the planner's tests: small enough to reason about by hand."""

from __future__ import annotations

import math
import random

from routing.model import Break, Facility, Problem, Stop, Vehicle, Window


def line(n: int) -> tuple[list[list[int]], list[list[int]]]:
    """Points on a line 1 km apart (location 0 is the depot); two minutes per km."""
    dist = [[abs(i - j) * 1000 for j in range(n)] for i in range(n)]
    dur = [[abs(i - j) * 120 for j in range(n)] for i in range(n)]
    return dist, dur


def two_trips() -> Problem:
    """Six bins of 40 l on a line, one 100 l truck: it must unload at the site (location 7) twice."""
    dist, dur = line(8)
    stops = tuple(Stop(f"b{i}", i, (40, 5), 60) for i in range(1, 7))
    truck = Vehicle("truck", (100, 1000), 0, 0, Window(6 * 3600, 14 * 3600))
    return Problem(dist, dur, stops, (truck,), (Facility("site", 7, 600),), name="two-trips")


def lunch_and_windows() -> Problem:
    """Bins with morning and afternoon windows, and a 30-minute break between 11:00 and 12:00."""
    dist, dur = line(6)
    stops = (
        Stop("market", 1, (10,), 300, Window(6 * 3600, 7 * 3600)),
        Stop("school", 2, (10,), 300, Window(12 * 3600, 13 * 3600)),
        Stop("park", 3, (10,), 300),
        Stop("station", 4, (10,), 300, Window(10 * 3600 + 1800, 11 * 3600 + 1800)),
    )
    truck = Vehicle(
        "truck",
        (100,),
        0,
        0,
        Window(6 * 3600, 15 * 3600),
        breaks=(Break(11 * 3600, 12 * 3600, 1800),),
    )
    return Problem(dist, dur, stops, (truck,), (Facility("site", 5, 600),), name="lunch")


def too_much() -> Problem:
    """More must-visit load than the day allows, an unreachable window, and a cheap optional bin."""
    dist, dur = line(6)
    stops = (
        Stop("huge", 1, (500,), 60),  # larger than the truck
        Stop("late", 2, (10,), 60, Window(20 * 3600, 21 * 3600)),  # after the shift
        Stop("far-optional", 5, (10,), 60, penalty=1),  # worth less than the drive
        Stop("easy", 1, (10,), 60),
    )
    truck = Vehicle("truck", (100,), 0, 0, Window(6 * 3600, 14 * 3600))
    return Problem(dist, dur, stops, (truck,), name="too-much")


def scattered_bins(n: int = 40, seed: int = 3) -> Problem:
    """Bins scattered over a 10 km square, four 100 l trucks, capacities only (no site, no window)."""
    rng = random.Random(seed)
    points = [(5000.0, 5000.0)] + [(rng.uniform(0, 1e4), rng.uniform(0, 1e4)) for _ in range(n)]
    dist = [[round(math.dist(a, b)) for b in points] for a in points]
    dur = [[d // 10 for d in row] for row in dist]  # 36 km/h
    stops = tuple(Stop(f"b{i}", i, (rng.randint(5, 20),), 60) for i in range(1, n + 1))
    trucks = tuple(
        Vehicle(f"truck-{k}", (150,), 0, 0, Window(0, 48 * 3600), fixed_cost=1000) for k in range(5)
    )
    return Problem(dist, dur, stops, trucks, name="scattered")


def trips_and_lunch(n: int = 60, seed: int = 4) -> Problem:
    """Bins over a 10 km square, two 200 l trucks that unload several times at one of two sites,
    morning and midday windows on some bins, and a 30-minute lunch starting 11:00-12:00."""
    rng = random.Random(seed)
    points = [(5000.0, 5000.0), (500.0, 9000.0), (9500.0, 1500.0)]
    points += [(rng.uniform(0, 1e4), rng.uniform(0, 1e4)) for _ in range(n)]
    dist = [[round(abs(a[0] - b[0]) + abs(a[1] - b[1])) for b in points] for a in points]
    dur = [[d // 8 for d in row] for row in dist]  # about 29 km/h
    stops = []
    for i in range(3, n + 3):
        window = Window(0, 48 * 3600)
        if i % 7 == 0:
            window = Window(6 * 3600, 9 * 3600)
        elif i % 11 == 0:
            window = Window(11 * 3600, 13 * 3600)
        stops.append(Stop(f"b{i}", i, (rng.randint(10, 40),), 120, window))
    lunch = (Break(11 * 3600, 12 * 3600, 1800),)
    trucks = tuple(
        Vehicle(f"truck-{k}", (200,), 0, 0, Window(6 * 3600, 16 * 3600), breaks=lunch)
        for k in range(2)
    )
    sites = (Facility("north", 1, 600), Facility("south", 2, 600, Window(7 * 3600, 15 * 3600)))
    return Problem(dist, dur, tuple(stops), trucks, sites, name="trips-and-lunch")


def late_loads() -> Problem:
    """Six 40 l containers on a line to set out from the yard (location 0, also where the 100 l
    truck reloads); two of them only reach the yard at 9:00, so the trips that carry them wait."""
    dist, dur = line(7)
    stops = tuple(
        Stop(f"c{i}", i, (40,), 60, release_s=9 * 3600 if i in {2, 5} else 0) for i in range(1, 7)
    )
    truck = Vehicle("truck", (100,), 0, 0, Window(6 * 3600, 14 * 3600))
    return Problem(dist, dur, stops, (truck,), (Facility("yard", 0, 300),), name="late-loads")
