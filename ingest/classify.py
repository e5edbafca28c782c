"""Decide what to write for a batch of inbound messages: pure, no I/O."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from contracts.decode import Decoded, RejectCode, Rejected, decode
from contracts.payloads import DeviceStatus, DumpingEvent, ReadingBatch
from ingest.store import DeadLetter, ReadingRow, RegisteredDevice


@dataclass(frozen=True, slots=True)
class Inbound:
    """One MQTT message as received, before validation."""

    topic: str
    payload: bytes
    received_at: datetime
    mid: int = 0
    qos: int = 0
    generation: int = 0  # which broker connection delivered it: acks never cross connections


@dataclass(frozen=True, slots=True)
class SeenDevice:
    """Battery and signal from a device's newest reading in the batch."""

    device_id: str
    seen_at: datetime
    battery_v: float | None
    rssi_dbm: int | None
    dropped_readings: int


@dataclass(slots=True)
class WritePlan:
    """Everything one batch writes, in one transaction."""

    readings: list[ReadingRow] = field(default_factory=list)
    dead_letters: list[DeadLetter] = field(default_factory=list)
    statuses: list[tuple[DeviceStatus, datetime]] = field(default_factory=list)
    events: list[DumpingEvent] = field(default_factory=list)
    seen: dict[str, SeenDevice] = field(default_factory=dict)


_KIND_FOR_PAYLOAD = {ReadingBatch: "fill_sensor", DumpingEvent: "camera"}


def _reject(plan: WritePlan, message: Inbound, rejected: Rejected) -> None:
    plan.dead_letters.append(
        DeadLetter(
            message.topic, message.payload, rejected.code.value, rejected.reason, rejected.device_id
        )
    )


def check_device(decoded: Decoded, devices: Mapping[str, RegisteredDevice]) -> Rejected | None:
    """A reason to refuse a valid message from this device, if any."""
    device = devices.get(decoded.device_id)
    if device is None:
        return Rejected(
            RejectCode.UNKNOWN_DEVICE,
            f"device {decoded.device_id!r} is not registered or was revoked",
            decoded.device_id,
        )
    expected = _KIND_FOR_PAYLOAD.get(type(decoded.payload))
    if expected is not None and device.kind != expected:
        return Rejected(
            RejectCode.WRONG_DEVICE_KIND,
            f"device {decoded.device_id!r} is a {device.kind}, not a {expected}",
            decoded.device_id,
        )
    return None


def plan_batch(
    messages: Sequence[Inbound], devices: Mapping[str, RegisteredDevice], *, root: str
) -> WritePlan:
    """Validate every message and sort it into what to store."""
    plan = WritePlan()
    for message in messages:
        result = decode(message.topic, message.payload, root=root)
        if isinstance(result, Rejected):
            _reject(plan, message, result)
            continue
        refusal = check_device(result, devices)
        if refusal is not None:
            _reject(plan, message, refusal)
            continue
        payload = result.payload
        if isinstance(payload, ReadingBatch):
            bin_id = devices[result.device_id].bin_id
            assert bin_id is not None  # the schema requires a bin for every fill sensor
            plan.readings.extend(ReadingRow(result.device_id, bin_id, r) for r in payload.readings)
            newest = max(payload.readings, key=lambda r: r.ts)
            previous = plan.seen.get(result.device_id)
            dropped = payload.dropped_readings + (previous.dropped_readings if previous else 0)
            if previous is None or newest.ts >= previous.seen_at:
                plan.seen[result.device_id] = SeenDevice(
                    result.device_id, newest.ts, newest.battery_v, newest.rssi_dbm, dropped
                )
        elif isinstance(payload, DeviceStatus):
            plan.statuses.append((payload, message.received_at))
        else:
            plan.events.append(payload)
    return plan
