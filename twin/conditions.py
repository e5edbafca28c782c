"""What the day is like in Kortrijk: weather, season, market day, events, school holidays.

Each day's conditions are drawn from a generator seeded with the scenario seed and the date, so a
day looks the same whichever policy is being simulated and however far the run has come.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

MARKET_WEEKDAY = 0  # Kortrijk's weekly market fills the Grote Markt on Monday mornings
MARKET_HOURS = (7, 13)
EVENT_HOURS = (15, 24)

# Flemish school holidays, approximately (month, day) ranges that repeat every year.
_HOLIDAYS = (
    ((1, 1), (1, 5)),
    ((2, 15), (2, 23)),
    ((4, 5), (4, 20)),
    ((7, 1), (8, 31)),
    ((10, 27), (11, 2)),
    ((12, 22), (12, 31)),
)


@dataclass(frozen=True, slots=True)
class DayConditions:
    """The things about a day that change how much litter people leave."""

    day: date
    temperature_c: float  # afternoon maximum
    rain_mm: float
    market: bool
    event_at_weide: bool  # a concert or fair at Kortrijk Weide in the evening
    school_holiday: bool

    @property
    def outdoor_factor(self) -> float:
        """More people outside on warm dry days, fewer in the rain (parks, markets, events)."""
        warmth = 1 + max(min((self.temperature_c - 12) / 20, 0.6), -0.4)
        wet = 1 / (1 + self.rain_mm / 4)
        return warmth * (0.35 + 0.65 * wet)


def _school_holiday(day: date) -> bool:
    key = (day.month, day.day)
    return any(start <= key <= end for start, end in _HOLIDAYS)


@lru_cache(maxsize=4096)
def conditions(seed: int, day: date) -> DayConditions:
    """The conditions of ``day`` in the scenario ``seed``."""
    rng = random.Random(f"{seed}:{day.isoformat()}")
    # A seasonal curve peaking in mid-July (about 23 °C) with a January low (about 5 °C).
    season = math.cos((day.timetuple().tm_yday - 196) / 365 * 2 * math.pi)
    temperature = 14 + 9 * season + rng.gauss(0, 3)
    rain = rng.expovariate(1 / 6) if rng.random() < 0.45 else 0.0
    weekend = day.weekday() >= 5
    return DayConditions(
        day=day,
        temperature_c=round(temperature, 1),
        rain_mm=round(rain, 1),
        market=day.weekday() == MARKET_WEEKDAY,
        event_at_weide=rng.random() < (0.45 if weekend else 0.08),
        school_holiday=weekend or _school_holiday(day),
    )
