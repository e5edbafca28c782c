"""The crews' route sheet: today's stops, stop actions and problem reports (idempotent)."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, File, Form, Query, Request, Response, UploadFile
from pydantic import AwareDatetime, BaseModel, Field, model_validator

from api import dump_reports, road_lines, route_sheet
from api.auth import Role, User, require_roles
from api.deps import DbConn
from api.errors import UserError
from db import crew as q
from db import plans
from db.crew import ProblemReport

router = APIRouter(prefix="/api/v1/crew", tags=["crew"])
CrewOrCoordinator = Annotated[User, Depends(require_roles(Role.CREW, Role.COORDINATOR))]
Crew = Annotated[User, Depends(require_roles(Role.CREW))]
MAX_PHOTO_BYTES = 8 * 1024 * 1024
PHOTO_TYPES = {"image/jpeg", "image/png", "image/webp"}


class RouteSheet(BaseModel):
    """A vehicle's stops for one day; ``version`` changes when the stops do."""

    vehicle_id: str | None
    service_date: date
    version: str
    generated_at: datetime
    stops: list[route_sheet.SheetStop]


class StopAction(BaseModel):
    """Done (with the fill seen) or skipped (with a reason), keyed by the phone."""

    client_key: UUID = Field(description="generated on the phone; a retried sync stores once")
    stop_ref: str = Field(pattern=r"^(bin|extra|fixed|unload):[A-Za-z0-9._:-]{1,80}$")
    service_date: date
    action: Literal["done", "skipped"]
    fill_seen: Literal["empty", "half", "full", "overflowing"] | None = None
    skip_reason: Literal["blocked", "not_reachable", "not_needed"] | None = None
    bin_id: str | None = Field(default=None, max_length=64)
    note: str = Field(default="", max_length=500)
    acted_at: AwareDatetime
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    volume_l: int | None = Field(
        default=None, ge=0, le=100_000, description="a cleared dump: the crew's estimate"
    )
    author_id: int | None = Field(
        default=None, description="the user who acted; the server refuses another identity"
    )
    author_vehicle: str | None = Field(
        default=None, max_length=64, description="the vehicle the author was on when acting"
    )

    @model_validator(mode="after")
    def _consistent(self) -> StopAction:
        needs_fill = self.stop_ref.startswith("bin:") or self.bin_id is not None
        if self.action == "done" and (
            (needs_fill and self.fill_seen is None) or self.skip_reason is not None
        ):
            raise ValueError("a done bin needs fill_seen and no skip_reason")
        if self.action == "skipped" and (self.skip_reason is None or self.fill_seen is not None):
            raise ValueError("a skipped stop needs skip_reason and no fill_seen")
        return self


class ActionResult(BaseModel):
    """What happened to one submitted action."""

    client_key: UUID
    stored: bool = Field(description="false when the key was already stored (a duplicate)")


class ProblemStored(BaseModel):
    """A received problem report."""

    client_key: UUID
    stored: bool
    photo_sha256: str | None


class RouteLines(BaseModel):
    """The sheet's stops joined along the roads (OSRM) or, without a road server, straight."""

    version: str
    source: Literal["roads", "straight"]
    coordinates: list[tuple[float, float]]


ServiceDate = Annotated[date | None, Query(description="default: today in Brussels")]
Vehicle = Annotated[str | None, Query(max_length=64, description="coordinators choose a vehicle")]


@router.get("/route")
def route(
    conn: DbConn, user: CrewOrCoordinator, service_date: ServiceDate = None, vehicle: Vehicle = None
) -> RouteSheet:
    """The sheet for the crew's own vehicle (a coordinator may look at any vehicle's)."""
    return _sheet(conn, user, service_date, vehicle)


@router.get("/route/lines")
def route_lines(
    conn: DbConn,
    user: CrewOrCoordinator,
    request: Request,
    service_date: ServiceDate = None,
    vehicle: Vehicle = None,
) -> RouteLines:
    """The line to draw through the sheet's stops, along the roads when OSRM is configured."""
    sheet = _sheet(conn, user, service_date, vehicle)
    points = [(s.lat, s.lon) for s in sheet.stops]
    line = road_lines.along_roads(
        points, base_url=request.app.state.settings.osrm_url, timeout_s=5.0
    )
    return RouteLines(version=sheet.version, source=line.source, coordinates=line.coordinates)


def _sheet(conn: DbConn, user: User, service_date: date | None, vehicle: str | None) -> RouteSheet:
    day = service_date or route_sheet.today_in_brussels()
    vehicle_id = user.vehicle_id if user.role is Role.CREW else vehicle
    extras = q.extra_stops_for_day(conn=conn, service_date=day, vehicle_id=vehicle_id)
    actions = q.actions_for_day(conn=conn, service_date=day, vehicle_id=vehicle_id)
    # The day's active plan is looked up in one place, the plans' store (after the plans
    # aggregate moves to db/plans.py: db.plans.active_plan_id).
    plan_id = plans.active_plan_id(conn=conn, day=day) if vehicle_id else None
    planned = (
        q.planned_stops(conn=conn, plan_id=plan_id, service_date=day, vehicle_id=vehicle_id)
        if vehicle_id and plan_id is not None
        else []
    )
    stops, version = route_sheet.assemble(route_sheet.planned_rows(planned, day), extras, actions)
    return RouteSheet(
        vehicle_id=vehicle_id,
        service_date=day,
        version=version,
        generated_at=datetime.now(route_sheet.BRUSSELS),
        stops=stops,
    )


@router.post("/actions")
def submit_actions(
    conn: DbConn,
    user: Crew,
    actions: Annotated[list[StopAction], Field(min_length=1, max_length=500)],
) -> list[ActionResult]:
    """Store a batch of stop actions from the phone's outbox; duplicates are acknowledged, not stored.

    An action that names its author is stored only under that author and vehicle: a phone
    shared by two crews never files one crew's work under the other (409, nothing stored).
    """
    for a in actions:
        _same_author(user, a.author_id, a.author_vehicle, author_given=a.author_id is not None)
    results = []
    for a in actions:
        stored = q.insert_stop_action(
            conn=conn,
            client_key=a.client_key,
            user_id=user.id,
            vehicle_id=user.vehicle_id,
            service_date=a.service_date,
            stop_ref=a.stop_ref,
            bin_id=a.bin_id or (a.stop_ref[4:] if a.stop_ref.startswith("bin:") else None),
            action=a.action,
            fill_seen=a.fill_seen,
            skip_reason=a.skip_reason,
            note=a.note,
            acted_at=a.acted_at,
            lat=a.lat,
            lon=a.lon,
            volume_l=a.volume_l,
        )
        results.append(ActionResult(client_key=a.client_key, stored=stored))
    return results


def _same_author(
    user: User, author_id: int | None, author_vehicle: str | None, *, author_given: bool
) -> None:
    if not author_given:
        return  # a client that does not name the author acts as the logged-in user
    if author_id != user.id or (author_vehicle or None) != (user.vehicle_id or None):
        raise UserError(
            409,
            "Deze actie is van een andere gebruiker of een ander voertuig; ze wordt niet onder "
            "jouw naam bewaard.",
            "This action belongs to another user or vehicle; it is not stored under your name.",
            fields=("author_id",),
        )


@router.post("/problems")
def report_problem(  # the form's fields arrive as parameters; keyword-only keeps calls clear
    *,
    conn: DbConn,
    user: Crew,
    client_key: Annotated[UUID, Form()],
    kind: Annotated[Literal["overflow", "damage", "dumping"], Form()],
    reported_at: Annotated[AwareDatetime, Form()],
    note: Annotated[str, Form(max_length=1000)] = "",
    stop_ref: Annotated[str | None, Form(max_length=90)] = None,
    bin_id: Annotated[str | None, Form(max_length=64)] = None,
    lat: Annotated[float | None, Form(ge=-90, le=90)] = None,
    lon: Annotated[float | None, Form(ge=-180, le=180)] = None,
    accuracy_m: Annotated[float | None, Form(ge=0, le=100_000)] = None,
    author_id: Annotated[int | None, Form()] = None,
    author_vehicle: Annotated[str | None, Form(max_length=64)] = None,
    photo: Annotated[UploadFile | None, File()] = None,
) -> ProblemStored:
    """A problem at a stop or anywhere on the way: overflow, damage or new dumping, with photo and GPS.

    A refused photo refuses the request (413/415) and stores nothing, so the phone keeps the
    report and sends it again without the photo.
    """
    _same_author(user, author_id, author_vehicle, author_given=author_id is not None)
    data: bytes | None = None
    media_type: str | None = None
    if photo is not None and photo.filename:
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
            mib = MAX_PHOTO_BYTES // 1_048_576
            raise UserError(
                413,
                f"De foto is groter dan {mib} MiB.",
                f"The photo is larger than {mib} MiB.",
                fields=("photo",),
            )
    digest = hashlib.sha256(data).hexdigest() if data is not None else None
    stored = q.insert_problem_report(
        conn=conn,
        client_key=client_key,
        user_id=user.id,
        vehicle_id=user.vehicle_id,
        stop_ref=stop_ref,
        bin_id=bin_id,
        kind=kind,
        note=note,
        lat=lat,
        lon=lon,
        accuracy_m=accuracy_m,
        photo=data,
        photo_type=media_type if data is not None else None,
        photo_sha256=digest,
        reported_at=reported_at,
    )
    if stored and kind == "dumping" and lat is not None and lon is not None:
        # a dump found on the way becomes a cleanup stop: on a running route, or the next plan
        dump_reports.new_report(
            conn=conn,
            source="crew",
            label=f"Sluikstort ({user.vehicle_id or user.username})",
            lat=lat,
            lon=lon,
            reported_at=min(reported_at, datetime.now(UTC)),
            created_by=user.username,
            note=note.strip(),
            client_key=client_key,
            photo=data,
            photo_type=media_type if data is not None else None,
            photo_sha256=digest,
        )
    return ProblemStored(client_key=client_key, stored=stored, photo_sha256=digest)


@router.get("/problems", dependencies=[Depends(require_roles(Role.COORDINATOR))])
def list_problems(
    conn: DbConn, limit: Annotated[int, Query(ge=1, le=1000)] = 100
) -> list[ProblemReport]:
    """The newest problem reports from the crews."""
    return q.recent_problem_reports(conn=conn, limit=limit)


@router.get(
    "/problems/{client_key}/photo",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}}}, 404: {"description": "no photo"}},
    dependencies=[Depends(require_roles(Role.COORDINATOR))],
)
def problem_photo(conn: DbConn, client_key: UUID) -> Response:
    """The photo a crew attached to a report."""
    found = q.problem_photo(conn=conn, client_key=client_key)
    if found is None:
        raise UserError(404, "Geen foto bij deze melding.", "No photo for this report.")
    data, media_type = found
    return Response(data, media_type=media_type, headers={"Cache-Control": "private, max-age=3600"})
