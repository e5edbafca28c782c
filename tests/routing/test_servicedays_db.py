"""Service days per area in the database, as the planner and the coordinator's command see them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from db import servicedays as rows
from nettestad.cli import main
from routing.service import PlanParams, calendar_of, plan_day
from tests.routing.history import seed_city

DAY = date(2026, 3, 10)  # a Tuesday
EVE = datetime(2026, 3, 9, 21, 0, tzinfo=UTC)
FAST = PlanParams(time_limit_s=60.0, solution_limit=40, iterations=200, now=EVE)


def test_stored_service_days_shape_the_plan_and_unset_areas_are_served_daily(db: Any) -> None:
    """An area set to Thursday only gets no must-visit on Tuesday; areas without a row are served every day."""
    seed_city(db, bins=60, days=14, until=EVE)
    areas = {b.district for b in rows.bin_areas(conn=db)}
    quiet = sorted(areas)[0]
    rows.put(conn=db, service="street", area=quiet, weekdays=[3], by="test")
    calendar = calendar_of(conn=db, areas=areas)
    assert calendar.weekdays[("street", quiet)] == frozenset({3})
    assert all(calendar.weekdays[("street", a)] == frozenset(range(7)) for a in areas - {quiet})
    result = plan_day(conn=db, day=DAY, params=FAST)
    must = db.execute(
        """SELECT s.ref FROM plan_stops s JOIN bins b ON b.id = s.ref
           WHERE s.plan_id = %s AND s.penalty IS NULL AND b.district = %s
             AND b.container_type = 'street_bin'""",
        (result.plan_id, quiet),
    ).fetchall()
    assert must == []


def test_the_command_warns_naming_each_container_a_change_leaves_unserved(
    db: Any, database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Setting an area's street service to no days is stored and names every street bin of that area in a warning."""
    seed_city(db, bins=30, days=1, until=EVE)
    monkeypatch.setenv("NETTESTAD_DATABASE_URL", database_url)
    bins = rows.bin_areas(conn=db)
    area = bins[0].district
    assert main(["servicedays", "set", "--service", "street", "--area", area, "--days", ""]) == 0
    out = capsys.readouterr().out
    mine = [b.id for b in bins if b.district == area and b.container_type == "street_bin"]
    assert mine
    for bin_id in mine:
        assert f"bak {bin_id} " in out
    assert [r.weekdays for r in rows.all_rows(conn=db)] == [[]]
    assert main(["servicedays", "set", "--service", "street", "--area", area, "--days", "xx"]) == 2
    assert main(["servicedays", "show"]) == 0
    assert area in capsys.readouterr().out


def test_the_proposal_is_printed_and_stored_only_when_applied(
    db: Any, database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`servicedays propose` prints a plan for every area and stores it only with --apply."""
    seed_city(db, bins=30, days=7, until=datetime.now(UTC))
    monkeypatch.setenv("NETTESTAD_DATABASE_URL", database_url)
    areas = {b.district for b in rows.bin_areas(conn=db)}
    assert main(["servicedays", "propose"]) == 0
    out = capsys.readouterr().out
    assert all(area in out for area in areas)
    assert rows.all_rows(conn=db) == []
    assert main(["servicedays", "propose", "--apply"]) == 0
    stored = rows.all_rows(conn=db)
    assert {r.area for r in stored} == areas
    assert all(r.weekdays for r in stored)
