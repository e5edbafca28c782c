"""Random and spliced uplinks thrown at the LoRaWAN parser and codecs: each is read or refused
with a reason, never raises anything else, and never yields a reading the contract refuses."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contracts.payloads import FillReading
from ingest.lorawan.codec import DeviceInfo, Measurement, UndecodableError, WrongPortError
from ingest.lorawan.codecs import CODECS
from ingest.lorawan.envelope import Refused, Topics, Uplink, parse_uplink
from ingest.lorawan.frames import SensorState, reading_of
from tests.conftest import FIXTURES

TOPICS = Topics("p/lns/")
CS_TOPIC = "p/lns/application/app/device/24e124710c401234/event/up"
TTS_TOPIC = "p/lns/v3/app@t/devices/ldds75-marktplein/up"
QUICK: dict[str, Any] = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.too_slow],
    "database": None,
}
RECORDED = {
    p.name: p.read_bytes() for p in sorted((FIXTURES / "lorawan").iterdir()) if p.suffix == ".json"
}
HOSTILE = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**40), max_value=2**40),
    st.floats(allow_nan=True), st.text(max_size=30), st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)  # fmt: skip
FIELDS = [
    ("fCnt",), ("fPort",), ("data",), ("time",), ("deviceInfo",), ("deviceInfo", "devEui"),
    ("rxInfo",), ("end_device_ids",), ("end_device_ids", "dev_eui"), ("uplink_message",),
    ("uplink_message", "f_cnt"), ("uplink_message", "f_port"), ("uplink_message", "frm_payload"),
    ("uplink_message", "received_at"), ("uplink_message", "rx_metadata"),
]  # fmt: skip


def _set(document: object, path: tuple[str, ...], value: object) -> object:
    body = copy.deepcopy(document)
    node = body
    for key in path[:-1]:
        if not isinstance(node, dict) or key not in node:
            return body
        node = node[key]
    if isinstance(node, dict):
        node[path[-1]] = value
    return body


@settings(max_examples=400, **QUICK)
@given(
    name=st.sampled_from(sorted(RECORDED)),
    field=st.sampled_from(FIELDS),
    value=HOSTILE,
    cut=st.integers(min_value=0, max_value=4000),
)
def test_an_uplink_is_read_or_refused_never_raises(
    name: str, field: tuple[str, ...], value: object, cut: int
) -> None:
    """A recorded uplink with one field made hostile, or cut short, is read or refused."""
    topic = TTS_TOPIC if name.startswith("tts") else CS_TOPIC
    try:
        document = json.loads(RECORDED[name])
    except ValueError:
        document = {}
    hostile = json.dumps(_set(document, field, value)).encode()
    for payload in (hostile, RECORDED[name][:cut]):
        assert isinstance(parse_uplink(topic, payload, TOPICS), Uplink | Refused)


@settings(max_examples=600, **QUICK)
@given(
    codec=st.sampled_from(sorted(CODECS)),
    port=st.integers(min_value=1, max_value=255),
    data=st.binary(max_size=40),
    depth=st.integers(min_value=200, max_value=3000),
)
def test_any_frame_is_decoded_or_refused_and_never_breaks_the_contract(
    codec: str, port: int, data: bytes, depth: int
) -> None:
    """Random bytes on any port decode as documented or raise the codec's own errors; what
    decodes is a valid contract reading or a refusal, never an invented value."""
    try:
        decoded = CODECS[codec].decode(port, data)
    except (UndecodableError, WrongPortError):
        return
    if isinstance(decoded, DeviceInfo):
        return
    assert isinstance(decoded, Measurement)
    state = SensorState("p-0001", "24e124710c401234", codec, "b", depth, 100, 250)
    uplink = Uplink(
        TOPICS.split(CS_TOPIC)[0], "24e124710c401234", "app", "x", 1, port, data,  # type: ignore[index]  # the topic is valid
        datetime(2026, 12, 1, tzinfo=UTC), -90,
    )  # fmt: skip
    result = reading_of(uplink, decoded, state, 1)
    assert isinstance(result, FillReading | Refused)
    if isinstance(result, FillReading) and result.distance_mm is not None:
        assert result.distance_mm == min(decoded.distance_mm or 0, depth)
