"""The coordinators' views of the city: bins as FIWARE containers, the map, thresholds per
container type."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from psycopg.rows import class_row

from db.conn import Conn
from db.rows import ordered_row


@dataclass(frozen=True, slots=True)
class WasteContainerRow:
    """An active bin with its newest reading, last emptying and open alarms (for NGSI-LD)."""

    id: str
    name: str
    district: str
    container_type: str
    category: str
    volume_l: int
    lat: float
    lon: float
    threshold: float
    reading_ts: datetime | None
    filling_level: float | None
    temperature_c: float | None
    last_emptied_at: datetime | None
    open_alerts: list[str] | None


@dataclass(frozen=True, slots=True)
class Threshold:
    """The fill at which a container type counts as due, and its bins' own default."""

    container_type: str
    threshold: float | None
    default_threshold: float | None
    bins: int
    updated_at: datetime | None
    updated_by: str | None


@dataclass(frozen=True, slots=True)
class MapBin:
    """A bin on the coordinators' map."""

    id: str
    name: str
    district: str
    container_type: str
    volume_l: int
    lat: float
    lon: float
    threshold: float
    reading_ts: datetime | None
    filling_level: float | None
    predicted_fill: float | None
    planned_vehicle: str | None
    open_alerts: list[str] | None


def waste_containers(*, conn: Conn) -> list[WasteContainerRow]:
    """Every active bin with its newest reading, last emptying and open alarms (for NGSI-LD)."""
    with conn.cursor(row_factory=class_row(WasteContainerRow)) as cur:
        cur.execute(
            """SELECT b.id, b.name, b.district, b.container_type, b.category, b.volume_l,
                      b.lat, b.lon, coalesce(t.threshold, b.threshold) AS threshold,
                      r.ts AS reading_ts, r.filling_level, r.temperature_c,
                      (SELECT max(a.acted_at) FROM stop_actions a
                       WHERE a.bin_id = b.id AND a.action = 'done') AS last_emptied_at,
                      (SELECT array_agg(DISTINCT al.kind) FROM alerts al
                       WHERE al.bin_id = b.id AND al.cleared_at IS NULL) AS open_alerts
               FROM bins b
               LEFT JOIN container_thresholds t ON t.container_type = b.container_type
               LEFT JOIN LATERAL (
                   SELECT ts, filling_level, temperature_c FROM fill_readings fr
                   WHERE fr.bin_id = b.id ORDER BY ts DESC LIMIT 1
               ) r ON true
               WHERE b.active ORDER BY b.id"""
        )
        return cur.fetchall()


def thresholds(*, conn: Conn) -> list[Threshold]:
    """Per container type: the set threshold (if any), the bins' default and how many bins."""
    with conn.cursor(row_factory=class_row(Threshold)) as cur:
        cur.execute(
            """SELECT k.container_type, t.threshold, t.updated_at, t.updated_by,
                      avg(b.threshold)::real AS default_threshold, count(b.id) AS bins
               FROM unnest(ARRAY['street_bin', 'underground', 'glass', 'dog_waste',
                                 'cigarette']) AS k(container_type)
               LEFT JOIN container_thresholds t ON t.container_type = k.container_type
               LEFT JOIN bins b ON b.container_type = k.container_type AND b.active
               GROUP BY k.container_type, t.threshold, t.updated_at, t.updated_by
               ORDER BY k.container_type"""
        )
        return cur.fetchall()


def set_threshold(*, conn: Conn, container_type: str, threshold: float, by: str) -> None:
    """Set the threshold for a container type."""
    conn.execute(
        """INSERT INTO container_thresholds (container_type, threshold, updated_by)
           VALUES (%s, %s, %s)
           ON CONFLICT (container_type) DO UPDATE
           SET threshold = EXCLUDED.threshold, updated_by = EXCLUDED.updated_by,
               updated_at = now()""",
        (container_type, threshold, by),
    )


def bins_map(*, conn: Conn, plan_id: int | None) -> list[MapBin]:
    """Every active bin: newest fill, the fill a plan (today's) predicts, open alarms, threshold.

    Built by position (:func:`db.rows.ordered_row`): a city's 10,000 bins arrive at once.
    """
    with conn.cursor(row_factory=ordered_row(MapBin)) as cur:
        cur.execute(
            """SELECT b.id, b.name, b.district, b.container_type, b.volume_l, b.lat, b.lon,
                      coalesce(t.threshold, b.threshold) AS threshold,
                      r.ts AS reading_ts, r.filling_level,
                      ps.predicted_fill, ps.vehicle_id AS planned_vehicle,
                      oa.kinds AS open_alerts
               FROM bins b
               LEFT JOIN container_thresholds t ON t.container_type = b.container_type
               LEFT JOIN LATERAL (
                   SELECT ts, filling_level FROM fill_readings fr
                   WHERE fr.bin_id = b.id ORDER BY ts DESC LIMIT 1
               ) r ON true
               LEFT JOIN (
                   SELECT DISTINCT ON (s.ref) s.ref, s.predicted_fill, s.vehicle_id
                   FROM plan_stops s WHERE s.plan_id = %s AND s.kind = 'bin'
                   ORDER BY s.ref, s.seq
               ) ps ON ps.ref = b.id
               LEFT JOIN (
                   SELECT al.bin_id, array_agg(DISTINCT al.kind) AS kinds FROM alerts al
                   WHERE al.cleared_at IS NULL AND al.bin_id IS NOT NULL GROUP BY al.bin_id
               ) oa ON oa.bin_id = b.id
               WHERE b.active ORDER BY b.id""",
            (plan_id,),
        )
        return cur.fetchall()
