"""``nettestad db ...``: schema migrations."""

from __future__ import annotations

import argparse

from contracts.settings import ServiceSettings


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``db`` subcommands."""
    db = subparsers.add_parser("db", help="database schema")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    up = db_sub.add_parser("upgrade", help="apply every pending migration")
    up.add_argument(
        "--timescale",
        choices=["auto", "on", "off"],
        default="auto",
        help="use TimescaleDB when the server has it (auto), insist on it (on), or never (off)",
    )
    up.set_defaults(handler=_upgrade)


def _upgrade(args: argparse.Namespace) -> int:
    from contracts.migrate import TimescaleMode, upgrade

    settings = ServiceSettings()
    applied = upgrade(
        settings.database_url.get_secret_value(), timescale=TimescaleMode(args.timescale)
    )
    print(
        f"schema up to date ({len(applied)} migration(s) applied: {', '.join(applied) or 'none'})"
    )
    return 0
