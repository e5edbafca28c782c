"""``nettestad broker ...``: the locked-down Mosquitto of a production installation.

It writes the broker configuration and the ACL, keeps device and service credentials in a
Mosquitto password file, and tells a running broker to reload them.

Credentials live in a password file rather than in the dynamic security plugin: the file is
plain text an operator can audit, back up and diff, the broker reloads it on SIGHUP without
dropping anybody else, and nothing needs an admin account on the broker itself (one more
secret to protect). Hashes are written here in Mosquitto's own PBKDF2-SHA512 format (``$7$``),
so neither provisioning nor the API container needs the ``mosquitto_passwd`` binary.

Service accounts are named ``svc_<name>``; a device id can never contain ``_``
(``contracts.topics.DEVICE_ID_PATTERN``), so a device can never take over a service's entry, and
the ``%u`` patterns of the ACL give services no device subtree.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import getpass
import hashlib
import os
import re
import secrets
import signal
import socket
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from config.settings import ServiceSettings
from contracts.topics import CONTRACT_VERSION, DEFAULT_ROOT, DEVICE_ID_PATTERN, UpKind

PBKDF2_ITERATIONS = 1000
SERVICE_PATTERN = re.compile(r"^svc_[a-z0-9_]{1,40}$")
_ROOT_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
# What each service account may do; devices get only the two ``%u`` patterns.
SERVICE_ACL: dict[str, tuple[tuple[str, str], ...]] = {
    # all of up/#, so a message on a subtopic outside the contract is dead-lettered, not lost
    "svc_ingest": (("read", "{root}/v1/dev/+/up/#"),),
    # the API and provisioning send retained configs and one-off commands to devices
    "svc_api": (("write", "{root}/v1/dev/+/down/#"),),
    "svc_scheduler": (("write", "{root}/v1/dev/+/down/#"),),
    # a regional broker's bridge carries its devices' messages in and their commands out
    # (docs/operations.md, "Scaling beyond one machine"); the regional broker enforces %u
    "svc_bridge": (("write", "{root}/v1/dev/+/up/#"), ("read", "{root}/v1/dev/+/down/#")),
    # the Prometheus exporter reads the broker's own statistics
    "svc_metrics": (("read", "$SYS/#"),),
}


# LoRaWAN network servers' MQTT integrations (docs/lorawan.md): each server its own account,
# confined to its devices' uplink events and downlink queue under {root}/lns/; ingest reads the
# uplinks, the API (and `nettestad device set-interval`) queues downlinks.
LNS_ACL: dict[str, tuple[tuple[str, str], ...]] = {
    "svc_lns_chirpstack": (
        ("write", "{root}/lns/application/+/device/+/event/+"),
        ("read", "{root}/lns/application/+/device/+/command/+"),
    ),
    # a bridge from The Things Stack's MQTT server (QoS 0 on its side) into this broker
    "svc_lns_tts": (
        ("write", "{root}/lns/v3/+/devices/+/up"),
        ("read", "{root}/lns/v3/+/devices/+/down/push"),
    ),
    "svc_ingest": (
        ("read", "{root}/lns/application/+/device/+/event/up"),
        ("read", "{root}/lns/v3/+/devices/+/up"),
    ),
    "svc_api": (
        ("write", "{root}/lns/application/+/device/+/command/down"),
        ("write", "{root}/lns/v3/+/devices/+/down/push"),
    ),
}


def acl_rules() -> dict[str, tuple[tuple[str, str], ...]]:
    """Every service account's rules: its own, plus its part in the LoRaWAN integration."""
    rules = dict(SERVICE_ACL)
    for service, extra in LNS_ACL.items():
        rules[service] = rules.get(service, ()) + extra
    return rules


class CredentialError(ValueError):
    """A user name that is not a valid device or service account, or an unusable file."""


# --- password file ------------------------------------------------------------------------------
def hash_password(password: str, *, salt: bytes | None = None) -> str:
    """A Mosquitto ``$7$`` (PBKDF2-SHA512) hash of ``password``."""
    if not password:
        raise CredentialError("an empty password cannot be stored")
    salt = salt if salt is not None else secrets.token_bytes(12)
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, PBKDF2_ITERATIONS)
    encoded_salt = base64.b64encode(salt).decode()
    return f"$7${PBKDF2_ITERATIONS}${encoded_salt}${base64.b64encode(digest).decode()}"


def verify_password(password: str, stored: str) -> bool:
    """Whether ``password`` matches a ``$7$`` hash (the one format this module writes)."""
    parts = stored.split("$")
    if len(parts) != 5 or parts[1] != "7":
        return False
    iterations, salt, digest = int(parts[2]), base64.b64decode(parts[3]), parts[4]
    computed = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, iterations)
    return secrets.compare_digest(base64.b64encode(computed).decode(), digest)


def read_passwd(path: Path) -> dict[str, str]:
    """User name → hash, in file order; a missing file is an empty one."""
    if not path.exists():
        return {}
    entries: dict[str, str] = {}
    for line in path.read_text("utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        user, _, hashed = line.partition(":")
        entries[user] = hashed
    return entries


def _write_passwd(path: Path, entries: dict[str, str]) -> None:
    # Atomic replace: the broker may reload at any moment and must never see half a file.
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.writelines(f"{user}:{hashed}\n" for user, hashed in entries.items())
        # readable by the broker's group, never by others (Mosquitto 2.0.16+ warns otherwise)
        Path(tmp).chmod(0o640)
        if path.exists():
            # keep the owner the operator gave the file (the broker's user in the container)
            info = path.stat()
            with contextlib.suppress(PermissionError):  # not root: the file stays ours
                os.chown(tmp, info.st_uid, info.st_gid)
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _check_device_id(device_id: str) -> None:
    if not DEVICE_ID_PATTERN.match(device_id):
        raise CredentialError(
            f"{device_id!r} is not a device id (pattern {DEVICE_ID_PATTERN.pattern})"
        )


def add_device_credentials(*, passwd_file: Path | str, device_id: str, password: str) -> None:
    """Let ``device_id`` log in with ``password`` (replacing an earlier password); reload after."""
    _check_device_id(device_id)
    path = Path(passwd_file)
    entries = read_passwd(path)
    entries[device_id] = hash_password(password)
    _write_passwd(path, entries)


def revoke_device_credentials(*, passwd_file: Path | str, device_id: str) -> bool:
    """Remove a device's login; False when it had none. Reload the broker to disconnect it."""
    _check_device_id(device_id)
    path = Path(passwd_file)
    entries = read_passwd(path)
    if entries.pop(device_id, None) is None:
        return False
    _write_passwd(path, entries)
    return True


def set_service_credentials(*, passwd_file: Path | str, service: str, password: str) -> None:
    """Create or change a service account (``svc_ingest``, ``svc_api``, ...)."""
    if not SERVICE_PATTERN.match(service):
        raise CredentialError(f"{service!r} is not a service account name (svc_<name>)")
    path = Path(passwd_file)
    entries = read_passwd(path)
    entries[service] = hash_password(password)
    _write_passwd(path, entries)


# --- configuration ------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class BrokerLayout:
    """Where the broker listens and where its files are, as the broker process sees them."""

    cafile: str
    certfile: str
    keyfile: str
    password_file: str
    acl_file: str
    tls_port: int = 8883
    tls_bind: str = ""  # every interface
    # Services (ingest, API, scheduler, exporter) connect here: an internal listener that is never
    # published, where they choose their own client ids (several ingest workers share an account).
    service_port: int = 8884
    service_bind: str = ""
    health_port: int = 1880  # loopback only: an anonymous listener for the health check
    persistence_dir: str | None = "/mosquitto/data/"
    log_dest: str = "stdout"
    pid_file: str | None = None
    sys_interval_s: int = 10  # how often the broker publishes its $SYS statistics
    run_as_user: str | None = None  # started as root, drop to this user (the default: mosquitto)


def render_config(layout: BrokerLayout) -> str:
    """``mosquitto.conf``: one TLS listener for devices and services, one loopback health listener."""
    persistence = (
        f"persistence true\npersistence_location {layout.persistence_dir}\nautosave_interval 60\n"
        if layout.persistence_dir
        else "persistence false\n"
    )
    pid = f"pid_file {layout.pid_file}\n" if layout.pid_file else ""
    user = f"user {layout.run_as_user}\n" if layout.run_as_user else ""
    bind = f" {layout.tls_bind}" if layout.tls_bind else ""
    service_bind = f" {layout.service_bind}" if layout.service_bind else ""
    return f"""\
# Generated by `nettestad broker config`; edit the generator's arguments, not this file.
# Each listener has its own authentication, so the anonymous health listener cannot leak
# into the device listener.
per_listener_settings true
{persistence}{pid}{user}log_dest {layout.log_dest}
log_type error
log_type warning
log_type notice
log_type information
connection_messages true
sys_interval {layout.sys_interval_s}
log_timestamp_format %Y-%m-%dT%H:%M:%S
# The contract's payload limit is 64 KiB; a little more for the topic and properties.
max_packet_size 66560
max_queued_messages 100000
max_inflight_messages 100
persistent_client_expiration 14d

# Devices: TLS only, a password per device, the ACL decides topics. The client id is the user
# name, whatever the client asks for: a device credential (on hardware in the street) can never
# connect as another client and take over its session, ingest's included.
listener {layout.tls_port}{bind}
protocol mqtt
cafile {layout.cafile}
certfile {layout.certfile}
keyfile {layout.keyfile}
tls_version tlsv1.2
allow_anonymous false
use_username_as_clientid true
password_file {layout.password_file}
acl_file {layout.acl_file}

# Services: the same TLS, passwords and ACL on an internal port that is never published; here a
# service chooses its client id (ingest derives a secret one, see deploy/ingest-broker.md).
listener {layout.service_port}{service_bind}
protocol mqtt
cafile {layout.cafile}
certfile {layout.certfile}
keyfile {layout.keyfile}
tls_version tlsv1.2
allow_anonymous false
password_file {layout.password_file}
acl_file {layout.acl_file}

# Health check from inside the broker's own container: loopback, anonymous, $SYS uptime only.
listener {layout.health_port} 127.0.0.1
protocol mqtt
allow_anonymous true
acl_file {layout.acl_file}
"""


def render_acl(*, root: str = DEFAULT_ROOT) -> str:
    """The ACL: each device its own subtree, each service only what it needs."""
    if not _ROOT_PATTERN.match(root):
        raise CredentialError(f"{root!r} is not a valid topic root")
    lines = [
        "# Generated by `nettestad broker acl`.",
        "# Anonymous clients exist only on the loopback health listener.",
        "topic read $SYS/broker/uptime",
        "",
    ]
    for service, rules in acl_rules().items():
        lines.append(f"user {service}")
        lines += [f"topic {access} {topic.format(root=root)}" for access, topic in rules]
        lines.append("")
    base = f"{root}/{CONTRACT_VERSION}/dev/%u"
    lines += [
        "# Every other user is a device whose user name is its device id (docs/mqtt.md); it may",
        "# publish on the contract's up/ topics only, so no subtopic outside it passes.",
        *(f"pattern write {base}/up/{kind.value}" for kind in UpKind),
        f"pattern read {base}/down/#",
        "",
    ]
    return "\n".join(lines)


def reload_broker(*, pid_file: Path | None = None, pid: int | None = None) -> int:
    """Send SIGHUP so the broker rereads its password and ACL files; returns the pid signalled."""
    if pid is None:
        if pid_file is None:
            raise CredentialError("give the broker's pid or its pid file")
        pid = int(pid_file.read_text().strip())
    os.kill(pid, signal.SIGHUP)
    return pid


# --- command line -------------------------------------------------------------------------------
def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``broker`` subcommands."""
    broker = subparsers.add_parser("broker", help="Mosquitto configuration and credentials")
    sub = broker.add_subparsers(dest="broker_command", required=True)

    config = sub.add_parser("config", help="write mosquitto.conf and the ACL into a folder")
    config.add_argument("--out", type=Path, required=True, help="folder to write into")
    config.add_argument("--root", default=os.environ.get("NETTESTAD_TOPIC_ROOT", DEFAULT_ROOT))
    config.add_argument("--config-dir", default="/mosquitto/config", help="as the broker sees it")
    config.add_argument("--certs-dir", default="/mosquitto/certs", help="as the broker sees it")
    config.add_argument("--tls-port", type=int, default=8883)
    config.add_argument(
        "--service-port", type=int, default=8884, help="internal listener for services"
    )
    config.add_argument("--health-port", type=int, default=1880)
    config.add_argument("--data-dir", default="/mosquitto/data/")
    config.set_defaults(handler=_config)

    acl = sub.add_parser("acl", help="print the ACL")
    acl.add_argument("--root", default=os.environ.get("NETTESTAD_TOPIC_ROOT", DEFAULT_ROOT))
    acl.set_defaults(handler=_acl)

    for name, helptext in (
        ("add-device", "give a device a password (generated when none is given)"),
        ("revoke-device", "remove a device's password"),
        ("set-service", "create or change a service account (svc_ingest, svc_api, ...)"),
    ):
        cmd = sub.add_parser(name, help=helptext)
        cmd.add_argument("user", help="device id, or svc_<name> for set-service")
        cmd.add_argument("--passwd-file", type=Path, required=True)
        if name != "revoke-device":
            cmd.add_argument(
                "--password-stdin", action="store_true", help="read the password from stdin"
            )
        cmd.set_defaults(handler=_credentials, action=name)

    reload = sub.add_parser("reload", help="make a running broker reread passwords and ACL")
    target = reload.add_mutually_exclusive_group(required=True)
    target.add_argument("--pid-file", type=Path)
    target.add_argument("--pid", type=int)
    reload.set_defaults(handler=_reload)

    exporter = sub.add_parser("exporter", help="serve the broker's $SYS statistics to Prometheus")
    exporter.add_argument("--host", default="127.0.0.1")
    exporter.add_argument("--port", type=int, default=9466)
    exporter.set_defaults(handler=_exporter)


def _config(args: argparse.Namespace) -> int:
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    layout = BrokerLayout(
        cafile=f"{args.certs_dir}/ca.crt",
        certfile=f"{args.certs_dir}/server.crt",
        keyfile=f"{args.certs_dir}/server.key",
        password_file=f"{args.config_dir}/passwd",
        acl_file=f"{args.config_dir}/acl",
        tls_port=args.tls_port,
        service_port=args.service_port,
        health_port=args.health_port,
        persistence_dir=args.data_dir,
    )
    (out / "mosquitto.conf").write_text(render_config(layout), "utf-8")
    (out / "acl").write_text(render_acl(root=args.root), "utf-8")
    print(f"wrote {out / 'mosquitto.conf'} and {out / 'acl'}")
    return 0


def _acl(args: argparse.Namespace) -> int:
    sys.stdout.write(render_acl(root=args.root))
    return 0


def _read_password(args: argparse.Namespace) -> tuple[str, bool]:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n"), False
    if args.action == "set-service" and sys.stdin.isatty():
        return getpass.getpass(f"password for {args.user}: "), False
    return secrets.token_urlsafe(24), True


def _credentials(args: argparse.Namespace) -> int:
    try:
        if args.action == "revoke-device":
            found = revoke_device_credentials(passwd_file=args.passwd_file, device_id=args.user)
            print(f"{args.user}: {'revoked' if found else 'had no password'}; reload the broker")
            return 0
        password, generated = _read_password(args)
        if args.action == "add-device":
            add_device_credentials(
                passwd_file=args.passwd_file, device_id=args.user, password=password
            )
        else:
            set_service_credentials(
                passwd_file=args.passwd_file, service=args.user, password=password
            )
    except CredentialError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if generated:
        print(password)  # the only time it is shown: the file keeps a hash
    print(f"{args.user}: password set; reload the broker", file=sys.stderr)
    return 0


def _reload(args: argparse.Namespace) -> int:
    pid = reload_broker(pid_file=args.pid_file, pid=args.pid)
    print(f"sent SIGHUP to the broker (pid {pid})")
    return 0


# --- Prometheus exporter for the broker's $SYS statistics ---------------------------------------
_NUMBER = re.compile(r"^\s*(-?\d+(?:\.\d+)?)")


def sys_metric(topic: str, payload: bytes) -> tuple[str, float] | None:
    """A ``$SYS/broker/...`` message as (metric name, value); None when it is not a number."""
    if not topic.startswith("$SYS/broker/"):
        return None
    match = _NUMBER.match(payload.decode("utf-8", errors="replace"))
    if match is None:
        return None  # the version string, timestamps as text
    name = re.sub(r"[^a-zA-Z0-9_]", "_", topic.removeprefix("$SYS/broker/"))
    return f"mosquitto_{name}", float(match.group(1))


class BrokerExporter:
    """Keeps the latest numeric ``$SYS`` values of the broker (read with ``svc_metrics``)."""

    def __init__(self) -> None:
        self.values: dict[str, float] = {}
        self.connected = False

    def on_message(self, topic: str, payload: bytes) -> None:
        """Record one ``$SYS`` message."""
        metric = sys_metric(topic, payload)
        if metric is not None:
            self.values[metric[0]] = metric[1]

    def render(self) -> str:
        """Prometheus text format; every value is a gauge (Mosquitto resets them on restart)."""
        lines = [
            "# TYPE nettestad_broker_exporter_connected gauge",
            f"nettestad_broker_exporter_connected {int(self.connected)}",
        ]
        for name, value in sorted(self.values.items()):
            lines += [f"# TYPE {name} gauge", f"{name} {value:g}"]
        return "\n".join(lines) + "\n"


class ExporterSettings(ServiceSettings):
    """The exporter talks to the broker only; it has no database to protect."""

    def secret_settings(self) -> dict[str, str | None]:
        """Only the broker password counts for the exporter."""
        return {k: v for k, v in super().secret_settings().items() if "DATABASE_URL" not in k}


def run_exporter(*, host: str, port: int, stop: threading.Event) -> None:
    """Subscribe to ``$SYS/#`` with the settings' account and serve ``/metrics`` until ``stop``."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from broker.client import connect, make_client

    settings = ExporterSettings()
    exporter = BrokerExporter()
    client = make_client(settings, client_id=f"exporter-{socket.gethostname()}"[:64])

    def on_connect(c: Any, _u: object, _f: object, reason: Any, _p: object) -> None:
        exporter.connected = not reason.is_failure
        if exporter.connected:
            c.subscribe("$SYS/#", qos=0)

    def on_disconnect(*_: object) -> None:
        exporter.connected = False

    client.on_connect = on_connect
    client.on_disconnect = on_disconnect
    client.on_message = lambda _c, _u, m: exporter.on_message(m.topic, bytes(m.payload))

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/metrics":
                status, body = 200, exporter.render()
            elif self.path == "/health":
                status, body = (200, "ok\n") if exporter.connected else (503, "not connected\n")
            else:
                status, body = 404, "not found\n"
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *_: object) -> None:
            return  # Prometheus scrapes every few seconds: no access log

    server = ThreadingHTTPServer((host, port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    connect(client, settings)
    client.loop_start()
    try:
        stop.wait()
    finally:
        server.shutdown()
        client.disconnect()
        client.loop_stop()


def _exporter(args: argparse.Namespace) -> int:
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    run_exporter(host=args.host, port=args.port, stop=stop)
    return 0
