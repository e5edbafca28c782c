"""How full a container really gets, hour by hour: litter per place type, weather, markets, events.

The model works in litres. A street bin's litter follows its place's daily rhythm (commuters at
the station, lunch in shopping streets, afternoons in parks, school breaks), scaled by the day's
conditions (``twin.conditions``); underground containers take household bags in the evening;
glass points fill more at weekends. Each container also has its own seeded "popularity", which a
fixed round cannot know but a sensor sees. Household bags dumped in street bins (bin abuse) arrive
mostly at night, more often at a few abuse-prone bins.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from twin.city import BinSite
from twin.conditions import EVENT_HOURS, MARKET_HOURS, DayConditions

BRUSSELS = ZoneInfo("Europe/Brussels")
OVERFLOW_CAP = 1.3  # beyond this, litter lies beside the bin and no longer counts as fill

# Mean litres per day on an ordinary weekday (before the place's own popularity).
LITRES_PER_DAY = {
    "station": 70.0,
    "market": 40.0,
    "shopping": 50.0,
    "events": 22.0,
    "school": 34.0,
    "park": 30.0,
    "street": 18.0,
    "residential": 13.0,
    "glass_point": 130.0,
}
UNDERGROUND_LITRES_PER_DAY = 300.0
HOUSEHOLD_BAG_L = (25.0, 55.0)
POPULARITY_SIGMA = 0.45
MEAN_POPULARITY = math.exp(POPULARITY_SIGMA**2 / 2)  # the lognormal's mean


def _bump(hour: float, centre: float, width: float) -> float:
    return math.exp(-((hour - centre) ** 2) / (2 * width**2))


def hour_profile(place_type: str, hour: float) -> float:
    """Relative litter at this local hour; the daily mean is about 1."""
    if place_type == "station":
        shape = _bump(hour, 8, 1.3) + _bump(hour, 17.5, 1.6) + 0.4 * _bump(hour, 13, 3)
    elif place_type in {"school"}:
        shape = _bump(hour, 10.2, 0.6) + _bump(hour, 12.5, 1.0) + _bump(hour, 15.8, 0.8)
    elif place_type in {"shopping", "market"}:
        shape = _bump(hour, 12.5, 1.5) + _bump(hour, 16, 2.0)
    elif place_type == "events":
        shape = _bump(hour, 14, 3) + 0.5 * _bump(hour, 20, 2)
    elif place_type == "park":
        shape = _bump(hour, 15, 3.0)
    elif place_type == "glass_point":
        shape = _bump(hour, 11, 2.5) + _bump(hour, 17, 2.5)
    else:
        shape = _bump(hour, 12, 4) + 0.5 * _bump(hour, 19, 2)
    return 0.05 + shape


_PROFILE_MEAN = {
    p: sum(hour_profile(p, h + 0.5) for h in range(24)) / 24
    for p in (*LITRES_PER_DAY, "underground")
}


def day_factor(place_type: str, local: datetime, cond: DayConditions) -> float:
    """How this day and hour differ from an ordinary weekday for this kind of place."""
    weekday = local.weekday()
    hour = local.hour
    factor = 1.0
    if place_type == "school":
        factor = 0.12 if cond.school_holiday else 1.0
    elif place_type == "station":
        factor = 0.6 if weekday >= 5 else 1.0
    elif place_type in {"shopping", "market"}:
        factor = {5: 1.7, 6: 0.5}.get(weekday, 1.0)
        if place_type == "market" and cond.market and MARKET_HOURS[0] <= hour < MARKET_HOURS[1]:
            factor *= 4.0
    elif place_type == "park":
        factor = (1.6 if weekday >= 5 else 1.0) * cond.outdoor_factor**1.5
    elif place_type == "events":
        factor = (1.4 if weekday >= 5 else 1.0) * cond.outdoor_factor
        if cond.event_at_weide and EVENT_HOURS[0] <= hour < EVENT_HOURS[1]:
            factor *= 8.0
    elif place_type == "glass_point":
        factor = 1.7 if weekday >= 5 else 0.85
    if place_type in {"market", "shopping", "street", "residential"}:
        factor *= 0.7 + 0.3 * cond.outdoor_factor
    return factor


def hour_factors(place: str, local: datetime, cond: DayConditions) -> tuple[float, float]:
    """The hour's shape (relative to the daily mean) and the day's factor for a kind of place."""
    hour = local.hour + local.minute / 60
    return hour_profile(place, hour) / _PROFILE_MEAN.get(place, 1.0), day_factor(place, local, cond)


@dataclass(slots=True)
class BinState:
    """The true contents of one container, which sensors measure and crews empty."""

    site: BinSite
    rng: random.Random
    popularity: float  # this container's own multiplier of its place type's mean
    abuse_per_day: float  # chance per day of a household bag (street bins only)
    litres: float = 0.0
    overflow_h: float = 0.0
    street_l: float = 0.0  # litter that no longer fitted and lies beside the container
    last_emptied: datetime | None = None

    @classmethod
    def create(cls, site: BinSite, rng: random.Random) -> BinState:
        """A container at a seeded random starting fill, with its own popularity."""
        popularity = rng.lognormvariate(0, POPULARITY_SIGMA)
        abuse = 0.0
        if site.container_type == "street_bin" and site.place_type in {"street", "residential"}:
            abuse = 0.2 if rng.random() < 0.08 else 0.02
        state = cls(site=site, rng=rng, popularity=popularity, abuse_per_day=abuse)
        state.litres = rng.uniform(0.0, 0.5) * site.volume_l
        return state

    @property
    def fill(self) -> float:
        """True fill as a fraction of the container (above 1: overflowing)."""
        return self.litres / self.site.volume_l

    def mean_litres_per_day(self) -> float:
        """An ordinary weekday's litter for a container of this kind (without popularity)."""
        if self.site.container_type == "underground":
            return UNDERGROUND_LITRES_PER_DAY
        return LITRES_PER_DAY.get(self.site.place_type, LITRES_PER_DAY["street"])

    def place(self) -> str:
        """The kind of place whose rhythm this container follows."""
        return "underground" if self.site.container_type == "underground" else self.site.place_type

    def litres_per_hour(self, local: datetime, cond: DayConditions) -> float:
        """Expected litter per hour now."""
        return self._litres_per_hour(hour_factors(self.place(), local, cond))

    def _litres_per_hour(self, factors: tuple[float, float]) -> float:
        shape, factor = factors
        daily = self.mean_litres_per_day() * self.popularity
        return daily / 24 * shape * factor

    def advance(
        self,
        at: datetime,
        step: timedelta,
        cond: DayConditions,
        factors: dict[str, tuple[float, float]] | None = None,
    ) -> None:
        """Let litter accumulate over ``step`` ending at ``at``; count overflow time.

        ``factors`` may carry :func:`hour_factors` per place for this step (the same for every
        container, so a city computes them once per step).
        """
        hours = step.total_seconds() / 3600
        local = (at - step / 2).astimezone(BRUSSELS)
        place = self.place()
        found = None if factors is None else factors.get(place)
        if found is None:
            found = hour_factors(place, local, cond)
            if factors is not None:
                factors[place] = found
        noise = self.rng.lognormvariate(0, 0.3)
        added = self._litres_per_hour(found) * hours * noise
        night = local.hour >= 20 or local.hour < 7
        if self.abuse_per_day and self.rng.random() < self.abuse_per_day * hours / 24 * (
            2.4 if night else 0.3
        ):
            added += self.rng.uniform(*HOUSEHOLD_BAG_L)
        volume = self.site.volume_l
        was_full = self.litres / volume >= 1.0
        cap = OVERFLOW_CAP * volume
        self.street_l += max(self.litres + added - cap, 0.0)
        self.litres = min(self.litres + added, cap)
        if self.litres / volume >= 1.0:
            # Count the part of the step the bin spent overflowing (all of it if it already was).
            self.overflow_h += hours if was_full else hours / 2

    def empty(self, at: datetime) -> float:
        """A crew emptied the container; returns the fill it had."""
        before = self.fill
        # Its own generator, so litter drawn afterwards does not depend on when crews came.
        residue = random.Random(f"{self.site.bin_id}:{at.isoformat()}").uniform(0.0, 0.02)
        self.litres = residue * self.site.volume_l
        self.last_emptied = at
        return before
