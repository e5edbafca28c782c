"""The crews' route sheet: the day's planned stops of a vehicle, extra stops, stop actions and
problem reports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from uuid import UUID

from psycopg.rows import class_row

from db.conn import Conn


@dataclass(frozen=True, slots=True)
class PlannedStopRow:
    """A stop of a vehicle in the day's active plan, with its bin and its time window."""

    plan_id: int
    seq: int
    kind: str
    plan_ref: str
    label: str
    lat: float
    lon: float
    eta: datetime | None
    predicted_fill: float | None
    bin_id: str | None
    container_type: str | None
    district: str | None
    opens: time | None
    closes: time | None
    fixed_visit_id: int | None
    fixed_kind: str | None


@dataclass(frozen=True, slots=True)
class ExtraStopRow:
    """A stop put on a day's sheet outside the planner, with its bin's details and latest fill."""

    id: int
    kind: str
    bin_id: str | None
    hotspot_id: str | None
    event_id: str | None
    label: str
    lat: float
    lon: float
    vehicle_id: str | None
    created_at: datetime
    fixed_visit_id: int | None
    container_type: str | None
    district: str | None
    threshold: float | None
    filling_level: float | None


@dataclass(frozen=True, slots=True)
class StopActionRow:
    """The newest action on a stop of a day's sheet."""

    stop_ref: str
    action: str
    fill_seen: str | None
    skip_reason: str | None
    volume_l: int | None
    acted_at: datetime


@dataclass(frozen=True, slots=True)
class ProblemReport:
    """A crew's problem report, without its photo."""

    client_key: UUID
    username: str
    vehicle_id: str | None
    stop_ref: str | None
    bin_id: str | None
    kind: str
    note: str
    lat: float | None
    lon: float | None
    accuracy_m: float | None
    has_photo: bool
    reported_at: datetime
    received_at: datetime
    resolved_at: datetime | None


def planned_stops(
    *, conn: Conn, plan_id: int, service_date: date, vehicle_id: str
) -> list[PlannedStopRow]:
    """A vehicle's stops in a plan for a day, in order, with bin details and time windows."""
    with conn.cursor(row_factory=class_row(PlannedStopRow)) as cur:
        cur.execute(
            """SELECT s.plan_id, s.seq, s.kind, s.ref AS plan_ref, s.name AS label, s.lat, s.lon,
                      s.arrival_at AS eta, s.predicted_fill,
                      b.id AS bin_id, b.container_type, b.district,
                      coalesce(w.opens, f.opens) AS opens, coalesce(w.closes, f.closes) AS closes,
                      f.id AS fixed_visit_id, f.kind AS fixed_kind
               FROM plan_stops s
               LEFT JOIN bins b ON s.kind = 'bin' AND b.id = s.ref
               LEFT JOIN fixed_visits f
                      ON s.kind = 'fixed' AND f.id::text = substr(s.ref, length('fixed:') + 1)
               LEFT JOIN LATERAL (
                   SELECT opens, closes FROM bin_windows bw
                   WHERE bw.bin_id = b.id
                     AND (bw.weekday IS NULL OR bw.weekday = %(weekday)s)
                   ORDER BY opens LIMIT 1
               ) w ON b.id IS NOT NULL
               WHERE s.plan_id = %(plan)s AND s.vehicle_id = %(vehicle)s
               ORDER BY s.seq""",
            {"plan": plan_id, "vehicle": vehicle_id, "weekday": service_date.weekday()},
        )
        return cur.fetchall()


def extra_stops_for_day(
    *, conn: Conn, service_date: date, vehicle_id: str | None
) -> list[ExtraStopRow]:
    """Stops added to a day's sheet outside the planner, with the bin's details and latest fill."""
    with conn.cursor(row_factory=class_row(ExtraStopRow)) as cur:
        cur.execute(
            """SELECT e.id, e.kind, e.bin_id, e.hotspot_id, e.event_id, e.label, e.lat, e.lon,
                      e.vehicle_id, e.created_at, e.fixed_visit_id,
                      b.container_type, b.district, b.threshold, r.filling_level
               FROM extra_stops e
               LEFT JOIN bins b ON b.id = e.bin_id
               LEFT JOIN LATERAL (
                   SELECT filling_level FROM fill_readings fr
                   WHERE fr.bin_id = e.bin_id ORDER BY ts DESC LIMIT 1
               ) r ON e.bin_id IS NOT NULL
               WHERE e.service_date = %(day)s AND e.cancelled_at IS NULL
                 AND (e.vehicle_id IS NULL OR %(vehicle)s::text IS NULL
                      OR e.vehicle_id = %(vehicle)s)
               ORDER BY e.created_at, e.id""",
            {"day": service_date, "vehicle": vehicle_id},
        )
        return cur.fetchall()


def insert_extra_stop(
    *,
    conn: Conn,
    service_date: date,
    vehicle_id: str | None,
    kind: str,
    label: str,
    lat: float,
    lon: float,
    created_by: str,
    bin_id: str | None = None,
    hotspot_id: str | None = None,
    event_id: str | None = None,
    fixed_visit_id: int | None = None,
) -> int:
    """Put a stop on a day's sheet; a dump already on a sheet is not added twice."""
    row = conn.execute(
        """INSERT INTO extra_stops (service_date, vehicle_id, kind, bin_id, hotspot_id, event_id,
                                    label, lat, lon, created_by, fixed_visit_id)
           VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
           ON CONFLICT (event_id) WHERE cancelled_at IS NULL DO UPDATE SET label = EXCLUDED.label
           RETURNING id""",
        (
            service_date,
            vehicle_id,
            kind,
            bin_id,
            hotspot_id,
            event_id,
            label,
            lat,
            lon,
            created_by,
            fixed_visit_id,
        ),
    ).fetchone()
    assert row is not None
    return int(str(row[0]))


def actions_for_day(
    *, conn: Conn, service_date: date, vehicle_id: str | None
) -> list[StopActionRow]:
    """The newest action per stop of a day's sheet (every vehicle's when ``vehicle_id`` is None)."""
    with conn.cursor(row_factory=class_row(StopActionRow)) as cur:
        cur.execute(
            """SELECT DISTINCT ON (stop_ref) stop_ref, action, fill_seen, skip_reason, volume_l,
                      acted_at
               FROM stop_actions
               WHERE service_date = %(day)s
                 AND (%(vehicle)s::text IS NULL OR vehicle_id = %(vehicle)s)
               ORDER BY stop_ref, acted_at DESC""",
            {"day": service_date, "vehicle": vehicle_id},
        )
        return cur.fetchall()


def insert_stop_action(
    *,
    conn: Conn,
    client_key: UUID,
    user_id: int,
    vehicle_id: str | None,
    service_date: date,
    stop_ref: str,
    bin_id: str | None,
    action: str,
    fill_seen: str | None,
    skip_reason: str | None,
    note: str,
    acted_at: datetime,
    lat: float | None,
    lon: float | None,
    volume_l: int | None = None,
) -> bool:
    """Store an action once; False when this key was stored before (a retried sync)."""
    cur = conn.execute(
        """INSERT INTO stop_actions (client_key, user_id, vehicle_id, service_date, stop_ref,
                                    bin_id, action, fill_seen, skip_reason, note, acted_at,
                                    lat, lon, volume_l)
           VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
           ON CONFLICT (client_key) DO NOTHING""",
        (
            client_key,
            user_id,
            vehicle_id,
            service_date,
            stop_ref,
            bin_id,
            action,
            fill_seen,
            skip_reason,
            note,
            acted_at,
            lat,
            lon,
            volume_l,
        ),
    )
    return cur.rowcount == 1


def insert_problem_report(
    *,
    conn: Conn,
    client_key: UUID,
    user_id: int,
    vehicle_id: str | None,
    stop_ref: str | None,
    bin_id: str | None,
    kind: str,
    note: str,
    lat: float | None,
    lon: float | None,
    accuracy_m: float | None,
    photo: bytes | None,
    photo_type: str | None,
    photo_sha256: str | None,
    reported_at: datetime,
) -> bool:
    """Store a problem report once; False when this key was stored before."""
    cur = conn.execute(
        """INSERT INTO problem_reports (client_key, user_id, vehicle_id, stop_ref, bin_id, kind,
                                       note, lat, lon, accuracy_m, photo, photo_type,
                                       photo_sha256, reported_at)
           VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
           ON CONFLICT (client_key) DO NOTHING""",
        (
            client_key,
            user_id,
            vehicle_id,
            stop_ref,
            bin_id,
            kind,
            note,
            lat,
            lon,
            accuracy_m,
            photo,
            photo_type,
            photo_sha256,
            reported_at,
        ),
    )
    return cur.rowcount == 1


def recent_problem_reports(*, conn: Conn, limit: int) -> list[ProblemReport]:
    """The newest problem reports, without their photos."""
    with conn.cursor(row_factory=class_row(ProblemReport)) as cur:
        cur.execute(
            """SELECT p.client_key, u.username, p.vehicle_id, p.stop_ref, p.bin_id, p.kind,
                      p.note, p.lat, p.lon, p.accuracy_m, p.photo IS NOT NULL AS has_photo,
                      p.reported_at, p.received_at, p.resolved_at
               FROM problem_reports p JOIN users u ON u.id = p.user_id
               ORDER BY p.received_at DESC LIMIT %s""",
            (limit,),
        )
        return cur.fetchall()


def problem_photo(*, conn: Conn, client_key: UUID) -> tuple[bytes, str] | None:
    """A problem report's photo and its media type."""
    row = conn.execute(
        "SELECT photo, photo_type FROM problem_reports WHERE client_key = %s AND photo IS NOT NULL",
        (client_key,),
    ).fetchone()
    if row is None:
        return None
    return bytes(row[0]), str(row[1])  # type: ignore[call-overload]  # bytea arrives as bytes
