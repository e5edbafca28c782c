"""Every SQL statement of the coordinators' figures, exports and thresholds.

Periods are Europe/Brussels weeks (Monday) or months. A crew's "fill seen" counts as empty 0,
half 0.5, full 1.0, overflowing 1.25 (more than the bin holds) for litres and average fill.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import psycopg
from psycopg.rows import dict_row

Conn = psycopg.Connection[tuple[object, ...]]
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


def crew_figures(*, conn: Conn, unit: str, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """Per period, one row per stop visit: collections, skips, litres (and how), dumps cleared."""
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(
            f"""WITH v AS ({_VISITS})
                SELECT {_period("v.acted_at")} AS period,
                       count(*) FILTER (WHERE v.action = 'done' AND v.bin_id IS NOT NULL)
                           AS collections_done,
                       count(*) FILTER (WHERE v.action = 'skipped') AS stops_skipped,
                       sum(v.bin_volume_l * coalesce(v.sensed_fill, v.tap_fill))
                           FILTER (WHERE v.litres_method IS NOT NULL) AS litter_volume_l,
                       sum(v.bin_volume_l * v.sensed_fill)
                           FILTER (WHERE v.litres_method = 'sensor') AS litres_sensor_l,
                       sum(v.bin_volume_l * v.tap_fill)
                           FILTER (WHERE v.litres_method = 'estimate') AS litres_estimate_l,
                       count(*) FILTER (WHERE v.litres_method = 'sensor')
                           AS collections_litres_sensor,
                       avg(v.tap_fill) FILTER (WHERE v.action = 'done' AND v.bin_id IS NOT NULL)
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


def planned_figures(
    *, conn: Conn, unit: str, start: datetime, end: datetime
) -> list[dict[str, Any]]:
    """Per period: stops put on the sheets outside the planner."""
    with conn.cursor(row_factory=dict_row) as cur:
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


def sensor_figures(
    *, conn: Conn, unit: str, start: datetime, end: datetime
) -> list[dict[str, Any]]:
    """Per period from the fill curves: overflow hours, sensed fill before emptying, abuse."""
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(
            f"""SELECT {_period("started_at")} AS period,
                       sum(extract(epoch FROM coalesce(ended_at, least(now(), %(end)s))
                                              - started_at) / 3600.0)
                           FILTER (WHERE kind = 'overflow') AS overflow_hours,
                       avg(fill_before) FILTER (WHERE kind = 'collection')
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


def dumping_figures(
    *, conn: Conn, unit: str, start: datetime, end: datetime
) -> list[dict[str, Any]]:
    """Per period: dumping detections, confirmed ones, and the median hours to cleanup."""
    with conn.cursor(row_factory=dict_row) as cur:
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


def dumping_by_hotspot(*, conn: Conn, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """Per hotspot: detections, confirmed, cleared and the median hours to cleanup."""
    with conn.cursor(row_factory=dict_row) as cur:
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


def waste_containers(*, conn: Conn) -> list[dict[str, Any]]:
    """Every active bin with its newest reading, last emptying and open alarms (for NGSI-LD)."""
    with conn.cursor(row_factory=dict_row) as cur:
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


def thresholds(*, conn: Conn) -> list[dict[str, Any]]:
    """Per container type: the set threshold (if any), the bins' default and how many bins."""
    with conn.cursor(row_factory=dict_row) as cur:
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


def bins_map(*, conn: Conn, day: Any) -> list[dict[str, Any]]:
    """Every active bin: newest fill, the fill today's plan predicts, open alarms, threshold."""
    with conn.cursor(row_factory=dict_row) as cur:
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
                   FROM plans p JOIN plan_stops s ON s.plan_id = p.id AND s.kind = 'bin'
                   WHERE p.day = %s AND p.state = 'active'
                   ORDER BY s.ref, p.id DESC
               ) ps ON ps.ref = b.id
               LEFT JOIN (
                   SELECT al.bin_id, array_agg(DISTINCT al.kind) AS kinds FROM alerts al
                   WHERE al.cleared_at IS NULL AND al.bin_id IS NOT NULL GROUP BY al.bin_id
               ) oa ON oa.bin_id = b.id
               WHERE b.active ORDER BY b.id""",
            (day,),
        )
        return cur.fetchall()


def replan_events(*, conn: Conn, day: Any) -> list[dict[str, Any]]:
    """What crews reported on a day, as re-planning events: stops done or blocked, bins overflowing."""
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(
            """SELECT DISTINCT ON (stop_ref) stop_ref, action, fill_seen, skip_reason, acted_at
               FROM stop_actions WHERE service_date = %s
               ORDER BY stop_ref, acted_at DESC""",
            (day,),
        )
        rows = cur.fetchall()
    events: list[dict[str, Any]] = []
    for r in rows:
        ref = str(r["stop_ref"]).removeprefix("bin:")
        if r["action"] == "done":
            events.append({"type": "done", "ref": ref, "at": r["acted_at"]})
        elif r["skip_reason"] in {"blocked", "not_reachable"}:
            events.append({"type": "blocked", "ref": ref})
    return events
