"""Recorded payloads replayed through the contract decoder."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from contracts.decode import Decoded, RejectCode, Rejected, decode
from contracts.payloads import MAX_PAYLOAD_BYTES, DeviceStatus, DumpingEvent, Quality, ReadingBatch
from contracts.topics import UpKind, parse_up_topic, up_subscription, up_topic

READING = up_topic("fill-0001", UpKind.READING)


def test_valid_batch_decodes_with_timezones_normalised(
    fixture_bytes: Callable[[str], bytes],
) -> None:
    """A valid batch decodes; an offset timestamp means the same instant as its UTC form."""
    result = decode(READING, fixture_bytes("mqtt/reading_valid.json"))
    assert isinstance(result, Decoded)
    assert isinstance(result.payload, ReadingBatch)
    first, second = result.payload.readings
    assert (second.ts - first.ts).total_seconds() == 0  # 07:15+01:00 is 06:15Z
    assert first.filling_level == pytest.approx(0.2)


def test_no_echo_is_unknown_not_empty(fixture_bytes: Callable[[str], bytes]) -> None:
    """A reading without echo carries no fill level rather than a fill of zero."""
    result = decode(READING, fixture_bytes("mqtt/reading_no_echo.json"))
    assert isinstance(result, Decoded)
    assert isinstance(result.payload, ReadingBatch)
    reading = result.payload.readings[0]
    assert reading.quality is Quality.NO_ECHO
    assert reading.filling_level is None


@pytest.mark.parametrize(
    ("fixture", "code", "needle"),
    [
        ("mqtt/reading_truncated.json", RejectCode.NOT_JSON, "not JSON"),
        ("mqtt/binary_garbage.bin", RejectCode.NOT_JSON, "not JSON"),
        ("mqtt/reading_level_out_of_range.json", RejectCode.INVALID, "filling_level"),
        ("mqtt/reading_naive_time.json", RejectCode.INVALID, "ts"),
        ("mqtt/reading_unknown_field.json", RejectCode.INVALID, "fill_percent"),
        ("mqtt/reading_other_device.json", RejectCode.DEVICE_MISMATCH, "fill-0002"),
    ],
)
def test_bad_payloads_are_rejected_with_a_reason(
    fixture_bytes: Callable[[str], bytes], fixture: str, code: RejectCode, needle: str
) -> None:
    """Each kind of bad payload is rejected with its own code and a reason naming the problem."""
    result = decode(READING, fixture_bytes(fixture))
    assert isinstance(result, Rejected)
    assert result.code is code
    assert needle in result.reason
    assert result.device_id == "fill-0001"


def test_oversized_payload_is_rejected_before_parsing() -> None:
    """A payload above the size limit is refused without being parsed."""
    result = decode(READING, b"{" + b" " * MAX_PAYLOAD_BYTES + b"}")
    assert isinstance(result, Rejected)
    assert result.code is RejectCode.OVERSIZED


@pytest.mark.parametrize(
    "topic",
    [
        "nettestad/v1/dev/fill-0001/up/unknown",
        "nettestad/v2/dev/fill-0001/up/reading",
        "nettestad/v1/dev/FILL 1/up/reading",
        "nettestad/v1/dev/fill-0001/down/config",
        "other/v1/dev/fill-0001/up/reading",
        "nettestad/v1/dev/fill-0001/up/reading/extra",
    ],
)
def test_foreign_topics_are_rejected(topic: str) -> None:
    """Only v1 device-to-server topics under our root are accepted."""
    result = decode(topic, b"{}")
    assert isinstance(result, Rejected)
    assert result.code is RejectCode.BAD_TOPIC


def test_status_and_event_payloads_decode(fixture_bytes: Callable[[str], bytes]) -> None:
    """Status (including the minimal last will) and dumping events decode to their models."""
    lwt = decode(up_topic("fill-0001", UpKind.STATUS), fixture_bytes("mqtt/status_lwt.json"))
    assert isinstance(lwt, Decoded)
    assert isinstance(lwt.payload, DeviceStatus)
    assert lwt.payload.state == "offline"
    event = decode(up_topic("cam-0001", UpKind.EVENT), fixture_bytes("mqtt/event_dumping.json"))
    assert isinstance(event, Decoded)
    assert isinstance(event.payload, DumpingEvent)
    assert event.payload.person_present


def test_topic_helpers_round_trip() -> None:
    """Built topics parse back; a shared subscription wraps the same filter."""
    parsed = parse_up_topic(up_topic("cam-0007", UpKind.EVENT, root="krt"), root="krt")
    assert parsed is not None
    assert (parsed.device_id, parsed.kind) == ("cam-0007", UpKind.EVENT)
    assert up_subscription(root="krt", share_group="ingest") == "$share/ingest/krt/v1/dev/+/up/#"
