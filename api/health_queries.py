"""Every SQL statement of the alerts, device-health, derived-event and trend views.

Trends read the hourly and daily aggregates (``fill_hourly``, ``fill_daily``): continuous
aggregates on TimescaleDB, summary tables kept by ingest without it; the columns are the same.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

Conn = psycopg.Connection[tuple[object, ...]]


class Resolution(StrEnum):
    """Bucket width of a trend."""

    HOUR = "hour"
    DAY = "day"


_AGGREGATE = {Resolution.HOUR: "fill_hourly", Resolution.DAY: "fill_daily"}


def list_alerts(
    *,
    conn: Conn,
    open_only: bool,
    kind: str | None,
    bin_id: str | None,
    limit: int,
) -> list[dict[str, Any]]:
    """Alerts, newest first, with the bin's name and district."""
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(
            """SELECT a.id, a.device_id, a.bin_id, b.name AS bin_name, b.district, a.kind,
                      a.severity, a.observed_at, a.raised_at, a.detail, a.cleared_at,
                      a.acknowledged_at, a.acknowledged_by
               FROM alerts a LEFT JOIN bins b ON b.id = a.bin_id
               WHERE (NOT %(open)s OR a.cleared_at IS NULL)
                 AND (%(kind)s::text IS NULL OR a.kind = %(kind)s)
                 AND (%(bin)s::text IS NULL OR a.bin_id = %(bin)s)
               ORDER BY (a.severity = 'critical') DESC, a.raised_at DESC
               LIMIT %(limit)s""",
            {"open": open_only, "kind": kind, "bin": bin_id, "limit": limit},
        )
        return cur.fetchall()


def acknowledge_alert(*, conn: Conn, alert_id: int, username: str) -> bool:
    """Mark an alert as seen by a person; False when there is no such alert."""
    cur = conn.execute(
        """UPDATE alerts SET acknowledged_at = COALESCE(acknowledged_at, now()),
                             acknowledged_by = COALESCE(acknowledged_by, %s)
           WHERE id = %s""",
        (username, alert_id),
    )
    conn.commit()
    return cur.rowcount == 1


def device_health(
    *, conn: Conn, offline_factor: float, default_interval_s: int
) -> list[dict[str, Any]]:
    """Every active device, each for what it is: our sensor (Wi-Fi or cellular), a LoRaWAN
    sensor (codec, DevEUI, battery in %, frame-counter restarts) or a camera; last seen (for a
    camera also its latest event), battery and its trend (V per day over 14 days, from the daily
    aggregate), signal, offline (silent for ``offline_factor`` times its own reporting interval)
    and its open alert kinds."""
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(
            """SELECT d.id AS device_id, d.kind, d.bin_id, d.hotspot_id, d.state, d.firmware,
                      CASE WHEN d.kind = 'camera' THEN NULL
                           ELSE COALESCE(d.config->>'radio',
                                         CASE WHEN l.device_id IS NOT NULL THEN 'lorawan'
                                              ELSE 'wifi' END) END AS radio,
                      l.codec, l.dev_eui, l.battery_pct, l.fcnt_resets,
                      (d.config->>'report_interval_s')::integer AS report_interval_s,
                      seen.at AS last_seen_at, d.battery_v, d.rssi_dbm, d.dropped_readings,
                      (seen.at IS NULL OR seen.at < now() - make_interval(
                          secs => COALESCE((d.config->>'report_interval_s')::double precision,
                                           %(interval)s) * %(factor)s)) AS offline,
                      trend.slope AS battery_v_per_day,
                      COALESCE(open.kinds, '{}') AS open_alerts
               FROM devices d
               LEFT JOIN lorawan_devices l ON l.device_id = d.id
               LEFT JOIN LATERAL (
                   SELECT max(e.received_at) AS at FROM (
                       SELECT received_at FROM dumping_events
                       WHERE d.kind = 'camera' AND hotspot_id = d.hotspot_id AND device_id = d.id
                       ORDER BY detected_at DESC LIMIT 1) e
               ) event ON true
               CROSS JOIN LATERAL (
                   SELECT CASE WHEN event.at IS NULL THEN d.last_seen_at
                               ELSE GREATEST(d.last_seen_at, event.at) END AS at
               ) seen
               LEFT JOIN LATERAL (
                   SELECT regr_slope(f.battery_min, extract(epoch FROM f.bucket) / 86400) AS slope
                   FROM fill_daily f
                   WHERE f.bin_id = d.bin_id AND f.bucket >= now() - INTERVAL '14 days'
               ) trend ON true
               LEFT JOIN LATERAL (
                   SELECT array_agg(a.kind ORDER BY a.kind) AS kinds FROM alerts a
                   WHERE a.device_id = d.id AND a.cleared_at IS NULL
               ) open ON true
               WHERE d.revoked_at IS NULL
               ORDER BY d.id""",
            {"interval": default_interval_s, "factor": offline_factor},
        )
        return cur.fetchall()


def list_bin_events(
    *,
    conn: Conn,
    kind: str | None,
    bin_id: str | None,
    start: datetime,
    end: datetime,
    limit: int,
) -> list[dict[str, Any]]:
    """Collections, overflow periods and suspected abuse in ``[start, end)``, newest first."""
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(
            """SELECT e.id, e.bin_id, b.name AS bin_name, b.district, e.device_id, e.kind,
                      e.started_at, e.ended_at,
                      extract(epoch FROM COALESCE(e.ended_at, now()) - e.started_at)
                          AS duration_s,
                      e.fill_before, e.fill_after, e.at_night, e.confirmed_at
               FROM bin_events e LEFT JOIN bins b ON b.id = e.bin_id
               WHERE e.started_at >= %(start)s AND e.started_at < %(end)s
                 AND (%(kind)s::text IS NULL OR e.kind = %(kind)s)
                 AND (%(bin)s::text IS NULL OR e.bin_id = %(bin)s)
               ORDER BY e.started_at DESC LIMIT %(limit)s""",
            {"start": start, "end": end, "kind": kind, "bin": bin_id, "limit": limit},
        )
        return cur.fetchall()


def list_security_events(*, conn: Conn, limit: int) -> list[dict[str, Any]]:
    """Security events, newest first (the raw payload stays in the database)."""
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(
            """SELECT id, received_at, kind, topic_device_id, claimed_device_id, topic, detail,
                      length(payload) AS payload_bytes
               FROM security_events ORDER BY received_at DESC, id DESC LIMIT %s""",
            (limit,),
        )
        return cur.fetchall()


def bin_trend(
    *, conn: Conn, bin_id: str, resolution: Resolution, start: datetime, end: datetime
) -> list[dict[str, Any]]:
    """One bin's fill per hour or day from the aggregate, oldest first."""
    query = sql.SQL(
        """SELECT bucket, readings, fill_sum / NULLIF(fill_n, 0) AS fill_avg, fill_min,
                  fill_max, temperature_max, battery_min
           FROM {table} WHERE bin_id = %s AND bucket >= %s AND bucket < %s ORDER BY bucket"""
    ).format(table=sql.Identifier(_AGGREGATE[resolution]))
    with conn.cursor(row_factory=dict_row) as cur:
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
) -> list[dict[str, Any]]:
    """Average fill per district (and container type) per bucket, from the aggregate."""
    query = sql.SQL(
        """SELECT b.district, b.container_type, f.bucket, count(DISTINCT f.bin_id) AS bins,
                  sum(f.readings) AS readings,
                  sum(f.fill_sum) / NULLIF(sum(f.fill_n), 0) AS fill_avg,
                  max(f.fill_max) AS fill_max
           FROM {table} f JOIN bins b ON b.id = f.bin_id
           WHERE f.bucket >= %(start)s AND f.bucket < %(end)s
             AND (%(district)s::text IS NULL OR b.district = %(district)s)
             AND (%(ctype)s::text IS NULL OR b.container_type = %(ctype)s)
           GROUP BY b.district, b.container_type, f.bucket
           ORDER BY b.district, b.container_type, f.bucket"""
    ).format(table=sql.Identifier(_AGGREGATE[resolution]))
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(
            query,
            {"start": start, "end": end, "district": district, "ctype": container_type},
        )
        return cur.fetchall()


def bin_exists(*, conn: Conn, bin_id: str) -> bool:
    """Whether a bin with this id is registered."""
    return conn.execute("SELECT 1 FROM bins WHERE id = %s", (bin_id,)).fetchone() is not None
