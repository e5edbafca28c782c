"""Coordinators: the city's figures by week or month (JSON and CSV), FIWARE export, thresholds."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Response
from pydantic import BaseModel, Field, TypeAdapter

from api import kpis, ngsi, route_sheet
from api.audit import record as audit_record
from api.auth import Role, User, require_roles
from api.deps import DbConn
from api.errors import UserError
from db import coordinator as q
from db import crew, plans
from db import kpis as figures_store
from db.coordinator import Threshold
from db.kpis import HotspotFigures

router = APIRouter(prefix="/api/v1/coordinator", tags=["coordinator"])
Coordinator = Annotated[User, Depends(require_roles(Role.COORDINATOR))]
ContainerType = Literal["street_bin", "underground", "glass", "dog_waste", "cigarette"]
MAX_SPAN = timedelta(days=800)


class KpiRow(BaseModel):
    """The figures of one week or month."""

    period_start: date
    collections_done: int
    stops_skipped: int
    extra_stops_planned: int
    litter_volume_l: float | None
    litres_sensor_l: float | None
    litres_estimate_l: float | None
    collections_litres_sensor: int
    avg_fill_at_collection: float | None
    collections_sensed: int
    avg_sensed_fill_before_collection: float | None
    overflow_hours: float | None
    bins_with_abuse: int
    dumping_detections: int
    dumping_confirmed: int
    dumps_cleared: int
    dumping_volume_l: float | None
    median_hours_to_cleanup: float | None


class Definition(BaseModel):
    """What a figure counts, in Dutch and English."""

    nl: str
    en: str


class Kpis(BaseModel):
    """The figures per period, and dumping per hotspot over the whole range."""

    period: Literal["week", "month"]
    start: date
    end: date
    rows: list[KpiRow]
    hotspots: list[HotspotFigures]
    definitions: dict[str, Definition]


class ThresholdBody(BaseModel):
    """A new threshold (fraction of full)."""

    threshold: float = Field(ge=0.05, le=1, description="fraction of full, 0.05 to 1")


def _range(start: date | None, end: date | None) -> tuple[date, date, datetime, datetime]:
    today = route_sheet.today_in_brussels()
    end = end or today + timedelta(days=1)
    start = start or end - timedelta(days=91)
    if start >= end:
        raise UserError(
            422,
            "Het begin moet vóór het einde liggen.",
            "Start must be before end.",
            fields=("start", "end"),
        )
    if end - start > MAX_SPAN:
        raise UserError(
            422,
            f"Een periode beslaat hoogstens {MAX_SPAN.days} dagen.",
            f"A range may span at most {MAX_SPAN.days} days.",
            fields=("start", "end"),
        )
    tz = route_sheet.BRUSSELS
    return (
        start,
        end,
        datetime.combine(start, time(), tz).astimezone(UTC),
        datetime.combine(end, time(), tz).astimezone(UTC),
    )


def _figures(conn: DbConn, period: str, start: date | None, end: date | None) -> Kpis:
    first, last, t0, t1 = _range(start, end)
    rows = kpis.merge(
        figures_store.crew_figures(conn=conn, unit=period, start=t0, end=t1),
        figures_store.planned_figures(conn=conn, unit=period, start=t0, end=t1),
        figures_store.sensor_figures(conn=conn, unit=period, start=t0, end=t1),
        figures_store.dumping_figures(conn=conn, unit=period, start=t0, end=t1),
    )
    hotspots = figures_store.dumping_by_hotspot(conn=conn, start=t0, end=t1)
    return Kpis(
        period=period,  # type: ignore[arg-type]  # validated by the Query literal
        start=first,
        end=last,
        rows=[KpiRow.model_validate(r) for r in rows],
        hotspots=hotspots,
        definitions={k: Definition(nl=nl, en=en) for k, (nl, en) in kpis.DEFINITIONS.items()},
    )


Period = Annotated[Literal["week", "month"], Query()]
Start = Annotated[date | None, Query(description="first day (Brussels), default 13 weeks ago")]
End = Annotated[date | None, Query(description="day after the last, default tomorrow")]


@router.get("/kpis")
def figures(
    conn: DbConn, _user: Coordinator, period: Period = "week", start: Start = None, end: End = None
) -> Kpis:
    """Litres collected, overflow hours, fill at collection, collections, abuse, dumping and cleanup."""
    return _figures(conn, period, start, end)


@router.get("/kpis.csv", response_class=Response, responses={200: {"content": {"text/csv": {}}}})
def figures_csv(
    conn: DbConn, _user: Coordinator, period: Period = "week", start: Start = None, end: End = None
) -> Response:
    """The same figures as CSV."""
    result = _figures(conn, period, start, end)
    body = kpis.to_csv([r.model_dump() for r in result.rows])
    name = f"nettestad-kpis-{period}-{result.start}-{result.end}.csv"
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get(
    "/ngsi-ld/waste-containers",
    response_class=Response,
    responses={200: {"content": {"application/ld+json": {}}}},
)
def waste_containers(conn: DbConn, _user: Coordinator) -> Response:
    """Every bin and its state as FIWARE WasteContainer entities (NGSI-LD, with @context)."""
    import json

    entities = [
        {**ngsi.waste_container(r, city="kortrijk"), "@context": ngsi.CONTEXT}
        for r in q.waste_containers(conn=conn)
    ]
    return Response(json.dumps(entities), media_type="application/ld+json")


@router.get("/thresholds")
def list_thresholds(conn: DbConn, _user: Coordinator) -> list[Threshold]:
    """The threshold per container type (unset: each bin keeps its own)."""
    return q.thresholds(conn=conn)


@router.put("/thresholds/{container_type}")
def put_threshold(
    conn: DbConn,
    user: Coordinator,
    container_type: Annotated[ContainerType, Path()],
    body: ThresholdBody,
) -> list[Threshold]:
    """Set the threshold of a container type; planning uses it from the next plan on."""
    q.set_threshold(
        conn=conn,
        container_type=container_type,
        threshold=round(body.threshold, 3),
        by=user.username,
    )
    audit_record(
        conn=conn,
        user=user,
        action="threshold.set",
        object_type="container_type",
        object_id=container_type,
        detail={"threshold": round(body.threshold, 3)},
    )
    return q.thresholds(conn=conn)


# The rows are typed already: they are serialised as they come, without a second validation.
def _active_plan(conn: DbConn, day: date) -> int | None:
    # The day's active plan is looked up in one place, the plans' store (after the plans
    # aggregate moves to db/plans.py: db.plans.active_plan_id).
    return plans.active_plan_id(conn=conn, day=day)


MAP_BINS = TypeAdapter(list[q.MapBin])


@router.get(
    "/map",
    response_class=Response,
    responses={200: {"content": {"application/json": {"schema": MAP_BINS.json_schema()}}}},
)
def bins_map(conn: DbConn, _user: Coordinator) -> Response:
    """Every bin with its fill now, the fill today's plan predicts at its visit, and open alarms.

    A city's 10,000 bins are validated and serialised once, in one pass each (not per row and
    then again as a response model).
    """
    day = route_sheet.today_in_brussels()
    return Response(
        MAP_BINS.dump_json(q.bins_map(conn=conn, plan_id=_active_plan(conn, day))),
        media_type="application/json",
    )


class ReplanEvent(BaseModel):
    """A crew report in the form the planner's re-plan takes."""

    type: Literal["done", "blocked"]
    ref: str
    at: datetime | None = None


@router.get("/replan-events")
def replan_events(
    conn: DbConn, _user: Coordinator, day: Annotated[date | None, Query()] = None
) -> list[ReplanEvent]:
    """Today's crew reports (done, blocked) to hand to ``POST /api/v1/plans/{id}/replan``."""
    day = day or route_sheet.today_in_brussels()
    events = []
    for r in crew.actions_for_day(conn=conn, service_date=day, vehicle_id=None):
        ref = r.stop_ref.removeprefix("bin:")
        if r.action == "done":
            events.append(ReplanEvent(type="done", ref=ref, at=r.acted_at))
        elif r.skip_reason in {"blocked", "not_reachable"}:
            events.append(ReplanEvent(type="blocked", ref=ref))
    return events
