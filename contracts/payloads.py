"""JSON payloads of MQTT contract v1 (see docs/mqtt.md).

Field meanings follow FIWARE WasteContainer and uCIFI where they overlap: ``filling_level`` is
``fillingLevel`` (a fraction 0-1), ``status`` takes the WasteContainer status values. Units are in
the field names: ``_mm``, ``_c`` (degrees Celsius), ``_v`` (volts), ``_dbm``, ``_s``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Literal, Self

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictInt,
    StringConstraints,
    model_validator,
)

MAX_PAYLOAD_BYTES = 64 * 1024
MAX_READINGS_PER_MESSAGE = 256
# The contract's timestamp window: nothing measured before this, nothing ahead of the server clock
# by more than ``MAX_CLOCK_AHEAD`` (a device clock a little fast is tolerated, a year 2999 is not).
EARLIEST_TS = datetime(2020, 1, 1, tzinfo=UTC)
MAX_CLOCK_AHEAD = timedelta(minutes=10)
# The largest frame a camera unit may capture (edge/config.py): a bounding box lies inside it.
MAX_FRAME_WIDTH_PX = 3840
MAX_FRAME_HEIGHT_PX = 2160


def _iso_text(value: object) -> object:
    """Only ISO 8601 text reaches the datetime parser: pydantic would also read a number, or a
    string of digits, as seconds since 1970, which the contract does not allow."""
    if isinstance(value, datetime):  # built in Python, not read from a message
        return value
    if isinstance(value, str) and len(value) >= 16 and value[:4].isdigit() and value[4] == "-":
        return value
    raise ValueError("a timestamp must be ISO 8601 text with an offset, e.g. 2026-11-28T06:15:00Z")


# A timestamp as the contract writes it: ISO 8601 text with an offset.
ContractTime = Annotated[AwareDatetime, BeforeValidator(_iso_text)]
DeviceId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{2,63}$")]
Sha256Hex = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]


class Quality(StrEnum):
    """How far a single measurement can be trusted."""

    OK = "ok"
    NO_ECHO = "no_echo"  # the sensor heard nothing back: unknown, never "empty"
    BLIND_ZONE = "blind_zone"  # closer than the sensor can measure: treated as full, flagged
    OUT_OF_RANGE = "out_of_range"  # farther than the bin is deep
    UNSTABLE = "unstable"  # pings disagreed beyond tolerance


class ContainerStatus(StrEnum):
    """FIWARE WasteContainer ``status`` values."""

    OK = "ok"
    LID_OPEN = "lidOpen"
    DROPPED = "dropped"
    MOVED = "moved"
    BURNING = "burning"


class _Strict(BaseModel):
    """No unknown fields, no NaN or infinity; every number and boolean field is strict (no
    string-to-number coercion, no booleans as integers, no 1.0 for an integer) and timestamps
    are ISO 8601 text (``ContractTime``)."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class FillReading(_Strict):
    """One measurement of a bin's fill level."""

    seq: int = Field(strict=True, ge=0, lt=2**63, description="per-device sequence number")
    ts: ContractTime = Field(description="measurement time, ISO 8601 with offset")
    distance_mm: int | None = Field(strict=True, default=None, ge=0, le=10_000)
    filling_level: float | None = Field(strict=True, default=None, ge=0.0, le=1.0)
    temperature_c: float | None = Field(strict=True, default=None, ge=-40.0, le=200.0)
    battery_v: float | None = Field(strict=True, default=None, ge=0.0, le=15.0)
    rssi_dbm: int | None = Field(strict=True, default=None, ge=-150, le=0)
    quality: Quality = Quality.OK
    status: ContainerStatus = ContainerStatus.OK


class ReadingBatch(_Strict):
    """Payload on ``up/reading``: one or more readings sent in one connection."""

    device_id: DeviceId
    readings: list[FillReading] = Field(min_length=1, max_length=MAX_READINGS_PER_MESSAGE)
    dropped_readings: int = Field(
        strict=True,
        default=0,
        ge=0,
        description="readings the device had to discard since its last report",
    )


class DeviceStatus(_Strict):
    """Payload on ``up/status``; also the last will with ``state: offline``."""

    device_id: DeviceId
    ts: ContractTime | None = None
    state: Literal["online", "offline", "tamper", "fault"]
    firmware: str | None = Field(default=None, max_length=40)
    battery_v: float | None = Field(strict=True, default=None, ge=0.0, le=15.0)
    rssi_dbm: int | None = Field(strict=True, default=None, ge=-150, le=0)
    uptime_s: int | None = Field(strict=True, default=None, ge=0)
    detail: str | None = Field(default=None, max_length=500)


class EvidenceFile(_Strict):
    """One file of a dumping event's evidence, uploaded separately over HTTPS."""

    name: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._-]{1,100}$")]
    kind: Literal["frame_before", "frame_during", "frame_after", "clip", "manifest"]
    sha256: Sha256Hex
    size_bytes: int = Field(strict=True, ge=0, le=200 * 1024 * 1024)


class DumpingEvent(_Strict):
    """Payload on ``up/event``: a camera unit saw something dumped and left at a hotspot."""

    device_id: DeviceId
    event_id: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9-]{8,64}$")]
    seq: int = Field(strict=True, ge=0, lt=2**63)
    hotspot_id: str = Field(min_length=1, max_length=64)
    started_at: ContractTime = Field(description="when the object first appeared")
    detected_at: ContractTime = Field(description="when it had stayed long enough to count")
    bbox: tuple[StrictInt, StrictInt, StrictInt, StrictInt] = Field(
        strict=False, description="x, y, width, height in frame pixels (a JSON array)"
    )
    object_area_px: int = Field(strict=True, ge=0)
    person_present: bool = Field(
        strict=True, description="a person was seen near the object just before"
    )
    vehicle_present: bool = Field(
        strict=True, description="a vehicle was seen near the object just before"
    )
    score: float = Field(strict=True, ge=0.0, le=1.0)
    files: list[EvidenceFile] = Field(default_factory=list, max_length=32)
    manifest_sha256: Sha256Hex | None = None
    signature_b64: str | None = Field(default=None, max_length=400)
    dropped_events: int = Field(
        strict=True,
        default=0,
        ge=0,
        description="events the camera had to discard (store full) since its last report",
    )

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.detected_at < self.started_at:
            raise ValueError("detected_at is before started_at")
        x, y, width, height = self.bbox
        if x < 0 or y < 0 or width < 1 or height < 1:
            raise ValueError("bbox needs x, y >= 0 and a width and height of at least 1 px")
        if x + width > MAX_FRAME_WIDTH_PX or y + height > MAX_FRAME_HEIGHT_PX:
            raise ValueError(
                f"bbox reaches outside a {MAX_FRAME_WIDTH_PX}x{MAX_FRAME_HEIGHT_PX} frame"
            )
        return self


def timestamps(payload: ReadingBatch | DeviceStatus | DumpingEvent) -> list[datetime]:
    """Every timestamp a payload carries (what the contract's time window applies to)."""
    if isinstance(payload, ReadingBatch):
        return [r.ts for r in payload.readings]
    if isinstance(payload, DeviceStatus):
        return [payload.ts] if payload.ts is not None else []
    return [payload.started_at, payload.detected_at]


def outside_window(
    payload: ReadingBatch | DeviceStatus | DumpingEvent, now: datetime
) -> str | None:
    """Why a payload's timestamps fall outside the contract's window, or None when they do not."""
    times = timestamps(payload)
    if not times:
        return None
    earliest, latest = min(times), max(times)
    if earliest < EARLIEST_TS:
        return f"timestamp {earliest.isoformat()} is before {EARLIEST_TS.date().isoformat()}"
    if latest > now + MAX_CLOCK_AHEAD:
        return (
            f"timestamp {latest.isoformat()} is more than "
            f"{int(MAX_CLOCK_AHEAD.total_seconds() // 60)} minutes ahead of the server clock"
        )
    return None


def utc_iso(ts: datetime) -> str:
    """Format a timestamp the way the contract writes it."""
    return ts.isoformat().replace("+00:00", "Z")
