"""The firmware under MicroPython against the real Mosquitto, with the real ingest storing its readings."""

from __future__ import annotations

import functools
import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from devices import Mounting, Network, provision
from harness.micropython import MP_TESTS, mp_cases, run
from paho.mqtt.enums import CallbackAPIVersion

from tests.helpers import Conn, poll, scalar


def _device_id(topic_root: str) -> str:
    return f"fs-{topic_root.lower()}"


def _paho(mqtt_address: tuple[str, int], client_id: str) -> mqtt.Client:
    client = mqtt.Client(callback_api_version=CallbackAPIVersion.VERSION2, client_id=client_id)
    client.connect(*mqtt_address)
    client.loop_start()
    return client


def _publish(mqtt_address: tuple[str, int], topic: str, payload: bytes, *, retain: bool) -> None:
    client = _paho(mqtt_address, f"setup-{topic.replace('/', '-')}"[:60])
    client.publish(topic, payload, qos=1, retain=retain).wait_for_publish(10)
    client.loop_stop()
    client.disconnect()


@pytest.fixture
def broker_cleanup(mqtt_address: tuple[str, int], topic_root: str) -> Iterator[None]:
    """Afterwards: clear the retained config and the node's persistent session at the broker."""
    yield
    device_id = _device_id(topic_root)
    _publish(mqtt_address, f"{topic_root}/v1/dev/{device_id}/down/config", b"", retain=True)
    for client_id in (device_id, f"listener-{device_id}", f"server-{device_id}"):
        client = mqtt.Client(
            callback_api_version=CallbackAPIVersion.VERSION2,
            client_id=client_id,
            clean_session=True,
        )
        client.connect(*mqtt_address)
        client.disconnect()


def _provision_node(
    conn: Conn, tmp_path: Path, topic_root: str, mqtt_address: tuple[str, int]
) -> dict[str, Any]:
    conn.execute(
        """INSERT INTO bins (id, name, district, container_type, volume_l, depth_mm, lat, lon)
           VALUES ('bin-grote-markt', 'Grote Markt 1', 'Centrum', 'street_bin', 120, 1000,
                   50.828, 3.265)"""
    )
    return provision(
        conn=conn,
        device_id=_device_id(topic_root),
        bin_id="bin-grote-markt",
        network=Network(
            wifi_ssid="kortrijk-iot",
            wifi_password="dev-wifi",
            mqtt_host=mqtt_address[0],
            mqtt_port=mqtt_address[1],
            mqtt_tls=False,
            topic_root=topic_root,
        ),
        mounting=Mounting(sensor_offset_mm=100, blind_zone_mm=200),
        out=tmp_path / "config.json",
    )


def _drive(tmp_path: Path, *steps: int | str) -> dict[str, Any]:
    result = run(MP_TESTS / "drive.py", *map(str, steps), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    line = next(x for x in result.stdout.splitlines() if x.startswith("SUMMARY "))
    summary: dict[str, Any] = json.loads(line.removeprefix("SUMMARY "))
    return summary


def test_node_readings_reach_the_database_through_broker_and_ingest(
    db: Conn,
    running_ingest: Any,
    topic_root: str,
    mqtt_address: tuple[str, int],
    tmp_path: Path,
    broker_cleanup: None,
) -> None:
    """A provisioned node under MicroPython reports over MQTT and ingest stores exactly what it sent."""
    document = _provision_node(db, tmp_path, topic_root, mqtt_address)
    device_id = document["device_id"]
    config = {"version": 2, "measure_interval_s": 1800, "delta_fill": 0.1}
    _publish(
        mqtt_address,
        f"{topic_root}/v1/dev/{device_id}/down/config",
        json.dumps(config).encode(),
        retain=True,
    )
    # First report; then a 35 % rise reports at once; then an unchanged bin keeps its reading.
    summary = _drive(tmp_path, 900, 550, 550)
    assert summary["reasons"] == ["first", "change", None]
    # The retained config was applied from the first wake-up on.
    assert summary["sleeps_ms"] == [1_800_000] * 3

    def stored() -> list[tuple[Any, ...]]:
        return db.execute(
            """SELECT seq, distance_mm, filling_level, quality, status, bin_id,
                      temperature_c IS NOT NULL, battery_v
               FROM fill_readings WHERE device_id = %s ORDER BY seq""",
            (device_id,),
        ).fetchall()

    rows = poll(lambda: len(stored()) == 2 and stored(), what="two stored readings")
    assert [(r[0], r[1], r[3], r[4], r[5]) for r in rows] == [
        (0, 900, "ok", "ok", "bin-grote-markt"),
        (1, 550, "ok", "ok", "bin-grote-markt"),
    ]
    assert rows[0][2] == pytest.approx(100 / 900, abs=1e-3)
    assert rows[1][2] == pytest.approx(0.5, abs=1e-3)
    assert all(r[6] for r in rows)
    assert rows[0][7] == pytest.approx(3.6, abs=0.01)
    health = poll(
        lambda: db.execute(
            "SELECT firmware, state FROM devices WHERE id = %s AND firmware IS NOT NULL",
            (device_id,),
        ).fetchone(),
        what="the node's status stored by ingest",
    )
    assert health == ("1.0.0", "online")
    assert not scalar(db, "SELECT count(*) FROM dead_letters")


@pytest.mark.slow
def test_readings_kept_offline_reach_the_database_with_the_dropped_count(
    db: Conn,
    running_ingest: Any,
    topic_root: str,
    mqtt_address: tuple[str, int],
    tmp_path: Path,
    broker_cleanup: None,
) -> None:
    """After 129 hours offline with a 10-reading ring, every kept reading is stored and the loss counted."""
    document = _provision_node(db, tmp_path, topic_root, mqtt_address)
    document["spool_records"] = 10
    document["mqtt"]["attempts"] = 1
    (tmp_path / "config.json").write_text(json.dumps(document))
    # One ping per wake-up: the test is about storage, and real 60 ms gaps only cost time.
    (tmp_path / "remote.json").write_text(json.dumps({"pings": 1}))
    device_id = document["device_id"]
    # Offline, the node tries every third hour (back-off); the 130th wake-up is such a try.
    summary = _drive(tmp_path, "off:129:700", "300")
    assert summary["reasons"][-1] == "first"
    # RTC memory spilled its 112 readings into a ring of 10 at wake-up 113: 102 were dropped;
    # kept are the ring (seq 102-111) and RTC memory (seq 112-129).
    expected = list(range(102, 130))

    def stored() -> list[int]:
        rows = db.execute(
            "SELECT seq FROM fill_readings WHERE device_id = %s ORDER BY seq", (device_id,)
        ).fetchall()
        return [int(r[0]) for r in rows]

    poll(lambda: stored() == expected, what="every kept reading stored")
    dropped = poll(
        lambda: db.execute(
            "SELECT dropped_readings FROM devices WHERE id = %s AND dropped_readings > 0",
            (device_id,),
        ).fetchone(),
        what="the dropped count stored",
    )
    assert dropped == (102,)


def test_out_of_bounds_config_from_the_broker_is_rejected_and_reported(
    topic_root: str, mqtt_address: tuple[str, int], tmp_path: Path, broker_cleanup: None
) -> None:
    """A retained config with a one-minute interval is refused: reported in the status, never applied."""
    device_id = _device_id(topic_root)
    (tmp_path / "config.json").write_text(
        json.dumps(
            {
                "device_id": device_id,
                "wifi": {"ssid": "kortrijk-iot", "password": "dev-wifi"},
                "mqtt": {
                    "host": mqtt_address[0],
                    "port": mqtt_address[1],
                    "tls": False,
                    "username": device_id,
                    "password": "x" * 32,
                    "topic_root": topic_root,
                },
                "bin": {"depth_mm": 1000, "sensor_offset_mm": 100},
            }
        )
    )
    statuses: list[dict[str, Any]] = []
    listener = _paho(mqtt_address, f"watch-{device_id}")
    listener.on_message = lambda _c, _u, message: statuses.append(json.loads(message.payload))
    listener.subscribe(f"{topic_root}/v1/dev/{device_id}/up/status", qos=1)
    _publish(
        mqtt_address,
        f"{topic_root}/v1/dev/{device_id}/down/config",
        json.dumps({"version": 3, "measure_interval_s": 60}).encode(),
        retain=True,
    )
    try:
        summary = _drive(tmp_path, 700)
        poll(lambda: statuses, what="the node's status message")
    finally:
        listener.loop_stop()
        listener.disconnect()
    assert summary["sleeps_ms"] == [3_600_000]
    assert "config rejected: measure_interval_s=60 outside 300..86400" in statuses[0]["detail"]
    assert not (tmp_path / "remote.json").exists()


@pytest.fixture
def image_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """An HTTP server offering a firmware image, as the update server would."""
    image = tmp_path / "www" / "binsensor-2.1.0.bin"
    image.parent.mkdir()
    image.write_bytes(bytes((i * 13 + 5) % 256 for i in range(30_000)))
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(image.parent))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/{image.name}", image
    server.shutdown()
    server.server_close()
    thread.join(5)


@pytest.mark.parametrize("case", mp_cases("test_ota"))
def test_over_the_air_update_case_passes_under_micropython(
    case: str,
    topic_root: str,
    mqtt_address: tuple[str, int],
    image_server: tuple[str, Path],
    tmp_path: Path,
    broker_cleanup: None,
) -> None:
    """The OTA case (see its docstring in tests/firmware/mp/test_ota.py) passes with the real broker."""
    url, image = image_server
    work = tmp_path / "flash"
    work.mkdir()
    env = {
        "NT_DEVICE_ID": _device_id(topic_root),
        "NT_TOPIC_ROOT": topic_root,
        "NT_MQTT_HOST": mqtt_address[0],
        "NT_MQTT_PORT": str(mqtt_address[1]),
        "NT_OTA_URL": url,
        "NT_OTA_FILE": str(image),
    }
    result = run(MP_TESTS / "runner.py", "test_ota", case, cwd=work, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"PASS test_ota {case}" in result.stdout
