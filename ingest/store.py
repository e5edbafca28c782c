"""Every SQL statement the ingest service runs.

Set-based throughout: one statement per kind of write per batch (arrays through ``unnest`` or a
COPY into a temporary table), whatever the number of devices in the batch. Arrays travel in
binary (``%b``): the text form quotes every element in Python, a third of a batch's dump time. Rows that take locks
are sorted by key, so two workers sharing a subscription wait for each other instead of
deadlocking (and a deadlock that still happens is retried by the writer). Updates keyed by a
batch's devices look each device up through a ``LATERAL ... OFFSET 0`` subquery: a plain join
let the planner (with stale statistics on a fast-changing table) loop over every open alert once
per device, 6.7 s instead of 87 ms per batch with 10,000 devices offline.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import NamedTuple, cast

import psycopg
from psycopg.types.json import Jsonb

from contracts.payloads import DeviceStatus, DumpingEvent, FillReading
from ingest.health import AlertChange, BinEvent, HealthState

Conn = psycopg.Connection[tuple[object, ...]]
ReadingKey = tuple[str, datetime, int]  # (device_id, ts, seq): the idempotency key


class WriteMethod(StrEnum):
    """How readings travel to the server (``bench/ingest/write_methods.py`` compares them)."""

    COPY = "copy"  # COPY into a temporary table, then one INSERT ... SELECT
    VALUES = "values"  # multi-row INSERT ... VALUES, one statement per chunk
    EXECUTEMANY = "executemany"  # one parameter set per row, pipelined by psycopg


@dataclass(frozen=True, slots=True)
class RegisteredDevice:
    """What ingest needs to know of a device to accept its messages."""

    device_id: str
    kind: str
    bin_id: str | None
    hotspot_id: str | None


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """A message that could not be accepted, kept with its raw bytes."""

    topic: str
    payload: bytes
    code: str
    reason: str
    device_id: str | None


@dataclass(frozen=True, slots=True)
class SecurityEvent:
    """A message that suggests an attack or a mis-provisioned device."""

    kind: str
    topic_device_id: str | None
    claimed_device_id: str | None
    topic: str
    payload: bytes
    detail: str


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


@dataclass(frozen=True, slots=True)
class Seen:
    """A device's newest newly stored reading in a batch."""

    device_id: str
    seen_at: datetime
    battery_v: float | None
    rssi_dbm: int | None
    dropped_readings: int


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


def load_devices(*, conn: Conn) -> dict[str, RegisteredDevice]:
    """Every device that is registered and not revoked."""
    rows = conn.execute(
        "SELECT id, kind, bin_id, hotspot_id FROM devices WHERE revoked_at IS NULL"
    ).fetchall()
    return {str(r[0]): RegisteredDevice(str(r[0]), str(r[1]), _opt(r[2]), _opt(r[3])) for r in rows}


def _opt(value: object) -> str | None:
    return None if value is None else str(value)


def lock_health(*, conn: Conn, devices: dict[str, str]) -> dict[str, HealthState]:
    """Load (creating if new) and lock the health state of these devices (id → bin id)."""
    ids = sorted(devices)
    conn.execute(
        """INSERT INTO device_health (device_id, bin_id)
           SELECT * FROM unnest(%b::text[], %b::text[])
           ON CONFLICT (device_id) DO NOTHING""",
        (ids, [devices[i] for i in ids]),
    )
    rows = conn.execute(
        """SELECT device_id, bin_id, last_reading_ts, last_fill, last_distance_mm,
                  same_distance_run, no_echo_run, overflow_since, open_alerts
           FROM device_health WHERE device_id = ANY(%b::text[]) ORDER BY device_id FOR UPDATE""",
        (ids,),
    ).fetchall()
    return {
        str(r[0]): HealthState(
            device_id=str(r[0]),
            bin_id=devices[str(r[0])],
            last_reading_ts=r[2],  # type: ignore[arg-type]  # timestamptz column
            last_fill=r[3],  # type: ignore[arg-type]  # real column
            last_distance_mm=r[4],  # type: ignore[arg-type]  # integer column
            same_distance_run=int(r[5]),  # type: ignore[call-overload]  # integer column
            no_echo_run=int(r[6]),  # type: ignore[call-overload]  # integer column
            overflow_since=r[7],  # type: ignore[arg-type]  # timestamptz column
            open_alerts=frozenset(cast(list[str], r[8])),
        )
        for r in rows
    }


def save_health(*, conn: Conn, states: Sequence[HealthState]) -> None:
    """Store the state each device is left in after this batch."""
    if not states:
        return
    conn.execute(
        """UPDATE device_health h SET bin_id = u.bin_id, last_reading_ts = u.ts,
               last_fill = u.fill, last_distance_mm = u.distance, same_distance_run = u.same,
               no_echo_run = u.no_echo, overflow_since = u.overflow,
               open_alerts = string_to_array(u.open_alerts, ','), updated_at = now()
           FROM unnest(%b::text[], %b::text[], %b::timestamptz[], %b::real[], %b::integer[],
                       %b::integer[], %b::integer[], %b::timestamptz[], %b::text[])
                AS u(device_id, bin_id, ts, fill, distance, same, no_echo, overflow, open_alerts)
           WHERE h.device_id = u.device_id""",
        (
            [s.device_id for s in states],
            [s.bin_id for s in states],
            [s.last_reading_ts for s in states],
            [s.last_fill for s in states],
            [s.last_distance_mm for s in states],
            [s.same_distance_run for s in states],
            [s.no_echo_run for s in states],
            [s.overflow_since for s in states],
            [",".join(sorted(s.open_alerts)) for s in states],
        ),
    )


def apply_alerts(*, conn: Conn, changes: Sequence[tuple[str, str | None, AlertChange]]) -> int:
    """Raise, then clear, alerts ((device id, bin id, change) each); returns alerts raised.

    A kind already open for a device stays one alert; a clear closes the open one.
    """
    raises = sorted((c for c in changes if c[2].raise_), key=lambda c: (c[0], c[2].kind))
    clears = sorted((c for c in changes if not c[2].raise_), key=lambda c: (c[0], c[2].kind))
    raised = 0
    if raises:
        cur = conn.execute(
            """INSERT INTO alerts (device_id, bin_id, kind, severity, observed_at, detail)
               SELECT * FROM unnest(%b::text[], %b::text[], %b::text[], %b::text[],
                                    %b::timestamptz[], %b::text[])
               ON CONFLICT (device_id, kind) WHERE cleared_at IS NULL DO NOTHING""",
            (
                [d for d, _, _ in raises],
                [b for _, b, _ in raises],
                [c.kind for _, _, c in raises],
                [c.severity for _, _, c in raises],
                [c.observed_at for _, _, c in raises],
                [c.detail for _, _, c in raises],
            ),
        )
        raised = cur.rowcount
    if clears:
        conn.execute(
            """UPDATE alerts a SET cleared_at = GREATEST(o.ts, a.observed_at)
               FROM (SELECT x.id, u.ts
                     FROM unnest(%b::text[], %b::text[], %b::timestamptz[]) AS u(device_id, kind, ts)
                     CROSS JOIN LATERAL (
                         SELECT id FROM alerts
                         WHERE device_id = u.device_id AND kind = u.kind AND cleared_at IS NULL
                         OFFSET 0) x) o
               WHERE a.id = o.id""",
            (
                [d for d, _, _ in clears],
                [c.kind for _, _, c in clears],
                [c.observed_at for _, _, c in clears],
            ),
        )
    return raised


def insert_bin_events(
    *,
    conn: Conn,
    events: Sequence[tuple[str, str, BinEvent]],
    closed: Sequence[tuple[str, datetime]],
) -> None:
    """Store derived events ((device id, bin id, event) each) and close ended overflow periods."""
    if closed:
        conn.execute(
            """UPDATE bin_events e SET ended_at = o.ts
               FROM (SELECT x.id, u.ts
                     FROM unnest(%b::text[], %b::timestamptz[]) AS u(device_id, ts)
                     CROSS JOIN LATERAL (
                         SELECT id FROM bin_events
                         WHERE device_id = u.device_id AND kind = 'overflow' AND ended_at IS NULL
                         OFFSET 0) x) o
               WHERE e.id = o.id""",
            ([d for d, _ in closed], [t for _, t in closed]),
        )
    if events:
        conn.execute(
            """INSERT INTO bin_events (device_id, bin_id, kind, started_at, ended_at,
                   fill_before, fill_after, at_night)
               SELECT * FROM unnest(%b::text[], %b::text[], %b::text[], %b::timestamptz[],
                                    %b::timestamptz[], %b::real[], %b::real[], %b::boolean[])
               ON CONFLICT (device_id, kind, started_at) DO NOTHING""",
            (
                [d for d, _, _ in events],
                [b for _, b, _ in events],
                [e.kind for _, _, e in events],
                [e.started_at for _, _, e in events],
                [e.ended_at for _, _, e in events],
                [e.fill_before for _, _, e in events],
                [e.fill_after for _, _, e in events],
                [e.at_night for _, _, e in events],
            ),
        )


def record_seen(*, conn: Conn, seen: Sequence[Seen]) -> None:
    """Note that devices were heard from, with their latest battery and signal; a device heard
    from is no longer offline."""
    if not seen:
        return
    ordered = sorted(seen, key=lambda s: s.device_id)
    ids = [s.device_id for s in ordered]
    times = [s.seen_at for s in ordered]
    conn.execute(
        """UPDATE devices d SET
               last_seen_at = GREATEST(d.last_seen_at, u.seen),
               state = 'online',
               battery_v = CASE WHEN d.last_seen_at IS NULL OR u.seen >= d.last_seen_at
                                THEN COALESCE(u.battery, d.battery_v) ELSE d.battery_v END,
               rssi_dbm = CASE WHEN d.last_seen_at IS NULL OR u.seen >= d.last_seen_at
                               THEN COALESCE(u.rssi, d.rssi_dbm) ELSE d.rssi_dbm END,
               dropped_readings = d.dropped_readings + u.dropped
           FROM unnest(%b::text[], %b::timestamptz[], %b::real[], %b::smallint[], %b::bigint[])
                AS u(id, seen, battery, rssi, dropped)
           WHERE d.id = u.id""",
        (
            ids,
            times,
            [s.battery_v for s in ordered],
            [s.rssi_dbm for s in ordered],
            [s.dropped_readings for s in ordered],
        ),
    )
    conn.execute(
        """UPDATE alerts a SET cleared_at = GREATEST(o.seen, a.observed_at)
           FROM (SELECT x.id, u.seen
                 FROM unnest(%b::text[], %b::timestamptz[]) AS u(device_id, seen)
                 CROSS JOIN LATERAL (
                     SELECT id FROM alerts
                     WHERE device_id = u.device_id AND kind = 'offline' AND cleared_at IS NULL
                       AND observed_at < u.seen
                     OFFSET 0) x) o
           WHERE a.id = o.id""",
        (ids, times),
    )


def raise_offline_alerts(*, conn: Conn, default_interval_s: int, factor: float) -> int:
    """Open an ``offline`` alert for each device silent for ``factor`` times its expected
    reporting interval (``devices.config.report_interval_s``, else the default)."""
    cur = conn.execute(
        """INSERT INTO alerts (device_id, bin_id, kind, severity, observed_at, detail)
           SELECT d.id, d.bin_id, 'offline', 'warning', d.last_seen_at,
                  'no message since ' || to_char(d.last_seen_at AT TIME ZONE 'Europe/Brussels',
                                                 'YYYY-MM-DD HH24:MI')
           FROM devices d
           WHERE d.revoked_at IS NULL AND d.last_seen_at IS NOT NULL
             AND d.last_seen_at < now() - make_interval(
                     secs => COALESCE((d.config->>'report_interval_s')::double precision,
                                      %(default)s) * %(factor)s)
           ORDER BY d.id
           ON CONFLICT (device_id, kind) WHERE cleared_at IS NULL DO NOTHING""",
        {"default": default_interval_s, "factor": factor},
    )
    return cur.rowcount


def _text(value: str | None) -> str | None:
    """Text PostgreSQL can store: a NUL (which it refuses) written out as ``\\x00``."""
    return value.replace("\x00", "\\x00") if value is not None else None


def insert_dead_letters(*, conn: Conn, letters: Iterable[DeadLetter]) -> None:
    """Keep rejected messages with their reason and raw bytes."""
    with conn.cursor() as cur:
        cur.executemany(
            """INSERT INTO dead_letters (topic, payload, code, reason, device_id)
               VALUES (%s, %s, %s, %s, %s)""",
            [
                (_text(d.topic), d.payload, d.code, _text(d.reason), _text(d.device_id))
                for d in letters
            ],
        )


def insert_security_events(*, conn: Conn, events: Iterable[SecurityEvent]) -> None:
    """Record messages that point at an attack or a mis-provisioned device."""
    with conn.cursor() as cur:
        cur.executemany(
            """INSERT INTO security_events (kind, topic_device_id, claimed_device_id, topic,
                   payload, detail)
               VALUES (%s, %s, %s, %s, %s, %s)""",
            [
                (
                    e.kind,
                    _text(e.topic_device_id),
                    _text(e.claimed_device_id),
                    _text(e.topic),
                    e.payload,
                    _text(e.detail),
                )
                for e in events
            ],
        )


def record_status(*, conn: Conn, status: DeviceStatus, received_at: datetime) -> None:
    """Store a device's reported state (online, offline by last will, tamper, fault)."""
    conn.execute(
        """UPDATE devices SET
               state = %(state)s,
               last_seen_at = CASE WHEN %(state)s = 'offline' THEN last_seen_at
                                   ELSE GREATEST(last_seen_at, %(seen)s) END,
               firmware = COALESCE(%(firmware)s, firmware),
               battery_v = COALESCE(%(battery)s, battery_v),
               rssi_dbm = COALESCE(%(rssi)s, rssi_dbm)
           WHERE id = %(id)s""",
        {
            "state": status.state,
            "seen": status.ts or received_at,
            "firmware": status.firmware,
            "battery": status.battery_v,
            "rssi": status.rssi_dbm,
            "id": status.device_id,
        },
    )


def insert_dumping_event(*, conn: Conn, event: DumpingEvent) -> bool:
    """Store a camera's dumping event once; False when it was already stored."""
    cur = conn.execute(
        """INSERT INTO dumping_events (event_id, device_id, hotspot_id, seq, started_at,
               detected_at, bbox, object_area_px, person_present, vehicle_present, score, files,
               manifest_sha256, signature_b64)
           VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
           ON CONFLICT (event_id) DO NOTHING""",
        (
            event.event_id,
            event.device_id,
            event.hotspot_id,
            event.seq,
            event.started_at,
            event.detected_at,
            list(event.bbox),
            event.object_area_px,
            event.person_present,
            event.vehicle_present,
            event.score,
            Jsonb([f.model_dump() for f in event.files]),
            event.manifest_sha256,
            event.signature_b64,
        ),
    )
    return cur.rowcount == 1


def add_dropped_events(*, conn: Conn, counts: dict[str, int]) -> None:
    """Add the events each camera reports discarding (camera id → count) to its counter; called
    only for newly stored events, so a redelivered event adds nothing."""
    if not counts:
        return
    ids = sorted(counts)
    conn.execute(
        """UPDATE devices d SET dropped_events = d.dropped_events + u.dropped
           FROM unnest(%b::text[], %b::bigint[]) AS u(id, dropped)
           WHERE d.id = u.id""",
        (ids, [counts[i] for i in ids]),
    )
