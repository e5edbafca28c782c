"""Turn raw MQTT messages into contract payloads, or into a reason why not.

Pure functions: no I/O, never raise on any input. The ingest service stores every ``Rejected`` as
a dead letter together with the raw bytes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from pydantic import ValidationError

from contracts.payloads import (
    MAX_PAYLOAD_BYTES,
    DeviceStatus,
    DumpingEvent,
    ReadingBatch,
    outside_window,
)
from contracts.topics import DEFAULT_ROOT, UpKind, parse_up_topic

Payload = ReadingBatch | DeviceStatus | DumpingEvent

_MODELS: dict[UpKind, type[Payload]] = {
    UpKind.READING: ReadingBatch,
    UpKind.STATUS: DeviceStatus,
    UpKind.EVENT: DumpingEvent,
}


class RejectCode(StrEnum):
    """Why a message was not accepted; stored with each dead letter."""

    BAD_TOPIC = "bad_topic"
    OVERSIZED = "oversized"
    NOT_JSON = "not_json"
    INVALID = "invalid_payload"
    DEVICE_MISMATCH = "device_mismatch"  # payload names another device than its topic
    OUT_OF_WINDOW = "timestamp_out_of_window"  # before 2020 or ahead of the server clock
    RETAINED = "retained"  # a retained message on up/: the broker would replay it forever
    UNKNOWN_DEVICE = "unknown_device"  # decided by ingest, which knows the registry
    WRONG_DEVICE_KIND = "wrong_device_kind"
    UNKNOWN_HOTSPOT = "unknown_hotspot"  # a camera event for a hotspot the camera does not watch
    DATABASE_REFUSED = "database_refused"  # decided by ingest: the database refused the values
    PROCESSING_FAILED = "processing_failed"  # decided by ingest: storing it raised an error


@dataclass(frozen=True, slots=True)
class Decoded:
    """A message that conforms to the contract."""

    device_id: str
    kind: UpKind
    payload: Payload


@dataclass(frozen=True, slots=True)
class Rejected:
    """A message that does not, with a reason a person can act on."""

    code: RejectCode
    reason: str
    device_id: str | None = None


def _describe(error: ValidationError) -> str:
    parts = []
    for item in error.errors(include_url=False)[:5]:
        where = ".".join(str(p) for p in item["loc"]) or "(root)"
        parts.append(f"{where}: {item['msg']}")
    return "; ".join(parts)


_BOM = b"\xef\xbb\xbf"


def _text(payload: bytes) -> str | Rejected:
    """The payload as text: UTF-8 without a byte order mark, nothing else (UTF-16 and UTF-32,
    which ``json.loads`` would guess and accept, are outside the contract)."""
    if payload.startswith(_BOM):
        return Rejected(
            RejectCode.NOT_JSON,
            "payload is not JSON in plain UTF-8: it starts with a byte order mark",
        )
    try:
        return payload.decode("utf-8")
    except UnicodeDecodeError as exc:
        return Rejected(RejectCode.NOT_JSON, f"payload is not JSON in UTF-8: {exc}"[:300])


def check_window(decoded: Decoded, now: datetime) -> Decoded | Rejected:
    """The decoded message, or a rejection when a timestamp falls outside the contract's window."""
    why = outside_window(decoded.payload, now)
    if why is None:
        return decoded
    return Rejected(RejectCode.OUT_OF_WINDOW, why, decoded.device_id)


def decode(  # noqa: PLR0911 - one early return per rejection reason reads best
    topic: str, payload: bytes, *, root: str = DEFAULT_ROOT, now: datetime | None = None
) -> Decoded | Rejected:
    """Validate one message against contract v1 (``now``: the server clock, for the time window)."""
    parsed = parse_up_topic(topic, root=root)
    if parsed is None:
        return Rejected(RejectCode.BAD_TOPIC, f"topic {topic[:200]!r} is not a v1 device topic")
    device_id = parsed.device_id
    if len(payload) > MAX_PAYLOAD_BYTES:
        return Rejected(
            RejectCode.OVERSIZED,
            f"payload is {len(payload)} bytes, the limit is {MAX_PAYLOAD_BYTES}",
            device_id,
        )
    text = _text(payload)
    if isinstance(text, Rejected):
        return Rejected(text.code, text.reason, device_id)
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        return Rejected(RejectCode.NOT_JSON, f"payload is not JSON: {exc}"[:300], device_id)
    if not isinstance(data, dict):
        return Rejected(RejectCode.INVALID, "payload must be a JSON object", device_id)
    claimed = data.get("device_id")
    if isinstance(claimed, str) and claimed != device_id:
        return Rejected(
            RejectCode.DEVICE_MISMATCH,
            f"payload claims device {claimed[:64]!r} on the topic of {device_id!r}",
            device_id,
        )
    if "\\u0000" in text:  # PostgreSQL text cannot hold it, and no field of the contract needs it
        return Rejected(
            RejectCode.INVALID, "a text field holds a NUL character (\\u0000)", device_id
        )
    try:
        # validated from the bytes in strict mode: JSON types as the contract states them
        model = _MODELS[parsed.kind].model_validate_json(payload)
    except ValidationError as exc:
        return Rejected(RejectCode.INVALID, _describe(exc)[:1000], device_id)
    except (ValueError, TypeError, RecursionError) as exc:  # pathological inputs pydantic passes on
        return Rejected(RejectCode.INVALID, f"payload rejected: {exc}"[:300], device_id)
    decoded = Decoded(device_id=device_id, kind=parsed.kind, payload=model)
    return check_window(decoded, now or datetime.now(UTC))
