"""Capacity advice on the city twin: which bins it names, and how much overflow the advice removes.

The twin's city (``--bins`` containers, seed ``--seed``) runs two weeks with every container
emptied once a day at 10:00 (the most the service affords) and the sensors' real flaws (noise,
no echo, false echoes, uneven surfaces, stuck and dead sensors). From those readings the product's
advice (``routing.advice``, default parameters: one visit a day) names the bins to enlarge or
double. Then the next two weeks run twice, from the same seed: with today's containers and with
the advice applied. Printed: bins advised (and of which place types), overflow bin-hours in the
second fortnight without and with the advice, and the share of bins changed.

    .venv/bin/python -m bench.routing.capacity_advice --bins 300 --seed 7
"""

from __future__ import annotations

import argparse
import collections
import dataclasses
import os
import time
from datetime import UTC, date, datetime, timedelta

from routing.advice import AdviceParams, Upgrade, advise, rates_from_readings
from routing.forecast import BRUSSELS, Reading
from twin.city import City, build_city
from twin.world import World, WorldParams

FIRST_DAY = date(2026, 9, 7)  # a Monday in term time
EMPTY_AT = 10  # local hour of the daily visit


def _run(
    city: City, seed: int, days: int, start: datetime
) -> tuple[World, dict[str, list[Reading]]]:
    """``days`` days of litter, sensors and one emptying a day; the readings per bin."""
    world = World(
        city,
        params=WorldParams(seed=seed, measure_every=timedelta(hours=1), report_every=1),
        start=start,
    )
    device_bin = {b.device_id: b.bin_id for b in city.bins}
    readings: dict[str, list[Reading]] = collections.defaultdict(list)
    while world.clock < start + timedelta(days=days):
        for batch in world.step().batches:
            for r in batch.readings:
                readings[device_bin[batch.device_id]].append((r.ts, r.filling_level))
        if world.clock.astimezone(BRUSSELS).hour == EMPTY_AT:
            for bin_id in world.states:
                world.empty(bin_id, world.clock)
    return world, readings


def _applied(city: City, upgrades: list[Upgrade]) -> City:
    """The city with each advised bin's capacity changed (extra bins as one larger capacity)."""
    by_bin = {u.bin_id: u for u in upgrades}
    bins = tuple(
        dataclasses.replace(b, volume_l=by_bin[b.bin_id].capacity_l) if b.bin_id in by_bin else b
        for b in city.bins
    )
    return dataclasses.replace(city, bins=bins)


def main() -> None:
    """Advise from two weeks of readings, then measure the next two weeks with and without it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bins", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--max-share", type=float, default=1.0, help="advise at most this share")
    parser.add_argument(
        "--z", type=float, default=None, help="busy-day margin (default: the product's)"
    )
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    started = time.monotonic()
    city = build_city(seed=args.seed, bins=args.bins)
    start = datetime.combine(FIRST_DAY, datetime.min.time(), BRUSSELS).astimezone(UTC)
    _world, readings = _run(city, args.seed, 14, start)
    rates = [
        rates_from_readings(
            b.bin_id, b.volume_l, readings.get(b.bin_id, []), container_type=b.container_type
        )
        for b in city.bins
    ]
    params = AdviceParams(max_share=args.max_share)
    if args.z is not None:
        params = dataclasses.replace(params, z=args.z)
    upgrades = advise(rates, params)
    print(f"z = {params.z}, max_share = {params.max_share}")
    places = collections.Counter(
        next(b.place_type for b in city.bins if b.bin_id == u.bin_id) for u in upgrades
    )
    print(
        f"advised: {len(upgrades)} of {len(city.bins)} bins "
        f"({100 * len(upgrades) / len(city.bins):.1f} %), by place: {dict(places)}"
    )
    for u in upgrades[:10]:
        print(f"  {u.bin_id}: {u.advice_nl} ({u.litres_between_visits:.0f} l between visits)")
    later = start + timedelta(days=14)
    results = {}
    for name, town in (("today's containers", city), ("advice applied", _applied(city, upgrades))):
        world, _ = _run(town, args.seed, 14, later)
        results[name] = world.overflow_bin_hours()
        advised = {u.bin_id for u in upgrades}
        hot = sum(s.overflow_h for k, s in world.states.items() if k in advised)
        print(f"{name}: overflow {results[name]:,.0f} bin-h (advised bins: {hot:,.0f})")
    before, after = results["today's containers"], results["advice applied"]
    print(
        f"overflow with one visit a day: {before:,.0f} -> {after:,.0f} bin-h "
        f"({100 * (after - before) / before:+.0f} %) in {time.monotonic() - started:.0f} s"
    )
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
