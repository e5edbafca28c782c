"""The coordinators' figures, recomputed from the raw rows: every KPI the page shows can be defended."""

from __future__ import annotations

import statistics
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from psycopg.rows import dict_row

from api.auth import Role, create_user
from api.kpis import COLUMNS, DEFINITIONS
from tests.api.conftest import PASSWORD
from tests.api.seed import seed_city
from tests.helpers import Conn

WEEK = date(2026, 11, 2)  # a Monday; every raw row below falls in this week (Brussels)
TAP = {"empty": 0.0, "half": 0.5, "full": 1.0, "overflowing": 1.25}


def _at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def _act(db: Conn, user_id: int, ref: str, when: datetime, **fields: Any) -> None:
    row = {
        "bin_id": None,
        "action": "done",
        "fill_seen": None,
        "skip_reason": None,
        "volume_l": None,
    }
    row.update(fields)
    db.execute(
        """INSERT INTO stop_actions (client_key, user_id, vehicle_id, service_date, stop_ref,
                                    bin_id, action, fill_seen, skip_reason, acted_at, volume_l)
           VALUES (%s, %s, 'veh-1', %s, %s, %s, %s, %s, %s, %s, %s)""",
        (
            uuid.uuid4(),
            user_id,
            when.date(),
            ref,
            row["bin_id"],
            row["action"],
            row["fill_seen"],
            row["skip_reason"],
            when,
            row["volume_l"],
        ),
    )


def _dump(db: Conn, event_id: str, detected: datetime, state: str) -> tuple[int, int]:
    """A detection with its cleanup stop on the sheet and in the planner's fixed visits."""
    db.execute(
        """INSERT INTO dumping_events (event_id, device_id, hotspot_id, seq, started_at,
                                       detected_at, bbox, object_area_px, person_present,
                                       vehicle_present, score, review_state)
           VALUES (%s, 'cam-kpi', 'hs-glas-heule', 1, %s, %s, '{1,2,3,4}', 900, false, false,
                   0.8, %s)""",
        (event_id, detected - timedelta(seconds=30), detected, state),
    )
    visit = db.execute(
        """INSERT INTO fixed_visits (day, kind, name, lat, lon)
           VALUES (%s, 'dump', 'Sluikstort', 50.84, 3.24) RETURNING id""",
        (detected.date(),),
    ).fetchone()
    extra = db.execute(
        """INSERT INTO extra_stops (service_date, kind, hotspot_id, event_id, label, lat, lon,
                                    created_by, fixed_visit_id)
           VALUES (%s, 'dump', 'hs-glas-heule', %s, 'Sluikstort', 50.84, 3.24, 'handhaving', %s)
           RETURNING id""",
        (detected.date(), event_id, visit[0] if visit else None),
    ).fetchone()
    assert visit is not None
    assert extra is not None
    return int(visit[0]), int(extra[0])


def _seed(db: Conn) -> None:
    """A week of raw rows with the traps: a stop marked twice, sensor and tap litres, dumps."""
    seed_city(db)
    a = int(db.execute("SELECT id FROM users WHERE role = 'crew'").fetchone()[0])  # type: ignore[index]  # the fixture made one
    b = create_user(
        conn=db, username="crew-b", password=PASSWORD, role=Role.CREW, display_name="B"
    ).id
    db.execute(
        "INSERT INTO devices (id, kind, hotspot_id) VALUES ('cam-kpi', 'camera', 'hs-glas-heule')"
    )
    # kor-001 marked by two people: one collection, the sensor saw it (fill before 0.9)
    _act(db, a, "bin:kor-001", _at(3, 10), bin_id="kor-001", fill_seen="full")
    _act(db, b, "bin:kor-001", _at(3, 10, 5), bin_id="kor-001", fill_seen="half")
    # kor-002: no sensor collection near the tap, so the crew's tap estimates the litres
    _act(db, a, "bin:kor-002", _at(3, 11), bin_id="kor-002", fill_seen="overflowing")
    _act(
        db, a, "bin:kor-003", _at(3, 12), bin_id="kor-003", action="skipped", skip_reason="blocked"
    )
    _act(db, a, "unload:imog:4", _at(3, 13))
    db.execute(
        """INSERT INTO bin_events (bin_id, device_id, kind, started_at, ended_at, fill_before,
                                   fill_after)
           VALUES ('kor-001', 'fs-kor-001', 'collection', %s, NULL, 0.9, 0.05),
                  ('kor-002', 'fs-kor-002', 'overflow', %s, %s, 1.0, NULL),
                  ('kor-003', 'fs-kor-003', 'abuse', %s, NULL, 0.2, 0.7),
                  ('hel-001', 'fs-hel-001', 'collection', %s, NULL, 0.6, 0.0)""",
        (_at(3, 10, 10), _at(3, 8), _at(3, 10), _at(3, 9), _at(5, 7)),
    )
    # two dumps: one cleared through the planner's fixed visit (marked twice), one via the sheet
    visit, _ = _dump(db, "evt-kpi-1", _at(3, 8), "confirmed")
    _act(db, a, f"fixed:{visit}", _at(3, 14), volume_l=500)
    _act(db, b, f"fixed:{visit}", _at(3, 14, 5), volume_l=700)
    _, extra = _dump(db, "evt-kpi-2", _at(4, 10), "confirmed")
    _act(db, a, f"extra:{extra}", _at(4, 12), volume_l=100)
    _dump(db, "evt-kpi-3", _at(5, 9), "new")


def _rows(db: Conn, sql: str) -> list[dict[str, Any]]:
    with db.cursor(row_factory=dict_row) as cur:
        return cur.execute(sql).fetchall()


def _recompute(db: Conn) -> dict[str, Any]:
    """Every figure of the week, from the raw rows, following the definitions on the page."""
    volumes = {r["id"]: r["volume_l"] for r in _rows(db, "SELECT id, volume_l FROM bins")}
    visits: dict[tuple[Any, str], dict[str, Any]] = {}
    for r in _rows(db, "SELECT * FROM stop_actions ORDER BY acted_at"):
        visits[r["service_date"], r["stop_ref"]] = r  # the newest action of a stop's day wins
    events = _rows(db, "SELECT * FROM bin_events")
    collections = [e for e in events if e["kind"] == "collection"]
    done_bins = [v for v in visits.values() if v["action"] == "done" and v["bin_id"]]
    sensor_l = estimate_l = 0.0
    sensed = 0
    for v in done_bins:
        near = [
            e
            for e in collections
            if e["bin_id"] == v["bin_id"]
            and abs(e["started_at"] - v["acted_at"]) <= timedelta(hours=3)
        ]
        if near:
            sensed += 1
            sensor_l += (
                volumes[v["bin_id"]]
                * min(near, key=lambda e: abs(e["started_at"] - v["acted_at"]))["fill_before"]
            )
        else:
            estimate_l += volumes[v["bin_id"]] * TAP[v["fill_seen"]]
    dumps = [
        v
        for v in visits.values()
        if v["action"] == "done" and not v["bin_id"] and not v["stop_ref"].startswith("unload:")
    ]
    extras = _rows(db, "SELECT * FROM extra_stops WHERE cancelled_at IS NULL")
    cleared: dict[str, datetime] = {}
    for x in extras:
        refs = {f"extra:{x['id']}", f"fixed:{x['fixed_visit_id']}"}
        times = [
            v["acted_at"]
            for v in _rows(db, "SELECT * FROM stop_actions")
            if v["stop_ref"] in refs and v["action"] == "done"
        ]
        if times:
            cleared[x["event_id"]] = min(times)
    detections = _rows(db, "SELECT * FROM dumping_events")
    hours = [
        (cleared[d["event_id"]] - d["detected_at"]).total_seconds() / 3600
        for d in detections
        if d["event_id"] in cleared
    ]
    overflow = sum(
        (e["ended_at"] - e["started_at"]).total_seconds() / 3600
        for e in events
        if e["kind"] == "overflow"
    )
    return {
        "period_start": WEEK,
        "collections_done": len(done_bins),
        "stops_skipped": sum(v["action"] == "skipped" for v in visits.values()),
        "extra_stops_planned": len(extras),
        "litter_volume_l": sensor_l + estimate_l,
        "litres_sensor_l": sensor_l,
        "litres_estimate_l": estimate_l,
        "collections_litres_sensor": sensed,
        "avg_fill_at_collection": statistics.mean(TAP[v["fill_seen"]] for v in done_bins),
        "collections_sensed": len(collections),
        "avg_sensed_fill_before_collection": statistics.mean(e["fill_before"] for e in collections),
        "overflow_hours": overflow,
        "bins_with_abuse": len({e["bin_id"] for e in events if e["kind"] == "abuse"}),
        "dumping_detections": len(detections),
        "dumping_confirmed": sum(d["review_state"] == "confirmed" for d in detections),
        "dumps_cleared": len(dumps),
        "dumping_volume_l": sum(v["volume_l"] or 0 for v in dumps),
        "median_hours_to_cleanup": statistics.median(hours),
    }


def test_every_kpi_matches_a_recomputation_from_the_raw_rows(
    client: TestClient, headers: dict[Role, dict[str, str]], db: Conn
) -> None:
    """Each figure of the week equals the same figure recomputed in Python from the raw rows."""
    _seed(db)
    response = client.get(
        "/api/v1/coordinator/kpis",
        params={"period": "week", "start": "2026-10-26", "end": "2026-11-16"},
        headers=headers[Role.COORDINATOR],
    )
    assert response.status_code == 200, response.text
    rows = {r["period_start"]: r for r in response.json()["rows"]}
    week = rows[WEEK.isoformat()]
    expected = _recompute(db)
    assert set(expected) == set(COLUMNS)
    for column in COLUMNS:
        want = expected[column]
        got = week[column]
        if column == "period_start":
            assert got == want.isoformat()
        elif isinstance(want, float):
            assert got is not None, column
            assert abs(got - want) < 1e-3, (column, got, want)
        else:
            assert got == want, (column, got, want)


def test_a_stop_marked_by_two_people_counts_once_with_the_sensor_litres(
    client: TestClient, headers: dict[Role, dict[str, str]], db: Conn
) -> None:
    """Two marks of one stop are one collection; its litres come from the sensor (120 l x 0.9)."""
    _seed(db)
    week = client.get(
        "/api/v1/coordinator/kpis",
        params={"period": "week", "start": "2026-11-02", "end": "2026-11-09"},
        headers=headers[Role.COORDINATOR],
    ).json()["rows"][0]
    assert week["collections_done"] == 2  # kor-001 (twice marked) and kor-002
    assert week["litres_sensor_l"] == 108.0  # kor-001: 120 l x 0.9 seen by its sensor
    assert week["litres_estimate_l"] == 150.0  # kor-002: 120 l x 1.25 from the crew's tap
    assert week["dumps_cleared"] == 2
    assert week["dumping_volume_l"] == 800  # 700 (the newer mark of the first dump) + 100
    assert week["median_hours_to_cleanup"] == 4.0  # 6 h and 2 h


def test_every_kpi_has_a_definition_in_dutch_and_english(
    client: TestClient, headers: dict[Role, dict[str, str]]
) -> None:
    """The page can say what each figure counts: every column has a Dutch and an English definition."""
    body = client.get("/api/v1/coordinator/kpis", headers=headers[Role.COORDINATOR]).json()
    assert set(body["definitions"]) == set(COLUMNS) == set(DEFINITIONS)
    assert all(d["nl"] and d["en"] and d["nl"] != d["en"] for d in body["definitions"].values())
