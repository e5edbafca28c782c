"""The two ways of deciding what to collect each day, compared on the same simulated city.

**Fixed round** (today's practice; documented in ``docs/twin.md``): every container has fixed
weekdays. Its frequency comes from its own long-run average litter, as an experienced planner
knows it: the fewest visits per week (1, 2, 3, 4 or 7) for which an average week fills it to at
most 80 % between visits. Visit days are spread evenly over the week and staggered by district so
that each day carries a similar load. Dumps are cleared once a citizen reports them or a crew
passes one. The routes are optimised by the same planner.

**Sensor-driven** (nettestad): each morning the planner gets every container whose forecast
(latest reading plus its measured rate since the last emptying) reaches 100 % before the next
day's shift, as a must-visit, and those forecast above 70 % as optional stops with a penalty
that grows with the fill, so the solver picks them up when they are on its way. A container
whose sensor is silent for a day or looks stuck falls back to its fixed-round days. Dumps are
known from the cameras (or citizen reports when a camera missed one).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Protocol

from contracts.payloads import Quality, ReadingBatch
from twin.city import DISTRICTS, BinSite
from twin.dumping import BRUSSELS, Dump
from twin.fill import BinState
from twin.planning import StopRequest

FREQUENCIES = (1, 2, 3, 4, 7)
DAY_SETS = {1: (0,), 2: (0, 3), 3: (0, 2, 4), 4: (0, 2, 4, 5), 7: tuple(range(7))}
TARGET_FILL = 0.8
DUMP_LITRES = 400
MUST_AT = 1.0
OPTIONAL_AT = 0.9
PENALTY_PER_FILL = 1_500_000  # micro-euro for leaving a nearly full bin for tomorrow (1.50 €)
RATE_MARGIN = 1.1  # plan on a busier-than-usual rate
STALE = timedelta(hours=24)


class Policy(Protocol):
    """Chooses a day's stops."""

    name: str

    def requests(self, day: date, now: datetime, dumps: Sequence[Dump]) -> list[StopRequest]:
        """What to serve on ``day``, decided at ``now`` (before the shift)."""


def fixed_weekdays(state: BinState) -> tuple[int, ...]:
    """The weekdays (0 = Monday) this container is emptied on in the fixed round."""
    mean = state.mean_litres_per_day() * state.popularity
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

    def since_last_emptying(self) -> list[tuple[datetime, float, int | None]]:
        """Readings after the latest sharp drop (an emptying)."""
        start = 0
        for i in range(1, len(self.points)):
            if self.points[i][1] < self.points[i - 1][1] - 0.25:
                start = i
        return self.points[start:]


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
        obs.points = obs.points[-24 * 7 :]


def _looks_stuck(points: Sequence[tuple[datetime, float, int | None]]) -> bool:
    """A transducer that reports the very same distance many times in a row is stuck."""
    recent = [p[2] for p in points[-10:]]
    return len(recent) >= 10 and len(set(recent)) == 1


@dataclass(slots=True)
class SensorDriven:
    """Containers chosen by their forecast fill; fixed days where a sensor cannot be trusted."""

    states: Sequence[BinState]
    observations: Observations
    name: str = "sensor-driven"

    def forecast(self, state: BinState, now: datetime, until: datetime) -> float | None:
        """Predicted fill at ``until``, or None when the sensor cannot be trusted."""
        obs = self.observations.bins.get(state.site.bin_id)
        if obs is None or not obs.points:
            return None
        points = obs.since_last_emptying()
        last_ts, last_level, _ = points[-1]
        if now - last_ts > STALE or _looks_stuck(obs.points):
            return None
        first_ts, first_level, _ = points[0]
        hours = (last_ts - first_ts).total_seconds() / 3600
        if hours >= 6:
            rate = max(last_level - first_level, 0.0) / hours
        else:
            rate = state.mean_litres_per_day() / state.site.volume_l / 24
        return last_level + RATE_MARGIN * rate * (until - last_ts).total_seconds() / 3600

    def requests(self, day: date, now: datetime, dumps: Sequence[Dump]) -> list[StopRequest]:
        """Must-visit and optional containers from the forecasts, and every known dump."""
        out = [_dump_request(d) for d in dumps]
        next_visit = datetime.combine(day + timedelta(days=1), time(10, 0), tzinfo=BRUSSELS)
        today_mid = datetime.combine(day, time(10, 0), tzinfo=BRUSSELS)
        for state in self.states:
            site = state.site
            predicted = self.forecast(state, now, next_visit)
            if predicted is None:
                if day.weekday() in fixed_weekdays(state):
                    out.append(_bin_request(site, TARGET_FILL * site.volume_l, None))
                continue
            today = self.forecast(state, now, today_mid) or 0.0
            litres = min(max(today, 0.1), 1.2) * site.volume_l
            if predicted >= MUST_AT:
                out.append(_bin_request(site, litres, None))
            elif predicted >= OPTIONAL_AT:
                penalty = math.ceil(PENALTY_PER_FILL * predicted)
                out.append(_bin_request(site, litres, penalty))
        return out
