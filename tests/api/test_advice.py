"""Capacity advice and sensor fallbacks over HTTP, from readings stored in the database."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from api.auth import Role
from tests.api.seed import seed_city
from tests.helpers import Conn


def _store(db: Conn, bin_id: str, readings: list[tuple[datetime, float]]) -> None:
    with db.cursor() as cur:
        cur.executemany(
            """INSERT INTO fill_readings (device_id, bin_id, ts, seq, filling_level, quality, status)
               VALUES (%s, %s, %s, %s, %s, 'ok', 'ok')""",
            [(f"fs-{bin_id}", bin_id, t, 100 + k, v) for k, (t, v) in enumerate(readings)],
        )


def _sawtooth(litres_per_day: float, volume: int, *, days: int, end: datetime) -> list[Any]:
    """Hourly readings of a bin emptied daily at 07:00 UTC, capped at full, with a little noise."""
    out = []
    level = 0.0
    start = end - timedelta(days=days)
    for h in range(days * 24):
        at = start + timedelta(hours=h)
        if at.hour == 7:
            level = 0.0
        level += litres_per_day / 24 / volume
        noisy = min(level, 1.0) + 0.004 * ((h * 7) % 5 - 2)
        out.append((at, round(min(max(noisy, 0.0), 1.0), 3)))
    return out


def test_capacity_advice_names_the_hot_bin_with_its_curve_and_csv(
    client: TestClient, headers: dict[Role, dict[str, str]], db: Conn
) -> None:
    """A 120 l bin receiving 300 l a day is advised extra bins; a calm one is not; CSV matches."""
    seed_city(db)
    db.execute("DELETE FROM fill_readings")
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    _store(db, "kor-001", _sawtooth(300, 120, days=14, end=now))
    _store(db, "kor-002", _sawtooth(40, 120, days=14, end=now))
    coordinator = headers[Role.COORDINATOR]
    answer = client.get("/api/v1/advice/capacity", headers=coordinator)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["bins_considered"] == 2
    assert [a["bin_id"] for a in body["advice"]] == ["kor-001"]
    hot = body["advice"][0]
    assert hot["name"] == "Grote Markt 1"
    assert hot["current_l"] == 120
    assert hot["new_volume_l"] * hot["count"] >= 240
    assert hot["fill_now"] > 1.0
    assert len(hot["curve"]) == 168
    assert max(v for v in hot["curve"] if v is not None) >= 0.97
    assert hot["advice_nl"].startswith(("vervang", "zet"))

    table = client.get("/api/v1/advice/capacity.csv", headers=coordinator)
    assert table.status_code == 200
    assert table.headers["content-type"].startswith("text/csv")
    assert "capaciteitsadvies-" in table.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(table.text.lstrip("\ufeff")), delimiter=";"))
    assert rows[0][:3] == ["bak", "naam", "deelgemeente"]
    assert [r[0] for r in rows[1:]] == ["kor-001"]
    assert rows[1][5] == hot["advice_nl"]

    weekly = client.get(
        "/api/v1/advice/capacity", params={"interval_h": 4}, headers=coordinator
    ).json()
    assert weekly["advice"] == [], "with a visit every four hours nothing overflows"
    bad = client.get("/api/v1/advice/capacity", params={"interval_h": 1}, headers=coordinator)
    assert bad.status_code == 422
    assert bad.json()["message_nl"]
    assert client.get("/api/v1/advice/capacity", headers=headers[Role.CREW]).status_code == 403
    assert client.get("/api/v1/advice/capacity.csv").status_code == 401


def test_bins_with_silent_stuck_or_no_sensor_are_listed_with_their_estimate(
    client: TestClient, headers: dict[Role, dict[str, str]], db: Conn
) -> None:
    """The coordinator sees which bins are planned from history, why, and their estimated level."""
    seed_city(db)
    db.execute("DELETE FROM fill_readings")
    now = datetime.now(UTC).replace(microsecond=0)
    _store(db, "kor-001", _sawtooth(60, 120, days=7, end=now))  # working
    _store(db, "kor-002", _sawtooth(60, 120, days=7, end=now - timedelta(days=2)))  # silent
    fresh = _sawtooth(60, 120, days=5, end=now - timedelta(hours=20))
    frozen = [(now - timedelta(hours=h), 0.31) for h in range(19, 0, -1)]
    _store(db, "kor-003", [*fresh, *frozen])  # stuck for 19 hours
    # hel-001 has no readings at all
    listed = client.get("/api/v1/advice/sensors", headers=headers[Role.COORDINATOR])
    assert listed.status_code == 200, listed.text
    by_bin = {r["bin_id"]: r for r in listed.json()}
    assert set(by_bin) == {"kor-002", "kor-003", "hel-001"}
    assert by_bin["kor-002"]["reason"] == "silent"
    assert by_bin["kor-003"]["reason"] == "stuck"
    assert by_bin["hel-001"]["reason"] == "none"
    assert by_bin["hel-001"]["last_reading_at"] is None
    assert by_bin["hel-001"]["estimated_level"] == 1.0
    assert "geschat" in by_bin["kor-003"]["reason_nl"]
    assert client.get("/api/v1/advice/sensors", headers=headers[Role.CREW]).status_code == 403
