"""Simulated crews: they drive their planned route, empty containers, clear dumps and report.

A crew works through its route sheet in order at the planned times (travel and service times
come from the plan). At each stop it empties the container and reports what it saw (empty,
half, full, overflowing), or clears the dump; on the way it notices dumps near its stops. Reports
go through a :class:`CrewReporter`: in the in-process comparison they are only recorded, in the
live twin they go to the web app's crew API when it offers one (see ``twin/live.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from twin.planning import DayPlan, road_metres
from twin.world import World

NOTICE_RADIUS_M = 150  # a crew sees a dump this close to a stop it serves
CHECK_PREFIX = (
    "check:"  # a look at a hotspot (``routing.hotspots.hotspot_checks``): check:<hotspot>
)


@dataclass(frozen=True, slots=True)
class StopReport:
    """What a crew reports at a stop, as a real crew would on its route sheet."""

    vehicle_id: str
    ref: str
    at: datetime
    outcome: str  # 'done' or 'problem'
    fill_seen: str | None = None  # empty / half / full / overflowing
    problem: str | None = None  # e.g. 'new_dumping'


class CrewReporter(Protocol):
    """Where a crew's reports go."""

    def report(self, report: StopReport) -> None:
        """Record one stop's outcome."""


def fill_seen(fill: float) -> str:
    """The category a crew member ticks for what they saw in the container."""
    if fill >= 1.0:
        return "overflowing"
    if fill >= 0.7:
        return "full"
    if fill >= 0.3:
        return "half"
    return "empty"


@dataclass(slots=True)
class RecordingReporter:
    """Keeps reports in memory (the in-process comparison)."""

    reports: list[StopReport] = field(default_factory=list)

    def report(self, report: StopReport) -> None:
        """Keep it."""
        self.reports.append(report)


@dataclass(slots=True)
class CrewRun:
    """Every crew's remaining actions for one day, in time order."""

    world: World
    plan: DayPlan
    reporter: CrewReporter = field(default_factory=RecordingReporter)
    queue: list[tuple[datetime, str, str]] = field(default_factory=list)  # (time, vehicle, ref)
    done: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        for route in self.plan.routes:
            for visit in route.visits:
                if visit.kind == "stop":
                    self.queue.append((visit.start, route.vehicle_id, visit.ref))
        self.queue.sort()

    def follow(self, plan: DayPlan, *, after: datetime) -> None:
        """A re-planned day: from now on the crews work through its calls after ``after``."""
        self.plan = plan
        self.queue = sorted(
            (v.start, r.vehicle_id, v.ref)
            for r in plan.routes
            for v in r.visits
            if v.kind == "stop" and v.start > after
        )


def _serve(crews: CrewRun, at: datetime, vehicle_id: str, ref: str) -> None:
    world = crews.world
    if ref in world.states:
        site = world.site(ref)
        fill = world.empty(ref, at)
        crews.reporter.report(StopReport(vehicle_id, ref, at, "done", fill_seen(fill)))
        here = (site.lat, site.lon)
    elif ref.startswith(CHECK_PREFIX):
        spot = next(h for h in world.city.hotspots if h.hotspot_id == ref[len(CHECK_PREFIX) :])
        world.checks += 1
        crews.reporter.report(StopReport(vehicle_id, ref, at, "done"))
        here = (spot.lat, spot.lon)
        for dump in world.dumping.dumps:  # the crew came to look: it clears what it finds
            if dump.hotspot is spot and dump.cleared_at is None and dump.appeared_at <= at:
                if dump.found_by_crew_at is None:
                    dump.found_by_crew_at = at
                world.clear(dump.dump_id, at)
                crews.reporter.report(
                    StopReport(vehicle_id, ref, at, "problem", problem="new_dumping")
                )
    else:
        world.clear(ref, at)
        crews.reporter.report(StopReport(vehicle_id, ref, at, "done"))
        dump = next(d for d in world.dumping.dumps if d.dump_id == ref)
        here = (dump.hotspot.lat, dump.hotspot.lon)
    for spot in world.city.hotspots:
        if road_metres(here, (spot.lat, spot.lon)) <= NOTICE_RADIUS_M:
            world.hotspot_seen[spot.hotspot_id] = at
    for dump in world.dumping.dumps:
        unknown = dump.cleared_at is None and dump.found_by_crew_at is None
        if (
            unknown
            and dump.appeared_at <= at
            and road_metres(here, (dump.hotspot.lat, dump.hotspot.lon)) <= NOTICE_RADIUS_M
        ):
            dump.found_by_crew_at = at
            crews.reporter.report(StopReport(vehicle_id, ref, at, "problem", problem="new_dumping"))
    crews.done.append(ref)


def execute_plan(crews: CrewRun, *, up_to: datetime) -> int:
    """Carry out every action planned before ``up_to``; returns how many were done."""
    n = 0
    while crews.queue and crews.queue[0][0] <= up_to:
        at, vehicle_id, ref = crews.queue.pop(0)
        _serve(crews, at, vehicle_id, ref)
        n += 1
    return n
