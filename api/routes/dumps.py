"""Dump reports: a crew, a coordinator (for a citizen) or enforcement reports a dump; it becomes
a cleanup stop with a due time, on a running route of today or first in the next plan.

Crews report what they find on the way (GPS and an optional photo); coordinators enter citizens'
reports and follow every open dump with its due time and where it stands; enforcement's confirmed
camera events arrive here by themselves (``api/routes/enforcement.py``).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, File, Form, Query, Response, UploadFile
from pydantic import AwareDatetime, BaseModel

from api import dump_reports
from api.auth import Role, User, require_roles
from api.deps import DbConn
from api.errors import UserError
from db import dumps as db

router = APIRouter(prefix="/api/v1/dumps", tags=["dumps"])
Reporter = Annotated[User, Depends(require_roles(Role.CREW, Role.COORDINATOR, Role.ENFORCEMENT))]
Follower = Annotated[User, Depends(require_roles(Role.COORDINATOR, Role.ENFORCEMENT))]
Coordinator = Annotated[User, Depends(require_roles(Role.COORDINATOR))]
MAX_PHOTO_BYTES = 8 * 1024 * 1024
PHOTO_TYPES = {"image/jpeg", "image/png", "image/webp"}
MAX_REPORT_AGE = timedelta(days=7)

STATE_NL = {
    "cleared": "opgeruimd",
    "in_route": "in een route",
    "next_plan": "wacht op het volgende plan",
    "waiting": "nog niet ingepland",
}


class DumpOut(BaseModel):
    """A dump report as coordinators follow it."""

    id: int
    source: Literal["camera", "crew", "citizen"]
    event_id: str | None
    label: str
    note: str
    lat: float
    lon: float
    volume_l: int
    has_photo: bool
    reported_at: datetime
    due_at: datetime
    state: Literal["cleared", "in_route", "next_plan", "waiting"]
    state_nl: str
    overdue: bool
    visit_day: str | None
    plan_id: int | None
    vehicle_id: str | None
    eta: datetime | None
    cleared_at: datetime | None
    hours_to_clear: float | None
    dispatch_note: str

    @classmethod
    def of(cls, r: db.DumpReport, now: datetime) -> DumpOut:
        """The stored report with its state in words."""
        if r.cleared_at is not None:
            state: Literal["cleared", "in_route", "next_plan", "waiting"] = "cleared"
        elif r.plan_id is not None:
            state = "in_route"
        elif r.dispatch == "waiting":
            state = "waiting"
        else:
            state = "next_plan"
        words = STATE_NL[state]
        if state == "in_route" and r.vehicle_id:
            words = f"in de route van {r.vehicle_id}"
        end = r.cleared_at or now
        return cls(
            id=r.id,
            source=r.source,  # type: ignore[arg-type]  # the table's CHECK allows only these
            event_id=r.event_id,
            label=r.label,
            note=r.note,
            lat=r.lat,
            lon=r.lon,
            volume_l=r.volume_l,
            has_photo=r.has_photo,
            reported_at=r.reported_at,
            due_at=r.due_at,
            state=state,
            state_nl=words,
            overdue=end > r.due_at,
            visit_day=r.visit_day.isoformat() if r.visit_day else None,
            plan_id=r.plan_id,
            vehicle_id=r.vehicle_id,
            eta=r.eta,
            cleared_at=r.cleared_at,
            hours_to_clear=None
            if r.cleared_at is None
            else round((r.cleared_at - r.reported_at).total_seconds() / 3600, 1),
            dispatch_note=r.dispatch_note,
        )


class DumpList(BaseModel):
    """Open dumps first (the most urgent on top), then the ones cleared recently."""

    open: int
    overdue: int
    cleared_within_24h: int
    cleared: int
    reports: list[DumpOut]


class DumpCreated(BaseModel):
    """A stored report and where its cleanup went."""

    stored: bool
    report: DumpOut


def _read(conn: DbConn, report_id: int) -> db.DumpReport:
    found = db.report(conn=conn, report_id=report_id)
    if found is None:
        raise UserError(404, "Deze melding bestaat niet.", "No such dump report.")
    return found


def _photo(photo: UploadFile | None) -> tuple[bytes | None, str | None]:
    if photo is None or not photo.filename:
        return None, None
    media_type = (photo.content_type or "").split(";")[0]
    if media_type not in PHOTO_TYPES:
        raise UserError(
            415,
            "De foto is geen JPEG-, PNG- of WebP-beeld.",
            "The photo is not a JPEG, PNG or WebP image.",
            fields=("photo",),
        )
    data = photo.file.read(MAX_PHOTO_BYTES + 1)
    if len(data) > MAX_PHOTO_BYTES:
        raise UserError(
            413,
            f"De foto is groter dan {MAX_PHOTO_BYTES // 1_048_576} MiB.",
            f"The photo is larger than {MAX_PHOTO_BYTES // 1_048_576} MiB.",
            fields=("photo",),
        )
    return data, media_type


@router.post("", status_code=201)
def report_dump(  # the form's fields arrive as parameters; keyword-only keeps calls clear
    *,
    conn: DbConn,
    user: Reporter,
    lat: Annotated[float, Form(ge=-90, le=90)],
    lon: Annotated[float, Form(ge=-180, le=180)],
    source: Annotated[Literal["crew", "citizen"] | None, Form()] = None,
    label: Annotated[str, Form(max_length=120)] = "",
    note: Annotated[str, Form(max_length=1000)] = "",
    volume_l: Annotated[int, Form(ge=0, le=100_000)] = 400,
    reported_at: Annotated[AwareDatetime | None, Form()] = None,
    client_key: Annotated[UUID | None, Form()] = None,
    photo: Annotated[UploadFile | None, File()] = None,
) -> DumpCreated:
    """A dump found by a crew or reported by a citizen: a cleanup stop due within 24 hours.

    A crew's report is always the crew's; a coordinator enters a citizen's (the default) or a
    crew's. Sent twice with the same ``client_key``, it is stored once.
    """
    now = datetime.now(UTC)
    when = reported_at or now
    if when > now + timedelta(minutes=10) or when < now - MAX_REPORT_AGE:
        raise UserError(
            422,
            "Het meldtijdstip ligt in de toekomst of meer dan 7 dagen terug.",
            "The report time lies in the future or more than 7 days back.",
            fields=("reported_at",),
        )
    kind = "crew" if user.role is Role.CREW else (source or "citizen")
    data, media_type = _photo(photo)
    name = label.strip() or ("Sluikstort (ploeg)" if kind == "crew" else "Sluikstort (melding)")
    report_id, stored = dump_reports.new_report(
        conn=conn,
        source=kind,
        label=name,
        lat=lat,
        lon=lon,
        reported_at=when,
        created_by=user.username,
        note=note.strip(),
        volume_l=volume_l,
        client_key=client_key,
        photo=data,
        photo_type=media_type if data is not None else None,
        photo_sha256=hashlib.sha256(data).hexdigest() if data is not None else None,
        now=now,
    )
    return DumpCreated(stored=stored, report=DumpOut.of(_read(conn, report_id), now))


@router.get("")
def list_dumps(
    conn: DbConn,
    _user: Follower,
    open_only: Annotated[bool, Query(alias="open")] = False,
    days: Annotated[int, Query(ge=1, le=92)] = 7,
) -> DumpList:
    """Every open dump with its due time and where it stands, and those cleared recently."""
    now = datetime.now(UTC)
    rows = [
        DumpOut.of(r, now)
        for r in db.reports(conn=conn, since=now - timedelta(days=days), open_only=open_only)
    ]
    cleared = [r for r in rows if r.state == "cleared"]
    return DumpList(
        open=sum(1 for r in rows if r.state != "cleared"),
        overdue=sum(1 for r in rows if r.state != "cleared" and r.overdue),
        cleared_within_24h=sum(1 for r in cleared if not r.overdue),
        cleared=len(cleared),
        reports=rows,
    )


@router.post("/{report_id}/dispatch")
def dispatch_again(conn: DbConn, _user: Coordinator, report_id: int) -> DumpOut:
    """Try again to put an open dump on a running route (after today's plan was made)."""
    now = datetime.now(UTC)
    found = _read(conn, report_id)
    if found.cleared_at is not None:
        raise UserError(409, "Deze sluikstort is al opgeruimd.", "This dump is cleared already.")
    if found.plan_id is not None:
        raise UserError(
            409,
            f"Deze sluikstort staat al in de route van {found.vehicle_id}.",
            f"This dump is on {found.vehicle_id}'s route already.",
        )
    dump_reports.dispatch(conn=conn, report_id=report_id, now=now)
    return DumpOut.of(_read(conn, report_id), now)


@router.get(
    "/{report_id}/photo",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}}}, 404: {"description": "no photo"}},
)
def dump_photo(conn: DbConn, _user: Follower, report_id: int) -> Response:
    """The photo sent with a report."""
    found = db.photo(conn=conn, report_id=report_id)
    if found is None:
        raise UserError(404, "Geen foto bij deze melding.", "No photo with this report.")
    data, media_type = found
    return Response(data, media_type=media_type, headers={"Cache-Control": "private, max-age=3600"})
