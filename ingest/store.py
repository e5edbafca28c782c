"""Every SQL statement the ingest service runs."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import psycopg
from psycopg.types.json import Jsonb

from contracts.payloads import DeviceStatus, DumpingEvent, FillReading

Conn = psycopg.Connection[tuple[object, ...]]


@dataclass(frozen=True, slots=True)
class RegisteredDevice:
    """What ingest needs to know of a device to accept its messages."""

    device_id: str
    kind: str
    bin_id: str | None
    hotspot_id: str | None


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """A message that could not be accepted, kept with its raw bytes."""

    topic: str
    payload: bytes
    code: str
    reason: str
    device_id: str | None


@dataclass(frozen=True, slots=True)
class ReadingRow:
    """A validated reading bound to the bin its device sits on."""

    device_id: str
    bin_id: str
    reading: FillReading


def load_devices(*, conn: Conn) -> dict[str, RegisteredDevice]:
    """Every device that is registered and not revoked."""
    rows = conn.execute(
        "SELECT id, kind, bin_id, hotspot_id FROM devices WHERE revoked_at IS NULL"
    ).fetchall()
    return {str(r[0]): RegisteredDevice(str(r[0]), str(r[1]), _opt(r[2]), _opt(r[3])) for r in rows}


def _opt(value: object) -> str | None:
    return None if value is None else str(value)


def insert_readings(*, conn: Conn, rows: Sequence[ReadingRow]) -> int:
    """Store readings; a reading already stored (same device, time, sequence) is skipped."""
    if not rows:
        return 0
    with conn.cursor() as cur:
        cur.executemany(
            """INSERT INTO fill_readings (device_id, bin_id, ts, seq, distance_mm, filling_level,
                   temperature_c, battery_v, rssi_dbm, quality, status)
               VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
               ON CONFLICT (device_id, ts, seq) DO NOTHING""",
            [
                (
                    r.device_id,
                    r.bin_id,
                    r.reading.ts,
                    r.reading.seq,
                    r.reading.distance_mm,
                    r.reading.filling_level,
                    r.reading.temperature_c,
                    r.reading.battery_v,
                    r.reading.rssi_dbm,
                    r.reading.quality.value,
                    r.reading.status.value,
                )
                for r in rows
            ],
        )
        return cur.rowcount


def insert_dead_letters(*, conn: Conn, letters: Iterable[DeadLetter]) -> None:
    """Keep rejected messages with their reason and raw bytes."""
    with conn.cursor() as cur:
        cur.executemany(
            """INSERT INTO dead_letters (topic, payload, code, reason, device_id)
               VALUES (%s, %s, %s, %s, %s)""",
            [(d.topic, d.payload, d.code, d.reason, d.device_id) for d in letters],
        )


def record_seen(
    *,
    conn: Conn,
    device_id: str,
    seen_at: datetime,
    battery_v: float | None,
    rssi_dbm: int | None,
    dropped_readings: int = 0,
) -> None:
    """Note that a device was heard from, with its latest battery and signal."""
    conn.execute(
        """UPDATE devices SET
               last_seen_at = GREATEST(last_seen_at, %(seen)s),
               state = 'online',
               battery_v = COALESCE(%(battery)s, battery_v),
               rssi_dbm = COALESCE(%(rssi)s, rssi_dbm),
               dropped_readings = dropped_readings + %(dropped)s
           WHERE id = %(id)s""",
        {
            "seen": seen_at,
            "battery": battery_v,
            "rssi": rssi_dbm,
            "dropped": dropped_readings,
            "id": device_id,
        },
    )


def record_status(*, conn: Conn, status: DeviceStatus, received_at: datetime) -> None:
    """Store a device's reported state (online, offline by last will, tamper, fault)."""
    conn.execute(
        """UPDATE devices SET
               state = %(state)s,
               last_seen_at = CASE WHEN %(state)s = 'offline' THEN last_seen_at
                                   ELSE GREATEST(last_seen_at, %(seen)s) END,
               firmware = COALESCE(%(firmware)s, firmware),
               battery_v = COALESCE(%(battery)s, battery_v),
               rssi_dbm = COALESCE(%(rssi)s, rssi_dbm)
           WHERE id = %(id)s""",
        {
            "state": status.state,
            "seen": status.ts or received_at,
            "firmware": status.firmware,
            "battery": status.battery_v,
            "rssi": status.rssi_dbm,
            "id": status.device_id,
        },
    )


def insert_dumping_event(*, conn: Conn, event: DumpingEvent) -> bool:
    """Store a camera's dumping event once; False when it was already stored."""
    cur = conn.execute(
        """INSERT INTO dumping_events (event_id, device_id, hotspot_id, seq, started_at,
               detected_at, bbox, object_area_px, person_present, vehicle_present, score, files,
               manifest_sha256, signature_b64)
           VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
           ON CONFLICT (event_id) DO NOTHING""",
        (
            event.event_id,
            event.device_id,
            event.hotspot_id,
            event.seq,
            event.started_at,
            event.detected_at,
            list(event.bbox),
            event.object_area_px,
            event.person_present,
            event.vehicle_present,
            event.score,
            Jsonb([f.model_dump() for f in event.files]),
            event.manifest_sha256,
            event.signature_b64,
        ),
    )
    return cur.rowcount == 1
