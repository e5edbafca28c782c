"""Service days per area: the periodic plan the sensor-driven policy works within.

Each area (a district) has, per service (street crews; the crane truck for underground and glass
containers), the weekdays a crew comes. :func:`propose` chooses them from what the containers
hold: an area near the depot (within 3 km) where more than a third of the containers fill up
within two days is served every day; every other area gets the visits a week its median
container needs to stay below full, at most two (the sensors catch the exceptions; a busy area
far out is not worth a daily trip), on the days of its side of the city: the areas are cut into
three sectors by their bearing from the depot (at the widest empty bearing) and a sector's
areas share their days (Monday/Thursday, Tuesday/Friday, Wednesday/Saturday), so one crew works
one side of the city on a day. With ``max_visits=3`` an area that needs it gets a third day, in
the middle of the longer wait between its sector's two (not the default: on the twin it drives
more kilometres for less overflow, along the same curve as the overflow knob). The crane truck
comes on Tuesday while a week's visits fit one shift, else it works one half of the city (its
areas cut in two by bearing) on Tuesday and the other on Friday; an area where a quarter of its
containers would fill up within a week gets both days; which containers it takes on the day is
the forecast's choice (:mod:`routing.horizon`). A coordinator sees the plan and changes it
(:func:`adjust`); a change that leaves a container without any service day gets a warning naming
it (:func:`unserved`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from routing.horizon import CRANE, STREET, WEEK, ServiceCalendar, service_of

# The crane truck's days by visits a week: Tuesday; Tuesday and Friday.
CRANE_DAYS: Mapping[int, frozenset[int]] = {1: frozenset({1}), 2: frozenset({1, 4})}
# Containers the crane truck empties in one shift, the drive between areas included (on the
# twin it emptied 38-45 in a full shift, bench/RESULTS.md).
CRANE_STOPS_PER_SHIFT = 35
# Only an area this close to the depot is served every day, however busy.
DAILY_WITHIN_M = 3000.0
WEEKDAY_NL = ("ma", "di", "wo", "do", "vr", "za", "zo")
# Visits a week and the weekday patterns they use, by group of neighbouring areas.
PATTERNS: Mapping[int, tuple[frozenset[int], ...]] = {
    1: tuple(frozenset({d}) for d in range(6)),
    2: (frozenset({0, 3}), frozenset({1, 4}), frozenset({2, 5})),
    3: (frozenset({0, 2, 4}), frozenset({1, 3, 5})),
}
EVERY_DAY = frozenset(range(WEEK))


@dataclass(frozen=True, slots=True)
class ContainerNeed:
    """One container as the periodic plan sees it: where it is and how fast it fills."""

    bin_id: str
    area: str
    container_type: str
    lat: float
    lon: float
    fill_per_day: float  # fraction of the container per day (mean)


@dataclass(frozen=True, slots=True)
class Unserved:
    """A container that no service day reaches (a warning for the coordinator)."""

    bin_id: str
    service: str
    area: str

    def message_nl(self) -> str:
        """The warning in Dutch."""
        dienst = "kraanwagen" if self.service == CRANE else "straatploeg"
        return f"bak {self.bin_id} ({self.area}, {dienst}) heeft geen ophaaldag meer"

    def message_en(self) -> str:
        """The warning in English."""
        return f"bin {self.bin_id} ({self.area}, {self.service}) has no service day left"


def _visits_needed(
    fills: Sequence[float], *, target: float, max_visits: int, daily_share: float
) -> int:
    """Visits a week for an area: every day when many of its containers fill in a day or two,
    else what its median container needs to stay below ``target``, at most ``max_visits``."""
    busy = sum(1 for f in fills if f * 2 >= target)
    if busy > daily_share * len(fills):
        return WEEK
    ordered = sorted(fills)
    typical = ordered[len(ordered) // 2]
    gap = target / max(typical, 1e-6)
    return next((f for f in range(1, max_visits + 1) if WEEK / f <= gap), max_visits)


def _centre(items: Sequence[ContainerNeed]) -> tuple[float, float]:
    """An area's centre: the mean position of its containers."""
    return (
        sum(n.lat for n in items) / len(items),
        sum(n.lon for n in items) / len(items),
    )


def _bearing(lat: float, lon: float, depot: tuple[float, float]) -> float:
    return math.atan2(lat - depot[0], (lon - depot[1]) * math.cos(math.radians(depot[0])))


def _metres(lat: float, lon: float, depot: tuple[float, float]) -> float:
    """Great-circle metres (flat-earth, fine within a city) from the depot."""
    north = (lat - depot[0]) * 111_320
    east = (lon - depot[1]) * 111_320 * math.cos(math.radians(depot[0]))
    return math.hypot(north, east)


def _sectors(bearings: Sequence[tuple[float, str]], count: int) -> dict[str, int]:
    """Areas in ``count`` contiguous sectors around the depot, cut at the widest empty bearing."""
    ordered = sorted(bearings)
    if not ordered:
        return {}
    gaps = [
        (ordered[(i + 1) % len(ordered)][0] - b) % (2 * math.pi) for i, (b, _) in enumerate(ordered)
    ]
    first = (max(range(len(gaps)), key=gaps.__getitem__) + 1) % len(ordered)
    cyclic = ordered[first:] + ordered[:first]
    count = max(1, min(count, len(cyclic)))
    return {area: i * count // len(cyclic) for i, (_, area) in enumerate(cyclic)}


def _split_longest_gap(days: Sequence[int]) -> list[int]:
    """``days`` with one more weekday in the middle of the longest wait between two of them."""
    gaps = [((days[(i + 1) % len(days)] - d) % WEEK or WEEK, d) for i, d in enumerate(days)]
    gap, start = max(gaps)
    return sorted({*days, (start + gap // 2) % WEEK})


def _crane_twice(fills: Sequence[float], *, target: float) -> bool:
    """Whether an area's containers need the crane truck twice a week: a quarter of them would
    pass ``target`` in a week."""
    if not fills:
        return False
    ordered = sorted(fills)
    busy = ordered[min(len(ordered) - 1, (3 * len(ordered)) // 4)]
    return busy * WEEK > target


def _crane_calendar(
    crane: Mapping[str, Sequence[ContainerNeed]],
    *,
    depot: tuple[float, float],
    target: float,
    stops_per_shift: int,
) -> dict[tuple[str, str], frozenset[int]]:
    """The crane truck's weekdays per area (which containers it takes on the day is the
    forecast's choice): one day for the whole city while a week's visits fit one shift, else
    each half of the city (cut by bearing) on its own day; an area whose containers need it
    twice a week gets both.

    A weekly tour that does not fit the shift leaves stops out, and they wait another week (on
    the twin, a far glass point overflowed more than half of the time).
    """
    weekly = sum(
        min(n.fill_per_day * WEEK / target, 1.0) for items in crane.values() for n in items
    )
    days = sorted(CRANE_DAYS[2])
    side = (
        _sectors(
            [(_bearing(*_centre(items), depot), area) for area, items in crane.items()], len(days)
        )
        if weekly > stops_per_shift
        else {}
    )
    return {
        (CRANE, area): (
            CRANE_DAYS[2]
            if _crane_twice([n.fill_per_day for n in items], target=target)
            else frozenset({days[side.get(area, 0)]})
        )
        for area, items in crane.items()
    }


def propose(
    needs: Iterable[ContainerNeed],
    *,
    depot: tuple[float, float],
    target: float = 1.0,
    max_visits: int = 2,
    daily_share: float = 0.34,
    daily_within_m: float = DAILY_WITHIN_M,
    sectors: int = 3,
    crane_stops_per_shift: int = CRANE_STOPS_PER_SHIFT,
) -> ServiceCalendar:
    """A periodic plan from the containers' fill rates (see the module's description)."""
    by_area: dict[str, list[ContainerNeed]] = {}
    crane: dict[str, list[ContainerNeed]] = {}
    weekdays: dict[tuple[str, str], frozenset[int]] = {}
    for n in needs:
        if service_of(n.container_type) == CRANE:
            crane.setdefault(n.area, []).append(n)
        else:
            by_area.setdefault(n.area, []).append(n)
    weekdays.update(
        _crane_calendar(crane, depot=depot, target=target, stops_per_shift=crane_stops_per_shift)
    )
    visits_of: dict[str, int] = {}
    bearings: list[tuple[float, str]] = []
    for area, items in by_area.items():
        visits = _visits_needed(
            [n.fill_per_day for n in items],
            target=target,
            max_visits=max_visits,
            daily_share=daily_share,
        )
        lat, lon = _centre(items)
        if visits == WEEK and _metres(lat, lon, depot) <= daily_within_m:
            weekdays[(STREET, area)] = EVERY_DAY
            continue
        # A busy area far out gets its side of the city's two days: a daily trip there costs
        # more than the overflow it saves (its urgent containers are priced on the other days).
        visits_of[area] = min(visits, max_visits)
        bearings.append((_bearing(lat, lon, depot), area))
    sector_of = _sectors(bearings, sectors)
    for area, visits in visits_of.items():
        # Neighbours share their days: one crew works one side of the city on a day.
        days = sorted(PATTERNS[2][sector_of[area] % len(PATTERNS[2])])
        if visits >= 3:
            days = _split_longest_gap(days)
        weekdays[(STREET, area)] = frozenset(days[: max(1, min(visits, len(days)))])
    return ServiceCalendar(weekdays)


def unserved(
    calendar: ServiceCalendar, containers: Iterable[tuple[str, str, str]]
) -> list[Unserved]:
    """Containers ``(bin_id, area, container_type)`` whose area has no service day."""
    out = []
    for bin_id, area, container_type in containers:
        service = service_of(container_type)
        if not calendar.weekdays.get((service, area)):
            out.append(Unserved(bin_id, service, area))
    return out


def adjust(
    calendar: ServiceCalendar,
    *,
    service: str,
    area: str,
    weekdays: Iterable[int],
    containers: Iterable[tuple[str, str, str]],
) -> tuple[ServiceCalendar, list[Unserved]]:
    """The plan with ``area``'s ``service`` days replaced, and the containers it leaves unserved."""
    changed = dict(calendar.weekdays)
    changed[(service, area)] = frozenset(weekdays)
    new = ServiceCalendar(changed)
    return new, unserved(new, containers)


def longest_wait_h(calendar: ServiceCalendar, *, service: str, area: str) -> int:
    """The longest wait between two of an area's service days, in hours (24 when served daily,
    a week when once a week or never): what a container there must hold between two visits."""
    days = sorted(calendar.weekdays.get((service, area), frozenset()))
    if not days:
        return WEEK * 24
    gaps = [(days[(i + 1) % len(days)] - d) % WEEK or WEEK for i, d in enumerate(days)]
    return max(gaps) * 24


def describe(calendar: ServiceCalendar) -> list[str]:
    """One line per area and service, in Dutch weekday abbreviations (for the coordinator)."""
    lines = []
    for (service, area), days in sorted(calendar.weekdays.items()):
        names = " ".join(WEEKDAY_NL[d] for d in sorted(days)) or "-"
        lines.append(f"{area:<16} {service:<7} {names}")
    return lines
