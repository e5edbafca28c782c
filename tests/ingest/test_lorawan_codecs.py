"""LoRaWAN uplinks parsed and decoded from recorded network-server JSON: pure, no I/O."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import pytest

from db.devices import LoRaWANRoute
from ingest.lorawan.codec import DeviceInfo, Measurement, UndecodableError, WrongPortError
from ingest.lorawan.downlink import interval_downlink
from ingest.lorawan.dragino import LDDS75
from ingest.lorawan.envelope import Network, Refusal, Refused, Topics, Uplink, parse_uplink
from ingest.lorawan.frames import SensorState, Verdict, fill_of, judge
from ingest.lorawan.milesight import EM310UDL
from tests.conftest import FIXTURES

TOPICS = Topics("kortrijk/lns/")
CS_TOPIC = (
    "kortrijk/lns/application/3b1e3c4f-6f0a-4d4c-9c1e-2f0c5a7d9e11/device/24e124710c401234/event/up"
)
TTS_TOPIC = "kortrijk/lns/v3/kortrijk-vuilbakken@kortrijk/devices/ldds75-marktplein/up"


def uplink(name: str, topic: str = CS_TOPIC) -> Uplink:
    """A recorded uplink, parsed."""
    result = parse_uplink(topic, (FIXTURES / "lorawan" / name).read_bytes(), TOPICS)
    assert isinstance(result, Uplink), result
    return result


def test_chirpstack_uplink_gives_deveui_counter_port_bytes_time_and_best_rssi() -> None:
    """A ChirpStack v4 uplink event is read with its documented fields."""
    up = uplink("chirpstack_em310_valid.json")
    assert (up.network, up.dev_eui, up.f_cnt, up.f_port) == (
        Network.CHIRPSTACK, "24e124710c401234", 1187, 85,
    )  # fmt: skip
    assert up.data == bytes.fromhex("01755c03822602040000")
    assert up.time == datetime(2026, 11, 30, 6, 15, 2, 775023, tzinfo=UTC)
    assert up.rssi_dbm == -97


def test_tts_uplink_gives_deveui_counter_port_bytes_and_time() -> None:
    """A The Things Stack v3 uplink message is read, its upper-case DevEUI normalised."""
    up = uplink("tts_ldds75_valid.json", TTS_TOPIC)
    assert (up.network, up.dev_eui, up.f_cnt, up.f_port) == (
        Network.TTS, "a84041000181abcd", 311, 2,
    )  # fmt: skip
    assert (up.application, up.lns_device_id) == (
        "kortrijk-vuilbakken@kortrijk",
        "ldds75-marktplein",
    )
    assert up.data == bytes.fromhex("0e1c022600000001")


def test_a_counter_left_out_is_zero() -> None:
    """Both servers omit a zero frame counter, which therefore reads as 0."""
    assert uplink("chirpstack_em310_after_reset.json").f_cnt == 0


def test_malformed_json_is_refused_with_the_reason() -> None:
    """A cut-off uplink is refused as not JSON, never half read."""
    payload = (FIXTURES / "lorawan" / "chirpstack_malformed.json").read_bytes()
    result = parse_uplink(CS_TOPIC, payload, TOPICS)
    assert isinstance(result, Refused)
    assert result.code is Refusal.NOT_JSON


def test_topic_and_payload_deveui_must_agree() -> None:
    """An uplink whose DevEUI differs from its topic's is refused as a mismatch."""
    payload = (FIXTURES / "lorawan" / "chirpstack_unknown_deveui.json").read_bytes()
    result = parse_uplink(CS_TOPIC, payload, TOPICS)
    assert isinstance(result, Refused)
    assert result.code is Refusal.DEVICE_MISMATCH


def test_em310_documented_example_decodes() -> None:
    """Milesight's own example 01755C 03824408 040001 is 92 %, 2116 mm, tilted."""
    decoded = EM310UDL().decode(85, bytes.fromhex("01755C03824408040001"))
    assert decoded == Measurement(distance_mm=2116, battery_pct=92, tilted=True)


def test_em310_join_information_is_no_reading() -> None:
    """Device information sent after a join decodes as proof of life, firmware included."""
    decoded = EM310UDL().decode(85, uplink("chirpstack_em310_join_info.json").data)
    assert decoded == DeviceInfo(firmware="v1.14")


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("chirpstack_em310_undecodable.json", UndecodableError),
        ("chirpstack_em310_wrong_port.json", WrongPortError),
    ],
)
def test_em310_refuses_what_the_documentation_does_not_have(
    name: str, error: type[Exception]
) -> None:
    """An unknown channel or another port raises, so nothing is guessed."""
    up = uplink(name)
    with pytest.raises(error):
        EM310UDL().decode(up.f_port, up.data)


def test_ldds75_reading_decodes_without_inventing_a_temperature() -> None:
    """3612 mV and 550 mm; an absent DS18B20 (0x0000) is unknown, not 0 °C."""
    up = uplink("tts_ldds75_valid.json", TTS_TOPIC)
    assert LDDS75().decode(up.f_port, up.data) == Measurement(
        distance_mm=550, battery_v=3.612, temperature_c=None
    )


def test_ldds75_without_probe_has_no_distance() -> None:
    """Distance 0 with sensor flag 0 means no probe: no distance, flagged."""
    up = uplink("tts_ldds75_no_sensor.json", TTS_TOPIC)
    decoded = LDDS75().decode(up.f_port, up.data)
    assert isinstance(decoded, Measurement)
    assert (decoded.distance_mm, decoded.no_sensor) == (None, True)


def test_ldds75_short_frame_is_undecodable() -> None:
    """Seven bytes are one short of the documented frame."""
    up = uplink("tts_ldds75_truncated.json", TTS_TOPIC)
    with pytest.raises(UndecodableError, match="8"):
        LDDS75().decode(up.f_port, up.data)


def test_interval_downlinks_are_the_documented_bytes() -> None:
    """EM310-UDL: FF 03 + uint16 LE seconds on port 85; LDDS75: 01 + 3 bytes BE seconds."""
    assert EM310UDL().interval_downlink(1200) == (85, bytes.fromhex("ff03b004"))
    assert LDDS75().interval_downlink(1200) == (2, bytes.fromhex("010004b0"))
    with pytest.raises(ValueError, match="65535"):
        EM310UDL().interval_downlink(70_000)


def _state(**values: object) -> SensorState:
    defaults: dict[str, object] = {
        "device_id": "lw-k0001", "dev_eui": "24e124710c401234", "codec": "milesight-em310-udl",
        "bin_id": "bin-1", "depth_mm": 1100, "sensor_offset_mm": 100, "blind_zone_mm": 250,
    }  # fmt: skip
    defaults.update(values)
    return SensorState(**defaults)  # type: ignore[arg-type]  # test values of the right types


def test_distance_becomes_fill_over_the_usable_height() -> None:
    """550 mm in a 1100 mm bin with a 100 mm offset is 55 % full; the blind zone is full."""
    state = _state()
    assert fill_of(Measurement(distance_mm=550), state)[1] == 0.55
    assert fill_of(Measurement(distance_mm=120), state)[1:] == (1.0, "blind_zone")
    assert fill_of(Measurement(distance_mm=2116), state)[1:] == (None, "out_of_range")


def test_frame_counter_verdicts() -> None:
    """Higher and later is new, the same uplink is a duplicate, lower and later a reset."""
    up = uplink("chirpstack_em310_valid.json")
    state = _state(last_fcnt=1187, last_time=up.time)
    assert judge(up, state) is Verdict.DUPLICATE
    assert judge(uplink("chirpstack_em310_tilted.json"), state) is Verdict.NEW
    assert judge(uplink("chirpstack_em310_after_reset.json"), state) is Verdict.RESET
    later = _state(last_fcnt=1188, last_time=uplink("chirpstack_em310_tilted.json").time)
    assert judge(uplink("chirpstack_em310_replayed_fcnt.json"), later) is Verdict.REPLAY
    assert judge(up, later) is Verdict.OLDER


def test_chirpstack_downlink_is_its_documented_command() -> None:
    """An EM310-UDL behind ChirpStack gets `FF 03 0807` (1800 s) on port 85 as a down command."""
    route = LoRaWANRoute(
        "chirpstack", "app-1", "24e124710c401234", "24e124710c401234", "milesight-em310-udl"
    )
    topic, payload = interval_downlink(route, 1800, TOPICS)
    assert topic == "kortrijk/lns/application/app-1/device/24e124710c401234/command/down"
    assert json.loads(payload) == {
        "devEui": "24e124710c401234", "confirmed": False, "fPort": 85, "data": "/wMIBw==",
    }  # fmt: skip
    assert base64.b64decode("/wMIBw==") == bytes.fromhex("ff030807")
