"""Where the advice arm's overflow is: the advised containers, the others the advice names, the rest.

    .venv/bin/python bench/twin/advice_overflow.py --seed 7 --window autumn

Runs the sensor-driven product and its advice arm as ``twin.compare`` does (the product's
advice on the product's readings, at most 10 % of the containers) and prints each container's
overflow hours in both runs (the whole run, the three warm-up days included), grouped: the
containers advised, those the advice names beyond the cap, and those it does not name (by
container type); then the containers that overflow longest with the advice.
"""

from __future__ import annotations

import argparse
from collections import defaultdict

from routing import advice, longest_wait_h, service_of
from twin.city import build_city
from twin.compare import WINDOWS, CompareParams, advised, product, run_policy, upgraded
from twin.policies import Observations, Policy, SensorProduct
from twin.world import World


def main() -> None:
    """Run the product and its advice arm; print where the overflow hours are."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--weeks", type=int, default=4)
    parser.add_argument("--window", default="autumn", choices=sorted(WINDOWS))
    parser.add_argument("--top", type=int, default=20)
    args = parser.parse_args()
    params = CompareParams(weeks=args.weeks, seed=args.seed, first_day=WINDOWS[args.window])
    city = build_city(seed=args.seed, bins=params.bins)
    worlds: list[World] = []
    made: list[SensorProduct] = []
    seen: list[Observations] = []
    arm = product(params, made)

    def make(world: World, observations: Observations) -> Policy:
        worlds.append(world)
        return arm(world, observations)

    base = run_policy(city, params, make, on_observations=seen.append)
    calendar = made[0].calendar
    assert calendar is not None
    ups = advised(seen[0], city, calendar=calendar)
    result = run_policy(upgraded(city, ups), params, make, name="sensor-driven + advice")
    before = {b: s.overflow_h for b, s in worlds[0].states.items()}
    after = {b: s.overflow_h for b, s in worlds[1].states.items()}
    for name, r in (("sensor-driven", base), ("+ advice", result)):
        t = r.totals()
        print(f"{name}: {t['km']:.0f} km / {t['overflow_bin_hours']:.0f} bin-h (measured weeks)")
    waits = {
        s.bin_id: longest_wait_h(calendar, service=service_of(s.container_type), area=s.district)
        for s in city.bins
    }
    rates = [
        advice.rates_from_readings(
            s.bin_id,
            s.volume_l,
            [(t, v) for t, v, _ in seen[0].bins[s.bin_id].points],
            container_type=s.container_type,
        )
        for s in city.bins
        if seen[0].bins.get(s.bin_id) and seen[0].bins[s.bin_id].points
    ]
    named = {u.bin_id: u for u in advice.advise(rates, waits_h=waits)}
    sites = {s.bin_id: s for s in city.bins}
    groups: dict[str, list[str]] = defaultdict(list)
    for b in sites:
        if b in ups:
            groups["advised"].append(b)
        elif b in named:
            groups["named beyond the cap"].append(b)
        else:
            groups[f"not named: {sites[b].container_type}"].append(b)
    print(f"overflow hours, the whole run: {sum(before.values()):.0f} -> {sum(after.values()):.0f}")
    for group, bins in sorted(groups.items()):
        print(
            f"  {group:<28} {len(bins):>3} containers: "
            f"{sum(before[b] for b in bins):>6.0f} -> {sum(after[b] for b in bins):>6.0f}"
        )
    print(f"the {args.top} containers overflowing longest with the advice:")
    for b in sorted(after, key=lambda x: -after[x])[: args.top]:
        s = sites[b]
        change = f"{ups[b][0]} l" if b in ups else ("named" if b in named else "-")
        print(
            f"  {b} {s.container_type} {s.place_type} {s.district} {s.volume_l} l "
            f"(wait {waits[b]} h): {before[b]:.0f} -> {after[b]:.0f} h, advice {change}"
        )


if __name__ == "__main__":
    main()
