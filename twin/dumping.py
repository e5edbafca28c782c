"""Illegal dumping at hotspots, the camera units that see it, and the citizens who report it.

Dumps arrive at each hotspot as a Poisson process, mostly in the evening and at night. A camera
detects a dump after its dwell time with a high but imperfect probability; when it misses one, a
citizen report arrives later (hours, sometimes a day). A dump stays until a crew clears it.

Same-day dispatch: a dump the city learns of during the day goes onto a running route by the
product's own step, :func:`routing.dumps.insert_cleanup` (see :func:`reinsert`); it is due within
``routing.dumps.DUE_WITHIN`` of when the city learned of it.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from contracts import DumpingEvent
from routing import (
    CLEANUP_SERVICE_S,
    DUE_WITHIN,
    Cleanup,
    PlanConfig,
    Problem,
    Reinsertion,
    Solution,
    VisitKind,
    insert_cleanup,
)
from twin.city import City, Hotspot

if TYPE_CHECKING:
    from twin.planning import StopRequest, TruckType

BRUSSELS = ZoneInfo("Europe/Brussels")
CAMERA_DETECTS = 0.92
DWELL = timedelta(minutes=3)
CITIZEN_REPORT_MEAN_H = 20.0


@dataclass(slots=True)
class Dump:
    """One pile of dumped waste and what is known about it."""

    dump_id: str
    hotspot: Hotspot
    appeared_at: datetime
    litres: float
    person_present: bool
    vehicle_present: bool
    camera_detected_at: datetime | None
    citizen_report_at: datetime
    cleared_at: datetime | None = None
    found_by_crew_at: datetime | None = None

    def known_at(self, *, cameras: bool) -> datetime:
        """When the city learns of the dump: camera, citizen report or a crew passing by."""
        times = [self.citizen_report_at]
        if cameras and self.camera_detected_at is not None:
            times.append(self.camera_detected_at)
        if self.found_by_crew_at is not None:
            times.append(self.found_by_crew_at)
        return min(times)

    def due_at(self, *, cameras: bool) -> datetime:
        """When the cleanup is due: a day after the city learned of the dump."""
        return self.known_at(cameras=cameras) + DUE_WITHIN

    def event(self, seq: int) -> DumpingEvent:
        """The camera unit's message for this dump (contract v1 ``up/event``)."""
        assert self.camera_detected_at is not None
        rng = random.Random(self.dump_id)
        w, h = rng.randint(80, 260), rng.randint(60, 200)
        return DumpingEvent(
            device_id=self.hotspot.camera_id,
            event_id=self.dump_id,
            seq=seq,
            hotspot_id=self.hotspot.hotspot_id,
            started_at=self.appeared_at,
            detected_at=self.camera_detected_at,
            bbox=(rng.randint(0, 640 - w), rng.randint(120, 480 - h), w, h),
            object_area_px=w * h,
            person_present=self.person_present,
            vehicle_present=self.vehicle_present,
            score=round(rng.uniform(0.75, 0.99), 2),
        )


def _hour_weight(hour: float) -> float:
    """Dumping happens mostly after dark (peak around 22:00); a relative weight."""
    since_peak = abs(hour - 22)
    distance = min(since_peak, 24 - since_peak)
    return 0.25 + 2.2 * math.exp(-(distance**2) / 12)


_MEAN_WEIGHT = sum(_hour_weight(h + 0.5) for h in range(24)) / 24


class DumpingProcess:
    """Every hotspot's dumps, drawn from one seeded generator."""

    def __init__(self, hotspots: tuple[Hotspot, ...], *, seed: int) -> None:
        self.hotspots = hotspots
        self.rng = random.Random(f"dumping:{seed}")
        self.dumps: list[Dump] = []
        self._count = 0

    def step(self, at: datetime, step: timedelta) -> list[Dump]:
        """New dumps in the step ending at ``at``."""
        hours = step.total_seconds() / 3600
        local = (at - step / 2).astimezone(BRUSSELS)
        new = []
        for spot in self.hotspots:
            rate = (
                spot.dumps_per_week
                / 168
                * _hour_weight(local.hour + local.minute / 60)
                / _MEAN_WEIGHT
            )
            if self.rng.random() >= rate * hours:
                continue
            self._count += 1
            appeared = at - step * self.rng.random()
            detected = (
                appeared + DWELL + timedelta(seconds=self.rng.uniform(0, 60))
                if self.rng.random() < CAMERA_DETECTS
                else None
            )
            dump = Dump(
                dump_id=f"dump-{spot.hotspot_id.lower()}-{self._count:05d}",
                hotspot=spot,
                appeared_at=appeared,
                litres=self.rng.uniform(60, 600),
                person_present=self.rng.random() < 0.8,
                vehicle_present=self.rng.random() < 0.45,
                camera_detected_at=detected,
                citizen_report_at=appeared
                + timedelta(hours=self.rng.expovariate(1 / CITIZEN_REPORT_MEAN_H)),
            )
            self.dumps.append(dump)
            new.append(dump)
        return new

    def stage(self, hotspot: Hotspot, at: datetime) -> Dump:
        """A dump that a camera sees for certain (the demo shows one in its first minutes)."""
        self._count += 1
        dump = Dump(
            dump_id=f"dump-{hotspot.hotspot_id.lower()}-{self._count:05d}",
            hotspot=hotspot,
            appeared_at=at,
            litres=250.0,
            person_present=True,
            vehicle_present=True,
            camera_detected_at=at + DWELL,
            citizen_report_at=at + timedelta(hours=CITIZEN_REPORT_MEAN_H),
        )
        self.dumps.append(dump)
        return dump

    def open_dumps(self, at: datetime, *, cameras: bool) -> list[Dump]:
        """Dumps the city knows of at ``at`` and that no crew has cleared yet."""
        return [d for d in self.dumps if d.cleared_at is None and d.known_at(cameras=cameras) <= at]

    def newly_known(self, since: datetime, until: datetime, *, cameras: bool) -> list[Dump]:
        """Uncleared dumps the city learned of in ``(since, until]`` (to dispatch the same day)."""
        return [
            d
            for d in self.dumps
            if d.cleared_at is None and since < d.known_at(cameras=cameras) <= until
        ]


DUMP_LITRES = 400  # what a crew plans room for (a pile of bags, a mattress)


def reinsert(
    *,
    city: City,
    requests: Sequence[StopRequest],
    trucks: Sequence[TruckType],
    problem: Problem,
    solution: Solution,
    dumps: Sequence[Dump],
    now: datetime,
    config: PlanConfig | None = None,
) -> tuple[list[StopRequest], Reinsertion]:
    """Put newly known dumps on the running routes of the crews that clear dumps.

    ``problem`` must be the one :func:`twin.planning.build_problem` made from ``requests`` and
    ``trucks`` (sites first, then the requests): the dumps get the next locations. Returns the
    requests with the dumps added, and the rest of the day re-planned from ``now`` by the
    product's step (dumps no crew can take are in ``left_out``: the next morning's plan).
    """
    from twin.planning import StopRequest, build_problem  # twin.planning imports this module

    known = {r.ref for r in requests}
    new = [
        StopRequest(d.dump_id, "dump", d.hotspot.lat, d.hotspot.lon, DUMP_LITRES, None)
        for d in dumps
        if d.dump_id not in known
    ]
    everything = [*requests, *new]
    midnight = datetime.combine(now.astimezone(BRUSSELS).date(), datetime.min.time(), BRUSSELS)
    day = midnight.date()
    wider = build_problem(city, day, everything, trucks)
    first = len(problem.distance)
    cleanups = [
        Cleanup(r.ref, first + i, (r.litres,), CLEANUP_SERVICE_S) for i, r in enumerate(new)
    ]
    result = insert_cleanup(
        problem,
        solution,
        now_s=int((now - midnight).total_seconds()),
        cleanups=cleanups,
        config=config,
        distance=wider.distance,
        duration=wider.duration,
    )
    return everything, result


def crew_queue(result: Reinsertion, now: datetime) -> list[tuple[datetime, str, str]]:
    """The re-planned calls still to make, as a crew run's queue: ``(start, vehicle, ref)``."""
    midnight = datetime.combine(now.astimezone(BRUSSELS).date(), datetime.min.time(), BRUSSELS)
    return sorted(
        (midnight + timedelta(seconds=v.start), r.vehicle_id, v.ref)
        for r in result.solution.routes
        for v in r.visits
        if v.kind is VisitKind.STOP
    )
