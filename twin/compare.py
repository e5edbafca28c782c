"""The arms of the comparison, over four-week windows of the same seeded city.

For speed the comparison runs the twin in-process: sensor uploads go straight into the policy's
view of the readings instead of through MQTT, ingest and the database. Everything else is the
live path's: the same ``World`` (litter, sensors with their faults, dumps, cameras), the same
planning code path (``twin.planning.plan_day``: ``routing.horizon.crews_for_day`` over
``routing.pipeline``), and crews that follow the planned times. See docs/twin.md.

Every arm has the cameras. Dumps become stops of the next morning's plan (``DumpDispatch``
is the seam for same-day dispatch into running routes).
"""

from __future__ import annotations

import dataclasses
import itertools
import logging
import math
import statistics
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from routing import (
    HORIZON,
    HorizonParams,
    PlanConfig,
    ServiceCalendar,
    advice,
    dumps,
    longest_wait_h,
    service_of,
)
from twin.city import BinSite, City, build_city
from twin.crews import CrewRun, execute_plan
from twin.dumping import BRUSSELS, Dump, reinsert
from twin.planning import (
    SHIFT,
    Call,
    DayPlan,
    PlannedRoute,
    ServicePlan,
    plan_day,
    planned_route,
)
from twin.policies import (
    FixedRound,
    Observations,
    Policy,
    SensorProduct,
    category_round,
    hotspot_watches,
)
from twin.world import World, WorldParams

log = logging.getLogger(__name__)
PLAN_AT = time(5, 30)  # the morning's plan is made before the 06:00 shift
FIRST_DAY = date(2026, 9, 7)  # a Monday in term time; the run is fixed for reproducibility
# Four-week windows, each from a Monday: term time in autumn, a warm June, the summer holiday.
WINDOWS: Mapping[str, date] = {
    "autumn": date(2026, 9, 7),
    "summer": date(2026, 6, 1),
    "holiday": date(2026, 7, 6),
}
ARMS = ("oracle round", "category round", "sensor-driven", "sensor-driven + advice")
UPGRADE = (240, 1000)  # a 240 l container (volume, depth in mm) replaces a bin that overflows
ADVICE_SHARE = 0.1  # capacity advice on at most this share of the containers
DUE_IN = timedelta(hours=24)  # the target: a dump cleared within a day of appearing


@dataclass(frozen=True, slots=True)
class CompareParams:
    """What to compare."""

    weeks: int = 4
    seed: int = 7
    bins: int = 300
    warmup_days: int = 3  # sensors need a few days of history before their forecasts count
    time_limit_s: float = 60.0  # a safety net; the solution-count bound ends the search
    first_day: date = FIRST_DAY
    horizon: HorizonParams = HORIZON
    max_visits: int | None = None  # service days a week for areas not served daily (None: default)


@dataclass(slots=True)
class DayResult:
    """One simulated day under one policy."""

    day: date
    km: float
    shifts: int
    crew_hours: float
    collections: int
    overflow_bin_hours: float
    street_litres: float
    fills: list[float]
    unplanned: int


@dataclass(slots=True)
class PolicyResult:
    """A policy's days and its dumps' cleanup times."""

    policy: str
    days: list[DayResult] = field(default_factory=list)
    cleanup_hours: list[float] = field(default_factory=list)  # from appearing to cleanup
    known_hours: list[float] = field(default_factory=list)  # from the city knowing to cleanup
    dumps_open_at_end: int = 0
    # per dump whose 24 hours ran out before the run ended: whether it was cleared within them
    # (a dump that appeared less than 24 hours before the end cannot be judged yet)
    judged: list[bool] = field(default_factory=list)
    upgrades: int = 0  # containers replaced by a bigger one (capacity advice)
    replans: int = 0  # same-day re-plans that put a dump on a running route
    seconds: float = 0.0  # wall clock
    cpu_seconds: float = 0.0  # this process's processor time (less dependent on the load)

    def totals(self) -> dict[str, float]:
        """The figures the city asked for, over the measured period."""
        fills = [f for d in self.days for f in d.fills]
        dumps = len(self.cleanup_hours) + self.dumps_open_at_end
        return {
            "km": sum(d.km for d in self.days),
            "shifts": float(sum(d.shifts for d in self.days)),
            "crew_hours": sum(d.crew_hours for d in self.days),
            "collections": float(sum(d.collections for d in self.days)),
            "overflow_bin_hours": sum(d.overflow_bin_hours for d in self.days),
            "street_litres": sum(d.street_litres for d in self.days),
            "mean_fill_at_collection": statistics.fmean(fills) if fills else math.nan,
            "dumps_within_24h": sum(1 for h in self.cleanup_hours if h <= 24) / dumps
            if dumps
            else math.nan,
            "dumps_within_24h_judged": sum(self.judged) / len(self.judged)
            if self.judged
            else math.nan,
            "dumps_not_judged": float(dumps - len(self.judged)),
            "dumps_within_24h_of_known": sum(1 for h in self.known_hours if h <= 24) / dumps
            if dumps
            else math.nan,
            "dump_to_cleanup_h_median": statistics.median(self.cleanup_hours)
            if self.cleanup_hours
            else math.nan,
            "dumps_open_at_end": float(self.dumps_open_at_end),
            "upgrades": float(self.upgrades),
            "replans": float(self.replans),
        }


class DumpDispatch:
    """How known dumps reach the crews: as stops of the next morning's plan (the base), and
    (:class:`SameDayDispatch`) onto the running routes as soon as the city learns of them."""

    def morning(self, world: World, now: datetime) -> list[Dump]:
        """Dumps to book into the morning's plan (every arm has the cameras)."""
        return world.dumping.open_dumps(now, cameras=True)

    def during(self, world: World, plan: DayPlan, now: datetime) -> DayPlan | None:  # noqa: ARG002 - the seam's signature
        """A re-planned day after dumps became known at ``now`` (None: keep the plan)."""
        return None


@dataclass(slots=True)
class _Running:
    """The street service's day as re-planned so far."""

    service: ServicePlan  # requests, problem and solution of the rest of the day
    done: dict[str, list[Call]]  # per vehicle, the calls made before the last re-plan
    started: dict[str, int]  # per vehicle, when it left the depot (seconds after midnight)
    crane: tuple[PlannedRoute, ...]  # the other service's routes, as planned


class SameDayDispatch(DumpDispatch):
    """The product's same-day dispatch: a dump the city learns of during the shift becomes a
    must-visit cleanup on a running street route, by ``routing.dumps.insert_cleanup`` (the step
    ``/dumps`` takes through ``routing.dumps.dispatch``), with the re-plan's product settings
    (``REPLAN_SOLUTIONS`` improving solutions, ``REPLAN_ITERATIONS`` iterations). A crew not out
    is not called in; a shift ending within ``LAST_CALL`` is not re-planned; what no route can take
    waits for the next morning's plan.
    """

    def __init__(self, *, seed: int) -> None:
        self.config = PlanConfig(
            time_limit_s=60.0,  # a safety net; the bounds below end the search
            seed=seed,
            solution_limit=dumps.REPLAN_SOLUTIONS,
            iterations=dumps.REPLAN_ITERATIONS,
        )
        self.replans = 0
        self._day: date | None = None
        self._running: _Running | None = None
        self._since: datetime | None = None

    def during(self, world: World, plan: DayPlan, now: datetime) -> DayPlan | None:
        """Re-plan the street routes from ``now`` when dumps became known since the last look."""
        local = now.astimezone(BRUSSELS)
        if self._day != plan.day:
            self._start_day(plan)
        since, self._since = self._since, now
        last_call = datetime.combine(plan.day, SHIFT[1], BRUSSELS) - dumps.LAST_CALL
        if self._running is None or since is None or local.date() != plan.day:
            return None
        if not datetime.combine(plan.day, SHIFT[0], BRUSSELS) <= local < last_call:
            return None
        new = world.dumping.newly_known(since, now, cameras=True)
        running = self._running
        booked = {r.ref for r in running.service.requests}
        new = [d for d in new if d.dump_id not in booked]
        if not new:
            return None
        service = running.service
        requests, result = reinsert(
            city=world.city,
            requests=service.requests,
            trucks=service.trucks,
            problem=service.problem,
            solution=service.solution,
            dumps=new,
            now=now + timedelta(seconds=1),  # a call starting at ``now`` was made already
            config=self.config,
        )
        if len(result.left_out) == len(new) and not result.solution.routes:
            return None  # every crew is (nearly) home: the next morning's plan takes them
        self.replans += 1
        for vehicle, calls in result.done.items():
            running.done.setdefault(vehicle, []).extend(calls)
        running.service = ServicePlan(
            service.trucks, tuple(requests), result.problem, result.solution
        )
        return self._plan(plan)

    def _start_day(self, plan: DayPlan) -> None:
        # the morning plan took the dumps known when it was made: from then on they are new
        self._day, self._since, self._running = plan.day, _local(plan.day, PLAN_AT), None
        street = [s for s in plan.services if "dump" in s.trucks[0].serves]
        if street and any(r.visits for r in street[0].solution.routes):
            service = street[0]
            ids = {t.vehicle_id for t in service.trucks}
            self._running = _Running(
                service,
                {},
                {r.vehicle_id: r.start for r in service.solution.routes if r.visits},
                tuple(r for r in plan.routes if r.vehicle_id not in ids),
            )

    def _plan(self, plan: DayPlan) -> DayPlan:
        """The day's routes: the other service's as planned, the street crews' pieced together."""
        running = self._running
        assert running is not None
        distance = running.service.problem.distance
        duration = running.service.problem.duration
        rest = {r.vehicle_id: r for r in running.service.solution.routes}
        routes = list(running.crane)
        for vehicle, began in running.started.items():
            calls = [
                *running.done.get(vehicle, []),
                *(rest[vehicle].visits if vehicle in rest else []),
            ]
            places = [0, *(c.location for c in calls), 0]  # from the depot and back
            metres = sum(distance[a][b] for a, b in itertools.pairwise(places))
            ends = rest[vehicle].end if vehicle in rest and rest[vehicle].visits else 0
            if calls and not ends:
                ends = calls[-1].end + duration[calls[-1].location][0]
            routes.append(planned_route(plan.day, vehicle, (began, ends), calls, metres))
        return dataclasses.replace(plan, routes=tuple(routes))


def _local(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=BRUSSELS)


def upgraded(city: City, upgrades: Mapping[str, tuple[int, int]]) -> City:
    """The city with some containers replaced: ``bin_id -> (volume_l, depth_mm)``."""

    def one(site: BinSite) -> BinSite:
        if site.bin_id not in upgrades:
            return site
        volume, depth = upgrades[site.bin_id]
        return dataclasses.replace(site, volume_l=volume, depth_mm=depth)

    return dataclasses.replace(city, bins=tuple(one(s) for s in city.bins))


def run_policy(
    city: City,
    params: CompareParams,
    make_policy: Callable[[World, Observations], Policy],
    *,
    dispatch: DumpDispatch | None = None,
    name: str | None = None,
    on_observations: Callable[[Observations], None] | None = None,
) -> PolicyResult:
    """Simulate the whole period under one policy."""
    import time as clock

    started, cpu = clock.monotonic(), clock.process_time()
    dispatch = dispatch or SameDayDispatch(seed=params.seed)
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
    result = PolicyResult(name or policy.name)
    measured_from = _local(params.first_day, PLAN_AT)
    for k in range(days):
        day = start_day + timedelta(days=k)
        now = _local(day, PLAN_AT)
        plan = plan_day(
            city,
            day,
            policy.requests(day, now, dispatch.morning(world, now)),
            seed=params.seed,
            time_limit_s=params.time_limit_s,
        )
        crews = CrewRun(world, plan)
        overflow_before = world.overflow_bin_hours()
        street_before = world.street_litres()
        collections_before = len(world.collections)
        until = _local(day + timedelta(days=1), PLAN_AT)
        while world.clock < until:
            execute_plan(crews, up_to=world.clock + world.params.measure_every)
            for batch in world.step().batches:
                observations.add(batch)
            replanned = dispatch.during(world, plan, world.clock)
            if replanned is not None:
                plan = replanned
                crews.follow(plan, after=world.clock)
        execute_plan(crews, up_to=until)
        if now >= measured_from:
            new = world.collections[collections_before:]
            result.days.append(
                DayResult(
                    day=day,
                    km=plan.km,
                    shifts=plan.shifts,
                    crew_hours=plan.crew_hours,
                    collections=len(new),
                    overflow_bin_hours=world.overflow_bin_hours() - overflow_before,
                    street_litres=world.street_litres() - street_before,
                    fills=[c.fill_before for c in new],
                    unplanned=len(plan.unplanned),
                )
            )
        log.debug("%s %s: %.1f km, %d stops", policy.name, day, plan.km, len(crews.done))
    tally_dumps(
        result,
        world.dumping.dumps,
        measured_from=measured_from,
        end=_local(start_day + timedelta(days=days), PLAN_AT),
    )
    if on_observations is not None:
        on_observations(observations)
    if isinstance(dispatch, SameDayDispatch):
        result.replans = dispatch.replans
    result.seconds = clock.monotonic() - started
    result.cpu_seconds = clock.process_time() - cpu
    return result


def tally_dumps(
    result: PolicyResult, dumps: Sequence[Dump], *, measured_from: datetime, end: datetime
) -> None:
    """Add the dumps that appeared from ``measured_from`` on to ``result``.

    Two definitions of "cleared within 24 hours": over every such dump, one still open at
    ``end`` counting as not cleared (``cleanup_hours`` and ``dumps_open_at_end``), and over
    those whose 24 hours ran out by ``end`` only (``judged``): a dump that appeared less than a
    day before the run ended cannot be judged either way.
    """
    for dump in dumps:
        if dump.appeared_at < measured_from:
            continue
        if dump.appeared_at + DUE_IN <= end:
            cleared = dump.cleared_at
            result.judged.append(cleared is not None and cleared - dump.appeared_at <= DUE_IN)
        if dump.cleared_at is None:
            result.dumps_open_at_end += 1
        else:
            result.cleanup_hours.append((dump.cleared_at - dump.appeared_at).total_seconds() / 3600)
            known = dump.known_at(cameras=True)
            result.known_hours.append((dump.cleared_at - known).total_seconds() / 3600)


DEPTH_MM = {60: 700, 120: 900, 240: 1000}  # a street bin's depth by volume (sensor to bottom)


def advised(
    observations: Observations,
    city: City,
    *,
    share: float = ADVICE_SHARE,
    calendar: ServiceCalendar | None = None,
) -> dict[str, tuple[int, int]]:
    """The product's capacity advice (``routing.advice``) on the sensors' readings, applied.

    Every container's readings go to ``routing.advice.rates_from_readings`` and
    ``routing.advice.advise`` with the product's defaults and at most ``share`` of all
    containers, the worst first; with the product's ``calendar`` each container must hold its
    area's longest wait between service days (``routing.servicedays.longest_wait_h``), else a
    day. Each advised container becomes its advised capacity (a bigger one, or the extra
    containers counted as one of their total volume): ``bin_id -> (litres, depth_mm)``.
    """
    rates = []
    for site in city.bins:
        obs = observations.bins.get(site.bin_id)
        if obs is None or not obs.points:
            continue
        readings: list[tuple[datetime, float | None]] = [(t, v) for t, v, _ in obs.points]
        rates.append(
            advice.rates_from_readings(
                site.bin_id, site.volume_l, readings, container_type=site.container_type
            )
        )
    # the share counts every container of the city, as the targets do
    cap = math.floor(share * len(city.bins) + 1e-9)
    waits = (
        {}
        if calendar is None
        else {
            site.bin_id: longest_wait_h(
                calendar, service=service_of(site.container_type), area=site.district
            )
            for site in city.bins
        }
    )
    found = advice.advise(rates, waits_h=waits)[:cap]
    return {u.bin_id: (u.capacity_l, DEPTH_MM.get(u.new_volume_l, UPGRADE[1])) for u in found}


def product(
    params: CompareParams, made: list[SensorProduct] | None = None
) -> Callable[[World, Observations], Policy]:
    """The sensor-driven product's policy, as an arm (each policy made is added to ``made``)."""

    def make(w: World, o: Observations) -> Policy:
        policy = SensorProduct(
            list(w.states.values()),
            o,
            params.horizon,
            max_visits=params.max_visits,
            watches=lambda now: hotspot_watches(w, now),
        )
        if made is not None:
            made.append(policy)
        return policy

    return make


def advice_of(params: CompareParams, city: City) -> tuple[PolicyResult, dict[str, tuple[int, int]]]:
    """The product's run and the capacity advice from its readings and service days."""
    seen: list[Observations] = []
    made: list[SensorProduct] = []
    result = run_policy(city, params, product(params, made), on_observations=seen.append)
    return result, advised(seen[0], city, calendar=made[0].calendar)


def run_arm(
    name: str,
    params: CompareParams,
    *,
    upgrades: Mapping[str, tuple[int, int]] | None = None,
) -> PolicyResult:
    """One arm on the seeded city; the advice arm takes ``upgrades`` (else chosen locally)."""
    city = build_city(seed=params.seed, bins=params.bins)
    if name == "oracle round":
        return run_policy(city, params, lambda w, _o: FixedRound(list(w.states.values())))
    if name == "category round":
        return run_policy(city, params, lambda w, _o: category_round(list(w.states.values())))
    if name == "sensor-driven":
        return run_policy(city, params, product(params))
    if name == "sensor-driven + advice":
        if upgrades is None:
            upgrades = advice_of(params, city)[1]
        result = run_policy(upgraded(city, upgrades), params, product(params), name=name)
        result.upgrades = len(upgrades)
        return result
    raise ValueError(f"unknown arm {name!r}")


def compare(
    params: CompareParams,
    arms: Sequence[str] = ARMS,
    *,
    advised_out: dict[str, tuple[int, int]] | None = None,
) -> list[PolicyResult]:
    """The arms on the same city, in the same order every time.

    The advice arm's upgrades come from the sensor-driven arm's readings when both run (and are
    added to ``advised_out`` when given).
    """
    city = build_city(seed=params.seed, bins=params.bins)
    results, upgrades = [], None
    for name in arms:
        if name == "sensor-driven":
            result, upgrades = advice_of(params, city)
            if advised_out is not None:
                advised_out.update(upgrades)
            results.append(result)
        else:
            results.append(run_arm(name, params, upgrades=upgrades))
    return results
