"""Enforcement: the review queue, cases and their export bundle, unblur requests, camera quality.

Every look at evidence (an event's details, a file, a bundle) and every unblur request and approval
is written to the audit log in the same transaction as the answer.

Unblurring takes two officers: one asks (with a reason), another approves; only then does the
camera hear of it. A request lapses when nobody approves it in time, an approval when its window
ends; the unblurred originals are shown only while an approval is valid. Opening a case sends its
legal hold to the camera, closing it sends the release (``api/legal_hold.py``).
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from api import audit, bundle, dump_reports, legal_hold, route_sheet
from api.auth import Role, User, require_roles
from api.deps import Commands, DbConn, Evidence
from api.errors import UserError
from db import audit as audit_store
from db import crew, evidence, plans
from db import enforcement as q
from db.enforcement import CameraRate, Review

router = APIRouter(prefix="/api/v1/enforcement", tags=["enforcement"])
Officer = Annotated[User, Depends(require_roles(Role.ENFORCEMENT))]
EventId = Annotated[str, Path(pattern=r"^[A-Za-z0-9-]{8,64}$")]
CaseNumber = Annotated[str, Path(pattern=r"^SLK-\d{4}-\d{6}$")]
OBJECT = "dumping_event"
# How long a request may wait for a second officer, and how long an approval lets the camera
# upload the originals and officers see them.
UNBLUR_REQUEST_VALID = timedelta(hours=48)
UNBLUR_APPROVAL_VALID = timedelta(hours=24)


class EvidenceFile(BaseModel):
    """A file of the evidence and where to fetch it."""

    name: str
    kind: str
    sha256: str
    size_bytes: int
    url: str


class Detection(BaseModel):
    """A dumping detection in the queue."""

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
    review_state: str
    case_number: str | None
    case_status: str | None
    legal_hold: bool | None
    evidence_purged_at: datetime | None
    last_reason: str | None
    files: list[EvidenceFile]


class Queue(BaseModel):
    """Detections and how many are in each state."""

    counts: dict[str, int]
    events: list[Detection]


class UnblurRequest(BaseModel):
    """A request for the unblurred frames: pending, approved by a second officer, or expired."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    event_id: str
    username: str
    reason: str
    requested_at: datetime
    sent_at: datetime | None
    state: Literal["pending", "approved", "expired"]
    expires_at: datetime
    approved_by: str | None
    approved_at: datetime | None


class AuditEntry(BaseModel):
    """One line of the audit log."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    ts: datetime
    username: str
    role: str
    action: str
    object_type: str
    object_id: str
    detail: dict[str, Any]
    client_ip: str | None


class DetectionDetail(Detection):
    """A detection with its decisions, unblur requests and audit trail."""

    bbox: list[int]
    object_area_px: int
    manifest_sha256: str | None
    reviews: list[Review]
    unblur_requests: list[UnblurRequest]
    audit_trail: list[AuditEntry]


class Decision(BaseModel):
    """Take a detection into review, confirm it, or dismiss it (a reason is required)."""

    state: Literal["in_review", "confirmed", "dismissed"]
    reason: str = Field(default="", max_length=1000)


class DecisionResult(BaseModel):
    """The new state, the case number on confirmation, and the crew stop it created."""

    event_id: str
    review_state: str
    case_number: str | None
    cleanup_stop_id: int | None


class UnblurBody(BaseModel):
    """Why the unblurred frames are needed (logged)."""

    reason: str = Field(min_length=5, max_length=1000)


class UnblurResult(BaseModel):
    """The request, its state and whether the device command went out (only after approval)."""

    request_id: int
    state: Literal["pending", "approved", "expired"]
    expires_at: datetime
    sent: bool


def _listed(conn: DbConn, row: q.EventRow) -> list[dict[str, Any]]:
    """The event's announced files and every verified upload; unblurred originals only while an
    approved unblur request is valid."""
    announced = [f for f in row.files or [] if isinstance(f, dict) and "name" in f]
    names = {f["name"] for f in announced}
    unblurred = q.unblur_approved(conn=conn, event_id=row.event_id)
    extra = [
        asdict(f)
        for f in evidence.uploaded_files(conn=conn, event_id=row.event_id)
        if f.name not in names and (unblurred or not f.withheld)
    ]
    return announced + extra


def _files(row: q.EventRow, files: list[Any]) -> list[EvidenceFile]:
    if row.evidence_purged_at is not None:
        return []
    return [
        EvidenceFile(
            name=f["name"],
            kind=f["kind"],
            sha256=f["sha256"],
            size_bytes=int(f.get("size_bytes", 0)),
            url=f"/api/v1/enforcement/events/{row.event_id}/files/{f['name']}",
        )
        for f in files
        if isinstance(f, dict) and {"name", "kind", "sha256"} <= f.keys()
    ]


def _detection(row: q.EventRow, files: list[Any] | None = None) -> dict[str, Any]:
    return {**asdict(row), "files": _files(row, row.files or [] if files is None else files)}


def _case_or_404(conn: DbConn, case_number: str) -> q.CaseRow:
    row = q.case(conn=conn, case_number=case_number)
    if row is None:
        raise UserError(404, f"Geen dossier {case_number!r}.", f"No case {case_number!r}.")
    return row


MIN_REASON = 10
_STATE_NL = {"confirmed": "bevestigd", "dismissed": "verworpen"}


def _has_frames(conn: DbConn, row: q.EventRow) -> bool:
    """Whether blurred frames of this detection reached the server (verified) and still exist."""
    if row.evidence_purged_at is not None:
        return False
    return any(
        f.kind.startswith("frame_") and not f.withheld
        for f in evidence.uploaded_files(conn=conn, event_id=row.event_id)
    )


def _event_or_404(conn: DbConn, event_id: str) -> q.EventRow:
    row = q.event(conn=conn, event_id=event_id)
    if row is None:
        raise UserError(404, f"Geen detectie {event_id!r}.", f"No detection {event_id!r}.")
    return row


@router.get("/queue")
def review_queue(
    conn: DbConn,
    _user: Officer,
    state: Literal["new", "in_review", "confirmed", "dismissed"] | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> Queue:
    """Detections (newest first), optionally in one review state; the list shows no images."""
    rows = q.queue(conn=conn, state=state, limit=limit)
    return Queue(
        counts=q.queue_counts(conn=conn),
        events=[Detection.model_validate(_detection(r)) for r in rows],
    )


@router.get("/events/{event_id}")
def detection(conn: DbConn, user: Officer, event_id: EventId, request: Request) -> DetectionDetail:
    """One detection with its history; the view is logged."""
    row = _event_or_404(conn, event_id)
    audit.record(
        conn=conn, user=user, action="view", object_type=OBJECT, object_id=event_id, request=request
    )
    trail = audit_store.entries(conn=conn, object_type=OBJECT, object_id=event_id, limit=500)
    return DetectionDetail.model_validate(
        {
            **_detection(row, _listed(conn, row)),
            "bbox": list(row.bbox),
            "reviews": q.reviews(conn=conn, event_id=event_id),
            "unblur_requests": q.unblur_requests(conn=conn, event_id=event_id),
            "audit_trail": trail,
        }
    )


@router.get(
    "/events/{event_id}/files/{name}",
    response_class=Response,
    responses={
        200: {"content": {"image/jpeg": {}, "video/x-msvideo": {}, "video/mp4": {}}},
        404: {},
        410: {},
    },
)
def evidence_file(
    *,
    conn: DbConn,
    user: Officer,
    files: Evidence,
    event_id: EventId,
    name: Annotated[str, Path(pattern=r"^[A-Za-z0-9._-]{1,100}$")],
    request: Request,
) -> Response:
    """A (blurred) evidence file; every fetch is logged."""
    row = _event_or_404(conn, event_id)
    if row.evidence_purged_at is not None:
        raise UserError(
            410,
            "Dit bewijs werd na de bewaartermijn verwijderd.",
            "This evidence was deleted after the retention period.",
        )
    listed = {f["name"]: f for f in _listed(conn, row)}
    if name not in listed:
        if name in {f.name for f in evidence.uploaded_files(conn=conn, event_id=event_id)}:
            raise HTTPException(
                403,
                "Niet-vervaagde beelden zijn alleen zichtbaar zolang een door een tweede agent "
                "goedgekeurd verzoek geldt.",
            )
        raise UserError(
            404,
            f"{name!r} hoort niet bij het bewijs van deze detectie.",
            f"{name!r} is not part of this detection's evidence.",
        )
    data = files.read(event_id, name)
    if data is None:
        raise UserError(
            404, f"{name!r} is (nog) niet opgeladen.", f"{name!r} has not been uploaded (yet)."
        )
    audit.record(
        conn=conn,
        user=user,
        action="view_file",
        object_type=OBJECT,
        object_id=event_id,
        detail={"file": name},
        request=request,
    )
    media = _media_type(name, listed[name].get("kind", ""))
    return Response(data, media_type=media, headers={"Cache-Control": "no-store"})


@router.post("/events/{event_id}/review")
def decide(  # noqa: PLR0917 - FastAPI passes path parameters and dependencies positionally
    conn: DbConn,
    user: Officer,
    commands: Commands,
    event_id: EventId,
    body: Decision,
    request: Request,
) -> DecisionResult:
    """Move a detection through review; confirming opens a case and puts a cleanup stop on today's sheet."""
    row = _event_or_404(conn, event_id)
    reason = body.reason.strip()
    if body.state == "dismissed" and len(reason) < 3:
        raise UserError(
            422,
            "Geef een reden om te verwerpen.",
            "Dismissing needs a reason.",
            fields=("reason",),
        )
    if (
        body.state == "confirmed"
        and row.review_state != "confirmed"
        and len(reason) < MIN_REASON
        and not _has_frames(conn, row)
    ):
        raise UserError(
            422,
            "Zonder beelden bevestig je alleen met een geschreven reden "
            f"(minstens {MIN_REASON} tekens).",
            f"Without frames a confirmation needs a written reason (at least {MIN_REASON} "
            "characters).",
            fields=("reason",),
        )
    if row.review_state in {"confirmed", "dismissed"}:
        if body.state != row.review_state:
            raise UserError(
                409,
                f"Deze detectie werd al {_STATE_NL[row.review_state]}.",
                f"This detection was {row.review_state} already.",
            )
        # A repeated decision (a double click, a retried request) changes nothing.
        return DecisionResult(
            event_id=event_id,
            review_state=row.review_state,
            case_number=row.case_number,
            cleanup_stop_id=None,
        )
    q.set_review_state(
        conn=conn, event_id=event_id, state=body.state, reason=reason, user_id=user.id
    )
    case_number = None
    stop_id = None
    if body.state == "confirmed":
        today = route_sheet.today_in_brussels()
        case_number = q.open_case(conn=conn, event_id=event_id, user_id=user.id, year=today.year)
        if row.lat is not None and row.lon is not None:
            label = f"Sluikstort {row.hotspot_name or row.hotspot_id} ({case_number})"
            # The planner's fixed visits are booked through the planner's store (one statement).
            visit_id = plans.insert_fixed_visit(
                conn=conn,
                day=today,
                kind="dump",
                name=label,
                lat=row.lat,
                lon=row.lon,
                note=f"event {event_id}",
            )
            stop_id = crew.insert_extra_stop(
                conn=conn,
                service_date=today,
                vehicle_id=None,
                kind="dump",
                label=label,
                lat=row.lat,
                lon=row.lon,
                created_by=user.username,
                hotspot_id=row.hotspot_id,
                event_id=event_id,
                fixed_visit_id=visit_id,
            )
            # the cleanup goes onto a running route by a re-plan, or first into the next plan
            dump_reports.from_confirmed_event(
                conn=conn,
                event_id=event_id,
                label=label,
                lat=float(row.lat),
                lon=float(row.lon),
                reported_at=row.detected_at,
                created_by=user.username,
                fixed_visit_id=visit_id,
            )
    audit.record(
        conn=conn,
        user=user,
        action=body.state,
        object_type=OBJECT,
        object_id=event_id,
        detail={"reason": reason, "case_number": case_number},
        request=request,
    )
    if case_number is not None:
        # The case is committed before the camera hears of its hold; one that does not get
        # through now is sent again by the retention worker.
        conn.commit()
        legal_hold.send_pending(conn=conn, commands=commands)
    return DecisionResult(
        event_id=event_id,
        review_state=body.state,
        case_number=case_number,
        cleanup_stop_id=stop_id,
    )


@router.post("/events/{event_id}/unblur")
def request_unblur(
    *,
    conn: DbConn,
    user: Officer,
    event_id: EventId,
    body: UnblurBody,
    request: Request,
) -> UnblurResult:
    """Ask for this event's unblurred frames; a second officer must approve before the camera hears of it."""
    row = _event_or_404(conn, event_id)
    expires_at = datetime.now(UTC) + UNBLUR_REQUEST_VALID
    request_id = q.insert_unblur_request(
        conn=conn,
        event_id=event_id,
        device_id=row.device_id,
        user_id=user.id,
        reason=body.reason.strip(),
        expires_at=expires_at,
    )
    audit.record(
        conn=conn,
        user=user,
        action="unblur_request",
        object_type=OBJECT,
        object_id=event_id,
        detail={"reason": body.reason.strip(), "request_id": request_id},
        request=request,
    )
    return UnblurResult(request_id=request_id, state="pending", expires_at=expires_at, sent=False)


@router.get("/unblur-requests")
def pending_unblur_requests(
    conn: DbConn,
    _user: Officer,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[UnblurRequest]:
    """Unblur requests waiting for a second officer's approval, oldest first."""
    return [
        UnblurRequest.model_validate(r) for r in q.pending_unblur_requests(conn=conn, limit=limit)
    ]


@router.post(
    "/unblur-requests/{request_id}/approve",
    responses={403: {}, 404: {}, 409: {}, 410: {}},
)
def approve_unblur(
    *,
    conn: DbConn,
    user: Officer,
    commands: Commands,
    request_id: Annotated[int, Path(ge=1, le=2**62)],
    request: Request,
) -> UnblurResult:
    """A second officer approves; then the camera is asked for the originals (logged)."""
    pending = q.unblur_request(conn=conn, request_id=request_id)
    if pending is None:
        raise HTTPException(404, f"Geen verzoek {request_id} om beelden te ontsluieren.")
    if pending.user_id == user.id:
        raise HTTPException(
            403, "Een tweede agent moet dit verzoek goedkeuren, niet wie het heeft ingediend."
        )
    if pending.state == "approved":
        raise HTTPException(409, "Dit verzoek werd al goedgekeurd.")
    if pending.state == "expired":
        raise HTTPException(410, "Dit verzoek is verlopen; dien een nieuw verzoek in.")
    valid_until = datetime.now(UTC) + UNBLUR_APPROVAL_VALID
    if not q.approve_unblur(
        conn=conn, request_id=request_id, approver_id=user.id, valid_until=valid_until
    ):
        raise HTTPException(409, "Dit verzoek kan niet meer worden goedgekeurd.")
    event_id = pending.event_id
    audit.record(
        conn=conn,
        user=user,
        action="unblur_approved",
        object_type=OBJECT,
        object_id=event_id,
        detail={
            "request_id": request_id,
            "requested_by": pending.username,
            "valid_until": valid_until.isoformat(),
        },
        request=request,
    )
    # The approval is committed before the device hears of it, so the log never misses one.
    conn.commit()
    sent = commands.send(
        pending.device_id,
        legal_hold.unblur_command(event_id=event_id, request_id=request_id),
    )
    if sent:
        q.mark_unblur_sent(conn=conn, request_id=request_id)
    return UnblurResult(request_id=request_id, state="approved", expires_at=valid_until, sent=sent)


@router.get(
    "/cases/{case_number}/bundle",
    response_class=Response,
    responses={200: {"content": {"application/zip": {}}}, 404: {}},
)
def case_bundle(
    conn: DbConn,
    user: Officer,
    files: Evidence,
    case_number: CaseNumber,
    request: Request,
) -> Response:
    """The case's export bundle: evidence, metadata, hash and signature checks, audit trail."""
    case = _case_or_404(conn, case_number)
    event = _event_or_404(conn, case.event_id)
    listed = _listed(conn, event)
    stored = {f["name"]: data for f in listed if (data := files.read(event.event_id, f["name"]))}
    signed = evidence.signed_manifest(conn=conn, event_id=event.event_id)
    if signed is not None:
        manifest: bytes | None = signed.manifest
        signature: str | None = signed.signature_b64
        manifest_sha: str | None = signed.manifest_sha256
        key: bytes | None = signed.public_key
    else:
        manifest = next(
            (
                stored[f["name"]]
                for f in listed
                if f.get("kind") == "manifest" and f["name"] in stored
            ),
            None,
        )
        signature, manifest_sha = event.signature_b64, event.manifest_sha256
        key = evidence.device_public_key(conn=conn, device_id=event.device_id)
    verification = bundle.verify_files(
        listed=[f for f in listed if f.get("kind") != "manifest"],
        files=stored,
        manifest=manifest,
        signature_b64=signature,
        manifest_sha256=manifest_sha,
        public_key=key,
    )
    if manifest is not None:
        stored.setdefault("manifest.json", manifest)
    audit.record(
        conn=conn,
        user=user,
        action="export",
        object_type=OBJECT,
        object_id=event.event_id,
        detail={"case_number": case_number, "all_verified": verification["all_verified"]},
        request=request,
    )
    trail = audit_store.entries(
        conn=conn, object_type=OBJECT, object_id=event.event_id, limit=10_000
    )
    archive = bundle.build(
        case=case,
        event={k: v for k, v in asdict(event).items() if k != "files"} | {"files": listed},
        files=stored,
        verification=verification,
        audit=trail,
        reviews=q.reviews(conn=conn, event_id=event.event_id),
    )
    return Response(
        archive,
        media_type="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="{case_number}.zip"',
            "Cache-Control": "no-store",
        },
    )


@router.post("/cases/{case_number}/close", status_code=204)
def close_case(
    conn: DbConn,
    user: Officer,
    commands: Commands,
    case_number: CaseNumber,
    request: Request,
) -> None:
    """Close a case: its legal hold ends and retention applies again."""
    case = _case_or_404(conn, case_number)
    if not q.close_case(conn=conn, case_number=case_number):
        raise UserError(409, "Dit dossier is al gesloten.", "This case is closed already.")
    audit.record(
        conn=conn,
        user=user,
        action="case_closed",
        object_type=OBJECT,
        object_id=case.event_id,
        detail={"case_number": case_number},
        request=request,
    )
    conn.commit()
    legal_hold.send_pending(conn=conn, commands=commands)


@router.get("/cameras")
def camera_rates(conn: DbConn, _user: Officer) -> list[CameraRate]:
    """Per camera: confirmed, dismissed and the false-positive rate of decided detections."""
    return q.camera_review_rates(conn=conn)


audit_router = APIRouter(prefix="/api/v1/audit", tags=["audit"])


@audit_router.get("")
def audit_log(
    conn: DbConn,
    _user: Annotated[User, Depends(require_roles(Role.ENFORCEMENT, Role.ADMIN))],
    object_type: Annotated[str | None, Query(max_length=40)] = None,
    object_id: Annotated[str | None, Query(max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 200,
) -> list[AuditEntry]:
    """The audit log, newest first (read-only: the table refuses updates and deletes)."""
    rows = audit_store.entries(conn=conn, object_type=object_type, object_id=object_id, limit=limit)
    return [AuditEntry.model_validate(r) for r in rows]


def _media_type(name: str, kind: str) -> str:
    """The type a browser needs for an evidence file (the camera unit records MJPEG in AVI)."""
    if kind == "manifest":
        return "application/json"
    if kind == "clip":
        return "video/mp4" if name.endswith(".mp4") else "video/x-msvideo"
    return "image/jpeg"
