"""Every SQL statement of same-day dump clearing: the reports, their fixed visits, their state.

A report's state is read, never stored twice: *cleared* when a crew marked its fixed visit (or
the extra stop on the sheet that points at it) done, *in route* when the active plan of its
visit's day has it on a route, otherwise *waiting* for the next plan.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from psycopg import sql
from psycopg.rows import class_row

from db.conn import Conn


@dataclass(frozen=True, slots=True)
class DumpReport:
    """A dump to clear, with where it stands."""

    id: int
    source: str
    event_id: str | None
    label: str
    note: str
    lat: float
    lon: float
    volume_l: int
    has_photo: bool
    reported_at: datetime
    due_at: datetime
    created_by: str
    fixed_visit_id: int | None
    visit_day: date | None
    dispatch: str
    dispatch_note: str
    plan_id: int | None  # the active plan that has it on a route
    vehicle_id: str | None
    eta: datetime | None
    cleared_at: datetime | None
    cancelled_at: datetime | None


@dataclass(frozen=True, slots=True)
class RunningPlan:
    """A day's active plan and when its last crew goes home (its shift's or its route's end)."""

    plan_id: int
    day: date
    shifts_end: datetime | None


_SELECT = sql.SQL("""
    SELECT r.id, r.source, r.event_id, r.label, r.note, r.lat, r.lon, r.volume_l,
           r.photo IS NOT NULL AS has_photo, r.reported_at, r.due_at, r.created_by,
           r.fixed_visit_id, f.day AS visit_day, r.dispatch, r.dispatch_note,
           s.plan_id, s.vehicle_id, s.arrival_at AS eta,
           coalesce(done.at, s.done_at) AS cleared_at, r.cancelled_at
    FROM dump_reports r
    LEFT JOIN fixed_visits f ON f.id = r.fixed_visit_id
    LEFT JOIN LATERAL (
        SELECT ps.plan_id, ps.vehicle_id, ps.arrival_at, ps.done_at
        FROM plans p JOIN plan_stops ps ON ps.plan_id = p.id
        WHERE p.day = f.day AND p.state = 'active' AND ps.ref = 'fixed:' || f.id
        LIMIT 1
    ) s ON f.id IS NOT NULL
    LEFT JOIN LATERAL (
        SELECT min(a.acted_at) AS at FROM stop_actions a
        WHERE a.action = 'done'
          AND (a.stop_ref = 'fixed:' || r.fixed_visit_id
               OR a.stop_ref IN (SELECT 'extra:' || x.id FROM extra_stops x
                                 WHERE x.fixed_visit_id = r.fixed_visit_id))
    ) done ON r.fixed_visit_id IS NOT NULL
""")


def insert_report(
    *,
    conn: Conn,
    source: str,
    label: str,
    lat: float,
    lon: float,
    reported_at: datetime,
    due_at: datetime,
    created_by: str,
    note: str = "",
    volume_l: int = 400,
    event_id: str | None = None,
    client_key: UUID | None = None,
    photo: bytes | None = None,
    photo_type: str | None = None,
    photo_sha256: str | None = None,
    fixed_visit_id: int | None = None,
) -> tuple[int, bool]:
    """Store a report once (per phone key or camera event); returns its id and whether it is new."""
    row = conn.execute(
        """INSERT INTO dump_reports (client_key, source, event_id, label, note, lat, lon,
                                     volume_l, photo, photo_type, photo_sha256, reported_at,
                                     due_at, created_by, fixed_visit_id)
           VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
           ON CONFLICT DO NOTHING RETURNING id""",
        (
            client_key,
            source,
            event_id,
            label,
            note,
            lat,
            lon,
            volume_l,
            photo,
            photo_type,
            photo_sha256,
            reported_at,
            due_at,
            created_by,
            fixed_visit_id,
        ),
    ).fetchone()
    if row is not None:
        return int(str(row[0])), True
    old = conn.execute(
        "SELECT id FROM dump_reports WHERE client_key = %s OR event_id = %s",
        (client_key, event_id),
    ).fetchone()
    assert old is not None, "a conflicting report exists"
    return int(str(old[0])), False


def report(*, conn: Conn, report_id: int) -> DumpReport | None:
    """One report with its state."""
    with conn.cursor(row_factory=class_row(DumpReport)) as cur:
        cur.execute(_SELECT + sql.SQL(" WHERE r.id = %(id)s"), {"id": report_id})
        return cur.fetchone()


def reports(*, conn: Conn, since: datetime, open_only: bool) -> list[DumpReport]:
    """Reports made since ``since`` (or still open from before), the most urgent first."""
    with conn.cursor(row_factory=class_row(DumpReport)) as cur:
        cur.execute(
            sql.SQL(
                """SELECT * FROM ({}) q WHERE q.cancelled_at IS NULL
                     AND (q.reported_at >= %(since)s OR q.cleared_at IS NULL)
                     AND (NOT %(open)s OR q.cleared_at IS NULL)
                   ORDER BY q.cleared_at IS NOT NULL, q.due_at, q.id"""
            ).format(_SELECT),
            {"since": since, "open": open_only},
        )
        return cur.fetchall()


def photo(*, conn: Conn, report_id: int) -> tuple[bytes, str] | None:
    """A report's photo and its media type."""
    row = conn.execute(
        "SELECT photo, photo_type FROM dump_reports WHERE id = %s AND photo IS NOT NULL",
        (report_id,),
    ).fetchone()
    if row is None:
        return None
    return bytes(row[0]), str(row[1])  # type: ignore[call-overload]  # bytea arrives as bytes


def book_visit(
    *, conn: Conn, report_id: int, day: date, name: str, lat: float, lon: float, volume_l: int
) -> int:
    """Book the report's cleanup as a fixed visit of ``day`` (the planner's must-visits)."""
    row = conn.execute(
        """INSERT INTO fixed_visits (day, kind, name, lat, lon, service_s, volume_l, weight_kg,
                                     note)
           VALUES (%s, 'dump', %s, %s, %s, 900, %s, %s, %s) RETURNING id""",
        (day, name, lat, lon, volume_l, volume_l // 4, f"dump report {report_id}"),
    ).fetchone()
    assert row is not None
    visit_id = int(str(row[0]))
    conn.execute("UPDATE dump_reports SET fixed_visit_id = %s WHERE id = %s", (visit_id, report_id))
    return visit_id


def set_dispatch(
    *,
    conn: Conn,
    report_id: int,
    dispatch: str,
    note: str,
    plan_id: int | None = None,
    vehicle_id: str | None = None,
    eta: datetime | None = None,
) -> None:
    """Record where a report went and why."""
    conn.execute(
        """UPDATE dump_reports SET dispatch = %s, dispatch_note = %s, plan_id = %s,
                                  vehicle_id = %s, eta = %s
           WHERE id = %s""",
        (dispatch, note, plan_id, vehicle_id, eta, report_id),
    )


def move_visit(*, conn: Conn, visit_id: int, day: date) -> None:
    """Move a cleanup's fixed visit to another day."""
    conn.execute("UPDATE fixed_visits SET day = %s WHERE id = %s", (day, visit_id))


def carry_over(*, conn: Conn, day: date, today: date) -> int:
    """Move the fixed visits of uncleared reports from earlier days to ``day``; returns how many.

    A cleanup on a route of ``today``'s active plan stays there (the crew may still clear it
    today): planning tomorrow in the afternoon does not take it off today's route.
    """
    cur = conn.execute(
        """UPDATE fixed_visits f SET day = %(day)s
           FROM dump_reports r
           WHERE r.fixed_visit_id = f.id AND r.cancelled_at IS NULL AND f.day < %(day)s
             AND NOT (f.day >= %(today)s AND EXISTS (
                 SELECT 1 FROM plan_stops ps JOIN plans p ON p.id = ps.plan_id
                 WHERE p.state = 'active' AND p.day = f.day AND ps.ref = 'fixed:' || f.id))
             AND NOT EXISTS (
                 SELECT 1 FROM stop_actions a
                 WHERE a.action = 'done'
                   AND (a.stop_ref = 'fixed:' || f.id
                        OR a.stop_ref IN (SELECT 'extra:' || x.id FROM extra_stops x
                                          WHERE x.fixed_visit_id = f.id)))
             AND NOT EXISTS (
                 SELECT 1 FROM plan_stops ps JOIN plans p ON p.id = ps.plan_id
                 WHERE p.state = 'active' AND ps.ref = 'fixed:' || f.id
                   AND ps.state = 'done')""",
        {"day": day, "today": today},
    )
    return cur.rowcount


def running_plan(*, conn: Conn, day: date) -> RunningPlan | None:
    """The day's active plan and when its last crew's shift (or route, if later) ends."""
    with conn.cursor(row_factory=class_row(RunningPlan)) as cur:
        cur.execute(
            b"""SELECT p.id AS plan_id, p.day,
                       max(greatest(r.end_at,
                                    (p.day + v.shift_end) AT TIME ZONE 'Europe/Brussels'))
                           AS shifts_end
                FROM plans p
                LEFT JOIN plan_routes r ON r.plan_id = p.id
                LEFT JOIN vehicles v ON v.id = r.vehicle_id
                WHERE p.day = %(day)s AND p.state = 'active'
                GROUP BY p.id, p.day""",
            {"day": day},
        )
        return cur.fetchone()


@dataclass(frozen=True, slots=True)
class SheetAction:
    """A crew's latest action on a stop of a day's sheet, in the plan's terms."""

    ref: str  # a bin id or 'fixed:<id>', as plan stops name them
    action: str  # 'done' or 'skipped'
    acted_at: datetime


def sheet_actions(*, conn: Conn, day: date) -> list[SheetAction]:
    """What crews did on the day's sheets so far (the newest action per stop)."""
    with conn.cursor(row_factory=class_row(SheetAction)) as cur:
        cur.execute(
            b"""SELECT DISTINCT ON (stop_ref)
                       CASE WHEN stop_ref LIKE 'bin:%%' THEN substr(stop_ref, 5) ELSE stop_ref END
                           AS ref,
                       action, acted_at
                FROM stop_actions
                WHERE service_date = %(day)s
                  AND (stop_ref LIKE 'bin:%%' OR stop_ref LIKE 'fixed:%%')
                ORDER BY stop_ref, acted_at DESC""",
            {"day": day},
        )
        return cur.fetchall()


def lock_day(*, conn: Conn, day: date) -> None:
    """Serialise re-plans of one day until the transaction ends: two reports at once both land."""
    conn.execute("SELECT pg_advisory_xact_lock(hashtext('dump-dispatch:' || %s::text))", (day,))


def due_times(*, conn: Conn, day: date) -> dict[int, datetime]:
    """When each cleanup booked on ``day`` is due: fixed visit id → its report's ``due_at``."""
    rows = conn.execute(
        """SELECT f.id, min(r.due_at) FROM fixed_visits f
           JOIN dump_reports r ON r.fixed_visit_id = f.id
           WHERE f.day = %s AND r.cancelled_at IS NULL
           GROUP BY f.id""",
        (day,),
    ).fetchall()
    out: dict[int, datetime] = {}
    for r in rows:
        assert isinstance(r[1], datetime)
        out[int(str(r[0]))] = r[1]
    return out
