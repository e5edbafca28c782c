"""How full a bin gets, hour by hour: a simple, seeded model of litter per place type."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from contracts.payloads import ContainerStatus, FillReading, Quality
from twin.city import BinSite

BRUSSELS = ZoneInfo("Europe/Brussels")
SENSOR_OFFSET_MM = 50  # the sensor sits this far above the fill line of a full bin

# Mean fill per day (fraction of the container) for a 60 l street bin by place type; larger
# containers fill proportionally slower.
DAILY_FILL = {
    "station": 0.9,
    "market": 0.7,
    "shopping": 0.75,
    "school": 0.5,
    "park": 0.45,
    "street": 0.3,
}


def hour_weight(place_type: str, local: datetime) -> float:
    """Relative litter at this local hour and weekday; averages to about 1 over a week."""
    hour = local.hour + local.minute / 60
    day = math.exp(-((hour - 14) ** 2) / 30)  # a broad afternoon peak
    weekend = local.weekday() >= 5
    if place_type == "school":
        day *= 0.3 if weekend else 1.5
    elif place_type in {"park", "market", "shopping"}:
        day *= 1.6 if weekend else 0.9
    elif place_type == "station":
        day *= 0.7 if weekend else 1.25
    return 0.15 + 2.2 * day


@dataclass(slots=True)
class SimulatedSensor:
    """One bin's true fill and the sensor measuring it."""

    site: BinSite
    rng: random.Random
    fill: float = 0.0
    seq: int = 0
    battery_v: float = 3.6
    pending: list[FillReading] = field(default_factory=list)

    def rate_per_hour(self, at: datetime) -> float:
        """Fill added per hour at this moment (fraction of the container)."""
        size = math.pow(max(self.site.volume_l / 60, 1), 0.75)
        base = DAILY_FILL.get(self.site.place_type, 0.3) / 24 / size
        return base * hour_weight(self.site.place_type, at.astimezone(BRUSSELS))

    def advance(self, at: datetime, step: timedelta) -> None:
        """Let litter accumulate for ``step`` up to ``at``."""
        hours = step.total_seconds() / 3600
        noise: float = self.rng.lognormvariate(0, 0.35)
        self.fill = min(self.fill + self.rate_per_hour(at) * hours * noise, 1.15)

    def empty(self) -> None:
        """A crew emptied the bin."""
        self.fill = self.rng.uniform(0.0, 0.04)

    def measure(self, at: datetime) -> FillReading:
        """What the sensor reports now, including its imperfections."""
        depth = self.site.depth_mm
        seen = min(self.fill, 1.0)
        distance = round(SENSOR_OFFSET_MM + depth * (1 - seen) + self.rng.gauss(0, 8))
        self.seq += 1
        self.battery_v = max(self.battery_v - 0.00002, 3.0)
        quality = Quality.OK
        level: float | None = round(min(max(1 - (distance - SENSOR_OFFSET_MM) / depth, 0), 1), 3)
        reported_distance: int | None = max(distance, 0)
        if self.rng.random() < 0.01:
            quality, level, reported_distance = Quality.NO_ECHO, None, None
        return FillReading(
            seq=self.seq,
            ts=at,
            distance_mm=reported_distance,
            filling_level=level,
            temperature_c=round(
                8 + 6 * math.sin(at.hour / 24 * 2 * math.pi) + self.rng.gauss(0, 0.5), 1
            ),
            battery_v=round(self.battery_v, 3),
            rssi_dbm=int(self.rng.gauss(-85, 6)),
            quality=quality,
            status=ContainerStatus.OK,
        )
