"""The generated Mosquitto configuration really locks the broker down, on a private broker."""

from __future__ import annotations

import json
import subprocess
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from pydantic import SecretStr

from broker import (
    add_device_credentials,
    read_passwd,
    reload_broker,
    revoke_device_credentials,
    run_exporter,
    verify_password,
)
from contracts.topics import DownKind, UpKind, down_topic, up_subscription, up_topic
from harness.securebroker import (
    SERVICE_PASSWORD,
    SecureBroker,
    Session,
    close,
    connect_client,
    running_secure_broker,
)
from ingest.service import IngestService
from ingest.settings import IngestSettings
from nettestad.cli import main
from tests.helpers import free_port, poll

# passwords of a throwaway test broker
DEVICE_PASSWORDS = {"fill-a001": "pw-a-7f3c91", "fill-b002": "pw-b-0d82e4"}
REVOKED_PASSWORD = "pw-c-55aa01"  # noqa: S105 - a password of a throwaway test broker
WRONG_PASSWORD = "guess"  # noqa: S105 - a password of a throwaway test broker


@pytest.fixture(scope="module")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecureBroker]:
    """A private Mosquitto from the generated config, with two devices provisioned."""
    with running_secure_broker(tmp_path_factory.mktemp("broker")) as running:
        for device_id, password in DEVICE_PASSWORDS.items():
            add_device_credentials(
                passwd_file=running.passwd_file, device_id=device_id, password=password
            )
        reload_broker(pid_file=running.pid_file)
        poll(
            lambda: isinstance(_device(running, "fill-a001"), Session),
            timeout=30,  # a TLS handshake and a PBKDF2 check per probe: slow on a busy machine
            what="the broker to accept the provisioned device",
        )
        yield running


def _device(broker: SecureBroker, device_id: str, **kwargs: Any) -> Session | str:
    return connect_client(
        broker, username=device_id, password=DEVICE_PASSWORDS.get(device_id), **kwargs
    )


def _service(broker: SecureBroker) -> Session:
    session = connect_client(broker, username="svc_ingest", password=SERVICE_PASSWORD)
    assert isinstance(session, Session), session
    return session


def _reading(device_id: str, seq: int) -> bytes:
    return json.dumps(
        {
            "device_id": device_id,
            "readings": [
                {
                    "seq": seq,
                    "ts": datetime.now(UTC).replace(microsecond=0).isoformat(),
                    "distance_mm": 500,
                    "filling_level": 0.4,
                    "temperature_c": 7.0,
                    "battery_v": 3.6,
                    "rssi_dbm": -80,
                    "quality": "ok",
                    "status": "ok",
                }
            ],
            "dropped_readings": 0,
        }
    ).encode()


def test_device_without_tls_or_password_is_refused(broker: SecureBroker) -> None:
    """Plain MQTT on the device port, a wrong password and anonymous access are all refused."""
    plain = _device(broker, "fill-a001", tls=False)
    assert not isinstance(plain, Session), "a device got in without TLS"
    wrong = connect_client(broker, username="fill-a001", password=WRONG_PASSWORD)
    assert not isinstance(wrong, Session)
    assert "Not authorized" in wrong or "Bad user name or password" in wrong
    anonymous = connect_client(broker, username=None, password=None)
    assert not isinstance(anonymous, Session)
    assert isinstance(_device(broker, "fill-a001"), Session)


def test_health_listener_is_loopback_and_read_only(broker: SecureBroker) -> None:
    """The anonymous health listener serves the uptime for the health check and nothing else."""
    ingest = _service(broker)
    ingest.client.subscribe(up_subscription(root=broker.root), qos=1)
    probe = connect_client(broker, username=None, password=None, tls=False, port=broker.health_port)
    assert isinstance(probe, Session), probe
    try:
        probe.client.subscribe("$SYS/broker/uptime", qos=0)
        poll(lambda: probe.messages, timeout=10, what="the broker uptime on the health listener")
        assert probe.messages[0].payload.endswith(b"seconds")
        probe.client.subscribe(f"{broker.root}/v1/dev/+/up/#", qos=1)
        forged = probe.client.publish(
            up_topic("fill-a001", UpKind.READING, root=broker.root), _reading("fill-a001", 9), qos=1
        )
        poll(lambda: forged.mid in probe.acks, timeout=5, what="the PUBACK")
        assert probe.acks[forged.mid] == 135
        device = _device(broker, "fill-b002")
        assert isinstance(device, Session)
        device.client.publish(
            up_topic("fill-b002", UpKind.READING, root=broker.root), _reading("fill-b002", 9), qos=1
        )
        poll(lambda: ingest.messages, timeout=10, what="device b's reading at the service")
        close(device)
        assert [m.topic for m in ingest.messages] == [
            up_topic("fill-b002", UpKind.READING, root=broker.root)
        ]
        assert all(m.topic.startswith("$SYS/") for m in probe.messages)
    finally:
        close(probe)
        close(ingest)


def test_device_cannot_publish_or_listen_outside_its_subtree(broker: SecureBroker) -> None:
    """A device's publish on another device's topic never arrives; it cannot read others' topics."""
    ingest = _service(broker)
    ingest.client.subscribe(up_subscription(root=broker.root), qos=1)
    device_a = _device(broker, "fill-a001")
    device_b = _device(broker, "fill-b002")
    assert isinstance(device_a, Session)
    assert isinstance(device_b, Session)
    try:
        # b listens to its own commands; a tries to read b's commands and forge b's readings
        device_b.client.subscribe(down_topic("fill-b002", DownKind.CMD, root=broker.root), qos=1)
        device_a.client.subscribe(down_topic("fill-b002", DownKind.CMD, root=broker.root), qos=1)
        device_a.client.subscribe(f"{broker.root}/v1/dev/+/up/#", qos=1)
        forged = device_a.client.publish(
            up_topic("fill-b002", UpKind.READING, root=broker.root),
            _reading("fill-b002", 1),
            qos=1,
        )
        own = device_a.client.publish(
            up_topic("fill-a001", UpKind.READING, root=broker.root),
            _reading("fill-a001", 1),
            qos=1,
        )
        poll(lambda: ingest.messages, timeout=10, what="device a's own reading at the service")
        poll(lambda: len(device_a.acks) == 2, timeout=5, what="both PUBACKs")
        assert [m.topic for m in ingest.messages] == [
            up_topic("fill-a001", UpKind.READING, root=broker.root)
        ]
        assert device_a.acks[forged.mid] == 135  # MQTT v5 "not authorized"
        assert device_a.acks[own.mid] == 0

        # a device may not command another device either; the server's account is not a device
        device_a.client.publish(
            down_topic("fill-b002", DownKind.CMD, root=broker.root), b'{"x":1}', qos=1
        )
        device_b.client.publish(
            up_topic("fill-b002", UpKind.READING, root=broker.root),
            _reading("fill-b002", 2),
            qos=1,
        )
        poll(lambda: len(ingest.messages) == 2, timeout=10, what="device b's own reading")
        assert device_b.messages == []
        assert [m.topic for m in device_a.messages] == []
    finally:
        for session in (ingest, device_a, device_b):
            close(session)


def test_device_cannot_publish_outside_the_contract_topics(broker: SecureBroker) -> None:
    """A subtopic below the contract's (up/reading/x) or an unknown kind is refused by the ACL
    (MQTT v5 "not authorized"); the contract's own up/ topics are allowed."""
    device = _device(broker, "fill-a001")
    assert isinstance(device, Session)
    base = f"{broker.root}/v1/dev/fill-a001/up"
    try:
        sent = {
            topic: device.client.publish(topic, _reading("fill-a001", 3), qos=1).mid
            for topic in (f"{base}/reading/x", f"{base}/selfie", f"{base}/reading")
        }
        poll(lambda: len(device.acks) == 3, timeout=5, what="three PUBACKs")
        assert device.acks[sent[f"{base}/reading/x"]] == 135
        assert device.acks[sent[f"{base}/selfie"]] == 135
        assert device.acks[sent[f"{base}/reading"]] < 128  # success (16: nobody subscribed)
    finally:
        close(device)


def test_revoked_device_is_refused(broker: SecureBroker) -> None:
    """Revoking a device's credentials and reloading disconnects it and refuses its next login."""
    add_device_credentials(
        passwd_file=broker.passwd_file, device_id="fill-c003", password=REVOKED_PASSWORD
    )
    reload_broker(pid_file=broker.pid_file)
    connected = poll(
        lambda: (
            s
            if isinstance(
                s := connect_client(broker, username="fill-c003", password=REVOKED_PASSWORD),
                Session,
            )
            else None
        ),
        timeout=5,
        what="the new device to be accepted",
    )
    assert revoke_device_credentials(passwd_file=broker.passwd_file, device_id="fill-c003")
    assert "fill-c003" not in read_passwd(broker.passwd_file)
    reload_broker(pid_file=broker.pid_file)
    try:
        assert connected.disconnected.wait(10), "the revoked device stayed connected"
    finally:
        close(connected)
    again = connect_client(broker, username="fill-c003", password=REVOKED_PASSWORD)
    assert not isinstance(again, Session)
    assert isinstance(_device(broker, "fill-a001"), Session)  # the others are unaffected


def test_valid_device_reading_is_stored(broker: SecureBroker, database_url: str) -> None:
    """The real ingest service, over TLS with its own account and a shared subscription, stores a device's reading."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(
            """INSERT INTO bins (id, name, district, container_type, volume_l, depth_mm, lat, lon)
               VALUES ('bin-a', 'Grote Markt', 'Centrum', 'street_bin', 120, 900, 50.83, 3.26)"""
        )
        conn.execute(
            "INSERT INTO devices (id, kind, bin_id) VALUES ('fill-a001', 'fill_sensor', 'bin-a')"
        )
    settings = IngestSettings(
        database_url=SecretStr(database_url),
        mqtt_host="localhost",
        mqtt_port=broker.service_port,
        mqtt_tls=True,
        mqtt_ca_file=str(broker.ca_file),
        mqtt_username="svc_ingest",
        mqtt_password=SecretStr(SERVICE_PASSWORD),
        topic_root=broker.root,
        share_group="ingest",
        client_id=f"ingest-{broker.root}",
    )
    service = IngestService(settings)
    service.start()
    writer = threading.Thread(target=service.run_writer, daemon=True)
    writer.start()
    try:
        assert service.wait_subscribed(10)
        device = _device(broker, "fill-a001")
        assert isinstance(device, Session)
        device.client.publish(
            up_topic("fill-a001", UpKind.READING, root=broker.root), _reading("fill-a001", 7), qos=1
        )
        close_after = device

        def stored() -> list[tuple[Any, ...]]:
            with psycopg.connect(database_url) as conn:
                return conn.execute("SELECT device_id, bin_id, seq FROM fill_readings").fetchall()

        assert poll(stored, timeout=15, what="the reading in fill_readings") == [
            ("fill-a001", "bin-a", 7)
        ]
        close(close_after)
    finally:
        service.stop()
        writer.join(15)
        service.close()


def test_password_file_matches_mosquitto_passwd(tmp_path: Path) -> None:
    """Hashes written by the CLI and by mosquitto_passwd are read the same way."""
    passwd = tmp_path / "passwd"
    subprocess.run(
        ["mosquitto_passwd", "-c", "-b", str(passwd), "fill-z999", "from-mosquitto"], check=True
    )
    assert verify_password("from-mosquitto", read_passwd(passwd)["fill-z999"])
    assert not verify_password("something-else", read_passwd(passwd)["fill-z999"])
    assert main(["broker", "add-device", "fill-y998", "--passwd-file", str(passwd)]) == 0
    entries = read_passwd(passwd)
    assert set(entries) == {"fill-z999", "fill-y998"}  # the earlier entry is kept
    assert entries["fill-y998"].startswith("$7$")
    assert passwd.stat().st_mode & 0o077 == 0o040  # no one but the broker's group reads it
    assert main(["broker", "add-device", "svc_ingest", "--passwd-file", str(passwd)]) == 2


def test_exporter_serves_broker_statistics(
    broker: SecureBroker, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The broker exporter logs in as svc_metrics over TLS and serves $SYS values to Prometheus."""
    for key, value in {
        "NETTESTAD_MQTT_HOST": "localhost",
        "NETTESTAD_MQTT_PORT": str(broker.tls_port),
        "NETTESTAD_MQTT_TLS": "true",
        "NETTESTAD_MQTT_CA_FILE": str(broker.ca_file),
        "NETTESTAD_MQTT_USERNAME": "svc_metrics",
        "NETTESTAD_MQTT_PASSWORD": SERVICE_PASSWORD,
    }.items():
        monkeypatch.setenv(key, value)
    port = free_port()
    stop = threading.Event()
    thread = threading.Thread(
        target=run_exporter, kwargs={"host": "127.0.0.1", "port": port, "stop": stop}, daemon=True
    )
    thread.start()
    try:

        def scraped() -> str | None:
            try:
                text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=2).text
            except httpx.HTTPError:
                return None
            return text if "mosquitto_clients_connected" in text else None

        text = poll(scraped, timeout=15, what="$SYS values on /metrics")
        assert "nettestad_broker_exporter_connected 1" in text
        assert httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200
    finally:
        stop.set()
        thread.join(10)


def test_device_cannot_take_over_the_ingest_session(
    broker: SecureBroker, database_url: str
) -> None:
    """A device credential connecting with ingest's client id and a clean session neither
    disconnects ingest nor wipes the messages queued for it: all five readings are stored."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(
            """INSERT INTO bins (id, name, district, container_type, volume_l, depth_mm, lat, lon)
               VALUES ('bin-b', 'Markt', 'Centrum', 'street_bin', 120, 900, 50.83, 3.26)"""
        )
        conn.execute(
            "INSERT INTO devices (id, kind, bin_id) VALUES ('fill-b002', 'fill_sensor', 'bin-b')"
        )
    settings = IngestSettings(
        database_url=SecretStr(database_url),
        mqtt_host="localhost",
        mqtt_port=broker.service_port,
        mqtt_tls=True,
        mqtt_ca_file=str(broker.ca_file),
        mqtt_username="svc_ingest",
        mqtt_password=SecretStr(SERVICE_PASSWORD),
        topic_root=broker.root,
    )
    service = IngestService(settings)
    service.start()
    writer = threading.Thread(target=service.run_writer, daemon=True)
    writer.start()
    try:
        assert service.wait_subscribed(10)
        service.stop()  # ingest goes away with its session kept: readings now queue for it
        writer.join(15)
        service.client.disconnect()
        service.client.loop_stop()
        device = _device(broker, "fill-b002")
        assert isinstance(device, Session)
        for seq in range(5):
            info = device.client.publish(
                up_topic("fill-b002", UpKind.READING, root=broker.root),
                _reading("fill-b002", seq),
                qos=1,
            )
            info.wait_for_publish(5)
        attacker = _device(broker, "fill-a001", client_id=settings.client_id)
        assert isinstance(attacker, Session), attacker  # the broker renames it to its user name
        close(attacker)
        close(device)
    finally:
        service.close()
    again = IngestService(settings)  # ingest returns and resumes its own session
    again.start()
    writer = threading.Thread(target=again.run_writer, daemon=True)
    writer.start()
    try:

        def stored() -> int:
            with psycopg.connect(database_url) as conn:
                row = conn.execute(
                    "SELECT count(*) FROM fill_readings WHERE device_id = 'fill-b002'"
                ).fetchone()
                return int(row[0]) if row else 0

        poll(lambda: stored() == 5, timeout=15, what="all five queued readings stored")
    finally:
        again.stop()
        writer.join(15)
        again.close()
