"""Variants of the capacity advice on the twin: which sizing rule leaves the least overflow.

    .venv/bin/python bench/twin/advice_variants.py --seed 7 --weeks 4 --variants best,worst,crane

Runs the sensor-driven product once (as ``twin.compare`` does), then for each variant takes the
product's advice on its readings (at most 10 % of the containers, each container's wait from the
product's service days) and runs the product again on the city so changed. Variants:

- ``best``: the product's default (a visit at the best hour of the shift on the busiest day);
- ``worst``: sized for a visit at the worst hour of the shift (the route, not the bin, sets it);
- ``mean``: for the mean over the shift's hours;
- ``crane``: the default, and underground and glass containers may get an extra container too;
- ``worst+crane``: both;
- ``areas=A/B/...``: the default sizing, the containers of areas A, B, ... ranked first (every
  one of them the product would advise, then the rest by overflow): whole villages upgraded so
  that their service days suffice, in place of the worst-overflowing containers;
- ``cost=EUR``: the default sizing, ranked by the cost each container caused in the product's
  run: its hours read full times the overflow knob, plus ``EUR`` for every time it was emptied
  on a day its area is not served (an off-day visit, a detour or a trip of its own; emptyings
  read from its sensor's fill cycles, as the forecast cuts them);
- ``street240``, ``street240=A/B/...``: no advice; every street bin under 240 l (of areas A, B,
  ...) made 240 l, whatever the share: how far capacity alone takes the product.

``--share`` applies the advice to that share of the containers (default: the twin's 10 %).

``--knob`` (and ``--visits``, at most that many service days a week for an area not served
daily) runs the product and every variant with that overflow cost (euro per hour), so the advice
comes from the product's run at that knob value (``nettestad compare --curve`` applies the advice
from the default-knob run at every knob value).

Prints each variant's kilometres and overflow bin-hours (four weeks after three warm-up days).
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import os
from collections.abc import Callable, Mapping
from datetime import datetime
from unittest import mock

from routing import advice, longest_wait_h, service_of
from routing.forecast import BRUSSELS, HOURS_PER_WEEK, ForecastParams, fill_cycles
from routing.horizon import ServiceCalendar
from twin.city import BinSite, City, build_city
from twin.compare import (
    ADVICE_SHARE,
    DEPTH_MM,
    WINDOWS,
    CompareParams,
    product,
    run_policy,
    upgraded,
)
from twin.policies import Observations, SensorProduct

Sizing = Callable[[advice.BinRates, advice.AdviceParams], float]


def _over_shift(pick: Callable[[list[float]], float]) -> Sizing:
    def litres(rates: advice.BinRates, params: advice.AdviceParams) -> float:
        first, last = params.shift_hours
        per_hour = rates.litres_per_hour
        worst = 0.0
        for day in range(7):
            totals = [
                sum(
                    per_hour[(day * 24 + hour + k) % HOURS_PER_WEEK]
                    for k in range(params.visit_interval_h)
                )
                for hour in range(first, last)
            ]
            worst = max(worst, pick(totals))
        return worst * (1 + params.z * rates.daily_cv)

    return litres


SIZING: dict[str, Sizing] = {
    "best": advice.litres_between_visits,
    "worst": _over_shift(max),
    "mean": _over_shift(lambda xs: sum(xs) / len(xs)),
}
STREET_TYPES = advice.AdviceParams().container_types


def off_day_emptyings(
    readings: list[tuple[datetime, float | None]],
    *,
    calendar: ServiceCalendar,
    service: str,
    area: str,
) -> int:
    """How often a container was emptied on a day its area is not served, read from its
    sensor: a fill cycle that starts ``empty_drop`` below where the one before it ended."""
    drop = ForecastParams().empty_drop
    cycles = fill_cycles(readings)
    return sum(
        1
        for before, after in itertools.pairwise(cycles)
        if after[0][1] < before[-1][1] - drop
        and not calendar.serves(service, area, after[0][0].astimezone(BRUSSELS).date())
    )


def _by_cost(
    found: list[advice.Upgrade],
    *,
    visit_eur: float,
    knob: float,
    sites: Mapping[str, BinSite],
    observations: Observations,
    calendar: ServiceCalendar,
) -> list[advice.Upgrade]:
    """The advised containers, the most costly first: the hours each read full times the
    overflow knob, plus ``visit_eur`` for every emptying on a day its area is not served."""

    def caused(u: advice.Upgrade) -> float:
        site = sites[u.bin_id]
        visits = off_day_emptyings(
            [(t, v) for t, v, _ in observations.bins[u.bin_id].points],
            calendar=calendar,
            service=service_of(site.container_type),
            area=site.district,
        )
        return u.overflow_hours_seen * knob + visits * visit_eur

    return sorted(found, key=lambda u: (-caused(u), u.bin_id))


def _street240(name: str, city: City, params: CompareParams) -> None:
    """Run the product with every street bin under 240 l (of the named areas) made 240 l."""
    areas = set(name.removeprefix("street240=").split("/")) if "=" in name else None
    bigger = {
        s.bin_id: (240, DEPTH_MM[240])
        for s in city.bins
        if s.container_type == "street_bin"
        and s.volume_l < 240
        and (areas is None or s.district in areas)
    }
    result = run_policy(upgraded(city, bigger), params, product(params), name=name)
    t = result.totals()
    print(
        f"{name}: {t['km']:.0f} km / {t['overflow_bin_hours']:.0f} bin-h "
        f"({len(bigger)} street bins made 240 l)",
        flush=True,
    )


def main() -> None:
    """Run the product, then its advice arm under each variant."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--weeks", type=int, default=4)
    parser.add_argument("--window", default="autumn", choices=sorted(WINDOWS))
    parser.add_argument("--variants", default="best,worst,mean,crane,worst+crane")
    parser.add_argument("--knob", type=float, help="overflow cost, EUR/h (default: the product's)")
    parser.add_argument("--visits", type=int, help="service days a week (default: the product's)")
    parser.add_argument(
        "--share", type=float, default=ADVICE_SHARE, help="share of the containers advised"
    )
    args = parser.parse_args()
    print(f"load average at start: {os.getloadavg()[0]:.1f}", flush=True)
    params = CompareParams(weeks=args.weeks, seed=args.seed, first_day=WINDOWS[args.window])
    if args.knob is not None:
        params = dataclasses.replace(
            params, horizon=dataclasses.replace(params.horizon, overflow_eur_per_h=args.knob)
        )
    params = dataclasses.replace(params, max_visits=args.visits)
    city = build_city(seed=args.seed, bins=params.bins)
    seen: list[Observations] = []
    made: list[SensorProduct] = []
    base = run_policy(city, params, product(params, made), on_observations=seen.append)
    observations, calendar = seen[0], made[0].calendar
    assert calendar is not None
    totals = base.totals()
    print(f"sensor-driven: {totals['km']:.0f} km / {totals['overflow_bin_hours']:.0f} bin-h")
    sites = {s.bin_id: s for s in city.bins}
    waits = {
        s.bin_id: longest_wait_h(calendar, service=service_of(s.container_type), area=s.district)
        for s in city.bins
    }
    cap = int(args.share * len(city.bins) + 1e-9)
    original = advice.litres_between_visits
    for name in args.variants.split(","):
        if name.startswith("street240"):
            _street240(name, city, params)
            continue
        first = (
            frozenset(name.removeprefix("areas=").split("/"))
            if name.startswith("areas=")
            else frozenset()
        )
        sizing = SIZING.get(name.split("+")[0], original)
        types = STREET_TYPES + (("underground", "glass") if "crane" in name else ())
        rates = [
            advice.rates_from_readings(
                s.bin_id,
                s.volume_l,
                [(t, v) for t, v, _ in observations.bins[s.bin_id].points],
                container_type=s.container_type,
            )
            for s in city.bins
            if observations.bins.get(s.bin_id) and observations.bins[s.bin_id].points
        ]
        # advise_bin sizes through this function
        with mock.patch.object(advice, "litres_between_visits", sizing):
            found = advice.advise(rates, advice.AdviceParams(container_types=types), waits_h=waits)
        found = sorted(found, key=lambda u: sites[u.bin_id].district not in first)
        if name.startswith("cost="):
            found = _by_cost(
                found,
                visit_eur=float(name.removeprefix("cost=")),
                knob=params.horizon.overflow_eur_per_h,
                sites=sites,
                observations=observations,
                calendar=calendar,
            )
        found = found[:cap]
        upgrades = {
            u.bin_id: (u.capacity_l, DEPTH_MM.get(u.new_volume_l, sites[u.bin_id].depth_mm))
            for u in found
        }
        result = run_policy(upgraded(city, upgrades), params, product(params), name=name)
        t = result.totals()
        crane = sum(1 for u in found if sites[u.bin_id].container_type != "street_bin")
        added = sum(u.capacity_l - u.current_l for u in found)
        print(
            f"{name}: {t['km']:.0f} km / {t['overflow_bin_hours']:.0f} bin-h "
            f"({len(found)} containers, {crane} of the crane's, +{added} l)",
            flush=True,
        )
    print(f"load average at end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
