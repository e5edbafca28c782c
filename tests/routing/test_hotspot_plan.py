"""The product's morning plan looks at hotspots where a camera may have missed a dump."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from db import dumps as dump_db
from db import plans as store
from db import sites
from routing import dumps, hotspots
from routing.hotspots import Seen, Spot, watches
from routing.service import PlanParams, plan_day
from tests.routing.history import seed_city

DAY = date(2026, 3, 10)  # a Tuesday
EVE = datetime(2026, 3, 9, 21, 0, tzinfo=UTC)
FIXED = PlanParams(time_limit_s=60.0, solution_limit=40, iterations=300, now=EVE)
SPOT = (50.8290, 3.2660)  # Budabrug, in the city centre


def _crew(conn: Any) -> int:
    row = conn.execute(
        "INSERT INTO users (username, display_name, role, password_hash) "
        "VALUES ('crew7', 'Ploeg', 'crew', 'x') RETURNING id"
    ).fetchone()
    return int(row[0])


def _hotspot_with_missed_dumps(conn: Any, *, missed: int) -> int:
    """The Budabrug hotspot with ``missed`` dumps of the last weeks reported by citizens, each
    cleared by a crew the next day; returns the crew's user id."""
    sites.insert_hotspot(
        conn=conn,
        row=sites.HotspotRow("hs-budabrug", "Budabrug", "Kortrijk", SPOT[0], SPOT[1], True),
    )
    user = _crew(conn)
    for k in range(missed):
        at = EVE - timedelta(days=7 * (k + 1))
        visit = store.insert_fixed_visit(
            conn=conn, day=at.date(), kind="dump", name="Sluikstort", lat=SPOT[0], lon=SPOT[1]
        )
        dump_db.insert_report(
            conn=conn,
            source="citizen",
            label="Sluikstort Budabrug",
            lat=SPOT[0] + 0.0004,
            lon=SPOT[1],
            reported_at=at,
            due_at=dumps.due_at(at),
            created_by="coordinator1",
            fixed_visit_id=visit,
        )
        conn.execute(
            """INSERT INTO stop_actions (client_key, user_id, service_date, stop_ref, action,
                                         fill_seen, acted_at)
               VALUES (gen_random_uuid(), %s, %s, %s, 'done', 'full', %s)""",
            (user, at.date(), f"fixed:{visit}", at + timedelta(hours=12)),
        )
    return user


def _checks(conn: Any) -> list[store.FixedVisit]:
    return [v for v in store.fixed_visits(conn=conn, day=DAY) if v.kind == "check"]


def test_a_hotspot_whose_dumps_the_camera_missed_is_offered_as_a_check(db: Any) -> None:
    """Citizens reported its dumps and no crew passed lately: the plan may look, at a prize."""
    seed_city(db, bins=40, days=14, until=EVE)
    _hotspot_with_missed_dumps(db, missed=3)
    result = plan_day(conn=db, day=DAY, params=FIXED)
    (check,) = _checks(db)
    assert check.name == "Controle sluikstortplek Budabrug", "the crews know it by its name"
    assert check.prize_eur is not None
    assert check.prize_eur > hotspots.MIN_CHECK_EUR
    ref = f"fixed:{check.id}"
    planned = [s for s in store.stops(conn=db, plan_id=result.plan_id) if s.ref == ref]
    unplanned = [u for u in store.unplanned(conn=db, plan_id=result.plan_id) if u.ref == ref]
    assert len(planned) + len(unplanned) == 1, "the check was offered to the planner"
    assert all(s.penalty is not None for s in planned), "a check is optional"


def test_a_hotspot_a_crew_passed_this_evening_gets_no_check(db: Any) -> None:
    """A stop done beside the hotspot an hour ago: nothing unseen is likely to lie there."""
    seed_city(db, bins=40, days=14, until=EVE)
    user = _hotspot_with_missed_dumps(db, missed=3)
    db.execute(
        """INSERT INTO stop_actions (client_key, user_id, service_date, stop_ref, action,
                                     fill_seen, acted_at, lat, lon)
           VALUES (gen_random_uuid(), %s, %s, 'extra:1', 'done', 'empty', %s, %s, %s)""",
        (user, EVE.date(), EVE - timedelta(hours=1), SPOT[0], SPOT[1] + 0.001),
    )
    plan_day(conn=db, day=DAY, params=FIXED)
    assert _checks(db) == []


def test_an_open_dump_at_the_hotspot_needs_no_check(db: Any) -> None:
    """A known dump there, still open, goes to a crew anyway: its cleanup is the look."""
    seed_city(db, bins=40, days=14, until=EVE)
    _hotspot_with_missed_dumps(db, missed=3)
    dump_db.insert_report(
        conn=db,
        source="citizen",
        label="Sluikstort Budabrug",
        lat=SPOT[0],
        lon=SPOT[1],
        reported_at=EVE - timedelta(hours=2),
        due_at=dumps.due_at(EVE - timedelta(hours=2)),
        created_by="coordinator1",
    )
    plan_day(conn=db, day=DAY, params=FIXED)
    assert _checks(db) == []


def test_planning_a_day_again_books_its_checks_once(db: Any) -> None:
    """The day planned twice keeps one check per hotspot, not one per planning."""
    seed_city(db, bins=40, days=14, until=EVE)
    _hotspot_with_missed_dumps(db, missed=3)
    plan_day(conn=db, day=DAY, params=FIXED)
    plan_day(conn=db, day=DAY, params=FIXED)
    assert len(_checks(db)) == 1


def test_a_report_counts_for_its_nearest_hotspot_within_reach() -> None:
    """A report 45 m from one hotspot and 110 m from another is the first's; one 400 m off, none's."""
    spots = [Spot("a", "X", 50.8290, 3.2660), Spot("b", "X", 50.8300, 3.2660)]
    seen = [
        Seen(50.8294, 3.2660, EVE - timedelta(days=3), False, False),
        Seen(50.8330, 3.2700, EVE - timedelta(days=3), False, False),
    ]
    out = {
        w.hotspot_id: w
        for w in watches(
            spots, reports=seen, passes=[], history_from=EVE - timedelta(weeks=8), now=EVE
        )
    }
    none = watches(spots, reports=[], passes=[], history_from=EVE - timedelta(weeks=8), now=EVE)
    assert out["a"].dumps_per_week > none[0].dumps_per_week
    assert out["b"].dumps_per_week == none[1].dumps_per_week
