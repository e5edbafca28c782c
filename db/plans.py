"""Plans: what route planning reads to plan a day, the stored plans (header, routes, stops, what
was left out) and the fixed visits booked for a day."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from psycopg.rows import class_row
from psycopg.types.json import Jsonb

from db.conn import Conn


@dataclass(frozen=True, slots=True)
class PlanBin:
    """An active bin as the planner sees it, with its container's service time and density."""

    id: str
    name: str
    district: str
    place_type: str
    container_type: str
    volume_l: int
    threshold: float
    lat: float
    lon: float
    service_s: int
    kg_per_l: float


@dataclass(frozen=True, slots=True)
class PlanVehicle:
    """An active vehicle with its depot's position."""

    id: str
    name: str
    depot_id: str
    capacity_l: int
    capacity_kg: int
    cost_per_km: Decimal
    cost_per_hour: Decimal
    fixed_cost: Decimal
    shift_start: time
    shift_end: time
    break_earliest: time | None
    break_latest: time | None
    break_minutes: int
    vehicle_type: str
    depot_lat: float
    depot_lon: float


@dataclass(frozen=True, slots=True)
class DisposalSite:
    """An active disposal or transfer site."""

    id: str
    name: str
    lat: float
    lon: float
    unload_s: int
    opens: time
    closes: time
    open_days: list[int]  # 0 = Monday ... 6 = Sunday


@dataclass(frozen=True, slots=True)
class FixedVisit:
    """A visit booked for a day: a dump to clear, a report, an event."""

    id: int
    day: date
    kind: str
    name: str
    bin_id: str | None
    lat: float
    lon: float
    service_s: int
    volume_l: int
    weight_kg: int
    opens: time | None
    closes: time | None
    note: str
    created_at: datetime
    prize_eur: float | None = None  # an optional visit (a hotspot check): its prize; None: must


@dataclass(frozen=True, slots=True)
class PlanHeader:
    """One stored plan's row."""

    id: int
    day: date
    created_at: datetime
    state: str  # 'active', 'superseded' or 'unchecked' (stored before plans were checked)
    replan_of: int | None
    objective: int
    distance_m: int
    solve_s: float
    summary: dict[str, Any]


@dataclass(frozen=True, slots=True)
class PlanRoute:
    """One vehicle's route in a plan."""

    vehicle_id: str
    crew_id: str | None
    start_at: datetime
    end_at: datetime
    distance_m: int
    break_start: datetime | None
    break_end: datetime | None
    vehicle_name: str = ""  # read with the route; not stored with it


@dataclass(frozen=True, slots=True)
class PlanStop:
    """One call on a route: a bin, a fixed visit or an unload."""

    vehicle_id: str
    seq: int
    kind: str
    ref: str
    name: str
    lat: float
    lon: float
    arrival_at: datetime
    start_at: datetime
    end_at: datetime
    load_l: int
    load_kg: int
    predicted_fill: float | None
    penalty: int | None
    state: str
    done_at: datetime | None


@dataclass(frozen=True, slots=True)
class PlanUnplanned:
    """A stop the plan leaves out, and why."""

    ref: str
    name: str
    must_visit: bool
    penalty: int | None
    lat: float | None
    lon: float | None
    reason: str
    reason_code: str


def active_bins(*, conn: Conn, day: date) -> list[PlanBin]:
    """Active bins not excluded on ``day``, with their container's service time and density."""
    with conn.cursor(row_factory=class_row(PlanBin)) as cur:
        cur.execute(
            """SELECT b.id, b.name, b.district, b.place_type, b.container_type, b.volume_l,
                      b.threshold, b.lat, b.lon,
                      coalesce(cs.service_s, 90) AS service_s,
                      coalesce(cs.kg_per_l, 0.15) AS kg_per_l
               FROM bins b LEFT JOIN container_service cs USING (container_type)
               WHERE b.active AND NOT EXISTS (
                   SELECT 1 FROM bin_exclusions e
                   WHERE e.bin_id = b.id AND %(day)s BETWEEN e.from_day AND e.to_day)
               ORDER BY b.id""",
            {"day": day},
        )
        return cur.fetchall()


def bin_windows(*, conn: Conn, weekday: int) -> dict[str, tuple[time, time]]:
    """Each bin's service window on this weekday (0 = Monday), if it has one."""
    rows = conn.execute(
        """SELECT bin_id, opens, closes FROM bin_windows
           WHERE weekday IS NULL OR weekday = %(wd)s ORDER BY bin_id, weekday NULLS LAST""",
        {"wd": weekday},
    ).fetchall()
    return {str(r[0]): (_time(r[1]), _time(r[2])) for r in rows}


def _time(value: object) -> time:
    assert isinstance(value, time)
    return value


def fleet(*, conn: Conn) -> list[PlanVehicle]:
    """Active vehicles with their depot's position."""
    with conn.cursor(row_factory=class_row(PlanVehicle)) as cur:
        cur.execute(
            """SELECT v.id, v.name, v.depot_id, v.capacity_l, v.capacity_kg, v.cost_per_km,
                      v.cost_per_hour, v.fixed_cost, v.shift_start, v.shift_end,
                      v.break_earliest, v.break_latest, v.break_minutes, v.vehicle_type,
                      d.lat AS depot_lat, d.lon AS depot_lon
               FROM vehicles v JOIN depots d ON d.id = v.depot_id
               WHERE v.active ORDER BY v.id"""
        )
        return cur.fetchall()


def disposal_sites(*, conn: Conn) -> list[DisposalSite]:
    """Active disposal and transfer sites."""
    with conn.cursor(row_factory=class_row(DisposalSite)) as cur:
        cur.execute(
            """SELECT id, name, lat, lon, unload_s, opens, closes, open_days FROM disposal_sites
               WHERE active ORDER BY id"""
        )
        return cur.fetchall()


def crew_assignments(*, conn: Conn, day: date) -> dict[str, str]:
    """Which crew drives which vehicle on ``day``."""
    rows = conn.execute(
        "SELECT vehicle_id, crew_id FROM crew_assignments WHERE day = %s", (day,)
    ).fetchall()
    return {str(r[0]): str(r[1]) for r in rows}


def fixed_visits(*, conn: Conn, day: date) -> list[FixedVisit]:
    """The fixed visits booked for ``day``."""
    with conn.cursor(row_factory=class_row(FixedVisit)) as cur:
        cur.execute(
            """SELECT id, day, kind, name, bin_id, lat, lon, service_s, volume_l, weight_kg,
                      opens, closes, note, created_at, prize_eur
               FROM fixed_visits WHERE day = %s ORDER BY id""",
            (day,),
        )
        return cur.fetchall()


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
    prize_eur: float | None = None,
) -> int:
    """Book a fixed visit (a dump to clear, a report, an event, a hotspot check) and return its
    id; with ``prize_eur`` the plan may leave it out at that cost, else it must be served."""
    row = conn.execute(
        """INSERT INTO fixed_visits (day, kind, name, bin_id, lat, lon, service_s, volume_l,
                                     weight_kg, note, prize_eur)
           VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING id""",
        (day, kind, name, bin_id, lat, lon, service_s, volume_l, weight_kg, note, prize_eur),
    ).fetchone()
    assert row is not None
    return int(str(row[0]))


def insert_plan(
    *,
    conn: Conn,
    day: date,
    objective: int,
    distance_m: int,
    solve_s: float,
    summary: dict[str, Any],
    routes: Sequence[PlanRoute],
    stops: Sequence[PlanStop],
    unplanned: Sequence[PlanUnplanned],
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
        plan_id = int(str(row[0]))
        with conn.cursor() as cur:
            cur.executemany(
                """INSERT INTO plan_routes (plan_id, vehicle_id, crew_id, start_at, end_at,
                                            distance_m, break_start, break_end)
                   VALUES (%s, %s, %s, %s, %s, %s, %s, %s)""",
                [
                    (plan_id, r.vehicle_id, r.crew_id, r.start_at, r.end_at, r.distance_m,
                     r.break_start, r.break_end)
                    for r in routes
                ],
            )  # fmt: skip
            cur.executemany(
                """INSERT INTO plan_stops (plan_id, vehicle_id, seq, kind, ref, name, lat, lon,
                                           arrival_at, start_at, end_at, load_l, load_kg,
                                           predicted_fill, penalty, state, done_at)
                   VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)""",
                [
                    (plan_id, s.vehicle_id, s.seq, s.kind, s.ref, s.name, s.lat, s.lon,
                     s.arrival_at, s.start_at, s.end_at, s.load_l, s.load_kg, s.predicted_fill,
                     s.penalty, s.state, s.done_at)
                    for s in stops
                ],
            )  # fmt: skip
            cur.executemany(
                """INSERT INTO plan_unplanned (plan_id, ref, name, must_visit, penalty, lat, lon,
                                               reason, reason_code)
                   VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)""",
                [
                    (plan_id, u.ref, u.name, u.must_visit, u.penalty, u.lat, u.lon, u.reason,
                     u.reason_code)
                    for u in unplanned
                ],
            )  # fmt: skip
    return plan_id


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


def plan(*, conn: Conn, plan_id: int) -> PlanHeader | None:
    """One plan's header."""
    with conn.cursor(row_factory=class_row(PlanHeader)) as cur:
        cur.execute(
            """SELECT id, day, created_at, state, replan_of, objective, distance_m, solve_s,
                      summary
               FROM plans WHERE id = %s""",
            (plan_id,),
        )
        return cur.fetchone()


def routes(*, conn: Conn, plan_id: int, vehicle_id: str | None = None) -> list[PlanRoute]:
    """A plan's routes (or one vehicle's), with the vehicle's name."""
    with conn.cursor(row_factory=class_row(PlanRoute)) as cur:
        cur.execute(
            """SELECT r.vehicle_id, r.crew_id, r.start_at, r.end_at, r.distance_m,
                      r.break_start, r.break_end, v.name AS vehicle_name
               FROM plan_routes r JOIN vehicles v ON v.id = r.vehicle_id
               WHERE r.plan_id = %(id)s AND (%(veh)s::text IS NULL OR r.vehicle_id = %(veh)s)
               ORDER BY r.vehicle_id""",
            {"id": plan_id, "veh": vehicle_id},
        )
        return cur.fetchall()


def stops(*, conn: Conn, plan_id: int, vehicle_id: str | None = None) -> list[PlanStop]:
    """A plan's stops in route order (or one vehicle's)."""
    with conn.cursor(row_factory=class_row(PlanStop)) as cur:
        cur.execute(
            """SELECT vehicle_id, seq, kind, ref, name, lat, lon, arrival_at, start_at, end_at,
                      load_l, load_kg, predicted_fill, penalty, state, done_at
               FROM plan_stops
               WHERE plan_id = %(id)s AND (%(veh)s::text IS NULL OR vehicle_id = %(veh)s)
               ORDER BY vehicle_id, seq""",
            {"id": plan_id, "veh": vehicle_id},
        )
        return cur.fetchall()


def unplanned(*, conn: Conn, plan_id: int) -> list[PlanUnplanned]:
    """What the plan leaves out and why, what must be visited first."""
    with conn.cursor(row_factory=class_row(PlanUnplanned)) as cur:
        cur.execute(
            """SELECT ref, name, must_visit, penalty, lat, lon, reason, reason_code
               FROM plan_unplanned WHERE plan_id = %s ORDER BY must_visit DESC, ref""",
            (plan_id,),
        )
        return cur.fetchall()


def vehicle_of_crew(*, conn: Conn, plan_id: int, crew_id: str) -> str | None:
    """Which vehicle a crew drives in a plan."""
    row = conn.execute(
        "SELECT vehicle_id FROM plan_routes WHERE plan_id = %s AND crew_id = %s",
        (plan_id, crew_id),
    ).fetchone()
    return str(row[0]) if row else None


def mark_stop(*, conn: Conn, plan_id: int, ref: str, state: str, at: datetime | None) -> int:
    """Record a stop as done, blocked or skipped; returns the rows changed."""
    cur = conn.execute(
        "UPDATE plan_stops SET state = %s, done_at = %s WHERE plan_id = %s AND ref = %s",
        (state, at, plan_id, ref),
    )
    return cur.rowcount
