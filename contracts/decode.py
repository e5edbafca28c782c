"""Turn raw MQTT messages into contract payloads, or into a reason why not.

Pure functions: no I/O, never raise on any input. The ingest service stores every ``Rejected`` as
a dead letter together with the raw bytes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum

from pydantic import ValidationError

from contracts.payloads import MAX_PAYLOAD_BYTES, DeviceStatus, DumpingEvent, ReadingBatch
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
    UNKNOWN_DEVICE = "unknown_device"  # decided by ingest, which knows the registry
    WRONG_DEVICE_KIND = "wrong_device_kind"


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


def decode(topic: str, payload: bytes, *, root: str = DEFAULT_ROOT) -> Decoded | Rejected:  # noqa: PLR0911 - one early return per rejection reason reads best
    """Validate one message against contract v1."""
    parsed = parse_up_topic(topic, root=root)
    if parsed is None:
        return Rejected(RejectCode.BAD_TOPIC, f"topic {topic[:200]!r} is not a v1 device topic")
    if len(payload) > MAX_PAYLOAD_BYTES:
        return Rejected(
            RejectCode.OVERSIZED,
            f"payload is {len(payload)} bytes, the limit is {MAX_PAYLOAD_BYTES}",
            parsed.device_id,
        )
    try:
        data = json.loads(payload)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        return Rejected(RejectCode.NOT_JSON, f"payload is not JSON: {exc}"[:300], parsed.device_id)
    if not isinstance(data, dict):
        return Rejected(RejectCode.INVALID, "payload must be a JSON object", parsed.device_id)
    claimed = data.get("device_id")
    if isinstance(claimed, str) and claimed != parsed.device_id:
        return Rejected(
            RejectCode.DEVICE_MISMATCH,
            f"payload claims device {claimed[:64]!r} on the topic of {parsed.device_id!r}",
            parsed.device_id,
        )
    try:
        model = _MODELS[parsed.kind].model_validate(data)
    except ValidationError as exc:
        return Rejected(RejectCode.INVALID, _describe(exc)[:1000], parsed.device_id)
    except (ValueError, TypeError, RecursionError) as exc:  # pathological inputs pydantic passes on
        return Rejected(RejectCode.INVALID, f"payload rejected: {exc}"[:300], parsed.device_id)
    return Decoded(device_id=parsed.device_id, kind=parsed.kind, payload=model)
