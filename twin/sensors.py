"""A simulated fill sensor with a real sensor's flaws: noise, no echo, false echoes, an uneven
surface, outages, a stuck or dead transducer, battery.

It measures a ``BinState`` the way the firmware does (distance from the lid, converted with the
container's depth), keeps readings until an upload succeeds, and drops the oldest when its buffer
is full, counting them, as the firmware's ring buffer does.

What ultrasonic sensors in street bins really do besides noise:

- a **false echo**: the pulse bounces off the container's wall or a bag's edge and comes back
  early, so one reading says the bin is much fuller than it is;
- an **irregular surface**: litter piles up unevenly; the sensor sees the top of a pile or a
  hollow, a bias that stays for the whole fill cycle and grows as the bin fills;
- a **stuck** transducer repeats the same distance, a **dead** one (water, vandalism, a flat
  battery) sends nothing any more.

The flaws draw from their own generator, so a perfect sensor's readings do not depend on them.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from contracts import ContainerStatus, FillReading, Quality, ReadingBatch
from twin.fill import BinState

SENSOR_OFFSET_MM = 50  # the sensor sits this far above the fill line of a full container
BLIND_ZONE_MM = 40
BUFFER_READINGS = 96  # what the firmware keeps across deep sleep and in its flash ring
DEAD_BATTERY_V = 3.0


@dataclass(frozen=True, slots=True)
class SensorFaults:
    """How often things go wrong (probabilities per measurement, upload or day)."""

    noise_mm: float = 8.0
    no_echo: float = 0.01  # a measurement hears nothing back
    upload_fails: float = 0.03  # a single upload fails; the readings wait for the next one
    outage_per_day: float = 0.01  # the network goes away for hours
    outage_hours: tuple[float, float] = (4.0, 36.0)
    fault_per_day: float = 0.0015  # the transducer gets stuck or dies
    drain_per_measure_v: float = 0.00004
    drain_per_upload_v: float = 0.0002
    false_echo: float = 0.02  # a measurement hears an early echo (a wall, a bag's edge)
    surface_mm: float = 45.0  # spread of the uneven surface's bias in a full bin
    death_per_day: float = 0.0005  # the sensor dies outright (water, vandalism)

    @classmethod
    def none(cls) -> SensorFaults:
        """A perfect sensor (for tests that count exact messages)."""
        return cls(
            noise_mm=0.0,
            no_echo=0.0,
            upload_fails=0.0,
            outage_per_day=0.0,
            outage_hours=(0.0, 0.0),
            fault_per_day=0.0,
            drain_per_measure_v=0.0,
            drain_per_upload_v=0.0,
            false_echo=0.0,
            surface_mm=0.0,
            death_per_day=0.0,
        )


@dataclass(slots=True)
class SimulatedSensor:
    """The sensor on one container."""

    state: BinState
    rng: random.Random
    faults: SensorFaults
    seq: int = 0
    battery_v: float = 3.6
    pending: list[FillReading] = field(default_factory=list)
    dropped: int = 0
    offline_until: datetime | None = None
    stuck_mm: int | None = None
    dead: bool = False
    surface_bias: float = 0.0  # mm in a full bin, drawn again at every emptying
    quirks: random.Random = field(init=False)
    _last_fill: float = field(init=False, default=0.0)

    def __post_init__(self) -> None:
        # the flaws' own generator, seeded from the sensor's without drawing from it
        self.quirks = random.Random(f"quirks:{self.rng.getstate()[1][:8]}")
        self._new_cycle()

    def _new_cycle(self) -> None:
        self.surface_bias = self.quirks.gauss(0, self.faults.surface_mm)
        self._last_fill = self.state.fill

    @property
    def device_id(self) -> str:
        """The device id on the contract."""
        return self.state.site.device_id

    def _distance(self) -> int:
        depth = self.state.site.depth_mm
        seen = min(self.state.fill, 1.0)
        if self.state.fill < self._last_fill - 0.2:  # emptied: a new heap, a new surface
            self._new_cycle()
        self._last_fill = self.state.fill
        # a pile is higher (or a hollow lower) than the mean level; nothing of it in an empty bin
        uneven = self.surface_bias * min(2 * seen, 1.0)
        return round(
            SENSOR_OFFSET_MM + depth * (1 - seen) - uneven + self.rng.gauss(0, self.faults.noise_mm)
        )

    def measure(self, at: datetime, step: timedelta) -> None:
        """Take one measurement and keep it for the next upload."""
        if self.dead:
            return
        days = step.total_seconds() / 86400
        if self.stuck_mm is None and self.rng.random() < self.faults.fault_per_day * days:
            self.stuck_mm = self._distance()
        self.battery_v -= self.faults.drain_per_measure_v
        if self.battery_v <= DEAD_BATTERY_V or (
            self.quirks.random() < self.faults.death_per_day * days
        ):
            self.dead = True
            return
        depth = self.state.site.depth_mm
        distance = self.stuck_mm if self.stuck_mm is not None else self._distance()
        if self.stuck_mm is None and self.quirks.random() < self.faults.false_echo:
            # an early echo: anywhere between the blind zone and the true surface
            distance = round(self.quirks.uniform(BLIND_ZONE_MM, max(distance, BLIND_ZONE_MM)))
        quality = Quality.OK
        level: float | None = min(max(1 - (distance - SENSOR_OFFSET_MM) / depth, 0.0), 1.0)
        reported: int | None = max(distance, 0)
        if distance < BLIND_ZONE_MM:
            quality, level = Quality.BLIND_ZONE, 1.0
        elif self.rng.random() < self.faults.no_echo:
            quality, level, reported = Quality.NO_ECHO, None, None
        self.seq += 1
        self.pending.append(
            FillReading(
                seq=self.seq,
                ts=at,
                distance_mm=reported,
                filling_level=None if level is None else round(level, 3),
                temperature_c=round(
                    10 + 6 * math.sin((at.hour - 9) / 24 * 2 * math.pi) + self.rng.gauss(0, 0.5),
                    1,
                ),
                battery_v=round(self.battery_v, 3),
                rssi_dbm=max(min(int(self.rng.gauss(-88, 6)), -40), -130),
                quality=quality,
                status=ContainerStatus.OK,
            )
        )
        if len(self.pending) > BUFFER_READINGS:
            overflow = len(self.pending) - BUFFER_READINGS
            self.pending = self.pending[overflow:]
            self.dropped += overflow

    def try_upload(self, at: datetime, step: timedelta) -> ReadingBatch | None:
        """Send what is waiting, unless the network is away; None when nothing went out."""
        if self.dead or not self.pending:
            return None
        days = step.total_seconds() / 86400
        if self.offline_until is None and self.rng.random() < self.faults.outage_per_day * days:
            self.offline_until = at + timedelta(hours=self.rng.uniform(*self.faults.outage_hours))
        if self.offline_until is not None:
            if at < self.offline_until:
                return None
            self.offline_until = None
        if self.rng.random() < self.faults.upload_fails:
            return None
        self.battery_v -= self.faults.drain_per_upload_v
        # The contract bounds a batch; a long outage's backlog goes out over several uploads.
        readings, self.pending = self.pending[:200], self.pending[200:]
        batch = ReadingBatch(
            device_id=self.device_id, readings=readings, dropped_readings=self.dropped
        )
        self.dropped = 0
        return batch
