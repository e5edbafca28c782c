"""Fixed round against sensor-driven planning, over several weeks of the same seeded city.

For speed the comparison runs the twin in-process: sensor uploads go straight into the policy's
view of the readings instead of through MQTT, ingest and the database. Everything else is the
live path's: the same ``World`` (litter, sensors with their faults, dumps, cameras), the same
planning pipeline (``routing.pipeline``), and crews that follow the planned times. See docs/twin.md.
"""

from __future__ import annotations

import logging
import math
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from twin.city import City, build_city
from twin.crews import CrewRun, execute_plan
from twin.dumping import BRUSSELS
from twin.planning import plan_day
from twin.policies import FixedRound, Observations, Policy, SensorDriven
from twin.world import World, WorldParams

log = logging.getLogger(__name__)
PLAN_AT = time(5, 30)  # the morning's plan is made before the 06:00 shift
FIRST_DAY = date(2026, 9, 7)  # a Monday in term time; the run is fixed for reproducibility


@dataclass(frozen=True, slots=True)
class CompareParams:
    """What to compare."""

    weeks: int = 4
    seed: int = 7
    bins: int = 300
    warmup_days: int = 3  # sensors need a few days of history before their forecasts count
    time_limit_s: float = 60.0  # a safety net; the solution-count bound ends the search
    first_day: date = FIRST_DAY


@dataclass(slots=True)
class DayResult:
    """One simulated day under one policy."""

    day: date
    km: float
    crew_hours: float
    collections: int
    overflow_bin_hours: float
    fills: list[float]
    unplanned: int


@dataclass(slots=True)
class PolicyResult:
    """A policy's days and its dumps' cleanup times."""

    policy: str
    days: list[DayResult] = field(default_factory=list)
    cleanup_hours: list[float] = field(default_factory=list)
    dumps_open_at_end: int = 0

    def totals(self) -> dict[str, float]:
        """The figures the city asked for, over the measured period."""
        fills = [f for d in self.days for f in d.fills]
        return {
            "km": sum(d.km for d in self.days),
            "crew_hours": sum(d.crew_hours for d in self.days),
            "collections": float(sum(d.collections for d in self.days)),
            "overflow_bin_hours": sum(d.overflow_bin_hours for d in self.days),
            "mean_fill_at_collection": statistics.fmean(fills) if fills else math.nan,
            "dump_to_cleanup_h_median": statistics.median(self.cleanup_hours)
            if self.cleanup_hours
            else math.nan,
            "dump_to_cleanup_h_mean": statistics.fmean(self.cleanup_hours)
            if self.cleanup_hours
            else math.nan,
            "dumps_open_at_end": float(self.dumps_open_at_end),
        }


def _local(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=BRUSSELS)


def run_policy(
    city: City,
    params: CompareParams,
    make_policy: Callable[[World, Observations], Policy],
    *,
    cameras: bool,
) -> PolicyResult:
    """Simulate the whole period under one policy."""
    days = params.warmup_days + 7 * params.weeks
    start_day = params.first_day - timedelta(days=params.warmup_days)
    start = _local(start_day - timedelta(days=1), PLAN_AT).astimezone(UTC)
    world = World(
        city,
        params=WorldParams(seed=params.seed, measure_every=timedelta(hours=1), report_every=3),
        start=start,
    )
    observations = Observations(device_bin={b.device_id: b.bin_id for b in city.bins})
    policy = make_policy(world, observations)
    result = PolicyResult(policy.name)
    measured_from = _local(params.first_day, PLAN_AT)
    for k in range(days):
        day = start_day + timedelta(days=k)
        now = _local(day, PLAN_AT)
        dumps = world.dumping.open_dumps(now, cameras=cameras)
        plan = plan_day(
            city,
            day,
            policy.requests(day, now, dumps),
            seed=params.seed,
            time_limit_s=params.time_limit_s,
        )
        crews = CrewRun(world, plan)
        overflow_before = world.overflow_bin_hours()
        collections_before = len(world.collections)
        until = _local(day + timedelta(days=1), PLAN_AT)
        while world.clock < until:
            execute_plan(crews, up_to=world.clock + world.params.measure_every)
            for batch in world.step().batches:
                observations.add(batch)
        execute_plan(crews, up_to=until)
        if now >= measured_from:
            new = world.collections[collections_before:]
            result.days.append(
                DayResult(
                    day=day,
                    km=plan.km,
                    crew_hours=plan.crew_hours,
                    collections=len(new),
                    overflow_bin_hours=world.overflow_bin_hours() - overflow_before,
                    fills=[c.fill_before for c in new],
                    unplanned=len(plan.unplanned),
                )
            )
        log.debug("%s %s: %.1f km, %d stops", policy.name, day, plan.km, len(crews.done))
    for dump in world.dumping.dumps:
        if dump.appeared_at < measured_from.astimezone(UTC):
            continue
        if dump.cleared_at is None:
            result.dumps_open_at_end += 1
        else:
            result.cleanup_hours.append((dump.cleared_at - dump.appeared_at).total_seconds() / 3600)
    return result


def compare(params: CompareParams) -> list[PolicyResult]:
    """Both policies on the same city, in the same order every time."""
    city = build_city(seed=params.seed, bins=params.bins)
    fixed = run_policy(
        city, params, lambda w, _o: FixedRound(list(w.states.values())), cameras=False
    )
    sensor = run_policy(
        city, params, lambda w, o: SensorDriven(list(w.states.values()), o), cameras=True
    )
    return [fixed, sensor]
