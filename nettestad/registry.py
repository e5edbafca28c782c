"""``nettestad registry import|export``: bins (and hotspots, sensors) in and out as CSV or GeoJSON.

An import checks the whole file first and stores every line or none; problems are printed one a
line as ``FILE:LINE: FIELD: message``. The same code serves ``POST /api/v1/registry/bins/import``.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

FORMATS = ("csv", "geojson")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``registry`` subcommands."""
    registry = subparsers.add_parser("registry", help="bins in and out as CSV or GeoJSON")
    sub = registry.add_subparsers(dest="registry_command", required=True)
    imp = sub.add_parser(
        "import", help="add or update bins, hotspots or sensors; all lines or none"
    )
    imp.add_argument("file", type=Path)
    imp.add_argument(
        "--kind",
        choices=("bins", "hotspots", "sensors", "vehicles", "depots", "disposal-sites", "crews"),
        default="bins",
        help="what the file holds (sensors: a CSV of device_id,bin_id)",
    )
    imp.add_argument("--format", choices=FORMATS, default=None, help="default: from the name")
    imp.add_argument("--dry-run", action="store_true", help="check only, store nothing")
    imp.add_argument("--report", type=Path, default=None, help="write the problems as CSV here")
    imp.set_defaults(handler=_import)
    exp = sub.add_parser("export", help="write every bin as CSV or GeoJSON")
    exp.add_argument("--format", choices=FORMATS, default="csv")
    exp.add_argument("--out", type=Path, default=None, help="a file (default: standard output)")
    exp.set_defaults(handler=_export)


def _fail(message: str) -> int:
    print(f"nettestad registry: {message}", file=sys.stderr)
    return 1


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def _import(args: argparse.Namespace) -> int:
    import psycopg

    from api import get_api_settings, import_kind, registry_io
    from db import audit as audit_store
    from db import connect

    path: Path = args.file
    try:
        data = path.read_bytes()
    except OSError as exc:
        return _fail(f"cannot read {path}: {exc.strerror or exc}")
    fmt = args.format or registry_io.guess_format(path.name, data)
    try:
        with connect(get_api_settings().database_url.get_secret_value()) as conn:
            report = import_kind(
                conn=conn, kind=args.kind, data=data, fmt=fmt, dry_run=args.dry_run, actor=_actor()
            )
            if report.stored:
                audit_store.insert_entry(
                    conn=conn,
                    user_id=None,
                    username=_actor(),
                    role="cli",
                    action="registry.import",
                    object_type=args.kind,
                    object_id="*",
                    client_ip=None,
                    detail={
                        "format": fmt,
                        "lines": report.lines,
                        "created": report.created,
                        "updated": report.updated,
                        "file": path.name,
                    },
                )
    except psycopg.Error as exc:
        reason = exc.diag.message_primary or str(exc).strip().splitlines()[0]
        return _fail(f"the database refused the import, nothing stored: {reason}")
    if args.report is not None:
        try:
            args.report.write_text(registry_io.problems_csv(report.problems), encoding="utf-8")
        except OSError as exc:
            return _fail(f"cannot write {args.report}: {exc.strerror or exc}")
    for p in report.problems:
        where = f"{p.field}: " if p.field else ""
        print(f"{path}:{p.line}: {where}{p.message}", file=sys.stderr)
    if report.more_problems:
        print(f"{path}: … and {report.more_problems} more", file=sys.stderr)
    if report.problems:
        return _fail(f"{path}: {report.message}")
    print(f"{path}: {report.message}")
    return 0


def _export(args: argparse.Namespace) -> int:
    import json

    import psycopg

    from api import get_api_settings, registry_io
    from db import bins as bin_store
    from db import connect

    try:
        with connect(get_api_settings().database_url.get_secret_value()) as conn:
            rows = bin_store.export_rows(conn=conn)
    except psycopg.Error as exc:
        return _fail(f"cannot read the bins: {str(exc).strip().splitlines()[0]}")
    if args.format == "csv":
        text = registry_io.bins_csv(rows)
    else:
        text = json.dumps(registry_io.bins_geojson(rows), ensure_ascii=False, indent=1) + "\n"
    if args.out is None:
        sys.stdout.write(text)
        return 0
    try:
        args.out.write_text(text, encoding="utf-8")
    except OSError as exc:
        return _fail(f"cannot write {args.out}: {exc.strerror or exc}")
    print(f"{len(rows)} bins written to {args.out}", file=sys.stderr)
    return 0
