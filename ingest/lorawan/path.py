"""The LoRaWAN step of an ingest batch: uplinks in, contract readings and dead letters out.

It runs inside the writer's transaction, before the batch's own writes: it locks the sensors'
frame state, adds their readings, proofs of life and dead letters to the batch's ``WritePlan``,
and saves the new frame state, so all of it commits (or is retried) with everything else.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence

from contracts import DeviceStatus
from db import Conn
from db.deadletters import DeadLetter
from db.devices import LoRaWANSensorRow, lock_sensors, save_sensors
from db.readings import ReadingRow, stored_frames
from ingest.classify import Inbound, WritePlan
from ingest.lorawan.codec import DeviceInfo, Measurement, UndecodableError, WrongPortError
from ingest.lorawan.codecs import codec_named
from ingest.lorawan.envelope import Refusal, Refused, Topics, Uplink, parse_uplink
from ingest.lorawan.frames import SensorState, plan_frames, resolve_older

log = logging.getLogger(__name__)


def topics_for(*, root: str, prefix: str | None) -> Topics:
    """The network servers' topics: under ``prefix``, by default ``{root}/lns/``."""
    if prefix is None:
        return Topics(f"{root}/lns/")
    if prefix and not prefix.endswith("/"):
        prefix += "/"
    return Topics(prefix)


def sensor_states(rows: Iterable[LoRaWANSensorRow]) -> dict[str, SensorState]:
    """The frame state of these sensors (DevEUI → state); a sensor whose codec is unknown here
    is left out."""
    states: dict[str, SensorState] = {}
    for r in rows:
        codec = codec_named(r.codec)
        if codec is None:
            continue
        states[r.dev_eui] = SensorState(
            device_id=r.device_id,
            dev_eui=r.dev_eui,
            codec=r.codec,
            bin_id=r.bin_id,
            depth_mm=r.depth_mm,
            sensor_offset_mm=r.sensor_offset_mm,
            blind_zone_mm=codec.blind_zone_mm if r.blind_zone_mm is None else r.blind_zone_mm,
            epoch=r.epoch,
            last_fcnt=r.last_fcnt,
            last_time=r.last_time,
            epoch_started_at=r.epoch_started_at,
            fcnt_resets=r.fcnt_resets,
            battery_pct=r.battery_pct,
            network=r.network,
            application=r.application,
            lns_device_id=r.lns_device_id,
        )
    return states


def _decode(uplink: Uplink, state: SensorState) -> Measurement | DeviceInfo | Refused:
    codec = codec_named(state.codec)
    if codec is None:  # sensor_states leaves such sensors out; kept for the type checker
        return Refused(Refusal.UNDECODABLE, f"no codec {state.codec!r}", uplink.dev_eui)
    try:
        return codec.decode(uplink.f_port, uplink.data)
    except WrongPortError as exc:
        return Refused(Refusal.WRONG_PORT, str(exc), uplink.dev_eui)
    except UndecodableError as exc:
        reason = f"{codec.model} payload {uplink.data.hex()[:64]} unreadable: {exc}"
        return Refused(Refusal.UNDECODABLE, reason, uplink.dev_eui)


def _log_restarts(states: Iterable[SensorState]) -> None:
    """Say which sensors' frame counters restarted in this batch (stored, not refused: a rejoin
    or a reboot restarts the counter; docs/lorawan.md)."""
    for state in states:
        for was, now in state.restarts:
            log.warning(
                "LoRaWAN sensor %s (DevEUI %s): frame counter restarted (was %s, now %s); "
                "readings go on in epoch %d",
                state.device_id, state.dev_eui, was, now, state.epoch,
            )  # fmt: skip


class LoRaWANPath:
    """Turns network-server uplinks into the batch's readings and dead letters."""

    def __init__(self, topics: Topics) -> None:
        self.topics = topics

    def claims(self, topic: str) -> bool:
        """Whether this message is a network server's uplink."""
        return self.topics.claims(topic)

    def extend(self, *, conn: Conn, plan: WritePlan, messages: Sequence[Inbound]) -> int:
        """Add these uplinks to ``plan`` (inside the open transaction); returns how many were
        duplicates of uplinks stored before."""
        parsed = [parse_uplink(m.topic, m.payload, self.topics) for m in messages]
        states = sensor_states(
            lock_sensors(conn=conn, dev_euis=[p.dev_eui for p in parsed if isinstance(p, Uplink)])
        )
        refused: dict[int, tuple[Refused, str | None]] = {}
        decoded: list[tuple[int, Uplink, Measurement | DeviceInfo, SensorState]] = []
        for i, p in enumerate(parsed):
            if isinstance(p, Refused):
                refused[i] = (p, None)
                continue
            state = states.get(p.dev_eui)
            if state is None:
                reason = f"DevEUI {p.dev_eui} is not a registered LoRaWAN sensor (or was revoked)"
                refused[i] = (Refused(Refusal.UNKNOWN_DEVICE, reason, p.dev_eui), None)
                continue
            value = _decode(p, state)
            if isinstance(value, Refused):
                refused[i] = (value, state.device_id)
            else:
                decoded.append((i, p, value, state))
        frames = plan_frames(decoded)
        _log_restarts(states.values())
        if frames.pending:
            keys = [(x.state.device_id, x.uplink.time, x.uplink.f_cnt) for x in frames.pending]
            resolve_older(frames, stored_frames(conn=conn, frames=keys))
        duplicates = 0
        found = {i: (u, s) for i, u, _, s in decoded}
        for i, message in enumerate(messages):
            if i in refused:
                why, device_id = refused[i]
                plan.dead_letters.append(
                    DeadLetter(
                        message.topic, message.payload, why.code.value, why.reason, device_id
                    )
                )
                continue
            outcome = frames.outcomes[i]
            uplink, state = found[i]
            if outcome.reading is not None:
                plan.readings.append(ReadingRow.of(state.device_id, state.bin_id, outcome.reading))
            elif outcome.alive is not None:
                status = DeviceStatus(
                    device_id=state.device_id,
                    ts=uplink.time,
                    state="online",
                    firmware=outcome.alive.firmware,
                    rssi_dbm=uplink.rssi_dbm,
                )
                plan.statuses.append((status, message.received_at))
            elif outcome.refused is not None:
                why = outcome.refused
                plan.dead_letters.append(
                    DeadLetter(
                        message.topic, message.payload, why.code.value, why.reason, state.device_id
                    )
                )
            else:
                duplicates += 1
        save_sensors(conn=conn, states=list(states.values()))
        return duplicates
