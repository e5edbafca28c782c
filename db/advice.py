"""Every SQL statement of a bin's history beyond its readings: when crews last emptied it, and the
bins and readings the capacity advice weighs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from psycopg.rows import class_row

from db.conn import Conn


@dataclass(frozen=True, slots=True)
class Emptied:
    """The last time a crew emptied a bin."""

    bin_id: str
    at: datetime


@dataclass(frozen=True, slots=True)
class AdviceBin:
    """An active bin as the capacity advice sees it."""

    id: str
    name: str
    district: str
    place_type: str
    container_type: str
    volume_l: int
    threshold: float


@dataclass(frozen=True, slots=True)
class LevelReading:
    """One usable fill reading."""

    bin_id: str
    ts: datetime
    level: float


def last_emptied(*, conn: Conn, until: datetime) -> dict[str, datetime]:
    """Per bin, the last emptying a crew reported (stop actions) or a plan recorded as done."""
    with conn.cursor(row_factory=class_row(Emptied)) as cur:
        cur.execute(
            b"""SELECT bin_id, max(at) AS at FROM (
                    SELECT bin_id, acted_at AS at FROM stop_actions
                    WHERE action = 'done' AND bin_id IS NOT NULL AND acted_at <= %(until)s
                    UNION ALL
                    SELECT s.ref AS bin_id, s.done_at AS at
                    FROM plan_stops s JOIN plans p ON p.id = s.plan_id
                    WHERE s.kind = 'bin' AND s.state = 'done' AND p.state = 'active'
                      AND s.done_at <= %(until)s
                ) e GROUP BY bin_id""",
            {"until": until},
        )
        return {r.bin_id: r.at for r in cur.fetchall()}


def bins(*, conn: Conn) -> list[AdviceBin]:
    """Every active bin."""
    with conn.cursor(row_factory=class_row(AdviceBin)) as cur:
        cur.execute(
            b"""SELECT id, name, district, place_type, container_type, volume_l, threshold
                FROM bins WHERE active ORDER BY id"""
        )
        return cur.fetchall()


def readings(
    *, conn: Conn, since: datetime, until: datetime, bin_ids: list[str] | None = None
) -> dict[str, list[tuple[datetime, float | None]]]:
    """Usable fill readings per bin in ``[since, until)``, oldest first."""
    out: dict[str, list[tuple[datetime, float | None]]] = {}
    with conn.cursor(row_factory=class_row(LevelReading)) as cur:
        cur.execute(
            b"""SELECT bin_id, ts, filling_level AS level FROM fill_readings
                WHERE ts >= %(since)s AND ts < %(until)s AND filling_level IS NOT NULL
                  AND (%(ids)s::text[] IS NULL OR bin_id = ANY(%(ids)s::text[]))
                ORDER BY bin_id, ts""",
            {"since": since, "until": until, "ids": bin_ids},
        )
        for r in cur:
            out.setdefault(r.bin_id, []).append((r.ts, r.level))
    return out
