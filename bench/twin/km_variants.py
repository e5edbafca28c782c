"""Kilometres of the sensor-driven product on the twin: variants of its calendar and prizes.

    .venv/bin/python bench/twin/km_variants.py --seeds 7,11 --variants default,knob0.101,visits3

Runs the sensor-driven product (``twin.compare``'s arm, the product's defaults) with one change
each, and prints kilometres, overflow bin-hours, shifts and collections (four weeks after the
warm-up), with each run's change against ``default`` and its distance from the knob's curve:
``10 * Δkm + Δoverflow`` (the knob ``overflow_eur_per_h`` trades about 10 overflow bin-hours per
km; a change that moves the curve itself gives a clearly negative figure on every seed).

Parameters of the product (``HorizonParams``, ``routing.servicedays.propose``):

- ``default``; ``knob0.101``, ``visit12.1``: the knob 1 % higher, the separate visit 0.8 %
  dearer (how far a tiny change moves a four-week run);
- ``knob0.05``, ``knob0.05pull0.8``: the knob halved (and pull-forward from 80 %);
- ``visit24``: a separate visit at 24 € (more pulled forward on service days);
- ``pull0.8``: pull forward what might pass 80 % (not 90 %) before the next service day;
- ``visits3``, ``visits1``: at most three (one) service days a week for an area not served
  daily (the third in the middle of the longer wait between its sector's two days);
- ``visits3knob0.05``: at most three days and the knob halved;
- ``daily0.6``: an area is served daily when more than 60 % (not 34 %) of its bins fill in
  two days.

Changes of the policy's rules (a patch of ``routing.horizon``'s functions for the run):

- ``nooff``: no off-day prizes at all (the slope of the off-day trips);
- ``offdue1.5``: on an off-day a container that would be a must-visit on its area's next
  service day (and is half full) is offered at 1.5 €, so an off-day trip can take it;
- ``dailyprize``: in an area served daily, an optional container's prize is the overflow it
  may have until tomorrow's visit (its chance of overflowing times 12 h times the knob), not the
  separate visit's price;
- ``repropose7``: the periodic plan proposed again every seven days from the readings then;
- ``share``: off-day trips planned over the days before an area's next service day: the day's
  off-day choices of an area are compared with one later off-day visit (the overflow all its
  containers would avoid, times the knob, less a trip there and back from the nearest area
  served that day, at 1.2 €/km); when a later visit pays on its own and beats today's, each
  container's prize today is only the overflow a visit today avoids beyond that later visit
  (dropped when none);
- ``sharenear3``, ``sharenear5``: the same, deferred to the first later day a crew serves an
  area within 3 (5) road km, whether or not that visit pays on its own;
- ``shareside``: as ``share``, for all areas with the same service days (one side of the city)
  together, the trip priced to the farthest of them with overflow to avoid;
- ``nocraneoff``: no off-day prizes for the crane truck's containers (what they buy now);
- ``cranetwice``: the crane truck on Tuesday and Friday everywhere;
- ``cranearea``: the crane's second day (Friday) only for an area where a crane container would
  fill up within half a week.

``--advice`` runs every variant on the city with the capacity advice applied (the upgrades
advised from the default run, as ``twin.compare``'s advice arm).
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import math
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from datetime import date, datetime, timedelta
from typing import Any
from unittest import mock

from routing import horizon, servicedays
from routing.horizon import (
    HORIZON,
    Choice,
    HorizonParams,
    Outlook,
    ServiceCalendar,
    service_of,
)
from routing.selection import normal_cdf
from twin import policies
from twin.city import build_city
from twin.compare import WINDOWS, CompareParams, advice_of, product, run_policy, upgraded

Patch = Callable[[], Any]

PARAMS: dict[str, HorizonParams] = {
    "knob0.101": dataclasses.replace(HORIZON, overflow_eur_per_h=0.101),
    "visit12.1": dataclasses.replace(HORIZON, separate_visit_eur=12.1),
    "knob0.05": dataclasses.replace(HORIZON, overflow_eur_per_h=0.05),
    "knob0.05pull0.8": dataclasses.replace(HORIZON, overflow_eur_per_h=0.05, pull_level=0.8),
    "visit24": dataclasses.replace(HORIZON, separate_visit_eur=24.0),
    "pull0.8": dataclasses.replace(HORIZON, pull_level=0.8),
    "visits3knob0.05": dataclasses.replace(HORIZON, overflow_eur_per_h=0.05),
}


def _crane_by_area(share: float) -> Callable[..., horizon.ServiceCalendar]:
    """``propose`` with the crane truck's second day (Friday) for every area where more than
    ``share`` of its crane containers would fill up within half a week (``share`` 0: any one)."""

    def propose(needs: Any, **kw: Any) -> horizon.ServiceCalendar:
        needs = list(needs)
        found = servicedays.propose(needs, **kw)
        fills: dict[str, list[float]] = {}
        for n in needs:
            if service_of(n.container_type) == horizon.CRANE:
                fills.setdefault(n.area, []).append(n.fill_per_day)
        days = dict(found.weekdays)
        for area, f in fills.items():
            if sum(1 for x in f if x * 3.5 >= 1.0) > share * len(f):
                days[(horizon.CRANE, area)] = servicedays.CRANE_DAYS[2]
        return ServiceCalendar(days)

    return propose


PROPOSE: dict[str, Callable[..., horizon.ServiceCalendar]] = {
    "cranetwice": functools.partial(servicedays.propose, max_visits=2),
    "cranearea": _crane_by_area(0.0),
    "visits3": functools.partial(servicedays.propose, max_visits=3),
    "visits3knob0.05": functools.partial(servicedays.propose, max_visits=3),
    "visits1": functools.partial(servicedays.propose, max_visits=1),
    "daily0.6": functools.partial(servicedays.propose, daily_share=0.6),
}
_OFF_DAY = horizon._off_day
_ON_DAY = horizon._on_service_day


def _off_due(o: Outlook, path: Any, **kw: Any) -> Choice | None:
    found = _OFF_DAY(o, path, **kw)
    if found is not None or kw["horizon"] - kw["visit"] <= timedelta(days=1):
        return found
    after = kw["horizon"] + timedelta(days=3)
    longer = horizon._Path(o, after + timedelta(hours=1))
    if longer.at(after) >= 1.0 and kw["today"] >= 0.5:
        return Choice(o.bin_id, False, 1.5, kw["today"], o.flag)
    return None


def _daily_prize(o: Outlook, path: Any, **kw: Any) -> Choice | None:
    found = _ON_DAY(o, path, **kw)
    if found is None or found.must or kw["horizon"] - path.start > timedelta(days=1, hours=12):
        return found
    p_over = normal_cdf((kw["later"] - 1.0) / path.spread(kw["later"], kw["horizon"], o.level))
    prize = p_over * 12 * kw["params"].overflow_eur_per_h
    return Choice(o.bin_id, False, prize, found.expected_level, o.flag)


# Where each area lies (mean of its containers), set per city by ``main``.
CENTRES: dict[str, tuple[float, float]] = {}
_CHOOSE = horizon.choose


def _road_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    north = (a[0] - b[0]) * 111.32
    east = (a[1] - b[1]) * 111.32 * math.cos(math.radians(a[0]))
    return math.hypot(north, east) * 1.35


def _trip_eur(calendar: ServiceCalendar, service: str, area: str, day: date) -> float:
    here = CENTRES.get(area)
    if here is None:
        return 0.0
    near = [
        _road_km(here, there)
        for other, there in CENTRES.items()
        if other != area and calendar.serves(service, other, day)
    ]
    return 2 * min(near) * 1.2 if near else 0.0


def _avoided(o: Outlook, path: horizon._Path, visit: datetime, until: datetime) -> float:
    emptied = horizon._Path(o, until + timedelta(hours=1), emptied=visit)
    return path.hours_above(1.0, visit, until) - emptied.hours_above(1.0, visit, until)


Group = list[tuple[int, Outlook, horizon._Path, datetime]]


def _share_trip(
    out: list[Choice],
    group: Group,
    *,
    visit: datetime,
    calendar: ServiceCalendar,
    params: HorizonParams,
    near_km: float,
) -> set[int]:
    horizon_at = max(h for _, _, _, h in group)
    service = service_of(group[0][1].container_type)
    tomorrow = visit + timedelta(days=1)
    later = [
        visit + timedelta(days=k) for k in range(1, 7) if visit + timedelta(days=k) < horizon_at
    ]
    if not later:
        return set()
    avoided = {
        when: [
            _avoided(o, path, when, max(h, tomorrow) if when == visit else h) if when < h else 0.0
            for _, o, path, h in group
        ]
        for when in [visit, *later]
    }

    def worth(when: datetime) -> float:
        areas = {g[1].area for g, a in zip(group, avoided[when], strict=True) if a > 0}
        trip = max((_trip_eur(calendar, service, x, when.date()) for x in areas), default=0.0)
        return sum(avoided[when]) * params.overflow_eur_per_h - trip

    area = group[0][1].area
    if near_km > 0:
        near = 2 * near_km * 1.2
        if _trip_eur(calendar, service, area, visit.date()) <= near:
            return set()
        cheap = [w for w in later if 0 < _trip_eur(calendar, service, area, w.date()) <= near]
        if not cheap:
            return set()
        best = cheap[0]
    else:
        best = max(later, key=worth)
        if worth(best) <= max(worth(visit), 0.0):
            return set()
    dropped: set[int] = set()
    for (i, _, _, _), now, then in zip(group, avoided[visit], avoided[best], strict=True):
        if now - then <= 0:
            dropped.add(i)
        else:
            c = out[i]
            prize = (now - then) * params.overflow_eur_per_h
            out[i] = Choice(c.bin_id, c.must, prize, c.expected_level, c.flag)
    return dropped


def _shared(*, near_km: float = 0.0, by_side: bool = False) -> Callable[..., list[Choice]]:
    def choose(
        outlooks: list[Outlook], *, day: date, calendar: ServiceCalendar, params: HorizonParams
    ) -> list[Choice]:
        out = _CHOOSE(outlooks, day=day, calendar=calendar, params=params)
        index = {c.bin_id: i for i, c in enumerate(out)}
        visit = horizon._visit(day, params.visit_at)
        tomorrow = visit + timedelta(days=1)
        groups: dict[tuple[str, str], Group] = {}
        for o in outlooks:
            service = service_of(o.container_type)
            if o.bin_id not in index or calendar.serves(service, o.area, day):
                continue
            nxt = calendar.next_day(service, o.area, day)
            h = horizon._visit(nxt, params.visit_at) if nxt else visit + timedelta(days=7)
            path = horizon._Path(o, max(h, tomorrow) + timedelta(hours=1))
            days = str(sorted(calendar.weekdays.get((service, o.area), ())))
            key = (service, days if by_side else o.area)
            groups.setdefault(key, []).append((index[o.bin_id], o, path, h))
        dropped: set[int] = set()
        for group in groups.values():
            dropped |= _share_trip(
                out, group, visit=visit, calendar=calendar, params=params, near_km=near_km
            )
        return [c for i, c in enumerate(out) if i not in dropped]

    return choose


@contextmanager
def _repropose(days: int) -> Iterator[None]:
    plan_calendar = policies.SensorProduct.plan_calendar
    since: dict[int, datetime] = {}

    def again(self: policies.SensorProduct, now: datetime) -> horizon.ServiceCalendar:
        if self.calendar is not None and now - since.get(id(self), now) >= timedelta(days=days):
            self.calendar = None
        had = self.calendar is not None
        calendar = plan_calendar(self, now)
        if not had and self.calendar is not None:
            since[id(self)] = now
        return calendar

    with mock.patch.object(policies.SensorProduct, "plan_calendar", again):
        yield


def _street_off_day(o: Outlook, path: Any, **kw: Any) -> Choice | None:
    return None if service_of(o.container_type) == horizon.CRANE else _OFF_DAY(o, path, **kw)


PATCHES: dict[str, Patch] = {
    "nocraneoff": lambda: mock.patch("routing.horizon._off_day", _street_off_day),
    "cranetwice": lambda: mock.patch.dict(servicedays.CRANE_DAYS, {1: frozenset({1, 4})}),
    "nooff": lambda: mock.patch("routing.horizon._off_day", return_value=None),
    "offdue1.5": lambda: mock.patch("routing.horizon._off_day", _off_due),
    "dailyprize": lambda: mock.patch("routing.horizon._on_service_day", _daily_prize),
    "repropose7": lambda: _repropose(7),
    "share": lambda: mock.patch("twin.policies.choose", _shared()),
    "sharenear3": lambda: mock.patch("twin.policies.choose", _shared(near_km=3.0)),
    "sharenear5": lambda: mock.patch("twin.policies.choose", _shared(near_km=5.0)),
    "shareside": lambda: mock.patch("twin.policies.choose", _shared(by_side=True)),
}
VARIANTS = ("default", *PARAMS, *(p for p in PROPOSE if p not in PARAMS), *PATCHES)


def main() -> None:
    """Run the product under each variant and print its figures against the default."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="7,11")
    parser.add_argument("--weeks", type=int, default=4)
    parser.add_argument("--window", default="autumn", choices=sorted(WINDOWS))
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument(
        "--advice",
        action="store_true",
        help="the advice arm: every variant on the city with the default run's advised upgrades",
    )
    args = parser.parse_args()
    print(f"load average at start: {os.getloadavg()[0]:.1f}", flush=True)
    for seed in (int(s) for s in args.seeds.split(",")):
        city = build_city(seed=seed, bins=300)
        spots: dict[str, list[tuple[float, float]]] = {}
        for b in city.bins:
            spots.setdefault(b.district, []).append((b.lat, b.lon))
        CENTRES.clear()
        CENTRES.update(
            {
                a: (sum(p[0] for p in v) / len(v), sum(p[1] for p in v) / len(v))
                for a, v in spots.items()
            }
        )
        if args.advice:
            first = CompareParams(weeks=args.weeks, seed=seed, first_day=WINDOWS[args.window])
            city = upgraded(city, advice_of(first, city)[1])
        base: dict[str, float] | None = None
        for name in ["default", *(v for v in args.variants.split(",") if v != "default")]:
            params = CompareParams(
                weeks=args.weeks,
                seed=seed,
                first_day=WINDOWS[args.window],
                horizon=PARAMS.get(name, HORIZON),
            )
            propose = PROPOSE.get(name, servicedays.propose)
            patch = PATCHES.get(name, nullcontext)
            with mock.patch("twin.policies.propose", propose), patch():
                t = run_policy(city, params, product(params), name=name).totals()
            base = base or t
            dkm, dover = t["km"] - base["km"], t["overflow_bin_hours"] - base["overflow_bin_hours"]
            print(
                f"seed {seed} {name:<16} {t['km']:6.0f} km {t['overflow_bin_hours']:6.0f} bin-h "
                f"{t['shifts']:3.0f} shifts {t['collections']:5.0f} coll | "
                f"{100 * dkm / base['km']:+5.1f} % km {100 * dover / base['overflow_bin_hours']:+5.1f}"
                f" % bin-h, off the curve {10 * dkm + dover:+6.0f}",
                flush=True,
            )
    print(f"load average at end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
