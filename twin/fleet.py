"""A fleet of simulated bin sensors publishing over MQTT contract v1 in accelerated time."""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from contracts.payloads import ReadingBatch
from contracts.topics import UpKind, up_topic
from twin.city import BinSite
from twin.fill import SimulatedSensor

log = logging.getLogger(__name__)
Publish = Callable[[str, bytes], None]  # (topic, payload) → sent with QoS 1


@dataclass(frozen=True, slots=True)
class FleetParams:
    """How the simulation runs."""

    seed: int = 7
    speed: float = 600.0  # simulated seconds per wall-clock second
    measure_every: timedelta = timedelta(minutes=15)
    report_every: int = 4  # measurements per upload (batched, as the firmware does)
    empty_above: float = 0.9  # a fill at which a crew empties the bin on its next pass


class Fleet:
    """Every simulated sensor, stepped together on one simulated clock."""

    def __init__(self, sites: Sequence[BinSite], *, params: FleetParams, start: datetime) -> None:
        self.params = params
        self.clock = start
        rng = random.Random(params.seed)
        self.sensors = [
            SimulatedSensor(site=s, rng=random.Random(rng.random()), fill=rng.uniform(0, 0.6))
            for s in sites
        ]
        self._crew_rng = random.Random(params.seed + 1)

    def step(self) -> list[tuple[str, ReadingBatch]]:
        """Advance one measurement interval; return the uploads due."""
        self.clock += self.params.measure_every
        uploads = []
        for sensor in self.sensors:
            sensor.advance(self.clock, self.params.measure_every)
            sensor.pending.append(sensor.measure(self.clock))
            if len(sensor.pending) >= self.params.report_every:
                uploads.append(
                    (
                        sensor.site.device_id,
                        ReadingBatch(device_id=sensor.site.device_id, readings=sensor.pending),
                    )
                )
                sensor.pending = []
            if sensor.fill >= self.params.empty_above and self._crew_rng.random() < 0.1:
                sensor.empty()
        return uploads


def run(
    fleet: Fleet,
    publish: Publish,
    *,
    root: str,
    stop: threading.Event,
    until: datetime | None = None,
    catch_up_to_now: bool = True,
) -> int:
    """Publish until ``stop`` is set or the clock reaches ``until``; returns messages sent.

    Simulated time runs ``speed`` times faster than the wall clock, but never ahead of the real
    present when ``catch_up_to_now`` is set: after catching up, readings arrive in real time.
    """
    sent = 0
    wall_start = time.monotonic()
    sim_start = fleet.clock
    while not stop.is_set():
        target = sim_start + timedelta(seconds=(time.monotonic() - wall_start) * fleet.params.speed)
        if catch_up_to_now:
            target = min(target, datetime.now(UTC))
        if until is not None:
            target = min(target, until)
        while fleet.clock + fleet.params.measure_every <= target:
            for device_id, batch in fleet.step():
                publish(
                    up_topic(device_id, UpKind.READING, root=root),
                    batch.model_dump_json(exclude_none=True).encode(),
                )
                sent += 1
        if until is not None and fleet.clock + fleet.params.measure_every > until:
            break
        stop.wait(0.1)  # pacing the simulated clock against the wall clock
    log.info("simulator sent %d messages; simulated clock at %s", sent, fleet.clock.isoformat())
    return sent
