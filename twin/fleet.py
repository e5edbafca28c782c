"""The twin's devices on the wire: sensors and camera units publishing MQTT contract v1.

``run`` steps a :class:`~twin.world.World` in accelerated time and publishes what its devices
send, exactly as real devices would: fill readings on ``up/reading``, dumping events on
``up/event``. Between steps a hook lets the crews and the planner act on the same clock.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from contracts import UpKind, up_topic
from twin.city import DEPOT, DISPOSAL, BinSite, City
from twin.sensors import SensorFaults
from twin.world import StepOutput, World, WorldParams

log = logging.getLogger(__name__)
Publish = Callable[[str, bytes], None]  # (topic, payload) → sent with QoS 1
StepHook = Callable[[World], None]


@dataclass(frozen=True, slots=True)
class FleetParams:
    """How the simulation runs."""

    seed: int = 7
    speed: float = 600.0  # simulated seconds per wall-clock second
    measure_every: timedelta = timedelta(minutes=15)
    report_every: int = 4  # measurements per upload (batched, as the firmware does)
    faults: SensorFaults = field(default_factory=SensorFaults)

    def world(self) -> WorldParams:
        """The world's share of these parameters."""
        return WorldParams(
            seed=self.seed,
            measure_every=self.measure_every,
            report_every=self.report_every,
            faults=self.faults,
        )


class Fleet:
    """A world and its pacing against the wall clock."""

    def __init__(
        self, city: City | Sequence[BinSite], *, params: FleetParams, start: datetime
    ) -> None:
        if not isinstance(city, City):
            city = City(
                seed=params.seed, bins=tuple(city), hotspots=(), depot=DEPOT, disposal=DISPOSAL
            )
        self.params = params
        self.world = World(city, params=params.world(), start=start)

    @property
    def clock(self) -> datetime:
        """The simulated time."""
        return self.world.clock


def publish_step(out: StepOutput, publish: Publish, *, root: str) -> int:
    """Send one step's messages; returns how many."""
    for batch in out.batches:
        publish(
            up_topic(batch.device_id, UpKind.READING, root=root),
            batch.model_dump_json(exclude_none=True).encode(),
        )
    for event in out.events:
        publish(
            up_topic(event.device_id, UpKind.EVENT, root=root),
            event.model_dump_json(exclude_none=True).encode(),
        )
    return len(out.batches) + len(out.events)


def run(
    fleet: Fleet,
    publish: Publish,
    *,
    root: str,
    stop: threading.Event,
    until: datetime | None = None,
    catch_up_to_now: bool = True,
    on_step: StepHook | None = None,
) -> int:
    """Publish until ``stop`` is set or the clock reaches ``until``; returns messages sent.

    Simulated time runs ``speed`` times faster than the wall clock, but never ahead of the real
    present when ``catch_up_to_now`` is set: after catching up, readings arrive in real time.
    """
    sent = 0
    wall_start = time.monotonic()
    world = fleet.world
    step = world.params.measure_every
    sim_start = world.clock
    while not stop.is_set():
        target = sim_start + timedelta(seconds=(time.monotonic() - wall_start) * fleet.params.speed)
        if catch_up_to_now:
            target = min(target, datetime.now(UTC))
        if until is not None:
            target = min(target, until)
        while world.clock + step <= target and not stop.is_set():
            sent += publish_step(world.step(), publish, root=root)
            if on_step is not None:
                on_step(world)
        if until is not None and world.clock + step > until:
            break
        stop.wait(0.1)  # pacing the simulated clock against the wall clock
    log.info("simulator sent %d messages; simulated clock at %s", sent, world.clock.isoformat())
    return sent
