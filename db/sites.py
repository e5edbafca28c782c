"""Every SQL statement on hotspots, their cameras, and which fill sensor sits on which bin.

A sensor's history lives in ``sensor_pairings``, kept by a trigger on ``devices`` (migration
0090); these functions name the person and the reason for it with ``SET LOCAL``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from psycopg.rows import class_row

from db.conn import Conn


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


def upsert_hotspots(*, conn: Conn, rows: Sequence[HotspotRow]) -> int:
    """Add or change hotspots by id in one batch; returns how many were new."""
    ids = [r.id for r in rows]
    before = conn.execute("SELECT count(*) FROM hotspots WHERE id = ANY(%s)", (ids,)).fetchone()
    assert before is not None
    with conn.cursor() as cur:
        cur.executemany(
            """INSERT INTO hotspots (id, name, district, lat, lon, active)
               VALUES (%s, %s, %s, %s, %s, %s)
               ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, district = EXCLUDED.district,
                   lat = EXCLUDED.lat, lon = EXCLUDED.lon, active = EXCLUDED.active""",
            [(r.id, r.name, r.district, r.lat, r.lon, r.active) for r in rows],
        )
    return len(rows) - int(str(before[0]))


def known_ids(*, conn: Conn, table: str, ids: Sequence[str]) -> set[str]:
    """Which of ``ids`` exist in ``bins`` or ``devices``."""
    query = {
        "bins": "SELECT id FROM bins WHERE id = ANY(%s)",
        "devices": "SELECT id FROM devices WHERE id = ANY(%s)",
    }[table]
    return {str(r[0]) for r in conn.execute(query, (list(ids),))}


def bins_with_sensor(*, conn: Conn, bin_ids: Sequence[str]) -> set[str]:
    """Which of these bins have a fill sensor in service."""
    rows = conn.execute(
        """SELECT DISTINCT bin_id FROM devices
           WHERE bin_id = ANY(%s) AND kind = 'fill_sensor' AND revoked_at IS NULL""",
        (list(bin_ids),),
    )
    return {str(r[0]) for r in rows}


def install_sensors(*, conn: Conn, pairs: Sequence[tuple[str, str]], actor: str) -> None:
    """Register new fill sensors on bins in one batch (device id, bin id)."""
    _actor(conn, actor, None)
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO devices (id, kind, bin_id) VALUES (%s, 'fill_sensor', %s)", pairs
        )


@dataclass(frozen=True, slots=True)
class WatchedHotspot:
    """A hotspot placed by a scenario and the camera unit watching it (the city twin)."""

    id: str
    name: str
    district: str
    lat: float
    lon: float
    camera_id: str


def upsert_watched(*, conn: Conn, hotspots: Sequence[WatchedHotspot]) -> None:
    """Register each dumping hotspot and the camera unit watching it."""
    with conn.cursor() as cur:
        cur.executemany(
            """INSERT INTO hotspots (id, name, district, lat, lon) VALUES (%s, %s, %s, %s, %s)
               ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, district = EXCLUDED.district,
                   lat = EXCLUDED.lat, lon = EXCLUDED.lon""",
            [(h.id, h.name, h.district, h.lat, h.lon) for h in hotspots],
        )
        cur.executemany(
            """INSERT INTO devices (id, kind, hotspot_id) VALUES (%s, 'camera', %s)
               ON CONFLICT (id) DO UPDATE SET hotspot_id = EXCLUDED.hotspot_id,
                   revoked_at = NULL""",
            [(h.camera_id, h.id) for h in hotspots],
        )
