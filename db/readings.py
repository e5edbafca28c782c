"""Fill readings: the ingest's idempotent batch write (with the plain-PostgreSQL summaries) and
what route planning and the LoRaWAN path read back.

Set-based throughout: one statement per kind of write per batch (arrays through ``unnest`` or a
COPY into a temporary table), whatever the number of devices in the batch. Arrays travel in
binary (``%b``): the text form quotes every element in Python, a third of a batch's dump time.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from typing import NamedTuple, cast

from contracts import FillReading
from db.conn import Conn

ReadingKey = tuple[str, datetime, int]  # (device_id, ts, seq): the idempotency key


class WriteMethod(StrEnum):
    """How readings travel to the server (``bench/ingest/write_methods.py`` compares them)."""

    COPY = "copy"  # COPY into a temporary table, then one INSERT ... SELECT
    VALUES = "values"  # multi-row INSERT ... VALUES, one statement per chunk
    EXECUTEMANY = "executemany"  # one parameter set per row, pipelined by psycopg


class ReadingRow(NamedTuple):
    """A validated reading bound to the bin its device sits on: one row of ``fill_readings`` in
    its column order, so a COPY writes it as it is (no per-reading object to build twice)."""

    device_id: str
    bin_id: str
    ts: datetime
    seq: int
    distance_mm: int | None
    filling_level: float | None
    temperature_c: float | None
    battery_v: float | None
    rssi_dbm: int | None
    quality: str
    status: str

    @classmethod
    def of(cls, device_id: str, bin_id: str, x: FillReading) -> ReadingRow:
        """The row of one contract reading."""
        return cls(
            device_id, bin_id, x.ts, x.seq, x.distance_mm, x.filling_level, x.temperature_c,
            x.battery_v, x.rssi_dbm, x.quality, x.status,
        )  # fmt: skip

    @property
    def key(self) -> ReadingKey:
        """The idempotency key of this reading."""
        return (self.device_id, self.ts, self.seq)


_COLUMNS = (
    "device_id, bin_id, ts, seq, distance_mm, filling_level, temperature_c, battery_v, "
    "rssi_dbm, quality, status"
)
_STAGE = "ingest_incoming"
_COPY_TYPES = [
    "text", "text", "timestamptz", "int8", "int4", "float4", "float4", "float4", "int2", "text",
    "text",
]  # fmt: skip

# Service-maintained summaries (plain PostgreSQL only; TimescaleDB keeps continuous aggregates).
# The batch is aggregated once per bin and UTC hour; the days are summed from those hours (a
# Brussels day is made of whole UTC hours), so the time-zone arithmetic runs per hour, not per row.
_SUMMARY_COLUMNS = (
    "bin_id, bucket, readings, fill_n, fill_sum, fill_min, fill_max, temperature_max, battery_min"
)
_HOURS = """hours AS (
    SELECT bin_id, date_trunc('hour', ts) AS bucket, count(*) AS readings,
           count(filling_level) AS fill_n, sum(filling_level) AS fill_sum,
           min(filling_level) AS fill_min, max(filling_level) AS fill_max,
           max(temperature_c) AS temperature_max, min(battery_v) AS battery_min
    FROM new GROUP BY 1, 2)"""
_DAYS_SOURCE = """SELECT bin_id,
       date_trunc('day', bucket AT TIME ZONE 'Europe/Brussels') AT TIME ZONE 'Europe/Brussels',
       sum(readings), sum(fill_n), sum(fill_sum), min(fill_min), max(fill_max),
       max(temperature_max), min(battery_min)
FROM hours GROUP BY 1, 2"""
_SUMMARY_UPSERT = """{name} AS (
    INSERT INTO {table} ({columns})
    SELECT * FROM ({source}) s ORDER BY 1, 2
    ON CONFLICT (bin_id, bucket) DO UPDATE SET
        readings = {table}.readings + EXCLUDED.readings,
        fill_n = {table}.fill_n + EXCLUDED.fill_n,
        fill_sum = COALESCE({table}.fill_sum + EXCLUDED.fill_sum, {table}.fill_sum,
                            EXCLUDED.fill_sum),
        fill_min = LEAST({table}.fill_min, EXCLUDED.fill_min),
        fill_max = GREATEST({table}.fill_max, EXCLUDED.fill_max),
        temperature_max = GREATEST({table}.temperature_max, EXCLUDED.temperature_max),
        battery_min = LEAST({table}.battery_min, EXCLUDED.battery_min)
)"""
_HOURLY = _SUMMARY_UPSERT.format(
    name="hourly", table="fill_hourly", columns=_SUMMARY_COLUMNS, source="SELECT * FROM hours"
)
_DAILY = _SUMMARY_UPSERT.format(
    name="daily", table="fill_daily", columns=_SUMMARY_COLUMNS, source=_DAYS_SOURCE
)


def _insert_new(source: str, *, summaries: bool, keys: bool) -> str:
    """INSERT ... ON CONFLICT DO NOTHING from ``source``, returning the keys of the new rows
    (``keys``) or only how many there are."""
    returning = "device_id, bin_id, ts, seq, filling_level, temperature_c, battery_v"
    insert = (
        f"INSERT INTO fill_readings ({_COLUMNS}) {source} "
        f"ON CONFLICT (device_id, ts, seq) DO NOTHING RETURNING {returning}"
    )
    result = "SELECT device_id, ts, seq FROM new" if keys else "SELECT count(*) FROM new"
    if not summaries:
        return f"WITH new AS ({insert}) {result}"
    return f"WITH new AS ({insert}), {_HOURS}, {_HOURLY}, {_DAILY} {result}"


# The keys of the staged rows that were inserted just now: needed only when some were there
# already (a redelivery), to tell which. A row's xmin is the (sub)transaction that wrote it, the
# same for a staged row and the readings row copied from it.
_NEW_STAGED_KEYS = f"""SELECT s.device_id, s.ts, s.seq FROM {_STAGE} s
    JOIN fill_readings f USING (device_id, ts, seq)
    WHERE f.xmin = s.xmin"""  # noqa: S608 - module constants


def _keys(rows: Sequence[tuple[object, ...]]) -> set[ReadingKey]:
    # rows are (device_id text, ts timestamptz, seq bigint) tuples already: no per-row work
    return cast(set[ReadingKey], set(rows))


def _positions(rows: Sequence[ReadingRow], new: set[ReadingKey]) -> list[int]:
    """Where the new keys sit in ``rows``; a key found twice counts once (the first)."""
    pending = set(new)
    out = []
    for i, row in enumerate(rows):
        key = row.key
        if key in pending:
            pending.remove(key)
            out.append(i)
    return out


def prepare_connection(*, conn: Conn) -> None:
    """Create this connection's staging table for COPY (emptied at every commit)."""
    conn.execute(
        f"""CREATE TEMP TABLE IF NOT EXISTS {_STAGE} (
                device_id text, bin_id text, ts timestamptz, seq bigint, distance_mm integer,
                filling_level real, temperature_c real, battery_v real, rssi_dbm smallint,
                quality text, status text) ON COMMIT DELETE ROWS"""
    )
    conn.commit()


def insert_readings(
    *,
    conn: Conn,
    rows: Sequence[ReadingRow],
    summaries: bool,
    method: WriteMethod = WriteMethod.COPY,
) -> Sequence[int]:
    """Store readings once each and return the positions in ``rows`` of those that were new.

    A reading already stored (same device, time and sequence number) is skipped, so the hourly
    and daily summaries (``summaries``: plain PostgreSQL) count every reading exactly once.
    Usually every reading is new and the server answers with a count alone; only when it is
    short are the new keys looked up. Needs ``prepare_connection`` for the COPY and executemany
    methods, and an open transaction, once per transaction: the staging table empties at commit
    (an explicit TRUNCATE gave the table a new file each batch, 0.5 ms per transaction).
    """
    if not rows:
        return []
    with conn.cursor() as cur:
        if method is WriteMethod.VALUES:
            ordered = sorted(rows, key=lambda r: r.key)  # lock index entries in one order
            chunk = 1000
            new: set[ReadingKey] = set()
            for start in range(0, len(ordered), chunk):
                part = ordered[start : start + chunk]
                values = ",".join(["(%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)"] * len(part))
                params = [v for r in part for v in r]
                cur.execute(_insert_new(f"VALUES {values}", summaries=summaries, keys=True), params)
                new.update(_keys(cur.fetchall()))
            return _positions(rows, new)
        if method is WriteMethod.COPY:
            # binary COPY: measured twice as fast as text here (no text formatting of values)
            with cur.copy(f"COPY {_STAGE} ({_COLUMNS}) FROM STDIN (FORMAT BINARY)") as copy:
                copy.set_types(_COPY_TYPES)
                for r in rows:  # the INSERT ... SELECT below sorts, in the server
                    copy.write_row(r)
        else:
            cur.executemany(
                f"INSERT INTO {_STAGE} ({_COLUMNS}) VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)",  # noqa: S608 - module constants
                rows,
            )
        cur.execute(
            _insert_new(
                f"SELECT {_COLUMNS} FROM {_STAGE} ORDER BY device_id, ts, seq",  # noqa: S608 - module constants
                summaries=summaries,
                keys=False,
            )
        )
        counted = cur.fetchone()
        stored = int(cast(int, counted[0])) if counted else 0
        if stored == len(rows):
            positions: Sequence[int] = range(len(rows))
        elif stored == 0:
            positions = []
        else:
            cur.execute(_NEW_STAGED_KEYS, binary=True)
            positions = _positions(rows, _keys(cur.fetchall()))
    return positions


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
            out.setdefault(cast(str, bin_id), []).append(
                (cast(datetime, ts), cast(float | None, level))
            )
    return out


def newest_reading_at(*, conn: Conn) -> datetime | None:
    """The time of the newest fill reading stored (None while there is none)."""
    row = conn.execute("SELECT max(ts) FROM fill_readings").fetchone()
    return None if row is None else cast(datetime | None, row[0])


def stored_frames(*, conn: Conn, frames: Sequence[ReadingKey]) -> set[ReadingKey]:
    """Which of these (device, time, LoRaWAN frame counter) have a reading stored, in any epoch
    (the stored ``seq`` is ``epoch * 2**32 + f_cnt``; the primary key's prefix finds them)."""
    if not frames:
        return set()
    rows = conn.execute(
        """SELECT f.device_id, f.ts, f.seq %% 4294967296 FROM fill_readings f
           JOIN unnest(%b::text[], %b::timestamptz[], %b::bigint[]) AS k(device_id, ts, f_cnt)
             ON f.device_id = k.device_id AND f.ts = k.ts AND f.seq %% 4294967296 = k.f_cnt""",
        ([k[0] for k in frames], [k[1] for k in frames], [k[2] for k in frames]),
    ).fetchall()
    return {(str(r[0]), cast(datetime, r[1]), int(cast(int, r[2]))) for r in rows}


def delete_expired(*, conn: Conn, keep_days: int, keep_hourly_days: int = 0) -> int:
    """Drop raw readings older than ``keep_days`` (and hourly summaries older than
    ``keep_hourly_days``, when given and kept here); returns the raw readings deleted."""
    cur = conn.execute(
        "DELETE FROM fill_readings WHERE ts < now() - make_interval(days => %s)", (keep_days,)
    )
    deleted = cur.rowcount
    hourly = conn.execute("SELECT to_regclass('fill_hourly') IS NOT NULL").fetchone()
    if keep_hourly_days and hourly and hourly[0]:
        conn.execute(
            "DELETE FROM fill_hourly WHERE bucket < now() - make_interval(days => %s)",
            (keep_hourly_days,),
        )
    return deleted
