"""Days that cannot be planned as given: a Dutch message, a 4xx, nothing stored; and true reasons."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from fastapi.testclient import TestClient

from api.auth import Role
from tests.routing.history import seed_city

DAY = "2026-03-10"
EVE = datetime(2026, 3, 9, 21, 0, tzinfo=UTC)


def _plans(db: Any) -> int:
    row = db.execute("SELECT count(*) FROM plans WHERE day = %s", (date(2026, 3, 10),)).fetchone()
    return int(row[0])


def _post(client: TestClient, headers: dict[Role, dict[str, str]]) -> Any:
    return client.post(
        "/api/v1/plans", json={"day": DAY, "time_limit_s": 2}, headers=headers[Role.COORDINATOR]
    )


def test_no_vehicles_is_refused_in_dutch(
    db: Any, client: TestClient, headers: dict[Role, dict[str, str]]
) -> None:
    """Without an active vehicle the API answers 422 in Dutch and stores no plan."""
    seed_city(db, bins=20, days=10, until=EVE)
    db.execute("UPDATE vehicles SET active = false")
    response = _post(client, headers)
    assert response.status_code == 422
    assert "geen actieve voertuigen" in response.json()["detail"]
    assert _plans(db) == 0


def test_a_stop_whose_window_no_vehicle_reaches_is_refused(
    db: Any, client: TestClient, headers: dict[Role, dict[str, str]]
) -> None:
    """A fixed visit booked at night, outside every shift, is named in a 422 and nothing is stored."""
    seed_city(db, bins=20, days=10, until=EVE)
    db.execute(
        """INSERT INTO fixed_visits (day, kind, name, lat, lon, opens, closes)
           VALUES ('2026-03-10', 'event', 'Nachtmarkt', 50.8277, 3.2650, '02:00', '03:00')"""
    )
    response = _post(client, headers)
    assert response.status_code == 422
    assert "geen voertuig haalt het tijdvenster 02:00-03:00" in response.json()["detail"]
    assert _plans(db) == 0


def test_a_disposal_site_closed_all_day_is_refused(
    db: Any, client: TestClient, headers: dict[Role, dict[str, str]]
) -> None:
    """A disposal site open only in the evening is named in a 422 and nothing is stored."""
    seed_city(db, bins=20, days=10, until=EVE)
    db.execute("UPDATE disposal_sites SET opens = '20:00', closes = '22:00'")
    response = _post(client, headers)
    assert response.status_code == 422
    assert "de hele werkdag gesloten" in response.json()["detail"]
    assert _plans(db) == 0


def test_stops_left_out_carry_a_code_and_dutch_words(
    db: Any, client: TestClient, headers: dict[Role, dict[str, str]]
) -> None:
    """On a day too big for one short shift the plan lists must-visit stops with Dutch reasons."""
    seed_city(db, bins=60, days=14, until=EVE)
    db.execute("UPDATE vehicles SET active = (id = 'veh-1'), shift_end = '07:00'")
    db.execute(
        """INSERT INTO fixed_visits (day, kind, name, lat, lon, service_s)
           SELECT '2026-03-10', 'event', 'Opkuis ' || g, 50.8277, 3.2650, 1200
           FROM generate_series(1, 6) g"""
    )
    response = _post(client, headers)
    assert response.status_code == 201, response.text
    plan = client.get("/api/v1/plans", params={"day": DAY}, headers=headers[Role.COORDINATOR])
    left = [u for u in plan.json()["unplanned"] if u["must_visit"]]
    assert left
    for u in left:
        assert u["reason_code"] in {"fleet_hours_full", "no_room_found"}
        assert u["reason_nl"].startswith("verplichte stop")
    full = [u for u in left if u["ref"].startswith("fixed:")]
    assert {u["reason_code"] for u in full} == {"fleet_hours_full"}


def test_the_plan_command_refuses_in_one_dutch_line(
    db: Any, database_url: str, monkeypatch: Any, capsys: Any
) -> None:
    """`nettestad plan` on a day without vehicles prints one Dutch line and exits 2 (no retry)."""
    from argparse import Namespace

    from routing.cli import EXIT_BAD_INPUT, _plan

    seed_city(db, bins=10, days=5, until=EVE)
    db.execute("UPDATE vehicles SET active = false")
    monkeypatch.setenv("NETTESTAD_DATABASE_URL", database_url)
    code = _plan(Namespace(date=date(2026, 3, 10), time_limit=1.0, seed=1))
    assert code == EXIT_BAD_INPUT == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert err[0].startswith("niet gepland: geen actieve voertuigen")
    assert _plans(db) == 0


def test_a_bin_without_coordinates_is_refused(
    db: Any, client: TestClient, headers: dict[Role, dict[str, str]]
) -> None:
    """A bin registered at (0, 0), its coordinates never filled in, is named in a 422."""
    bins = seed_city(db, bins=20, days=10, until=EVE)
    db.execute("UPDATE bins SET lat = 0, lon = 0 WHERE id = %s", (bins[3],))
    response = _post(client, headers)
    assert response.status_code == 422
    assert f"bak {bins[3]} heeft geen locatie" in response.json()["detail"]
    assert _plans(db) == 0


def test_a_replan_after_every_site_closed_is_refused_for_the_rest_of_the_day(
    db: Any, client: TestClient, headers: dict[Role, dict[str, str]]
) -> None:
    """At 15:00, every site closed at 14:00: a 422 says so, and neither plan nor dump is stored."""
    seed_city(db, bins=20, days=10, until=EVE)
    created = _post(client, headers)
    assert created.status_code == 201, created.text
    plan_id = created.json()["plan_id"]
    db.execute("UPDATE disposal_sites SET opens = '06:00', closes = '14:00'")
    dumps_before = db.execute("SELECT count(*) FROM fixed_visits").fetchone()
    response = client.post(
        f"/api/v1/plans/{plan_id}/replan",
        json={
            "events": [{"type": "dump", "name": "Matras", "lat": 50.828, "lon": 3.266}],
            "now": "2026-03-10T14:00:00Z",  # 15:00 in Brussels
            "time_limit_s": 2,
        },
        headers=headers[Role.COORDINATOR],
    )
    assert response.status_code == 422, response.text
    assert "voor de rest van de dag gesloten" in response.json()["detail"]
    assert _plans(db) == 1
    assert db.execute("SELECT count(*) FROM fixed_visits").fetchone() == dumps_before


def test_the_scheduler_logs_a_refused_day_and_plans_it_on_the_next_trigger(
    db: Any, database_url: str, monkeypatch: Any, caplog: Any
) -> None:
    """The real planner refuses a day without vehicles; once they are back, the next run plans it."""
    import logging
    import sys

    from pydantic import SecretStr

    from scheduler import Scheduler, SchedulerSettings, command_runner

    seed_city(db, bins=10, days=5, until=EVE)
    db.execute("UPDATE vehicles SET active = false")
    monkeypatch.setenv("NETTESTAD_DATABASE_URL", database_url)
    settings = SchedulerSettings(
        database_url=SecretStr(database_url), plan_retry_delay_s=0, metrics_port=0
    )
    runner = command_runner((sys.executable, "-m", "nettestad.cli", "plan"), time_limit_s=2)
    scheduler = Scheduler(settings, runner=runner)
    day = date(2026, 3, 10)
    with caplog.at_level(logging.ERROR, logger="scheduler.service"):
        assert not scheduler.plan(day)
    assert "refused: bad input" in caplog.text
    assert scheduler.stats.runs == {"ok": 0, "failed": 1}, "not retried at once"
    assert _plans(db) == 0
    db.execute("UPDATE vehicles SET active = true")
    assert scheduler.plan(day), "the next trigger plans the corrected day"
    assert _plans(db) == 1


def test_a_site_shut_on_the_weekday_is_not_used(
    db: Any, client: TestClient, headers: dict[Role, dict[str, str]]
) -> None:
    """A site open on other weekdays only is left out of a Tuesday; the routes unload elsewhere."""
    seed_city(db, bins=30, days=10, until=EVE)
    db.execute("UPDATE disposal_sites SET open_days = '{0,2,3,4}' WHERE id = 'imog-harelbeke'")
    response = _post(client, headers)
    assert response.status_code == 201, response.text
    plan = client.get("/api/v1/plans", params={"day": DAY}, headers=headers[Role.COORDINATOR])
    unloads = {s["ref"] for r in plan.json()["routes"] for s in r["stops"] if s["kind"] == "unload"}
    assert unloads == {"recyclagepark-kortrijk"}
