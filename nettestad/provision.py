"""``nettestad device ...``: register a fill sensor on a bin and write the config file it boots with.

The config file holds the device's identity, Wi-Fi, broker address and its own broker password,
a fresh random one per device. The password never goes into the database: the broker's password
file (``nettestad.broker``) gets only a salted PBKDF2 hash of it.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from contracts.settings import ServiceSettings
from contracts.topics import DEFAULT_ROOT, DEVICE_ID_PATTERN
from nettestad.broker import add_device_credentials, revoke_device_credentials

Conn = psycopg.Connection[tuple[Any, ...]]

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


def register_fill_sensor(*, conn: Conn, device_id: str, bin_id: str) -> int:
    """Register (or re-register) a fill sensor on a bin; returns the bin's depth in millimetres."""
    if not DEVICE_ID_PATTERN.match(device_id):
        raise ProvisioningError(
            f"device id {device_id!r} must match {DEVICE_ID_PATTERN.pattern} (lower case, digits, '-')"
        )
    row = conn.execute("SELECT depth_mm FROM bins WHERE id = %s", (bin_id,)).fetchone()
    if row is None:
        raise ProvisioningError(f"bin {bin_id!r} is not registered")
    kind = conn.execute("SELECT kind FROM devices WHERE id = %s", (device_id,)).fetchone()
    if kind is not None and kind[0] != "fill_sensor":
        raise ProvisioningError(f"device {device_id!r} is registered as a {kind[0]}")
    conn.execute(
        """INSERT INTO devices (id, kind, bin_id) VALUES (%s, 'fill_sensor', %s)
           ON CONFLICT (id) DO UPDATE SET bin_id = EXCLUDED.bin_id, revoked_at = NULL""",
        (device_id, bin_id),
    )
    return int(row[0])


def revoke_device(*, conn: Conn, device_id: str) -> bool:
    """Mark a device revoked so ingest refuses it; False when it was not registered."""
    cur = conn.execute(
        "UPDATE devices SET revoked_at = now() WHERE id = %s AND revoked_at IS NULL", (device_id,)
    )
    return cur.rowcount == 1


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
    return {
        "device_id": device_id,
        "wifi": {"ssid": network.wifi_ssid, "password": network.wifi_password},
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
    depth = register_fill_sensor(conn=conn, device_id=device_id, bin_id=bin_id)
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


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``device`` subcommands."""
    device = subparsers.add_parser("device", help="provision and revoke bin sensors")
    sub = device.add_subparsers(dest="device_command", required=True)
    new = sub.add_parser(
        "provision", help="register a fill sensor on a bin and write its config.json"
    )
    new.add_argument("device_id", help="e.g. fs-k0042 (lower case, digits and '-')")
    new.add_argument("--bin", dest="bin_id", required=True, help="id of a registered bin")
    new.add_argument("--wifi-ssid", required=True)
    new.add_argument(
        "--wifi-password",
        default=os.environ.get("NETTESTAD_WIFI_PASSWORD"),
        help="default: $NETTESTAD_WIFI_PASSWORD (keeps it out of the shell history)",
    )
    new.add_argument("--mqtt-host", required=True, help="broker host name the device connects to")
    new.add_argument("--mqtt-port", type=int, default=None, help="default 8883 (TLS) or 1883")
    new.add_argument("--no-tls", action="store_true", help="plain MQTT (development only)")
    new.add_argument("--topic-root", default=None, help="default: the server's topic root")
    new.add_argument("--sensor", choices=["ultrasonic", "tof"], default="ultrasonic")
    new.add_argument("--sensor-offset-mm", type=int, default=100)
    new.add_argument("--blind-zone-mm", type=int, default=250)
    new.add_argument("--top-bottom-area-ratio", type=float, default=1.0)
    new.add_argument("--out", type=Path, default=Path("config.json"), help="config file to write")
    new.add_argument("--password-file", type=Path, help="Mosquitto password file to update")
    new.set_defaults(handler=_provision)
    revoke = sub.add_parser("revoke", help="refuse a device's messages from now on")
    revoke.add_argument("device_id")
    revoke.add_argument("--password-file", type=Path, help="Mosquitto password file to update")
    revoke.set_defaults(handler=_revoke)


def _provision(args: argparse.Namespace) -> int:
    if not args.wifi_password:
        print("give --wifi-password or set NETTESTAD_WIFI_PASSWORD", file=sys.stderr)
        return 2
    settings = ServiceSettings()
    tls = not args.no_tls
    network = Network(
        wifi_ssid=args.wifi_ssid,
        wifi_password=args.wifi_password,
        mqtt_host=args.mqtt_host,
        mqtt_port=args.mqtt_port or (8883 if tls else 1883),
        mqtt_tls=tls,
        topic_root=args.topic_root or settings.topic_root,
    )
    mounting = Mounting(
        sensor_kind=args.sensor,
        sensor_offset_mm=args.sensor_offset_mm,
        blind_zone_mm=args.blind_zone_mm,
        top_bottom_area_ratio=args.top_bottom_area_ratio,
    )
    try:
        with psycopg.connect(settings.database_url.get_secret_value(), autocommit=True) as conn:
            provision(
                conn=conn,
                device_id=args.device_id,
                bin_id=args.bin_id,
                network=network,
                mounting=mounting,
                out=args.out,
                password_file=args.password_file,
            )
    except ProvisioningError as exc:
        print(f"cannot provision: {exc}", file=sys.stderr)
        return 1
    print(f"registered {args.device_id} on bin {args.bin_id}; wrote {args.out} (keep it secret)")
    if args.password_file:
        print(f"updated {args.password_file}; reload the broker to let the device in")
    return 0


def _revoke(args: argparse.Namespace) -> int:
    settings = ServiceSettings()
    with psycopg.connect(settings.database_url.get_secret_value(), autocommit=True) as conn:
        revoked = revoke_device(conn=conn, device_id=args.device_id)
    if args.password_file:
        revoke_device_credentials(passwd_file=args.password_file, device_id=args.device_id)
    print(f"{args.device_id}: {'revoked' if revoked else 'not registered or already revoked'}")
    return 0 if revoked else 1
