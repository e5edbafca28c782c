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

import functools
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

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
    # a lone reading this far above (or below) both neighbours, which agree, is a false echo
    # (a wall, a bag's edge) and is left out
    spike: float = 0.2


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


def _false_echoes(levels: np.ndarray, spike: float) -> np.ndarray:
    """Which readings are false echoes: lone readings that jump more than ``spike`` away from
    two neighbours that agree with each other (within half of it)."""
    lone = np.zeros(len(levels), dtype=bool)
    if len(levels) > 2:
        before, after, mid = levels[:-2], levels[2:], levels[1:-1]
        lone[1:-1] = (np.abs(before - after) < spike / 2) & (
            np.minimum(np.abs(mid - before), np.abs(mid - after)) > spike
        )
    return lone


def _cycle_breaks(seconds: np.ndarray, levels: np.ndarray, params: ForecastParams) -> np.ndarray:
    """Between each two readings in a row, whether a new fill cycle starts there: an emptying
    (a drop of more than ``empty_drop``) or a gap longer than ``max_gap``."""
    dropped = levels[1:] < levels[:-1] - params.empty_drop
    breaks: np.ndarray = dropped | (seconds[1:] - seconds[:-1] > params.max_gap.total_seconds())
    return breaks


def _segments(
    readings: Sequence[Reading], params: ForecastParams
) -> list[list[tuple[datetime, float]]]:
    usable = despike(
        sorted((t, v) for t, v in readings if v is not None and not math.isnan(v)), params.spike
    )
    if not usable:
        return []
    seconds = np.array([t.timestamp() for t, _ in usable], dtype=np.float64)
    levels = np.array([v for _, v in usable], dtype=np.float64)
    starts = [0, *(np.flatnonzero(_cycle_breaks(seconds, levels, params)) + 1).tolist()]
    return [usable[a:b] for a, b in itertools.pairwise([*starts, len(usable)])]


def fill_cycles(
    readings: Sequence[Reading], params: ForecastParams | None = None
) -> list[list[tuple[datetime, float]]]:
    """The readings cut into fill cycles: at every emptying and at every gap longer than
    ``max_gap`` (false echoes left out, as :func:`fit` sees them)."""
    return _segments(readings, params or ForecastParams())


def despike(points: Sequence[tuple[datetime, float]], spike: float) -> list[tuple[datetime, float]]:
    """Leave out lone readings that jump away from two neighbours that agree with each other."""
    lone = _false_echoes(np.array([v for _, v in points], dtype=np.float64), spike)
    return [p for p, echo in zip(points, lone.tolist(), strict=True) if not echo]


@functools.lru_cache(maxsize=8192)
def _local_cell(utc_hour: int) -> tuple[int, date]:
    """The weekday-hour cell (Monday 00:00 first) and local date of an hour counted from the
    epoch in UTC. Brussels is a whole number of hours off UTC, so the hour decides both."""
    local = datetime.fromtimestamp(utc_hour * 3600, BRUSSELS)
    return local.weekday() * 24 + local.hour, local.date()


def _rises(
    readings: Sequence[Reading], params: ForecastParams
) -> tuple[list[float], list[float], dict[tuple[int, object], tuple[float, float]]]:
    """Per weekday-hour cell, the level risen and the hours observed over every interval of a
    fill cycle (:func:`fill_cycles`) that ends below ``saturated``; and per cycle and local day
    the same two sums. Computed on arrays: a city's daily forecast fits every bin's weeks."""
    pairs = [(t.timestamp(), v) for t, v in readings if v is not None and not math.isnan(v)]
    rise = [0.0] * HOURS_PER_WEEK
    hours = [0.0] * HOURS_PER_WEEK
    if len(pairs) < 2:
        return rise, hours, {}
    pairs.sort()
    data = np.array(pairs, dtype=np.float64)
    t, v = data[:, 0], data[:, 1]
    keep = ~_false_echoes(v, params.spike)
    t, v = t[keep], v[keep]
    breaks = _cycle_breaks(t, v, params)
    cycle = np.concatenate(([0], np.cumsum(breaks)))
    dt = (t[1:] - t[:-1]) / 3600
    used = ~breaks & (v[1:] < params.saturated) & (dt > 0)
    if not used.any():
        return rise, hours, {}
    gained, spent = (v[1:] - v[:-1])[used], dt[used]
    # the interval's middle, in whole hours since the epoch, gives its local cell and day
    middle = np.floor((t[:-1] + t[1:])[used] / 7200).astype(np.int64)
    unique, inverse = np.unique(middle, return_inverse=True)
    local = [_local_cell(int(h)) for h in unique]
    cells = np.array([c for c, _ in local], dtype=np.int64)[inverse]
    rise = np.bincount(cells, weights=gained, minlength=HOURS_PER_WEEK).tolist()
    hours = np.bincount(cells, weights=spent, minlength=HOURS_PER_WEEK).tolist()
    daily: dict[tuple[int, object], tuple[float, float]] = {}
    for c, u, r, h in zip(
        cycle[1:][used].tolist(), inverse.tolist(), gained.tolist(), spent.tolist(), strict=True
    ):
        key = (c, local[u][1])
        sr, sh = daily.get(key, (0.0, 0.0))
        daily[key] = (sr + r, sh + h)
    return rise, hours, daily


def fit(readings: Sequence[Reading], params: ForecastParams | None = None) -> FillModel:
    """Learn the weekly fill profile from ``(time, level)`` readings (level may be None)."""
    params = params or ForecastParams()
    rise, hours, daily = _rises(readings, params)
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


# --- when the sensor cannot be trusted: the bin's own history instead, flagged -------------------

SILENT_AFTER = timedelta(hours=24)  # no usable reading for this long: the sensor is silent
STUCK_AFTER = timedelta(hours=12)  # the very same level for this long: the sensor is stuck
STUCK_READINGS = 8
SATURATED = ForecastParams().saturated  # a full bin reads full: the same level, not stuck
# A bin with no usable history at all is assumed to fill in three days, and to be full now when
# nobody knows when it was last emptied: it is visited, and from then on its history counts.
DEFAULT_RATE = 1 / 72
UNKNOWN_LEVEL = 1.0

FALLBACK_NL = {
    "silent": "sensor zwijgt: geschat uit de geschiedenis van de bak",
    "stuck": "sensor hangt vast: geschat uit de geschiedenis van de bak",
    "none": "geen sensorgegevens: geschat uit de lediging en een standaardvulsnelheid",
}


@dataclass(frozen=True, slots=True)
class Estimate:
    """A bin's fill model and its level at a moment; ``fallback`` says why the sensor was not used."""

    model: FillModel
    level: float
    at: datetime
    fallback: str | None  # None (the sensor), 'silent', 'stuck' or 'none'

    @property
    def note_nl(self) -> str | None:
        """The coordinator's words for the fallback."""
        return None if self.fallback is None else FALLBACK_NL[self.fallback]


def _stuck_from(readings: Sequence[Reading], emptied_at: datetime | None) -> int | None:
    """Where a run of identical levels starts, when it means a stuck sensor (else None).

    Stuck: the same level for at least ``STUCK_AFTER`` and ``STUCK_READINGS`` readings while the
    bin is not full (a full bin reads full), or the same level on both sides of an emptying.
    Real transducers are noisy: identical levels for hours do not happen on a working one.
    """
    usable = [(t, v) for t, v in readings if v is not None]
    if len(usable) < 2:
        return None
    last = usable[-1][1]
    start = len(usable) - 1
    while start > 0 and usable[start - 1][1] == last:
        start -= 1
    run = usable[start:]
    span = run[-1][0] - run[0][0]
    emptied_inside = emptied_at is not None and run[0][0] < emptied_at <= run[-1][0]
    if (len(run) >= STUCK_READINGS and span >= STUCK_AFTER and last < SATURATED) or (
        emptied_inside and last > 0.3
    ):
        return start
    return None


def flat_model(rate: float = DEFAULT_RATE) -> FillModel:
    """A model that fills at the same rate every hour (no history to learn from)."""
    return FillModel(rate=(rate,) * HOURS_PER_WEEK, daily_cv=0.5, observed_hours=0.0)


def estimate(
    readings: Sequence[Reading],
    *,
    at: datetime,
    emptied_at: datetime | None = None,
    params: ForecastParams | None = None,
) -> Estimate:
    """The bin's model and level from its sensor, or from its history when the sensor fails.

    A working sensor: :func:`fit` and the last reading. A silent or stuck one: the model learned
    from the readings it gave while it worked, stepped forward from its last trusted reading or
    from the last emptying (empty then), whichever is later. No usable history: a flat rate from
    the last emptying, or a full bin when that is unknown. The fallback is always named.
    """
    params = params or ForecastParams()
    usable = [(t, v) for t, v in readings if v is not None and not math.isnan(v)]
    stuck = _stuck_from(usable, emptied_at)
    trusted = usable if stuck is None else usable[: stuck + 1]
    if stuck is None and usable and at - usable[-1][0] <= SILENT_AFTER:
        last_ts, last_level = usable[-1]
        return Estimate(fit(usable, params), float(last_level), last_ts, None)
    reason = "stuck" if stuck is not None else ("silent" if usable else "none")
    model = fit(trusted, params) if trusted else flat_model()
    if model.observed_hours < 24:
        model = flat_model()
    start: tuple[datetime, float] | None = trusted[-1] if trusted else None
    if emptied_at is not None and emptied_at <= at and (start is None or emptied_at > start[0]):
        start = (emptied_at, 0.0)
    if start is None:
        return Estimate(model, UNKNOWN_LEVEL, at, reason)
    level = level_at(model, level=start[1], at=start[0], until=at)
    return Estimate(model, min(level, 1.3), at, reason)
