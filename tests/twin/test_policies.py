"""The sensor-driven policy: defer what can wait, go where something is due, take the nearly due."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from twin.city import build_city
from twin.policies import BinObservations, Observations, SensorDriven, fixed_weekdays
from twin.world import World, WorldParams

DAY = date(2026, 9, 15)
NOW = datetime(2026, 9, 15, 3, 30, tzinfo=UTC)  # 05:30 in Brussels, when the day is planned


def _rising(level_now: float, per_day: float) -> BinObservations:
    """Hourly readings over five days that rise steadily to ``level_now``."""
    points: list[tuple[datetime, float, int | None]] = []
    for h in range(5 * 24, 0, -1):
        level = level_now - per_day * h / 24
        points.append((NOW - timedelta(hours=h), max(level, 0.0), 1000 + h))
    return BinObservations(points)


def test_sensor_driven_defers_safe_bins_and_pulls_forward_only_where_a_crew_goes() -> None:
    """A bin about to overflow is a must-visit, a nearly due bin in its district comes along as an optional stop, and the same bin in a district with nothing due waits."""
    city = build_city(seed=5, bins=120)
    world = World(city, params=WorldParams(seed=5), start=NOW)
    street = [s for s in city.bins if s.container_type == "street_bin"]
    centre = [s for s in street if s.district == "Centrum"]
    far = next(s for s in street if s.district in {"Kooigem", "Rollegem", "Aalbeke"})
    urgent, nearly_due, slow = centre[:3]
    observations = Observations()
    observations.bins = {s.bin_id: _rising(0.2, 0.02) for s in city.bins}  # nothing due
    observations.bins[urgent.bin_id] = _rising(0.9, 0.15)
    observations.bins[nearly_due.bin_id] = _rising(0.78, 0.15)
    observations.bins[far.bin_id] = _rising(0.78, 0.15)
    observations.bins[slow.bin_id] = _rising(0.3, 0.05)
    policy = SensorDriven(list(world.states.values()), observations)
    requests = {r.ref: r for r in policy.requests(DAY, NOW, [])}
    assert requests[urgent.bin_id].penalty is None
    pulled = requests[nearly_due.bin_id].penalty
    assert pulled is not None
    assert pulled > 0
    assert far.bin_id not in requests
    assert slow.bin_id not in requests
    assert set(requests) == {urgent.bin_id, nearly_due.bin_id}


def test_a_silent_sensor_falls_back_to_the_fixed_round_days() -> None:
    """A container whose sensor has said nothing for a day is served on its fixed-round weekdays as a must-visit."""
    city = build_city(seed=5, bins=40)
    world = World(city, params=WorldParams(seed=5), start=NOW)
    observations = Observations()
    observations.bins = {
        s.bin_id: BinObservations(
            [(NOW - timedelta(hours=30 + h), 0.5, 900 + h) for h in range(12)]
        )
        for s in city.bins
    }
    policy = SensorDriven(list(world.states.values()), observations)
    requests = policy.requests(DAY, NOW, [])

    expected = {s.site.bin_id for s in world.states.values() if DAY.weekday() in fixed_weekdays(s)}
    assert {r.ref for r in requests} == expected
    assert all(r.penalty is None for r in requests)
