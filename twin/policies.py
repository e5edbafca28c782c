"""The two ways of deciding what to collect each day, compared on the same simulated city.

**Fixed round** (today's practice; documented in ``docs/twin.md``): every container has fixed
weekdays. Its frequency goes by place type and volume, from the long-run average litter of that
kind of place as an experienced planner knows it: the fewest visits per week (1, 2, 3, 4 or 7)
for which an average week fills such a container to at most 80 % between visits. Visit days are spread evenly over the week and staggered by district so
that each day carries a similar load. Dumps are cleared once a citizen reports them or a crew
passes one. The routes are optimised by the same planner.

**Sensor-driven** (nettestad): each morning every container's readings so far go through
nettestad's forecast (``routing.forecast.fit``: a fill rate per hour of the week). A container
waits as long as it is safe: it is a must-visit only when the forecast (optionally its upper
band) would overflow before tomorrow's visit. Each area (district; street bins and crane containers apart)
with a must-visit gets a crew anyway, so its fairly full containers come along as optional stops
whose penalty (what taking them now spares, plus their expected overflow cost) the planner weighs
against their detour; an area with nothing due is left for another day. A container whose
sensor is silent for a day or looks stuck falls back to its fixed-round days. Dumps are known
from the cameras (or citizen reports when a camera missed one).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Protocol

from contracts import Quality, ReadingBatch
from routing import SelectionParams, fit, forecast_spread, level_at, normal_cdf
from twin.city import DISTRICTS, BinSite
from twin.dumping import BRUSSELS, Dump
from twin.fill import MEAN_POPULARITY, BinState
from twin.planning import StopRequest, road_metres

FREQUENCIES = (1, 2, 3, 4, 7)
DAY_SETS = {1: (0,), 2: (0, 3), 3: (0, 2, 4), 4: (0, 2, 4, 5), 7: tuple(range(7))}
TARGET_FILL = 0.8
DUMP_LITRES = 400
THRESHOLD = 0.8  # the bins table's default threshold
# A container waits until it will more likely than not pass its threshold by tomorrow's visit;
# leaving it out then costs only its expected overflow (no reward for emptying it early).
SENSOR_SELECTION = SelectionParams(overflow_cost_eur=30.0, due_reward_eur=0.0, min_probability=0.5)
MICRO_EUR = 1_000_000  # the planner's cost unit (routing/model.py)
STALE = timedelta(hours=24)


class Policy(Protocol):
    """Chooses a day's stops."""

    name: str

    def requests(self, day: date, now: datetime, dumps: Sequence[Dump]) -> list[StopRequest]:
        """What to serve on ``day``, decided at ``now`` (before the shift)."""


def fixed_weekdays(state: BinState) -> tuple[int, ...]:
    """The weekdays (0 = Monday) this container is emptied on in the fixed round."""
    # The planner knows the average litter of each kind of place and container from years of
    # rounds, not each container's own: frequencies go by place type and volume.
    mean = state.mean_litres_per_day() * MEAN_POPULARITY
    gap_days = TARGET_FILL * state.site.volume_l / max(mean, 1e-6)
    per_week = next((f for f in FREQUENCIES if 7 / f <= gap_days), 7)
    offset = [d.name for d in DISTRICTS].index(state.site.district) % 7
    return tuple(sorted((offset + d) % 7 for d in DAY_SETS[per_week]))


def _dump_request(dump: Dump) -> StopRequest:
    return StopRequest(dump.dump_id, "dump", dump.hotspot.lat, dump.hotspot.lon, DUMP_LITRES, None)


def _bin_request(site: BinSite, litres: float, penalty: int | None) -> StopRequest:
    return StopRequest(site.bin_id, site.container_type, site.lat, site.lon, round(litres), penalty)


@dataclass(slots=True)
class FixedRound:
    """Each container on its fixed weekdays; dumps as reported."""

    states: Sequence[BinState]
    name: str = "fixed round"

    def requests(self, day: date, now: datetime, dumps: Sequence[Dump]) -> list[StopRequest]:  # noqa: ARG002 - the Policy signature; a fixed round ignores the time of planning
        """Today's scheduled containers (all must be served) and the reported dumps."""
        out = [_dump_request(d) for d in dumps]
        for state in self.states:
            if day.weekday() in fixed_weekdays(state):
                out.append(_bin_request(state.site, TARGET_FILL * state.site.volume_l, None))
        return out


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


def _looks_stuck(points: Sequence[tuple[datetime, float, int | None]]) -> bool:
    """A transducer that reports the very same distance many times in a row is stuck."""
    recent = [p[2] for p in points[-10:]]
    return len(recent) >= 10 and len(set(recent)) == 1


@dataclass(frozen=True, slots=True)
class SensorPlanning:
    """How the sensor-driven policy turns forecasts into a day's stops (see ``docs/twin.md``)."""

    # Must-visit when the forecast's upper band (level + z x its spread) overflows before the
    # next chance. In the twin a band (z = 0.5) cost 3 % more kilometres over four weeks and
    # saved no overflow (bench/RESULTS.md), so the default waits for the expected level; the
    # spread still prices the optional stops.
    safety_z: float = 0.0
    # An area a crew goes to anyway: bins that would be must-visits tomorrow come along (if they
    # are at least this full by then), so they do not call for a trip of their own.
    pull_level: float = 0.7
    # What taking such a bin now is worth (a share of the separate trip it spares); the planner
    # leaves it out when its detour costs more.
    pull_eur: float = 6.0
    pull_days: int = 1  # pull forward what would be a must-visit within this many days
    near_m: int = 400  # a bin this close to a must-visit stop is on the way, whatever its area


SENSOR_PLANNING = SensorPlanning()
_CRANE = frozenset({"underground", "glass"})  # emptied by the crane truck, a separate service


@dataclass(frozen=True, slots=True)
class _Need:
    state: BinState
    today: float  # expected level at today's visit
    later: float  # expected level at the next chance (tomorrow's visit) if left today
    spread: float  # the forecast's standard deviation of ``later``
    after: float  # expected level a day later still (the chance after next)
    after_spread: float


def _area(site: BinSite) -> tuple[str, bool]:
    return site.district, site.container_type in _CRANE


def _near(site: BinSite, stops: Sequence[BinSite], metres: int) -> bool:
    here = (site.lat, site.lon)
    return any(
        _area(s)[1] == _area(site)[1] and road_metres(here, (s.lat, s.lon)) <= metres for s in stops
    )


@dataclass(slots=True)
class SensorDriven:
    """Containers chosen from nettestad's forecasts and grouped by area; fixed days where a sensor fails.

    Each container is left as long as it is safe: it becomes a must-visit only when the
    forecast (its upper band, with ``safety_z`` > 0) says it would overflow before tomorrow's
    visit. A crew then goes to
    that area anyway, so the area's fairly full containers come along as optional stops worth
    ``pull_eur`` (plus their expected overflow cost); areas with nothing due are not visited.
    """

    states: Sequence[BinState]
    observations: Observations
    selection: SelectionParams = SENSOR_SELECTION
    planning: SensorPlanning = SENSOR_PLANNING
    name: str = "sensor-driven"

    def _trusted(self, state: BinState, now: datetime) -> BinObservations | None:
        obs = self.observations.bins.get(state.site.bin_id)
        if obs is None or not obs.points:
            return None
        if now - obs.points[-1][0] > STALE or _looks_stuck(obs.points):
            return None
        return obs

    def _need(self, state: BinState, obs: BinObservations, day: date) -> _Need:
        visit_at = datetime.combine(day, time(10, 0), tzinfo=BRUSSELS)
        next_chance = visit_at + timedelta(days=1)
        last_ts, last_level, _ = obs.points[-1]
        model = fit([(t, level) for t, level, _ in obs.points])
        today = level_at(model, level=last_level, at=last_ts, until=visit_at)
        later = level_at(model, level=last_level, at=last_ts, until=next_chance)
        spread = forecast_spread(
            model, level=last_level, at=last_ts, later=later, until=next_chance
        )
        then = next_chance + timedelta(days=self.planning.pull_days)
        after = level_at(model, level=last_level, at=last_ts, until=then)
        after_spread = forecast_spread(model, level=last_level, at=last_ts, later=after, until=then)
        return _Need(state, today, later, spread, after, after_spread)

    def requests(self, day: date, now: datetime, dumps: Sequence[Dump]) -> list[StopRequest]:
        """Must-visit containers, their areas' fairly full ones (optional), and every known dump."""
        out = [_dump_request(d) for d in dumps]
        plan = self.planning
        must: list[BinSite] = []
        waiting: list[_Need] = []
        for state in self.states:
            site = state.site
            obs = self._trusted(state, now)
            if obs is None:
                if day.weekday() in fixed_weekdays(state):
                    out.append(_bin_request(site, TARGET_FILL * site.volume_l, None))
                    must.append(site)
                continue
            need = self._need(state, obs, day)
            if need.today >= 1.0 or need.later + plan.safety_z * need.spread >= 1.0:
                out.append(_bin_request(site, _litres(site, need.today), None))
                must.append(site)
            elif (
                need.later >= plan.pull_level
                and need.after + plan.safety_z * need.after_spread >= 1.0
            ):
                waiting.append(need)
        opened = {_area(s) for s in must}
        for need in waiting:
            site = need.state.site
            if _area(site) not in opened and not _near(site, must, plan.near_m):
                continue
            p_overflow = normal_cdf((need.later - 1.0) / need.spread)
            penalty = plan.pull_eur * min(need.later, 1.0) + p_overflow * (
                self.selection.overflow_cost_eur
            )
            out.append(
                _bin_request(site, _litres(site, need.today), math.ceil(penalty * MICRO_EUR))
            )
        return out


def _litres(site: BinSite, level: float) -> float:
    return min(max(level, 0.1), 1.2) * site.volume_l
