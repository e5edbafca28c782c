"""A simulated fill sensor with a real sensor's flaws: noise, no echo, outages, faults, battery.

It measures a ``BinState`` the way the firmware does (distance from the lid, converted with the
container's depth), keeps readings until an upload succeeds, and drops the oldest when its buffer
is full, counting them, as the firmware's ring buffer does.
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

    @classmethod
    def none(cls) -> SensorFaults:
        """A perfect sensor (for tests that count exact messages)."""
        return cls(0.0, 0.0, 0.0, 0.0, (0.0, 0.0), 0.0, 0.0, 0.0)


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

    @property
    def device_id(self) -> str:
        """The device id on the contract."""
        return self.state.site.device_id

    def _distance(self) -> int:
        depth = self.state.site.depth_mm
        seen = min(self.state.fill, 1.0)
        return round(
            SENSOR_OFFSET_MM + depth * (1 - seen) + self.rng.gauss(0, self.faults.noise_mm)
        )

    def measure(self, at: datetime, step: timedelta) -> None:
        """Take one measurement and keep it for the next upload."""
        if self.dead:
            return
        days = step.total_seconds() / 86400
        if self.stuck_mm is None and self.rng.random() < self.faults.fault_per_day * days:
            self.stuck_mm = self._distance()
        self.battery_v -= self.faults.drain_per_measure_v
        if self.battery_v <= DEAD_BATTERY_V:
            self.dead = True
            return
        depth = self.state.site.depth_mm
        distance = self.stuck_mm if self.stuck_mm is not None else self._distance()
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
