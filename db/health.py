"""Alarms and device health: alerts, each device's last signs of life, the events read from bins'
fill curves and security events."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from psycopg.rows import class_row

from db.conn import Conn


@dataclass(frozen=True, slots=True)
class Alert:
    """An alert with its bin's name and district."""

    id: int
    device_id: str
    bin_id: str | None
    bin_name: str | None
    district: str | None
    kind: str
    severity: str
    observed_at: datetime
    raised_at: datetime
    detail: str
    cleared_at: datetime | None
    acknowledged_at: datetime | None
    acknowledged_by: str | None


@dataclass(frozen=True, slots=True)
class DeviceHealth:
    """A device's latest health, for what it is."""

    device_id: str
    kind: str
    radio: str | None  # wifi, cellular or lorawan for a fill sensor; None for a camera
    codec: str | None  # LoRaWAN sensors: the vendor codec (ingest/lorawan/codecs.py)
    dev_eui: str | None
    battery_pct: int | None  # LoRaWAN sensors that report a percentage, not volts
    fcnt_resets: int | None
    report_interval_s: int | None
    bin_id: str | None
    hotspot_id: str | None
    state: str | None
    firmware: str | None
    last_seen_at: datetime | None
    battery_v: float | None
    battery_v_per_day: float | None
    rssi_dbm: int | None
    dropped_readings: int
    offline: bool
    open_alerts: list[str]


@dataclass(frozen=True, slots=True)
class BinEvent:
    """A collection, overflow period or suspected abuse read from a bin's fill curve."""

    id: int
    bin_id: str
    bin_name: str | None
    district: str | None
    device_id: str
    kind: str
    started_at: datetime
    ended_at: datetime | None
    duration_s: float | None
    fill_before: float | None
    fill_after: float | None
    at_night: bool
    confirmed_at: datetime | None


@dataclass(frozen=True, slots=True)
class SecurityEvent:
    """A message that suggests an attack or a mis-provisioned device."""

    id: int
    received_at: datetime
    kind: str
    topic_device_id: str | None
    claimed_device_id: str | None
    topic: str
    detail: str
    payload_bytes: int


def list_alerts(
    *,
    conn: Conn,
    open_only: bool,
    kind: str | None,
    bin_id: str | None,
    limit: int,
) -> list[Alert]:
    """Alerts, newest first, with the bin's name and district."""
    with conn.cursor(row_factory=class_row(Alert)) as cur:
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
) -> list[DeviceHealth]:
    """Every active device, each for what it is: our sensor (Wi-Fi or cellular), a LoRaWAN
    sensor (codec, DevEUI, battery in %, frame-counter restarts) or a camera; last seen (for a
    camera also its latest event), battery and its trend (V per day over 14 days, from the daily
    aggregate), signal, offline (silent for ``offline_factor`` times its own reporting interval)
    and its open alert kinds."""
    with conn.cursor(row_factory=class_row(DeviceHealth)) as cur:
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
) -> list[BinEvent]:
    """Collections, overflow periods and suspected abuse in ``[start, end)``, newest first."""
    with conn.cursor(row_factory=class_row(BinEvent)) as cur:
        cur.execute(
            """SELECT e.id, e.bin_id, b.name AS bin_name, b.district, e.device_id, e.kind,
                      e.started_at, e.ended_at,
                      extract(epoch FROM COALESCE(e.ended_at, now()) - e.started_at)::float8
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


def list_security_events(*, conn: Conn, limit: int) -> list[SecurityEvent]:
    """Security events, newest first (the raw payload stays in the database)."""
    with conn.cursor(row_factory=class_row(SecurityEvent)) as cur:
        cur.execute(
            """SELECT id, received_at, kind, topic_device_id, claimed_device_id, topic, detail,
                      length(payload) AS payload_bytes
               FROM security_events ORDER BY received_at DESC, id DESC LIMIT %s""",
            (limit,),
        )
        return cur.fetchall()
