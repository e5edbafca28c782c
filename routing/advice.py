"""Capacity advice: the bins no schedule can keep from overflowing, and the container that would.

A bin that fills more than its volume between two visits the service can afford overflows
whatever the planner does. For each bin the fill model (:func:`routing.forecast.fit`, in litres
per hour of the week, the hours the sensor read it full filled in at the pace it filled at:
:func:`while_full`) gives the litres arriving between two visits; the visit is put at the best
hour of the shift for that day, so only bins that overflow even with the best timing count, and a
busy day (the model's day-to-day spread, ``z`` deviations) is planned for. The advice is the
smallest standard container that holds that below ``target_fill``, or, when even the largest
does not, as many of the largest as it takes (a second or third bin beside the first).

Pure: the API feeds it sensor history, the city twin its own rates.
"""

from __future__ import annotations

import itertools
import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from routing.forecast import (
    BRUSSELS,
    HOURS_PER_WEEK,
    FillModel,
    ForecastParams,
    Reading,
    despike,
    fill_cycles,
    fit,
)


@dataclass(frozen=True, slots=True)
class AdviceParams:
    """What the service can afford and which containers exist; validated at construction."""

    visit_interval_h: int = 24  # at most one visit a day
    shift_hours: tuple[int, int] = (6, 14)  # a visit starts within these local hours
    z: float = 1.0  # plan for a day this many standard deviations busier than the mean
    target_fill: float = 0.9  # the advised container may fill to this between two visits
    sizes_l: tuple[int, ...] = (60, 120, 240)  # street bins on the market
    max_bins: int = 3  # more than this beside each other: the place needs another solution
    min_observed_h: float = 72.0  # less history gives no advice
    container_types: tuple[str, ...] = ("street_bin", "dog_waste", "cigarette")
    # at most this share of the bins considered, the worst first (1.0: every bin that needs it;
    # the twin's "advice applied" arm counts only advice on at most 10 % of the bins)
    max_share: float = 1.0

    def __post_init__(self) -> None:
        if self.visit_interval_h < 1:
            raise ValueError("visit_interval_h must be at least 1")
        first, last = self.shift_hours
        if not 0 <= first < last <= 24:
            raise ValueError("shift_hours must lie within a day, first before last")
        if not 0 < self.target_fill <= 1:
            raise ValueError("target_fill must lie in (0, 1]")
        if not self.sizes_l or any(s <= 0 for s in self.sizes_l):
            raise ValueError("sizes_l must list positive volumes")
        if self.max_bins < 1:
            raise ValueError("max_bins must be at least 1")
        if not 0 <= self.max_share <= 1:
            raise ValueError("max_share must lie in [0, 1]")


@dataclass(frozen=True, slots=True)
class BinRates:
    """A bin's litter in litres per local hour of the week (Monday 00:00 first)."""

    bin_id: str
    volume_l: int
    litres_per_hour: tuple[float, ...]
    daily_cv: float = 0.0
    observed_hours: float = math.inf
    container_type: str = "street_bin"
    overflow_hours_seen: float = 0.0  # evidence: hours the sensor read it full

    def __post_init__(self) -> None:
        if len(self.litres_per_hour) != HOURS_PER_WEEK:
            raise ValueError("litres_per_hour needs one value per hour of the week (168)")
        if self.volume_l <= 0:
            raise ValueError("volume_l must be above 0")


@dataclass(frozen=True, slots=True)
class Upgrade:
    """A bin that overflows between two visits, and the container that would stop it."""

    bin_id: str
    current_l: int
    kind: str  # 'bigger' (one larger container) or 'extra' (more containers of the largest size)
    new_volume_l: int  # per container
    count: int  # containers after the change
    litres_between_visits: float  # on the busiest day, with the best visit time and a busy margin
    fill_now: float  # that, as a share of today's container (above 1: overflow)
    fill_after: float  # and of the advised capacity
    overflow_hours_seen: float

    @property
    def advice_nl(self) -> str:
        """The advice in the coordinator's words."""
        if self.kind == "bigger":
            return f"vervang {self.current_l} l door {self.new_volume_l} l"
        extra = self.count - 1 if self.new_volume_l == self.current_l else self.count
        if self.new_volume_l == self.current_l:
            return f"zet {extra} extra bak(ken) van {self.new_volume_l} l bij"
        return f"vervang door {self.count} bakken van {self.new_volume_l} l"

    @property
    def capacity_l(self) -> int:
        """The capacity after the change."""
        return self.new_volume_l * self.count


def litres_between_visits(rates: BinRates, params: AdviceParams) -> float:
    """Litres arriving between two visits on the week's worst day, the visit timed at its best."""
    first, last = params.shift_hours
    per_hour = rates.litres_per_hour
    worst = 0.0
    for day in range(7):
        best = math.inf
        for hour in range(first, last):
            start = day * 24 + hour
            total = sum(
                per_hour[(start + k) % HOURS_PER_WEEK] for k in range(params.visit_interval_h)
            )
            best = min(best, total)
        worst = max(worst, best)
    return worst * (1 + params.z * rates.daily_cv)


def advise_bin(rates: BinRates, params: AdviceParams | None = None) -> Upgrade | None:
    """The upgrade this bin needs, or None when it fits between two visits (or is not advised)."""
    params = params or AdviceParams()
    if rates.container_type not in params.container_types:
        return None
    if rates.observed_hours < params.min_observed_h:
        return None
    need = litres_between_visits(rates, params)
    if need <= rates.volume_l:
        return None
    sizes = sorted(params.sizes_l)
    fits = [s for s in sizes if s * params.target_fill >= need and s > rates.volume_l]
    if fits:
        size, count, kind = fits[0], 1, "bigger"
    else:
        size = max(sizes[-1], rates.volume_l)
        count = math.ceil(need / (size * params.target_fill))
        count = min(count, params.max_bins)
        kind = "extra"
    return Upgrade(
        bin_id=rates.bin_id,
        current_l=rates.volume_l,
        kind=kind,
        new_volume_l=size,
        count=count,
        litres_between_visits=round(need, 1),
        fill_now=round(need / rates.volume_l, 2),
        fill_after=round(need / (size * count), 2),
        overflow_hours_seen=round(rates.overflow_hours_seen, 1),
    )


def advise(
    bins: Sequence[BinRates],
    params: AdviceParams | None = None,
    *,
    waits_h: Mapping[str, int] | None = None,
) -> list[Upgrade]:
    """Every bin that needs a bigger or an extra container, the worst overflow first: the most
    hours the sensor read it full, then the most litres between two visits for its volume.

    ``waits_h`` gives a bin the hours between two of its visits the service plans (its area's
    longest wait between service days, :func:`routing.servicedays.longest_wait_h`) instead of
    ``params.visit_interval_h``: a bin served twice a week must hold three or four days.
    """
    params = params or AdviceParams()
    waits_h = waits_h or {}

    def own(b: BinRates) -> AdviceParams:
        wait = waits_h.get(b.bin_id)
        return params if wait is None else replace(params, visit_interval_h=wait)

    found = [u for u in (advise_bin(b, own(b)) for b in bins) if u is not None]
    ranked = sorted(found, key=lambda u: (-u.overflow_hours_seen, -u.fill_now, u.bin_id))
    return ranked[: math.floor(params.max_share * len(bins) + 1e-9)]


# A full bin's heap is not flat: its sensor may read it full at 92 % for a whole cycle (a hollow
# under the sensor). A cycle whose level rises to at least ``PLATEAU_FLOOR`` and then holds within
# ``PLATEAU_BAND`` of its top for ``PLATEAU_H`` hours or more was full from there on.
PLATEAU_FLOOR = 0.85
PLATEAU_BAND = 0.03
PLATEAU_H = 4.0


def _plateau(cycle: Sequence[tuple[datetime, float]]) -> datetime | None:
    """When a fill cycle reached the level its sensor read it full at, or None (never held)."""
    if len(cycle) < 3:
        return None
    top = sorted(v for _t, v in cycle)[-2]  # a single high echo is not the top
    if top < PLATEAU_FLOOR:
        return None
    reached = next(t for t, v in cycle if v >= top - PLATEAU_BAND)
    if (cycle[-1][0] - reached).total_seconds() / 3600 < PLATEAU_H:
        return None
    return reached


def full_hours(readings: Sequence[Reading], *, full: float = 0.97) -> float:
    """Hours the sensor read the bin full (the start of each interval decides, gaps of ≤ 3 h):
    at or above ``full``, or on the level a fill cycle held once it was full (:func:`_plateau`)."""
    hours = 0.0
    for cycle in fill_cycles(readings):
        since = _plateau(cycle)
        for (t0, v0), (t1, _v1) in itertools.pairwise(cycle):
            gap = (t1 - t0).total_seconds() / 3600
            if gap <= 3 and (v0 >= full or (since is not None and t0 >= since)):
                hours += gap
    return hours


DEFAULT_CV = 0.25  # day-to-day spread assumed when no whole day was observed (a bin always full)
WHOLE_DAY_H = 20.0


def daily_spread(readings: Sequence[Reading], params: ForecastParams | None = None) -> float:
    """How much a whole day's litter varies from day to day (relative standard deviation).

    Litter is summed per local day over intervals that are neither gaps, emptyings nor full;
    only days observed for ``WHOLE_DAY_H`` hours count, whichever fill cycles they span. Fewer
    than three such days: ``DEFAULT_CV``.
    """
    params = params or ForecastParams()
    usable = despike(
        sorted((t, v) for t, v in readings if v is not None and not math.isnan(v)), params.spike
    )
    days: dict[object, list[float]] = {}
    for (t0, v0), (t1, v1) in itertools.pairwise(usable):
        hours = (t1 - t0).total_seconds() / 3600
        if (
            hours <= 0
            or t1 - t0 > params.max_gap
            or v1 < v0 - params.empty_drop
            or v1 >= params.saturated
        ):
            continue
        day = (t0 + (t1 - t0) / 2).astimezone(BRUSSELS).date()
        rise, seen = days.get(day, [0.0, 0.0])
        days[day] = [rise + max(v1 - v0, 0.0), seen + hours]
    per_day = [rise * 24 / seen for rise, seen in days.values() if seen >= WHOLE_DAY_H]
    if len(per_day) < 3:
        return DEFAULT_CV
    mean = statistics.fmean(per_day)
    return min(statistics.pstdev(per_day) / mean, 2.0) if mean > 0 else DEFAULT_CV


def _hours_of_week(t0: datetime, t1: datetime) -> list[tuple[int, float]]:
    """``(hour of the week, hours)`` pieces of the time from ``t0`` to ``t1`` (Brussels time)."""
    pieces = []
    t = t0
    while t < t1:
        nxt = min(t.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1), t1)
        local = t.astimezone(BRUSSELS)
        pieces.append((local.weekday() * 24 + local.hour, (nxt - t).total_seconds() / 3600))
        t = nxt
    return pieces


def while_full(
    readings: Sequence[Reading], model: FillModel, params: ForecastParams | None = None
) -> tuple[float, ...]:
    """The model's fill rate per hour of the week, with the hours the sensor read the bin full
    filled in.

    A full bin's sensor cannot see what keeps arriving, so :func:`routing.forecast.fit` leaves
    those hours out, and a bin that is full every afternoon looks as calm then as the hours it
    was seen in. Here litter is taken to keep arriving at the pace the bin filled at in that
    cycle (from its first reading after the emptying to its first full reading) until the
    cycle's last reading; each hour of the week gets the mean of its seen and its filled-in
    hours.
    """
    params = params or ForecastParams()
    seen_h = [0.0] * HOURS_PER_WEEK
    filled_l = [0.0] * HOURS_PER_WEEK
    filled_h = [0.0] * HOURS_PER_WEEK
    for cycle in fill_cycles(readings, params):
        for (t0, _v0), (t1, v1) in itertools.pairwise(cycle):
            if v1 < params.saturated:
                for cell, hours in _hours_of_week(t0, t1):
                    seen_h[cell] += hours
        full = next((k for k, (_t, v) in enumerate(cycle) if v >= params.saturated), 0)
        if full == 0:
            continue  # never full, or full from its first reading on (no pace to go by)
        (start, level), (reached, level_full) = cycle[0], cycle[full]
        pace = max(level_full - level, 0.0) / ((reached - start).total_seconds() / 3600)
        for cell, hours in _hours_of_week(cycle[full - 1][0], cycle[-1][0]):
            filled_l[cell] += pace * hours
            filled_h[cell] += hours
    return tuple(
        (seen_h[c] * model.rate[c] + filled_l[c]) / (seen_h[c] + filled_h[c])
        if filled_h[c] > 0
        else model.rate[c]
        for c in range(HOURS_PER_WEEK)
    )


def rates_from_readings(
    bin_id: str,
    volume_l: int,
    readings: Sequence[Reading],
    *,
    container_type: str = "street_bin",
    params: ForecastParams | None = None,
) -> BinRates:
    """A bin's litres per hour of the week, learned from its sensor's readings (the hours it
    read full filled in by :func:`while_full`)."""
    model = fit(readings, params)
    return BinRates(
        bin_id=bin_id,
        volume_l=volume_l,
        litres_per_hour=tuple(r * volume_l for r in while_full(readings, model, params)),
        daily_cv=daily_spread(readings, params),
        observed_hours=model.observed_hours,
        container_type=container_type,
        overflow_hours_seen=full_hours(readings),
    )


def curve(readings: Sequence[Reading], *, until: datetime, hours: int = 168) -> list[float | None]:
    """The fill curve as evidence: the highest level per hour over the last ``hours`` hours."""
    start = until - timedelta(hours=hours)
    out: list[float | None] = [None] * hours
    for t, v in readings:
        if v is None or not start <= t < until:
            continue
        k = int((t - start).total_seconds() // 3600)
        current = out[k]
        out[k] = v if current is None else max(current, v)
    return out


def local_hour_label(at: datetime) -> str:
    """``ma 14:00`` style label (Brussels time) for a chart's axis."""
    local = at.astimezone(BRUSSELS)
    return f"{('ma', 'di', 'wo', 'do', 'vr', 'za', 'zo')[local.weekday()]} {local:%H:%M}"
