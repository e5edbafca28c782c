"""Every SQL statement on hotspots, their cameras, and which fill sensor sits on which bin.

A sensor's history lives in ``sensor_pairings``, kept by a trigger on ``devices`` (migration
0090); these functions name the person and the reason for it with ``SET LOCAL``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import psycopg
from psycopg.rows import class_row

Conn = psycopg.Connection[tuple[object, ...]]


@dataclass(frozen=True, slots=True)
class HotspotRow:
    """A place where dumping happens, watched or not by a camera."""

    id: str
    name: str
    district: str
    lat: float
    lon: float
    active: bool


@dataclass(frozen=True, slots=True)
class DeviceRow:
    """A fill sensor or a camera in the registry."""

    id: str
    kind: str
    bin_id: str | None
    hotspot_id: str | None
    created_at: datetime
    revoked_at: datetime | None
    last_seen_at: datetime | None
    state: str | None


@dataclass(frozen=True, slots=True)
class PairingRow:
    """One period a sensor sat on a bin."""

    device_id: str
    bin_id: str
    installed_at: datetime
    installed_by: str
    removed_at: datetime | None
    removed_by: str | None
    removed_reason: str | None


_DEVICE = """SELECT id, kind, bin_id, hotspot_id, created_at, revoked_at, last_seen_at, state
             FROM devices"""


def hotspots(*, conn: Conn) -> list[HotspotRow]:
    """Every hotspot, by id."""
    with conn.cursor(row_factory=class_row(HotspotRow)) as cur:
        cur.execute("SELECT id, name, district, lat, lon, active FROM hotspots ORDER BY id")
        return cur.fetchall()


def hotspot(*, conn: Conn, hotspot_id: str) -> HotspotRow | None:
    """One hotspot."""
    with conn.cursor(row_factory=class_row(HotspotRow)) as cur:
        cur.execute(
            "SELECT id, name, district, lat, lon, active FROM hotspots WHERE id = %s",
            (hotspot_id,),
        )
        return cur.fetchone()


def insert_hotspot(*, conn: Conn, row: HotspotRow) -> None:
    """Add a hotspot (UniqueViolation when the id exists)."""
    conn.execute(
        """INSERT INTO hotspots (id, name, district, lat, lon, active)
           VALUES (%s, %s, %s, %s, %s, %s)""",
        (row.id, row.name, row.district, row.lat, row.lon, row.active),
    )


def update_hotspot(*, conn: Conn, row: HotspotRow) -> bool:
    """Change a hotspot in place; False when unknown."""
    return (
        conn.execute(
            """UPDATE hotspots SET name = %s, district = %s, lat = %s, lon = %s, active = %s
               WHERE id = %s""",
            (row.name, row.district, row.lat, row.lon, row.active, row.id),
        ).rowcount
        == 1
    )


def devices(*, conn: Conn, kind: str) -> list[DeviceRow]:
    """Every device of a kind, the ones in service first."""
    with conn.cursor(row_factory=class_row(DeviceRow)) as cur:
        cur.execute(_DEVICE + " WHERE kind = %s ORDER BY revoked_at IS NOT NULL, id", (kind,))
        return cur.fetchall()


def device(*, conn: Conn, device_id: str) -> DeviceRow | None:
    """One device."""
    with conn.cursor(row_factory=class_row(DeviceRow)) as cur:
        cur.execute(_DEVICE + " WHERE id = %s", (device_id,))
        return cur.fetchone()


def sensor_on_bin(*, conn: Conn, bin_id: str) -> str | None:
    """The fill sensor in service on a bin, if any."""
    row = conn.execute(
        """SELECT id FROM devices WHERE bin_id = %s AND kind = 'fill_sensor'
              AND revoked_at IS NULL ORDER BY created_at DESC LIMIT 1""",
        (bin_id,),
    ).fetchone()
    return None if row is None else str(row[0])


def _actor(conn: Conn, actor: str, reason: str | None) -> None:
    conn.execute("SELECT set_config('nettestad.actor', %s, true)", (actor,))
    conn.execute("SELECT set_config('nettestad.pairing_reason', %s, true)", (reason or "",))


def install_sensor(*, conn: Conn, device_id: str, bin_id: str, actor: str) -> None:
    """Register a new fill sensor on a bin (UniqueViolation when the id exists)."""
    _actor(conn, actor, None)
    conn.execute(
        "INSERT INTO devices (id, kind, bin_id) VALUES (%s, 'fill_sensor', %s)", (device_id, bin_id)
    )


def retire_device(*, conn: Conn, device_id: str, actor: str, reason: str) -> bool:
    """Take a device out of service (its readings stay with its bin); False when not in service."""
    _actor(conn, actor, reason)
    return (
        conn.execute(
            "UPDATE devices SET revoked_at = now() WHERE id = %s AND revoked_at IS NULL",
            (device_id,),
        ).rowcount
        == 1
    )


def register_camera(*, conn: Conn, device_id: str, hotspot_id: str) -> None:
    """Register a camera at a hotspot (UniqueViolation when the id exists)."""
    conn.execute(
        "INSERT INTO devices (id, kind, hotspot_id) VALUES (%s, 'camera', %s)",
        (device_id, hotspot_id),
    )


def move_camera(*, conn: Conn, device_id: str, hotspot_id: str) -> bool:
    """Point a camera in service at another hotspot; False when no such camera is in service."""
    return (
        conn.execute(
            """UPDATE devices SET hotspot_id = %s
               WHERE id = %s AND kind = 'camera' AND revoked_at IS NULL""",
            (hotspot_id, device_id),
        ).rowcount
        == 1
    )


def pairings(*, conn: Conn, bin_id: str | None, device_id: str | None) -> list[PairingRow]:
    """Which sensor sat on which bin when, newest first."""
    with conn.cursor(row_factory=class_row(PairingRow)) as cur:
        cur.execute(
            """SELECT device_id, bin_id, installed_at, installed_by, removed_at, removed_by,
                      removed_reason
               FROM sensor_pairings
               WHERE (%(b)s::text IS NULL OR bin_id = %(b)s)
                 AND (%(d)s::text IS NULL OR device_id = %(d)s)
               ORDER BY installed_at DESC, id DESC LIMIT 500""",
            {"b": bin_id, "d": device_id},
        )
        return cur.fetchall()


def readings_count(*, conn: Conn, bin_id: str) -> int:
    """How many fill readings a bin has, from every sensor it ever had."""
    row = conn.execute("SELECT count(*) FROM fill_readings WHERE bin_id = %s", (bin_id,)).fetchone()
    assert row is not None
    return int(str(row[0]))
