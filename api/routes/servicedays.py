"""Coordinators see and change the periodic plan: the weekdays each area is served.

The sensor-driven planner serves an area's containers on its service days and, off those days,
only the ones that would overflow before the next (``routing.horizon``). An area without a
stored row is served every day. ``GET`` shows every area with its containers and service days,
``PUT`` sets one area's days, and the proposal (``routing.servicedays.propose`` from the
sensors' fill rates, as ``nettestad servicedays propose``) can be read and taken over. Every
answer names the containers no service day reaches any more: a change that leaves a bin
unserved is stored, as the coordinator asked, but never silently.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Annotated, Literal, cast

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, Field

from api.audit import record as audit_record
from api.auth import Role, User, require_roles
from api.deps import DbConn
from api.errors import UserError
from db import servicedays as rows
from routing import ServiceCalendar, service_of, unserved
from routing.service import calendar_from, calendar_of, propose_calendar

router = APIRouter(prefix="/api/v1/servicedays", tags=["servicedays"])
Coordinator = Annotated[User, Depends(require_roles(Role.COORDINATOR))]
Service = Literal["street", "crane"]
MAX_AREA_CHARS = 100


class AreaDays(BaseModel):
    """One area's service days for one service."""

    service: Service
    area: str
    weekdays: list[int]  # 0 = Monday
    stored: bool  # False: never set, so served every day
    containers: int  # active containers of this service in the area
    updated_at: datetime | None
    updated_by: str | None


class UnservedBin(BaseModel):
    """A container that no service day reaches."""

    bin_id: str
    service: Service
    area: str
    message_nl: str
    message_en: str


class ServiceDays(BaseModel):
    """The periodic plan as it stands, and the containers it leaves unserved."""

    areas: list[AreaDays]
    unserved: list[UnservedBin]


class ProposedArea(BaseModel):
    """One area's proposed days beside the days it has now."""

    service: Service
    area: str
    weekdays: list[int]
    current: list[int]
    changed: bool


class Proposal(BaseModel):
    """The plan the sensors' fill rates suggest; ``unserved`` as it would stand once taken over."""

    generated_at: datetime
    areas: list[ProposedArea]
    unserved: list[UnservedBin]


class DaysBody(BaseModel):
    """The weekdays an area is served (0 = Monday); an empty list: no service at all."""

    weekdays: list[Annotated[int, Field(ge=0, le=6)]] = Field(max_length=7)


def _service(name: str) -> Service:
    """A service name as the routing package spells it (one of ``routing.SERVICES``)."""
    return cast("Service", name)


def _order(key: tuple[str, str]) -> tuple[str, bool]:
    """Areas by name, the street crews' row before the crane truck's."""
    service, area = key
    return area.casefold(), service != "street"


def _unserved(calendar: ServiceCalendar, bins: list[rows.BinArea]) -> list[UnservedBin]:
    return [
        UnservedBin(
            bin_id=u.bin_id,
            service=_service(u.service),
            area=u.area,
            message_nl=u.message_nl(),
            message_en=u.message_en(),
        )
        for u in unserved(calendar, ((b.id, b.district, b.container_type) for b in bins))
    ]


def _view(conn: DbConn, *, bins: list[rows.BinArea]) -> ServiceDays:
    stored_rows = rows.all_rows(conn=conn)
    stored = {(r.service, r.area): r for r in stored_rows}
    counts = Counter((service_of(b.container_type), b.district) for b in bins)
    calendar = calendar_from(stored_rows, areas={b.district for b in bins})
    areas = []
    for service, area in sorted(set(counts) | set(stored), key=_order):
        row = stored.get((service, area))
        areas.append(
            AreaDays(
                service=_service(service),
                area=area,
                weekdays=sorted(calendar.weekdays[(service, area)]),
                stored=row is not None,
                containers=counts.get((service, area), 0),
                updated_at=row.updated_at if row else None,
                updated_by=row.updated_by if row else None,
            )
        )
    return ServiceDays(areas=areas, unserved=_unserved(calendar, bins))


@router.get("")
def service_days(conn: DbConn, _user: Coordinator) -> ServiceDays:
    """Every area's service days (per service), and the containers none of them reaches."""
    return _view(conn, bins=rows.bin_areas(conn=conn))


@router.put("/{service}/{area}")
def set_service_days(
    conn: DbConn,
    user: Coordinator,
    service: Annotated[Service, Path()],
    area: Annotated[str, Path(min_length=1, max_length=MAX_AREA_CHARS)],
    body: DaysBody,
) -> ServiceDays:
    """Set one area's service days from the next plan on; the answer names unserved containers."""
    bins = rows.bin_areas(conn=conn)
    known = {b.district for b in bins} | {r.area for r in rows.all_rows(conn=conn)}
    if area not in known:
        raise UserError(
            404,
            f"Onbekend gebied '{area}': geen actieve container ligt er.",
            f"Unknown area '{area}': no active container lies there.",
            fields=("area",),
        )
    days = sorted(set(body.weekdays))
    rows.put(conn=conn, service=service, area=area, weekdays=days, by=user.username)
    audit_record(
        conn=conn,
        user=user,
        action="servicedays.set",
        object_type="service_area",
        object_id=f"{service}/{area}",
        detail={"weekdays": days},
    )
    return _view(conn, bins=bins)


def _proposed(conn: DbConn, now: datetime) -> ServiceCalendar:
    """The proposal from the sensors, or 409 when no vehicle gives a depot to plan around."""
    proposed = propose_calendar(conn=conn, now=now)
    if proposed is None:
        raise UserError(
            409,
            "Geen actief voertuig: een voorstel heeft de stelplaats nodig.",
            "No active vehicle: a proposal needs the depot.",
        )
    return proposed


@router.get("/proposal")
def proposal(conn: DbConn, _user: Coordinator) -> Proposal:
    """The service days the sensors' fill rates of the last four weeks suggest (not stored)."""
    now = datetime.now(UTC)
    proposed = _proposed(conn, now)
    bins = rows.bin_areas(conn=conn)
    current = calendar_of(conn=conn, areas={b.district for b in bins})
    after = ServiceCalendar({**current.weekdays, **proposed.weekdays})
    areas = []
    for service, area in sorted(proposed.weekdays, key=_order):
        days = sorted(proposed.weekdays[(service, area)])
        now_days = sorted(current.weekdays.get((service, area), ()))
        areas.append(
            ProposedArea(
                service=_service(service),
                area=area,
                weekdays=days,
                current=now_days,
                changed=days != now_days,
            )
        )
    return Proposal(generated_at=now, areas=areas, unserved=_unserved(after, bins))


@router.post("/proposal")
def take_proposal(conn: DbConn, user: Coordinator) -> ServiceDays:
    """Store the proposal as it stands now for every area it covers; one audit entry."""
    proposed = _proposed(conn, datetime.now(UTC))
    for (service, area), days in sorted(proposed.weekdays.items()):
        rows.put(conn=conn, service=service, area=area, weekdays=days, by=user.username)
    audit_record(
        conn=conn,
        user=user,
        action="servicedays.proposal",
        object_type="service_area",
        object_id="*",
        detail={f"{s}/{a}": sorted(d) for (s, a), d in sorted(proposed.weekdays.items())},
    )
    return _view(conn, bins=rows.bin_areas(conn=conn))
