"""Hotspot checks: the morning plan's look at registered dumping hotspots, priced by what may lie there unseen."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from routing.hotspots import HotspotWatch, hotspot_checks, watch_of

AT = datetime(2026, 9, 15, 8, 0, tzinfo=UTC)  # 10:00 in Brussels, the shift's mean visit


def _watch(hotspot_id: str, *, unseen_h: float | None, area: str = "Heule") -> HotspotWatch:
    last = None if unseen_h is None else AT - timedelta(hours=unseen_h)
    return HotspotWatch(hotspot_id, area, 50.83, 3.26, 2.0, 0.1, last)


def test_a_hotspot_no_crew_passed_for_two_days_is_worth_more_than_one_passed_this_morning() -> None:
    """The prize grows with the hours since a crew last passed, and one passed two hours ago is not offered."""
    checks = {
        c.hotspot_id: c.prize_eur
        for c in hotspot_checks(
            [_watch("HS-1", unseen_h=2), _watch("HS-2", unseen_h=24), _watch("HS-3", unseen_h=48)],
            at=AT,
        )
    }
    assert "HS-1" not in checks
    assert 0 < checks["HS-2"] < checks["HS-3"]


def test_a_hotspot_whose_known_dump_is_on_the_plan_needs_no_check() -> None:
    """A hotspot with an open known dump gets no check: the cleanup's crew looks."""
    watch = HotspotWatch("HS-1", "Heule", 50.83, 3.26, 2.0, 0.1, None, open_dump=True)
    assert hotspot_checks([watch], at=AT) == []


def test_checks_are_offered_only_in_the_areas_served_that_day() -> None:
    """With the day's served areas given, a hotspot elsewhere is not offered however long unseen."""
    watches = [
        _watch("HS-1", unseen_h=None, area="Heule"),
        _watch("HS-2", unseen_h=None, area="Marke"),
    ]
    checks = hotspot_checks(watches, at=AT, served=lambda area: area == "Marke")
    assert [c.hotspot_id for c in checks] == ["HS-2"]


def test_a_camera_that_missed_dumps_makes_its_hotspot_a_likelier_check() -> None:
    """Of two hotspots with the same reported dumps, the one whose camera missed more gets the larger missed share and prize."""
    start = AT - timedelta(days=28)
    seen = [(start + timedelta(days=3 * k), True) for k in range(8)]
    missed = [(t, k % 2 == 0) for k, (t, _) in enumerate(seen)]
    good = watch_of(
        "HS-1", "Heule", 50.83, 3.26, reported=seen, history_from=start, now=AT, last_seen=None
    )
    poor = watch_of(
        "HS-2", "Heule", 50.83, 3.26, reported=missed, history_from=start, now=AT, last_seen=None
    )
    assert good.dumps_per_week == poor.dumps_per_week
    assert poor.missed_share > good.missed_share
    prizes = {c.hotspot_id: c.prize_eur for c in hotspot_checks([good, poor], at=AT)}
    assert prizes["HS-2"] > prizes.get("HS-1", 0.0)
