"""The coordinators' figures per week or month: crews' visits, extra stops, fill curves, dumping.

Periods are Europe/Brussels weeks (Monday) or months. A crew's "fill seen" counts as empty 0,
half 0.5, full 1.0, overflowing 1.25 (more than the bin holds) for litres and average fill.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from psycopg.rows import class_row

from db.conn import Conn

_FILL_SEEN = """CASE a.fill_seen WHEN 'empty' THEN 0.0 WHEN 'half' THEN 0.5 WHEN 'full' THEN 1.0
                WHEN 'overflowing' THEN 1.25 END"""


def _period(column: str) -> str:
    # The unit is bound as a parameter; the column name is one of ours, never user input.
    return f"(date_trunc(%(unit)s, {column} AT TIME ZONE 'Europe/Brussels'))::date"


# One row per stop visit: a stop of a day counts once, with its newest action, however many
# people marked it. A bin collection takes the sensor's fill before emptying when the bin's
# sensor saw a collection within three hours of the tap; otherwise the crew's tap estimates it.
_VISITS = f"""
    SELECT v.*, se.fill_before AS sensed_fill,
           CASE WHEN v.bin_id IS NULL OR v.action <> 'done' THEN NULL
                WHEN se.fill_before IS NOT NULL THEN 'sensor'
                ELSE 'estimate' END AS litres_method
    FROM (SELECT DISTINCT ON (a.service_date, a.stop_ref)
                 a.service_date, a.stop_ref, a.bin_id, a.action, a.acted_at, a.volume_l,
                 {_FILL_SEEN} AS tap_fill, b.volume_l AS bin_volume_l
          FROM stop_actions a LEFT JOIN bins b ON b.id = a.bin_id
          WHERE a.acted_at >= %(start)s - interval '1 day' AND a.acted_at < %(end)s + interval '1 day'
          ORDER BY a.service_date, a.stop_ref, a.acted_at DESC, a.received_at DESC) v
    LEFT JOIN LATERAL (
        SELECT e.fill_before FROM bin_events e
        WHERE v.action = 'done' AND e.bin_id = v.bin_id AND e.kind = 'collection'
          AND e.started_at BETWEEN v.acted_at - interval '3 hours' AND v.acted_at + interval '3 hours'
        ORDER BY abs(extract(epoch FROM e.started_at - v.acted_at)) LIMIT 1
    ) se ON true"""  # noqa: S608 - only the constant _FILL_SEEN is formatted in


@dataclass(frozen=True, slots=True)
class CrewFigures:
    """One period of crews' stop visits."""

    period: date
    collections_done: int
    stops_skipped: int
    litter_volume_l: float | None
    litres_sensor_l: float | None
    litres_estimate_l: float | None
    collections_litres_sensor: int
    avg_fill_at_collection: float | None
    dumps_cleared: int
    dumping_volume_l: int | None


def crew_figures(*, conn: Conn, unit: str, start: datetime, end: datetime) -> list[CrewFigures]:
    """Per period, one row per stop visit: collections, skips, litres (and how), dumps cleared."""
    with conn.cursor(row_factory=class_row(CrewFigures)) as cur:
        cur.execute(
            f"""WITH v AS ({_VISITS})
                SELECT {_period("v.acted_at")} AS period,
                       count(*) FILTER (WHERE v.action = 'done' AND v.bin_id IS NOT NULL)
                           AS collections_done,
                       count(*) FILTER (WHERE v.action = 'skipped') AS stops_skipped,
                       (sum(v.bin_volume_l * coalesce(v.sensed_fill, v.tap_fill))
                           FILTER (WHERE v.litres_method IS NOT NULL))::float8 AS litter_volume_l,
                       (sum(v.bin_volume_l * v.sensed_fill)
                           FILTER (WHERE v.litres_method = 'sensor'))::float8 AS litres_sensor_l,
                       (sum(v.bin_volume_l * v.tap_fill)
                           FILTER (WHERE v.litres_method = 'estimate'))::float8 AS litres_estimate_l,
                       count(*) FILTER (WHERE v.litres_method = 'sensor')
                           AS collections_litres_sensor,
                       (avg(v.tap_fill) FILTER (WHERE v.action = 'done' AND v.bin_id IS NOT NULL))::float8
                           AS avg_fill_at_collection,
                       count(*) FILTER (WHERE v.action = 'done' AND v.bin_id IS NULL
                                          AND v.stop_ref NOT LIKE 'unload:%%')
                           AS dumps_cleared,
                       sum(v.volume_l) FILTER (WHERE v.action = 'done' AND v.bin_id IS NULL
                                                 AND v.stop_ref NOT LIKE 'unload:%%')
                           AS dumping_volume_l
                FROM v
                WHERE v.acted_at >= %(start)s AND v.acted_at < %(end)s
                GROUP BY 1""",  # noqa: S608 - only our own column names are formatted in
            {"unit": unit, "start": start, "end": end},
        )
        return cur.fetchall()


@dataclass(frozen=True, slots=True)
class PlannedFigures:
    """One period of stops put on the sheets outside the planner."""

    period: date
    extra_stops_planned: int


def planned_figures(
    *, conn: Conn, unit: str, start: datetime, end: datetime
) -> list[PlannedFigures]:
    """Per period: stops put on the sheets outside the planner."""
    with conn.cursor(row_factory=class_row(PlannedFigures)) as cur:
        cur.execute(
            """SELECT (date_trunc(%(unit)s, service_date::timestamp))::date AS period,
                      count(*) AS extra_stops_planned
               FROM extra_stops
               WHERE cancelled_at IS NULL
                 AND service_date >= (%(start)s AT TIME ZONE 'Europe/Brussels')::date
                 AND service_date < (%(end)s AT TIME ZONE 'Europe/Brussels')::date
               GROUP BY 1""",
            {"unit": unit, "start": start, "end": end},
        )
        return cur.fetchall()


@dataclass(frozen=True, slots=True)
class SensorFigures:
    """One period read from the fill curves."""

    period: date
    overflow_hours: float | None
    avg_sensed_fill_before_collection: float | None
    collections_sensed: int
    bins_with_abuse: int


def sensor_figures(*, conn: Conn, unit: str, start: datetime, end: datetime) -> list[SensorFigures]:
    """Per period from the fill curves: overflow hours, sensed fill before emptying, abuse."""
    with conn.cursor(row_factory=class_row(SensorFigures)) as cur:
        cur.execute(
            f"""SELECT {_period("started_at")} AS period,
                       (sum(extract(epoch FROM coalesce(ended_at, least(now(), %(end)s))
                                               - started_at) / 3600.0)
                           FILTER (WHERE kind = 'overflow'))::float8 AS overflow_hours,
                       (avg(fill_before) FILTER (WHERE kind = 'collection'))::float8
                           AS avg_sensed_fill_before_collection,
                       count(*) FILTER (WHERE kind = 'collection') AS collections_sensed,
                       count(DISTINCT bin_id) FILTER (WHERE kind = 'abuse') AS bins_with_abuse
                FROM bin_events
                WHERE started_at >= %(start)s AND started_at < %(end)s
                GROUP BY 1""",  # noqa: S608 - only our own column names are formatted in
            {"unit": unit, "start": start, "end": end},
        )
        return cur.fetchall()


_CLEARED = """SELECT d.event_id, d.hotspot_id, d.detected_at, d.review_state,
                     (SELECT min(a.acted_at) FROM extra_stops x
                      JOIN stop_actions a
                        ON a.action = 'done'
                       AND a.stop_ref IN ('extra:' || x.id, 'fixed:' || x.fixed_visit_id)
                      WHERE x.event_id = d.event_id) AS cleared_at
              FROM dumping_events d
              WHERE d.detected_at >= %(start)s AND d.detected_at < %(end)s"""


@dataclass(frozen=True, slots=True)
class DumpingFigures:
    """One period of dumping detections and how fast they were cleared."""

    period: date
    dumping_detections: int
    dumping_confirmed: int
    median_hours_to_cleanup: float | None


def dumping_figures(
    *, conn: Conn, unit: str, start: datetime, end: datetime
) -> list[DumpingFigures]:
    """Per period: dumping detections, confirmed ones, and the median hours to cleanup."""
    with conn.cursor(row_factory=class_row(DumpingFigures)) as cur:
        cur.execute(
            f"""WITH c AS ({_CLEARED})
                SELECT {_period("detected_at")} AS period,
                       count(*) AS dumping_detections,
                       count(*) FILTER (WHERE review_state = 'confirmed') AS dumping_confirmed,
                       percentile_cont(0.5) WITHIN GROUP (
                           ORDER BY extract(epoch FROM cleared_at - detected_at) / 3600.0)
                           FILTER (WHERE cleared_at IS NOT NULL) AS median_hours_to_cleanup
                FROM c GROUP BY 1""",  # noqa: S608 - only our own column names are formatted in
            {"unit": unit, "start": start, "end": end},
        )
        return cur.fetchall()


@dataclass(frozen=True, slots=True)
class HotspotFigures:
    """Dumping at one hotspot over a range and how fast it was cleared."""

    hotspot_id: str
    hotspot_name: str | None
    district: str | None
    detections: int
    confirmed: int
    cleared: int
    median_hours_to_cleanup: float | None


def dumping_by_hotspot(*, conn: Conn, start: datetime, end: datetime) -> list[HotspotFigures]:
    """Per hotspot: detections, confirmed, cleared and the median hours to cleanup."""
    with conn.cursor(row_factory=class_row(HotspotFigures)) as cur:
        cur.execute(
            f"""WITH c AS ({_CLEARED})
                SELECT c.hotspot_id, h.name AS hotspot_name, h.district,
                       count(*) AS detections,
                       count(*) FILTER (WHERE c.review_state = 'confirmed') AS confirmed,
                       count(c.cleared_at) AS cleared,
                       percentile_cont(0.5) WITHIN GROUP (
                           ORDER BY extract(epoch FROM c.cleared_at - c.detected_at) / 3600.0)
                           FILTER (WHERE c.cleared_at IS NOT NULL) AS median_hours_to_cleanup
                FROM c LEFT JOIN hotspots h ON h.id = c.hotspot_id
                GROUP BY c.hotspot_id, h.name, h.district
                ORDER BY detections DESC, c.hotspot_id""",  # noqa: S608 - a constant subquery
            {"start": start, "end": end},
        )
        return cur.fetchall()
