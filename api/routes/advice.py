"""Coordinators' advice from sensor history: bins to enlarge or double, and sensors not trusted.

``/capacity`` lists the bins that overflow between two visits the service can afford, with the
container that would stop it and the fill curve as evidence (also as CSV). ``/sensors`` lists the
bins whose sensor is silent or stuck: the planner estimates them from their history
(``routing.forecast.estimate``) instead of skipping them, and says so here.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel

from api.auth import Role, User, require_roles
from api.deps import DbConn
from db import advice as db
from routing import advice
from routing.forecast import estimate

router = APIRouter(prefix="/api/v1/advice", tags=["advice"])
Coordinator = Annotated[User, Depends(require_roles(Role.COORDINATOR))]
HISTORY = timedelta(days=28)
CURVE_HOURS = 168
Interval = Annotated[
    int,
    Query(ge=4, le=168, description="hours between two visits the service can afford"),
]


class CapacityAdvice(BaseModel):
    """One bin's advice and its evidence."""

    bin_id: str
    name: str
    district: str
    place_type: str
    current_l: int
    kind: str
    new_volume_l: int
    count: int
    advice_nl: str
    litres_between_visits: float
    fill_now: float
    fill_after: float
    overflow_hours_seen: float
    curve_start: datetime
    curve: list[float | None]  # the highest level per hour over the last week


class CapacityList(BaseModel):
    """The advice for every bin that needs it."""

    generated_at: datetime
    visit_interval_h: int
    bins_considered: int
    advice: list[CapacityAdvice]


class SensorFallback(BaseModel):
    """A bin planned from its history because its sensor is not trusted."""

    bin_id: str
    name: str
    district: str
    reason: str
    reason_nl: str
    last_reading_at: datetime | None
    estimated_level: float


def _capacity(conn: DbConn, interval_h: int) -> CapacityList:
    now = datetime.now(UTC)
    params = advice.AdviceParams(visit_interval_h=interval_h)
    bins = {b.id: b for b in db.bins(conn=conn)}
    history = db.readings(conn=conn, since=now - HISTORY, until=now)
    rates = [
        advice.rates_from_readings(
            b.id, b.volume_l, history.get(b.id, []), container_type=b.container_type
        )
        for b in bins.values()
        if history.get(b.id)
    ]
    out = []
    for u in advice.advise(rates, params):
        b = bins[u.bin_id]
        out.append(
            CapacityAdvice(
                bin_id=u.bin_id,
                name=b.name,
                district=b.district,
                place_type=b.place_type,
                current_l=u.current_l,
                kind=u.kind,
                new_volume_l=u.new_volume_l,
                count=u.count,
                advice_nl=u.advice_nl,
                litres_between_visits=u.litres_between_visits,
                fill_now=u.fill_now,
                fill_after=u.fill_after,
                overflow_hours_seen=u.overflow_hours_seen,
                curve_start=now - timedelta(hours=CURVE_HOURS),
                curve=advice.curve(history[u.bin_id], until=now, hours=CURVE_HOURS),
            )
        )
    return CapacityList(
        generated_at=now, visit_interval_h=interval_h, bins_considered=len(rates), advice=out
    )


@router.get("/capacity")
def capacity(conn: DbConn, _user: Coordinator, interval_h: Interval = 24) -> CapacityList:
    """Bins that overflow between two affordable visits, with the bigger or extra container."""
    return _capacity(conn, interval_h)


CSV_COLUMNS = (
    "bak",
    "naam",
    "deelgemeente",
    "plaats",
    "huidig_l",
    "advies",
    "nieuw_l",
    "aantal",
    "liter_tussen_bezoeken",
    "vulling_nu",
    "vulling_na",
    "uren_vol_gezien",
)


@router.get("/capacity.csv", response_class=Response)
def capacity_csv(conn: DbConn, _user: Coordinator, interval_h: Interval = 24) -> Response:
    """The same advice as a CSV (semicolon-separated, decimal comma, for a Belgian spreadsheet)."""
    result = _capacity(conn, interval_h)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)

    def num(x: float) -> str:
        return f"{x:.2f}".replace(".", ",")

    for a in result.advice:
        writer.writerow(
            (
                a.bin_id,
                a.name,
                a.district,
                a.place_type,
                a.current_l,
                a.advice_nl,
                a.new_volume_l,
                a.count,
                num(a.litres_between_visits),
                num(a.fill_now),
                num(a.fill_after),
                num(a.overflow_hours_seen),
            )
        )
    day = result.generated_at.date().isoformat()
    return Response(
        "\ufeff" + buffer.getvalue(),  # a byte-order mark: spreadsheets then read UTF-8
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="capaciteitsadvies-{day}.csv"'},
    )


@router.get("/sensors")
def sensor_fallbacks(conn: DbConn, _user: Coordinator) -> list[SensorFallback]:
    """Bins whose sensor is silent, stuck or absent: planned from their history, not skipped."""
    now = datetime.now(UTC)
    history = db.readings(conn=conn, since=now - HISTORY, until=now)
    emptied = db.last_emptied(conn=conn, until=now)
    out = []
    for b in db.bins(conn=conn):
        readings = history.get(b.id, [])
        est = estimate(readings, at=now, emptied_at=emptied.get(b.id))
        if est.fallback is None:
            continue
        out.append(
            SensorFallback(
                bin_id=b.id,
                name=b.name,
                district=b.district,
                reason=est.fallback,
                reason_nl=est.note_nl or "",
                last_reading_at=readings[-1][0] if readings else None,
                estimated_level=round(est.level, 2),
            )
        )
    return out
