"""The sensor-driven policy over a horizon: service days, prizes, fallbacks and warnings."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from routing.forecast import fit
from routing.horizon import HorizonParams, Outlook, ServiceCalendar, choose
from routing.servicedays import ContainerNeed, adjust, longest_wait_h, propose, unserved

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
    """On a day its area is not served, a bin overflowing soon is optional, with a prize of the overflow hours a visit avoids times the cost per hour."""
    calendar = ServiceCalendar({("street", "Marke"): frozenset({3})})  # Thursday only
    hot = _outlook("hot", "Marke", 0.9, 0.5)
    cheap = choose([hot], day=MONDAY, calendar=calendar, params=HorizonParams(overflow_eur_per_h=1))
    dear = choose([hot], day=MONDAY, calendar=calendar, params=HorizonParams(overflow_eur_per_h=8))
    assert not cheap[0].must
    assert cheap[0].prize_eur is not None
    assert dear[0].prize_eur is not None
    assert dear[0].prize_eur == pytest.approx(8 * cheap[0].prize_eur)
    assert cheap[0].prize_eur > 20  # overflowing from today until its area's next service day


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
    assert calendar.weekdays[("crane", "Heule")] == frozenset({1})  # glass fills slowly
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


def test_a_busy_area_far_from_the_depot_is_not_served_every_day() -> None:
    """An area whose bins fill in a day but that lies far out gets two days a week, not seven."""
    needs = [ContainerNeed(f"a{i}", "Aalbeke", "street_bin", 50.777, 3.227, 0.9) for i in range(8)]
    calendar = propose(needs, depot=(50.819, 3.288))
    assert len(calendar.weekdays[("street", "Aalbeke")]) == 2


def test_an_area_allowed_three_days_gets_one_in_its_longest_wait() -> None:
    """An area needing three visits a week gets its sector's two days and one in the longer wait."""
    needs = [ContainerNeed(f"m{i}", "Marke", "street_bin", 50.808, 3.235, 0.4) for i in range(8)]
    two = propose(needs, depot=(50.819, 3.288)).weekdays[("street", "Marke")]
    three = propose(needs, depot=(50.819, 3.288), max_visits=3).weekdays[("street", "Marke")]
    assert len(three) == 3
    assert two < three
    assert (
        longest_wait_h(
            ServiceCalendar({("street", "Marke"): three}), service="street", area="Marke"
        )
        == 3 * 24
    )


# Villages around the depot (50.819, 3.288): Heule and Bissegem to its west, Kooigem and Bellegem to its south
VILLAGES = (
    ("Heule", 50.838, 3.234),
    ("Bissegem", 50.826, 3.225),
    ("Kooigem", 50.740, 3.317),
    ("Bellegem", 50.777, 3.277),
    ("Marke", 50.808, 3.235),
    ("Rollegem", 50.762, 3.262),
)


def test_neighbouring_areas_share_their_service_days() -> None:
    """Two villages next to each other are served on the same days, one far away on others."""
    needs = [
        ContainerNeed(f"{area}{i}", area, "street_bin", lat, lon, 0.3)
        for area, lat, lon in VILLAGES
        for i in range(4)
    ]
    days = propose(needs, depot=(50.819, 3.288)).weekdays
    assert days[("street", "Heule")] == days[("street", "Bissegem")]
    assert days[("street", "Heule")] != days[("street", "Kooigem")]


def test_the_crane_comes_twice_a_week_only_when_its_containers_need_it() -> None:
    """Containers that fill in a week or more get the crane weekly; fast ones get it twice."""
    slow = [ContainerNeed(f"u{i}", "Centrum", "underground", 50.8277, 3.265, 0.1) for i in range(8)]
    fast = [ContainerNeed(f"u{i}", "Centrum", "underground", 50.8277, 3.265, 0.2) for i in range(8)]
    assert propose(slow, depot=(50.819, 3.288)).weekdays[("crane", "Centrum")] == frozenset({1})
    assert propose(fast, depot=(50.819, 3.288)).weekdays[("crane", "Centrum")] == frozenset({1, 4})


def test_the_crane_works_each_half_of_the_city_on_its_own_day_when_one_shift_is_too_short() -> None:
    """Crane containers on opposite sides of the depot share Tuesday while a week's visits fit
    one shift, and get a day for each side of the city when they do not."""
    needs = [
        ContainerNeed(f"{area}{i}", area, "glass", lat, lon, 0.1)
        for area, lat, lon in VILLAGES[:4]
        for i in range(4)
    ]
    fits = propose(needs, depot=(50.819, 3.288), crane_stops_per_shift=12).weekdays
    assert {fits[("crane", a)] for a in ("Heule", "Bissegem", "Kooigem", "Bellegem")} == {
        frozenset({1})
    }
    days = propose(needs, depot=(50.819, 3.288), crane_stops_per_shift=10).weekdays
    assert days[("crane", "Heule")] == days[("crane", "Bissegem")]
    assert days[("crane", "Kooigem")] == days[("crane", "Bellegem")]
    assert {days[("crane", "Heule")], days[("crane", "Kooigem")]} == {
        frozenset({1}),
        frozenset({4}),
    }


def test_an_off_day_prize_counts_only_the_overflow_hours_the_visit_avoids() -> None:
    """A bin that would overflow again before tomorrow after being emptied is worth less than
    one that emptying keeps below full until then."""
    calendar = ServiceCalendar({("street", "Marke"): frozenset({3})})  # Thursday only
    refills = _outlook("refills", "Marke", 0.95, 2.0)  # full twice a day
    stays = _outlook("stays", "Marke", 0.95, 0.3)
    prize = {c.bin_id: c.prize_eur for c in choose([refills, stays], day=MONDAY, calendar=calendar)}
    assert prize["refills"] is not None
    assert prize["stays"] is not None
    assert prize["refills"] < prize["stays"]


def test_an_off_day_prize_grows_with_the_wait_for_the_areas_next_service_day() -> None:
    """The same overflowing bin is worth more on Monday when its area is next served on Thursday
    than when it is served again on Tuesday."""
    hot = _outlook("hot", "Marke", 0.9, 0.3)
    soon = ServiceCalendar({("street", "Marke"): frozenset({1})})
    late = ServiceCalendar({("street", "Marke"): frozenset({3})})
    near = choose([hot], day=MONDAY, calendar=soon)[0].prize_eur
    far = choose([hot], day=MONDAY, calendar=late)[0].prize_eur
    assert near is not None
    assert far is not None
    assert far > 2 * near


def test_the_longest_wait_of_an_area_follows_its_service_days() -> None:
    """Monday and Thursday leave four days at most, every day one, no day a week."""
    calendar = ServiceCalendar(
        {
            ("street", "Marke"): frozenset({0, 3}),
            ("street", "Centrum"): frozenset(range(7)),
            ("street", "Heule"): frozenset(),
        }
    )
    assert longest_wait_h(calendar, service="street", area="Marke") == 96
    assert longest_wait_h(calendar, service="street", area="Centrum") == 24
    assert longest_wait_h(calendar, service="street", area="Heule") == 168
