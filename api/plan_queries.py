"""Every SQL statement of the plan views: a day's plan, one vehicle's or crew's route."""

from __future__ import annotations

from datetime import date
from typing import Any

import psycopg
from psycopg.rows import dict_row

Conn = psycopg.Connection[tuple[object, ...]]


def _all(conn: Conn, query: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(query.encode(), params)
        return cur.fetchall()


def active_plan_id(*, conn: Conn, day: date) -> int | None:
    """The id of the day's active plan, if the day is planned."""
    row = conn.execute(
        "SELECT id FROM plans WHERE day = %s AND state = 'active'", (day,)
    ).fetchone()
    return int(str(row[0])) if row else None


def unchecked_plan_id(*, conn: Conn, day: date) -> int | None:
    """The id of the day's latest plan stored before plans were checked (migration 0085)."""
    row = conn.execute(
        """SELECT id FROM plans WHERE day = %s AND state = 'unchecked'
           ORDER BY created_at DESC, id DESC LIMIT 1""",
        (day,),
    ).fetchone()
    return int(str(row[0])) if row else None


def plan(*, conn: Conn, plan_id: int) -> dict[str, Any] | None:
    """One plan's header."""
    rows = _all(
        conn,
        """SELECT id, day, created_at, state, replan_of, objective, distance_m, solve_s, summary
           FROM plans WHERE id = %(id)s""",
        {"id": plan_id},
    )
    return rows[0] if rows else None


def routes(*, conn: Conn, plan_id: int, vehicle_id: str | None = None) -> list[dict[str, Any]]:
    """A plan's routes (or one vehicle's), with the vehicle's name."""
    return _all(
        conn,
        """SELECT r.vehicle_id, v.name AS vehicle_name, r.crew_id, r.start_at, r.end_at,
                  r.distance_m, r.break_start, r.break_end
           FROM plan_routes r JOIN vehicles v ON v.id = r.vehicle_id
           WHERE r.plan_id = %(id)s AND (%(veh)s::text IS NULL OR r.vehicle_id = %(veh)s)
           ORDER BY r.vehicle_id""",
        {"id": plan_id, "veh": vehicle_id},
    )


def stops(*, conn: Conn, plan_id: int, vehicle_id: str | None = None) -> list[dict[str, Any]]:
    """A plan's stops in route order (or one vehicle's)."""
    return _all(
        conn,
        """SELECT vehicle_id, seq, kind, ref, name, lat, lon, arrival_at, start_at, end_at,
                  load_l, load_kg, predicted_fill, state, done_at
           FROM plan_stops
           WHERE plan_id = %(id)s AND (%(veh)s::text IS NULL OR vehicle_id = %(veh)s)
           ORDER BY vehicle_id, seq""",
        {"id": plan_id, "veh": vehicle_id},
    )


def unplanned(*, conn: Conn, plan_id: int) -> list[dict[str, Any]]:
    """What the plan leaves out and why."""
    return _all(
        conn,
        """SELECT ref, name, must_visit, reason, reason_code FROM plan_unplanned
           WHERE plan_id = %(id)s ORDER BY must_visit DESC, ref""",
        {"id": plan_id},
    )


def vehicle_of_crew(*, conn: Conn, plan_id: int, crew_id: str) -> str | None:
    """Which vehicle a crew drives in a plan."""
    row = conn.execute(
        "SELECT vehicle_id FROM plan_routes WHERE plan_id = %s AND crew_id = %s",
        (plan_id, crew_id),
    ).fetchone()
    return str(row[0]) if row else None
