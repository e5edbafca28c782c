"""``nettestad user ...``: add, list, enable, disable accounts and set a password (each change
audited); ``nettestad evidence purge`` and ``nettestad evidence enrol`` (a camera's key)."""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from db import Conn


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``user`` subcommands."""
    user = subparsers.add_parser("user", help="web app accounts")
    sub = user.add_subparsers(dest="user_command", required=True)
    add = sub.add_parser("add", help="add an account")
    add.add_argument("username")
    add.add_argument(
        "--role", required=True, choices=["crew", "coordinator", "enforcement", "admin"]
    )
    add.add_argument("--name", default=None, help="display name (default: the username)")
    add.add_argument("--vehicle", default=None, help="a crew's vehicle id (its route sheet)")
    add.add_argument("--locale", default="nl-BE", choices=["nl-BE", "en"])
    add.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from standard input instead of prompting",
    )
    add.set_defaults(handler=_add)
    sub.add_parser("list", help="list accounts").set_defaults(handler=_list)
    password = sub.add_parser(
        "password", help="set a new password (ends the account's sessions; e.g. a locked-out admin)"
    )
    password.add_argument("username")
    password.add_argument("--password-stdin", action="store_true", help="read it from stdin")
    password.set_defaults(handler=_password)
    for name, active in (("disable", False), ("enable", True)):
        cmd = sub.add_parser(name, help=f"{name} an account")
        cmd.add_argument("username")
        cmd.set_defaults(handler=_set_active, active=active)
    evidence = subparsers.add_parser("evidence", help="camera evidence retention")
    evidence_sub = evidence.add_subparsers(dest="evidence_command", required=True)
    purge = evidence_sub.add_parser(
        "purge", help="delete evidence past retention that no open case holds (the API also does)"
    )
    purge.set_defaults(handler=_purge)
    enrol = evidence_sub.add_parser(
        "enrol", help="register a camera's public key (printed by `nettestad edge key` on the unit)"
    )
    enrol.add_argument("device_id")
    enrol.add_argument("public_key", help="base64 of the 32-byte Ed25519 public key")
    enrol.set_defaults(handler=_enrol)


def _audit(conn: Conn, action: str, username: str, detail: dict[str, object]) -> None:
    """Enter a change made from the command line in the audit log, as ``cli:<system user>``."""
    from db import audit as audit_log

    try:
        actor = f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        actor = "cli"
    audit_log.insert_entry(
        conn=conn,
        user_id=None,
        username=actor,
        role="cli",
        action=action,
        object_type="user",
        object_id=username,
        detail=detail,
        client_ip=None,
    )


def _add(args: argparse.Namespace) -> int:
    import psycopg

    from api.auth import Role, create_user
    from api.settings import get_api_settings
    from db import connect

    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("password: ")
        if getpass.getpass("again: ") != password:
            print("the passwords differ", file=sys.stderr)
            return 1
    with connect(get_api_settings().database_url.get_secret_value()) as conn:
        try:
            user = create_user(
                conn=conn,
                username=args.username.strip().lower(),
                password=password,
                role=Role(args.role),
                display_name=args.name,
                vehicle_id=args.vehicle,
                locale=args.locale,
            )
        except ValueError as exc:
            print(exc, file=sys.stderr)
            return 1
        except psycopg.errors.UniqueViolation:
            print(f"an account named {args.username!r} exists already", file=sys.stderr)
            return 1
        except psycopg.errors.CheckViolation:
            print("a username is 2-63 of a-z, 0-9, '.', '_', '-'", file=sys.stderr)
            return 1
        _audit(conn, "user.create", user.username, {"role": user.role.value})
    print(f"added {user.username} ({user.role.value})")
    return 0


def _read_password(from_stdin: bool) -> str | None:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    password = getpass.getpass("password: ")
    if getpass.getpass("again: ") != password:
        print("the passwords differ", file=sys.stderr)
        return None
    return password


def _password(args: argparse.Namespace) -> int:
    from api.auth import hash_password
    from api.settings import get_api_settings
    from db import accounts as q
    from db import connect

    password = _read_password(args.password_stdin)
    if password is None:
        return 1
    if len(password) < 10:
        print("a password needs at least 10 characters", file=sys.stderr)
        return 1
    with connect(get_api_settings().database_url.get_secret_value()) as conn:
        row = q.credentials(conn=conn, username=args.username)
        if row is None:
            print(f"no account named {args.username!r}", file=sys.stderr)
            return 1
        q.reset_password(conn=conn, user_id=row.id, password_hash=hash_password(password))
        _audit(conn, "user.password_reset", args.username, {"generated": False})
    print(f"new password set for {args.username}; its sessions ended")
    return 0


def _list(_: argparse.Namespace) -> int:
    from api.settings import get_api_settings
    from db import accounts as q
    from db import connect

    with connect(get_api_settings().database_url.get_secret_value()) as conn:
        for row in q.accounts(conn=conn):
            state = "" if row.active else "  (disabled)"
            vehicle = f"  vehicle {row.vehicle_id}" if row.vehicle_id else ""
            print(f"{row.username:<20} {row.role:<12}{vehicle}{state}")
    return 0


def _set_active(args: argparse.Namespace) -> int:
    from api.settings import get_api_settings
    from db import accounts as q
    from db import connect

    with connect(get_api_settings().database_url.get_secret_value()) as conn:
        row = q.credentials(conn=conn, username=args.username)
        if row is None or not q.set_account_active(conn=conn, user_id=row.id, active=args.active):
            print(f"no account named {args.username!r}", file=sys.stderr)
            return 1
        _audit(conn, "user.enable" if args.active else "user.disable", args.username, {})
    print(f"{args.username} {'enabled' if args.active else 'disabled'}")
    return 0


def _purge(_: argparse.Namespace) -> int:
    from pathlib import Path

    from api.evidence_access import DirectoryEvidence
    from api.retention import purge_expired
    from api.settings import get_api_settings
    from db import connect

    settings = get_api_settings()
    with connect(settings.database_url.get_secret_value()) as conn:
        purged = purge_expired(
            conn=conn,
            files=DirectoryEvidence(
                Path(settings.evidence_dir),
                key_root=Path(settings.evidence_key_dir) if settings.evidence_key_dir else None,
            ),
            retention_days=settings.evidence_retention_days,
        )
    print(f"deleted the evidence of {len(purged)} detection(s)")
    return 0


def _enrol(args: argparse.Namespace) -> int:
    import base64
    import binascii

    import psycopg

    from api.settings import get_api_settings
    from db import connect
    from db.evidence import register_key

    try:
        raw = base64.b64decode(args.public_key, validate=True)
    except binascii.Error:
        raw = b""
    if len(raw) != 32:
        print("an Ed25519 public key is 32 bytes, in base64", file=sys.stderr)
        return 2
    with connect(get_api_settings().database_url.get_secret_value()) as conn:
        try:
            key_id = register_key(conn=conn, device_id=args.device_id, public_key=raw)
        except psycopg.errors.ForeignKeyViolation:
            print(f"no device {args.device_id!r} in the registry", file=sys.stderr)
            return 1
    print(f"key {key_id} is now the active key of {args.device_id}")
    return 0
