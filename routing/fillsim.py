"""Simulated fill history where the truth is known, for testing and evaluating the forecast.

Each bin gets a daily fill and a weekly profile by place type; litter arrives with day-to-day
noise, the sensor adds measurement noise and misses readings, and crews empty bins now and then.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from routing.forecast import BRUSSELS

DAILY = {"station": 0.8, "market": 0.6, "shopping": 0.6, "school": 0.45, "park": 0.4, "street": 0.3}


def profile(place_type: str, when: datetime) -> float:
    """Relative litter at this local hour and weekday (about 1 on average)."""
    local = when.astimezone(BRUSSELS)
    hour = local.hour + 0.5
    day = math.exp(-((hour - 13.5) ** 2) / 20)
    weekend = local.weekday() >= 5
    if place_type == "school":
        day *= 0.2 if weekend else 1.6
    elif place_type in {"park", "market", "shopping"}:
        day *= 1.8 if weekend else 0.8
    elif place_type == "station":
        day *= 0.6 if weekend else 1.3
    return 0.1 + 2.4 * day


@dataclass(slots=True)
class SimBin:
    """One bin's true state."""

    place_type: str
    daily: float  # fraction of the container per day, on average
    fill: float
    rng: random.Random
    day_factor: float = 1.0
    day: int = -1

    def rate(self, when: datetime) -> float:
        """True fill per hour now, including today's random busyness."""
        local = when.astimezone(BRUSSELS)
        if local.toordinal() != self.day:
            self.day = local.toordinal()
            self.day_factor = self.rng.lognormvariate(0, 0.25)
        return self.daily / 24 * profile(self.place_type, when) * self.day_factor

    def step(self, when: datetime, hours: float) -> None:
        """Let litter arrive for ``hours`` ending at ``when``."""
        self.fill = min(self.fill + self.rate(when) * hours, 1.2)

    def reading(self) -> float | None:
        """What the sensor reports: noisy, capped at 1, sometimes nothing."""
        if self.rng.random() < 0.03:
            return None
        return round(min(max(self.fill + self.rng.gauss(0, 0.015), 0.0), 1.0), 3)


def make_bin(rng: random.Random) -> SimBin:
    """A bin of a random place type and size."""
    place = rng.choice(list(DAILY))
    return SimBin(
        place,
        DAILY[place] * rng.uniform(0.5, 1.5),
        rng.uniform(0, 0.5),
        random.Random(rng.random()),
    )


def history(
    sim: SimBin,
    *,
    start: datetime,
    until: datetime,
    every: timedelta = timedelta(hours=1),
    empty_above: float = 0.85,
    gap_chance: float = 0.01,
) -> list[tuple[datetime, float | None]]:
    """Readings from ``start`` to ``until``; crews empty bins above ``empty_above`` on weekdays."""
    out: list[tuple[datetime, float | None]] = []
    t = start
    hours = every.total_seconds() / 3600
    outage = 0
    while t < until:
        t += every
        sim.step(t, hours)
        local = t.astimezone(BRUSSELS)
        if (
            sim.fill >= empty_above
            and local.weekday() < 5
            and 7 <= local.hour <= 13
            and sim.rng.random() < 0.4
        ):
            sim.fill = sim.rng.uniform(0.0, 0.04)
        if outage == 0 and sim.rng.random() < gap_chance:
            outage = sim.rng.randint(3, 12)  # the sensor loses its network for a few hours
        if outage:
            outage -= 1
            continue
        out.append((t, sim.reading()))
    return out


def hours_to(
    sim: SimBin, *, at: datetime, threshold: float, limit_h: int = 24 * 14
) -> float | None:
    """True hours until the bin reaches ``threshold`` (on a copy; the bin itself is unchanged)."""
    copy = SimBin(sim.place_type, sim.daily, sim.fill, random.Random(), sim.day_factor, sim.day)
    copy.rng.setstate(sim.rng.getstate())
    t = at
    for h in range(1, limit_h + 1):
        t += timedelta(hours=1)
        copy.step(t, 1.0)
        if copy.fill >= threshold:
            return float(h)
    return None
