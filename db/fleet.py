"""Every SQL statement on the fleet registry: depots, vehicles, disposal sites, crews and shifts.

Writes take a whole record (the route checked it) and return False when the id is unknown.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields
from datetime import time
from typing import TypeVar

from psycopg import sql
from psycopg.rows import class_row

from db.conn import Conn


@dataclass(frozen=True, slots=True)
class DepotRow:
    """Where vehicles start and end the day."""

    id: str
    name: str
    lat: float
    lon: float
    active: bool


@dataclass(frozen=True, slots=True)
class VehicleRow:
    """A truck or van, its capacities, its depot and its working day."""

    id: str
    name: str
    vehicle_type: str
    depot_id: str
    capacity_l: int
    capacity_kg: int
    shift_start: time
    shift_end: time
    break_minutes: int
    active: bool


@dataclass(frozen=True, slots=True)
class DisposalSiteRow:
    """Where a full truck unloads, and when it is open."""

    id: str
    name: str
    lat: float
    lon: float
    unload_s: int
    opens: time
    closes: time
    open_days: list[int]
    active: bool


@dataclass(frozen=True, slots=True)
class CrewRow:
    """A crew and its depot."""

    id: str
    name: str
    depot_id: str | None
    active: bool


@dataclass(frozen=True, slots=True)
class ShiftRow:
    """When a crew works: days (0 = Monday), hours and break."""

    id: int
    crew_id: str
    weekdays: list[int]
    starts: time
    ends: time
    break_start: time | None
    break_minutes: int


Row = DepotRow | VehicleRow | DisposalSiteRow | CrewRow
_TABLES: dict[type, str] = {
    DepotRow: "depots",
    VehicleRow: "vehicles",
    DisposalSiteRow: "disposal_sites",
    CrewRow: "crews",
}


R = TypeVar("R", bound=DepotRow | VehicleRow | DisposalSiteRow | CrewRow)


def _columns(kind: type) -> list[str]:
    return [f.name for f in fields(kind)]


def list_rows(*, conn: Conn, kind: type[R]) -> list[R]:
    """Every row of one kind, by id."""
    query = sql.SQL("SELECT {} FROM {} ORDER BY id").format(
        sql.SQL(", ").join([sql.Identifier(c) for c in _columns(kind)]),
        sql.Identifier(_TABLES[kind]),
    )
    with conn.cursor(row_factory=class_row(kind)) as cur:
        cur.execute(query)
        return cur.fetchall()


def get_row(*, conn: Conn, kind: type[R], row_id: str) -> R | None:
    """One row of one kind."""
    query = sql.SQL("SELECT {} FROM {} WHERE id = %s").format(
        sql.SQL(", ").join([sql.Identifier(c) for c in _columns(kind)]),
        sql.Identifier(_TABLES[kind]),
    )
    with conn.cursor(row_factory=class_row(kind)) as cur:
        cur.execute(query, (row_id,))
        return cur.fetchone()


def insert_row(*, conn: Conn, row: Row) -> None:
    """Add a row (raises UniqueViolation when the id exists, ForeignKeyViolation on a bad depot)."""
    values = asdict(row)
    query = sql.SQL("INSERT INTO {} ({}) VALUES ({})").format(
        sql.Identifier(_TABLES[type(row)]),
        sql.SQL(", ").join([sql.Identifier(c) for c in values]),
        sql.SQL(", ").join([sql.Placeholder(c) for c in values]),
    )
    conn.execute(query, values)


def update_row(*, conn: Conn, row: Row) -> bool:
    """Change a row in place; False when the id is unknown."""
    values = asdict(row)
    query = sql.SQL("UPDATE {} SET {} WHERE id = %(id)s").format(
        sql.Identifier(_TABLES[type(row)]),
        sql.SQL(", ").join(
            sql.SQL("{} = {}").format(sql.Identifier(k), sql.Placeholder(k))
            for k in values
            if k != "id"
        ),
    )
    return conn.execute(query, values).rowcount == 1


def shifts(*, conn: Conn, crew_id: str | None) -> list[ShiftRow]:
    """Shifts, of one crew or of all."""
    with conn.cursor(row_factory=class_row(ShiftRow)) as cur:
        cur.execute(
            """SELECT id, crew_id, weekdays::int[] AS weekdays, starts, ends, break_start,
                      break_minutes
               FROM crew_shifts WHERE %(c)s::text IS NULL OR crew_id = %(c)s
               ORDER BY crew_id, id""",
            {"c": crew_id},
        )
        return cur.fetchall()


def insert_shift(
    *,
    conn: Conn,
    crew_id: str,
    weekdays: list[int],
    starts: time,
    ends: time,
    break_start: time | None,
    break_minutes: int,
) -> int:
    """Add a shift to a crew; returns its id."""
    row = conn.execute(
        """INSERT INTO crew_shifts (crew_id, weekdays, starts, ends, break_start, break_minutes)
           VALUES (%s, %s::smallint[], %s, %s, %s, %s) RETURNING id""",
        (crew_id, weekdays, starts, ends, break_start, break_minutes),
    ).fetchone()
    assert row is not None
    return int(str(row[0]))


def delete_shift(*, conn: Conn, shift_id: int) -> str | None:
    """Remove a shift; returns its crew, or None when unknown."""
    row = conn.execute(
        "DELETE FROM crew_shifts WHERE id = %s RETURNING crew_id", (shift_id,)
    ).fetchone()
    return None if row is None else str(row[0])


def upsert_rows(*, conn: Conn, rows: Sequence[Row]) -> int:
    """Add or change rows of one kind by id in one batch; returns how many were new."""
    kind = type(rows[0])
    table = sql.Identifier(_TABLES[kind])
    ids = [r.id for r in rows]
    before = conn.execute(
        sql.SQL("SELECT count(*) FROM {} WHERE id = ANY(%s)").format(table), (ids,)
    ).fetchone()
    assert before is not None
    names = _columns(kind)
    query = sql.SQL("INSERT INTO {} ({}) VALUES ({}) ON CONFLICT (id) DO UPDATE SET {}").format(
        table,
        sql.SQL(", ").join([sql.Identifier(c) for c in names]),
        sql.SQL(", ").join([sql.Placeholder(c) for c in names]),
        sql.SQL(", ").join(
            sql.SQL("{0} = EXCLUDED.{0}").format(sql.Identifier(c)) for c in names if c != "id"
        ),
    )
    with conn.cursor() as cur:
        cur.executemany(query, [asdict(r) for r in rows])
    return len(rows) - int(str(before[0]))
