"""Bins: the registry (list, search, one bin, create, change, retire, import), the map of latest
fills and a bin's readings."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime

from psycopg import sql
from psycopg.rows import class_row

from db.conn import Conn


@dataclass(frozen=True, slots=True)
class BinRecord:
    """One bin as the registry stores it (the columns of an export, in order)."""

    id: str
    name: str
    district: str
    place_type: str
    container_type: str
    category: str
    volume_l: int
    depth_mm: int
    lat: float
    lon: float
    threshold: float
    active: bool


COLUMNS = tuple(f.name for f in fields(BinRecord))
_SELECT = """SELECT b.id, b.name, b.district, b.place_type, b.container_type, b.category,
                    b.volume_l, b.depth_mm, b.lat, b.lon, round(b.threshold::numeric, 4)::float8 AS threshold, b.active,
                    b.updated_at,
                    (SELECT d.id FROM devices d
                      WHERE d.bin_id = b.id AND d.kind = 'fill_sensor' AND d.revoked_at IS NULL
                      ORDER BY d.created_at DESC LIMIT 1) AS sensor_id
             FROM bins b"""
_COLS = sql.SQL(", ").join([sql.Identifier(c) for c in COLUMNS])
_PLACEHOLDERS = sql.SQL(", ").join([sql.Placeholder(c) for c in COLUMNS])
_EXPORT = sql.SQL(", ").join(
    sql.SQL("round(threshold::numeric, 4)::float8 AS threshold")
    if c == "threshold"
    else sql.Identifier(c)
    for c in COLUMNS
)


@dataclass(frozen=True, slots=True)
class BinRow(BinRecord):
    """A bin in the registry, with the sensor on it now (if any)."""

    updated_at: datetime
    sensor_id: str | None


@dataclass(frozen=True, slots=True)
class ImportCounts:
    """What an import did: bins added and bins changed in place."""

    created: int
    updated: int


_WHERE = """ WHERE (%(p)s::text IS NULL OR b.id ILIKE %(p)s OR b.name ILIKE %(p)s
                      OR b.district ILIKE %(p)s)
               AND (%(d)s::text IS NULL OR b.district = %(d)s)
               AND (%(all)s OR b.active)"""


def _filters(text: str | None, district: str | None, include_retired: bool) -> dict[str, object]:
    pattern = None if not text else "%" + text.replace("\\", "\\\\").replace("%", "\\%") + "%"
    return {"p": pattern, "d": district, "all": include_retired}


def search(
    *,
    conn: Conn,
    text: str | None,
    district: str | None,
    include_retired: bool,
    limit: int,
    offset: int,
) -> list[BinRow]:
    """Bins whose id, name or district contains ``text``, by id."""
    with conn.cursor(row_factory=class_row(BinRow)) as cur:
        cur.execute(
            _SELECT + _WHERE + " ORDER BY b.id LIMIT %(limit)s OFFSET %(offset)s",
            {**_filters(text, district, include_retired), "limit": limit, "offset": offset},
        )
        return cur.fetchall()


def count(*, conn: Conn, text: str | None, district: str | None, include_retired: bool) -> int:
    """How many bins match the same filters as :func:`search`."""
    row = conn.execute(
        "SELECT count(*) FROM bins b" + _WHERE,  # noqa: S608 - two constant strings, values are bound
        _filters(text, district, include_retired),
    ).fetchone()
    assert row is not None
    return int(str(row[0]))


def get(*, conn: Conn, bin_id: str) -> BinRow | None:
    """One bin."""
    with conn.cursor(row_factory=class_row(BinRow)) as cur:
        cur.execute(_SELECT + " WHERE b.id = %s", (bin_id,))
        return cur.fetchone()


def districts(*, conn: Conn) -> list[str]:
    """The districts bins are in."""
    return [str(r[0]) for r in conn.execute("SELECT DISTINCT district FROM bins ORDER BY 1")]


def insert(*, conn: Conn, record: BinRecord) -> None:
    """Add a bin (raises UniqueViolation when the id exists)."""
    conn.execute(
        sql.SQL("INSERT INTO bins ({}) VALUES ({})").format(_COLS, _PLACEHOLDERS),
        {c: getattr(record, c) for c in COLUMNS},
    )


def update(*, conn: Conn, record: BinRecord) -> bool:
    """Change a bin in place; False when there is no bin with that id."""
    sets = sql.SQL(", ").join(
        sql.SQL("{} = {}").format(sql.Identifier(c), sql.Placeholder(c)) for c in COLUMNS[1:]
    )
    cur = conn.execute(
        sql.SQL("UPDATE bins SET {}, updated_at = now() WHERE id = %(id)s").format(sets),
        {c: getattr(record, c) for c in COLUMNS},
    )
    return cur.rowcount == 1


def set_active(*, conn: Conn, bin_id: str, active: bool) -> bool:
    """Retire a bin (kept for its history) or bring it back; False when unknown."""
    cur = conn.execute(
        "UPDATE bins SET active = %s, updated_at = now() WHERE id = %s", (active, bin_id)
    )
    return cur.rowcount == 1


def export_rows(*, conn: Conn) -> list[BinRecord]:
    """Every bin, retired ones too, in the columns of an import file."""
    with conn.cursor(row_factory=class_row(BinRecord)) as cur:
        cur.execute(sql.SQL("SELECT {} FROM bins ORDER BY id").format(_EXPORT))
        return cur.fetchall()


def upsert_many(*, conn: Conn, records: Sequence[BinRecord]) -> ImportCounts:
    """Add or change many bins in one statement: COPY into a scratch table, then one upsert.

    Runs in the caller's transaction, so a failure stores nothing.
    """
    conn.execute("CREATE TEMP TABLE bins_import (LIKE bins INCLUDING DEFAULTS)")
    copy = sql.SQL("COPY bins_import ({}) FROM STDIN").format(_COLS)
    with conn.cursor() as cur, cur.copy(copy) as cp:
        for r in records:
            cp.write_row([getattr(r, c) for c in COLUMNS])
    sets = sql.SQL(", ").join(
        sql.SQL("{0} = EXCLUDED.{0}").format(sql.Identifier(c)) for c in COLUMNS[1:]
    )
    upsert = sql.SQL(
        "INSERT INTO bins ({cols}) SELECT {cols} FROM bins_import"
        " ON CONFLICT (id) DO UPDATE SET {sets}, updated_at = now()"
        " RETURNING (xmax = 0) AS created"
    )
    rows = conn.execute(upsert.format(cols=_COLS, sets=sets)).fetchall()
    conn.execute("DROP TABLE bins_import")
    created = sum(1 for r in rows if r[0])
    return ImportCounts(created=created, updated=len(rows) - created)


def exists(*, conn: Conn, bin_id: str) -> bool:
    """Whether a bin with this id is registered."""
    return conn.execute("SELECT 1 FROM bins WHERE id = %s", (bin_id,)).fetchone() is not None


@dataclass(frozen=True, slots=True)
class BinFillRow:
    """An active bin with its newest reading, if any (the bins map of crews and coordinators)."""

    id: str
    name: str
    district: str
    place_type: str
    container_type: str
    category: str
    volume_l: int
    threshold: float
    lat: float
    lon: float
    reading_ts: datetime | None
    filling_level: float | None
    quality: str | None
    battery_v: float | None


def with_latest_fill(*, conn: Conn, district: str | None = None) -> list[BinFillRow]:
    """Every active bin with its newest usable reading (if any)."""
    with conn.cursor(row_factory=class_row(BinFillRow)) as cur:
        cur.execute(
            """SELECT b.id, b.name, b.district, b.place_type, b.container_type, b.category,
                      b.volume_l, b.threshold, b.lat, b.lon,
                      r.ts AS reading_ts, r.filling_level, r.quality, r.battery_v
               FROM bins b
               LEFT JOIN LATERAL (
                   SELECT ts, filling_level, quality, battery_v FROM fill_readings fr
                   WHERE fr.bin_id = b.id ORDER BY ts DESC LIMIT 1
               ) r ON true
               WHERE b.active AND (%(district)s::text IS NULL OR b.district = %(district)s)
               ORDER BY b.id""",
            {"district": district},
        )
        return cur.fetchall()


@dataclass(frozen=True, slots=True)
class Reading:
    """One stored fill reading of a bin."""

    ts: datetime
    seq: int
    device_id: str
    distance_mm: int | None
    filling_level: float | None
    temperature_c: float | None
    battery_v: float | None
    rssi_dbm: int | None
    quality: str
    status: str


def readings(
    *, conn: Conn, bin_id: str, start: datetime, end: datetime, limit: int
) -> list[Reading]:
    """A bin's readings in ``[start, end)``, oldest first."""
    with conn.cursor(row_factory=class_row(Reading)) as cur:
        cur.execute(
            """SELECT ts, seq, device_id, distance_mm, filling_level, temperature_c, battery_v,
                      rssi_dbm, quality, status
               FROM fill_readings
               WHERE bin_id = %s AND ts >= %s AND ts < %s
               ORDER BY ts LIMIT %s""",
            (bin_id, start, end, limit),
        )
        return cur.fetchall()


@dataclass(frozen=True, slots=True)
class PlacedBin:
    """A bin placed by a scenario, with the fill sensor on it (the city twin's registry)."""

    id: str
    name: str
    district: str
    place_type: str
    container_type: str
    category: str
    volume_l: int
    depth_mm: int
    lat: float
    lon: float
    device_id: str


def upsert_placed(*, conn: Conn, bins: Sequence[PlacedBin]) -> None:
    """Register each bin and its fill sensor, updating what changed."""
    with conn.cursor() as cur:
        cur.executemany(
            """INSERT INTO bins (id, name, district, place_type, container_type, category,
                   volume_l, depth_mm, lat, lon)
               VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
               ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, district = EXCLUDED.district,
                   place_type = EXCLUDED.place_type, container_type = EXCLUDED.container_type,
                   category = EXCLUDED.category, volume_l = EXCLUDED.volume_l,
                   depth_mm = EXCLUDED.depth_mm, lat = EXCLUDED.lat, lon = EXCLUDED.lon""",
            [
                (
                    b.id,
                    b.name,
                    b.district,
                    b.place_type,
                    b.container_type,
                    b.category,
                    b.volume_l,
                    b.depth_mm,
                    b.lat,
                    b.lon,
                )
                for b in bins
            ],
        )
        cur.executemany(
            """INSERT INTO devices (id, kind, bin_id) VALUES (%s, 'fill_sensor', %s)
               ON CONFLICT (id) DO UPDATE SET bin_id = EXCLUDED.bin_id, revoked_at = NULL""",
            [(b.device_id, b.id) for b in bins],
        )
