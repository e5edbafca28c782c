"""Every SQL statement of route planning: what it reads to plan a day, and how it stores a plan."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import psycopg
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

Conn = psycopg.Connection[Any]


def _rows(
    conn: Conn, query: str, params: dict[str, Any] | tuple[Any, ...] = ()
) -> list[dict[str, Any]]:
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(query.encode(), params)
        return cur.fetchall()


def active_bins(*, conn: Conn, day: date) -> list[dict[str, Any]]:
    """Active bins not excluded on ``day``, with their container's service time and density."""
    return _rows(
        conn,
        """SELECT b.id, b.name, b.district, b.place_type, b.container_type, b.volume_l,
                  b.threshold, b.lat, b.lon,
                  coalesce(cs.service_s, 90) AS service_s, coalesce(cs.kg_per_l, 0.15) AS kg_per_l
           FROM bins b LEFT JOIN container_service cs USING (container_type)
           WHERE b.active AND NOT EXISTS (
               SELECT 1 FROM bin_exclusions e
               WHERE e.bin_id = b.id AND %(day)s BETWEEN e.from_day AND e.to_day)
           ORDER BY b.id""",
        {"day": day},
    )


def readings_since(
    *, conn: Conn, since: datetime, until: datetime
) -> dict[str, list[tuple[datetime, float | None]]]:
    """Every bin's usable fill readings in ``[since, until)``, oldest first."""
    out: dict[str, list[tuple[datetime, float | None]]] = {}
    with conn.cursor() as cur:
        cur.execute(
            """SELECT bin_id, ts, filling_level FROM fill_readings
               WHERE ts >= %s AND ts < %s AND filling_level IS NOT NULL
               ORDER BY bin_id, ts""",
            (since, until),
        )
        for bin_id, ts, level in cur:
            out.setdefault(bin_id, []).append((ts, level))
    return out


def bin_windows(*, conn: Conn, weekday: int) -> dict[str, tuple[Any, Any]]:
    """Each bin's service window on this weekday (0 = Monday), if it has one."""
    rows = _rows(
        conn,
        """SELECT bin_id, opens, closes FROM bin_windows
           WHERE weekday IS NULL OR weekday = %(wd)s ORDER BY bin_id, weekday NULLS LAST""",
        {"wd": weekday},
    )
    return {r["bin_id"]: (r["opens"], r["closes"]) for r in rows}


def fixed_visits(*, conn: Conn, day: date) -> list[dict[str, Any]]:
    """The fixed visits booked for ``day``."""
    return _rows(conn, "SELECT * FROM fixed_visits WHERE day = %(day)s ORDER BY id", {"day": day})


def insert_fixed_visit(
    *,
    conn: Conn,
    day: date,
    kind: str,
    name: str,
    lat: float,
    lon: float,
    service_s: int = 600,
    volume_l: int = 0,
    weight_kg: int = 0,
    bin_id: str | None = None,
    note: str = "",
) -> int:
    """Book a fixed visit (a dump to clear, a report, an event) and return its id."""
    row = conn.execute(
        """INSERT INTO fixed_visits (day, kind, name, bin_id, lat, lon, service_s, volume_l,
                                     weight_kg, note)
           VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING id""",
        (day, kind, name, bin_id, lat, lon, service_s, volume_l, weight_kg, note),
    ).fetchone()
    assert row is not None
    return int(row[0])


def fleet(*, conn: Conn) -> list[dict[str, Any]]:
    """Active vehicles with their depot's position."""
    return _rows(
        conn,
        """SELECT v.*, d.lat AS depot_lat, d.lon AS depot_lon
           FROM vehicles v JOIN depots d ON d.id = v.depot_id
           WHERE v.active ORDER BY v.id""",
    )


def disposal_sites(*, conn: Conn) -> list[dict[str, Any]]:
    """Active disposal and transfer sites."""
    return _rows(conn, "SELECT * FROM disposal_sites WHERE active ORDER BY id")


def crew_assignments(*, conn: Conn, day: date) -> dict[str, str]:
    """Which crew drives which vehicle on ``day``."""
    rows = _rows(
        conn, "SELECT vehicle_id, crew_id FROM crew_assignments WHERE day = %(d)s", {"d": day}
    )
    return {r["vehicle_id"]: r["crew_id"] for r in rows}


def insert_plan(
    *,
    conn: Conn,
    day: date,
    objective: int,
    distance_m: int,
    solve_s: float,
    summary: dict[str, Any],
    routes: list[dict[str, Any]],
    stops: list[dict[str, Any]],
    unplanned: list[dict[str, Any]],
    replan_of: int | None = None,
) -> int:
    """Store a plan as the day's active one (superseding the previous) in one transaction."""
    with conn.transaction():
        conn.execute(
            "UPDATE plans SET state = 'superseded' WHERE day = %s AND state = 'active'", (day,)
        )
        row = conn.execute(
            """INSERT INTO plans (day, replan_of, objective, distance_m, solve_s, summary)
               VALUES (%s, %s, %s, %s, %s, %s) RETURNING id""",
            (day, replan_of, objective, distance_m, solve_s, Jsonb(summary)),
        ).fetchone()
        assert row is not None
        plan_id = int(row[0])
        with conn.cursor() as cur:
            cur.executemany(
                """INSERT INTO plan_routes (plan_id, vehicle_id, crew_id, start_at, end_at,
                                            distance_m, break_start, break_end)
                   VALUES (%(plan_id)s, %(vehicle_id)s, %(crew_id)s, %(start_at)s, %(end_at)s,
                           %(distance_m)s, %(break_start)s, %(break_end)s)""",
                [{**r, "plan_id": plan_id} for r in routes],
            )
            cur.executemany(
                """INSERT INTO plan_stops (plan_id, vehicle_id, seq, kind, ref, name, lat, lon,
                                           arrival_at, start_at, end_at, load_l, load_kg,
                                           predicted_fill, penalty, state, done_at)
                   VALUES (%(plan_id)s, %(vehicle_id)s, %(seq)s, %(kind)s, %(ref)s, %(name)s,
                           %(lat)s, %(lon)s, %(arrival_at)s, %(start_at)s, %(end_at)s,
                           %(load_l)s, %(load_kg)s, %(predicted_fill)s, %(penalty)s, %(state)s, %(done_at)s)""",
                [{**s, "plan_id": plan_id} for s in stops],
            )
            cur.executemany(
                """INSERT INTO plan_unplanned (plan_id, ref, name, must_visit, penalty, lat, lon,
                                               reason, reason_code)
                   VALUES (%(plan_id)s, %(ref)s, %(name)s, %(must_visit)s, %(penalty)s, %(lat)s,
                           %(lon)s, %(reason)s, %(reason_code)s)""",
                [{**u, "plan_id": plan_id} for u in unplanned],
            )
    return plan_id


def plan_header(*, conn: Conn, plan_id: int) -> dict[str, Any] | None:
    """One plan's row."""
    rows = _rows(conn, "SELECT * FROM plans WHERE id = %(id)s", {"id": plan_id})
    return rows[0] if rows else None


def plan_stops(*, conn: Conn, plan_id: int) -> list[dict[str, Any]]:
    """A plan's stops in route order."""
    return _rows(
        conn,
        "SELECT * FROM plan_stops WHERE plan_id = %(id)s ORDER BY vehicle_id, seq",
        {"id": plan_id},
    )


def plan_routes(*, conn: Conn, plan_id: int) -> list[dict[str, Any]]:
    """A plan's routes."""
    return _rows(
        conn,
        "SELECT * FROM plan_routes WHERE plan_id = %(id)s ORDER BY vehicle_id",
        {"id": plan_id},
    )


def plan_unplanned(*, conn: Conn, plan_id: int) -> list[dict[str, Any]]:
    """A plan's unplanned stops and why."""
    return _rows(
        conn, "SELECT * FROM plan_unplanned WHERE plan_id = %(id)s ORDER BY ref", {"id": plan_id}
    )


def mark_stop(*, conn: Conn, plan_id: int, ref: str, state: str, at: datetime | None) -> int:
    """Record a stop as done, blocked or skipped; returns the rows changed."""
    cur = conn.execute(
        "UPDATE plan_stops SET state = %s, done_at = %s WHERE plan_id = %s AND ref = %s",
        (state, at, plan_id, ref),
    )
    return cur.rowcount
