"""Decide what to write for a batch of inbound messages: pure, no I/O."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from contracts import (
    MAX_PAYLOAD_BYTES,
    Decoded,
    DeviceStatus,
    DumpingEvent,
    ReadingBatch,
    RejectCode,
    Rejected,
    UpKind,
    check_window,
    decode,
    parse_up_topic,
)
from db.deadletters import DeadLetter, SecurityEvent
from db.devices import RegisteredDevice
from db.readings import ReadingRow


@dataclass(frozen=True, slots=True)
class Inbound:
    """One MQTT message as received, before validation."""

    topic: str
    payload: bytes
    received_at: datetime
    mid: int = 0
    qos: int = 0
    generation: int = 0  # which broker connection delivered it: acks never cross connections
    retain: bool = False  # delivered from the broker's retained store, not live


@dataclass(slots=True)
class WritePlan:
    """Everything one batch writes, in one transaction."""

    readings: list[ReadingRow] = field(default_factory=list)
    dead_letters: list[DeadLetter] = field(default_factory=list)
    statuses: list[tuple[DeviceStatus, datetime]] = field(default_factory=list)
    events: list[DumpingEvent] = field(default_factory=list)
    # (position in ``readings`` of a message's first reading, readings the device dropped)
    dropped: list[tuple[int, int]] = field(default_factory=list)
    security: list[SecurityEvent] = field(default_factory=list)


_KIND_FOR_PAYLOAD = {ReadingBatch: "fill_sensor", DumpingEvent: "camera"}


def _reject(plan: WritePlan, message: Inbound, rejected: Rejected) -> None:
    plan.dead_letters.append(
        DeadLetter(
            message.topic, message.payload, rejected.code.value, rejected.reason, rejected.device_id
        )
    )
    if rejected.code is RejectCode.DEVICE_MISMATCH:
        # A payload naming another device on this device's topic: a cloned or stolen credential,
        # or a device trying to pass off data as another's. Kept for the security officer too.
        plan.security.append(
            SecurityEvent(
                kind="device_impersonation",
                topic_device_id=rejected.device_id,
                claimed_device_id=claimed_device(message.payload),
                topic=message.topic,
                payload=message.payload,
                detail=rejected.reason,
            )
        )


def claimed_device(payload: bytes) -> str | None:
    """The ``device_id`` a payload claims, when it is JSON that names one."""
    try:
        data = json.loads(payload)
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    claimed = data.get("device_id") if isinstance(data, dict) else None
    # PostgreSQL text cannot hold NUL, and a NUL is exactly what hides an impersonation
    return claimed[:64].replace("\x00", "\\x00") if isinstance(claimed, str) else None


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
    payload = decoded.payload
    if isinstance(payload, DumpingEvent) and payload.hotspot_id != device.hotspot_id:
        return Rejected(
            RejectCode.UNKNOWN_HOTSPOT,
            f"camera {decoded.device_id!r} watches hotspot {device.hotspot_id!r}, "
            f"not {payload.hotspot_id[:64]!r}",
            decoded.device_id,
        )
    return None


def _decode_reading_fast(message: Inbound, root: str, now: datetime) -> Decoded | Rejected | None:
    """The common case, a valid reading batch, parsed straight from bytes by pydantic-core.

    Gives the very verdict ``decode`` would for a valid batch on its own topic, at a fraction of
    the cost; anything else returns None and goes through ``decode`` for the precise reason.
    """
    if len(message.payload) > MAX_PAYLOAD_BYTES:
        return None
    parsed = parse_up_topic(message.topic, root=root)
    if parsed is None or parsed.kind is not UpKind.READING:
        return None
    try:
        batch = ReadingBatch.model_validate_json(message.payload)
    except (ValueError, TypeError, RecursionError):  # ValidationError is a ValueError
        return None
    if batch.device_id != parsed.device_id:
        return None
    return check_window(Decoded(parsed.device_id, UpKind.READING, batch), now)


def plan_batch(
    messages: Sequence[Inbound],
    devices: Mapping[str, RegisteredDevice],
    *,
    root: str,
    now: datetime | None = None,
) -> WritePlan:
    """Validate every message and sort it into what to store (``now``: the server clock)."""
    plan = WritePlan()
    now = now or datetime.now(UTC)
    for message in messages:
        if message.retain:
            device = parse_up_topic(message.topic, root=root)
            why = "a retained message on up/ is refused: the broker would replay it forever"
            claimed = device.device_id if device else None
            _reject(plan, message, Rejected(RejectCode.RETAINED, why, claimed))
            continue
        result = _decode_reading_fast(message, root, now) or decode(
            message.topic, message.payload, root=root, now=now
        )
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
            if payload.dropped_readings:
                # counted only if this message's first reading is new, so a redelivery adds nothing
                plan.dropped.append((len(plan.readings), payload.dropped_readings))
            device_id = result.device_id
            of = ReadingRow.of
            plan.readings += [of(device_id, bin_id, r) for r in payload.readings]
        elif isinstance(payload, DeviceStatus):
            plan.statuses.append((payload, message.received_at))
        else:
            plan.events.append(payload)
    return plan
