"""``nettestad device provision|revoke|set-interval``: provisioning from a shell."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import psycopg

from broker import add_device_credentials, revoke_device_credentials
from config import ServiceSettings
from db import Conn
from devices import (
    LoRaWANSensor,
    Mounting,
    Network,
    ProvisioningError,
    camera_env,
    generate_password,
    provision,
    register_camera,
    register_lorawan_sensor,
    revoke_device,
    send_interval,
    write_private,
)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``device`` subcommands."""
    device = subparsers.add_parser("device", help="provision and revoke devices")
    sub = device.add_subparsers(dest="device_command", required=True)
    new = sub.add_parser(
        "provision",
        help="register our sensor (Wi-Fi or cellular), a LoRaWAN sensor or a camera",
        description="--kind sensor writes the sensor's config.json; --kind camera writes the "
        "unit's environment file; --kind lorawan registers the DevEUI and codec only (its "
        "keys stay with the network server).",
    )
    new.add_argument("device_id", help="e.g. fs-k0042 (lower case, digits and '-')")
    new.add_argument("--kind", choices=["sensor", "lorawan", "camera"], default="sensor")
    new.add_argument("--bin", dest="bin_id", help="id of a registered bin (sensor, lorawan)")
    new.add_argument("--hotspot", dest="hotspot_id", help="id of a registered hotspot (camera)")
    new.add_argument("--radio", choices=["wifi", "cellular"], default="wifi", help="sensor")
    new.add_argument("--wifi-ssid")
    new.add_argument(
        "--wifi-password",
        default=os.environ.get("NETTESTAD_WIFI_PASSWORD"),
        help="default: $NETTESTAD_WIFI_PASSWORD (keeps it out of the shell history)",
    )
    new.add_argument("--apn", help="cellular: the SIM's access point name")
    new.add_argument("--mqtt-host", help="broker host name the device connects to")
    new.add_argument("--mqtt-port", type=int, default=None, help="default 8883 (TLS) or 1883")
    new.add_argument("--no-tls", action="store_true", help="plain MQTT (development only)")
    new.add_argument("--topic-root", default=None, help="default: the server's topic root")
    new.add_argument("--sensor", choices=["ultrasonic", "tof"], default="ultrasonic")
    new.add_argument("--sensor-offset-mm", type=int, default=100)
    new.add_argument(
        "--blind-zone-mm", type=int, default=None, help="default 250; LoRaWAN: the codec's"
    )
    new.add_argument("--top-bottom-area-ratio", type=float, default=1.0)
    new.add_argument("--dev-eui", help="lorawan: the DevEUI, 16 hex digits")
    new.add_argument("--codec", help="lorawan: milesight-em310-udl or dragino-ldds75")
    new.add_argument(
        "--report-interval-s", type=int, default=1200, help="lorawan: as the device is set"
    )
    new.add_argument("--api-url", default="https://localhost:8000", help="camera: evidence upload")
    new.add_argument(
        "--out", type=Path, default=None, help="file to write (config.json, camera.env)"
    )
    new.add_argument("--password-file", type=Path, help="Mosquitto password file to update")
    new.set_defaults(handler=_provision)
    revoke = sub.add_parser("revoke", help="refuse a device's messages from now on")
    revoke.add_argument("device_id")
    revoke.add_argument("--password-file", type=Path, help="Mosquitto password file to update")
    revoke.set_defaults(handler=_revoke)
    interval = sub.add_parser(
        "set-interval", help="send a LoRaWAN sensor its reporting interval (downlink)"
    )
    interval.add_argument("device_id")
    interval.add_argument("--seconds", type=int, required=True)
    interval.set_defaults(handler=_set_interval)


def _fail(message: str) -> int:
    print(f"cannot provision: {message}", file=sys.stderr)
    return 1


def _check_out(out: Path) -> str | None:
    """Why ``out`` cannot take the file, checked before anything is registered."""
    if out.is_dir():
        return f"--out {out} is a folder; give a file name, for example {out / 'config.json'}"
    parent = out.parent if str(out.parent) else Path()
    if parent.exists() and not parent.is_dir():
        return f"--out {out}: {parent} is not a folder"
    return None


def _network(args: argparse.Namespace, settings: ServiceSettings) -> Network:
    tls = not args.no_tls
    return Network(
        wifi_ssid=args.wifi_ssid or "",
        wifi_password=args.wifi_password or "",
        mqtt_host=args.mqtt_host,
        mqtt_port=args.mqtt_port or (8883 if tls else 1883),
        mqtt_tls=tls,
        topic_root=args.topic_root or settings.topic_root,
        radio=args.radio,
        apn=args.apn,
    )


def _missing(args: argparse.Namespace) -> str | None:
    """The first argument this kind needs and did not get."""
    needs = {
        "sensor": ["bin_id", "mqtt_host"],
        "lorawan": ["bin_id", "dev_eui", "codec"],
        "camera": ["hotspot_id", "mqtt_host"],
    }[args.kind]
    if args.kind == "sensor" and args.radio == "wifi":
        needs += ["wifi_ssid", "wifi_password"]
    for name in needs:
        if not getattr(args, name):
            flag = {"bin_id": "bin", "hotspot_id": "hotspot"}.get(name, name).replace("_", "-")
            hint = " (or set NETTESTAD_WIFI_PASSWORD)" if name == "wifi_password" else ""
            return f"--kind {args.kind} needs --{flag}{hint}"
    return None


def _provision(args: argparse.Namespace) -> int:
    missing = _missing(args)
    if missing:
        print(missing, file=sys.stderr)
        return 2
    default_name = {"sensor": "config.json", "camera": "camera.env"}.get(args.kind)
    out: Path | None = args.out or (Path(default_name) if default_name else None)
    if out is not None:
        problem = _check_out(out)
        if problem:
            return _fail(problem)
    settings = ServiceSettings()
    try:
        with psycopg.connect(settings.database_url.get_secret_value(), autocommit=True) as conn:
            done = _provision_kind(conn, args, settings, out)
    except ProvisioningError as exc:
        return _fail(str(exc))
    except OSError as exc:  # the file could not be written: say which and why, no traceback
        return _fail(f"{exc.filename or out}: {exc.strerror or exc}")
    print(done)
    if args.password_file and args.kind != "lorawan":
        print(f"updated {args.password_file}; reload the broker to let the device in")
    return 0


def _provision_kind(
    conn: Conn, args: argparse.Namespace, settings: ServiceSettings, out: Path | None
) -> str:
    """Register the device of ``args.kind``; the line that says what was done."""
    if args.kind == "lorawan":
        sensor = LoRaWANSensor(
            dev_eui=args.dev_eui,
            codec=args.codec,
            sensor_offset_mm=args.sensor_offset_mm,
            blind_zone_mm=args.blind_zone_mm,
            report_interval_s=args.report_interval_s,
        )
        register_lorawan_sensor(
            conn=conn, device_id=args.device_id, bin_id=args.bin_id, sensor=sensor
        )
        return (
            f"registered LoRaWAN sensor {args.device_id} ({args.codec}, DevEUI "
            f"{args.dev_eui.lower()}) on bin {args.bin_id}"
        )
    assert out is not None  # sensors and cameras always write a file
    network = _network(args, settings)
    if args.kind == "camera":
        password = generate_password()
        register_camera(conn=conn, device_id=args.device_id, hotspot_id=args.hotspot_id)
        write_private(out, camera_env(
            device_id=args.device_id, password=password, network=network, api_url=args.api_url
        ))  # fmt: skip
        if args.password_file:
            add_device_credentials(
                passwd_file=args.password_file, device_id=args.device_id, password=password
            )
        return f"registered camera {args.device_id} on hotspot {args.hotspot_id}; wrote {out} (keep it secret)"
    mounting = Mounting(
        sensor_kind=args.sensor,
        sensor_offset_mm=args.sensor_offset_mm,
        blind_zone_mm=250 if args.blind_zone_mm is None else args.blind_zone_mm,
        top_bottom_area_ratio=args.top_bottom_area_ratio,
    )
    provision(
        conn=conn,
        device_id=args.device_id,
        bin_id=args.bin_id,
        network=network,
        mounting=mounting,
        out=out,
        password_file=args.password_file,
    )
    return f"registered {args.device_id} ({args.radio}) on bin {args.bin_id}; wrote {out} (keep it secret)"


def _revoke(args: argparse.Namespace) -> int:
    settings = ServiceSettings()
    with psycopg.connect(settings.database_url.get_secret_value(), autocommit=True) as conn:
        revoked = revoke_device(conn=conn, device_id=args.device_id)
    if args.password_file:
        revoke_device_credentials(passwd_file=args.password_file, device_id=args.device_id)
    print(f"{args.device_id}: {'revoked' if revoked else 'not registered or already revoked'}")
    return 0 if revoked else 1


def _set_interval(args: argparse.Namespace) -> int:
    from broker import connect, make_client
    from ingest import IngestSettings
    from ingest.lorawan import topics_for

    settings = IngestSettings()
    topics = topics_for(root=settings.topic_root, prefix=settings.lorawan_topic_prefix)
    client = make_client(settings, client_id=f"nettestad-downlink-{os.getpid()}")

    def publish(topic: str, payload: bytes) -> None:
        connect(client, settings)
        client.loop_start()
        try:
            info = client.publish(topic, payload, qos=1)
            info.wait_for_publish(10)
            if not info.is_published():
                raise ProvisioningError(f"the broker did not take the downlink on {topic}")
        finally:
            client.disconnect()
            client.loop_stop()

    try:
        with psycopg.connect(settings.database_url.get_secret_value(), autocommit=True) as conn:
            topic = send_interval(
                conn=conn, device_id=args.device_id, seconds=args.seconds, topics=topics,
                publish=publish,
            )  # fmt: skip
    except ProvisioningError as exc:
        print(f"cannot set the interval: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"cannot set the interval: broker unreachable ({exc})", file=sys.stderr)
        return 1
    print(f"queued reporting interval {args.seconds} s for {args.device_id} on {topic}")
    return 0
