"""The twin's arms: the product's sensor-driven choice through the twin's readings, and the rounds."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from routing.horizon import HORIZON, ServiceCalendar
from twin.city import BinSite, build_city
from twin.policies import (
    BinObservations,
    Observations,
    SensorProduct,
    category_round,
    category_weekdays,
)
from twin.world import World, WorldParams

DAY = date(2026, 9, 15)  # a Tuesday
NOW = datetime(2026, 9, 15, 3, 30, tzinfo=UTC)  # 05:30 in Brussels, when the day is planned


def _rising(level_now: float, per_day: float, *, until: datetime = NOW) -> BinObservations:
    """Hourly readings over five days that rise steadily to ``level_now``."""
    points: list[tuple[datetime, float, int | None]] = []
    for h in range(min(5 * 24, int(level_now / per_day * 24)), 0, -1):  # back to empty
        level = level_now - per_day * h / 24
        points.append((until - timedelta(hours=h), level, 1000 + h))
    return BinObservations(points)


def _one_street_bin() -> tuple[World, BinSite, ServiceCalendar, Observations]:
    """A small city served on Tuesdays, nothing due, and one of its street bins to look at."""
    city = build_city(seed=5, bins=40)
    world = World(city, params=WorldParams(seed=5), start=NOW)
    site = next(s for s in city.bins if s.container_type == "street_bin")
    calendar = ServiceCalendar({("street", s.district): frozenset({1}) for s in city.bins})
    observations = Observations()
    observations.bins = {s.bin_id: _rising(0.1, 0.02) for s in city.bins}
    return world, site, calendar, observations


def test_the_product_serves_an_area_on_its_day_and_elsewhere_only_what_would_overflow() -> None:
    """On Centrum's service day its soon-full bin is a must-visit; in an area served on Thursday a bin full by tomorrow gets a prize and a half-full one waits."""
    city = build_city(seed=5, bins=120)
    world = World(city, params=WorldParams(seed=5), start=NOW)
    street = [s for s in city.bins if s.container_type == "street_bin"]
    centre = next(s for s in street if s.district == "Centrum")
    far = [s for s in street if s.district not in {"Centrum"}]
    overflowing, waiting = far[0], far[1]
    calendar = ServiceCalendar(
        {
            **{("street", s.district): frozenset({3}) for s in city.bins},
            ("street", "Centrum"): frozenset({1, 4}),
        }
    )
    observations = Observations()
    observations.bins = {s.bin_id: _rising(0.1, 0.02) for s in city.bins}  # nothing due
    observations.bins[centre.bin_id] = _rising(0.7, 0.14)  # full before Friday
    observations.bins[overflowing.bin_id] = _rising(0.9, 0.3)  # overflows today
    observations.bins[waiting.bin_id] = _rising(0.5, 0.1)
    policy = SensorProduct(list(world.states.values()), observations, calendar=calendar)
    requests = {r.ref: r for r in policy.requests(DAY, NOW, [])}
    assert requests[centre.bin_id].penalty is None
    prize = requests[overflowing.bin_id].penalty
    assert prize is not None
    # it overflows from today until tomorrow's plan at least: 20 hours at the knob's price
    assert prize >= 20 * HORIZON.overflow_eur_per_h * 1_000_000
    assert waiting.bin_id not in requests


def test_a_stuck_sensor_falls_back_to_its_history_and_is_not_skipped() -> None:
    """A container whose sensor repeats the same distance for half a day is judged from its history (routing.forecast.estimate), flagged, and still chosen when that says it will be full."""
    world, site, calendar, observations = _one_street_bin()
    history = _rising(0.8, 0.3, until=NOW - timedelta(hours=15)).points
    stuck: list[tuple[datetime, float, int | None]] = [
        (NOW - timedelta(hours=14 - h), 0.3, 777) for h in range(14)
    ]
    observations.bins[site.bin_id] = BinObservations(history + stuck)
    policy = SensorProduct(list(world.states.values()), observations, calendar=calendar)
    outlook = policy.outlook(world.states[site.bin_id], NOW)
    assert outlook.flag == "stuck"
    assert outlook.at == NOW
    assert outlook.level > 0.3  # carried forward at the history's rate, not the stuck reading
    requests = {r.ref: r for r in policy.requests(DAY, NOW, [])}
    assert requests[site.bin_id].penalty is None  # over 100 % by the next Tuesday


def test_a_silent_sensor_is_flagged_and_its_bin_still_chosen() -> None:
    """A container whose sensor has sent nothing for two days is estimated from its history, flagged silent, and chosen when that says it will be full."""
    world, site, calendar, observations = _one_street_bin()
    observations.bins[site.bin_id] = _rising(0.5, 0.25, until=NOW - timedelta(hours=48))
    policy = SensorProduct(list(world.states.values()), observations, calendar=calendar)
    outlook = policy.outlook(world.states[site.bin_id], NOW)
    assert outlook.flag == "silent"
    assert outlook.level > 0.9  # two days at a quarter a day on top of half full
    requests = {r.ref: r for r in policy.requests(DAY, NOW, [])}
    assert requests[site.bin_id].penalty is None


def test_the_category_round_keeps_school_bins_off_weekends_and_the_crane_on_fixed_days() -> None:
    """School bins are never served on Saturday or Sunday, and the crane containers only on Tuesday and Friday."""
    city = build_city(seed=5, bins=300)
    for site in city.bins:
        days = set(category_weekdays(site))
        assert days
        if site.place_type == "school":
            assert not days & {5, 6}
        if site.container_type in {"underground", "glass"}:
            assert days <= {1, 4}
    world = World(city, params=WorldParams(seed=5), start=NOW)
    saturday = category_round(list(world.states.values())).requests(date(2026, 9, 19), NOW, [])
    kinds = {city.bins[[s.bin_id for s in city.bins].index(r.ref)].container_type for r in saturday}
    assert "underground" not in kinds


def test_the_second_knob_gives_areas_not_served_daily_one_day_a_week() -> None:
    """With at most one service day a week, an area that would get two gets one (the crane's days unchanged)."""
    city = build_city(seed=5, bins=120)
    world = World(city, params=WorldParams(seed=5), start=NOW)
    observations = Observations()
    observations.bins = {s.bin_id: _rising(0.5, 0.2) for s in city.bins}  # full in 5 days
    states = list(world.states.values())
    default = SensorProduct(states, observations).plan_calendar(NOW)
    fewer = SensorProduct(states, observations, max_visits=1).plan_calendar(NOW)
    twice = {k for k, days in default.weekdays.items() if k[0] == "street" and len(days) == 2}
    assert twice
    assert all(len(fewer.weekdays[k]) == 1 for k in twice)
    assert all(fewer.weekdays[k] == v for k, v in default.weekdays.items() if k[0] == "crane")
