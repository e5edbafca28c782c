"""Bins as GeoJSON with their latest fill, and a bin's readings over a time range."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import AwareDatetime, BaseModel

from api.auth import Role, require_roles
from api.deps import DbConn
from api.errors import UserError
from db import bins as bin_store
from db.bins import Reading

router = APIRouter(prefix="/api/v1", tags=["bins"])
MAX_RANGE = timedelta(days=400)


class ReadingList(BaseModel):
    """A bin's readings over a range."""

    bin_id: str
    start: datetime
    end: datetime
    readings: list[Reading]


def _feature(row: bin_store.BinFillRow) -> dict[str, Any]:
    props = {k: v for k, v in asdict(row).items() if k not in {"lat", "lon"}}
    if row.reading_ts is not None:
        props["reading_ts"] = row.reading_ts.isoformat()
    return {
        "type": "Feature",
        "id": row.id,
        "geometry": {"type": "Point", "coordinates": [row.lon, row.lat]},
        "properties": props,
    }


@router.get(
    "/bins",
    summary="Bins with their latest fill, as a GeoJSON FeatureCollection",
    dependencies=[Depends(require_roles(Role.CREW, Role.COORDINATOR))],
)
def list_bins(conn: DbConn, district: str | None = None) -> dict[str, Any]:
    """Every active bin as a GeoJSON point with its newest fill level."""
    rows = bin_store.with_latest_fill(conn=conn, district=district)
    return {"type": "FeatureCollection", "features": [_feature(r) for r in rows]}


@router.get("/bins/{bin_id}/readings", dependencies=[Depends(require_roles(Role.COORDINATOR))])
def bin_readings(
    conn: DbConn,
    bin_id: str,
    start: Annotated[
        AwareDatetime | None, Query(description="inclusive, ISO 8601 with offset")
    ] = None,
    end: Annotated[
        AwareDatetime | None, Query(description="exclusive, ISO 8601 with offset")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=100_000)] = 10_000,
) -> ReadingList:
    """A bin's readings in a time range (default: the last 24 hours)."""
    end = end or datetime.now(UTC)
    start = start or end - timedelta(days=1)
    if start >= end:
        raise UserError(
            422,
            "Het begin moet vóór het einde liggen.",
            "Start must be before end.",
            fields=("start", "end"),
        )
    if end - start > MAX_RANGE:
        raise UserError(
            422,
            f"Een periode beslaat hoogstens {MAX_RANGE.days} dagen.",
            f"A range may span at most {MAX_RANGE.days} days.",
            fields=("start", "end"),
        )
    if not bin_store.exists(conn=conn, bin_id=bin_id):
        raise UserError(404, f"Geen vuilbak met id {bin_id!r}.", f"No bin with id {bin_id!r}.")
    rows = bin_store.readings(conn=conn, bin_id=bin_id, start=start, end=end, limit=limit)
    return ReadingList(
        bin_id=bin_id,
        start=start,
        end=end,
        readings=rows,
    )
