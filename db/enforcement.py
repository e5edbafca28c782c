"""Enforcement: the review queue of dumping detections, their cases and legal holds, unblur
requests and each camera's review outcomes (the evidence files themselves: ``db.evidence``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psycopg.rows import class_row

from db.conn import Conn


@dataclass(frozen=True, slots=True)
class EventRow:
    """A dumping detection with its hotspot, case and retention state."""

    event_id: str
    device_id: str
    hotspot_id: str
    hotspot_name: str | None
    district: str | None
    lat: float | None
    lon: float | None
    started_at: datetime
    detected_at: datetime
    score: float
    person_present: bool
    vehicle_present: bool
    bbox: list[int]
    object_area_px: int
    files: list[Any]  # the files the camera announced, as its JSON lists them
    manifest_sha256: str | None
    signature_b64: str | None
    review_state: str
    received_at: datetime
    case_number: str | None
    case_status: str | None
    legal_hold: bool | None
    evidence_purged_at: datetime | None
    last_reason: str | None


@dataclass(frozen=True, slots=True)
class Review:
    """One review decision on a detection."""

    state: str
    reason: str
    username: str
    decided_at: datetime


@dataclass(frozen=True, slots=True)
class CaseRow:
    """An enforcement case."""

    case_number: str
    event_id: str
    opened_at: datetime
    opened_by: str
    status: str
    closed_at: datetime | None
    legal_hold: bool


@dataclass(frozen=True, slots=True)
class CameraRate:
    """A camera's detections by review outcome."""

    device_id: str
    hotspot_id: str
    hotspot_name: str | None
    detections: int
    confirmed: int
    dismissed: int
    pending: int
    false_positive_rate: float | None


@dataclass(frozen=True, slots=True)
class UnblurRequestRow:
    """A request for an event's unblurred frames and its state (pending, approved, expired)."""

    id: int
    event_id: str
    device_id: str
    user_id: int
    username: str
    reason: str
    requested_at: datetime
    sent_at: datetime | None
    expires_at: datetime
    approved_at: datetime | None
    approved_by: str | None
    state: str


@dataclass(frozen=True, slots=True)
class UnblurCommand:
    """An approved unblur request whose command the camera has not received yet."""

    id: int
    event_id: str
    device_id: str


@dataclass(frozen=True, slots=True)
class HoldCommand:
    """A case whose camera has not yet heard of its hold, or of its release."""

    case_number: str
    event_id: str
    device_id: str
    legal_hold: bool


_EVENT = """SELECT e.event_id, e.device_id, e.hotspot_id, h.name AS hotspot_name, h.district,
                   h.lat, h.lon, e.started_at, e.detected_at, e.score, e.person_present,
                   e.vehicle_present, e.bbox, e.object_area_px, e.files, e.manifest_sha256,
                   e.signature_b64, e.review_state, e.received_at,
                   c.case_number, c.status AS case_status, c.legal_hold,
                   p.purged_at AS evidence_purged_at,
                   (SELECT r.reason FROM event_reviews r WHERE r.event_id = e.event_id
                    ORDER BY r.decided_at DESC, r.id DESC LIMIT 1) AS last_reason
            FROM dumping_events e
            LEFT JOIN hotspots h ON h.id = e.hotspot_id
            LEFT JOIN enforcement_cases c ON c.event_id = e.event_id
            LEFT JOIN evidence_purges p ON p.event_id = e.event_id"""


def queue(*, conn: Conn, state: str | None, limit: int) -> list[EventRow]:
    """Detections, newest first, optionally in one review state."""
    with conn.cursor(row_factory=class_row(EventRow)) as cur:
        cur.execute(
            _EVENT
            + """ WHERE (%(state)s::text IS NULL OR e.review_state = %(state)s)
                  ORDER BY e.detected_at DESC LIMIT %(limit)s""",
            {"state": state, "limit": limit},
        )
        return cur.fetchall()


def queue_counts(*, conn: Conn) -> dict[str, int]:
    """How many detections are in each review state."""
    rows = conn.execute(
        "SELECT review_state, count(*) FROM dumping_events GROUP BY review_state"
    ).fetchall()
    return {str(state): int(str(n)) for state, n in rows}


def event(*, conn: Conn, event_id: str) -> EventRow | None:
    """One detection with its case and retention state."""
    with conn.cursor(row_factory=class_row(EventRow)) as cur:
        cur.execute(_EVENT + " WHERE e.event_id = %s", (event_id,))
        return cur.fetchone()


def set_review_state(*, conn: Conn, event_id: str, state: str, reason: str, user_id: int) -> None:
    """Move a detection to a review state and remember who decided and why."""
    conn.execute(
        "UPDATE dumping_events SET review_state = %s WHERE event_id = %s", (state, event_id)
    )
    conn.execute(
        "INSERT INTO event_reviews (event_id, state, reason, user_id) VALUES (%s, %s, %s, %s)",
        (event_id, state, reason, user_id),
    )


def reviews(*, conn: Conn, event_id: str) -> list[Review]:
    """Every review decision on a detection, oldest first."""
    with conn.cursor(row_factory=class_row(Review)) as cur:
        cur.execute(
            """SELECT r.state, r.reason, u.username, r.decided_at
               FROM event_reviews r JOIN users u ON u.id = r.user_id
               WHERE r.event_id = %s ORDER BY r.decided_at, r.id""",
            (event_id,),
        )
        return cur.fetchall()


def open_case(*, conn: Conn, event_id: str, user_id: int, year: int) -> str:
    """Open the case for a confirmed detection (once); returns its number."""
    row = conn.execute(
        """INSERT INTO enforcement_cases (case_number, event_id, opened_by)
           VALUES (format('SLK-%%s-%%s', %s::int, lpad(nextval('case_number_seq')::text, 6, '0')),
                   %s, %s)
           ON CONFLICT (event_id) DO UPDATE SET event_id = EXCLUDED.event_id
           RETURNING case_number""",
        (year, event_id, user_id),
    ).fetchone()
    assert row is not None
    return str(row[0])


def case(*, conn: Conn, case_number: str) -> CaseRow | None:
    """A case by its number."""
    with conn.cursor(row_factory=class_row(CaseRow)) as cur:
        cur.execute(
            """SELECT c.case_number, c.event_id, c.opened_at, u.username AS opened_by, c.status,
                      c.closed_at, c.legal_hold
               FROM enforcement_cases c JOIN users u ON u.id = c.opened_by
               WHERE c.case_number = %s""",
            (case_number,),
        )
        return cur.fetchone()


def close_case(*, conn: Conn, case_number: str) -> bool:
    """Close a case and lift its legal hold; False when unknown or closed already."""
    cur = conn.execute(
        """UPDATE enforcement_cases SET status = 'closed', closed_at = now(), legal_hold = false
           WHERE case_number = %s AND status = 'open'""",
        (case_number,),
    )
    return cur.rowcount == 1


def camera_review_rates(*, conn: Conn) -> list[CameraRate]:
    """Per camera: detections by review outcome and the share of decided ones dismissed."""
    with conn.cursor(row_factory=class_row(CameraRate)) as cur:
        cur.execute(
            """SELECT e.device_id, e.hotspot_id, h.name AS hotspot_name,
                      count(*) AS detections,
                      count(*) FILTER (WHERE e.review_state = 'confirmed') AS confirmed,
                      count(*) FILTER (WHERE e.review_state = 'dismissed') AS dismissed,
                      count(*) FILTER (WHERE e.review_state IN ('new', 'in_review')) AS pending,
                      (count(*) FILTER (WHERE e.review_state = 'dismissed'))::double precision
                        / NULLIF(count(*) FILTER (WHERE e.review_state IN ('confirmed', 'dismissed')), 0)
                        AS false_positive_rate
               FROM dumping_events e LEFT JOIN hotspots h ON h.id = e.hotspot_id
               GROUP BY e.device_id, e.hotspot_id, h.name
               ORDER BY e.device_id"""
        )
        return cur.fetchall()


def insert_unblur_request(
    *, conn: Conn, event_id: str, device_id: str, user_id: int, reason: str, expires_at: datetime
) -> int:
    """Record a request for an event's unblurred frames, waiting for a second officer; its id."""
    row = conn.execute(
        """INSERT INTO unblur_requests (event_id, device_id, user_id, reason, expires_at)
           VALUES (%s, %s, %s, %s, %s) RETURNING id""",
        (event_id, device_id, user_id, reason, expires_at),
    ).fetchone()
    assert row is not None
    return int(str(row[0]))


_UNBLUR = """SELECT r.id, r.event_id, r.device_id, r.user_id, u.username, r.reason,
                    r.requested_at, r.sent_at, r.expires_at, r.approved_at,
                    a.username AS approved_by,
                    CASE WHEN r.expires_at <= now() THEN 'expired'
                         WHEN r.approved_at IS NULL THEN 'pending'
                         ELSE 'approved' END AS state
             FROM unblur_requests r JOIN users u ON u.id = r.user_id
             LEFT JOIN users a ON a.id = r.approved_by"""


def unblur_request(*, conn: Conn, request_id: int) -> UnblurRequestRow | None:
    """One unblur request with its state (pending, approved, expired)."""
    with conn.cursor(row_factory=class_row(UnblurRequestRow)) as cur:
        cur.execute(_UNBLUR + " WHERE r.id = %s", (request_id,))
        return cur.fetchone()


def approve_unblur(*, conn: Conn, request_id: int, approver_id: int, valid_until: datetime) -> bool:
    """A second officer approves a pending, unexpired request; False when that no longer holds."""
    cur = conn.execute(
        """UPDATE unblur_requests SET approved_by = %s, approved_at = now(), expires_at = %s
           WHERE id = %s AND approved_at IS NULL AND expires_at > now() AND user_id <> %s""",
        (approver_id, valid_until, request_id, approver_id),
    )
    return cur.rowcount == 1


def mark_unblur_sent(*, conn: Conn, request_id: int) -> None:
    """The command reached the broker."""
    conn.execute("UPDATE unblur_requests SET sent_at = now() WHERE id = %s", (request_id,))


def unblur_requests(*, conn: Conn, event_id: str) -> list[UnblurRequestRow]:
    """Unblur requests for one detection, oldest first."""
    with conn.cursor(row_factory=class_row(UnblurRequestRow)) as cur:
        cur.execute(_UNBLUR + " WHERE r.event_id = %s ORDER BY r.requested_at, r.id", (event_id,))
        return cur.fetchall()


def pending_unblur_requests(*, conn: Conn, limit: int) -> list[UnblurRequestRow]:
    """Requests still waiting for a second officer, oldest first."""
    with conn.cursor(row_factory=class_row(UnblurRequestRow)) as cur:
        cur.execute(
            _UNBLUR
            + """ WHERE r.approved_at IS NULL AND r.expires_at > now()
                  ORDER BY r.requested_at, r.id LIMIT %s""",
            (limit,),
        )
        return cur.fetchall()


def unblur_approved(*, conn: Conn, event_id: str) -> bool:
    """Whether an approved request for this event's unblurred frames is still valid."""
    row = conn.execute(
        """SELECT 1 FROM unblur_requests
           WHERE event_id = %s AND approved_at IS NOT NULL AND expires_at > now() LIMIT 1""",
        (event_id,),
    ).fetchone()
    return row is not None


def unblur_commands_to_send(*, conn: Conn) -> list[UnblurCommand]:
    """Approved, still valid unblur requests whose command the broker has not taken yet."""
    with conn.cursor(row_factory=class_row(UnblurCommand)) as cur:
        cur.execute(
            """SELECT id, event_id, device_id FROM unblur_requests
               WHERE approved_at IS NOT NULL AND sent_at IS NULL AND expires_at > now()
               ORDER BY approved_at, id"""
        )
        return cur.fetchall()


def holds_to_send(*, conn: Conn) -> list[HoldCommand]:
    """Cases whose camera has not yet heard of their hold, or of its release after closing."""
    with conn.cursor(row_factory=class_row(HoldCommand)) as cur:
        cur.execute(
            """SELECT c.case_number, c.event_id, e.device_id, c.legal_hold
               FROM enforcement_cases c JOIN dumping_events e ON e.event_id = c.event_id
               WHERE (c.legal_hold AND c.hold_sent_at IS NULL)
                  OR (NOT c.legal_hold AND c.hold_sent_at IS NOT NULL
                      AND c.release_sent_at IS NULL)
               ORDER BY c.id"""
        )
        return cur.fetchall()


def mark_hold_sent(*, conn: Conn, case_number: str, hold: bool) -> None:
    """The camera's broker took the hold (or its release)."""
    if hold:
        conn.execute(
            "UPDATE enforcement_cases SET hold_sent_at = now() WHERE case_number = %s",
            (case_number,),
        )
    else:
        conn.execute(
            "UPDATE enforcement_cases SET release_sent_at = now() WHERE case_number = %s",
            (case_number,),
        )
