"""How fast each bin fills, by weekday and hour, and when it will reach its threshold.

The model is learned from the bin's own readings and is robust to what real sensors do:

- noise: level changes are summed over whole intervals, so per-reading noise cancels except at
  the ends of each run, and the weeks are averaged;
- gaps: an interval longer than ``max_gap`` tells nothing about *when* litter arrived and is left
  out, as are unusable readings (no echo);
- emptying: a drop of more than ``empty_drop`` starts a new segment and the drop itself is ignored;
- a full bin: once the sensor reads near 1 it cannot see more litter, so those intervals are left
  out instead of being read as "no litter".

Sparse weekday-hour cells are shrunk towards the bin's hour-of-day profile and its overall mean,
so a bin with two weeks of history still gets a sensible profile.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

BRUSSELS = ZoneInfo("Europe/Brussels")
HOURS_PER_WEEK = 168


@dataclass(frozen=True, slots=True)
class ForecastParams:
    """Tuning of the fill model."""

    max_gap: timedelta = timedelta(hours=3)
    empty_drop: float = 0.15
    saturated: float = 0.97
    shrink_hours: float = (
        3.0  # observed hours at which a cell's own mean counts as much as the prior
    )
    horizon: timedelta = timedelta(days=14)
    z: float = 1.28  # the uncertainty band is ±z standard deviations (80 %)


@dataclass(frozen=True, slots=True)
class FillModel:
    """A bin's fill rate (fraction per hour) for each local hour of the week, Monday 00:00 first."""

    rate: tuple[float, ...]
    daily_cv: float  # spread of a day's fill around the model, relative
    observed_hours: float

    def rate_at(self, when: datetime) -> float:
        """Expected fill per hour at this moment."""
        local = when.astimezone(BRUSSELS)
        return self.rate[local.weekday() * 24 + local.hour]


@dataclass(frozen=True, slots=True)
class Prediction:
    """When a bin is expected to reach its threshold, with an early and a late bound."""

    level: float
    at: datetime
    expected: datetime | None  # None: not within the horizon
    early: datetime | None
    late: datetime | None

    def hours(self) -> float | None:
        """Expected hours from ``at`` to the threshold."""
        return None if self.expected is None else (self.expected - self.at).total_seconds() / 3600


Reading = tuple[datetime, float | None]


def _segments(
    readings: Sequence[Reading], params: ForecastParams
) -> list[list[tuple[datetime, float]]]:
    usable = sorted((t, v) for t, v in readings if v is not None and not math.isnan(v))
    segments: list[list[tuple[datetime, float]]] = []
    current: list[tuple[datetime, float]] = []
    for t, v in usable:
        if current and (
            v < current[-1][1] - params.empty_drop or t - current[-1][0] > params.max_gap
        ):
            segments.append(current)
            current = []
        current.append((t, v))
    if current:
        segments.append(current)
    return segments


def fit(readings: Sequence[Reading], params: ForecastParams | None = None) -> FillModel:
    """Learn the weekly fill profile from ``(time, level)`` readings (level may be None)."""
    params = params or ForecastParams()
    rise = [0.0] * HOURS_PER_WEEK
    hours = [0.0] * HOURS_PER_WEEK
    daily: dict[tuple[int, object], tuple[float, float]] = {}
    for segment in _segments(readings, params):
        for (t0, v0), (t1, v1) in itertools.pairwise(segment):
            if v1 >= params.saturated:
                continue
            dt = (t1 - t0).total_seconds() / 3600
            if dt <= 0:
                continue
            local = (t0 + (t1 - t0) / 2).astimezone(BRUSSELS)
            cell = local.weekday() * 24 + local.hour
            rise[cell] += v1 - v0
            hours[cell] += dt
            key = (id(segment), local.date())
            r, h = daily.get(key, (0.0, 0.0))
            daily[key] = (r + v1 - v0, h + dt)
    observed = sum(hours)
    overall = sum(rise) / observed if observed else 0.0
    by_hour = []
    for h in range(24):
        cells = range(h, HOURS_PER_WEEK, 24)
        num, den = sum(rise[c] for c in cells), sum(hours[c] for c in cells)
        k = params.shrink_hours
        by_hour.append((num + k * overall) / (den + k) if den + k > 0 else overall)
    rate = []
    for cell in range(HOURS_PER_WEEK):
        prior = by_hour[cell % 24]
        k = params.shrink_hours
        rate.append(max((rise[cell] + k * prior) / (hours[cell] + k), 0.0))
    model = FillModel(rate=tuple(rate), daily_cv=0.0, observed_hours=observed)
    return FillModel(rate=model.rate, daily_cv=_daily_cv(daily, model), observed_hours=observed)


def _daily_cv(
    daily: dict[tuple[int, object], tuple[float, float]],
    model: FillModel,
) -> float:
    """Relative spread of whole days' fill around the model (days with ≥ 20 h observed)."""
    mean_daily = sum(model.rate) / 7
    errors = [
        (r - mean_daily * h / 24) / mean_daily
        for r, h in daily.values()
        if h >= 20 and mean_daily > 0
    ]
    if len(errors) < 3:
        return 0.5  # little history: admit a wide band
    return min(math.sqrt(sum(e * e for e in errors) / len(errors)), 2.0)


def predict(
    model: FillModel,
    *,
    level: float,
    at: datetime,
    threshold: float,
    params: ForecastParams | None = None,
) -> Prediction:
    """Step the profile forward hour by hour until the level reaches ``threshold``."""
    params = params or ForecastParams()
    if level >= threshold:
        return Prediction(level, at, at, at, at)
    need = threshold - level
    times: dict[str, datetime | None] = {"expected": None, "early": None, "late": None}
    # The band narrows with the number of days ahead, as independent daily errors average out.
    total = 0.0
    t = at
    step = timedelta(hours=1)
    while t - at < params.horizon and any(v is None for v in times.values()):
        total += model.rate_at(t)
        t += step
        days = max((t - at).total_seconds() / 86400, 1.0)
        spread = params.z * model.daily_cv / math.sqrt(days)
        for key, factor in (
            ("expected", 1.0),
            ("early", 1 + spread),
            ("late", max(1 - spread, 0.05)),
        ):
            if times[key] is None and total * factor >= need:
                times[key] = t
    return Prediction(level, at, times["expected"], times["early"], times["late"])


def level_at(model: FillModel, *, level: float, at: datetime, until: datetime) -> float:
    """Expected level at ``until`` if nobody empties the bin (may exceed 1: overflow)."""
    t, total = at, level
    while t < until:
        step = min(timedelta(hours=1), until - t)
        total += model.rate_at(t) * step.total_seconds() / 3600
        t += step
    return total


def naive_last_week(
    readings: Sequence[Reading], *, at: datetime, params: ForecastParams | None = None
) -> float:
    """The baseline: last week's mean fill rate per hour, ignoring weekday and hour."""
    params = params or ForecastParams()
    since = at - timedelta(days=7)
    recent = [(t, v) for t, v in readings if since <= t <= at]
    rise = hours = 0.0
    for segment in _segments(recent, params):
        for (t0, v0), (t1, v1) in itertools.pairwise(segment):
            if v1 >= params.saturated:
                continue
            rise += v1 - v0
            hours += (t1 - t0).total_seconds() / 3600
    return max(rise / hours, 0.0) if hours else 0.0
