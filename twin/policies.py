"""The ways of deciding what to collect each day, compared on the same simulated city.

Every arm hands its day's stops to the same planning code path (``twin.planning.plan_day`` over
``routing.horizon.crews_for_day`` and ``routing.pipeline``); only the choice of stops differs.

- **Oracle round** (today's fixed round, strong): every container on fixed weekdays, its
  frequency from the true long-run average litter of its kind of place and volume.
- **Category round** (how cities schedule without sensors): frequencies per container type and
  district; the crane truck on fixed days; school bins never at weekends.
- **Sensor-driven product**: :func:`routing.horizon.choose` on the sensors' forecasts, within
  the periodic plan of service days per area (:func:`routing.servicedays.propose`). The twin
  only turns its sensor readings into the product's :class:`routing.horizon.Outlook`.

The exact rules are in ``docs/twin.md``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial
from typing import TYPE_CHECKING, Protocol

from contracts import Quality, ReadingBatch
from routing import (
    EVERY_DAY,
    HORIZON,
    ContainerNeed,
    HorizonParams,
    Outlook,
    ServiceCalendar,
    choose,
    forecast,
    propose,
    service_of,
)
from routing.hotspots import HotspotWatch, Seen, Spot, hotspot_checks, watches
from twin.city import DEPOT, DISTRICTS, BinSite
from twin.crews import CHECK_PREFIX
from twin.dumping import BRUSSELS, Dump
from twin.fill import MEAN_POPULARITY, BinState
from twin.planning import StopRequest

if TYPE_CHECKING:
    from twin.world import World

FREQUENCIES = (1, 2, 3, 4, 7)
DAY_SETS = {
    1: (0,),
    2: (0, 3),
    3: (0, 2, 4),
    4: (0, 2, 4, 5),
    5: (0, 1, 2, 3, 4),
    6: (0, 1, 2, 3, 4, 5),
    7: tuple(range(7)),
}
TARGET_FILL = 0.8
DUMP_LITRES = 400
MICRO_EUR = 1_000_000  # the planner's cost unit (routing/model.py)
# routing.forecast.estimate's fallback -> the horizon's flag
FLAGS = {"silent": "silent", "stuck": "stuck", "none": "no_history"}
CALENDAR_HISTORY = 60  # hourly readings a container needs before the periodic plan is proposed
CENTRE = frozenset({"Centrum", "Station", "Overleie", "Kortrijk Weide"})


class Policy(Protocol):
    """Chooses a day's stops."""

    name: str

    def requests(self, day: date, now: datetime, dumps: Sequence[Dump]) -> list[StopRequest]:
        """What to serve on ``day``, decided at ``now`` (before the shift)."""


def fixed_weekdays(state: BinState) -> tuple[int, ...]:
    """The weekdays (0 = Monday) this container is emptied on in the oracle round."""
    # The planner knows the average litter of each kind of place and container from years of
    # rounds, not each container's own: frequencies go by place type and volume.
    mean = state.mean_litres_per_day() * MEAN_POPULARITY
    gap_days = TARGET_FILL * state.site.volume_l / max(mean, 1e-6)
    per_week = next((f for f in FREQUENCIES if 7 / f <= gap_days), 7)
    offset = [d.name for d in DISTRICTS].index(state.site.district) % 7
    return tuple(sorted((offset + d) % 7 for d in DAY_SETS[per_week]))


def category_weekdays(site: BinSite) -> tuple[int, ...]:
    """The weekdays of the category round: by container type and district, as cities plan."""
    district = [d.name for d in DISTRICTS].index(site.district)
    if site.container_type == "underground":
        return (1, 4)  # the crane truck's days: Tuesday and Friday
    if site.container_type == "glass":
        return ((1,), (4,))[district % 2]  # weekly, on one of the crane days
    if site.place_type == "school":
        return DAY_SETS[5] if site.district in CENTRE else DAY_SETS[3]  # never at weekends
    if site.district in CENTRE or site.place_type in {"market", "station"}:
        return DAY_SETS[7]
    if site.place_type in {"shopping", "park", "events"}:
        return DAY_SETS[3]
    return tuple(sorted((district + d) % 6 for d in (0, 3)))  # twice a week, Mon-Sat


def _dump_request(dump: Dump) -> StopRequest:
    return StopRequest(
        dump.dump_id,
        "dump",
        dump.hotspot.lat,
        dump.hotspot.lon,
        DUMP_LITRES,
        None,
        due=dump.due_at(cameras=True),
    )


def _bin_request(site: BinSite, litres: float, penalty: int | None) -> StopRequest:
    return StopRequest(site.bin_id, site.container_type, site.lat, site.lon, round(litres), penalty)


@dataclass(slots=True)
class FixedRound:
    """Each container on its fixed weekdays (all must be served); dumps as they are known."""

    states: Sequence[BinState]
    weekdays: Callable[[BinState], tuple[int, ...]] = fixed_weekdays
    name: str = "oracle round"

    def requests(self, day: date, now: datetime, dumps: Sequence[Dump]) -> list[StopRequest]:  # noqa: ARG002 - the Policy signature; a fixed round ignores the time of planning
        """Today's scheduled containers (all must be served) and the known dumps."""
        out = [_dump_request(d) for d in dumps]
        for state in self.states:
            if day.weekday() in self.weekdays(state):
                out.append(_bin_request(state.site, TARGET_FILL * state.site.volume_l, None))
        return out


def category_round(states: Sequence[BinState]) -> FixedRound:
    """The category round as a fixed round."""
    return FixedRound(states, lambda s: category_weekdays(s.site), "category round")


@dataclass(slots=True)
class BinObservations:
    """What the sensors have told the city about one container."""

    points: list[tuple[datetime, float, int | None]] = field(default_factory=list)


@dataclass(slots=True)
class Observations:
    """Readings as delivered by the sensors (what arrives, when it arrives)."""

    bins: dict[str, BinObservations] = field(default_factory=dict)
    device_bin: dict[str, str] = field(default_factory=dict)

    def add(self, batch: ReadingBatch) -> None:
        """Take in one upload."""
        obs = self.bins.setdefault(self.device_bin[batch.device_id], BinObservations())
        for r in batch.readings:
            if r.quality in {Quality.OK, Quality.BLIND_ZONE} and r.filling_level is not None:
                obs.points.append((r.ts, r.filling_level, r.distance_mm))
        obs.points = obs.points[-24 * 14 :]  # two weeks feed the weekly profile


@dataclass(slots=True)
class SensorProduct:
    """The product's sensor-driven policy (``routing.horizon``) on the twin's sensor readings.

    The twin's part is only the adapter: readings become :class:`routing.horizon.Outlook` by
    ``routing.forecast.estimate`` (the product's forecast, and its flagged fallback to the bin's
    history for a silent or stuck sensor, from the last emptying the crews reported), and the
    periodic plan is proposed once from the first days' forecasts.
    """

    states: Sequence[BinState]
    observations: Observations
    params: HorizonParams = HORIZON
    calendar: ServiceCalendar | None = None
    name: str = "sensor-driven"
    # At most this many service days a week for an area not served daily (None: the product's
    # default, ``routing.servicedays.propose``'s); 1 is the trade-off curve's second knob.
    max_visits: int | None = None
    # What the city knows of its registered hotspots at a time (None: no hotspot checks)
    watches: Callable[[datetime], Sequence[HotspotWatch]] | None = None

    def outlook(self, state: BinState, now: datetime) -> Outlook:
        """What the product knows about this container at ``now``.

        ``routing.forecast.estimate``: the sensor's forecast, or (a silent or stuck sensor, no
        history) the bin's history stepped forward from its last trusted reading or the crews'
        last emptying, flagged.
        """
        site = state.site
        obs = self.observations.bins.get(site.bin_id)
        readings: list[tuple[datetime, float | None]] = (
            [] if obs is None else [(t, level) for t, level, _ in obs.points]
        )
        found = forecast.estimate(readings, at=now, emptied_at=state.last_emptied)
        flag = None if found.fallback is None else FLAGS[found.fallback]
        return Outlook(
            site.bin_id,
            site.district,
            site.container_type,
            found.level,
            found.at,
            found.model,
            flag=flag,
        )

    def plan_calendar(self, now: datetime) -> ServiceCalendar:
        """The periodic plan, proposed from the forecasts of the first days (then kept)."""
        if self.calendar is None:
            known = sum(
                1
                for s in self.states
                if len(self.observations.bins.get(s.site.bin_id, BinObservations()).points)
                >= CALENDAR_HISTORY
            )
            if known < 0.8 * len(self.states):  # the first days: every area every day
                return ServiceCalendar(
                    {
                        (service_of(s.site.container_type), s.site.district): EVERY_DAY
                        for s in self.states
                    }
                )
            needs = []
            for state in self.states:
                o = self.outlook(state, now)
                per_day = sum(o.model.rate) / 7 if o.model is not None else o.rate_per_day
                site = state.site
                needs.append(
                    ContainerNeed(
                        site.bin_id, site.district, site.container_type, site.lat, site.lon, per_day
                    )
                )
            visits = {} if self.max_visits is None else {"max_visits": self.max_visits}
            self.calendar = propose(needs, depot=(DEPOT.lat, DEPOT.lon), **visits)
        return self.calendar

    def requests(self, day: date, now: datetime, dumps: Sequence[Dump]) -> list[StopRequest]:
        """The product's choice for ``day`` and every known dump."""
        calendar = self.plan_calendar(now)
        outlooks = [self.outlook(s, now) for s in self.states]
        sites = {s.site.bin_id: s.site for s in self.states}
        out = [_dump_request(d) for d in dumps]
        for c in choose(outlooks, day=day, calendar=calendar, params=self.params):
            site = sites[c.bin_id]
            penalty = None if c.prize_eur is None else math.ceil(c.prize_eur * MICRO_EUR)
            litres = min(max(c.expected_level, 0.1), 1.2) * site.volume_l
            out.append(_bin_request(site, litres, penalty))
        if self.watches is not None:
            # the hotspots worth a look (routing.hotspots.hotspot_checks), priced at the shift's
            # mean visit time
            visit = datetime.combine(day, self.params.visit_at, BRUSSELS)
            served = partial(calendar.serves, service_of("street_bin"), day=day)
            for check in hotspot_checks(self.watches(now), at=visit, served=served):
                penalty = math.ceil(check.prize_eur * MICRO_EUR)
                out.append(
                    StopRequest(
                        CHECK_PREFIX + check.hotspot_id, "check", check.lat, check.lon, 0, penalty
                    )
                )
        return out


def hotspot_watches(world: World, now: datetime) -> list[HotspotWatch]:
    """What the city knows of each registered hotspot at ``now``, through the product's own
    ``routing.hotspots.watches``: the dumps reported there since the run began and whether its
    camera reported them, when a crew last passed it (from the crews' sheets: a pass at the
    hotspot), and whether a known dump there is open."""
    spots = [Spot(h.hotspot_id, h.district, h.lat, h.lon) for h in world.city.hotspots]
    reports = [
        Seen(
            d.hotspot.lat,
            d.hotspot.lon,
            d.known_at(cameras=True),
            d.camera_detected_at is not None,
            d.cleared_at is None,
        )
        for d in world.dumping.dumps
        if d.known_at(cameras=True) <= now
    ]
    by_id = {h.hotspot_id: h for h in world.city.hotspots}
    passes = [(at, by_id[h].lat, by_id[h].lon) for h, at in world.hotspot_seen.items()]
    return watches(spots, reports=reports, passes=passes, history_from=world.started, now=now)
