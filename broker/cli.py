"""``nettestad broker ...``: the broker's configuration, its credentials and its exporter."""

from __future__ import annotations

import argparse
import getpass
import os
import secrets
import signal
import sys
import threading
from pathlib import Path

from broker.mosquitto import BrokerLayout, reload_broker, render_acl, render_config
from broker.passwords import (
    CredentialError,
    add_device_credentials,
    revoke_device_credentials,
    set_service_credentials,
)
from contracts import DEFAULT_ROOT


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


def _exporter(args: argparse.Namespace) -> int:
    from broker.exporter import run_exporter

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    run_exporter(host=args.host, port=args.port, stop=stop)
    return 0
