"""Devices: the registry ingest accepts messages from, what devices report of themselves, the
health state ingest keeps per device and the alerts and bin events it derives.

Rows that take locks are sorted by key, so two ingest workers sharing a subscription wait for
each other instead of deadlocking. Updates keyed by a batch's devices look each device up through
a ``LATERAL ... OFFSET 0`` subquery: a plain join let the planner (with stale statistics on a
fast-changing table) loop over every open alert once per device, 6.7 s instead of 87 ms per
batch with 10,000 devices offline.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, cast

from psycopg.rows import class_row
from psycopg.types.json import Jsonb

from contracts import DeviceStatus
from db.conn import Conn


@dataclass(frozen=True, slots=True)
class RegisteredDevice:
    """What ingest needs to know of a device to accept its messages."""

    device_id: str
    kind: str
    bin_id: str | None
    hotspot_id: str | None


@dataclass(frozen=True, slots=True)
class Seen:
    """A device's newest newly stored reading in a batch."""

    device_id: str
    seen_at: datetime
    battery_v: float | None
    rssi_dbm: int | None
    dropped_readings: int


@dataclass(frozen=True, slots=True)
class HealthState:
    """What is remembered of a device between batches (one row of ``device_health``)."""

    device_id: str
    bin_id: str
    last_reading_ts: datetime | None = None
    last_fill: float | None = None
    last_distance_mm: int | None = None
    same_distance_run: int = 0
    no_echo_run: int = 0
    overflow_since: datetime | None = None
    open_alerts: frozenset[str] = frozenset()  # reading-driven alert kinds open right now


@dataclass(frozen=True, slots=True)
class AlertChange:
    """Raise (``raise_=True``) or clear an alert of one kind for a device."""

    kind: str
    raise_: bool
    observed_at: datetime
    severity: str = "warning"
    detail: str = ""


@dataclass(frozen=True, slots=True)
class BinEvent:
    """A collection, an overflow period or a suspected abuse, read from the fill curve."""

    kind: str
    started_at: datetime
    ended_at: datetime | None = None
    fill_before: float | None = None
    fill_after: float | None = None
    at_night: bool = False


def load_devices(*, conn: Conn) -> dict[str, RegisteredDevice]:
    """Every device that is registered and not revoked."""
    with conn.cursor(row_factory=class_row(RegisteredDevice)) as cur:
        cur.execute(
            """SELECT id AS device_id, kind, bin_id, hotspot_id FROM devices
               WHERE revoked_at IS NULL"""
        )
        return {d.device_id: d for d in cur}


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


@dataclass(frozen=True, slots=True)
class LoRaWANSensorRow:
    """A registered LoRaWAN sensor's row, with its bin's depth: where it sits and how far its
    frames have come."""

    device_id: str
    dev_eui: str
    codec: str
    bin_id: str
    depth_mm: int
    sensor_offset_mm: int
    blind_zone_mm: int | None  # None: the codec's own
    epoch: int
    last_fcnt: int | None
    last_time: datetime | None
    epoch_started_at: datetime | None
    fcnt_resets: int
    battery_pct: int | None
    network: str | None
    application: str | None
    lns_device_id: str | None


class SensorFrames(Protocol):
    """The frame state (and battery, downlink route) a LoRaWAN sensor is left in."""

    @property
    def device_id(self) -> str: ...
    @property
    def changed(self) -> bool: ...
    @property
    def epoch(self) -> int: ...
    @property
    def last_fcnt(self) -> int | None: ...
    @property
    def last_time(self) -> datetime | None: ...
    @property
    def epoch_started_at(self) -> datetime | None: ...
    @property
    def fcnt_resets(self) -> int: ...
    @property
    def battery_pct(self) -> int | None: ...
    @property
    def network(self) -> str | None: ...
    @property
    def application(self) -> str | None: ...
    @property
    def lns_device_id(self) -> str | None: ...


def lock_sensors(*, conn: Conn, dev_euis: Sequence[str]) -> list[LoRaWANSensorRow]:
    """Registered, unrevoked LoRaWAN sensors with these DevEUIs, locked for this transaction."""
    with conn.cursor(row_factory=class_row(LoRaWANSensorRow)) as cur:
        cur.execute(
            """SELECT l.device_id, l.dev_eui, l.codec, d.bin_id, b.depth_mm, l.sensor_offset_mm,
                      l.blind_zone_mm, l.fcnt_epoch AS epoch, l.last_fcnt,
                      l.last_uplink_at AS last_time, l.epoch_started_at, l.fcnt_resets,
                      l.battery_pct, l.network, l.lns_application AS application, l.lns_device_id
               FROM lorawan_devices l
               JOIN devices d ON d.id = l.device_id AND d.revoked_at IS NULL
               JOIN bins b ON b.id = d.bin_id
               WHERE l.dev_eui = ANY(%b::text[])
               ORDER BY l.device_id FOR UPDATE OF l""",
            (sorted(set(dev_euis)),),
        )
        return cur.fetchall()


def save_sensors(*, conn: Conn, states: Sequence[SensorFrames]) -> None:
    """Keep the frame state (and battery, downlink route) each changed sensor is left in."""
    changed = sorted((s for s in states if s.changed), key=lambda s: s.device_id)
    if not changed:
        return
    conn.execute(
        """UPDATE lorawan_devices l SET fcnt_epoch = u.epoch, last_fcnt = u.fcnt,
               last_uplink_at = u.at, epoch_started_at = u.started, fcnt_resets = u.resets,
               battery_pct = u.battery, network = u.network, lns_application = u.app,
               lns_device_id = u.lns_device
           FROM unnest(%b::text[], %b::integer[], %b::bigint[], %b::timestamptz[],
                       %b::timestamptz[], %b::integer[], %b::smallint[], %b::text[], %b::text[],
                       %b::text[])
                AS u(device_id, epoch, fcnt, at, started, resets, battery, network, app,
                     lns_device)
           WHERE l.device_id = u.device_id""",
        (
            [s.device_id for s in changed],
            [s.epoch for s in changed],
            [s.last_fcnt for s in changed],
            [s.last_time for s in changed],
            [s.epoch_started_at for s in changed],
            [s.fcnt_resets for s in changed],
            [s.battery_pct for s in changed],
            [s.network for s in changed],
            [s.application for s in changed],
            [s.lns_device_id for s in changed],
        ),
    )


@dataclass(frozen=True, slots=True)
class Registration:
    """What a registered device id already is: its kind and radio (None: Wi-Fi or a camera)."""

    kind: str
    radio: str | None


@dataclass(frozen=True, slots=True)
class LoRaWANRoute:
    """Where a LoRaWAN sensor's downlinks go, as learnt from its uplinks."""

    network: str | None
    application: str | None
    lns_device_id: str | None
    dev_eui: str
    codec: str


def bin_depth(*, conn: Conn, bin_id: str) -> int | None:
    """The depth (mm) of the bin a sensor goes on; None when the bin is not registered."""
    row = conn.execute("SELECT depth_mm FROM bins WHERE id = %s", (bin_id,)).fetchone()
    return None if row is None else int(cast(int, row[0]))


def hotspot_exists(*, conn: Conn, hotspot_id: str) -> bool:
    """Whether a camera can go on this hotspot."""
    return (
        conn.execute("SELECT 1 FROM hotspots WHERE id = %s", (hotspot_id,)).fetchone() is not None
    )


def registration(*, conn: Conn, device_id: str) -> Registration | None:
    """What a device id is registered as (revoked or not), if anything."""
    with conn.cursor(row_factory=class_row(Registration)) as cur:
        cur.execute(
            "SELECT kind, config->>'radio' AS radio FROM devices WHERE id = %s", (device_id,)
        )
        return cur.fetchone()


def upsert_device(
    *,
    conn: Conn,
    device_id: str,
    kind: str,
    bin_id: str | None = None,
    hotspot_id: str | None = None,
    config: dict[str, object],
) -> None:
    """Register (or re-register, no longer revoked) a device on a bin or a hotspot; ``config``
    is merged into what ``devices.config`` holds."""
    conn.execute(
        """INSERT INTO devices (id, kind, bin_id, hotspot_id, config) VALUES (%s, %s, %s, %s, %s)
           ON CONFLICT (id) DO UPDATE SET bin_id = EXCLUDED.bin_id,
               hotspot_id = EXCLUDED.hotspot_id, revoked_at = NULL,
               config = devices.config || EXCLUDED.config""",
        (device_id, kind, bin_id, hotspot_id, Jsonb(config)),
    )


def lorawan_owner(*, conn: Conn, dev_eui: str, other_than: str) -> str | None:
    """The device (other than ``other_than``) this DevEUI is registered to, if any."""
    row = conn.execute(
        "SELECT device_id FROM lorawan_devices WHERE dev_eui = %s AND device_id <> %s",
        (dev_eui, other_than),
    ).fetchone()
    return None if row is None else str(row[0])


# A swapped sensor (another DevEUI) starts its own frame counter: a new epoch, and the route for
# downlinks is learnt again from its first uplink.
_UPSERT_LORAWAN = """
    INSERT INTO lorawan_devices (device_id, dev_eui, codec, sensor_offset_mm, blind_zone_mm)
    VALUES (%s, %s, %s, %s, %s)
    ON CONFLICT (device_id) DO UPDATE SET dev_eui = EXCLUDED.dev_eui,
                   codec = EXCLUDED.codec, sensor_offset_mm = EXCLUDED.sensor_offset_mm,
                   blind_zone_mm = EXCLUDED.blind_zone_mm,
                   fcnt_epoch = lorawan_devices.fcnt_epoch
                       + (lorawan_devices.dev_eui <> EXCLUDED.dev_eui)::int,
                   last_fcnt = CASE WHEN lorawan_devices.dev_eui = EXCLUDED.dev_eui
                                    THEN lorawan_devices.last_fcnt END,
                   last_uplink_at = CASE WHEN lorawan_devices.dev_eui = EXCLUDED.dev_eui
                                         THEN lorawan_devices.last_uplink_at END,
                   epoch_started_at = CASE WHEN lorawan_devices.dev_eui = EXCLUDED.dev_eui
                                           THEN lorawan_devices.epoch_started_at END,
                   network = CASE WHEN lorawan_devices.dev_eui = EXCLUDED.dev_eui
                                  THEN lorawan_devices.network END,
                   lns_application = CASE WHEN lorawan_devices.dev_eui = EXCLUDED.dev_eui
                                          THEN lorawan_devices.lns_application END,
                   lns_device_id = CASE WHEN lorawan_devices.dev_eui = EXCLUDED.dev_eui
                                        THEN lorawan_devices.lns_device_id END"""


def upsert_lorawan_sensor(
    *,
    conn: Conn,
    device_id: str,
    dev_eui: str,
    codec: str,
    sensor_offset_mm: int,
    blind_zone_mm: int | None,
) -> None:
    """Register (or re-register) a LoRaWAN sensor's DevEUI, codec and mounting."""
    conn.execute(_UPSERT_LORAWAN, (device_id, dev_eui, codec, sensor_offset_mm, blind_zone_mm))


def lorawan_route(*, conn: Conn, device_id: str) -> LoRaWANRoute | None:
    """Where a LoRaWAN sensor's downlinks go; None when it is not a registered LoRaWAN sensor."""
    with conn.cursor(row_factory=class_row(LoRaWANRoute)) as cur:
        cur.execute(
            """SELECT network, lns_application AS application, lns_device_id, dev_eui, codec
               FROM lorawan_devices WHERE device_id = %s""",
            (device_id,),
        )
        return cur.fetchone()


def set_report_interval(*, conn: Conn, device_id: str, seconds: int) -> None:
    """Record how often a device reports (when ingest calls it offline)."""
    conn.execute(
        """UPDATE devices SET config = config || jsonb_build_object('report_interval_s', %s::int)
           WHERE id = %s""",
        (seconds, device_id),
    )


def revoke(*, conn: Conn, device_id: str) -> bool:
    """Mark a device revoked so ingest refuses it; False when it was not registered."""
    cur = conn.execute(
        "UPDATE devices SET revoked_at = now() WHERE id = %s AND revoked_at IS NULL", (device_id,)
    )
    return cur.rowcount == 1
