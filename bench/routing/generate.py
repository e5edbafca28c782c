"""Generated large waste-collection days in the Kim et al. (2006) format (see ../shared/README.md).

A day of ``stops`` stops over a 15 x 15 mile area, denser around a few town centres, one depot,
two landfills with opening hours, windows on a share of the stops, a one-hour lunch starting
11:00-12:00. The fleet it is published with follows from the day's work (service, driving
as long as a nearest-neighbour tour over all stops, trips to a landfill) in 90 % of the
fleet's hours, so a plan as good as that tour fits.

    .venv/bin/python bench/routing/generate.py --stops 2500 --seed 1 --out /tmp/gen_2500.txt
"""

from __future__ import annotations

import argparse
import math
import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np

MPH = 30
CAPACITY = 280.0  # yards
LUNCH_S = 3600
DAY = (400, 1800)  # depot window, HHMM
SIDE_FT = 15 * 5280


@dataclass(frozen=True, slots=True)
class Generated:
    """A generated instance: its text in the Kim format and the fleet it is published with."""

    name: str
    text: str
    vehicles: int


def _hhmm(seconds: int) -> str:
    return f"{seconds // 3600:02d}{seconds % 3600 // 60:02d}"


def kim_day(stops: int, *, seed: int = 1) -> Generated:
    """A day of ``stops`` stops; deterministic for a seed."""
    rng = random.Random(seed)
    centres = [(rng.uniform(0.2, 0.8) * SIDE_FT, rng.uniform(0.2, 0.8) * SIDE_FT) for _ in range(5)]
    depot = (SIDE_FT / 2, SIDE_FT / 2)
    rows = [f"0 {depot[0]:.2f} {depot[1]:.2f} {DAY[0]:04d} {DAY[1]:04d} 0 9999.00 0"]
    landfills = [(0.25 * SIDE_FT, 0.7 * SIDE_FT), (0.75 * SIDE_FT, 0.3 * SIDE_FT)]
    for k, (x, y) in enumerate(landfills, start=1):
        rows.append(f"{k} {x:.2f} {y:.2f} 0500 1730 1200 9999.00 2")
    service_total = 0
    load_total = 0.0
    points: list[tuple[float, float]] = []
    for i in range(stops):
        cx, cy = rng.choice(centres)
        spread = 0.12 * SIDE_FT
        x = min(max(rng.gauss(cx, spread), 0), SIDE_FT)
        y = min(max(rng.gauss(cy, spread), 0), SIDE_FT)
        service = rng.randint(30, 150)
        load = round(rng.uniform(0.5, 5.0), 2)
        opens, closes = 0, 24 * 3600
        draw = rng.random()
        if draw < 0.10:
            opens, closes = 7 * 3600, 11 * 3600  # mornings only (a market, a school street)
        elif draw < 0.18:
            opens, closes = 12 * 3600, 16 * 3600  # afternoons only
        service_total += service
        load_total += load
        points.append((x, y))
        rows.append(
            f"{len(landfills) + 1 + i} {x:.2f} {y:.2f} {_hhmm(opens)} {_hhmm(closes)} "
            f"{service} {load:.2f} 1"
        )
    # The day's work: service, driving as long as a nearest-neighbour tour over every stop, and a
    # round trip to the nearer landfill with its unload for every load.
    xy = np.asarray([depot, *points], dtype=np.float64)
    driving = _nearest_tour_ft(xy) / (MPH * 5280 / 3600)
    trips = math.ceil(load_total / CAPACITY)
    to_landfill = min(abs(depot[0] - x) + abs(depot[1] - y) for x, y in landfills)
    landfill = trips * (2 * to_landfill / (MPH * 5280 / 3600) + 1200)
    work = service_total + driving + landfill
    hours = (DAY[1] // 100 - DAY[0] // 100) * 3600 - LUNCH_S
    vehicles = math.ceil(work / (0.9 * hours))
    header = [
        f"{CAPACITY:.1f} \t// vehicle capacity (yards), real number",
        "9999.0 \t// total yardage allowed for a vehicle per day, real number",
        "9999 \t// total number of regular stops for a vehicle allowed per day",
        f"{LUNCH_S} \t// lunch time duration in second, 11:00-12:00",
        f"{MPH} \t// speed: MPH",
        "Stop_ID X(feet) Y(feet) Early Late Service(Sec) Load(Yards) Type",
    ]
    name = f"gen_{stops}_stop"
    return Generated(name=name, text="\n".join([*header, *rows]) + "\n", vehicles=vehicles)


def _nearest_tour_ft(xy: np.ndarray) -> float:
    """The Manhattan length of a nearest-neighbour tour from the first point over all others."""
    seen = np.zeros(len(xy), dtype=bool)
    seen[0] = True
    here, total = 0, 0.0
    for _ in range(len(xy) - 1):
        d = np.abs(xy[:, 0] - xy[here, 0]) + np.abs(xy[:, 1] - xy[here, 1])
        d[seen] = np.inf
        here = int(np.argmin(d))
        total += float(d[here])
        seen[here] = True
    return total


def main() -> None:
    """Write one generated day to a file and print its fleet."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--stops", type=int, default=2500)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    day = kim_day(args.stops, seed=args.seed)
    args.out.write_text(day.text)
    print(f"{args.out}: {args.stops} stops, published fleet {day.vehicles}")


if __name__ == "__main__":
    main()
