"""The live twin: the city publishes over MQTT, the planner plans from the database, crews work.

Each simulated morning at 05:30 the twin asks nettestad's planner (``routing.service.plan_day``)
to plan the day from what ingest stored, then its crews work through the stored routes at the
planned times: they empty the containers in the simulated city (the sensors then report the
drop) and mark each stop done. Known dumps are handed to the planner as fixed visits.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from contracts.db import connect
from twin.dumping import BRUSSELS
from twin.world import World

log = logging.getLogger(__name__)
PLAN_AT = time(5, 30)


@dataclass(slots=True)
class LiveOperations:
    """Plans each simulated day through the database and lets the crews carry it out."""

    database_url: str
    seed: int
    time_limit_s: float = 5.0
    planned_days: set[date] = field(default_factory=set)
    queue: list[tuple[datetime, int, str, str]] = field(default_factory=list)
    reported_dumps: set[str] = field(default_factory=set)

    def __call__(self, world: World) -> None:
        """The step hook: plan when a morning comes, then do what is due."""
        local = world.clock.astimezone(BRUSSELS)
        if local.time() >= PLAN_AT and local.date() not in self.planned_days:
            self.plan(world, local.date())
        self.work(world)

    def plan(self, world: World, day: date) -> int | None:
        """Plan ``day`` with the planner; returns the plan id (None when planning failed)."""
        from routing import store
        from routing.service import PlanParams, plan_day

        self.planned_days.add(day)
        now = world.clock
        try:
            with connect(self.database_url) as conn:
                for dump in world.dumping.open_dumps(now, cameras=True):
                    if dump.dump_id in self.reported_dumps:
                        continue
                    self.reported_dumps.add(dump.dump_id)
                    store.insert_fixed_visit(
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
                result = plan_day(
                    conn=conn,
                    day=day,
                    params=PlanParams(time_limit_s=self.time_limit_s, seed=self.seed, now=now),
                )
                stops = store.plan_stops(conn=conn, plan_id=result.plan_id)
                conn.commit()
        except Exception:
            log.exception("planning %s failed; the crews stay at the depot", day)
            return None
        self._enqueue(result.plan_id, stops)
        log.info(
            "planned %s: %d stops, %.1f km", day, result.planned_stops, result.distance_m / 1000
        )
        return result.plan_id

    def _enqueue(self, plan_id: int, stops: list[dict[str, Any]]) -> None:
        for stop in stops:
            if stop["kind"] != "unload":
                self.queue.append((stop["start_at"], plan_id, str(stop["ref"]), str(stop["name"])))
        self.queue.sort()

    def work(self, world: World) -> None:
        """Serve every stop whose planned time has come and mark it done."""
        due = []
        while self.queue and self.queue[0][0] <= world.clock:
            due.append(self.queue.pop(0))
        if not due:
            return
        from routing import store

        with connect(self.database_url) as conn:
            for at, plan_id, ref, name in due:
                if ref in world.states:
                    world.empty(ref, at)
                else:
                    dump_id = name.rsplit("(", 1)[-1].rstrip(")")
                    world.clear(dump_id, at)
                store.mark_stop(conn=conn, plan_id=plan_id, ref=ref, state="done", at=at)
            conn.commit()


def catch_up_plan_today(ops: LiveOperations, world: World) -> None:
    """Make sure today's plan exists once the simulated clock has reached the present."""
    today = world.clock.astimezone(BRUSSELS).date()
    if today not in ops.planned_days:
        ops.plan(world, today)


def start_of_history(now: datetime, days: float) -> datetime:
    """Where the simulated clock starts: ``days`` before ``now``, on a whole quarter hour."""
    start = now - timedelta(days=days)
    return start.replace(minute=start.minute - start.minute % 15, second=0, microsecond=0)
