"""Every SQL statement of the LoRaWAN path (run inside the ingest writer's transaction)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import cast

import psycopg

from ingest.lorawan.codecs import codec_named
from ingest.lorawan.frames import SensorState

Conn = psycopg.Connection[tuple[object, ...]]
Key = tuple[str, datetime, int]


def lock_sensors(*, conn: Conn, dev_euis: Sequence[str]) -> dict[str, SensorState]:
    """Registered, unrevoked LoRaWAN sensors with these DevEUIs, locked for this transaction
    (DevEUI → state); a sensor whose codec is unknown here is left out."""
    rows = conn.execute(
        """SELECT l.device_id, l.dev_eui, l.codec, d.bin_id, b.depth_mm, l.sensor_offset_mm,
                  l.blind_zone_mm, l.fcnt_epoch, l.last_fcnt, l.last_uplink_at,
                  l.epoch_started_at, l.fcnt_resets, l.battery_pct, l.network,
                  l.lns_application, l.lns_device_id
           FROM lorawan_devices l
           JOIN devices d ON d.id = l.device_id AND d.revoked_at IS NULL
           JOIN bins b ON b.id = d.bin_id
           WHERE l.dev_eui = ANY(%b::text[])
           ORDER BY l.device_id FOR UPDATE OF l""",
        (sorted(set(dev_euis)),),
    ).fetchall()
    states: dict[str, SensorState] = {}
    for r in rows:
        codec = codec_named(str(r[2]))
        if codec is None:
            continue
        states[str(r[1])] = SensorState(
            device_id=str(r[0]),
            dev_eui=str(r[1]),
            codec=str(r[2]),
            bin_id=str(r[3]),
            depth_mm=cast(int, r[4]),
            sensor_offset_mm=cast(int, r[5]),
            blind_zone_mm=codec.blind_zone_mm if r[6] is None else cast(int, r[6]),
            epoch=cast(int, r[7]),
            last_fcnt=cast(int | None, r[8]),
            last_time=cast(datetime | None, r[9]),
            epoch_started_at=cast(datetime | None, r[10]),
            fcnt_resets=cast(int, r[11]),
            battery_pct=cast(int | None, r[12]),
            network=cast(str | None, r[13]),
            application=cast(str | None, r[14]),
            lns_device_id=cast(str | None, r[15]),
        )
    return states


def stored_frames(*, conn: Conn, frames: Sequence[Key]) -> set[Key]:
    """Which of these (device, time, frame counter) have a reading stored, in any epoch (the
    stored ``seq`` is ``epoch * 2**32 + f_cnt``; the primary key's prefix finds them)."""
    if not frames:
        return set()
    rows = conn.execute(
        """SELECT f.device_id, f.ts, f.seq %% 4294967296 FROM fill_readings f
           JOIN unnest(%b::text[], %b::timestamptz[], %b::bigint[]) AS k(device_id, ts, f_cnt)
             ON f.device_id = k.device_id AND f.ts = k.ts AND f.seq %% 4294967296 = k.f_cnt""",
        ([k[0] for k in frames], [k[1] for k in frames], [k[2] for k in frames]),
    ).fetchall()
    return {(str(r[0]), cast(datetime, r[1]), int(cast(int, r[2]))) for r in rows}


def save_sensors(*, conn: Conn, states: Sequence[SensorState]) -> None:
    """Keep the frame state (and battery, downlink route) each sensor is left in."""
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
