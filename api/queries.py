"""Every SQL statement of the API's bin and reading views."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import psycopg
from psycopg.rows import dict_row

Conn = psycopg.Connection[tuple[object, ...]]


def bins_with_latest_fill(*, conn: Conn, district: str | None = None) -> list[dict[str, Any]]:
    """Every active bin with its newest usable reading (if any)."""
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(
            """SELECT b.id, b.name, b.district, b.place_type, b.container_type, b.category,
                      b.volume_l, b.threshold, b.lat, b.lon,
                      r.ts AS reading_ts, r.filling_level, r.quality, r.battery_v
               FROM bins b
               LEFT JOIN LATERAL (
                   SELECT ts, filling_level, quality, battery_v FROM fill_readings fr
                   WHERE fr.bin_id = b.id ORDER BY ts DESC LIMIT 1
               ) r ON true
               WHERE b.active AND (%(district)s::text IS NULL OR b.district = %(district)s)
               ORDER BY b.id""",
            {"district": district},
        )
        return cur.fetchall()


def bin_exists(*, conn: Conn, bin_id: str) -> bool:
    """Whether a bin with this id is registered."""
    return conn.execute("SELECT 1 FROM bins WHERE id = %s", (bin_id,)).fetchone() is not None


def bin_readings(
    *, conn: Conn, bin_id: str, start: datetime, end: datetime, limit: int
) -> list[dict[str, Any]]:
    """A bin's readings in ``[start, end)``, oldest first."""
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(
            """SELECT ts, seq, device_id, distance_mm, filling_level, temperature_c, battery_v,
                      rssi_dbm, quality, status
               FROM fill_readings
               WHERE bin_id = %s AND ts >= %s AND ts < %s
               ORDER BY ts LIMIT %s""",
            (bin_id, start, end, limit),
        )
        return cur.fetchall()
