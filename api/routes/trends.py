"""Fill trends for coordinators, per bin and per district, read from the hourly/daily aggregates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import AwareDatetime, BaseModel

from api.auth import Role, User, require_roles
from api.deps import DbConn
from api.errors import UserError
from db import bins as bin_store
from db import trends as q
from db.trends import BinBucket, GroupBucket, Resolution

router = APIRouter(prefix="/api/v1/trends", tags=["trends"])
Coordinator = Annotated[User, Depends(require_roles(Role.COORDINATOR, Role.ADMIN))]
MAX_SPAN = {Resolution.HOUR: timedelta(days=93), Resolution.DAY: timedelta(days=3 * 366)}
Start = Annotated[AwareDatetime | None, Query(description="inclusive, ISO 8601 with offset")]
End = Annotated[AwareDatetime | None, Query(description="exclusive, ISO 8601 with offset")]


class BinTrend(BaseModel):
    """A bin's fill over a range."""

    bin_id: str
    resolution: Resolution
    buckets: list[BinBucket]


def _range(
    start: datetime | None, end: datetime | None, resolution: Resolution
) -> tuple[datetime, datetime]:
    end = end or datetime.now(UTC)
    start = start or end - (
        timedelta(days=2) if resolution is Resolution.HOUR else timedelta(days=30)
    )
    if start >= end:
        raise UserError(
            422,
            "Het begin moet vóór het einde liggen.",
            "Start must be before end.",
            fields=("start", "end"),
        )
    if end - start > MAX_SPAN[resolution]:
        raise UserError(
            422,
            f"Een verloop per {'uur' if resolution is Resolution.HOUR else 'dag'} beslaat "
            f"hoogstens {MAX_SPAN[resolution].days} dagen.",
            f"A {resolution.value} trend spans at most {MAX_SPAN[resolution].days} days.",
            fields=("start", "end"),
        )
    return start, end


@router.get("/bins/{bin_id}", summary="A bin's fill per hour or day")
def bin_trend(
    conn: DbConn,
    _user: Coordinator,
    bin_id: str,
    resolution: Resolution = Resolution.HOUR,
    start: Start = None,
    end: End = None,
) -> BinTrend:
    """Average, minimum and maximum fill per bucket (default: the last 2 days by hour)."""
    start, end = _range(start, end, resolution)
    if not bin_store.exists(conn=conn, bin_id=bin_id):
        raise UserError(404, f"Geen vuilbak met id {bin_id!r}.", f"No bin with id {bin_id!r}.")
    rows = q.bin_trend(conn=conn, bin_id=bin_id, resolution=resolution, start=start, end=end)
    return BinTrend(bin_id=bin_id, resolution=resolution, buckets=rows)


@router.get("/districts", summary="Average fill per district and container type")
def district_trend(
    *,
    conn: DbConn,
    _user: Coordinator,
    resolution: Resolution = Resolution.DAY,
    start: Start = None,
    end: End = None,
    district: str | None = None,
    container_type: str | None = None,
) -> list[GroupBucket]:
    """Fill per district and container type per bucket (default: the last 30 days by day)."""
    start, end = _range(start, end, resolution)
    return q.group_trend(
        conn=conn,
        resolution=resolution,
        start=start,
        end=end,
        district=district,
        container_type=container_type,
    )
