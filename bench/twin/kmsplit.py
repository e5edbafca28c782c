"""Where the kilometres go: every arm's morning plans split per service, weekday, leg and area.

    .venv/bin/python bench/twin/kmsplit.py --weeks 1 --seed 7 --window autumn

Runs the arms of ``twin.compare`` and splits the kilometres of each morning plan's routes
(the same-day re-plans are left out) by service (street crews, crane truck), by weekday, by leg
(from or to the depot, to or from a disposal site, between two stops of one area, between
areas) and by the area a leg ends in. Prints one table per arm.
"""

from __future__ import annotations

import argparse
import importlib
import itertools
from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from typing import Any

from twin.city import build_city
from twin.planning import DayPlan

tc = importlib.import_module("twin.compare")  # the module (``twin.compare`` is also a function)

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def split(plans: Sequence[DayPlan], area_of: dict[str, str], first: date) -> dict[str, float]:
    """Kilometres by key ``what:value``, over the plans from ``first``."""
    out: dict[str, float] = defaultdict(float)
    for plan in plans:
        if plan.day < first:
            continue
        for service in plan.services:
            svc = "crane" if "glass" in service.trucks[0].serves else "street"
            problem = service.problem
            facilities = {f.location for f in problem.facilities}
            stop_area = {
                problem.stops[i].location: area_of.get(r.ref, "dump")
                for i, r in enumerate(service.requests)
            }
            for route in service.solution.routes:
                if not route.visits:
                    continue
                out[f"shifts:{svc}"] += 1
                out[f"stops:{svc}"] += sum(1 for v in route.visits if v.kind.value == "stop")
                places = [0, *(v.location for v in route.visits), 0]
                for a, b in itertools.pairwise(places):
                    km = problem.distance[a][b] / 1000
                    if a == 0 or b == 0:
                        leg = "depot"
                    elif a in facilities or b in facilities:
                        leg = "disposal"
                    elif stop_area[a] == stop_area[b]:
                        leg = "in-area"
                    else:
                        leg = "between areas"
                    out["total"] += km
                    out[f"service:{svc}"] += km
                    out[f"day:{WEEKDAYS[plan.day.weekday()]}:{svc}"] += km
                    out[f"leg:{svc}:{leg}"] += km
                    if b not in facilities and b != 0:
                        out[f"area:{svc}:{stop_area[b]}"] += km
    return out


def main() -> None:
    """Run the arms and print the split."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weeks", type=int, default=1)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--window", default="autumn")
    parser.add_argument("--arms", default=",".join(tc.ARMS))
    args = parser.parse_args()
    params = tc.CompareParams(weeks=args.weeks, seed=args.seed, first_day=tc.WINDOWS[args.window])
    city = build_city(seed=params.seed, bins=params.bins)
    area_of = {b.bin_id: b.district for b in city.bins}
    plans: list[DayPlan] = []
    plan_day, run_policy = tc.plan_day, tc.run_policy

    def recording(*a: Any, **k: Any) -> DayPlan:
        p: DayPlan = plan_day(*a, **k)
        plans.append(p)
        return p

    def fresh(*a: Any, **k: Any) -> Any:
        plans.clear()  # the advice arm runs the product first: keep only the last run
        return run_policy(*a, **k)

    setattr(tc, "plan_day", recording)  # noqa: B010 - patch the module the arms run in
    setattr(tc, "run_policy", fresh)  # noqa: B010
    for arm in args.arms.split(","):
        result = tc.run_arm(arm, params)
        t = result.totals()
        km = split(plans, area_of, params.first_day)
        print(
            f"\n== {arm}: {t['km']:.0f} km driven, {t['overflow_bin_hours']:.0f} bin-h, "
            f"{t['shifts']:.0f} shifts; morning plans {km['total']:.0f} km",
            flush=True,
        )
        for key in sorted(km):
            if key != "total":
                print(f"  {key:<34} {km[key]:8.1f}")


if __name__ == "__main__":
    main()
