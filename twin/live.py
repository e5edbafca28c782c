"""The live twin: the city publishes over MQTT, the planner plans from the database, crews work.

Each simulated morning at 05:30 the twin asks nettestad's planner (``routing.service.plan_day``)
to plan the day from what ingest stored, then its crews work through the stored routes at the
planned times: they empty the containers in the simulated city (the sensors then report the
drop) and mark each stop done. Known dumps are handed to the planner as fixed visits.

The twin runs many times faster than the street, so before it plans it waits (a bounded time)
until ingest has stored the readings of the last hours it published: a morning plan made from
readings still queued in the broker would see a city without sensors.
"""

from __future__ import annotations

import logging
import time as clock
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from db import connect, plans, readings
from twin.crew_channel import CrewChannel, Done, SheetStop
from twin.crews import fill_seen
from twin.dumping import BRUSSELS
from twin.world import World

log = logging.getLogger(__name__)
PLAN_AT = time(5, 30)
# A sensor uploads its readings hourly: once the twin has run longer than this, a plan waits
# until the newest stored reading is this recent.
INGEST_CAUGHT_UP = timedelta(hours=2)


@dataclass(slots=True)
class LiveOperations:
    """Plans each simulated day through the database and lets the crews carry it out."""

    database_url: str
    seed: int
    crews: CrewChannel
    time_limit_s: float = 5.0
    ingest_wait_s: float = 60.0  # how long (real seconds) a plan waits for ingest to catch up
    started: datetime | None = None
    planned_days: set[date] = field(default_factory=set)
    queue: list[tuple[datetime, str, date, SheetStop]] = field(default_factory=list)
    reported_dumps: set[str] = field(default_factory=set)

    def __call__(self, world: World) -> None:
        """The step hook: plan when a morning comes, then do what is due."""
        if self.started is None:
            self.started = world.clock
        local = world.clock.astimezone(BRUSSELS)
        if local.time() >= PLAN_AT and local.date() not in self.planned_days:
            self.plan(world, local.date())
        self.work(world)

    def plan(self, world: World, day: date) -> int | None:
        """Plan ``day`` with the planner; returns the plan id (None when planning failed)."""
        from routing import PlanParams, plan_day

        self.planned_days.add(day)
        now = world.clock
        try:
            self.wait_for_ingest(now)
            with connect(self.database_url) as conn:
                self._book_dumps(world, conn, day)
                result = plan_day(
                    conn=conn,
                    day=day,
                    params=PlanParams(
                        time_limit_s=self.time_limit_s, seed=self.seed, solution_limit=80, now=now
                    ),
                )
                vehicles = [r.vehicle_id for r in plans.routes(conn=conn, plan_id=result.plan_id)]
                conn.commit()
            for vehicle_id in vehicles:
                for stop in self.crews.route(vehicle_id, day):
                    self.queue.append((stop.eta, vehicle_id, day, stop))
            self.queue.sort(key=lambda q: (q[0], q[1], q[3].ref))
        except Exception:
            log.exception("planning %s failed; the crews stay at the depot", day)
            return None
        log.info(
            "planned %s: %d stops, %.1f km", day, result.planned_stops, result.distance_m / 1000
        )
        return result.plan_id

    def wait_for_ingest(self, now: datetime) -> bool:
        """Wait until ingest has stored readings up to ``now`` less ``INGEST_CAUGHT_UP``, when
        the twin has published that long. False (and a warning) when ``ingest_wait_s`` passed
        first: the plan then goes ahead with what is stored."""
        if self.started is None or now - self.started < INGEST_CAUGHT_UP:
            return True
        deadline = clock.monotonic() + self.ingest_wait_s
        with connect(self.database_url, autocommit=True) as conn:
            while True:
                newest = readings.newest_reading_at(conn=conn)
                if newest is not None and newest >= now - INGEST_CAUGHT_UP:
                    return True
                if clock.monotonic() >= deadline:
                    log.warning("ingest is behind (newest reading %s); planning anyway", newest)
                    return False
                clock.sleep(0.2)  # polling the database until ingest catches up, bounded above

    def _book_dumps(self, world: World, conn: Any, day: date) -> None:
        """Known dumps become fixed visits for the planner (named with the dump's id)."""
        for dump in world.dumping.open_dumps(world.clock, cameras=True):
            if dump.dump_id in self.reported_dumps:
                continue
            self.reported_dumps.add(dump.dump_id)
            plans.insert_fixed_visit(
                conn=conn,
                day=day,
                kind="dump",
                name=f"{dump.hotspot.name} ({dump.dump_id})",
                lat=dump.hotspot.lat,
                lon=dump.hotspot.lon,
                service_s=900,
                volume_l=round(dump.litres),
                weight_kg=round(dump.litres * 0.15),
                note=dump.dump_id,
            )

    def work(self, world: World) -> None:
        """Serve every stop whose planned time has come and report it done."""
        finished: dict[tuple[str, date], list[Done]] = {}
        while self.queue and self.queue[0][0] <= world.clock:
            at, vehicle_id, day, stop = self.queue.pop(0)
            fill: str | None = None
            if stop.bin_id is not None and stop.bin_id in world.states:
                fill = fill_seen(world.empty(stop.bin_id, at))
            elif "(" in stop.label:
                world.clear(stop.label.rsplit("(", 1)[-1].rstrip(")"), at)
            finished.setdefault((vehicle_id, day), []).append(Done(stop, fill, at))
        for (vehicle_id, day), work in finished.items():
            try:
                self.crews.done(vehicle_id, day, work)
            except Exception:
                log.exception("the crew of %s could not report %d stops", vehicle_id, len(work))


def catch_up_plan_today(ops: LiveOperations, world: World) -> None:
    """Make sure today's plan exists once the simulated clock has reached the present."""
    today = world.clock.astimezone(BRUSSELS).date()
    if today not in ops.planned_days:
        ops.plan(world, today)


def start_of_history(now: datetime, days: float) -> datetime:
    """Where the simulated clock starts: ``days`` before ``now``, on a whole quarter hour."""
    start = now - timedelta(days=days)
    return start.replace(minute=start.minute - start.minute % 15, second=0, microsecond=0)
