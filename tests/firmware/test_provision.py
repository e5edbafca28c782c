"""Provisioning by kind: our sensor (config file, broker entry), a LoRaWAN sensor, a camera."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from broker import read_passwd, verify_password
from devices import (
    LoRaWANSensor,
    Mounting,
    Network,
    ProvisioningError,
    provision,
    register_lorawan_sensor,
    send_interval,
)
from ingest.lorawan.envelope import Topics
from nettestad.cli import main
from paho.mqtt.enums import CallbackAPIVersion

from tests.helpers import Conn, poll

NETWORK = Network(wifi_ssid="kortrijk-iot", wifi_password="wifi-secret", mqtt_host="mqtt.example")


@pytest.fixture
def a_bin(db: Conn) -> str:
    """One registered 1.1 m deep underground container."""
    db.execute(
        """INSERT INTO bins (id, name, district, container_type, category, volume_l, depth_mm,
               lat, lon)
           VALUES ('bin-k-0007', 'Schouwburgplein', 'Centrum', 'underground', 'underground',
                   3000, 1100, 50.827, 3.266)"""
    )
    return "bin-k-0007"


def test_provision_registers_the_sensor_and_writes_a_private_config(
    db: Conn, a_bin: str, tmp_path: Path
) -> None:
    """The device is registered on the bin and its config file (owner-only) has what the firmware needs."""
    out = tmp_path / "config.json"
    passwd = tmp_path / "passwd"
    document = provision(
        conn=db,
        device_id="fs-k0007",
        bin_id=a_bin,
        network=NETWORK,
        mounting=Mounting(sensor_offset_mm=150),
        out=out,
        password_file=passwd,
    )
    assert db.execute("SELECT kind, bin_id FROM devices WHERE id = 'fs-k0007'").fetchone() == (
        "fill_sensor",
        a_bin,
    )
    written = json.loads(out.read_text())
    assert written == document
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert written["bin"]["depth_mm"] == 1100
    assert written["mqtt"] == {
        "host": "mqtt.example",
        "port": 8883,
        "tls": True,
        "username": "fs-k0007",
        "password": written["mqtt"]["password"],
        "topic_root": "nettestad",
    }
    password = written["mqtt"]["password"]
    assert len(password) >= 32
    # The broker entry verifies this password and holds no trace of it in clear.
    entries = read_passwd(passwd)
    assert list(entries) == ["fs-k0007"]
    assert verify_password(password, entries["fs-k0007"])
    assert not verify_password(password + "x", entries["fs-k0007"])
    assert password not in passwd.read_text()


def test_every_device_gets_its_own_password(db: Conn, a_bin: str, tmp_path: Path) -> None:
    """Re-provisioning (a replaced sensor) issues a new password and replaces the broker entry."""
    passwd = tmp_path / "passwd"
    passwd.write_text("other-device:$7$101$abc$def\n")
    first = provision(
        conn=db, device_id="fs-k0007", bin_id=a_bin, network=NETWORK, mounting=Mounting(),
        out=tmp_path / "a.json", password_file=passwd,
    )  # fmt: skip
    second = provision(
        conn=db, device_id="fs-k0007", bin_id=a_bin, network=NETWORK, mounting=Mounting(),
        out=tmp_path / "b.json", password_file=passwd,
    )  # fmt: skip
    assert first["mqtt"]["password"] != second["mqtt"]["password"]
    entries = read_passwd(passwd)
    assert list(entries) == ["other-device", "fs-k0007"]
    assert verify_password(second["mqtt"]["password"], entries["fs-k0007"])
    assert not verify_password(first["mqtt"]["password"], entries["fs-k0007"])


def test_provision_refuses_unknown_bins_and_bad_ids(db: Conn, a_bin: str, tmp_path: Path) -> None:
    """An unregistered bin, an invalid device id or an offset below the floor is refused clearly."""
    with pytest.raises(ProvisioningError, match="not registered"):
        provision(
            conn=db, device_id="fs-k0008", bin_id="bin-nowhere", network=NETWORK,
            mounting=Mounting(), out=tmp_path / "c.json",
        )  # fmt: skip
    with pytest.raises(ProvisioningError, match="must match"):
        provision(
            conn=db, device_id="FS_K", bin_id=a_bin, network=NETWORK, mounting=Mounting(),
            out=tmp_path / "c.json",
        )  # fmt: skip
    with pytest.raises(ProvisioningError, match="not above the floor"):
        provision(
            conn=db, device_id="fs-k0009", bin_id=a_bin, network=NETWORK,
            mounting=Mounting(sensor_offset_mm=1200), out=tmp_path / "c.json",
        )  # fmt: skip
    assert not (tmp_path / "c.json").exists()


def test_cli_provisions_and_revokes(
    db: Conn,
    a_bin: str,
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`nettestad device provision` and `device revoke` work end to end on the database."""
    monkeypatch.setenv("NETTESTAD_DATABASE_URL", database_url)
    monkeypatch.setenv("NETTESTAD_WIFI_PASSWORD", "wifi-secret")
    out = tmp_path / "dev" / "config.json"
    code = main(
        ["device", "provision", "fs-k0010", "--bin", a_bin, "--wifi-ssid", "kortrijk-iot",
         "--mqtt-host", "localhost", "--no-tls", "--topic-root", "kortrijk", "--out", str(out)]
    )  # fmt: skip
    assert code == 0
    written = json.loads(out.read_text())
    assert (written["mqtt"]["port"], written["mqtt"]["tls"]) == (1883, False)
    assert written["mqtt"]["topic_root"] == "kortrijk"
    assert written["wifi"] == {"ssid": "kortrijk-iot", "password": "wifi-secret"}
    assert main(["device", "revoke", "fs-k0010"]) == 0
    revoked = db.execute("SELECT revoked_at IS NOT NULL FROM devices WHERE id = 'fs-k0010'")
    assert revoked.fetchone() == (True,)
    assert main(["device", "revoke", "fs-k0010"]) == 1
    assert "already revoked" in capsys.readouterr().out


def test_out_pointing_at_a_folder_is_one_clear_line(
    db: Conn,
    a_bin: str,
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`--out DIR` fails with one line naming the folder, and registers nothing."""
    monkeypatch.setenv("NETTESTAD_DATABASE_URL", database_url)
    monkeypatch.setenv("NETTESTAD_WIFI_PASSWORD", "wifi-secret")
    code = main(
        ["device", "provision", "fs-k0011", "--bin", a_bin, "--wifi-ssid", "kortrijk-iot",
         "--mqtt-host", "localhost", "--out", str(tmp_path)]
    )  # fmt: skip
    err = capsys.readouterr().err
    assert code == 1
    assert err.count("\n") == 1
    assert "is a folder" in err
    assert "Traceback" not in err
    assert db.execute("SELECT count(*) FROM devices WHERE id = 'fs-k0011'").fetchone() == (0,)


def test_a_cellular_sensor_gets_its_apn_and_no_wifi(db: Conn, a_bin: str, tmp_path: Path) -> None:
    """A cellular sensor's config names its radio and APN; the registry records the radio."""
    network = Network(
        wifi_ssid="", wifi_password="", mqtt_host="mqtt.example", radio="cellular", apn="iot.be"
    )
    document = provision(
        conn=db, device_id="fs-k0012", bin_id=a_bin, network=network, mounting=Mounting(),
        out=tmp_path / "c.json",
    )  # fmt: skip
    assert "wifi" not in document
    assert (document["radio"], document["cellular"]) == ("cellular", {"apn": "iot.be"})
    radio = db.execute("SELECT config->>'radio' FROM devices WHERE id = 'fs-k0012'").fetchone()
    assert radio == ("cellular",)


def test_cli_registers_a_lorawan_sensor_by_deveui_and_codec(
    db: Conn,
    a_bin: str,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`--kind lorawan` registers the DevEUI, codec and mounting; no file, no broker account."""
    monkeypatch.setenv("NETTESTAD_DATABASE_URL", database_url)
    code = main(
        ["device", "provision", "lw-k0007", "--kind", "lorawan", "--bin", a_bin,
         "--dev-eui", "24E124710C400007", "--codec", "milesight-em310-udl",
         "--sensor-offset-mm", "120", "--report-interval-s", "900"]
    )  # fmt: skip
    assert code == 0, capsys.readouterr().err
    row = db.execute(
        """SELECT d.kind, d.bin_id, d.config->>'radio', (d.config->>'report_interval_s')::int,
                  l.dev_eui, l.codec, l.sensor_offset_mm
           FROM devices d JOIN lorawan_devices l ON l.device_id = d.id"""
    ).fetchone()
    assert row == (
        "fill_sensor", a_bin, "lorawan", 900, "24e124710c400007", "milesight-em310-udl", 120,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("dev_eui", "codec", "message"),
    [
        ("24e1247", "milesight-em310-udl", "16 hexadecimal"),
        ("24e124710c400007", "acme-9000", "is not one of"),
        ("a84041000181abcd", "dragino-ldds75", "already belongs"),
    ],
)
def test_lorawan_provisioning_refuses_bad_deveuis_codecs_and_taken_deveuis(
    db: Conn, a_bin: str, dev_eui: str, codec: str, message: str
) -> None:
    """A short DevEUI, an unknown codec or a DevEUI already in use is refused clearly."""
    register_lorawan_sensor(
        conn=db, device_id="lw-k0001", bin_id=a_bin,
        sensor=LoRaWANSensor("a84041000181abcd", "dragino-ldds75"),
    )  # fmt: skip
    with pytest.raises(ProvisioningError, match=message):
        register_lorawan_sensor(
            conn=db, device_id="lw-k0002", bin_id=a_bin, sensor=LoRaWANSensor(dev_eui, codec)
        )


def test_cli_registers_a_camera_and_writes_its_environment(
    db: Conn,
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`--kind camera` registers the unit on its hotspot and writes a private env file."""
    db.execute(
        """INSERT INTO hotspots (id, name, district, lat, lon)
           VALUES ('hs-k-01', 'Sint-Amandsplein', 'Centrum', 50.83, 3.26)"""
    )
    monkeypatch.setenv("NETTESTAD_DATABASE_URL", database_url)
    out = tmp_path / "camera.env"
    passwd = tmp_path / "passwd"
    code = main(
        ["device", "provision", "cam-k01", "--kind", "camera", "--hotspot", "hs-k-01",
         "--mqtt-host", "mqtt.example", "--out", str(out), "--password-file", str(passwd)]
    )  # fmt: skip
    assert code == 0, capsys.readouterr().err
    assert db.execute("SELECT kind, hotspot_id FROM devices").fetchone() == ("camera", "hs-k-01")
    env = dict(line.split("=", 1) for line in out.read_text().splitlines())
    assert env["NETTESTAD_MQTT_USERNAME"] == "cam-k01"
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert verify_password(env["NETTESTAD_MQTT_PASSWORD"], read_passwd(passwd)["cam-k01"])


def test_a_kind_without_what_it_needs_is_one_line(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A LoRaWAN sensor without its DevEUI is refused by name, before touching anything."""
    monkeypatch.setenv("NETTESTAD_DATABASE_URL", database_url)
    code = main(["device", "provision", "lw-k0009", "--kind", "lorawan", "--bin", "bin-x",
                 "--codec", "dragino-ldds75"])  # fmt: skip
    assert code == 2
    assert capsys.readouterr().err == "--kind lorawan needs --dev-eui\n"


def test_set_interval_queues_the_documented_downlink_at_the_network_server(
    db: Conn, a_bin: str, mqtt_address: tuple[str, int], topic_root: str
) -> None:
    """A Dragino behind TTS gets `01 0004B0` (1200 s) on its down/push topic, through Mosquitto."""
    register_lorawan_sensor(
        conn=db, device_id="lw-k0003", bin_id=a_bin,
        sensor=LoRaWANSensor("a84041000181abcd", "dragino-ldds75"),
    )  # fmt: skip
    db.execute(
        """UPDATE lorawan_devices SET network = 'tts', lns_application = 'vuilbakken@kortrijk',
               lns_device_id = 'ldds75-k3' WHERE device_id = 'lw-k0003'"""
    )
    topics = Topics(f"{topic_root}/lns/")
    received: list[tuple[str, bytes]] = []
    listener = mqtt.Client(callback_api_version=CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    listener.on_message = lambda _c, _u, m: received.append((m.topic, bytes(m.payload)))
    listener.connect(*mqtt_address)
    listener.loop_start()
    sender = mqtt.Client(callback_api_version=CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    sender.connect(*mqtt_address)
    sender.loop_start()
    try:
        subscribed = listener.subscribe(f"{topic_root}/lns/#", qos=1)
        assert subscribed[0] == mqtt.MQTT_ERR_SUCCESS
        poll(listener.is_connected, what="listener connected")

        def publish(topic: str, payload: bytes) -> None:
            sender.publish(topic, payload, qos=1).wait_for_publish(10)

        # the subscription may land a moment after SUBSCRIBE is sent: resend until heard
        poll(
            lambda: (
                send_interval(
                    conn=db, device_id="lw-k0003", seconds=1200, topics=topics, publish=publish
                )
                and received
            ),
            what="the downlink heard on the broker",
        )
    finally:
        for client in (listener, sender):
            client.disconnect()
            client.loop_stop()
    topic, payload = received[0]
    assert topic == f"{topic_root}/lns/v3/vuilbakken@kortrijk/devices/ldds75-k3/down/push"
    body = json.loads(payload)
    assert body == {"downlinks": [{"f_port": 2, "frm_payload": "AQAEsA==", "priority": "NORMAL"}]}
    interval = db.execute(
        "SELECT (config->>'report_interval_s')::int FROM devices WHERE id = 'lw-k0003'"
    ).fetchone()
    assert interval == (1200,)


def test_set_interval_before_any_uplink_says_why(db: Conn, a_bin: str) -> None:
    """Without an uplink the network server's route is unknown: a clear refusal, nothing sent."""
    register_lorawan_sensor(
        conn=db, device_id="lw-k0004", bin_id=a_bin,
        sensor=LoRaWANSensor("24e124710c400004", "milesight-em310-udl"),
    )  # fmt: skip
    sent: list[str] = []
    with pytest.raises(ProvisioningError, match="no uplink"):
        send_interval(
            conn=db, device_id="lw-k0004", seconds=600, topics=Topics("x/lns/"),
            publish=lambda topic, _p: sent.append(topic),
        )  # fmt: skip
    assert sent == []


def test_a_swapped_lorawan_sensor_starts_a_new_frame_epoch(db: Conn, a_bin: str) -> None:
    """Re-provisioning with another DevEUI opens a new epoch and forgets the old route."""
    register_lorawan_sensor(
        conn=db, device_id="lw-k0005", bin_id=a_bin,
        sensor=LoRaWANSensor("a84041000181aaaa", "dragino-ldds75"),
    )  # fmt: skip
    db.execute(
        """UPDATE lorawan_devices SET last_fcnt = 812, last_uplink_at = now(), network = 'tts',
               lns_application = 'a@t', lns_device_id = 'old' WHERE device_id = 'lw-k0005'"""
    )
    register_lorawan_sensor(
        conn=db, device_id="lw-k0005", bin_id=a_bin,
        sensor=LoRaWANSensor("a84041000181bbbb", "dragino-ldds75"),
    )  # fmt: skip
    row = db.execute(
        """SELECT dev_eui, fcnt_epoch, last_fcnt, network, lns_device_id FROM lorawan_devices
           WHERE device_id = 'lw-k0005'"""
    ).fetchone()
    assert row == ("a84041000181bbbb", 1, None, None, None)
