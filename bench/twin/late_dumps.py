"""The dumps a twin arm did not clear within 24 hours of appearing, and why.

    .venv/bin/python bench/twin/late_dumps.py --seed 7 --arm sensor-driven

Runs one arm of ``twin.compare`` (four weeks after the warm-up) and lists every dump of the
measured weeks cleared more than 24 hours after it appeared (or still open): when it appeared,
when the camera saw it (if it did), when a citizen reported it, when a crew passing by noted
it, and when it was cleared (Brussels time).
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime, timedelta

from twin.city import build_city
from twin.compare import PLAN_AT, WINDOWS, CompareParams, _local, product, run_policy
from twin.dumping import BRUSSELS
from twin.policies import FixedRound, Observations, Policy, category_round
from twin.world import World


def _at(t: datetime | None) -> str:
    return "-" if t is None else t.astimezone(BRUSSELS).strftime("%a %d %H:%M")


def main() -> None:
    """List the late dumps of one arm."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--weeks", type=int, default=4)
    parser.add_argument("--window", default="autumn", choices=sorted(WINDOWS))
    parser.add_argument(
        "--arm",
        default="sensor-driven",
        choices=("oracle round", "category round", "sensor-driven"),
    )
    args = parser.parse_args()
    params = CompareParams(weeks=args.weeks, seed=args.seed, first_day=WINDOWS[args.window])
    city = build_city(seed=args.seed, bins=params.bins)
    worlds: list[World] = []
    product_arm = product(params)

    def make(world: World, observations: Observations) -> Policy:
        worlds.append(world)
        if args.arm == "oracle round":
            return FixedRound(list(world.states.values()))
        if args.arm == "category round":
            return category_round(list(world.states.values()))
        return product_arm(world, observations)

    result = run_policy(city, params, make)
    totals = result.totals()
    print(
        f"{args.arm}, seed {args.seed}, {args.window}: "
        f"{100 * totals['dumps_within_24h']:.0f} % within 24 h of appearing, "
        f"{100 * totals['dumps_within_24h_of_known']:.0f} % of the city knowing; "
        f"{100 * totals['dumps_within_24h_judged']:.0f} % of those whose 24 h ran out in the run "
        f"({totals['dumps_not_judged']:.0f} not judged)"
    )
    end = _local(params.first_day + timedelta(days=7 * params.weeks), PLAN_AT)
    measured = _local(params.first_day, PLAN_AT).astimezone(UTC)
    for d in worlds[0].dumping.dumps:
        if d.appeared_at < measured:
            continue
        if d.cleared_at is not None and d.cleared_at - d.appeared_at <= timedelta(hours=24):
            continue
        hours = (
            "open"
            if d.cleared_at is None
            else f"{(d.cleared_at - d.appeared_at).total_seconds() / 3600:.1f} h"
        )
        judged = "" if d.appeared_at + timedelta(hours=24) <= end else " - not judged"
        print(
            f"{d.dump_id}: appeared {_at(d.appeared_at)}, camera {_at(d.camera_detected_at)}, "
            f"citizen {_at(d.citizen_report_at)}, crew {_at(d.found_by_crew_at)}, "
            f"cleared {_at(d.cleared_at)} ({hours}){judged}"
        )


if __name__ == "__main__":
    main()
