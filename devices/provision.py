"""Provisioning: register a device by kind and write what it boots with (``nettestad device``).

Three kinds: our own fill sensor (``--kind sensor``, Wi-Fi or cellular), a vendor's LoRaWAN fill
sensor (``--kind lorawan``: DevEUI, codec, bin; it talks to a network server, not to our broker)
and a camera unit (``--kind camera``, on a hotspot). Our sensor's config file holds its identity,
radio, broker address and its own broker password, a fresh random one per device; a camera gets
the same as an environment file. The password never goes into the database: the broker's
password file (``broker.passwords``) gets only a salted PBKDF2 hash of it.
"""

from __future__ import annotations

import json
import os
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from broker import add_device_credentials
from contracts import DEFAULT_ROOT, DEVICE_ID_PATTERN
from db import Conn, devices

if TYPE_CHECKING:
    from ingest.lorawan import Topics


PASSWORD_BYTES = 24  # 192 bits, base64url-encoded to 32 characters


class ProvisioningError(RuntimeError):
    """A device cannot be provisioned as asked; the message says why."""


@dataclass(frozen=True, slots=True)
class Network:
    """Where the device connects: Wi-Fi and broker."""

    wifi_ssid: str
    wifi_password: str
    mqtt_host: str
    mqtt_port: int = 8883
    mqtt_tls: bool = True
    topic_root: str = DEFAULT_ROOT
    radio: str = "wifi"  # or "cellular" (LTE-M/NB-IoT modem)
    apn: str | None = None  # cellular only


@dataclass(frozen=True, slots=True)
class Mounting:
    """How the sensor is mounted in its container."""

    sensor_kind: str = "ultrasonic"  # or "tof" (VL53L1X)
    sensor_offset_mm: int = 100  # sensor face to the highest usable fill line
    blind_zone_mm: int = 250  # JSN-SR04T cannot see closer than about 25 cm
    top_bottom_area_ratio: float = 1.0


def generate_password() -> str:
    """A strong random broker password for one device."""
    return secrets.token_urlsafe(PASSWORD_BYTES)


RADIOS = ("wifi", "cellular", "lorawan")


def _check_id(device_id: str) -> None:
    if not DEVICE_ID_PATTERN.match(device_id):
        raise ProvisioningError(
            f"device id {device_id!r} must match {DEVICE_ID_PATTERN.pattern} (lower case, digits, '-')"
        )


def _bin_depth(conn: Conn, bin_id: str) -> int:
    depth = devices.bin_depth(conn=conn, bin_id=bin_id)
    if depth is None:
        raise ProvisioningError(f"bin {bin_id!r} is not registered")
    return depth


def _registered_as(conn: Conn, device_id: str, kind: str, radio: str | None) -> None:
    """Refuse to turn a device of one kind (or radio) into another under the same id."""
    known = devices.registration(conn=conn, device_id=device_id)
    if known is None:
        return
    if known.kind != kind:
        raise ProvisioningError(f"device {device_id!r} is registered as a {known.kind}")
    was_lorawan = known.radio == "lorawan"
    if radio is not None and was_lorawan != (radio == "lorawan"):
        raise ProvisioningError(
            f"device {device_id!r} is registered with radio {known.radio or 'wifi'}"
        )


def register_fill_sensor(
    *,
    conn: Conn,
    device_id: str,
    bin_id: str,
    radio: str = "wifi",
    report_interval_s: int | None = None,
) -> int:
    """Register (or re-register) one of our fill sensors on a bin; returns the bin's depth in mm.

    ``devices.config`` records its radio (how the device list shows it) and, when given, how
    often it reports (when ingest calls it offline)."""
    _check_id(device_id)
    if radio not in RADIOS:
        raise ProvisioningError(f"radio {radio!r} is not one of {', '.join(RADIOS)}")
    depth = _bin_depth(conn, bin_id)
    _registered_as(conn, device_id, "fill_sensor", radio)
    config: dict[str, Any] = {"radio": radio}
    if report_interval_s is not None:
        config["report_interval_s"] = report_interval_s
    devices.upsert_device(
        conn=conn, device_id=device_id, kind="fill_sensor", bin_id=bin_id, config=config
    )
    return depth


@dataclass(frozen=True, slots=True)
class LoRaWANSensor:
    """A vendor's LoRaWAN fill sensor as the network server knows it."""

    dev_eui: str  # 16 hex digits
    codec: str  # ingest.lorawan.codecs name
    sensor_offset_mm: int = 0  # sensor face to the highest usable fill line
    blind_zone_mm: int | None = None  # None: the codec's datasheet figure
    report_interval_s: int = 1200  # what the device is set to; offline after 3 missed reports


def register_lorawan_sensor(
    *, conn: Conn, device_id: str, bin_id: str, sensor: LoRaWANSensor
) -> None:
    """Register (or re-register) a LoRaWAN sensor on a bin, by DevEUI and codec."""
    from ingest.lorawan import CODECS  # ingest's codecs, imported only for this kind

    _check_id(device_id)
    dev_eui = sensor.dev_eui.lower()
    if not re.fullmatch(r"[0-9a-f]{16}", dev_eui):
        raise ProvisioningError(f"DevEUI {sensor.dev_eui!r} must be 16 hexadecimal digits")
    if sensor.codec not in CODECS:
        raise ProvisioningError(f"codec {sensor.codec!r} is not one of {', '.join(sorted(CODECS))}")
    depth = _bin_depth(conn, bin_id)
    if sensor.sensor_offset_mm >= depth:
        raise ProvisioningError(
            f"sensor offset {sensor.sensor_offset_mm} mm is not above the floor ({depth} mm)"
        )
    _registered_as(conn, device_id, "fill_sensor", "lorawan")
    taken = devices.lorawan_owner(conn=conn, dev_eui=dev_eui, other_than=device_id)
    if taken is not None:
        raise ProvisioningError(f"DevEUI {dev_eui} already belongs to device {taken!r}")
    with conn.transaction():
        devices.upsert_device(
            conn=conn,
            device_id=device_id,
            kind="fill_sensor",
            bin_id=bin_id,
            config={"radio": "lorawan", "report_interval_s": sensor.report_interval_s},
        )
        devices.upsert_lorawan_sensor(
            conn=conn,
            device_id=device_id,
            dev_eui=dev_eui,
            codec=sensor.codec,
            sensor_offset_mm=sensor.sensor_offset_mm,
            blind_zone_mm=sensor.blind_zone_mm,
        )


def register_camera(*, conn: Conn, device_id: str, hotspot_id: str, heartbeat_s: int = 60) -> None:
    """Register (or re-register) a camera unit on a hotspot."""
    _check_id(device_id)
    if not devices.hotspot_exists(conn=conn, hotspot_id=hotspot_id):
        raise ProvisioningError(f"hotspot {hotspot_id!r} is not registered")
    _registered_as(conn, device_id, "camera", None)
    devices.upsert_device(
        conn=conn,
        device_id=device_id,
        kind="camera",
        hotspot_id=hotspot_id,
        config={"report_interval_s": heartbeat_s},
    )


def revoke_device(*, conn: Conn, device_id: str) -> bool:
    """Mark a device revoked so ingest refuses it; False when it was not registered."""
    return devices.revoke(conn=conn, device_id=device_id)


def device_config(
    *,
    device_id: str,
    bin_id: str,
    depth_mm: int,
    password: str,
    network: Network,
    mounting: Mounting,
) -> dict[str, Any]:
    """The document the firmware reads from ``config.json`` (see firmware/README.md)."""
    if depth_mm <= mounting.sensor_offset_mm:
        raise ProvisioningError(
            f"sensor offset {mounting.sensor_offset_mm} mm is not above the floor ({depth_mm} mm)"
        )
    radio: dict[str, Any] = (
        {"wifi": {"ssid": network.wifi_ssid, "password": network.wifi_password}}
        if network.radio == "wifi"
        else {"radio": network.radio, "cellular": {"apn": network.apn}}
    )
    return {
        "device_id": device_id,
        **radio,
        "mqtt": {
            "host": network.mqtt_host,
            "port": network.mqtt_port,
            "tls": network.mqtt_tls,
            "username": device_id,
            "password": password,
            "topic_root": network.topic_root,
        },
        "bin": {
            "id": bin_id,
            "depth_mm": depth_mm,
            "sensor_offset_mm": mounting.sensor_offset_mm,
            "top_bottom_area_ratio": mounting.top_bottom_area_ratio,
        },
        "sensor": {"kind": mounting.sensor_kind, "blind_zone_mm": mounting.blind_zone_mm},
    }


def write_private(path: Path, text: str) -> None:
    """Write a file only its owner can read: it holds credentials."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)


def provision(
    *,
    conn: Conn,
    device_id: str,
    bin_id: str,
    network: Network,
    mounting: Mounting,
    out: Path,
    password_file: Path | None = None,
) -> dict[str, Any]:
    """Register the device, write its config file (and broker entry); returns the config."""
    password = generate_password()
    depth = register_fill_sensor(conn=conn, device_id=device_id, bin_id=bin_id, radio=network.radio)
    document = device_config(
        device_id=device_id,
        bin_id=bin_id,
        depth_mm=depth,
        password=password,
        network=network,
        mounting=mounting,
    )
    write_private(out, json.dumps(document, indent=2) + "\n")
    if password_file is not None:
        add_device_credentials(passwd_file=password_file, device_id=device_id, password=password)
    return document


def camera_env(*, device_id: str, password: str, network: Network, api_url: str) -> str:
    """The environment file a camera unit starts with (``edge/settings.py``)."""
    lines = {
        "NETTESTAD_MQTT_HOST": network.mqtt_host,
        "NETTESTAD_MQTT_PORT": str(network.mqtt_port),
        "NETTESTAD_MQTT_TLS": "true" if network.mqtt_tls else "false",
        "NETTESTAD_MQTT_USERNAME": device_id,
        "NETTESTAD_MQTT_PASSWORD": password,
        "NETTESTAD_MQTT_CLIENT_ID": device_id,
        "NETTESTAD_TOPIC_ROOT": network.topic_root,
        "NETTESTAD_API_URL": api_url,
    }
    return "".join(f"{key}={value}\n" for key, value in lines.items())


def send_interval(
    *,
    conn: Conn,
    device_id: str,
    seconds: int,
    topics: Topics,
    publish: Callable[[str, bytes], None],
) -> str:
    """Queue a LoRaWAN sensor's new reporting interval at its network server (``publish`` sends
    one QoS 1 message) and record it, so ingest calls it offline only after three missed
    reports; returns the topic used."""
    from ingest.lorawan import DownlinkError, interval_downlink

    route = devices.lorawan_route(conn=conn, device_id=device_id)
    if route is None:
        raise ProvisioningError(f"{device_id!r} is not a registered LoRaWAN sensor")
    try:
        topic, payload = interval_downlink(route, seconds, topics)
    except (DownlinkError, ValueError) as exc:
        raise ProvisioningError(str(exc)) from exc
    publish(topic, payload)
    devices.set_report_interval(conn=conn, device_id=device_id, seconds=seconds)
    return topic
