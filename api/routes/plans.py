"""Collection plans: a day's plan, per vehicle and per crew; planning and re-planning a day.

Crews see only their own vehicle's route; coordinators and admins see everything and are the
only ones who plan or re-plan.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import AwareDatetime, BaseModel, Field

from api import audit
from api.auth import Role, User, require_roles
from api.deps import DbConn
from db import plans as q

if TYPE_CHECKING:
    from routing import PlanResult

router = APIRouter(prefix="/api/v1/plans", tags=["plans"])
Planner = Annotated[User, Depends(require_roles(Role.COORDINATOR, Role.ADMIN))]
Reader = Annotated[User, Depends(require_roles(Role.CREW, Role.COORDINATOR, Role.ADMIN))]


class PlanStop(BaseModel):
    """One call on a route."""

    seq: int
    kind: str
    ref: str
    name: str
    lat: float
    lon: float
    arrival_at: datetime
    start_at: datetime
    end_at: datetime
    load_l: int
    load_kg: int
    predicted_fill: float | None
    state: str
    done_at: datetime | None


class PlanRoute(BaseModel):
    """One vehicle's route for the day."""

    vehicle_id: str
    vehicle_name: str
    crew_id: str | None
    start_at: datetime
    end_at: datetime
    distance_m: int
    break_start: datetime | None
    break_end: datetime | None
    stops: list[PlanStop]


class UnplannedStop(BaseModel):
    """A stop the plan leaves out, and why: a code, Dutch words to show, English words."""

    ref: str
    name: str
    must_visit: bool
    reason_code: str
    # None for plans stored before reason codes: the page then puts the English words into Dutch
    reason_nl: str | None
    reason: str

    @classmethod
    def of(cls, row: q.PlanUnplanned) -> UnplannedStop:
        """The stored row with the Dutch words for its reason code."""
        from routing import text_nl

        code = row.reason_code
        return cls(
            ref=row.ref,
            name=row.name,
            must_visit=row.must_visit,
            reason_code=code,
            reason_nl=text_nl(code) if code else None,
            reason=row.reason,
        )


class Plan(BaseModel):
    """A stored plan."""

    id: int
    day: date
    created_at: datetime
    state: str
    replan_of: int | None
    objective: int
    distance_m: int
    solve_s: float
    summary: dict[str, Any]
    routes: list[PlanRoute]
    unplanned: list[UnplannedStop]


MAX_API_SOLVE_S = 30.0  # a request holds a worker; longer runs belong to `nettestad plan`


class PlanRequest(BaseModel):
    """Plan a day (within a year of today); no limit: the budget scaled to the day, at most 30 s."""

    day: date
    time_limit_s: float | None = Field(default=None, gt=0, le=MAX_API_SOLVE_S)


class ReplanEvent(BaseModel):
    """Something that happened during the day."""

    type: Literal["done", "blocked", "overflowing", "dump"]
    ref: str | None = Field(
        default=None, description="stop ref or bin id (done/blocked/overflowing)"
    )
    at: AwareDatetime | None = None
    name: str | None = None
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    volume_l: int = Field(default=500, ge=0)


class ReplanRequest(BaseModel):
    """Re-plan the rest of the day."""

    events: list[ReplanEvent] = []
    now: AwareDatetime | None = None
    time_limit_s: float | None = Field(default=None, gt=0, le=MAX_API_SOLVE_S)


class PlanCreated(BaseModel):
    """What planning produced."""

    plan_id: int
    day: date
    planned_stops: int
    unplanned: int
    vehicles_used: int
    distance_m: int
    solve_s: float

    @classmethod
    def of(cls, result: PlanResult) -> PlanCreated:
        """The response for a plan the planner stored."""
        return cls(
            plan_id=result.plan_id,
            day=result.day,
            planned_stops=result.planned_stops,
            unplanned=result.unplanned,
            vehicles_used=result.vehicles_used,
            distance_m=result.distance_m,
            solve_s=result.solve_s,
        )


def _plan(conn: DbConn, plan_id: int, vehicle_id: str | None = None) -> Plan:
    header = q.plan(conn=conn, plan_id=plan_id)
    if header is None:
        raise HTTPException(404, f"no plan {plan_id}")
    if header.state == "unchecked" or header.summary.get("checked") is False:
        raise HTTPException(409, _UNCHECKED)
    stops: dict[str, list[PlanStop]] = {}
    for s in q.stops(conn=conn, plan_id=plan_id, vehicle_id=vehicle_id):
        stops.setdefault(s.vehicle_id, []).append(PlanStop.model_validate(s, from_attributes=True))
    routes = [
        PlanRoute(**asdict(r), stops=stops.get(r.vehicle_id, []))
        for r in q.routes(conn=conn, plan_id=plan_id, vehicle_id=vehicle_id)
    ]
    unplanned = (
        [UnplannedStop.of(u) for u in q.unplanned(conn=conn, plan_id=plan_id)]
        if vehicle_id is None
        else []
    )
    return Plan(**asdict(header), routes=routes, unplanned=unplanned)


_UNCHECKED = (
    "dit plan werd opgeslagen voor elk plan gecontroleerd werd en wordt niet getoond: "
    "plan de dag opnieuw"
)


def _active(conn: DbConn, day: date) -> int:
    plan_id = q.active_plan_id(conn=conn, day=day)
    if plan_id is None and q.unchecked_plan_id(conn=conn, day=day) is not None:
        raise HTTPException(409, _UNCHECKED)
    if plan_id is None:
        raise HTTPException(404, f"no plan for {day.isoformat()}")
    return plan_id


@router.get("", summary="The day's active plan (coordinators)")
def day_plan(conn: DbConn, _user: Planner, day: Annotated[date, Query()]) -> Plan:
    """Every route of the day's active plan, with what was left out and why."""
    return _plan(conn, _active(conn, day))


@router.get("/{plan_id}", summary="One plan by id (coordinators)")
def plan_by_id(conn: DbConn, _user: Planner, plan_id: int) -> Plan:
    """A plan, also a superseded one, for comparing a re-plan with what it replaced."""
    return _plan(conn, plan_id)


@router.get("/day/{day}/vehicle/{vehicle_id}", summary="One vehicle's route for a day")
def vehicle_route(conn: DbConn, user: Reader, day: date, vehicle_id: str) -> Plan:
    """A vehicle's route in the day's active plan; a crew sees only its own vehicle."""
    if user.role is Role.CREW and user.vehicle_id != vehicle_id:
        raise HTTPException(403, "a crew sees only its own vehicle's route")
    plan = _plan(conn, _active(conn, day), vehicle_id)
    if not plan.routes:
        raise HTTPException(404, f"vehicle {vehicle_id} has no route on {day.isoformat()}")
    return plan


@router.get("/day/{day}/crew/{crew_id}", summary="One crew's route for a day (coordinators)")
def crew_route(conn: DbConn, _user: Planner, day: date, crew_id: str) -> Plan:
    """The route of the vehicle a crew drives that day."""
    plan_id = _active(conn, day)
    vehicle_id = q.vehicle_of_crew(conn=conn, plan_id=plan_id, crew_id=crew_id)
    if vehicle_id is None:
        raise HTTPException(404, f"crew {crew_id} drives no vehicle on {day.isoformat()}")
    return _plan(conn, plan_id, vehicle_id)


@router.post("", status_code=201, summary="Plan a day (coordinators)")
def create_plan(conn: DbConn, _user: Planner, body: PlanRequest) -> PlanCreated:
    """Forecast, select and plan the day; the new plan becomes the day's active one."""
    from routing import PlanParams, plan_day

    if abs((body.day - date.today()).days) > 366:  # noqa: DTZ011 - a coarse range check, a day either way does not matter
        raise HTTPException(422, "day must be within a year of today")
    with _planning_errors():
        result = plan_day(
            conn=conn,
            day=body.day,
            params=PlanParams(time_limit_s=body.time_limit_s, max_time_s=MAX_API_SOLVE_S),
        )
    audit.record(
        conn=conn,
        user=_user,
        action="plan.create",
        object_type="plan",
        object_id=str(result.plan_id),
        detail={"day": body.day.isoformat()},
    )
    return PlanCreated.of(result)


@contextmanager
def _planning_errors() -> Iterator[None]:
    """Bad input becomes a 422 with the Dutch message; a plan that fails its check a 500."""
    from routing import PlanCheckError, PlanningError

    try:
        yield
    except PlanningError as exc:
        raise HTTPException(422, exc.message_nl) from exc
    except PlanCheckError as exc:
        raise HTTPException(500, exc.message_nl) from exc


@router.post("/{plan_id}/replan", status_code=201, summary="Re-plan the rest of the day")
def replan_day(conn: DbConn, _user: Planner, plan_id: int, body: ReplanRequest) -> PlanCreated:
    """Keep done stops, apply the events, re-optimise what remains from where vehicles are."""
    from routing import service as svc

    header = q.plan(conn=conn, plan_id=plan_id)
    if header is None:
        raise HTTPException(404, f"no plan {plan_id}")
    if header.state == "unchecked" or header.summary.get("checked") is False:
        raise HTTPException(409, _UNCHECKED)
    if body.now is not None and abs((body.now.date() - header.day).days) > 1:
        raise HTTPException(422, "now must lie on the plan's day")
    events: list[svc.Event] = []
    for e in body.events:
        if e.type == "dump":
            if e.lat is None or e.lon is None:
                raise HTTPException(422, "a dump needs lat and lon")
            events.append(
                svc.NewDump(name=e.name or "Sluikstort", lat=e.lat, lon=e.lon, volume_l=e.volume_l)
            )
            continue
        if not e.ref:
            raise HTTPException(422, f"a {e.type} event needs ref")
        if e.type == "done":
            events.append(svc.StopDone(e.ref, e.at))
        elif e.type == "blocked":
            events.append(svc.StopBlocked(e.ref))
        else:
            events.append(svc.BinOverflowing(e.ref))
    with _planning_errors():
        result = svc.replan(
            conn=conn,
            plan_id=plan_id,
            events=events,
            now=body.now,
            params=svc.PlanParams(time_limit_s=body.time_limit_s, max_time_s=MAX_API_SOLVE_S),
        )
    audit.record(
        conn=conn,
        user=_user,
        action="plan.replan",
        object_type="plan",
        object_id=str(result.plan_id),
        detail={"replan_of": plan_id, "events": len(events)},
    )
    return PlanCreated.of(result)
