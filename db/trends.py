"""Fill trends per bin and per district, read from the hourly and daily aggregates.

``fill_hourly`` and ``fill_daily`` are continuous aggregates on TimescaleDB and summary tables kept
by ingest without it; the columns are the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from psycopg import sql
from psycopg.rows import class_row

from db.conn import Conn


class Resolution(StrEnum):
    """Bucket width of a trend."""

    HOUR = "hour"
    DAY = "day"


_AGGREGATE = {Resolution.HOUR: "fill_hourly", Resolution.DAY: "fill_daily"}


@dataclass(frozen=True, slots=True)
class BinBucket:
    """One hour or day of a bin's fill."""

    bucket: datetime
    readings: int
    fill_avg: float | None
    fill_min: float | None
    fill_max: float | None
    temperature_max: float | None
    battery_min: float | None


@dataclass(frozen=True, slots=True)
class GroupBucket:
    """One hour or day of a district's bins of one container type."""

    district: str
    container_type: str
    bucket: datetime
    bins: int
    readings: int
    fill_avg: float | None
    fill_max: float | None


def bin_trend(
    *, conn: Conn, bin_id: str, resolution: Resolution, start: datetime, end: datetime
) -> list[BinBucket]:
    """One bin's fill per hour or day from the aggregate, oldest first."""
    query = sql.SQL(
        """SELECT bucket, readings, fill_sum / NULLIF(fill_n, 0) AS fill_avg, fill_min,
                  fill_max, temperature_max, battery_min
           FROM {table} WHERE bin_id = %s AND bucket >= %s AND bucket < %s ORDER BY bucket"""
    ).format(table=sql.Identifier(_AGGREGATE[resolution]))
    with conn.cursor(row_factory=class_row(BinBucket)) as cur:
        cur.execute(query, (bin_id, start, end))
        return cur.fetchall()


def group_trend(
    *,
    conn: Conn,
    resolution: Resolution,
    start: datetime,
    end: datetime,
    district: str | None,
    container_type: str | None,
) -> list[GroupBucket]:
    """Average fill per district (and container type) per bucket, from the aggregate."""
    query = sql.SQL(
        """SELECT b.district, b.container_type, f.bucket, count(DISTINCT f.bin_id) AS bins,
                  sum(f.readings)::bigint AS readings,
                  sum(f.fill_sum) / NULLIF(sum(f.fill_n), 0) AS fill_avg,
                  max(f.fill_max) AS fill_max
           FROM {table} f JOIN bins b ON b.id = f.bin_id
           WHERE f.bucket >= %(start)s AND f.bucket < %(end)s
             AND (%(district)s::text IS NULL OR b.district = %(district)s)
             AND (%(ctype)s::text IS NULL OR b.container_type = %(ctype)s)
           GROUP BY b.district, b.container_type, f.bucket
           ORDER BY b.district, b.container_type, f.bucket"""
    ).format(table=sql.Identifier(_AGGREGATE[resolution]))
    with conn.cursor(row_factory=class_row(GroupBucket)) as cur:
        cur.execute(
            query,
            {"start": start, "end": end, "district": district, "ctype": container_type},
        )
        return cur.fetchall()
