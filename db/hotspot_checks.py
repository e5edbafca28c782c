"""Every SQL statement of the morning plan's hotspot checks: where crews were, and the day's
check visits (``fixed_visits`` of kind 'check', booked by ``routing.service.plan_day``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from psycopg.rows import class_row

from db.conn import Conn


@dataclass(frozen=True, slots=True)
class Pass:
    """A crew was here at this time: a stop it marked done."""

    at: datetime
    lat: float
    lon: float


def passes(*, conn: Conn, since: datetime, until: datetime) -> list[Pass]:
    """Where crews marked a stop done between ``since`` and ``until``: their phone's position,
    else the bin's or the fixed visit's, and the plans' done stops."""
    with conn.cursor(row_factory=class_row(Pass)) as cur:
        cur.execute(
            b"""SELECT a.acted_at AS at, coalesce(a.lat, b.lat, f.lat) AS lat,
                       coalesce(a.lon, b.lon, f.lon) AS lon
                FROM stop_actions a
                LEFT JOIN bins b ON b.id = a.bin_id
                LEFT JOIN fixed_visits f ON a.stop_ref = 'fixed:' || f.id
                WHERE a.action = 'done' AND a.acted_at >= %(since)s AND a.acted_at < %(until)s
                  AND coalesce(a.lat, b.lat, f.lat) IS NOT NULL
                  AND coalesce(a.lon, b.lon, f.lon) IS NOT NULL
                UNION ALL
                SELECT s.done_at, s.lat, s.lon
                FROM plan_stops s JOIN plans p ON p.id = s.plan_id
                WHERE p.state = 'active' AND s.state = 'done' AND s.kind <> 'unload'
                  AND s.done_at >= %(since)s AND s.done_at < %(until)s""",
            {"since": since, "until": until},
        )
        return cur.fetchall()


def drop_open_checks(*, conn: Conn, day: date) -> int:
    """Remove ``day``'s check visits no crew has acted on (the day is being planned again: its
    checks are chosen anew); returns how many."""
    cur = conn.execute(
        """DELETE FROM fixed_visits f
           WHERE f.day = %s AND f.kind = 'check'
             AND NOT EXISTS (SELECT 1 FROM stop_actions a WHERE a.stop_ref = 'fixed:' || f.id)
             AND NOT EXISTS (SELECT 1 FROM extra_stops x WHERE x.fixed_visit_id = f.id)
             AND NOT EXISTS (SELECT 1 FROM dump_reports r WHERE r.fixed_visit_id = f.id)""",
        (day,),
    )
    return cur.rowcount
