"""Service days per area (table ``service_days``): the periodic plan of the sensor-driven policy."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from psycopg.rows import class_row

from db.conn import Conn


@dataclass(frozen=True, slots=True)
class ServiceDayRow:
    """One area's service days for one service."""

    service: str
    area: str
    weekdays: list[int]
    updated_at: datetime
    updated_by: str | None


def all_rows(*, conn: Conn) -> list[ServiceDayRow]:
    """Every area's service days, by service and area."""
    with conn.cursor(row_factory=class_row(ServiceDayRow)) as cur:
        cur.execute(
            """SELECT service, area, weekdays::int[] AS weekdays, updated_at, updated_by
               FROM service_days ORDER BY service, area"""
        )
        return cur.fetchall()


def put(
    *, conn: Conn, service: str, area: str, weekdays: Iterable[int], by: str | None
) -> ServiceDayRow:
    """Set one area's service days (an empty list: no service at all)."""
    with conn.cursor(row_factory=class_row(ServiceDayRow)) as cur:
        cur.execute(
            """INSERT INTO service_days (service, area, weekdays, updated_by)
               VALUES (%(service)s, %(area)s, %(days)s::smallint[], %(by)s)
               ON CONFLICT (service, area) DO UPDATE
                 SET weekdays = EXCLUDED.weekdays, updated_at = now(),
                     updated_by = EXCLUDED.updated_by
               RETURNING service, area, weekdays::int[] AS weekdays, updated_at, updated_by""",
            {"service": service, "area": area, "days": sorted(set(weekdays)), "by": by},
        )
        row = cur.fetchone()
        assert row is not None
        return row


def delete_all(*, conn: Conn) -> int:
    """Forget the whole plan (every area served every day again); returns the rows removed."""
    with conn.cursor() as cur:
        cur.execute("DELETE FROM service_days")
        return cur.rowcount


@dataclass(frozen=True, slots=True)
class BinArea:
    """A container's area and type: what the periodic plan needs to say who is served."""

    id: str
    district: str
    container_type: str


def bin_areas(*, conn: Conn) -> list[BinArea]:
    """Every active container's area and type."""
    with conn.cursor(row_factory=class_row(BinArea)) as cur:
        cur.execute("SELECT id, district, container_type FROM bins WHERE active ORDER BY id")
        return cur.fetchall()
