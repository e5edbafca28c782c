"""Sensor-driven collection over a horizon: which containers a day's plan may serve, and what each is worth.

A day is not planned on its own. Every area has service days (:mod:`routing.servicedays`, the
periodic plan a coordinator sees and adjusts), and a container left today waits at least until
its area's next service day. Each container's worth today is what leaving it would cost over
that horizon, given to the router as a prize (a stop's penalty), not decided before routing:

- on its area's service day a container that would overflow before the next one is a
  must-visit; one that would *probably* need a visit of its own before then is optional with a
  prize of that separate visit (what pulling it forward saves) times its probability, so the
  router takes it when its detour costs less;
- on any other day a container that would overflow before its area's next service day is
  optional with the prize of the overflow hours a visit today avoids until then: the hours it
  would overflow if left, less the hours it would overflow again after being emptied (a bin that
  fills twice a day is not saved by one visit). A crew already out takes it when the detour
  pays, a crew drives to an area for such containers only when their prizes together pay the
  trip (and then takes the ones that could nearly wait, whose prizes are small), and a crew
  goes out for them only when they pay the shift (:func:`crews_for_day`);
- a container whose sensor is silent or stuck is never skipped silently: its level is carried
  forward at its history's mean rate from its last trusted reading, and the choice is flagged.

The crane truck (underground and glass) is a separate service with its own, sparser days.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from routing.forecast import BRUSSELS, FillModel
from routing.model import Problem, Solution
from routing.selection import normal_cdf

CRANE_TYPES = frozenset({"underground", "glass"})
STREET, CRANE = "street", "crane"
SERVICES = (STREET, CRANE)
WEEK = 7


def service_of(container_type: str) -> str:
    """The service that empties a container type: the crane truck or a street crew."""
    return CRANE if container_type in CRANE_TYPES else STREET


@dataclass(frozen=True, slots=True)
class ServiceCalendar:
    """The periodic plan: per ``(service, area)`` the weekdays (0 = Monday) a crew comes."""

    weekdays: Mapping[tuple[str, str], frozenset[int]]

    def __post_init__(self) -> None:
        for (service, area), days in self.weekdays.items():
            if service not in SERVICES:
                raise ValueError(f"unknown service {service!r} for area {area!r}")
            if any(not 0 <= d < WEEK for d in days):
                raise ValueError(f"weekdays of {service}/{area} must lie in 0..6")

    def serves(self, service: str, area: str, day: date) -> bool:
        """Whether ``day`` is a service day of this area."""
        return day.weekday() in self.weekdays.get((service, area), frozenset())

    def next_day(self, service: str, area: str, after: date) -> date | None:
        """The first service day strictly after ``after`` (None: the area is never served)."""
        days = self.weekdays.get((service, area), frozenset())
        for k in range(1, WEEK + 1):
            nxt = after + timedelta(days=k)
            if nxt.weekday() in days:
                return nxt
        return None


@dataclass(frozen=True, slots=True)
class HorizonParams:
    """What the horizon policy weighs (euro); validated at construction."""

    # What one hour of an overflowing container costs the city: litter in the street, a
    # complaint, a bin nobody can use. The policy's main knob (bench/RESULTS.md, "City twin"):
    # above about 0.25 €/h the twin's crews drive more for little less overflow.
    overflow_eur_per_h: float = 0.1
    # A visit on a day its area is not served: the detour of a crew that is out anyway, or
    # part of a shift. Pulling a container forward is worth this times the chance it would need
    # one before its next service day.
    separate_visit_eur: float = 12.0
    # A container is pulled forward on its service day when the chance it would pass this
    # level before the next service day is at least ``min_probability``.
    pull_level: float = 0.9
    min_probability: float = 0.1
    visit_at: time = time(10, 0)  # the mean time of a visit in the shift
    horizon_days: int = WEEK  # when an area is never served, the container is judged over this

    def __post_init__(self) -> None:
        if self.overflow_eur_per_h < 0 or self.separate_visit_eur < 0:
            raise ValueError("costs must be at least 0")
        if not 0 < self.pull_level <= 1.5:
            raise ValueError("pull_level must lie in (0, 1.5]")
        if not 0 <= self.min_probability <= 1:
            raise ValueError("min_probability must lie in [0, 1]")
        if self.horizon_days < 1:
            raise ValueError("horizon_days must be at least 1")


HORIZON = HorizonParams()


@dataclass(frozen=True, slots=True)
class Outlook:
    """What the city knows about one container when it plans.

    ``model`` with ``level`` at ``at`` is the sensor's forecast. When the sensor is silent or
    stuck, ``model`` is None and ``rate_per_day`` (the history's mean fill per day) carries the
    last trusted ``level`` forward; ``flag`` says why.
    """

    bin_id: str
    area: str
    container_type: str
    level: float
    at: datetime
    model: FillModel | None = None
    rate_per_day: float = 0.0
    flag: str | None = None  # 'silent', 'stuck', 'no_history': fell back to history


@dataclass(frozen=True, slots=True)
class Choice:
    """A container offered to today's plan."""

    bin_id: str
    must: bool
    prize_eur: float | None  # None when must
    expected_level: float  # at today's visit
    flag: str | None  # set when the choice rests on history, not on a live sensor


def _visit(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=BRUSSELS)


class _Path:
    """A container's expected level hour by hour from its last reading (no emptying), or from
    ``emptied`` on with an empty container (``level`` 0)."""

    def __init__(
        self, outlook: Outlook, until: datetime, *, emptied: datetime | None = None
    ) -> None:
        self.start = outlook.at if emptied is None else emptied
        levels = [outlook.level if emptied is None else 0.0]
        t = self.start
        per_hour = outlook.rate_per_day / 24
        while t < until:
            rate = outlook.model.rate_at(t) if outlook.model is not None else per_hour
            levels.append(levels[-1] + rate)
            t += timedelta(hours=1)
        self.levels = levels
        self.daily_cv = outlook.model.daily_cv if outlook.model is not None else 0.5

    def at(self, when: datetime) -> float:
        """Expected level at ``when`` (linear between hours)."""
        hours = max((when - self.start).total_seconds() / 3600, 0.0)
        i = min(int(hours), len(self.levels) - 2) if len(self.levels) > 1 else 0
        if len(self.levels) == 1:
            return self.levels[0]
        frac = min(hours - i, 1.0)
        return self.levels[i] + (self.levels[i + 1] - self.levels[i]) * frac

    def spread(self, level_then: float, when: datetime, start_level: float) -> float:
        """Standard deviation of the level at ``when`` (as :func:`routing.selection.forecast_spread`)."""
        days = max((when - self.start).total_seconds() / 86400, 0.25)
        return max(self.daily_cv * (level_then - start_level) / math.sqrt(days), 0.02)

    def hours_above(self, level: float, since: datetime, until: datetime) -> float:
        """Expected hours between ``since`` and ``until`` with the level at or above ``level``."""
        if until <= since:
            return 0.0
        total, t = 0.0, since
        while t < until:
            step = min(timedelta(hours=1), until - t)
            if self.at(t + step / 2) >= level:
                total += step.total_seconds() / 3600
            t += step
        return total


def choose(
    outlooks: Sequence[Outlook],
    *,
    day: date,
    calendar: ServiceCalendar,
    params: HorizonParams = HORIZON,
) -> list[Choice]:
    """The containers offered to ``day``'s plan, each must-visit or with its prize."""
    out: list[Choice] = []
    visit = _visit(day, params.visit_at)
    tomorrow = visit + timedelta(days=1)
    for o in outlooks:
        service = service_of(o.container_type)
        nxt = calendar.next_day(service, o.area, day)
        horizon = (
            _visit(nxt, params.visit_at)
            if nxt is not None
            else visit + timedelta(days=params.horizon_days)
        )
        path = _Path(o, max(horizon, tomorrow) + timedelta(hours=1))
        today = path.at(visit)
        later = path.at(horizon)
        if o.model is None and o.flag == "no_history":
            # Nothing known: served on every service day of its area, never skipped silently.
            if calendar.serves(service, o.area, day):
                out.append(Choice(o.bin_id, True, None, today, o.flag))
            continue
        if calendar.serves(service, o.area, day):
            choice = _on_service_day(
                o, path, today=today, later=later, horizon=horizon, params=params
            )
        else:
            choice = _off_day(
                o,
                path,
                today=today,
                visit=visit,
                tomorrow=tomorrow,
                horizon=horizon,
                params=params,
            )
        if choice is not None:
            out.append(choice)
    return out


def _on_service_day(
    o: Outlook,
    path: _Path,
    *,
    today: float,
    later: float,
    horizon: datetime,
    params: HorizonParams,
) -> Choice | None:
    if later >= 1.0 or today >= 1.0:
        return Choice(o.bin_id, True, None, today, o.flag)
    spread = path.spread(later, horizon, o.level)
    p_due = normal_cdf((later - params.pull_level) / spread)
    if p_due < params.min_probability:
        return None
    # Left today it may need a visit of its own before the next service day: taking it now
    # saves that visit's cost, with that chance.
    p_over = normal_cdf((later - 1.0) / spread)
    prize = p_over * params.separate_visit_eur + (p_due - p_over) * params.separate_visit_eur / 4
    return Choice(o.bin_id, False, prize, today, o.flag)


def _off_day(
    o: Outlook,
    path: _Path,
    *,
    today: float,
    visit: datetime,
    tomorrow: datetime,
    horizon: datetime,
    params: HorizonParams,
) -> Choice | None:
    if path.at(horizon) < 1.0 and today < 1.0:
        return None  # its area's next service day is soon enough
    # Left today it may overflow until its area's next service day; emptied today it may
    # overflow again before then. The prize is the overflow hours the visit avoids, no more:
    # large for a container overflowing soon in an area served days from now, small for one
    # that can nearly wait (taken only when a crew is there anyway).
    until = max(horizon, tomorrow)
    emptied = _Path(o, until + timedelta(hours=1), emptied=visit)
    hours = path.hours_above(1.0, visit, until) - emptied.hours_above(1.0, visit, until)
    if hours <= 0:
        return None
    return Choice(o.bin_id, False, hours * params.overflow_eur_per_h, today, o.flag)


@dataclass(frozen=True, slots=True)
class CrewDecision:
    """How many crews a service sends out on a day, and the plan with that many."""

    crews: int
    solution: Solution
    tried: tuple[tuple[int, int], ...]  # (crews, objective) of every count planned


def crews_for_day(
    build: Callable[[int], Problem],
    solve: Callable[[Problem], Solution],
    *,
    available: int,
    first: int,
) -> CrewDecision:
    """The number of crews (paid shifts) to send out, decided by the plans' whole cost.

    ``build(k)`` is the day's problem with ``k`` vehicles, each carrying its shift's cost as
    its fixed cost; ``solve`` is the planning pipeline. Starting from one crew more than
    ``first`` (what the must-visit service time needs), one more goes out while a must-visit
    stop is left out; one fewer while the routes' hours would fit, it is cheaper and it leaves
    no must-visit stop out; one more when the prizes left out exceed a shift and it pays.
    """
    first = min(max(first, 1), available)
    tried: dict[int, Solution] = {}

    def run(k: int) -> Solution:
        if k not in tried:
            tried[k] = solve(build(k))
        return tried[k]

    def must_left(sol: Solution, problem: Problem) -> bool:
        must = {s.id for s in problem.stops if s.penalty is None}
        return any(u.stop_id in must for u in sol.unplanned)

    # Start one above the estimate: a plan with too few crews is slow to find and then
    # discarded, one with a crew to spare is quick and shows whether fewer would do.
    k = min(first + 1, available)
    best = run(k)
    while k < available and must_left(best, build(k)):
        k += 1
        best = run(k)
    while k > 1 and not must_left(best, build(k)) and _fits_fewer(build(k), best, k - 1):
        fewer = run(k - 1)
        if fewer.objective >= best.objective or must_left(fewer, build(k - 1)):
            break
        k, best = k - 1, fewer
    problem = build(k)
    if k < available and _prizes_left(problem, best) > problem.vehicles[0].fixed_cost:
        # The prizes left out would pay for another shift: see whether it really pays.
        more = run(k + 1)
        if more.objective < best.objective and not must_left(more, build(k + 1)):
            k, best = k + 1, more
    return CrewDecision(k, best, tuple(sorted((n, s.objective) for n, s in tried.items())))


def _prizes_left(problem: Problem, solution: Solution) -> int:
    penalty = {s.id: s.penalty or 0 for s in problem.stops}
    return sum(penalty[u.stop_id] for u in solution.unplanned)


def _fits_fewer(problem: Problem, solution: Solution, crews: int) -> bool:
    """Whether the routes' working time would fit in ``crews`` shifts (at 95 %)."""
    busy = sum(r.end - r.start for r in solution.routes if r.visits)
    shift = max(v.shift.end - v.shift.start for v in problem.vehicles)
    return busy <= 0.95 * crews * shift
