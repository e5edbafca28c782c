"""A dump report from any source becomes a cleanup stop: stored first, then dispatched.

The report is stored before the planner runs, so a re-plan that fails (no vehicles, a plan that
does not pass its check) loses nothing: the cleanup then waits for the next plan as a must-visit.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from uuid import UUID

from db import Conn
from db import dumps as db
from routing import PlanCheckError, PlanningError, dumps

log = logging.getLogger(__name__)


def dispatch(*, conn: Conn, report_id: int, now: datetime | None = None) -> dumps.Dispatched:
    """Put the cleanup on a running route, or into the next plan when that fails."""
    now = now or datetime.now(UTC)
    try:
        return dumps.dispatch(conn=conn, report_id=report_id, now=now)
    except (PlanningError, PlanCheckError) as exc:
        log.warning("dump report %s: re-plan refused (%s); next plan", report_id, exc)
        note = f"herplannen lukte niet ({getattr(exc, 'message_nl', exc)}): in het volgende plan"
        db.set_dispatch(conn=conn, report_id=report_id, dispatch="next_plan", note=note)
        found = db.report(conn=conn, report_id=report_id)
        day = found.visit_day if found is not None and found.visit_day else now.date()
        return dumps.Dispatched(report_id, "next_plan", day, None, None, None, note)


def from_confirmed_event(
    *,
    conn: Conn,
    event_id: str,
    label: str,
    lat: float,
    lon: float,
    reported_at: datetime,
    created_by: str,
    fixed_visit_id: int | None,
    now: datetime | None = None,
) -> int:
    """A camera event enforcement confirmed: its report (once per event), dispatched."""
    report_id, new = db.insert_report(
        conn=conn,
        source="camera",
        label=label,
        lat=lat,
        lon=lon,
        reported_at=reported_at,
        due_at=dumps.due_at(reported_at),
        created_by=created_by,
        event_id=event_id,
        fixed_visit_id=fixed_visit_id,
    )
    if new:
        dispatch(conn=conn, report_id=report_id, now=now)
    return report_id


def new_report(
    *,
    conn: Conn,
    source: str,
    label: str,
    lat: float,
    lon: float,
    reported_at: datetime,
    created_by: str,
    note: str = "",
    volume_l: int = 400,
    client_key: UUID | None = None,
    photo: bytes | None = None,
    photo_type: str | None = None,
    photo_sha256: str | None = None,
    now: datetime | None = None,
) -> tuple[int, bool]:
    """A crew's or citizen's report, stored once per phone key and dispatched when new."""
    report_id, new = db.insert_report(
        conn=conn,
        source=source,
        label=label,
        lat=lat,
        lon=lon,
        reported_at=reported_at,
        due_at=dumps.due_at(reported_at),
        created_by=created_by,
        note=note,
        volume_l=volume_l,
        client_key=client_key,
        photo=photo,
        photo_type=photo_type,
        photo_sha256=photo_sha256,
    )
    if new:
        dispatch(conn=conn, report_id=report_id, now=now)
    return report_id, new
