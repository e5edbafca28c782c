"""LoRaWAN uplinks replayed from recorded network-server JSON through the real Mosquitto into the
real database: stored like our own sensors' readings, bad ones dead-lettered with the reason."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from devices import LoRaWANSensor, register_lorawan_sensor
from tests.conftest import FIXTURES
from tests.helpers import Conn, poll
from tests.ingest.conftest import count, ingest_settings, ingest_worker

APP = "3b1e3c4f-6f0a-4d4c-9c1e-2f0c5a7d9e11"
MILESIGHT = "24e124710c401234"
DRAGINO = "a84041000181abcd"


def recorded(name: str) -> bytes:
    """A recorded uplink."""
    return (FIXTURES / "lorawan" / name).read_bytes()


def chirpstack_topic(root: str, dev_eui: str = MILESIGHT) -> str:
    """Where ChirpStack publishes a device's uplinks under this installation's prefix."""
    return f"{root}/lns/application/{APP}/device/{dev_eui}/event/up"


def tts_topic(root: str) -> str:
    """Where the bridged The Things Stack uplinks of the Dragino arrive."""
    return f"{root}/lns/v3/kortrijk-vuilbakken@kortrijk/devices/ldds75-marktplein/up"


@pytest.fixture
def sensors(db: Conn) -> dict[str, str]:
    """A 1.1 m deep container with a Milesight and a Dragino sensor; DevEUI → device id."""
    db.execute(
        """INSERT INTO bins (id, name, district, container_type, category, volume_l, depth_mm,
               lat, lon)
           VALUES ('bin-k-0101', 'Grote Markt', 'Centrum', 'underground', 'underground', 3000,
                   1100, 50.828, 3.265),
                  ('bin-k-0102', 'Marktplein', 'Centrum', 'street_bin', 'fixed', 120, 1100,
                   50.829, 3.266)"""
    )
    register_lorawan_sensor(
        conn=db, device_id="lw-ms-0101", bin_id="bin-k-0101",
        sensor=LoRaWANSensor(MILESIGHT, "milesight-em310-udl", sensor_offset_mm=100),
    )  # fmt: skip
    register_lorawan_sensor(
        conn=db, device_id="lw-dr-0102", bin_id="bin-k-0102",
        sensor=LoRaWANSensor(DRAGINO, "dragino-ldds75", sensor_offset_mm=100),
    )  # fmt: skip
    return {MILESIGHT: "lw-ms-0101", DRAGINO: "lw-dr-0102"}


@pytest.fixture
def publish(mqtt_address: tuple[str, int]) -> Iterator[Callable[[str, bytes], None]]:
    """Publish like a network server's integration: QoS 1, each acknowledged by the broker."""
    client = mqtt.Client(callback_api_version=CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    client.connect(*mqtt_address)
    client.loop_start()

    def send(topic: str, payload: bytes) -> None:
        info = client.publish(topic, payload, qos=1)
        info.wait_for_publish(10)
        assert info.is_published()

    yield send
    client.disconnect()
    client.loop_stop()


def _settled(service: Any, n: int) -> None:
    poll(lambda: service.stats().received >= n, what=f"{n} messages processed")


def test_uplinks_of_both_network_servers_are_stored_as_readings(
    db: Conn, sensors: dict[str, str], topic_root: str, running_ingest: Any, publish: Any
) -> None:
    """A ChirpStack and a TTS uplink become readings with fill, battery, signal and time."""
    publish(chirpstack_topic(topic_root), recorded("chirpstack_em310_valid.json"))
    publish(tts_topic(topic_root), recorded("tts_ldds75_valid.json"))
    _settled(running_ingest, 2)
    rows = db.execute(
        """SELECT device_id, bin_id, ts, seq, distance_mm, filling_level, battery_v, rssi_dbm,
                  quality, status, temperature_c
           FROM fill_readings ORDER BY device_id"""
    ).fetchall()
    assert rows == [
        ("lw-dr-0102", "bin-k-0102", datetime(2026, 11, 30, 6, 10, 41, 228541, tzinfo=UTC), 311,
         550, pytest.approx(0.55), pytest.approx(3.612), -88, "ok", "ok", None),
        ("lw-ms-0101", "bin-k-0101", datetime(2026, 11, 30, 6, 15, 2, 775023, tzinfo=UTC), 1187,
         550, pytest.approx(0.55), None, -97, "ok", "ok", None),
    ]  # fmt: skip
    learnt = db.execute(
        """SELECT device_id, network, lns_application, lns_device_id, battery_pct, last_fcnt
           FROM lorawan_devices ORDER BY device_id"""
    ).fetchall()
    assert learnt == [
        ("lw-dr-0102", "tts", "kortrijk-vuilbakken@kortrijk", "ldds75-marktplein", None, 311),
        ("lw-ms-0101", "chirpstack", APP, MILESIGHT, 92, 1187),
    ]
    seen = db.execute("SELECT count(*) FROM devices WHERE last_seen_at IS NOT NULL").fetchone()
    assert seen == (2,)
    assert count(db, "SELECT count(*) FROM dead_letters") == 0


def test_bad_uplinks_become_dead_letters_with_the_reason(
    db: Conn, sensors: dict[str, str], topic_root: str, running_ingest: Any, publish: Any
) -> None:
    """Malformed, unknown DevEUI, wrong port, undecodable: each a dead letter, no reading."""
    cases = [
        (chirpstack_topic(topic_root), "chirpstack_malformed.json"),
        (chirpstack_topic(topic_root, "24e1247199990001"), "chirpstack_unknown_deveui.json"),
        (chirpstack_topic(topic_root), "chirpstack_em310_wrong_port.json"),
        (chirpstack_topic(topic_root), "chirpstack_em310_undecodable.json"),
        (tts_topic(topic_root), "tts_ldds75_truncated.json"),
    ]
    for topic, name in cases:
        publish(topic, recorded(name))
    _settled(running_ingest, len(cases))
    letters = db.execute(
        "SELECT code, device_id, reason, payload FROM dead_letters ORDER BY id"
    ).fetchall()
    assert [(code, device) for code, device, _, _ in letters] == [
        ("not_json", None),
        ("unknown_device", None),
        ("wrong_port", "lw-ms-0101"),
        ("undecodable_payload", "lw-ms-0101"),
        ("undecodable_payload", "lw-dr-0102"),
    ]
    assert "24e1247199990001" in letters[1][2]
    assert "port 85" in letters[2][2]
    assert [bytes(p) for *_, p in letters] == [recorded(name) for _, name in cases]
    assert count(db, "SELECT count(*) FROM fill_readings") == 0


def test_a_duplicated_frame_counter_is_stored_once(
    db: Conn, sensors: dict[str, str], topic_root: str, running_ingest: Any, publish: Any
) -> None:
    """The same uplink twice is stored once; its counter again at another time is a replay."""
    for name in ("chirpstack_em310_valid.json", "chirpstack_em310_valid.json",
                 "chirpstack_em310_tilted.json", "chirpstack_em310_replayed_fcnt.json"):  # fmt: skip
        publish(chirpstack_topic(topic_root), recorded(name))
    _settled(running_ingest, 4)
    assert db.execute("SELECT seq, status FROM fill_readings ORDER BY seq").fetchall() == [
        (1187, "ok"),
        (1188, "dropped"),
    ]
    assert db.execute("SELECT code, device_id FROM dead_letters").fetchall() == [
        ("fcnt_replay", "lw-ms-0101")
    ]
    assert running_ingest.stats().duplicates == 1
    # the tilted container raised the same alert as our own sensor's "dropped"
    assert db.execute("SELECT kind FROM alerts WHERE device_id = 'lw-ms-0101'").fetchall() == [
        ("tilt",)
    ]


def test_a_frame_counter_reset_loses_and_duplicates_nothing(
    *,
    db: Conn,
    sensors: dict[str, str],
    topic_root: str,
    running_ingest: Any,
    publish: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """After a restart at 0 the readings go on in a new epoch (logged with the old and new
    counter); an old uplink redelivered after the reset is recognised as stored, not stored
    twice and not dead-lettered."""
    for name in ("chirpstack_em310_valid.json", "chirpstack_em310_tilted.json",
                 "chirpstack_em310_after_reset.json", "chirpstack_em310_valid.json"):  # fmt: skip
        publish(chirpstack_topic(topic_root), recorded(name))
    _settled(running_ingest, 4)
    assert [r[0] for r in db.execute("SELECT seq FROM fill_readings ORDER BY ts")] == [
        1187, 1188, 2**32,
    ]  # fmt: skip
    state = db.execute(
        "SELECT fcnt_epoch, last_fcnt, fcnt_resets FROM lorawan_devices WHERE dev_eui = %s",
        (MILESIGHT,),
    ).fetchone()
    assert state == (1, 0, 1)
    assert count(db, "SELECT count(*) FROM dead_letters") == 0
    assert "lw-ms-0101 (DevEUI 24e124710c401234): frame counter restarted (was 1188, now 0)" in (
        caplog.text
    )


def test_an_uplink_from_before_the_reset_is_refused_not_guessed(
    db: Conn, sensors: dict[str, str], topic_root: str, running_ingest: Any, publish: Any
) -> None:
    """A frame older than the restart that was never stored has no known epoch: dead letter."""
    for name in ("chirpstack_em310_tilted.json", "chirpstack_em310_after_reset.json",
                 "chirpstack_em310_valid.json"):  # fmt: skip
        publish(chirpstack_topic(topic_root), recorded(name))
    _settled(running_ingest, 3)
    assert count(db, "SELECT count(*) FROM fill_readings") == 2
    assert db.execute("SELECT code FROM dead_letters").fetchall() == [("stale_frame",)]


def test_device_information_is_proof_of_life_without_a_reading(
    db: Conn, sensors: dict[str, str], topic_root: str, running_ingest: Any, publish: Any
) -> None:
    """The join-time information frame marks the sensor online with its firmware, no reading."""
    publish(chirpstack_topic(topic_root), recorded("chirpstack_em310_join_info.json"))
    _settled(running_ingest, 1)
    row = db.execute(
        "SELECT state, firmware, last_seen_at IS NOT NULL FROM devices WHERE id = 'lw-ms-0101'"
    ).fetchone()
    assert row == ("online", "v1.14", True)
    assert count(db, "SELECT count(*) FROM fill_readings") == 0


def test_a_probe_without_echo_is_unknown_never_empty(
    db: Conn, sensors: dict[str, str], topic_root: str, running_ingest: Any, publish: Any
) -> None:
    """The LDDS75's missing probe is stored as no_echo with no fill, not as an empty bin."""
    publish(tts_topic(topic_root), recorded("tts_ldds75_no_sensor.json"))
    _settled(running_ingest, 1)
    assert db.execute(
        "SELECT distance_mm, filling_level, quality FROM fill_readings"
    ).fetchall() == [(None, None, "no_echo")]


def _uplink(dev_eui: str, f_cnt: int, at: datetime) -> bytes:
    body = json.loads(recorded("chirpstack_em310_valid.json"))
    event = copy.deepcopy(body)
    event["deviceInfo"]["devEui"] = dev_eui
    event["fCnt"] = f_cnt
    event["time"] = at.isoformat()
    return json.dumps(event).encode()


def test_no_uplink_is_lost_across_an_ingest_restart(
    db: Conn, database_url: str, topic_root: str, mqtt_address: tuple[str, int], publish: Any
) -> None:
    """Uplinks published before, during and after a restart of ingest are all stored, once."""
    db.execute(
        """INSERT INTO bins (id, name, district, container_type, category, volume_l, depth_mm,
               lat, lon)
           SELECT 'bin-r-' || i, 'Straat ' || i, 'Heule', 'street_bin', 'fixed', 120, 1000,
                  50.84, 3.25 FROM generate_series(1, 20) i"""
    )
    euis = [f"24e12471{i:08x}" for i in range(1, 21)]
    for i, eui in enumerate(euis, start=1):
        register_lorawan_sensor(
            conn=db, device_id=f"lw-r-{i:04d}", bin_id=f"bin-r-{i}",
            sensor=LoRaWANSensor(eui, "milesight-em310-udl"),
        )  # fmt: skip
    start = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)
    uplinks = [
        (chirpstack_topic(topic_root, eui), _uplink(eui, n, start + timedelta(minutes=20 * n)))
        for n in range(1, 16)
        for eui in euis
    ]
    settings = ingest_settings(
        database_url=database_url, root=topic_root, port=mqtt_address[1],
        client_id=f"ingest-{topic_root}", batch_size=50,
    )  # fmt: skip
    third = len(uplinks) // 3
    with ingest_worker(settings):
        for topic, payload in uplinks[:third]:
            publish(topic, payload)
    for topic, payload in uplinks[third : 2 * third]:  # ingest is down: the broker keeps them
        publish(topic, payload)
    with ingest_worker(settings):
        for topic, payload in uplinks[2 * third :]:
            publish(topic, payload)
        poll(
            lambda: count(db, "SELECT count(*) FROM fill_readings") >= len(uplinks),
            what="every uplink stored",
        )
    distinct = count(db, "SELECT count(DISTINCT (device_id, seq)) FROM fill_readings")
    assert (count(db, "SELECT count(*) FROM fill_readings"), distinct) == (len(uplinks),) * 2
    assert count(db, "SELECT count(*) FROM dead_letters") == 0
