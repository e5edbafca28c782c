"""The sensor-driven policy over a horizon: service days, prizes, fallbacks and warnings."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from routing.forecast import fit
from routing.horizon import HorizonParams, Outlook, ServiceCalendar, choose
from routing.servicedays import ContainerNeed, adjust, propose, unserved

MONDAY = date(2026, 3, 9)
NOW = datetime(2026, 3, 9, 4, 30, tzinfo=UTC)  # 05:30 in Brussels


def _outlook(
    bin_id: str, area: str, level: float, per_day: float, kind: str = "street_bin"
) -> Outlook:
    hours = min(96, int(level / per_day * 24))  # back to when it was empty
    readings = [(NOW - timedelta(hours=h), level - per_day * h / 24) for h in range(hours, -1, -1)]
    return Outlook(bin_id, area, kind, level, NOW, fit(readings))


def test_a_bin_due_before_its_next_service_day_is_a_must_visit_only_on_its_day() -> None:
    """A bin that would overflow by Thursday is a must-visit on its Monday service day; a bin that overflows only after Thursday waits."""
    calendar = ServiceCalendar({("street", "Heule"): frozenset({0, 3})})
    due = _outlook("due", "Heule", 0.6, 0.2)  # 100 % in about 2 days
    later = _outlook("later", "Heule", 0.1, 0.08)
    chosen = {c.bin_id: c for c in choose([due, later], day=MONDAY, calendar=calendar)}
    assert chosen["due"].must
    assert "later" not in chosen


def test_off_day_prizes_grow_with_the_overflow_hours_and_the_knob() -> None:
    """On a day its area is not served, a bin overflowing by tomorrow is optional, with a prize of its overflow hours until tomorrow times the cost per hour."""
    calendar = ServiceCalendar({("street", "Marke"): frozenset({3})})  # Thursday only
    hot = _outlook("hot", "Marke", 0.9, 0.5)
    cheap = choose([hot], day=MONDAY, calendar=calendar, params=HorizonParams(overflow_eur_per_h=1))
    dear = choose([hot], day=MONDAY, calendar=calendar, params=HorizonParams(overflow_eur_per_h=8))
    assert not cheap[0].must
    assert cheap[0].prize_eur is not None
    assert dear[0].prize_eur is not None
    assert dear[0].prize_eur == pytest.approx(8 * cheap[0].prize_eur)
    assert cheap[0].prize_eur > 20  # overflowing from today until tomorrow's plan


def test_a_silent_sensor_is_carried_forward_from_history_and_flagged() -> None:
    """A bin without a live sensor is chosen from its history's rate, with its flag, not skipped."""
    calendar = ServiceCalendar({("street", "Heule"): frozenset({0, 3})})
    silent = Outlook(
        "quiet",
        "Heule",
        "street_bin",
        0.5,
        NOW - timedelta(days=2),
        rate_per_day=0.3,
        flag="silent",
    )
    chosen = choose([silent], day=MONDAY, calendar=calendar)
    assert chosen[0].must
    assert chosen[0].flag == "silent"


def test_a_change_that_leaves_a_bin_unserved_names_it() -> None:
    """Taking every day away from an area warns about each of its containers, by name."""
    containers = [
        ("b1", "Heule", "street_bin"),
        ("g1", "Heule", "glass"),
        ("b2", "Marke", "street_bin"),
    ]
    needs = [
        ContainerNeed("b1", "Heule", "street_bin", 50.838, 3.234, 0.3),
        ContainerNeed("g1", "Heule", "glass", 50.838, 3.234, 0.05),
        ContainerNeed("b2", "Marke", "street_bin", 50.808, 3.235, 0.3),
    ]
    calendar = propose(needs, depot=(50.819, 3.288))
    assert unserved(calendar, containers) == []
    assert calendar.weekdays[("crane", "Heule")] == frozenset({1, 4})
    changed, warnings = adjust(
        calendar, service="street", area="Heule", weekdays=[], containers=containers
    )
    assert [w.bin_id for w in warnings] == ["b1"]
    assert "b1" in warnings[0].message_nl()
    assert changed.next_day("street", "Heule", MONDAY) is None


def test_busy_areas_are_served_daily_and_quiet_ones_on_shared_days() -> None:
    """An area whose bins fill in a day is served every day; quiet areas get two days a week."""
    needs = [ContainerNeed(f"c{i}", "Centrum", "street_bin", 50.8277, 3.265, 0.9) for i in range(8)]
    needs += [ContainerNeed(f"h{i}", "Heule", "street_bin", 50.838, 3.234, 0.2) for i in range(8)]
    calendar = propose(needs, depot=(50.819, 3.288))
    assert calendar.weekdays[("street", "Centrum")] == frozenset(range(7))
    assert len(calendar.weekdays[("street", "Heule")]) == 2
