"""The firmware on a SIM7080G under MicroPython: a simulated radio, the real broker, ingest and database.

The modem simulator (``modem_sim.py``) speaks the module's AT dialogue over a pseudo-terminal and
bridges its MQTT client to the real Mosquitto; the real ingest stores what arrives.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from devices import Mounting, Network, provision
from harness.micropython import MP_TESTS, run
from paho.mqtt.enums import CallbackAPIVersion

from tests.firmware.modem_sim import ModemSimulator, Scenario, readings_seqs
from tests.helpers import Conn, poll

BIN = "bin-cellular-1"


def _device_id(topic_root: str) -> str:
    return f"fs-c-{topic_root.lower()}"


@pytest.fixture
def broker_cleanup(mqtt_address: tuple[str, int], topic_root: str) -> Iterator[None]:
    """Afterwards: end the node's persistent session at the broker."""
    yield
    client = mqtt.Client(
        callback_api_version=CallbackAPIVersion.VERSION2,
        client_id=_device_id(topic_root),
        clean_session=True,
    )
    client.connect(*mqtt_address)
    client.disconnect()


def _provision(
    conn: Conn, tmp_path: Path, topic_root: str, mqtt_address: tuple[str, int], **cellular: Any
) -> str:
    """Provision a cellular node on a bin as `nettestad device provision` does, with short timers."""
    conn.execute(
        """INSERT INTO bins (id, name, district, container_type, volume_l, depth_mm, lat, lon)
           VALUES (%s, 'Doorniksewijk 12', 'Centrum', 'street_bin', 120, 1000, 50.82, 3.26)""",
        (BIN,),
    )
    device_id = _device_id(topic_root)
    document = provision(
        conn=conn,
        device_id=device_id,
        bin_id=BIN,
        network=Network(
            wifi_ssid="",
            wifi_password="",
            mqtt_host=mqtt_address[0],
            mqtt_port=mqtt_address[1],
            mqtt_tls=False,
            topic_root=topic_root,
        ),
        mounting=Mounting(sensor_offset_mm=100, blind_zone_mm=200),
        out=tmp_path / "config.json",
    )
    # What `nettestad device provision --kind sensor --radio cellular --apn ...` writes.
    del document["wifi"]
    document["radio"] = "cellular"
    document["cellular"] = {"apn": "iot.test"}
    # Timing for a simulated module that answers at once; the radio settings as provisioned.
    document["cellular"] |= {
        "register_timeout_s": 5,
        "pwrkey_ms": 20,
        "listen_ms": 50,
        "command_timeout_ms": 2000,
        "mqtt_timeout_ms": 5000,
        **cellular,
    }
    document["mqtt"]["attempts"] = 2
    (tmp_path / "config.json").write_text(json.dumps(document))
    # One ping per wake-up: these tests are about the radio.
    (tmp_path / "remote.json").write_text(json.dumps({"pings": 1}))
    return device_id


def _drive(tmp_path: Path, modem: ModemSimulator, *steps: int) -> tuple[dict[str, Any], str]:
    result = run(MP_TESTS / "drive.py", *map(str, steps), cwd=tmp_path, env=modem.env())
    assert result.returncode == 0, result.stdout + result.stderr
    line = next(x for x in result.stdout.splitlines() if x.startswith("SUMMARY "))
    summary: dict[str, Any] = json.loads(line.removeprefix("SUMMARY "))
    return summary, result.stdout


def _stored(conn: Conn, device_id: str) -> list[tuple[Any, ...]]:
    return conn.execute(
        "SELECT seq, distance_mm, rssi_dbm FROM fill_readings WHERE device_id = %s ORDER BY seq",
        (device_id,),
    ).fetchall()


def _wait_stored(conn: Conn, device_id: str, seqs: list[int]) -> list[tuple[Any, ...]]:
    return poll(
        lambda: [r[0] for r in _stored(conn, device_id)] == seqs and _stored(conn, device_id),
        what=f"readings {seqs} stored",
    )


def _assert_never_resent(modem: ModemSimulator) -> None:
    """No reading the module acknowledged was ever published again."""
    acknowledged: set[int] = set()
    for seqs, acked in readings_seqs(modem.published):
        assert not acknowledged & set(seqs), f"acknowledged readings resent: {seqs}"
        if acked:
            acknowledged |= set(seqs)


@pytest.fixture
def modem_world(
    tmp_path: Path, mqtt_address: tuple[str, int]
) -> Iterator[tuple[Path, ModemSimulator, Scenario]]:
    """A scenario to fill in, and the simulated module running it."""
    scenario = Scenario()
    with ModemSimulator(mqtt_address, scenario, tmp_path) as modem:
        yield tmp_path, modem, scenario


World = tuple[Path, ModemSimulator, Scenario]


def test_readings_reach_the_database_and_the_module_wakes_from_psm(
    db: Conn,
    running_ingest: Any,
    topic_root: str,
    mqtt_address: tuple[str, int],
    modem_world: World,
    broker_cleanup: None,
) -> None:
    """Readings kept during six PSM hours go out at the heartbeat without a new network attach."""
    work, modem, _ = modem_world
    device_id = _provision(db, work, topic_root, mqtt_address)
    # First report; six quiet hours kept in RTC memory; the heartbeat reports them.
    summary, out = _drive(work, modem, 900, 900, 900, 900, 900, 900, 900)
    assert summary["reasons"] == ["first", None, None, None, None, None, "heartbeat"], out
    # The ESP32 waits on the module at 80 MHz; a wake-up without a report stays at 160 MHz.
    assert summary["cpu_mhz"] == [80, 160, 160, 160, 160, 160, 80]
    rows = _wait_stored(db, device_id, list(range(7)))
    assert {r[1] for r in rows} == {900}
    # The signal belongs to the reading taken while connected: +CSQ 20 is -73 dBm.
    assert [r[2] for r in rows] == [-73, None, None, None, None, None, -73]
    assert modem.attaches == 1  # registration kept through PSM
    assert modem.psm_wakes == 1
    assert modem.power_at_sleep == ["on", "psm", "psm", "psm", "psm", "psm", "on"]
    assert 'AT+CPSMS=1,,,"00111000","00000010"' in modem.commands
    _assert_never_resent(modem)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"no_sim_wakes": {0}}, "no SIM card"),
        ({"no_coverage_wakes": {0}}, "no network found"),
        ({"endless_search_wakes": {0}}, "not registered within 1 s"),
    ],
    ids=["no-sim", "no-coverage", "registration-timeout"],
)
def test_readings_kept_without_network_are_sent_once_later(
    db: Conn,
    running_ingest: Any,
    topic_root: str,
    mqtt_address: tuple[str, int],
    modem_world: World,
    broker_cleanup: None,
    change: dict[str, set[int]],
    reason: str,
) -> None:
    """Without SIM, cell or registration the attempt fails with its reason, the module is switched
    off, and the readings go out with the next attempt, each once."""
    work, modem, scenario = modem_world
    for name, value in change.items():
        setattr(scenario, name, value)
    device_id = _provision(db, work, topic_root, mqtt_address, register_timeout_s=1)
    summary, out = _drive(work, modem, 900, 900, 900, 900)
    # The failed first report backs off for half a heartbeat (3 h), then tries again.
    assert summary["reasons"] == ["first", None, None, "first"]
    assert f"attempt 1 no network: {reason}" in out
    assert "attempt 2" not in out  # the same search again would only cost energy
    assert modem.power_at_sleep[0] == "off"  # not left searching for a cell all hour
    _wait_stored(db, device_id, [0, 1, 2, 3])
    _assert_never_resent(modem)


def test_signal_lost_mid_publish_resends_only_what_was_not_acknowledged(
    db: Conn,
    running_ingest: Any,
    topic_root: str,
    mqtt_address: tuple[str, int],
    modem_world: World,
    broker_cleanup: None,
) -> None:
    """The cell goes away during the second reading message: the first stays sent, the rest follow
    at the next attempt, and the database holds every reading once."""
    work, modem, scenario = modem_world
    scenario.no_coverage_wakes = {0, 3, 6}
    scenario.lose_signal_at_publish = 3  # status, readings 1, readings 2 (lost)
    scenario.forward_interrupted = True  # ...but the broker did get it
    device_id = _provision(db, work, topic_root, mqtt_address)
    summary, out = _drive(work, modem, *[900] * 13)
    assert summary["reasons"][9] == "first"
    assert summary["reasons"][12] == "first"
    messages = readings_seqs(modem.published)
    assert messages[0][1]
    assert not messages[1][1]
    assert "failed:" in out
    _wait_stored(db, device_id, list(range(13)))
    _assert_never_resent(modem)


def test_module_restart_mid_publish_reattaches_and_sends_the_rest(
    db: Conn,
    running_ingest: Any,
    topic_root: str,
    mqtt_address: tuple[str, int],
    modem_world: World,
    broker_cleanup: None,
) -> None:
    """The module restarts (RDY) during a publish: the next attempt attaches again and sends it."""
    work, modem, scenario = modem_world
    scenario.restart_at_publish = 2
    scenario.forward_interrupted = False
    device_id = _provision(db, work, topic_root, mqtt_address)
    summary, out = _drive(work, modem, 900)
    assert summary["reasons"] == ["first"]
    assert "module restarted (RDY) during AT+SMPUB" in out
    assert modem.attaches == 2
    _wait_stored(db, device_id, [0])
    _assert_never_resent(modem)


@pytest.mark.parametrize(
    ("command", "garbled", "logged"),
    [
        ("AT+CSQ", "+CSQ: ??,99", "not a number in '+CSQ: ??,99'"),
        ("AT+SMCONN", "+SMCONN: 7", "unexpected '+SMCONN: 7' in answer to AT+SMCONN"),
        ("AT+CEREG?", "+CEREG: 0,42", "registration state out of range in '+CEREG: 0,42'"),
    ],
    ids=["signal", "connect", "registration"],
)
def test_unexpected_answer_is_a_logged_retry_and_invents_nothing(
    db: Conn,
    running_ingest: Any,
    topic_root: str,
    mqtt_address: tuple[str, int],
    modem_world: World,
    broker_cleanup: None,
    command: str,
    garbled: str,
    logged: str,
) -> None:
    """An answer the driver cannot read is logged with the line, the attempt retried, and the
    reading stored with the signal the module really reported."""
    work, modem, scenario = modem_world
    scenario.garble = {command: garbled}
    device_id = _provision(db, work, topic_root, mqtt_address)
    summary, out = _drive(work, modem, 900)
    assert summary["reasons"] == ["first"]
    assert logged in out
    rows = _wait_stored(db, device_id, [0])
    assert rows[0][2] == -73


def test_nb_iot_node_asks_for_its_radio_and_edrx_cycle(
    db: Conn,
    running_ingest: Any,
    topic_root: str,
    mqtt_address: tuple[str, int],
    modem_world: World,
    broker_cleanup: None,
) -> None:
    """A node configured for NB-IoT with eDRX selects NB-IoT and requests the NB-S1 eDRX cycle."""
    work, modem, _ = modem_world
    device_id = _provision(db, work, topic_root, mqtt_address, rat="nb-iot", edrx_s=81.92)
    summary, _ = _drive(work, modem, 900)
    assert summary["reasons"] == ["first"]
    assert "AT+CMNB=2" in modem.commands
    assert 'AT+CEDRXS=1,5,"0101"' in modem.commands
    assert 'AT+CNCFG=0,1,"iot.test"' in modem.commands
    _wait_stored(db, device_id, [0])


def test_retained_config_reaches_the_node_through_the_module(
    db: Conn,
    running_ingest: Any,
    topic_root: str,
    mqtt_address: tuple[str, int],
    modem_world: World,
    broker_cleanup: None,
) -> None:
    """The retained config arrives as a +SMSUB line, is applied, and the status says so."""
    work, modem, _ = modem_world
    device_id = _provision(db, work, topic_root, mqtt_address)
    server = mqtt.Client(
        callback_api_version=CallbackAPIVersion.VERSION2, client_id=f"srv-{device_id}"
    )
    server.connect(*mqtt_address)
    server.loop_start()
    config_topic = f"{topic_root}/v1/dev/{device_id}/down/config"
    document = json.dumps({"version": 5, "measure_interval_s": 1800}).encode()
    server.publish(config_topic, document, qos=1, retain=True).wait_for_publish(10)
    try:
        summary, _ = _drive(work, modem, 900)
    finally:
        server.publish(config_topic, b"", qos=1, retain=True).wait_for_publish(10)
        server.loop_stop()
        server.disconnect()
    assert summary["sleeps_ms"] == [1_800_000]
    statuses = [json.loads(m.payload) for m in modem.published if m.topic.endswith("/up/status")]
    assert "config 5 applied" in statuses[0]["detail"]
